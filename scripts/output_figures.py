"""Redraw the page figures of docs/outputs.md with the bundled model.

    python scripts/output_figures.py [--out docs/images] [--seed 1] [--dpi 72]

Writes ``letter-page-1.png`` and ``letter-page-2.png`` (docs/examples/letter.txt on ruled A4
with page numbers, as ``writesmooth write --text-file docs/examples/letter.txt -o letter.png
--page a4 --paper ruled --page-numbers --seed 1`` lays it out) and ``postcard.png`` (a few
lines on a squared 148x105 mm card), as PNG pages at a modest resolution so they stay small.
Writing the letter takes a minute or so on a laptop's CPU.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from writesmooth import Paper, chars_per_line, lay_out, wrap_text
from writesmooth.plugins import get_toolkit
from writesmooth.render.page import PngOptions

ROOT = Path(__file__).resolve().parents[1]
LETTER = ROOT / "docs/examples/letter.txt"
POSTCARD = ("Greetings from the coast! The sea is cold, the sun is out and the gulls "
            "steal our chips.\n\nSee you soon, Sam")


def write_pages(model, text: str, paper: Paper, seed: int) -> list:
    """``text`` wrapped for ``paper``, written by ``model`` and laid out on pages."""
    lines = wrap_text(text, chars_per_line(paper))
    written = dict(model.write_stream(lines, seed=seed))
    return lay_out([written[i] for i in range(len(lines))], paper)


def save(pages: list, out: Path, name: str, dpi: float) -> None:
    renderer = get_toolkit().renderer_for(out / "page.png")
    for n, page in enumerate(pages, 1):
        path = out / (f"{name}-{n}.png" if len(pages) > 1 else f"{name}.png")
        renderer.render([page], path, color="navy", options=PngOptions(dpi=dpi))
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/images")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dpi", type=float, default=72.0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    model = get_toolkit().model("lstm-graves").load()
    letter = Paper.parse("a4", ruling="ruled", page_numbers=True)
    save(write_pages(model, LETTER.read_text(encoding="utf-8"), letter, args.seed), args.out,
         "letter-page", args.dpi)
    card = Paper.parse("148x105", margins="10", line_spacing=8, ruling="squared")
    save(write_pages(model, POSTCARD, card, args.seed), args.out, "postcard", args.dpi * 1.5)


if __name__ == "__main__":
    main()
