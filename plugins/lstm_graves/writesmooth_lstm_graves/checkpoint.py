"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint is a plain dict of tensors and primitives (loadable with ``weights_only=True``), a
weights file with more keys (so ``--weights checkpoint.pt`` works wherever weights do):
the weights, the optimizer and scheduler, where the run is (epoch, batches done in that epoch,
optimizer step), the best validation so far, the loss history for the plots, and the random
generators' states stored as tensors. It is written to a temporary file and renamed into place
(weights.atomic_torch_save), so a kill -9 at any moment leaves the previous checkpoint intact.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from writesmooth import WritesmoothError

from .weights import FORMAT as WEIGHTS_FORMAT
from .weights import atomic_torch_save, load_tagged

FORMAT = "writesmooth-lstm-graves-checkpoint/1"
CHECKPOINT_NAME = "checkpoint.pt"
BEST_NAME = "best.pt"
LAST_NAME = "last.pt"

# what must not change when a run is resumed: together they define which lines go into which
# batch in which order (--epochs, --max-steps and --lr may change: they only reshape the schedule)
RUN_KEYS = ("seed", "batch_size", "max_lines", "world", "lines", "points")


def rng_state() -> dict[str, Any]:
    np_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy_keys": torch.from_numpy(np_state[1].astype(np.int64)),
        "numpy_pos": int(np_state[2]),
        "numpy_gauss": [int(np_state[3]), float(np_state[4])],
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = list(torch.cuda.get_rng_state_all())
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"].cpu())
    keys = state["numpy_keys"].cpu().numpy().astype(np.uint32)
    has_gauss, gauss = state["numpy_gauss"]
    np.random.set_state(("MT19937", keys, int(state["numpy_pos"]), int(has_gauss), float(gauss)))
    if "cuda" in state and torch.cuda.is_available():
        states = state["cuda"][:torch.cuda.device_count()]
        torch.cuda.set_rng_state_all([s.cpu() for s in states])


def save_checkpoint(path: Path, *, identity: dict[str, Any], net: torch.nn.Module,
                    optimizer: torch.optim.Optimizer, scheduler: Any,
                    progress: dict[str, Any], run: dict[str, Any]) -> None:
    """``identity``: model name, config, alphabet and normaliser (as in a weights file);
    ``progress``: epoch, batch, step, best figures, history; ``run``: the RUN_KEYS options."""
    atomic_torch_save({
        "format": WEIGHTS_FORMAT,  # also a weights file: evaluate/write --weights checkpoint.pt
        "checkpoint": FORMAT,
        **identity,
        "state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "progress": progress,
        "run": run,
        "rng": rng_state(),
    }, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    return load_tagged(Path(path), "checkpoint", "checkpoint", FORMAT)


def check_same_run(saved: dict[str, Any], now: dict[str, Any], path: Path) -> None:
    """A resumed run must cut and order its batches as before, or 'skip the batches already
    done' would skip the wrong ones."""
    changed = [f"{k} {saved.get(k)!r} -> {now.get(k)!r}" for k in RUN_KEYS
               if k in saved and saved.get(k) != now.get(k)]
    if changed:
        raise WritesmoothError(f"{path}: cannot resume with different options ({'; '.join(changed)}); "
                               f"use the options of the interrupted run, or a new --out")
