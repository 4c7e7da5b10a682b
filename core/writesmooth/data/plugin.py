"""Entry-point module of the core's built-in ink formats and dataset layouts."""
from writesmooth import hookimpl


@hookimpl
def register_datasets(register):
    from .dataset import IamOnDbLayout
    from .formats import IamLineFormat, InkmlFormat, JsonLinesFormat

    register(IamLineFormat)
    register(InkmlFormat)
    register(JsonLinesFormat)
    register(IamOnDbLayout)
