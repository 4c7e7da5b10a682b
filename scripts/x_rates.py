"""How often weights draw a crossed, readable `x`: many drawings of words with an `x`, counted.

    python scripts/x_rates.py [--weights W] [-n 96] [--seed 100] [--threads 1] [--word WORD]...

Each word (default: nine words with an `x` in eight sentences, "fox" the check's) is drawn ``n``
times in its line, up to the word's end, in one seeded batch, the way the word search draws it
(``sampler.draw_lines`` with ``stops``); then counted: drawings whose every `x` passes the shape
check (``shapes.MIN_BALANCE``), drawings the weights' reader reads as the word (but for its `x`,
``shapes.reads_as``), both, and the same two with a stricter crossing (balance at least 0.25). The
word search keeps a drawing that passes the check and reads right, so "both" is how many of its
drawings it could keep; the counts are of drawings, not of lines a person reads. Two sets of
weights are compared on the same seeds; ``--seed`` gives a second set of draws to see the spread.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from writesmooth.api import DEFAULT_BIAS
from writesmooth_lstm_graves import sampler as S
from writesmooth_lstm_graves.models import LstmGraves
from writesmooth_lstm_graves.reader import read
from writesmooth_lstm_graves.shapes import MIN_BALANCE, letter_score, reads_as

STRICT = 0.25  # a crossing balance most clear x's reach (docs/writing.md, "Word by word")
WORDS = [("She packed the next box before six", "next"), ("She packed the next box before six", "box"),
         ("She packed the next box before six", "six"), ("We fixed the old taxi on Monday", "fixed"),
         ("We fixed the old taxi on Monday", "taxi"), ("The exit is on the left", "exit"),
         ("An extra pair of boxes arrived", "extra"), ("An extra pair of boxes arrived", "boxes"),
         ("The quick brown fox jumps over the lazy dog", "fox")]
COLUMNS = ("crossed", "reads", "both", "strict", "strict+reads")


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def counts(bundle, text: str, word: str, n: int, seed: int) -> np.ndarray:
    """The :data:`COLUMNS` counts of ``n`` drawings of ``word`` in ``text``."""
    begin = f" {text} ".index(f" {word} ")
    stop = begin + len(word)
    xs = [u for u in range(begin, stop) if text[u] == "x"]
    drawn = S.draw_lines(bundle, [text] * n, bias=DEFAULT_BIAS, stops=[stop] * n,
                         caps=[S.step_cap(stop)] * n,
                         generator=torch.Generator().manual_seed(seed))
    scores, inks = [], []
    for d in drawn:
        off = bundle.norm.invert(d.offsets)
        scores.append(min(letter_score(off, d.window, u, last=u == stop - 1) for u in xs))
        first = int(np.argmax(d.window >= begin))  # the word's first point
        inks.append(S._to_ink(bundle, d.offsets[first:], primed=begin > 0, text=word))
    right = np.array([reads_as(seen["read"], word) for seen in read(bundle.reader, inks)])
    score = np.array(scores)
    return np.array([(score >= MIN_BALANCE).sum(), right.sum(),
                     ((score >= MIN_BALANCE) & right).sum(), (score >= STRICT).sum(),
                     ((score >= STRICT) & right).sum()])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=lambda v: None if v == "default" else Path(v), default=None,
                    help="a weights file, or 'default' (the default): the bundled weights")
    ap.add_argument("-n", type=int, default=96, help="drawings of each word (%(default)s)")
    ap.add_argument("--seed", type=int, default=100,
                    help="seed of the first word's batch, the next word's is one more")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--text", action="append", default=None,
                    help="with --word: a line holding it (repeat both, in pairs)")
    ap.add_argument("--word", action="append", default=None)
    args = ap.parse_args()
    words = WORDS
    if args.word or args.text:
        if len(args.word or []) != len(args.text or []):
            fail("give --text and --word in pairs")
        words = list(zip(args.text, args.word))
    for text, word in words:
        if f" {word} " not in f" {text} " or "x" not in word:
            fail(f"'{word}' must be a word of '{text}' with an x in it")
    torch.set_num_threads(args.threads)
    bundle = LstmGraves.load(args.weights).bundle
    if bundle.reader is None:
        fail("these weights have no reader to read the drawings with")
    total = np.zeros(len(COLUMNS), int)
    print(f"{'word':8s}" + "".join(f"{c:>14s}" for c in COLUMNS))
    for k, (text, word) in enumerate(words):
        row = counts(bundle, text, word, args.n, args.seed + k)
        total += row
        print(f"{word:8s}" + "".join(f"{v:14d}" for v in row), flush=True)
    print(f"{'total':8s}" + "".join(f"{v:14d}" for v in total)
          + f"   of {args.n * len(words)} drawings")


if __name__ == "__main__":
    main()
