"""Training examples and batches: whole lines, grouped by length, in a reproducible order.

Every line is kept whole (the original tool cut lines to 400 points, so the network never saw
the end of a long line). Lines of similar length share a batch to keep padding small, and the
order of the batches is a pure function of ``(seed, epoch)``, so a run resumed in the middle of an
epoch can skip exactly the batches it already did.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from writesmooth import Ink, WritesmoothError

from .alphabet import Alphabet
from .convert import Normaliser, ink_to_offsets

START = np.array([0.0, 0.0, 1.0], np.float32)  # the first input: "a stroke has just ended"
SORT_POOL = 50  # lines are length-sorted within pools of this many batches (randomness vs padding)


@dataclass
class Example:
    """One line in the network's form: standardised offsets and encoded text."""

    offsets: np.ndarray   # (N, 3) standardised; each row is both a target and the next input
    chars: np.ndarray     # (U,) int64 class indices (0 = unknown)
    ink: Ink              # the source line, kept for the visual listeners (a reference, no copy)

    @property
    def points(self) -> int:
        return len(self.offsets)


@dataclass
class Prepared:
    examples: list[Example]
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def raw_offsets(inks: Sequence[Ink], *, conditional: bool):
    """``(kept inks, their raw offsets, skipped counts)``. A line needs two points to give one
    offset to predict; the synthesis network also needs its text."""
    kept, offsets = [], []
    skipped = {"fewer than 2 points": 0, "no text": 0}
    for ink in inks:
        off = ink_to_offsets(ink)
        if len(off) == 0:
            skipped["fewer than 2 points"] += 1
        elif conditional and not ink.text.strip():
            skipped["no text"] += 1
        else:
            kept.append(ink)
            offsets.append(off)
    return kept, offsets, {k: v for k, v in skipped.items() if v}


def prepare(inks: Sequence[Ink], *, alphabet: Alphabet, norm: Normaliser,
            conditional: bool) -> Prepared:
    kept, offsets, skipped = raw_offsets(inks, conditional=conditional)
    examples = [Example(norm.apply(off),
                        alphabet.encode(ink.text) if conditional else np.zeros(0, np.int64), ink)
                for ink, off in zip(kept, offsets)]
    return Prepared(examples, skipped)


def describe_skipped(skipped: dict[str, int]) -> str:
    return ", ".join(f"{n} with {why}" for why, n in skipped.items()) or "none"


def require_lines(prepared: Prepared, given: int, what: str = "training") -> None:
    if not prepared.examples:
        raise WritesmoothError(f"no usable {what} line: {given} line{'s' if given != 1 else ''} "
                               f"given, {describe_skipped(prepared.skipped)}")


def epoch_batches(lengths: Sequence[int], batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """Indices of the lines in each batch of ``epoch``, in the order they are trained.

    Shuffle, sort by length within pools of ``SORT_POOL`` batches, cut into batches, shuffle the
    batches: lines in a batch have similar lengths, yet each epoch sees different batches.
    """
    if batch_size < 1:
        raise WritesmoothError(f"batch size must be at least 1, got {batch_size}")
    rng = np.random.default_rng([seed, epoch])
    lengths = np.asarray(lengths)
    order = rng.permutation(len(lengths))
    pool = batch_size * SORT_POOL
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = order[start:start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i:i + batch_size].tolist() for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def eval_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Length-sorted batches for evaluation (order does not matter there, padding does)."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    return [order[i:i + batch_size].tolist() for i in range(0, len(order), batch_size)]


def shard(batches: list[list[int]], rank: int, world: int) -> list[list[int]]:
    """This process's share of the batches; every process gets the same number, so the
    gradient all-reduce of DistributedDataParallel never waits for a process that has finished."""
    if world <= 1:
        return batches
    usable = len(batches) // world * world
    return batches[rank:usable:world]


@dataclass
class Batch:
    x: np.ndarray          # (T, B, 3) inputs: START then the offsets shifted by one
    targets: np.ndarray    # (T, B, 3)
    mask: np.ndarray       # (T, B) 1 where a target is real
    chars: np.ndarray      # (B, U)
    char_mask: np.ndarray  # (B, U)
    examples: list[Example]

    @property
    def points(self) -> int:
        return int(sum(e.points for e in self.examples))

    def tensors(self, device):
        import torch

        # pinned memory would help a GPU only for batches far larger than these
        t = lambda a: torch.from_numpy(a).to(device, non_blocking=True)  # noqa: E731
        return t(self.x), t(self.chars), t(self.char_mask), t(self.targets), t(self.mask)


def collate(examples: list[Example]) -> Batch:
    """Pad a list of examples into time-major arrays."""
    b = len(examples)
    t = max(e.points for e in examples)
    u = max(max(len(e.chars) for e in examples), 1)
    x = np.zeros((t, b, 3), np.float32)
    targets = np.zeros((t, b, 3), np.float32)
    mask = np.zeros((t, b), np.float32)
    chars = np.zeros((b, u), np.int64)
    char_mask = np.zeros((b, u), np.float32)
    for j, e in enumerate(examples):
        n = e.points
        targets[:n, j] = e.offsets
        x[0, j] = START
        x[1:n, j] = e.offsets[:-1]
        mask[:n, j] = 1.0
        chars[j, :len(e.chars)] = e.chars
        char_mask[j, :len(e.chars)] = 1.0
    return Batch(x, targets, mask, chars, char_mask, examples)
