"""``writesmooth write``: text as handwriting, word-wrapped lines stacked on one page, each
line shown on a progress bar as the model finishes it."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import typer

from ..errors import WritesmoothError
from ..missing import write_lines
from ..paper import chars_per_line, lay_out
from ..text import wrap_text
from . import options as o
from . import paper as p
from . import render_options
from .common import (BIAS, BIASES, DEVICE, MODEL, REPLACE, SEED, STRICT, STYLE_HELP,
                     STYLES_DIR, WEIGHTS, adapted, check_known, check_output, collect,
                     load_model, parse_biases, replacer, resolve_style, save, tell_drawn)
from .console import console, log

DEFAULT_WIDTH = 60    # characters per line before wrapping


def read_text(words: Optional[list[str]], text_file: Optional[Path]) -> str:
    if words and text_file is not None:
        raise WritesmoothError("give the text as arguments or with --text-file, not both")
    if words:
        return " ".join(words)
    if text_file is not None:
        if str(text_file) == "-":
            return sys.stdin.read()
        try:
            return text_file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise WritesmoothError(f"{text_file}: not UTF-8 text ({exc.reason})") from None
    if not sys.stdin.isatty():
        return sys.stdin.read()
    raise WritesmoothError("no text to write: give TEXT, --text-file FILE, or pipe it on stdin")


def write(
    text: Optional[list[str]] = typer.Argument(None,
                                               help="Text to write (words joined by spaces)."),
    text_file: Optional[Path] = typer.Option(None, "--text-file", "-f",
                                             help="Read the text from this file ('-': stdin)."),
    model: str = MODEL,
    weights: Optional[Path] = WEIGHTS,
    bias: float = BIAS,
    biases: Optional[str] = BIASES,
    seed: Optional[int] = SEED,
    style: Optional[str] = typer.Option(None, "--style", help=STYLE_HELP),
    style_text: Optional[str] = typer.Option(
        None, "--style-text", help="Transcript of --style when its file holds none."),
    styles_dir: Optional[Path] = STYLES_DIR,
    width: Optional[int] = typer.Option(
        None, "--width", min=1, show_default=False,
        help=f"Characters per line (default {DEFAULT_WIDTH}; on pages, as many as fit)."),
    out: Path = typer.Option(Path("write.png"), "-o", "--out",
                             help="Output: .svg/.png figure, .pdf pages, plotter files, or "
                                  ".inkml/.json/.jsonl strokes."),
    page: Optional[str] = p.PAGE,
    margins: Optional[str] = p.MARGINS,
    line_spacing: Optional[float] = p.LINE_SPACING,
    paper: Optional[str] = p.PAPER,
    page_numbers: Optional[bool] = p.PAGE_NUMBERS,
    pen_width: Optional[float] = p.PEN_WIDTH,
    replace_unknown: bool = REPLACE,
    strict: bool = STRICT,
    render_option: Optional[list[str]] = render_options.RENDER_OPTION,
    device: str = DEVICE,
    stroke_width: float = o.STROKE_WIDTH,
    color: str = o.COLOR,
    background: str = o.BACKGROUND,
    height: Optional[int] = o.HEIGHT,
    model_options: Optional[dict[str, Any]] = None,
) -> None:
    """Write text as handwriting: word-wrapped lines, sampled together, stacked on one page;
    or, with --page (or a .pdf or plotter output), laid out on sheets of paper."""
    writer = check_output(out)
    bias_list = parse_biases(biases, bias)
    sheet = p.paper_from(out, page, margins=margins, line_spacing=line_spacing, paper=paper,
                         page_numbers=page_numbers, pen_width=pen_width)
    if sheet is not None and len(bias_list) > 1:
        raise WritesmoothError("--biases draws a figure of labelled rows, not pages")
    settings = render_options.build(out, render_option)
    raw = read_text(text, text_file)
    if not raw.strip():
        raise WritesmoothError("no text to write: the text is empty")
    sample = kept = None
    if style is not None:
        sample, kept = resolve_style(style, styles_dir, style_text, "--style-text")
    m, extra = load_model(model, weights, "write", device, model_options or {})
    m, sample = adapted(m, kept, sample)
    if replace_unknown:  # before wrapping, so the lines wrap as they will be written
        raw = replacer(m)(raw)
    if sample is not None and not strict:  # the style's transcript only guides the network
        sample = sample.replace(text=replacer(m)(sample.text))
    if width is None:
        width = DEFAULT_WIDTH if sheet is None else chars_per_line(sheet)
    lines = wrap_text(raw, width)
    check_known(m, [sample.text] if sample is not None else [])
    pages, labels = [], []
    for b in bias_list:
        what = f"writing (bias {b:g})" if len(bias_list) > 1 else "writing"
        made = write_lines(m, lines, strict=strict, bias=b, seed=seed, style=sample, **extra)
        inks = collect(made, len(lines), what)
        if seed is None:  # every bias row uses the seed the first one drew, so rows compare
            seed = next((i.meta["seed"] for i in inks if "seed" in i.meta), None)
        pages.append(inks)
        labels.append(f"bias {b:g}" if biases is not None else "")
    log.info("write: %d line(s), biases %s, seed %s", len(lines), bias_list, seed)
    tell_drawn(pages[0])
    if sheet is not None:
        p.save_pages(lay_out(pages[0], sheet), out, color=color, background=background,
                     options=settings)
    else:
        save(pages, labels, out, writer, stroke_width=stroke_width, color=color,
             background=background, height=height, options=settings)
    if seed is not None:
        console.print(f"seed {seed}", style="dim")
