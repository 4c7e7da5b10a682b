"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint is a plain dict of tensors and primitives (loadable with ``weights_only=True``): the
keys of the trained network's weights file (so ``--weights checkpoint.pt`` works wherever weights
do), the optimizer and schedule, where the run is (epoch, batches done in that epoch, optimizer
step), the best validation so far, the loss history for the plots, and the random generators'
states stored as tensors. It is written to a temporary file renamed into place
(``writesmooth.atomic_write``), so a kill -9 at any moment leaves the previous checkpoint intact.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

import writesmooth

from .weights import load_tagged

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


def save_checkpoint(path: Path, *, tag: str, identity: dict[str, Any], net: torch.nn.Module,
                    optimizer: torch.optim.Optimizer, schedule: Any, progress: dict[str, Any],
                    run: dict[str, Any], history: dict[str, Any]) -> None:
    """``tag``: the kind of checkpoint (its ``checkpoint`` key); ``identity``: the keys of the
    network's weights file but its weights (format, model, config, alphabet, ...);
    ``progress``: where the run is; ``run``: the :data:`RUN_KEYS` options; ``history``:
    ``TrainHistory.to_dict()``."""
    data = {**identity, "checkpoint": tag,
            "state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()},
            "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
            "progress": progress, "run": run, "history": history, "rng": rng_state()}
    writesmooth.atomic_write(path, lambda fh: torch.save(data, fh))


def load_checkpoint(path: Path, tag: str) -> dict[str, Any]:
    return load_tagged(Path(path), "checkpoint", "checkpoint", tag)


def check_same_run(saved: dict[str, Any], now: dict[str, Any], path: Path) -> None:
    """A resumed run must cut and order its batches as before, or 'skip the batches already
    done' would skip the wrong ones."""
    changed = [f"{k} {saved.get(k)!r} -> {now.get(k)!r}" for k in RUN_KEYS
               if k in saved and saved.get(k) != now.get(k)]
    if changed:
        raise writesmooth.WritesmoothError(
            f"{path}: cannot resume with different options ({'; '.join(changed)}); use the "
            f"options of the interrupted run, or a new --out")
