"""Several processes (torchrun): process group, device per process, and small collectives.

``torchrun --nproc_per_node=N -m writesmooth train ...`` sets ``WORLD_SIZE``, ``RANK`` and
``LOCAL_RANK``; each process then trains on its share of the batches with DistributedDataParallel
(gloo on CPUs, NCCL on GPUs), and only rank 0 writes checkpoints, logs, plots and progress.
Without those variables everything here is a no-op for one process.
"""
from __future__ import annotations

import gc
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

import writesmooth


@dataclass
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")
    started_here: bool = False  # whether this module initialised the process group

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup(device_request: str) -> Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(writesmooth.resolve_device(device_request, local_rank))
    if world <= 1:
        return Dist(device=device)
    started = False
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend=backend)
        started = True
    return Dist(rank, world, local_rank, device, started)


def teardown(d: Dist, finished: bool = False) -> None:
    """Close the process group this module opened. After a run that ``finished`` on every
    rank, wait for all of them first and free what still refers to the group (the
    DistributedDataParallel wrapper and its reducer), so gloo's worker threads are stopped
    while the interpreter is alive: a rank that tore down while its peer was still saving,
    leaving the group to be freed during interpreter shutdown, sometimes aborted there
    ("terminate called without an active exception", SIGABRT)."""
    if not (d.started_here and dist.is_initialized()):
        return
    if finished:
        gc.collect()
        dist.barrier()
    dist.destroy_process_group()
    gc.collect()


def all_sum(d: Dist, values: list[float]) -> list[float]:
    """Sum a few numbers over the processes (float64: nats summed over a set reach 1e6)."""
    if not d.enabled:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64,
                     device=d.device if d.device.type == "cuda" else "cpu")
    dist.all_reduce(t)
    return t.tolist()

