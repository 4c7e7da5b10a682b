"""writesmooth: handwriting synthesis and smoothing (Graves 2013) as a plugin toolkit.

The public contract for plugin authors: :class:`Model`, :class:`Renderer`, :class:`InkFormat`,
:class:`DatasetLayout`, :data:`hookimpl`, :data:`DEFAULT_BIAS`, and the :class:`Ink` type they all
exchange.
"""
from .api import (CAPABILITIES, DEFAULT_BIAS, DatasetLayout, InkFormat, Model, Renderer,
                  TrainOptions, TrainRun)
from .errors import (InkFormatError, NotImplementedCapability, PluginError,
                     WritesmoothError)
from .hookspecs import hookimpl
from .ink import Ink, stack_lines

__version__ = "0.1.0"

__all__ = [
    "CAPABILITIES", "DEFAULT_BIAS", "DatasetLayout", "Ink", "InkFormat", "InkFormatError",
    "Model", "NotImplementedCapability", "PluginError", "Renderer", "TrainOptions", "TrainRun",
    "WritesmoothError", "__version__", "hookimpl", "stack_lines",
]
