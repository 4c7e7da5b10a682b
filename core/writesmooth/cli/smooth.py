"""``writesmooth smooth``: a person's handwriting written again, neater, in the same hand.

The model is primed with the sample and its transcript and writes the transcript once more
(Graves 2013, section 5.5); only the new writing is kept. A file of several lines (JSON lines,
InkML trace groups) has each line smoothed on its own and stacked as a page.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Optional

import typer

from ..data.io import read_inks
from ..errors import WritesmoothError
from ..ink import Ink
from . import options as o
from .console import console, log
from .common import (BIAS, BIASES, DEVICE, MODEL, REPLACE, SEED, WEIGHTS, check_known,
                     check_output, collect, load_model, parse_biases, replacer, save)


def read_lines(path: Path, text: Optional[str]) -> list[Ink]:
    """The sample's lines, each with points and a transcript, or one clear error."""
    inks = read_inks(path)
    if text is not None:
        if len(inks) > 1:
            raise WritesmoothError(f"{path}: holds {len(inks)} lines; --text is for a one-line "
                                   f"sample (put each line's text in the file instead)")
        inks = [inks[0].replace(text=text)]
    for ink in inks:
        where = f"{path}" + (f" (line {ink.id or '?'})" if len(inks) > 1 else "")
        if ink.n_points < 2:
            raise WritesmoothError(f"{where}: the sample has no handwriting")
        if not ink.text.strip():
            raise WritesmoothError(f"{where}: the sample has no transcript; give it with "
                                   f"--text \"...\"")
    return inks


def smooth(
    sample: Path = typer.Argument(..., help="Handwriting sample: IAM line XML, InkML or JSON."),
    text: Optional[str] = typer.Option(
        None, "--text", help="Transcript of the sample (needed when the file holds none)."),
    model: str = MODEL,
    weights: Optional[Path] = WEIGHTS,
    bias: float = BIAS,
    biases: Optional[str] = BIASES,
    seed: Optional[int] = SEED,
    out: Path = typer.Option(Path("smooth.png"), "-o", "--out",
                             help="Output: .svg/.png figure, or .inkml/.json/.jsonl strokes."),
    side_by_side: bool = typer.Option(False, "--side-by-side",
                                      help="Draw the original above the smoothed version."),
    replace_unknown: bool = REPLACE,
    device: str = DEVICE,
    stroke_width: float = o.STROKE_WIDTH,
    color: str = o.COLOR,
    background: str = o.BACKGROUND,
    height: Optional[int] = o.HEIGHT,
    model_options: Optional[dict[str, Any]] = None,
) -> None:
    """Rewrite a handwriting sample more legibly while keeping its style."""
    writer = check_output(out)
    bias_list = parse_biases(biases, bias)
    lines = read_lines(sample, text)
    m, extra = load_model(model, weights, "smooth", device, model_options or {})
    if replace_unknown:
        fix = replacer(m)
        lines = [ink.replace(text=fix(ink.text)) for ink in lines]
    check_known(m, [ink.text for ink in lines])
    pages, labels = [], []
    for b in bias_list:
        def each_line() -> Iterator[tuple[int, Ink]]:
            nonlocal seed
            for i, ink in enumerate(lines):
                new = m.smooth(ink, bias=b, seed=seed, **extra)
                if seed is None:  # later lines and bias rows reuse the drawn seed: reproducible
                    seed = new.meta.get("seed")
                yield i, new

        what = f"smoothing (bias {b:g})" if len(bias_list) > 1 else "smoothing"
        pages.append(collect(each_line(), len(lines), what))
        labels.append(f"bias {b:g}" if biases is not None else ("smoothed" if side_by_side else ""))
    log.info("smooth: %s, %d line(s), biases %s, seed %s", sample, len(lines), bias_list, seed)
    if side_by_side and writer is None:
        # the original in the units the model wrote in, so the rows share one scale
        scale = pages[0][0].meta.get("prime_scale", 1.0)
        pages.insert(0, [ink.scaled(scale) for ink in lines])
        labels.insert(0, "original")
    save(pages, labels, out, writer, stroke_width=stroke_width, color=color,
         background=background, height=height)
    if seed is not None:
        console.print(f"seed {seed}", style="dim")
