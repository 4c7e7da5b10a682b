"""Entry-point module: registers ``lstm-graves``, ``lstm-graves-uncond`` and
``lstm-graves-reader``, and the preset styles (``presets/*.json``, written by the bundled
network in the hands of a few training writers, each with the adapter learnt from that
writer's lines: ``scripts/make_presets.py``).

Imports only writesmooth at the top: torch is imported when a model is loaded or trained, so
``writesmooth models`` answers at once.
"""
from pathlib import Path

import writesmooth

PRESETS = Path(__file__).parent / "presets"


@writesmooth.hookimpl
def register_models(register):
    from .models import LstmGraves, LstmGravesReader, LstmGravesUncond

    register(LstmGraves)
    register(LstmGravesUncond)
    register(LstmGravesReader)


@writesmooth.hookimpl
def register_styles(register):
    for path in sorted(PRESETS.glob("*/style.json")):
        register(path)
