"""``vpype writesmooth TEXT``: a vpype generator that writes TEXT in handwriting with a
writesmooth model, one line under another from the origin, as a layer of vpype lines.

    vpype writesmooth "Dear Sam" linesort write out.svg
    vpype writesmooth --size 4mm --width 40 "$(cat letter.txt)" layout a4 gwrite -p writesmooth out.gcode

Loading this module (vpype loads every plugin at start-up) also loads the G-code profiles
``writesmooth`` and ``writesmooth_topleft`` into vpype-gcode's ``gwrite``.
"""
from __future__ import annotations

from typing import Any, Sequence

import click
import vpype as vp
import vpype_cli

import writesmooth

from . import gcode  # noqa: F401  (loads the gwrite profiles)
from .sheet import lines_of


def layout(inks: Sequence[writesmooth.Ink], size: float, spacing: float) -> writesmooth.Ink:
    """``inks`` (one line each, any units) scaled together to an x-height of ``size``
    (:func:`writesmooth.x_height_of`, as pages are) and stacked ``spacing`` apart, left edge
    at x = 0 and top at y = 0 (same units as both)."""
    written = [ink for ink in inks if not ink.is_empty()]
    scale = size / writesmooth.x_height_of(written) if written else 1.0
    return writesmooth.stack_lines([ink.scaled(scale) for ink in inks], gap=spacing)


def write(model: Any, texts: list[str], *, bias: float, seed: int | None
          ) -> list[writesmooth.Ink]:
    """One ink per text (an empty ink for an empty line); characters the model never learnt
    are drawn from the single-stroke font (:func:`writesmooth.write_lines`)."""
    wanted = [i for i, t in enumerate(texts) if t.strip()]
    lines = [writesmooth.Ink(strokes=[], text=t) for t in texts]
    if wanted:
        made = writesmooth.write_lines(model, [texts[i] for i in wanted], bias=bias, seed=seed)
        for i, ink in made:
            lines[wanted[i]] = ink
    return lines


@click.command("writesmooth")
@click.argument("text", type=str)
@click.option("--seed", type=int, default=None, help="Random seed (the same seed, the same "
              "handwriting).")
@click.option("--bias", type=float, default=writesmooth.DEFAULT_BIAS, show_default=True,
              help="Sampling bias: higher is neater, lower more varied.")
@click.option("-s", "--size", type=vpype_cli.LengthType(), default="2.2mm", show_default=True,
              help="Height of the small letters (x-height), as on 10 mm ruled paper.")
@click.option("-w", "--width", type=click.IntRange(min=1), default=60, show_default=True,
              help="Characters per line before the text wraps.")
@click.option("-n", "--line-spacing", type=vpype_cli.LengthType(), default="10mm",
              show_default=True, help="Distance between the lines' baselines.")
@click.option("-m", "--model", type=str, default=None,
              help="writesmooth model (default: the one `writesmooth write` uses).")
@vpype_cli.generator
def writesmooth_command(text: str, seed: int | None, bias: float, size: float, width: int,
                        line_spacing: float, model: str | None) -> vp.LineCollection:
    """Write TEXT in handwriting with writesmooth, lines stacked from the origin.

    TEXT is word-wrapped to --width characters; a new line in it starts a new line. The
    lines are scaled together so that the small letters are --size high.
    """
    texts = writesmooth.wrap_text(text, width)
    try:
        inks = write(writesmooth.load_model(model), texts, bias=bias, seed=seed)
        page = layout(inks, size, line_spacing)
    except writesmooth.WritesmoothError as exc:
        raise click.ClickException(str(exc)) from None
    return lines_of(page, scale=1.0)  # already in vpype's units


writesmooth_command.help_group = "Generators"
