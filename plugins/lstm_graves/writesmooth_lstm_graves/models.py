"""The writesmooth.Model classes of this plugin. torch is imported inside the methods, so
``writesmooth models`` never pays for it. Each capability delegates to its own module:
trainer.py (train), evaluate.py (evaluate), sampler.py (write, smooth)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import writesmooth
from writesmooth.api import DEFAULT_BIAS

WEIGHTS_DIR = Path(__file__).parent / "weights"


class LstmGraves(writesmooth.Model):
    name = "lstm-graves"
    capabilities = frozenset({"train", "write", "smooth", "evaluate"})
    description = "Graves (2013) synthesis network: attention LSTM + mixture density output"
    window = 10  # default K; 0 makes the unconditional prediction network

    def __init__(self, bundle: Any) -> None:
        self.bundle = bundle  # weights.Bundle

    @classmethod
    def default_weights(cls) -> Path | None:
        path = WEIGHTS_DIR / f"{cls.name}.pt"
        return path if path.is_file() else None

    @classmethod
    def load(cls, weights: Path | None = None, *, device: str = "cpu") -> "LstmGraves":
        from .weights import load_weights

        path = weights or cls.default_weights()
        if path is None:
            raise writesmooth.WritesmoothError(
                f"model '{cls.name}' has no bundled weights: pass --weights PATH "
                f"(weights written by 'writesmooth train --model {cls.name}')")
        bundle = load_weights(Path(path), device=device)
        if bundle.config.conditional != (cls.window > 0):
            kind = "synthesis" if bundle.config.conditional else "unconditional"
            raise writesmooth.WritesmoothError(
                f"{path}: holds {kind} weights ('{bundle.model}'), not '{cls.name}'")
        return cls(bundle)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.bundle.net.parameters())

    @classmethod
    def train(cls, train: Sequence[writesmooth.Ink], val: Sequence[writesmooth.Ink],
              options: writesmooth.TrainOptions, run: writesmooth.TrainRun | None = None):
        from .trainer import train_model

        return train_model(cls.name, cls.window, train, val, options, run)

    def evaluate(self, inks: Sequence[writesmooth.Ink]) -> dict[str, Any]:
        from .evaluate import evaluate_bundle

        return evaluate_bundle(self.bundle, inks)

    # candidates: samples per line, the best by its text margin kept (None: the default, 1)
    def write(self, texts: Sequence[str], *, bias: float = DEFAULT_BIAS,
              seed: int | None = None, style: writesmooth.Ink | None = None,
              candidates: int | None = None) -> list[writesmooth.Ink]:
        from .sampler import write_lines

        return write_lines(self.bundle, list(texts), bias=bias, seed=seed, style=style,
                           candidates=candidates)

    def smooth(self, sample: writesmooth.Ink, *, bias: float = DEFAULT_BIAS,
               seed: int | None = None, candidates: int | None = None) -> writesmooth.Ink:
        from .sampler import smooth_sample

        return smooth_sample(self.bundle, sample, bias=bias, seed=seed, candidates=candidates)


class LstmGravesUncond(LstmGraves):
    name = "lstm-graves-uncond"
    capabilities = frozenset({"train", "evaluate"})
    description = "Graves (2013) prediction network (section 4): no text, no attention window"
    window = 0
