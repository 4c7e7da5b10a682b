"""``writesmooth smooth``: a person's handwriting written again, neater, in the same hand.

The model is primed with each line and its text and writes that text once more (Graves 2013,
section 5.5); only the new writing is kept, put back where the line was written. The text of
each line comes from ``--text``, the file, the IAM-OnDB layout's transcript beside it, or the
reader, in that order. A sample of several lines (several files, a page of writing) is split
into its lines; ``--keep-legible`` rewrites only the words the reader cannot read.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Optional

import typer

from ..data.iam_layout import layout_transcript
from ..errors import WritesmoothError
from ..ink import Ink
from ..pages import PageLine, find_texts, smooth_line
from . import options as o
from .common import (BIAS, BIASES, DEVICE, MODEL, REPLACE, SEED, STYLES_DIR, WEIGHTS, adapted,
                     check_known, check_output, collect, load_model, parse_biases, replacer,
                     resolve_style, save_page)
from .console import console, log
from .read import load_reader, sample_lines

SOURCES = {"given": "given with --text", "file": "from the file",
           "reader": "as the reader reads it"}


def _layout(ink: Ink) -> tuple[str, str] | None:
    return layout_transcript(Path(ink.source)) if ink.source else None


def say_texts(page: list[PageLine]) -> None:
    """Which text each line is smoothed with, and where it came from."""
    for n, line in enumerate(page, 1):
        where = (f"from the IAM-OnDB transcript {line.where}" if line.source == "iam"
                 else SOURCES[line.source])
        label = f"line {n}: " if len(page) > 1 else ""
        console.print(f"{label}text {where}: {line.text!r}", markup=False, highlight=False,
                      soft_wrap=True)


def smooth(
    samples: list[Path] = typer.Argument(
        ..., help="Handwriting: IAM line XML, InkML or JSON; several files make one page."),
    text: Optional[str] = typer.Option(
        None, "--text", help="What the sample says (one line of text per line of writing); "
                             "default: the file's, the IAM-OnDB transcript's, or the reader's."),
    keep_legible: bool = typer.Option(
        False, "--keep-legible", help="Keep the words the reader reads right as they are; "
                                      "rewrite only the others."),
    reader: Optional[str] = typer.Option(None, "--reader",
                                         help="Model that reads (default: the bundled reader)."),
    style: Optional[str] = typer.Option(
        None, "--style", help="Write each line in this hand instead of its own: a saved "
                              "style's name, or a sample file with its text."),
    style_text: Optional[str] = typer.Option(
        None, "--style-text", help="Transcript of a --style file that holds none."),
    styles_dir: Optional[Path] = STYLES_DIR,
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
    """Rewrite a handwriting sample (a line or a page) more legibly, in its own hand."""
    writer = check_output(out)
    bias_list = parse_biases(biases, bias)
    lines = sample_lines(samples)
    readers: list[Any] = []

    def the_reader():
        if not readers:
            readers.append(load_reader(reader, device))
        return readers[0]

    page = find_texts(lines, given=text, layout=_layout,
                      read=lambda inks: the_reader().read(inks))
    say_texts(page)
    hand = kept = None
    if style is not None:
        hand, kept = resolve_style(style, styles_dir, style_text, "--style-text")
    m, extra = load_model(model, weights, "smooth", device, model_options or {})
    m, hand = adapted(m, kept, hand)
    by_style = style is not None
    if replace_unknown:
        fix = replacer(m)
        for line in page:
            line.text = fix(line.text)
    check_known(m, [line.text for line in page] + ([hand.text] if hand is not None else []))
    if not any(line.text.strip() for line in page):
        raise WritesmoothError("the reader read nothing in the sample: give its text with "
                               "--text \"...\"")
    keeper = the_reader() if keep_legible else None
    rows, labels = [], []
    for b in bias_list:
        def each_line() -> Iterator[tuple[int, Ink]]:
            nonlocal seed
            for i, line in enumerate(page):
                new = smooth_line(m, line, bias=b, seed=seed, extra=extra, reader=keeper,
                                  style=hand, restyle=by_style)
                if seed is None:  # later lines and bias rows reuse the drawn seed: reproducible
                    seed = new.meta.get("seed")
                yield i, new.replace(text=line.text)

        what = f"smoothing (bias {b:g})" if len(bias_list) > 1 else "smoothing"
        rows.append(collect(each_line(), len(page), what))
        labels.append(f"bias {b:g}" if biases is not None else ("smoothed" if side_by_side else ""))
    if keep_legible:
        kept = sum(ink.meta.get("kept_words", 0) for ink in rows[0])
        total = sum(len(line.text.split()) for line in page)
        console.print(f"kept {kept} of {total} words as written; rewrote {total - kept}")
    log.info("smooth: %s, %d line(s), biases %s, seed %s", samples, len(page), bias_list, seed)
    if side_by_side and writer is None:
        rows.insert(0, [line.ink.replace(text=line.text) for line in page])
        labels.insert(0, "original")
    save_page(rows, labels, out, writer, stroke_width=stroke_width, color=color,
              background=background, height=height)
    if seed is not None:
        console.print(f"seed {seed}", style="dim")
