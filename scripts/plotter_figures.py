"""The figure of the plotter outputs' docs: a page's pen-up moves before and after ordering.

    python scripts/plotter_figures.py          # writes docs/images/plotter-travel.png

The bundled model writes the first four sentences of ``benchmarks/legibility_texts.txt`` (seed
1), laid out on A4 as ``benchmarks/pen_travel.py`` lays them out; the top of the sheet is drawn
twice, strokes in black and the pen-up moves in thin red, from the sheet's top-left corner:
in the order the strokes were written, and in the order the plotter renderers draw them
(vpype's ``linesort``, some strokes drawn backwards).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

import writesmooth
from writesmooth.paper import Paper, chars_per_line, lay_out
from writesmooth_plotter import travel
from writesmooth_plotter.sheet import PX_PER_MM, document

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from pen_travel import sentences, write  # noqa: E402  (the benchmark's page, made the same way)

OUT = ROOT / "docs" / "images" / "plotter-travel.png"
SCALE = 4.0       # output pixels per mm
SUPER = 2         # drawn this much larger, then reduced: smooth lines
TITLE = 28        # output pixels of each panel's title band


def panel(strokes: list[np.ndarray], width_mm: float, height_mm: float, title: str
          ) -> Image.Image:
    k = SCALE * SUPER
    top = TITLE * SUPER
    img = Image.new("RGB", (int(width_mm * k), int(height_mm * k) + top), "white")
    draw = ImageDraw.Draw(img)

    def xy(points: np.ndarray) -> list[tuple[float, float]]:
        return [(float(x) * k, float(y) * k + top) for x, y in points]

    end = np.zeros(2)
    for s in strokes:  # the pen-up moves under the ink
        draw.line(xy(np.array([end, s[0]])), fill=(220, 30, 30), width=SUPER)
        end = s[-1]
    for s in strokes:
        if len(s) == 1:  # a dot: a line of no length draws nothing
            (x, y), r = xy(s)[0], 0.8 * SUPER
            draw.ellipse((x - r, y - r, x + r, y + r), fill="black")
        else:
            draw.line(xy(s), fill="black", width=int(1.6 * SUPER), joint="curve")
    font = ImageFont.load_default(size=15 * SUPER)
    draw.text((8 * SUPER, 6 * SUPER), title, fill="black", font=font)
    draw.rectangle((0, top, img.width - 1, img.height - 1), outline=(160, 160, 160),
                   width=SUPER)
    return img.resize((img.width // SUPER, img.height // SUPER), Image.LANCZOS)


def main() -> None:
    paper = Paper()
    texts = writesmooth.wrap_text(sentences(4), chars_per_line(paper))
    page = lay_out(write(texts, 1), paper)[0]
    written = [s.astype(np.float64) for s in page.strokes]
    ordered = [np.stack([ln.real, ln.imag], axis=1) / PX_PER_MM
               for ln in document(page, sort=True).layers[1]]
    height = max(float(s[:, 1].max()) for s in written) + 8.0
    before, after = travel(page)
    panels = [panel(written, paper.width, height,
                    f"in writing order: {len(written)} strokes, pen up {before:.0f} mm"),
              panel(ordered, paper.width, height,
                    f"ordered (vpype linesort): pen up {after:.0f} mm")]
    out = Image.new("RGB", (panels[0].width, sum(p.height for p in panels) + 12), "white")
    out.paste(panels[0], (0, 0))
    out.paste(panels[1], (0, panels[0].height + 12))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    out.quantize(colors=64).save(OUT, optimize=True)
    print(f"{OUT.relative_to(ROOT)}: {out.width}x{out.height}, {OUT.stat().st_size // 1024} KB;"
          f" pen up {before:.0f} mm in writing order, {after:.0f} mm ordered")


if __name__ == "__main__":
    main()
