"""writesmooth: handwriting synthesis and smoothing (Graves 2013) as a plugin toolkit.

The public contract for plugin authors: :class:`Model`, :class:`Renderer`, :class:`InkFormat`,
:class:`DatasetLayout`, :data:`hookimpl`, and the :class:`Ink` type they all exchange.
"""
from .api import (CAPABILITIES, DatasetLayout, InkFormat, Model, Renderer, TrainOptions,
                  TrainRun)
from .errors import (InkFormatError, NotImplementedCapability, PluginError,
                     WritesmoothError)
from .hookspecs import hookimpl
from .ink import Ink, stack_lines

__version__ = "0.1.0"

__all__ = [
    "CAPABILITIES", "DatasetLayout", "Ink", "InkFormat", "InkFormatError", "Model",
    "NotImplementedCapability", "PluginError", "Renderer", "TrainOptions", "TrainRun",
    "WritesmoothError", "__version__", "hookimpl", "stack_lines",
]
