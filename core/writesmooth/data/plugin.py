"""Entry-point module of the core's built-in ink formats and dataset layouts."""
from writesmooth import hookimpl


@hookimpl
def register_datasets(register):
    from .formats import IamLineFormat

    register(IamLineFormat)
