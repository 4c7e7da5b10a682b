"""Turn trained lstm-graves weights (best.pt or checkpoint.pt) into the bundled default weights.

    python scripts/bundle_weights.py RUN/lstm-graves/best.pt [--meta KEY=VALUE ...]

Writes plugins/lstm_graves/writesmooth_lstm_graves/weights/lstm-graves.pt in float16 (half the
size; loaded back as float32), keeping the config, alphabet and normalisation statistics, and
drops the optimizer and resume state of a checkpoint. Prints the size and the largest change
that float16 storage makes to any weight.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from writesmooth_lstm_graves.models import WEIGHTS_DIR
from writesmooth_lstm_graves.weights import load_weights, save_weights

LIMIT_MB = 16.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("weights", type=Path)
    ap.add_argument("--meta", action="append", default=[], help="KEY=VALUE added to meta")
    ap.add_argument("--out", type=Path, default=WEIGHTS_DIR / "lstm-graves.pt")
    args = ap.parse_args()
    bundle = load_weights(args.weights)
    bundle.model = "lstm-graves"
    for item in args.meta:
        key, _, value = item.partition("=")
        bundle.meta[key] = value
    save_weights(bundle, args.out, half=True)
    size = args.out.stat().st_size / 2**20
    back = load_weights(args.out)
    worst = max((a - b).abs().max().item() for a, b in
                zip(bundle.net.state_dict().values(), back.net.state_dict().values()))
    print(f"wrote {args.out}: {size:.1f} MB (limit {LIMIT_MB:.0f} MB), "
          f"{sum(p.numel() for p in back.net.parameters()):,} parameters, "
          f"largest float16 rounding {worst:.2e}")
    if size > LIMIT_MB:
        raise SystemExit(f"{args.out} is over {LIMIT_MB} MB")


if __name__ == "__main__":
    main()
