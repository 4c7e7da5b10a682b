"""Turn trained lstm-graves weights (best.pt or checkpoint.pt) into the bundled default weights.

    python scripts/bundle_weights.py RUN/lstm-graves/best.pt [--meta KEY=VALUE ...]
    python scripts/bundle_weights.py --reader RUN/lstm-graves-reader/reader-best.pt [MORE ...]

Writes plugins/lstm_graves/writesmooth_lstm_graves/weights/lstm-graves.pt in float16 (half the
size; loaded back as float32), keeping the config, alphabet and normalisation statistics, and
drops the optimizer and resume state of a checkpoint. Prints the size and the largest change
that float16 storage makes to any weight. With ``--reader`` the file is a trained reader
(``writesmooth train --model lstm-graves-reader``), written to ``weights/reader.pt`` the same
way; several pen readers (one alphabet and input scale: trained with other seeds, or of other
shapes; an ensemble file adds its members) make one ensemble reader that scores a text by the
mean of their nats and reads it as the first one does (``reader.ReaderEnsemble``). The limit
applies to the two bundled files together.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from writesmooth_lstm_graves.models import WEIGHTS_DIR
from writesmooth_lstm_graves.reader import ensemble, load_reader, save_reader
from writesmooth_lstm_graves.weights import load_weights, save_weights

LIMIT_MB = 16.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("weights", type=Path, nargs="+",
                    help="one weights file (several readers: an ensemble)")
    ap.add_argument("--meta", action="append", default=[], help="KEY=VALUE added to meta")
    ap.add_argument("--reader", action="store_true", help="WEIGHTS is a trained reader")
    ap.add_argument("--out", type=Path, default=None,
                    help="default: weights/lstm-graves.pt (weights/reader.pt with --reader)")
    args = ap.parse_args()
    out = args.out or WEIGHTS_DIR / ("reader.pt" if args.reader else "lstm-graves.pt")
    load, save = (load_reader, save_reader) if args.reader else (load_weights, save_weights)
    if len(args.weights) > 1 and not args.reader:
        ap.error("several weights files make an ensemble of readers only (--reader)")
    bundle = (ensemble([load_reader(p) for p in args.weights]) if len(args.weights) > 1
              else load(args.weights[0]))
    if not args.reader:
        bundle.model = "lstm-graves"
    for item in args.meta:
        key, _, value = item.partition("=")
        bundle.meta[key] = value
    save(bundle, out, half=True)
    back = load(out)
    worst = max((a - b).abs().max().item() for a, b in
                zip(bundle.net.state_dict().values(), back.net.state_dict().values()))
    size = out.stat().st_size / 2**20
    total = sum(p.stat().st_size for p in WEIGHTS_DIR.glob("*.pt")) / 2**20
    print(f"wrote {out}: {size:.1f} MB ({total:.1f} MB bundled in all, limit {LIMIT_MB:.0f} MB), "
          f"{sum(p.numel() for p in back.net.parameters()):,} parameters, "
          f"largest float16 rounding {worst:.2e}")
    if total > LIMIT_MB:
        raise SystemExit(f"the bundled weights are over {LIMIT_MB} MB")


if __name__ == "__main__":
    main()
