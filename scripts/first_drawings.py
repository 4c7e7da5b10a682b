"""How readable weights' first drawings are: one drawing of each of N real transcripts, read.

    python scripts/first_drawings.py --data ../shared/iam-ondb [--weights W] [-n 480]
                                     [--split testset_v] [--seed 0] [--threads 1]

The first ``n`` transcripts of ``--split`` that the weights can write (every character in their
alphabet) are each drawn once as a whole line at the default bias, without the word search, in
seeded batches of 48, and read by the weights' reader. It prints how many lines the reader read
exactly as their text, how many words it read right (in lines read with the right number of
words), how many lines stalled or ran into the step cap, and the reader's median loss (nats per
character). The word search starts from such drawings, so this moves with what it has to choose
from, for every letter alike; a figure of the readers, with their blind spots, not of a person.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from writesmooth import WritesmoothError
from writesmooth.api import DEFAULT_BIAS
from writesmooth.data.dataset import load_dataset
from writesmooth_lstm_graves import sampler as S
from writesmooth_lstm_graves.models import LstmGraves
from writesmooth_lstm_graves.reader import read

BATCH = 48


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="the dataset (IAM-OnDB folder)")
    ap.add_argument("--weights", type=lambda v: None if v == "default" else Path(v), default=None,
                    help="a weights file, or 'default' (the default): the bundled weights")
    ap.add_argument("-n", type=int, default=480, help="transcripts (%(default)s)")
    ap.add_argument("--split", default="testset_v", help="%(default)s; 'all' for every line")
    ap.add_argument("--seed", type=int, default=0, help="the batches' seeds are SEED + first line")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    bundle = LstmGraves.load(args.weights).bundle
    if bundle.reader is None:
        fail("these weights have no reader to read the drawings with")
    try:
        lines = load_dataset(args.data, progress=False).select(
            None if args.split == "all" else args.split)
    except WritesmoothError as err:
        fail(str(err))
    texts = [t for t in (ink.text.strip() for ink in lines)
             if t and not bundle.alphabet.unknown_chars(t)][:args.n]
    if not texts:
        fail(f"no transcript of {args.split} that these weights can write")
    started = time.perf_counter()
    right = words = total_words = cut = 0
    losses = []
    for at in range(0, len(texts), BATCH):
        part = texts[at:at + BATCH]
        drawn = S.draw_lines(bundle, part, bias=DEFAULT_BIAS,
                             generator=torch.Generator().manual_seed(args.seed + at))
        inks = [S._to_ink(bundle, d.offsets, primed=False, text=t) for d, t in zip(drawn, part)]
        for d, text, seen in zip(drawn, part, read(bundle.reader, inks)):
            cut += bool(d.hit_cap or d.stalled)
            right += seen["read"] == text
            want, got = text.split(), seen["read"].split()
            total_words += len(want)
            if len(want) == len(got):
                words += sum(a == b for a, b in zip(want, got))
            losses.append(seen["nll"])
    print(f"{len(texts)} lines of {args.split}: read as their text {right}, words read right "
          f"{words} of {total_words}, stalled or cut {cut}, median reader loss "
          f"{np.median(losses):.3f} nats a character ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
