"""Entry-point module: registers ``lstm-graves``, ``lstm-graves-uncond`` and
``lstm-graves-reader``.

Imports only writesmooth at the top: torch is imported when a model is loaded or trained, so
``writesmooth models`` answers at once.
"""
import writesmooth


@writesmooth.hookimpl
def register_models(register):
    from .models import LstmGraves, LstmGravesReader, LstmGravesUncond

    register(LstmGraves)
    register(LstmGravesUncond)
    register(LstmGravesReader)
