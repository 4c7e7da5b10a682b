"""Entry-point module of the core's built-in renderers (registered like any plugin)."""
from writesmooth import hookimpl


@hookimpl
def register_renderers(register):
    from .png import PngRenderer
    from .svg import SvgRenderer

    register(SvgRenderer)
    register(PngRenderer)
