"""Entry-point module: registers ``lstm-graves`` and ``lstm-graves-uncond``.

Imports only writesmooth at the top: torch is imported when a model is loaded or trained, so
``writesmooth models`` answers at once.
"""
import writesmooth


@writesmooth.hookimpl
def register_models(register):
    from .models import LstmGraves, LstmGravesUncond

    register(LstmGraves)
    register(LstmGravesUncond)
