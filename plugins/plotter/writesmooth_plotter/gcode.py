"""G-code for pen plotters, written by vpype-gcode's ``gwrite`` with this package's profiles.

vpype-gcode reads its profiles from vpype's configuration; the profiles in ``gwrite.toml`` are
loaded into it as vpype-gcode loads its own. The profile is a template; what the options
choose (the pen commands, the feed rates) goes in as document properties, which the template
reads before the profile's defaults, so one profile serves every setting and nobody's
``~/.vpype.toml`` is touched.
"""
from __future__ import annotations

import shlex
import tempfile
from pathlib import Path
from typing import Any

import vpype as vp

import writesmooth

from .options import GcodeOptions, resolve
from .sheet import document, run_vpype, sheet_size

PROFILES = {"bottom-left": "writesmooth", "top-left": "writesmooth_topleft"}

vp.config_manager.load_config_file(str(Path(__file__).with_name("gwrite.toml")))


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def pen_commands(options: GcodeOptions) -> tuple[str, str]:
    """The lines that lift and lower the pen (each ending in a new line), the dwell included."""
    if options.pen == "z":
        up = f"G0 Z{_number(options.z_up)}\n"
        down = f"G1 Z{_number(options.z_down)} F{_number(options.feed)}\n"
    else:
        for name in ("servo_up", "servo_down"):  # options.resolve refused line breaks
            command = getattr(options, name)
            if not command.strip():
                raise writesmooth.WritesmoothError(
                    f"{name} must be one G-code command such as 'M3 S30', not {command!r}")
        up, down = options.servo_up.strip() + "\n", options.servo_down.strip() + "\n"
    if options.dwell > 0:
        # G4 P is in seconds for grbl and LinuxCNC (Marlin reads milliseconds there)
        wait = f"G4 P{_number(options.dwell)}\n"
        up, down = up + wait, down + wait
    return up, down


def properties(options: GcodeOptions) -> dict[str, str]:
    """The document properties the profile's template reads."""
    up, down = pen_commands(options)
    return {"ws_pen_up": up, "ws_pen_down": down, "ws_feed": _number(options.feed),
            "ws_travel_feed": _number(options.travel_feed)}


def gcode_text(page: writesmooth.Ink, options: Any = None) -> str:
    """The page as G-code (see the module doc and :class:`GcodeOptions`)."""
    opts = resolve(GcodeOptions, options)
    if opts.pen == "z" and opts.z_down >= opts.z_up:
        raise writesmooth.WritesmoothError(
            f"z_down ({opts.z_down:g} mm) must be below z_up ({opts.z_up:g} mm)")
    props = properties(opts)
    _, height = sheet_size(page)  # document() checks the page
    # the pen starts at the machine's origin: there the ordering starts too
    start = (0.0, height) if opts.origin == "bottom-left" else (0.0, 0.0)
    doc = document(page, sort=opts.sort, start_mm=start)
    for name, value in props.items():
        doc.set_property(name, value)
    with tempfile.TemporaryDirectory(prefix="writesmooth-gcode-") as tmp:
        out = Path(tmp) / "page.gcode"
        run_vpype(f"gwrite --profile {PROFILES[opts.origin]} {shlex.quote(str(out))}", doc)
        return out.read_text(encoding="utf-8")


def write_gcode(page: writesmooth.Ink, path: Path, options: Any = None) -> None:
    writesmooth.atomic_write(Path(path), gcode_text(page, options))
