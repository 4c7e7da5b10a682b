"""Benchmark: writing word by word against whole lines, with the bundled weights and reader.

Prints, per text, the median time over seeds 1..``--seeds`` of ``writing.write_lines`` with
``search="words"`` (the default with the bundled reader: each word the reader's pick of four
drawings, and of ``--candidates`` more where it needs them, misread words drawn again) and with ``search="lines"`` (the best of as many whole
lines), stop rule and redraws as ``writesmooth write`` runs them, and how many of the kept
lines the reader reads exactly as their text. Sampling uses one thread, as ``write`` does.

    python benchmarks/bench_search.py                  # a few minutes on a 2-core CPU
    python benchmarks/bench_search.py --seeds 1 --text "Hello, world"
"""
from __future__ import annotations

import argparse
import statistics
import time

from writesmooth_lstm_graves.models import LstmGraves
from writesmooth_lstm_graves.writing import write_lines

TEXTS = ["Hello, world", "The quick brown fox jumps over the lazy dog",
         "Please bring two cups of tea to the office, Anna"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--candidates", type=int, default=None, help="default: the model's (16)")
    ap.add_argument("--text", action="append", default=None)
    args = ap.parse_args()
    bundle = LstmGraves.load().bundle
    if bundle.reader is None:
        raise SystemExit("the bundled weights have no reader: nothing to search words with")
    extra = {} if args.candidates is None else {"candidates": args.candidates}
    for text in args.text or TEXTS:
        for search in ("words", "lines"):
            times, exact = [], 0
            for seed in range(1, args.seeds + 1):
                start = time.perf_counter()
                (ink,) = write_lines(bundle, [text], seed=seed, search=search, **extra)
                times.append(time.perf_counter() - start)
                exact += ink.meta["read"] == text
            print(f"{search:5}  {statistics.median(times):6.2f} s median of {args.seeds} "
                  f"({', '.join(f'{t:.2f}' for t in times)}), read exactly {exact}/{args.seeds}"
                  f"  {len(text)} chars: {text!r}", flush=True)


if __name__ == "__main__":
    main()
