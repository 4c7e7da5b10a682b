"""Make the preset styles bundled with writesmooth-lstm-graves (a maintainer's script).

IAM-OnDB is not redistributed, so a preset holds no IAM-OnDB ink: it is the bundled network's
own writing, primed with one line of one training writer (a form of the training set), and so
in that writer's hand. The writers are chosen for variety by the hand measures of
``writesmooth.hand`` (slant, x-height, letter width), averaged over each form's lines:

* slanted   -- the form that leans most to the right
* upright   -- the least slanted form among those of middle size
* round     -- the widest letters for their height
* narrow    -- the narrowest letters for their height
* backhand  -- the form that leans most to the left

For each, :data:`LINES` are written primed with the form's longest line, at the default
options and a fixed seed; a line the bundled reader does not read right is written again with
the next seed (at most :data:`TRIES` seeds). These lines are the preset's sample, written to
``plugins/lstm_graves/writesmooth_lstm_graves/presets/<name>/style.json`` (the style file
format), their hand measures printed beside the writer's. Then the network is adapted to the
writer's own lines, as ``writesmooth style adapt`` does (at most :data:`MINUTES` minutes), and the
adapter stored beside it (``adapters/lstm-graves.adapter``): ``write --style NAME`` writes with it.
An adapter that did not improve the writer's held-out lines changes nothing, and is not kept: that
preset is written by priming with its sample.

    python scripts/make_presets.py            # needs ../shared/iam-ondb
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from writesmooth.data.dataset import load_dataset
from writesmooth.hand import hand_stats
from writesmooth.styles import style_from
from writesmooth_lstm_graves.models import LstmGraves
from writesmooth_lstm_graves.reader import read

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "iam-ondb"
OUT = ROOT / "plugins" / "lstm_graves" / "writesmooth_lstm_graves" / "presets"
LINES = ["Every hand keeps its own slant and size,",
         "the rhythm of its letters and the way",
         "it joins them, or leaves them apart."]
TRIES = 6
MINUTES = 3.0
DESCRIPTIONS = {
    "slanted": "leans well to the right, a quick running hand",
    "upright": "stands straight up, small and even",
    "round": "wide, rounded letters, spaced apart",
    "narrow": "narrow letters in a compact hand",
    "backhand": "leans a little to the left, letters apart",
}


def form_stats(inks) -> dict[str, dict[str, float]]:
    forms = defaultdict(list)
    for ink in inks:
        forms[ink.meta.get("form")].append(ink)
    stats = {}
    for form, lines in forms.items():
        per = [hand_stats(ink) for ink in lines if len(ink.text) >= 10]
        if len(per) < 4:
            continue
        s = {k: float(np.nanmedian([p[k] for p in per])) for k in per[0]}
        if all(math.isfinite(v) for v in s.values()) and s["x_height"] > 0:
            s["roundness"] = s["letter_width"] / s["x_height"]
            stats[form] = s
    return stats, forms


def choose(stats: dict[str, dict[str, float]]) -> dict[str, str]:
    forms = list(stats)
    size = np.array([stats[f]["x_height"] for f in forms])
    lo, hi = np.percentile(size, [25, 75])
    middle = [f for f, s in zip(forms, size) if lo <= s <= hi]
    picked: dict[str, str] = {}

    def take(name: str, pool: list[str], key) -> None:
        picked[name] = min((f for f in pool if f not in picked.values()), key=key)

    take("slanted", forms, lambda f: -stats[f]["slant"])
    take("upright", middle, lambda f: abs(stats[f]["slant"]))
    take("round", middle, lambda f: -stats[f]["roundness"])
    take("narrow", middle, lambda f: stats[f]["roundness"])
    take("backhand", forms, lambda f: stats[f]["slant"])
    return picked


def write_preset(model: LstmGraves, name: str, prime) -> list:
    lines = []
    for text in LINES:
        for seed in range(1, TRIES + 1):
            ((_, ink),) = model.write_stream([text], seed=seed, style=prime)
            seen = read(model.bundle.reader, [ink])[0]["read"]
            if seen == text:
                break
        print(f"  {name}: {text!r} seed {seed}, read {seen!r}")
        lines.append(ink.replace(text=text, meta={}))
    return lines


def main() -> None:
    if not SHARED.is_dir():
        raise SystemExit(f"no IAM-OnDB at {SHARED}")
    inks = load_dataset(SHARED, progress=False).select("trainset")
    stats, forms = form_stats(inks)
    picked = choose(stats)
    model = LstmGraves.load()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, form in picked.items():
        prime = max(forms[form], key=lambda ink: len(ink.text))
        print(f"{name}: writer of form {form} ({', '.join(f'{k} {v:.2f}' for k, v in stats[form].items())})")
        lines = write_preset(model, name, prime)
        made = [hand_stats(ink) for ink in lines]
        print("  written: " + ", ".join(f"{k} {np.median([m[k] for m in made]):.2f}"
                                         for k in made[0]))
        style = style_from(name, lines, DESCRIPTIONS[name])
        path = OUT / name / "style.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(style.to_dict(), separators=(",", ":")) + "\n")
        print(f"  wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.0f} KB)")
        adapter = path.parent / "adapters" / f"{model.name}.adapter"
        adapter.parent.mkdir(exist_ok=True)
        run = model.adapt(forms[form], adapter=adapter, resume=OUT / f".{name}.resume",
                          minutes=MINUTES, restart=True)
        print(f"  adapted on the writer's {len(forms[form])} lines: {run['steps']} steps, "
              f"held-out {run['val_nats_per_point_before']:.3f} -> "
              f"{run['val_nats_per_point']:.3f}; {adapter.stat().st_size / 1024:.0f} KB")
        if run["best_step"] == 0:
            adapter.unlink()
            adapter.parent.rmdir()
            print("  no better than the network as it is: not kept, the preset primes")


if __name__ == "__main__":
    main()
