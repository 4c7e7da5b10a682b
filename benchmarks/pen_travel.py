"""Pen-up travel of a plotted page, in writing order and after vpype's ``linesort``.

A pen plotter draws the strokes of a page one after another and travels, pen up, from the end
of each to the start of the next. The bundled model writes the first ``--sentences`` (10)
sentences of ``legibility_texts.txt`` as one paragraph (seed 1), wrapped and laid out on plain
A4 as ``writesmooth write --page a4`` lays text out (20 mm margins, 10 mm lines, 2.2 mm
x-height); for each page this prints its strokes, the pen-down length, and the pen-up travel
in millimetres, from the sheet's top-left corner, in the order the strokes were written and
after ordering them as the plotter renderers do (``writesmooth_plotter.travel``), with the
ratio of the two and the seconds the ordering took.

    python benchmarks/pen_travel.py                  # about 20 s on a 2-core CPU
    python benchmarks/pen_travel.py --sentences 20 --seed 2 --json
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import writesmooth
from writesmooth.paper import Paper, chars_per_line, lay_out
from writesmooth_plotter import travel
from writesmooth_plotter.vpype_command import write as write_inks

TEXTS = Path(__file__).with_name("legibility_texts.txt")


def sentences(n: int) -> str:
    lines = [t.strip() for t in TEXTS.read_text(encoding="utf-8").splitlines()]
    return " ".join([t for t in lines if t and not t.startswith("#")][:n])


def write(texts: list[str], seed: int) -> list[writesmooth.Ink]:
    """The lines as ``vpype writesmooth`` writes them, with the default model."""
    return write_inks(writesmooth.load_model(), texts, bias=writesmooth.DEFAULT_BIAS, seed=seed)


def pen_down_mm(page: writesmooth.Ink) -> float:
    return float(sum(np.hypot(*np.diff(s.astype(np.float64), axis=0).T).sum()
                     for s in page.strokes if len(s) > 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    paper = Paper()
    texts = writesmooth.wrap_text(sentences(args.sentences), chars_per_line(paper))
    started = time.perf_counter()
    pages = lay_out(write(texts, args.seed), paper)
    written = time.perf_counter() - started
    rows = []
    for number, page in enumerate(pages, 1):
        started = time.perf_counter()
        before, after = travel(page)
        rows.append({"page": number, "lines": len(page.text.splitlines()),
                     "strokes": page.n_strokes, "pen_down_mm": round(pen_down_mm(page), 1),
                     "pen_up_written_mm": round(before, 1), "pen_up_sorted_mm": round(after, 1),
                     "ratio": round(before / after, 2) if after else None,
                     "sort_seconds": round(time.perf_counter() - started, 3)})
    if args.json:
        print(json.dumps({"seed": args.seed, "lines": len(texts),
                          "write_seconds": round(written, 1), "pages": rows}, indent=2))
        return
    print(f"{len(texts)} lines written in {written:.1f} s (seed {args.seed}), "
          f"{len(pages)} A4 page{'s' if len(pages) > 1 else ''}")
    print(f"{'page':>4} {'lines':>5} {'strokes':>7} {'pen down':>9} {'pen up, written':>16} "
          f"{'pen up, sorted':>15} {'ratio':>6} {'sort s':>7}")
    for r in rows:
        print(f"{r['page']:>4} {r['lines']:>5} {r['strokes']:>7} {r['pen_down_mm']:>6.0f} mm "
              f"{r['pen_up_written_mm']:>13.0f} mm {r['pen_up_sorted_mm']:>12.0f} mm "
              f"{r['ratio']:>6} {r['sort_seconds']:>7}")


if __name__ == "__main__":
    main()
