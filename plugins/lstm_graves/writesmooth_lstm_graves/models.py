"""The writesmooth.Model classes of this plugin (torch imported lazily inside methods)."""
from __future__ import annotations

from pathlib import Path

import writesmooth

WEIGHTS_DIR = Path(__file__).parent / "weights"


class LstmGraves(writesmooth.Model):
    name = "lstm-graves"
    capabilities = frozenset({"train", "write", "smooth", "evaluate"})
    description = "Graves (2013) synthesis network: attention LSTM + mixture density output"

    @classmethod
    def default_weights(cls) -> Path | None:
        path = WEIGHTS_DIR / f"{cls.name}.pt"
        return path if path.is_file() else None


class LstmGravesUncond(LstmGraves):
    name = "lstm-graves-uncond"
    capabilities = frozenset({"train", "evaluate"})
    description = "Graves (2013) prediction network (section 4): no text, no attention window"
