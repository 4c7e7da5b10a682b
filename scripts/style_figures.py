"""The figures of docs/styles.md, made with the ``writesmooth style`` commands themselves.

    python scripts/style_figures.py          # writes docs/images/style-*.png

1. Each preset as ``writesmooth style show NAME --seed 1`` draws it: its sample, and a pangram
   written with it (``style-<name>.png``).
2. A person's hand, adapted (``style-adapted.png``). IAM-OnDB is not redistributed, so the
   "person" is a stand-in: four lines the bundled network wrote at bias 0.5, primed with a line
   of a testset_v writer it never trained on (form e02-134z). They are added as a style
   (``style add``), adapted for at most three minutes (``style adapt``), and a new text is
   written in the default hand, primed with the style, and with the adapter, under the
   person's lines.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from writesmooth import StyleBank, stack_lines
from writesmooth.cli.options import draw
from writesmooth.data.dataset import load_dataset
from writesmooth_lstm_graves.models import LstmGraves

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
SHARED = ROOT.parent / "shared" / "iam-ondb"
PRESETS = ("slanted", "upright", "round", "narrow", "backhand")
PERSON_FORM = "e02-134z"
PERSON = ["I am writing to ask whether the", "meeting on Friday could start an",
          "hour later, as my train gets in", "at ten past nine. Thank you."]
TEXT = "Could you bring the blue folder on Friday?"


def cli(*args: str, env: dict | None = None) -> None:
    print("$ writesmooth " + " ".join(args))
    done = subprocess.run([sys.executable, "-m", "writesmooth", *args], capture_output=True,
                          text=True, env=env)
    print(done.stdout + done.stderr)
    if done.returncode:
        sys.exit(done.returncode)


def main() -> None:
    for name in PRESETS:
        cli("style", "show", name, "--seed", "1", "-o", str(OUT / f"style-{name}.png"))
    if not SHARED.is_dir():
        print(f"no IAM-OnDB at {SHARED}: style-adapted.png not made")
        return
    lines = [i for i in load_dataset(SHARED, progress=False).select("testset_v")
             if i.meta.get("form") == PERSON_FORM]
    model = LstmGraves.load()
    prime = max(lines, key=lambda ink: len(ink.text))
    person = [model.write([t], bias=0.5, seed=n, style=prime)[0].replace(meta={})
              for n, t in enumerate(PERSON, 1)]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, WRITESMOOTH_STYLES_DIR=tmp)
        sample = Path(tmp) / "person.jsonl"
        sample.write_text("".join(json.dumps({"text": ink.text, "strokes": [
            s.tolist() for s in ink.strokes]}) + "\n" for ink in person))
        cli("style", "add", "person", str(sample), env=env)
        cli("style", "adapt", "person", "--minutes", "3", env=env)
        style = StyleBank.open(Path(tmp)).get("person")
        learnt = model.with_adapter(style.adapter(model.name))
        rows = [stack_lines(person).replace(meta={"label": "the person's lines"})]
        for label, m, primed in (("default hand", model, None),
                                 ("primed with them", model, style.sample),
                                 ("adapted to them", learnt, None)):
            ink = m.write([TEXT], seed=2, style=primed)[0]
            ink.meta["label"] = label
            rows.append(ink)
        draw(rows, OUT / "style-adapted.png")


if __name__ == "__main__":
    main()
