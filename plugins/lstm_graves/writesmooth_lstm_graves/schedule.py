"""The learning-rate schedule of every trainer here: linear warmup, then cosine decay.

Why this schedule is explained in docs/training.md ("Optimisation and why").
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch

DEFAULT_LR = 1e-3        # Adam's usual step; stable here thanks to warmup and clipping


@dataclass(frozen=True)
class Shape:
    """The schedule's shape, relative to its peak and its length."""

    warmup_steps: int = 500         # linear warmup, at most this many steps ...
    warmup_fraction: float = 0.05   # ... and at most this fraction of the run
    final_fraction: float = 0.1     # the cosine ends at this fraction of the peak


def lr_factor(step: int, total: int, shape: Shape = Shape()) -> float:
    """The learning rate at optimizer step ``step`` of ``total``, as a fraction of the peak."""
    warmup = max(1, min(shape.warmup_steps, int(total * shape.warmup_fraction)))
    if step < warmup:
        return (step + 1) / warmup
    progress = min((step - warmup) / max(total - warmup, 1), 1.0)
    final = shape.final_fraction
    return final + (1 - final) * 0.5 * (1 + math.cos(math.pi * progress))


class Schedule:
    """The learning rate as a pure function of the optimizer step, so a resumed run continues
    on the same curve (LambdaLR would do the same but pickles its function)."""

    def __init__(self, optimizer: torch.optim.Optimizer, peak: float, total: int,
                 shape: Shape = Shape()) -> None:
        self.optimizer, self.peak, self.total, self.shape = optimizer, peak, max(total, 1), shape

    def set(self, step: int) -> float:
        lr = self.peak * lr_factor(step, self.total, self.shape)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr

    def state_dict(self) -> dict[str, Any]:
        return {"peak": self.peak, "total": self.total, **asdict(self.shape)}
