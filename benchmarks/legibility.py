"""Legibility of the bundled model's writing on a fixed set of sentences.

Every sentence of ``benchmarks/legibility_texts.txt`` (117 everyday English sentences, 38 to 53
characters, only characters the bundled model knows) is written as one line at the default
options (``LstmGraves.load().write(texts, seed=S)``: all texts in one call, batched as the model
batches them), for each seed of ``--seeds``; every written line is then read by the bundled
reader (``reader.read``). Printed per seed and over all seeds:

* lines        -- lines written
* words right  -- the share of lines whose every word the reader reads right: the reading and
                  the text are split on spaces, and a line counts only if the two word lists
                  are equal
* CER          -- character error rate: the sum of edit distances between reading and text,
                  over the sum of text lengths
* seconds      -- wall-clock time to write (and read) the lines

The set is fixed: it is a measure, not a training or tuning set. The reader is a model too, so
the figures are the reader's view of the writing, not a person's.

    python benchmarks/legibility.py                          # seeds 1,2,3, all sentences
    python benchmarks/legibility.py --limit 3 --seeds 1      # a quick check
    python benchmarks/legibility.py --json legibility.json   # also write the figures as JSON
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from writesmooth_lstm_graves.models import LstmGraves
from writesmooth_lstm_graves.reader import edit_distance, read

TEXTS = Path(__file__).with_name("legibility_texts.txt")


def load_texts(path: Path = TEXTS) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def figures(texts: list[str], readings: list[str], seconds: float) -> dict:
    right = sum(r.split(" ") == t.split(" ") for r, t in zip(readings, texts))
    errors = sum(edit_distance(r, t) for r, t in zip(readings, texts))
    chars = sum(len(t) for t in texts)
    return {"lines": len(texts), "lines_all_words_right": right,
            "share_all_words_right": right / len(texts) if texts else 0.0,
            "edit_distance": errors, "chars": chars, "cer": errors / chars if chars else 0.0,
            "seconds": seconds}


def row(label: str, f: dict) -> str:
    return (f"{label:>8}  {f['lines']:5d}  {f['lines_all_words_right']:5d}"
            f"  {f['share_all_words_right']:8.1%}  {f['cer']:7.2%}  {f['seconds']:8.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="1,2,3", help="comma list of seeds (default 1,2,3)")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N texts")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    texts = load_texts()[:args.limit]
    print(f"load average at start: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    model = LstmGraves.load()
    if model.bundle.reader is None:
        raise SystemExit("the bundled weights have no reader to read the lines with")
    unknown = sorted({ch for t in texts for ch in model.unknown_chars(t)})
    if unknown:
        raise SystemExit(f"the set holds characters the model does not know: {unknown}")
    print(f"{len(texts)} texts, seeds {seeds}")

    per_seed, all_texts, all_readings, total = {}, [], [], 0.0
    for seed in seeds:
        start = time.perf_counter()
        done = {}
        for i, ink in model.write_stream(texts, seed=seed):
            done[i] = ink
            if len(done) % 4 == 0 or len(done) == len(texts):
                print(f"  seed {seed}: {len(done)}/{len(texts)} lines written, "
                      f"{time.perf_counter() - start:.0f} s", flush=True)
        inks = [done[i] for i in range(len(texts))]
        readings = [r["read"] for r in read(model.bundle.reader, inks)]
        seconds = time.perf_counter() - start
        total += seconds
        per_seed[seed] = figures(texts, readings, seconds)
        per_seed[seed]["wrong"] = [{"text": t, "read": r} for t, r in zip(texts, readings)
                                   if r.split(" ") != t.split(" ")]
        all_texts += texts
        all_readings += readings
    overall = figures(all_texts, all_readings, total)

    print(f"\n{'seed':>8}  {'lines':>5}  {'right':>5}  {'share':>8}  {'CER':>7}  {'seconds':>8}")
    for seed, f in per_seed.items():
        print(row(str(seed), f))
    print(row("all", overall))
    print("  right: lines whose every word the reader reads right; CER: edit distance / length")
    print(f"load average at end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if args.json is not None:
        data = {"texts": len(texts), "seeds": seeds, "per_seed": per_seed, "overall": overall,
                "loadavg_end": os.getloadavg()}
        args.json.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
