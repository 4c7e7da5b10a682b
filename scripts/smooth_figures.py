"""The figures of docs/writing.md, "Smoothing a page", made by the ``writesmooth smooth``
command itself.

    python scripts/smooth_figures.py          # writes docs/images/smooth-*.png

1. A loose page standing in for a person's: three lines written by the bundled model at bias
   0.1, laid out as a page and saved without its text; then smoothed as a page (the text read
   by the reader), with the original above (``smooth-page.png``), and with ``--keep-legible``
   (``smooth-page-keep.png``).
2. Where ``../shared/iam-ondb`` is present, a whole IAM-OnDB form (a01-003, testset_v) unpacked in
   the distribution's layout and smoothed from its line files with no text given
   (``smooth-form.png``); only the smoothed page is drawn, as IAM-OnDB is not redistributed.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from writesmooth import stack_lines
from writesmooth.data.iam_layout import extract_forms
from writesmooth.plugins import get_toolkit

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
SHARED = ROOT.parent / "shared" / "iam-ondb"
LINES = ["Dear Sam, thank you for the books", "and the long letter. I will write",
         "again when the rain stops."]


def smooth(*args: str) -> None:
    cmd = [sys.executable, "-m", "writesmooth", "smooth", *args]
    print("$ writesmooth smooth " + " ".join(args[:-2]) + " -o " + Path(args[-1]).name)
    done = subprocess.run(cmd, capture_output=True, text=True)
    print(done.stdout + done.stderr)
    if done.returncode:
        sys.exit(done.returncode)


def main() -> None:
    model = get_toolkit().model("lstm-graves").load()
    with tempfile.TemporaryDirectory() as tmp:
        page = stack_lines(model.write(LINES, bias=0.1, seed=11))
        sample = Path(tmp) / "page.json"
        sample.write_text(json.dumps({"id": "page", "text": "",
                                      "strokes": [s.tolist() for s in page.strokes]}))
        smooth(str(sample), "--side-by-side", "--seed", "1", "--height", "900", "-o",
               str(OUT / "smooth-page.png"))
        smooth(str(sample), "--side-by-side", "--keep-legible", "--seed", "1", "--height", "900",
               "-o", str(OUT / "smooth-page-keep.png"))
        if SHARED.is_dir():
            files = extract_forms(SHARED, {"a01-003"}, Path(tmp))
            smooth(*map(str, files), "--seed", "1", "--height", "700", "-o",
                   str(OUT / "smooth-form.png"))


if __name__ == "__main__":
    main()
