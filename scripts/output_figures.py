"""Redraw the figures of docs/outputs.md with the bundled model, by the commands the page shows.

    python scripts/output_figures.py [--out docs/images] [--seed 1]

Writes ``every-character.png`` (a line with characters the network never learned),
``letter-page-1.png`` and ``letter-page-2.png`` (docs/examples/letter.txt on ruled A4 with
page numbers) and ``postcard.png`` (a few lines on a squared 148x105 mm card), the pages as
PNG at a modest resolution so they stay small. About two minutes on a laptop's CPU.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LETTER = ROOT / "docs/examples/letter.txt"
EVERY = "Quiz: Zebra 10% @ home, caf\u00e9 na\u00efve"
POSTCARD = ("Greetings from the coast! The sea is cold, the sun is out and the gulls "
            "steal our chips.\n\nSee you soon, Sam")


def write(*args: str) -> None:
    command = [sys.executable, "-m", "writesmooth", "write", *args]
    print(" ".join(command[2:]))
    subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/images")
    parser.add_argument("--seed", type=str, default="1")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    write(EVERY, "-o", str(args.out / "every-character.png"), "--seed", args.seed,
          "--height", "120")
    write("--text-file", str(LETTER), "-o", str(args.out / "letter-page.png"), "--page", "a4",
          "--paper", "ruled", "--page-numbers", "--seed", args.seed, "--color", "navy",
          "-R", "dpi=72")
    write(POSTCARD, "-o", str(args.out / "postcard.png"), "--page", "148x105", "--margins",
          "10", "--line-spacing", "8", "--paper", "squared", "--seed", args.seed, "--color",
          "navy", "-R", "dpi=108")


if __name__ == "__main__":
    main()
