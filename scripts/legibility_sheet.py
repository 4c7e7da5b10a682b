"""Write texts with seeds 1..N at one bias into one labelled figure, to judge legibility by eye.

    python scripts/legibility_sheet.py -o sheet.png [--weights W] [--seeds 10] [--bias 1.0]
                                       [--candidates N] [--per-text] [--text "..."]...

Issue 6's check: every word of "The quick brown fox jumps over the lazy dog" (and of a few
sentences of one's own) legible at the default bias in 10 seeds of 10. Each row is labelled
"seed S: TEXT" (with "[cut at the step cap]" when the window never reached the end in any
draw, "[stalled]" when it stalled in every draw, and the kept candidate's score when there were
several: what the reader read and its nats per character, or the text margin); the rows are
drawn with the registered renderer for the output's suffix.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from writesmooth.api import DEFAULT_BIAS
from writesmooth.cli.options import draw
from writesmooth.plugins import get_toolkit

TEXTS = ["The quick brown fox jumps over the lazy dog",
         "Handwriting is a small miracle of the hand",
         "Please call me back before noon tomorrow"]


def labelled_rows(model, text: str, seeds: int, bias: float, *, show_score: bool = True,
                  **options) -> list:
    """``text`` written with seeds 1..``seeds``, each ink labelled "seed S: TEXT [...]" (the
    kept candidate's score too, unless not ``show_score``: a blind reading must not see it)."""
    inks = []
    for seed in range(1, seeds + 1):
        (ink,) = model.write([text], bias=bias, seed=seed, **options)
        cap = (" [cut at the step cap]" if ink.meta.get("hit_cap") else
               " [stalled]" if ink.meta.get("stalled") else "")
        score = ""
        if show_score and "read_nll" in ink.meta:
            score = (f" [best of {ink.meta['candidates']}: reads '{ink.meta['read']}', "
                     f"{ink.meta['read_nll']:.2f}]")
        elif show_score and "text_margin" in ink.meta:
            score = f" [best of {ink.meta['candidates']}: {ink.meta['text_margin']:.2f}]"
        ink.meta["label"] = f"seed {seed}: {text}{cap}{score}"
        inks.append(ink)
    return inks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("--weights", type=Path, default=None, help="default: the bundled weights")
    ap.add_argument("--model", default="lstm-graves")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--bias", type=float, default=DEFAULT_BIAS,
                    help="default: the toolkit's default bias (%(default)s)")
    ap.add_argument("--candidates", type=int, default=None,
                    help="samples per line, the best kept (default: the model's default)")
    ap.add_argument("--text", action="append", default=None)
    ap.add_argument("--per-text", action="store_true",
                    help="also one figure per text, OUT-1.png, OUT-2.png, ...: rows large enough "
                         "to read every letter (the whole sheet is scaled down on screen)")
    args = ap.parse_args()
    model = get_toolkit().model(args.model).load(args.weights)
    inks, started = [], time.perf_counter()
    texts = args.text or TEXTS
    extra = {"candidates": args.candidates} if args.candidates is not None else {}
    for n, text in enumerate(texts, 1):
        first = len(inks)
        inks += labelled_rows(model, text, args.seeds, args.bias, **extra)
        if args.per_text and len(texts) > 1:
            draw(inks[first:], args.out.with_name(f"{args.out.stem}-{n}{args.out.suffix}"))
    draw(inks, args.out)
    print(f"{len(inks)} lines at bias {args.bias} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
