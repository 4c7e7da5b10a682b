"""The settings of the plotter renderers, as ``--render-option KEY=VALUE`` fills them.

Only the standard library and writesmooth are imported here: the declarations are read when
writesmooth lists its renderers, which must not import vpype.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Optional

import writesmooth

PENS = ("z", "servo")
ORIGINS = ("bottom-left", "top-left")


@dataclass
class GcodeOptions:
    """How a G-code machine lifts and lowers its pen, how fast it moves, where its origin is."""

    pen: str = writesmooth.option(
        "z", choices=PENS,
        help="How the pen is lifted: 'z' moves the Z axis, 'servo' sends servo commands.")
    z_up: float = writesmooth.option(5.0, help="Z of the lifted pen, in mm (pen z).")
    z_down: float = writesmooth.option(0.0, help="Z of the pen on the paper, in mm (pen z).")
    servo_up: str = writesmooth.option(
        "M5", help="The command that lifts the pen (pen servo), e.g. 'M280 P0 S90'.")
    servo_down: str = writesmooth.option(
        "M3 S30", help="The command that lowers the pen (pen servo), e.g. 'M280 P0 S30'.")
    feed: float = writesmooth.option(
        1500.0, min=1, help="Feed rate while drawing, in mm/min.")
    travel_feed: float = writesmooth.option(
        3000.0, min=1, help="Feed rate of pen-up moves (on G0), in mm/min; machines that "
                            "always make G0 at their rapid rate ignore it.")
    dwell: float = writesmooth.option(
        0.0, min=0, help="Seconds to wait after each pen move (G4 P<seconds>); 0: none.")
    origin: str = writesmooth.option(
        "bottom-left", choices=ORIGINS,
        help="Where X0 Y0 is on the sheet: 'bottom-left' (Y up, as most plotters) or "
             "'top-left' (Y down, as on the page).")
    sort: bool = writesmooth.option(
        True, help="Order the strokes (and draw some backwards) to cut pen-up travel.")


@dataclass
class HpglOptions:
    """Which HPGL plotter and paper vpype writes for."""

    device: str = writesmooth.option(
        "hp7475a", help="The plotter, as vpype's configuration names it (vpype's built-in "
                        "devices, or one of ~/.vpype.toml).")
    paper: Optional[str] = writesmooth.option(
        None, help="The device's paper, as vpype names it (a4, a3, letter, ...); default: "
                   "the device's paper of the page's size, else the smallest that holds it.")
    velocity: Optional[int] = writesmooth.option(
        None, min=1, help="Pen speed sent as VS (the plotter's units, cm/s on HP plotters); "
                          "default: the plotter's own.")
    sort: bool = writesmooth.option(
        True, help="Order the strokes (and draw some backwards) to cut pen-up travel.")


def resolve(cls: type, given: Any) -> Any:
    """``given`` (an instance of ``cls``, or ``None`` for the defaults), its values checked
    against the declaration: an unknown choice or a value below its minimum is one error."""
    options = cls() if given is None else given
    if not isinstance(options, cls):
        raise writesmooth.WritesmoothError(
            f"render options must be {cls.__name__}, not {type(options).__name__}")
    for f in fields(cls):
        value = getattr(options, f.name)
        choices = f.metadata.get("choices")
        if choices is not None and value not in choices:
            raise writesmooth.WritesmoothError(
                f"unknown {f.name} {value!r} (known: {', '.join(choices)})")
        low = f.metadata.get("min")
        if low is not None and value is not None and not value >= low:
            raise writesmooth.WritesmoothError(f"{f.name} must be at least {low:g}, not {value}")
        # a command is one line of the file: a line break would slip other commands in
        if isinstance(value, str) and not value.isprintable():
            raise writesmooth.WritesmoothError(
                f"{f.name} must be one printable line, not {value!r}")
    return options
