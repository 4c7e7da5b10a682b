"""writesmooth: handwriting synthesis and smoothing (Graves 2013) as a plugin toolkit.

The public contract for plugin authors: :class:`Model` (with :func:`option` declarations and
:data:`NOTICES`), :class:`Renderer`, :class:`InkFormat`, :class:`DatasetLayout`,
:data:`hookimpl`, :data:`DEFAULT_BIAS`, the :class:`Ink` type they all exchange, the training
options and events (:mod:`writesmooth.events`, :mod:`writesmooth.training`), and :mod:`writesmooth.report` for telling the
user something. Plugins import nothing else of writesmooth, and never ``writesmooth.cli``.
"""
from . import report
from .api import (CAPABILITIES, DEFAULT_BIAS, NOTICES, POSITIONS, SAMPLE_SCALE, DatasetLayout,
                  FigureOptions, InkFormat, Model, Renderer, TrainOptions, TrainRun, WriteJob,
                  add_notice, notices, option, unknown_characters)
from .devices import resolve_device
from .errors import (InkFormatError, NotImplementedCapability, PluginError,
                     WritesmoothError)
from .events import Attention, BatchEnd, EpochEnd, TrainEnd, TrainHistory
from .training import TrainEvents
from .export import output_suffixes, render_bytes
from .files import atomic_write
from .hookspecs import hookimpl
from .ink import Ink, baseline, stack_lines
from .lines import split_lines
from .missing import LinePlan, can_draw, draw_missing, plan_line, write_lines
from .pages import PageLine, find_texts, on_baseline, smooth_line, split_sample
from .plugins import find_model, load_model
from .paper import (PAPER_SIZES, RULE_COLOUR, RULE_WIDTH, Paper, as_pages, chars_per_line,
                    is_page, lay_out, ruling_lines, x_height_of)
from .render.layout import parse_colour
from .styles import Style, StyleBank, default_styles_dir
from .text import wrap_text

__version__ = "0.1.0"

__all__ = [
    "Attention", "BatchEnd", "CAPABILITIES", "DEFAULT_BIAS", "DatasetLayout", "EpochEnd",
    "FigureOptions", "Ink", "InkFormat", "InkFormatError", "LinePlan", "Model", "NOTICES",
    "NotImplementedCapability", "POSITIONS", "PageLine", "PluginError", "Renderer", "SAMPLE_SCALE", "Style",
    "StyleBank", "TrainEnd", "TrainEvents", "TrainHistory", "TrainOptions", "TrainRun", "WriteJob",
    "WritesmoothError", "__version__", "add_notice", "atomic_write", "baseline", "can_draw", "draw_missing", "default_styles_dir", "find_texts",
    "hookimpl", "notices", "on_baseline", "option", "output_suffixes", "plan_line", "render_bytes", "report",
    "resolve_device", "smooth_line", "split_lines", "split_sample", "stack_lines",
    "unknown_characters", "wrap_text", "write_lines",
    "PAPER_SIZES", "Paper", "RULE_COLOUR", "RULE_WIDTH", "as_pages", "chars_per_line", "is_page",
    "lay_out", "parse_colour", "ruling_lines", "x_height_of", "find_model", "load_model",
]
