"""The learning-rate schedule: linear warmup, then cosine decay to a tenth of the peak.

Why this schedule is explained in docs/training.md ("Optimisation and why").
"""
from __future__ import annotations

import math
from typing import Any

import torch

DEFAULT_LR = 1e-3        # Adam's usual step; stable here thanks to warmup and clipping
WARMUP_STEPS = 500       # at most; 5% of a shorter run
FINAL_LR_FRACTION = 0.1  # cosine decay ends at a tenth of the peak rate


def lr_factor(step: int, total: int) -> float:
    """Linear warmup, then cosine decay to FINAL_LR_FRACTION at ``total`` steps."""
    warmup = max(1, min(WARMUP_STEPS, total // 20))
    if step < warmup:
        return (step + 1) / warmup
    progress = min((step - warmup) / max(total - warmup, 1), 1.0)
    return FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress))


class Schedule:
    """The learning rate as a pure function of the optimizer step, so a resumed run continues
    on the same curve (LambdaLR would do the same but pickles its function)."""

    def __init__(self, optimizer: torch.optim.Optimizer, base_lr: float, total: int) -> None:
        self.optimizer, self.base_lr, self.total = optimizer, base_lr, max(total, 1)

    def set(self, step: int) -> float:
        lr = self.base_lr * lr_factor(step, self.total)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr

    def state_dict(self) -> dict[str, Any]:
        return {"base_lr": self.base_lr, "total": self.total, "warmup": WARMUP_STEPS,
                "final_fraction": FINAL_LR_FRACTION}
