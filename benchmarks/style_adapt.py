"""How well a style imitates a writer the network never saw, unprimed, primed and adapted.

IAM-OnDB's line files name no writer, but every form was written by one person, so each form
of the split is taken as one writer's hand. For every form with at least ``--min-lines`` lines
(testset_v: 88 forms), its first ``--style-lines`` lines are the style (what a person would
give: ``writesmooth style add``), and its other lines are scored, in nats per point (lower is
better), as ``writesmooth evaluate --style`` scores them:

* unprimed        -- the bundled network as it is
* primed          -- primed with the style's longest line (``write --style FILE``)
* adapted         -- with the adapter ``style adapt`` learns from the style's lines in at most
                     ``--minutes`` (it stops early on its held-out line), unprimed, as
                     ``write --style NAME`` writes with an adapted style
* adapted+primed  -- the adapter, and primed as well

Then the legibility set (``benchmarks/legibility_texts.txt``, or its first ``--legibility-limit``
sentences) is written at the default options in ``--legibility-styles`` of the adapted hands
and in the default hand, with the same seed, and read by the bundled reader: the character
error rate of each.

    python benchmarks/style_adapt.py                                # everything (about 2 h on 2 cores)
    python benchmarks/style_adapt.py --forms 3 --legibility-limit 5 # a quick look
    python benchmarks/style_adapt.py --every 4 --legibility-limit 40 # a quarter of the forms
    python benchmarks/style_adapt.py --save style_adapt.jsonl       # per-form results; rerun to go on
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from writesmooth.data.dataset import load_dataset
from writesmooth_lstm_graves.models import LstmGraves
from writesmooth_lstm_graves.reader import read

sys.path.insert(0, str(Path(__file__).parent))
from legibility import figures, load_texts  # noqa: E402

KEYS = ("unprimed", "primed", "adapted", "adapted_primed")


def writers(data: Path, split: str, min_lines: int) -> dict[str, list]:
    """The lines of each form of ``split`` with at least ``min_lines`` lines, in order."""
    forms: dict[str, list] = defaultdict(list)
    for ink in load_dataset(data, progress=False).select(split):
        forms[ink.meta.get("form") or ink.id.rsplit("-", 1)[0]].append(ink)
    return {f: lines for f, lines in forms.items() if len(lines) >= min_lines}


def one_writer(model: LstmGraves, form: str, lines: list, style_lines: int, minutes: float,
               keep: Path) -> dict:
    style, held = lines[:style_lines], lines[style_lines:]
    sample = max(style, key=lambda ink: len(ink.text.strip()))
    adapter, resume = keep / f"{form}.adapter", keep / f"{form}.resume"
    start = time.perf_counter()
    run = model.adapt(style, adapter=adapter, resume=resume, minutes=minutes, restart=True)
    adapt_seconds = time.perf_counter() - start
    learnt = model.with_adapter(adapter)
    scores = {"unprimed": model.evaluate(held), "primed": model.evaluate(held, style=sample),
              "adapted": learnt.evaluate(held),
              "adapted_primed": learnt.evaluate(held, style=sample)}
    return {"form": form, "style_lines": len(style), "held_lines": len(held),
            "held_points": scores["unprimed"]["points"],
            **{k: scores[k]["nats_per_point"] for k in KEYS},
            "adapt_seconds": round(adapt_seconds, 1), "steps": run["steps"],
            "stopped": run["stopped"], "adapter_bytes": run["adapter_bytes"]}


def legibility(model, texts: list[str], seed: int) -> dict:
    """The legibility benchmark's figures of ``texts`` written by ``model`` with ``seed``."""
    start = time.perf_counter()
    inks = model.write(texts, seed=seed)
    readings = [r["read"] for r in read(model.bundle.reader, inks)]
    return figures(texts, readings, time.perf_counter() - start)


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2]
                    / "shared" / "iam-ondb")
    ap.add_argument("--split", default="testset_v")
    ap.add_argument("--min-lines", type=int, default=8)
    ap.add_argument("--style-lines", type=int, default=4)
    ap.add_argument("--minutes", type=float, default=3.0, help="adaptation time limit")
    ap.add_argument("--forms", type=int, default=None, help="only the first N forms")
    ap.add_argument("--every", type=int, default=1,
                    help="only every K-th form (in the split's order), for a shorter run")
    ap.add_argument("--save", type=Path, default=None,
                    help="JSON lines of per-form results; forms already there are not redone")
    ap.add_argument("--adapters", type=Path, default=None,
                    help="keep the adapters here (default: a temporary folder)")
    ap.add_argument("--legibility-styles", type=int, default=5)
    ap.add_argument("--legibility-limit", type=int, default=None,
                    help="only the first N sentences of the legibility set")
    ap.add_argument("--seed", type=int, default=1, help="seed of the legibility writing")
    args = ap.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"no IAM-OnDB at {args.data} (--data)")
    print(f"load average at start: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    model = LstmGraves.load()
    chosen = writers(args.data, args.split, args.min_lines)
    forms = list(chosen)[::args.every][:args.forms]
    print(f"{len(chosen)} forms of {args.split} with at least {args.min_lines} lines; "
          f"scoring {len(forms)}", flush=True)
    done: dict[str, dict] = {}
    if args.save is not None and args.save.is_file():
        for line in args.save.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                done[r["form"]] = r
    keep = args.adapters or Path(tempfile.mkdtemp(prefix="style-adapt-"))
    keep.mkdir(parents=True, exist_ok=True)
    for n, form in enumerate(forms, 1):
        if form in done and (keep / f"{form}.adapter").is_file():
            continue
        r = one_writer(model, form, chosen[form], args.style_lines, args.minutes, keep)
        done[form] = r
        if args.save is not None:
            with open(args.save, "a") as fh:
                fh.write(json.dumps(r) + "\n")
        print(f"{n:3d}/{len(forms)} {form:9s} unprimed {r['unprimed']:7.4f}  primed "
              f"{r['primed']:7.4f}  adapted {r['adapted']:7.4f}  adapted+primed "
              f"{r['adapted_primed']:7.4f}  ({r['steps']} steps, {r['adapt_seconds']:.0f} s, "
              f"{r['stopped']})", flush=True)
    rows = [done[f] for f in forms]
    print(f"\nnats per point on the held-out lines of {len(rows)} forms "
          f"({sum(r['held_lines'] for r in rows)} lines), lower is better:")
    for k in KEYS:
        print(f"  {k:15s} mean {mean([r[k] for r in rows]):8.4f}")
    better = sum(r["adapted"] < r["primed"] for r in rows)
    print(f"  adapted better than primed on {better} of {len(rows)} forms, than unprimed on "
          f"{sum(r['adapted'] < r['unprimed'] for r in rows)}; adapted+primed better than "
          f"primed on {sum(r['adapted_primed'] < r['primed'] for r in rows)}")
    secs = [r["adapt_seconds"] for r in rows]
    print(f"  adaptation: mean {mean(secs):.0f} s, longest {max(secs):.0f} s (limit "
          f"{args.minutes:g} min); adapter {rows[0]['adapter_bytes'] / 1024:.0f} KB")

    texts = load_texts()[:args.legibility_limit]
    picked = forms[:args.legibility_styles]
    print(f"\nlegibility set: {len(texts)} sentences, seed {args.seed}, default options, "
          f"read by the bundled reader", flush=True)
    base = legibility(model, texts, args.seed)
    print(f"  {'default hand':22s} CER {base['cer']:7.2%}  ({base['edit_distance']} errors in "
          f"{base['chars']} characters, {base['seconds']:.0f} s)", flush=True)
    worst = 0.0
    for form in picked:
        f = legibility(model.with_adapter(keep / f"{form}.adapter"), texts, args.seed)
        worst = max(worst, f["cer"])
        print(f"  {'adapted to ' + form:22s} CER {f['cer']:7.2%}  ({f['edit_distance']} errors, "
              f"{f['seconds']:.0f} s)", flush=True)
    limit = 1.5 * base["cer"]
    print(f"  worst adapted CER {worst:.2%}; 1.5 x the default hand: {limit:.2%}")
    print(f"load average at end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
