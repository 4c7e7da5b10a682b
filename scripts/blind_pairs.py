"""Blind pairs: each text written by two sets of weights, saved under names that hide which is
which, so that legibility can be counted without knowing the weights.

    python scripts/blind_pairs.py A B -o DIR [--text "..."]... [--seeds 10] [--bias 1.0]
    python scripts/blind_pairs.py --reveal DIR

A and B are weights files or ``default`` (the bundled weights), each optionally followed by
sampler options, ``default:candidates=4`` or ``run/best.pt:candidates=4:score=margin``, so
that two ways of sampling the same weights can be compared too. For text N the two figures,
seeds 1..S each, become DIR/sN_X.png and DIR/sN_Y.png, X and Y drawn at random per text; which
is A is kept in DIR/.mapping.json. Count the lines with every word readable on each figure,
write the counts down, and only then run ``--reveal``. The model card's blind readings were
made this way.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from legibility_sheet import TEXTS, labelled_rows
from writesmooth.api import DEFAULT_BIAS
from writesmooth.cli.options import draw
from writesmooth.plugins import get_toolkit

MAPPING = ".mapping.json"
OTHER = {"X": "Y", "Y": "X"}  # the name of the other figure of a pair


def reveal(folder: Path) -> None:
    path = folder / MAPPING
    if not path.is_file():
        sys.exit(f"error: {path}: no such file (write the pairs first)")
    m = json.loads(path.read_text())
    for n, (text, a_is) in enumerate(zip(m["texts"], m["a_is"]), 1):
        print(f"s{n}: {a_is} = A ({m['A']}), {OTHER[a_is]} = B ({m['B']})  {text}")


def parse_spec(spec: str) -> tuple[Path | None, dict]:
    """``"W:key=value:..."`` -> (weights path or None for the bundled ones, write options)."""
    weights, *pairs = spec.split(":")
    options: dict = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            sys.exit(f"error: '{pair}' in '{spec}' is not KEY=VALUE")
        options[key] = int(value) if value.isdigit() else value
    return (None if weights == "default" else Path(weights)), options


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", nargs="?", help="weights file, or 'default'")
    ap.add_argument("b", nargs="?", help="weights file, or 'default'")
    ap.add_argument("-o", "--out", type=Path, help="folder for the figures")
    ap.add_argument("--reveal", type=Path, metavar="DIR", help="print which figure is which")
    ap.add_argument("--model", default="lstm-graves")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--bias", type=float, default=DEFAULT_BIAS)
    ap.add_argument("--text", action="append", default=None)
    ap.add_argument("--key", type=int, default=None,
                    help="seed of the X/Y draw (default: a fresh one, so no one can predict it)")
    args = ap.parse_args()
    if args.reveal:
        return reveal(args.reveal)
    if not (args.a and args.b and args.out):
        ap.error("give A, B and -o DIR (or --reveal DIR)")
    cls = get_toolkit().model(args.model)
    specs = [parse_spec(spec) for spec in (args.a, args.b)]
    models = [cls.load(weights) for weights, _ in specs]
    texts = args.text or TEXTS
    rng = random.Random(args.key)
    args.out.mkdir(parents=True, exist_ok=True)
    a_is = []
    for n, text in enumerate(texts, 1):
        a_is.append(rng.choice("XY"))
        for model, (_, options), name in zip(models, specs, (a_is[-1], OTHER[a_is[-1]])):
            rows = labelled_rows(model, text, args.seeds, args.bias, show_score=False, **options)
            draw(rows, args.out / f"s{n}_{name}.png", quiet=True)
    (args.out / MAPPING).write_text(json.dumps({"A": args.a, "B": args.b, "texts": texts,
                                                "a_is": a_is}))
    n = len(texts)
    print(f"wrote {n} pair{'s' if n != 1 else ''} to {args.out} (s1_X.png ... s{n}_Y.png); "
          f"count them, then: python {sys.argv[0]} --reveal {args.out}")


if __name__ == "__main__":
    main()
