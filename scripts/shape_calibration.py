"""Run the shape check (shapes.py) on real writers' lines, to see how strict it is.

    python scripts/shape_calibration.py --data ../shared/iam-ondb [--split testset_v]
                                        [--weights W]

The bundled network is teacher-forced over each line (``sampler.forced_windows``), which gives
the text position its window read at every point, as when it draws; then the check runs on
each word with an ``x`` as on a drawn word: on the points the stop rule keeps when the window
reaches the space after it, where the word search ends a word (``sampler.stop_point``). It
prints the share of real ``x``s that pass (``shapes.uncrossed``), and the words whose ``x``
passes and fails.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from writesmooth.data.dataset import load_dataset
from writesmooth_lstm_graves import shapes
from writesmooth_lstm_graves.models import LstmGraves
from writesmooth_lstm_graves.sampler import forced_windows, stop_point
from writesmooth_lstm_graves.search import word_ends


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="the IAM-OnDB folder (or a cache)")
    ap.add_argument("--split", default="testset_v")
    ap.add_argument("--weights", type=Path, default=None, help="default: the bundled weights")
    args = ap.parse_args()
    bundle = LstmGraves.load(args.weights).bundle
    inks = [ink for ink in load_dataset(args.data, progress=False).select(args.split)
            if shapes.CROSSED.intersection(ink.text)]
    started = time.perf_counter()
    passed, failed = [], []
    for offsets, window, text in forced_windows(bundle, inks):
        for end in word_ends(text):
            word = text[:end].rsplit(" ", 1)[-1]
            if shapes.CROSSED.isdisjoint(word):
                continue
            cut = stop_point(bundle, offsets, window, text, end)
            bad = shapes.uncrossed(offsets[:cut], window[:cut], text, end - len(word), end)
            (failed if bad else passed).append(word)
    seen = len(passed) + len(failed)
    print(f"{len(inks)} real lines of {args.split} with an x, teacher-forced "
          f"({time.perf_counter() - started:.0f} s): the x check passes "
          f"{len(passed)} of {seen} words with an x ({len(passed) / max(seen, 1):.0%})")
    print(f"  passed: {' '.join(passed)}")
    print(f"  failed: {' '.join(failed)}")


if __name__ == "__main__":
    main()
