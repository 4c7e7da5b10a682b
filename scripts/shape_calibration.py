"""Run the shape checks (shapes.py) on real writers' lines, to see how strict they are.

    python scripts/shape_calibration.py --data ../shared/iam-ondb [--split testset_v]
                                        [--lines 500] [--weights W]

The bundled network is teacher-forced over each line (``sampler.forced_windows``), which gives
the text position its window read at every point, as when it draws; then each check runs on
the line's letters as it runs on a drawn word. It prints, for the letters the checks judge,
the share of real ones that pass: ``x`` crossed (``shapes.uncrossed``), ``o`` with a closed
loop of its own (``shapes.unclosed``). For comparison, the same loop rule on letters that have
no loop, each read alone (``spread=0``: a neighbour's loop must not count): how often a "u"
or a "v" would pass for an "o".
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from writesmooth.data.dataset import load_dataset
from writesmooth_lstm_graves import shapes
from writesmooth_lstm_graves.models import LstmGraves
from writesmooth_lstm_graves.sampler import forced_windows

NO_LOOP = "cimnruvw"  # letters without a loop, for the comparison


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="the IAM-OnDB folder (or a cache)")
    ap.add_argument("--split", default="testset_v")
    ap.add_argument("--lines", type=int, default=500, help="the first N lines of the split")
    ap.add_argument("--weights", type=Path, default=None, help="default: the bundled weights")
    args = ap.parse_args()
    bundle = LstmGraves.load(args.weights).bundle
    inks = load_dataset(args.data, progress=False).select(args.split)[:args.lines]
    started = time.perf_counter()
    lines = forced_windows(bundle, inks)
    counts: dict[str, list[int]] = {}  # letter -> [passed, seen]

    def tally(letter: str, seen: int, failed: int) -> None:
        c = counts.setdefault(letter, [0, 0])
        c[0] += seen - failed
        c[1] += seen

    for offsets, window, text in lines:
        tally("x", text.count("x"), shapes.uncrossed(offsets, window, text, 0, len(text)))
        tally("o", text.count("o"), shapes.unclosed(offsets, window, text, 0, len(text)))
        for letter in NO_LOOP:
            tally(f"{letter} (alone)", text.count(letter),
                  shapes.unclosed(offsets, window, text, 0, len(text),
                                  letters=frozenset(letter), spread=0))
    print(f"{len(lines)} real lines of {args.split}, teacher-forced "
          f"({time.perf_counter() - started:.0f} s):")
    print(f"  x crossed: {_share(counts['x'])}")
    print(f"  o with a closed loop of its own: {_share(counts['o'])}")
    print("  letters without a loop that pass the loop rule, read alone: "
          + ", ".join(f"{k[0]} {_share(counts[k])}" for k in counts if k.endswith("(alone)")))


def _share(c: list[int]) -> str:
    return f"{c[0] / c[1]:.0%} of {c[1]}" if c[1] else "none seen"


if __name__ == "__main__":
    main()
