"""Draw one word many times in its line and sheet the drawings by how clearly their `x` crosses,
to check the shape check (shapes.py) against one's own eyes.

    python scripts/crossing_sheet.py -o sheet.png [--text "..."] [--word fox] [-n 64]
                                     [--seed 11] [--bias 1.0]

The line is drawn up to the end of ``--word`` (``n`` drawings in one batch, the way the word
search draws them), each drawing's ink from the word on is labelled with its score
(``shapes.letter_score`` of its first `x`, the balance of the crossing: 0 without one), what
the reader reads there and its nats per character, and the rows are sorted by score, highest
first. It prints how many drawings pass the check (score at least ``shapes.MIN_BALANCE``), how
many the reader reads as the word, and how many do both.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from writesmooth.api import DEFAULT_BIAS
from writesmooth.cli.options import draw
from writesmooth.render.layout import MAX_SIDE, ROW_PX
from writesmooth_lstm_graves import sampler as S
from writesmooth_lstm_graves.models import LstmGraves
from writesmooth_lstm_graves.reader import read
from writesmooth_lstm_graves.shapes import MIN_BALANCE, letter_score, reads_as


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("--text", default="The quick brown fox jumps over the lazy dog")
    ap.add_argument("--word", default="fox", help="a word of --text with an x in it")
    ap.add_argument("-n", type=int, default=64, help="drawings (default %(default)s)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--bias", type=float, default=DEFAULT_BIAS)
    args = ap.parse_args()
    if f" {args.word} " not in f" {args.text} " or "x" not in args.word:
        raise SystemExit("--word must be a word of --text with an x in it")
    bundle = LstmGraves.load().bundle
    begin = f" {args.text} ".index(f" {args.word} ")
    stop, xi = begin + len(args.word), args.text.index("x", begin)
    drawn = S.draw_lines(bundle, [args.text] * args.n, bias=args.bias, stops=[stop] * args.n,
                         caps=[S.step_cap(stop)] * args.n,
                         generator=torch.Generator().manual_seed(args.seed))
    inks, scores = [], []
    for d in drawn:
        score = letter_score(bundle.norm.invert(d.offsets), d.window, xi, last=xi == stop - 1)
        first = int(np.argmax(d.window >= begin))  # the word's first point
        inks.append(S._to_ink(bundle, d.offsets[first:], primed=True, text=args.word))
        scores.append(score)
    readings = read(bundle.reader, inks)
    for k, (ink, score, seen) in enumerate(zip(inks, scores, readings)):
        ink.meta["label"] = f"{k}: {score:.2f} reads '{seen['read']}' {seen['nll']:.2f}"
    order = sorted(range(args.n), key=lambda k: -scores[k])
    draw([inks[k] for k in order], args.out, height=min(ROW_PX * args.n, MAX_SIDE))
    passed = {k for k in range(args.n) if scores[k] >= MIN_BALANCE}
    right = {k for k in range(args.n) if readings[k]["read"] == args.word}
    either = {k for k in range(args.n) if reads_as(readings[k]["read"], args.word)}
    print(f"{args.n} drawings of {args.word!r}: {len(passed)} pass the check "
          f"(crossing balance >= {MIN_BALANCE}), the reader reads {len(right)} as "
          f"{args.word!r} ({len(either)} but for the x); "
          f"both: {len(passed & right)} ({len(passed & either)} but for the x)")


if __name__ == "__main__":
    main()
