"""HPGL for pen plotters, written by vpype's ``write_hpgl`` for a device of vpype's
configuration (its built-in plotters, or those a user adds in ``~/.vpype.toml``).

The page goes on the device's paper of its size, else on the smallest paper that holds it,
its top-left corner on the paper's; ink beyond what the plotter can reach there is refused
rather than left to vpype, which would crop it without a word.
"""
from __future__ import annotations

import copy
import io
import math
from pathlib import Path
from typing import Any

import vpype as vp

import writesmooth

from .options import HpglOptions, resolve
from .sheet import PX_PER_MM, check_page, document

SAME_MM = 1.0  # a paper this close to the page's size is the page's size


def _mm(size: tuple[float, float]) -> tuple[float, float]:
    low, high = sorted(size)
    return low / PX_PER_MM, high / PX_PER_MM


def _describe(paper: vp.PaperConfig) -> str:
    if paper.paper_size is None:
        return f"{paper.name} (any size)"
    low, high = _mm(paper.paper_size)
    return f"{paper.name} ({low:.0f} x {high:.0f} mm)"


def plotter(device: str) -> vp.PlotterConfig:
    config = vp.config_manager.get_plotter_config(device)
    if config is None:
        known = ", ".join(sorted(vp.config_manager.get_plotter_list()))
        raise writesmooth.WritesmoothError(f"unknown HPGL device {device!r} (known: {known})")
    return config


def choose_paper(config: vp.PlotterConfig, width: float, height: float,
                 name: str | None = None) -> vp.PaperConfig:
    """The paper of ``config`` for a ``width`` x ``height`` mm page: ``name`` if given, else
    the paper of the page's size, else the smallest that holds it."""
    page = sorted((width, height))

    def holds(paper: vp.PaperConfig) -> bool:
        return paper.paper_size is None or all(
            p <= s + SAME_MM for p, s in zip(page, _mm(paper.paper_size)))

    papers = ", ".join(_describe(p) for p in config.paper_configs)
    if name is not None:
        paper = config.paper_config(name)
        if paper is None:
            raise writesmooth.WritesmoothError(
                f"device {config.name!r} has no paper {name!r} (its papers: {papers})")
        candidates = [paper]
    else:
        candidates = sorted((p for p in config.paper_configs if p.paper_size is not None),
                            key=lambda p: math.prod(_mm(p.paper_size)))
        same = [p for p in candidates
                if all(abs(a - b) <= SAME_MM for a, b in zip(page, _mm(p.paper_size)))]
        candidates = same or candidates
    fitting = [p for p in candidates if holds(p)]
    if not fitting:
        raise writesmooth.WritesmoothError(
            f"the {width:g} x {height:g} mm page is larger than the paper of HPGL device "
            f"{config.name!r} (its papers: {papers})")
    return fitting[0]


def plotter_bounds(doc: vp.Document, config: vp.PlotterConfig, paper: vp.PaperConfig,
                   landscape: bool) -> tuple[float, float, float, float] | None:
    """Where ``doc``'s ink lands in plotter units: the placement of ``vp.write_hpgl`` (no
    centring) without its final crop."""
    size = paper.paper_size or doc.page_size
    if (paper.paper_orientation == "portrait" and size[0] > size[1]) or (
            paper.paper_orientation == "landscape" and size[0] < size[1]):
        size = size[::-1]
    origin_x, origin_y = paper.origin_location
    if paper.origin_location_reference == "botleft":
        origin_y = size[1] - origin_y
    doc = copy.deepcopy(doc)
    if landscape != (size[0] > size[1]):
        doc.rotate(-math.pi / 2)
        doc.translate(0, size[1])
    if paper.rotate_180:
        doc.scale(-1, -1)
        doc.translate(*size)
    doc.translate(-origin_x, -origin_y)
    unit = 1 / config.plotter_unit_length
    doc.scale(unit, -unit if paper.y_axis_up else unit)
    return doc.bounds()


def hpgl_text(page: writesmooth.Ink, options: Any = None) -> str:
    """The page as HPGL (see the module doc and :class:`HpglOptions`)."""
    opts = resolve(HpglOptions, options)
    width, height = check_page(page)
    config = plotter(opts.device)
    paper = choose_paper(config, width, height, opts.paper)
    doc = document(page, sort=opts.sort)
    landscape = width > height
    bounds = plotter_bounds(doc, config, paper, landscape)
    if bounds is not None and paper.x_range is not None and paper.y_range is not None:
        (x0, x1), (y0, y1) = paper.x_range, paper.y_range
        if bounds[0] < x0 - 0.5 or bounds[1] < y0 - 0.5 or bounds[2] > x1 + 0.5 or \
                bounds[3] > y1 + 0.5:
            raise writesmooth.WritesmoothError(
                f"the ink reaches beyond what HPGL device {config.name!r} can draw on paper "
                f"{paper.name!r} ({x0}-{x1} by {y0}-{y1} plotter units); lay the page out "
                f"with wider margins")
    out = io.StringIO()
    try:
        vp.write_hpgl(out, doc, page_size=paper.name, landscape=landscape, center=False,
                      device=opts.device, velocity=opts.velocity, quiet=True)
    except ValueError as exc:  # a device configuration vpype cannot use
        raise writesmooth.WritesmoothError(f"HPGL device {opts.device!r}: {exc}") from None
    return out.getvalue()


def write_hpgl(page: writesmooth.Ink, path: Path, options: Any = None) -> None:
    writesmooth.atomic_write(Path(path), hpgl_text(page, options))
