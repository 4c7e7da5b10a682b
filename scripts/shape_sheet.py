"""Draw one word many times in its line and sheet the drawings by the shape checks (shapes.py),
to check them against one's own eyes.

    python scripts/shape_sheet.py -o sheet.png [--text "..."] [--word fox] [-n 64]
                                  [--seed 11] [--bias 1.0]

The line is drawn up to the end of ``--word`` (``n`` drawings in one batch, the way the word
search draws them). Each drawing's ink from the word on is labelled with its checks: for an
``x``, the balance of its crossing (``shapes.letter_score``; 0 without one, passing at
``shapes.MIN_BALANCE``), and how many of its ``o``s have no closed loop of their own
(``shapes.unclosed``); what the reader reads there and its nats per character. The rows are
sorted by the checks, drawings that pass first, then by the reader's loss. It prints how many
drawings pass the checks, how many the reader reads as the word, and how many do both.
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
from writesmooth_lstm_graves.shapes import (CHECKED, CROSSED, MIN_BALANCE, letter_score,
                                            reads_as, unclosed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("--text", default="The quick brown fox jumps over the lazy dog")
    ap.add_argument("--word", default="fox", help="a word of --text with a letter the checks "
                                                  f"judge ({', '.join(sorted(CHECKED))})")
    ap.add_argument("-n", type=int, default=64, help="drawings (default %(default)s)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--bias", type=float, default=DEFAULT_BIAS)
    args = ap.parse_args()
    if f" {args.word} " not in f" {args.text} " or CHECKED.isdisjoint(args.word):
        raise SystemExit(f"--word must be a word of --text with one of {''.join(sorted(CHECKED))}")
    bundle = LstmGraves.load().bundle
    begin = f" {args.text} ".index(f" {args.word} ")
    stop = begin + len(args.word)
    crossed = [u for u in range(begin, stop) if args.text[u] in CROSSED]
    drawn = S.draw_lines(bundle, [args.text] * args.n, bias=args.bias, stops=[stop] * args.n,
                         caps=[S.step_cap(stop)] * args.n,
                         generator=torch.Generator().manual_seed(args.seed))
    inks, checks = [], []
    for d in drawn:
        offsets = bundle.norm.invert(d.offsets)
        balance = [letter_score(offsets, d.window, u, last=u == stop - 1) for u in crossed]
        open_ = unclosed(offsets, d.window, args.text, begin, stop)
        first = int(np.argmax(d.window >= begin))  # the word's first point
        inks.append(S._to_ink(bundle, d.offsets[first:], primed=True, text=args.word))
        checks.append((balance, open_, all(b >= MIN_BALANCE for b in balance) and not open_))
    readings = read(bundle.reader, inks)
    for k, (ink, (balance, open_, ok), seen) in enumerate(zip(inks, checks, readings)):
        parts = [f"x {b:.2f}" for b in balance] + ([f"{open_} o open"] if open_ else [])
        ink.meta["label"] = (f"{k}: {'pass' if ok else 'fail'} ({', '.join(parts) or 'ok'}) "
                             f"reads '{seen['read']}' {seen['nll']:.2f}")
    order = sorted(range(args.n), key=lambda k: (not checks[k][2], readings[k]["nll"]))
    draw([inks[k] for k in order], args.out, height=min(ROW_PX * args.n, MAX_SIDE))
    passed = {k for k in range(args.n) if checks[k][2]}
    right = {k for k in range(args.n) if readings[k]["read"] == args.word}
    either = {k for k in range(args.n) if reads_as(readings[k]["read"], args.word)}
    print(f"{args.n} drawings of {args.word!r}: {len(passed)} pass the shape checks, the reader "
          f"reads {len(right)} as {args.word!r} ({len(either)} but for an x); "
          f"both: {len(passed & right)} ({len(passed & either)} but for an x)")


if __name__ == "__main__":
    main()
