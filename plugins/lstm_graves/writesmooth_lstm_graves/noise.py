"""The noise a drawing is sampled with (Graves eqs. 61-62, by :class:`fast_step.MixtureSampler`).

Each step of each row takes ``m`` Gumbel variates (the mixture component, by the Gumbel-max
trick), two standard normals (the correlated offset) and one logistic variate (the pen bit).
:class:`GeneratorNoise` draws them in chunks from one seeded generator, for all rows at once.
:class:`KeyedNoise` gives each row its own stream, named by a key and read from a position:
the noise of a stream's point ``p`` is the same whichever batch the row is drawn in and
whichever step of that batch draws it. The writer (``search.py``) reads a line's first drawing
of each word from the line's own stream at the point where the word starts, so the words of
that first drawing, put end to end, are the one drawing of the whole line, and every other
drawing from a stream of its own.
"""
from __future__ import annotations

from typing import Hashable, Sequence

import numpy as np
import torch

BLOCK = 256  # points of a keyed stream generated at once


def _transform(u: torch.Tensor, normal: torch.Tensor, e: torch.Tensor, dtype: torch.dtype):
    """Uniforms to Gumbel variates, and uniforms to logistic ones (the pen is down exactly when
    this noise is below the pen logit)."""
    tiny = torch.finfo(dtype).tiny
    gumbel = u.clamp_(min=tiny).log_().neg_().log_().neg_()
    e = e.clamp_(tiny, 1.0 - 1e-7)
    return gumbel, normal, e.log() - torch.log1p(-e)


class GeneratorNoise:
    """Noise for ``B`` rows drawn in chunks from one seeded ``generator``."""

    def __init__(self, generator: torch.Generator, batch: int, mixtures: int,
                 device: torch.device, dtype: torch.dtype) -> None:
        self.gen, self.B, self.m, self.device, self.dtype = generator, batch, mixtures, device, dtype

    def chunk(self, steps: int):
        """``(gumbel (steps, B, m), normal (steps, B, 2), logistic (steps, B))``."""
        kw = dict(generator=self.gen, device=self.device, dtype=self.dtype)
        u = torch.rand(steps, self.B, self.m, **kw)
        normal = torch.randn(steps, self.B, 2, **kw)
        e = torch.rand(steps, self.B, **kw)
        return _transform(u, normal, e, self.dtype)


def stream_seed(seed: int, key: Sequence[int], block: int) -> int:
    """The seed of one block of a keyed stream: every number of the key, and its length,
    matter."""
    return int(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, len(key), *map(int, key), block])
               .generate_state(1, np.uint64)[0] >> 1)


class LineSeeds:
    """The seeds of lines written for several requests in one batch (:func:`writing.write_jobs`):
    line ``i`` of the batch is line ``local[i]`` of a request whose seed is ``seeds[i]``, and
    its streams are named as they would be if that request were written alone."""

    def __init__(self, seeds: Sequence[int], local: Sequence[int]) -> None:
        self.seeds, self.local = [int(s) for s in seeds], [int(i) for i in local]

    def name(self, key: tuple) -> tuple[int, tuple]:
        """The seed and key that name the stream ``key`` (whose first number is the line)."""
        line = key[0]
        return self.seeds[line], (self.local[line], *key[1:])


def seed_of(seed: "int | LineSeeds", line: int) -> int:
    """The seed line ``line`` is written with."""
    return seed.seeds[line] if isinstance(seed, LineSeeds) else int(seed)


class KeyedNoise:
    """Noise for ``B`` rows, row ``b`` reading the stream ``keys[b]`` (a tuple of ints) of
    ``seed`` from point ``starts[b]`` on (module doc). Generated on the CPU in blocks of
    :data:`BLOCK` points, each from a generator seeded by the seed, the key and the block's
    number, and moved to ``device``. ``seed`` may be a :class:`LineSeeds`, naming each line's
    streams by its own request's seed and line number."""

    def __init__(self, seed: "int | LineSeeds", keys: Sequence[Sequence[int]],
                 starts: Sequence[int],
                 mixtures: int, device: torch.device, dtype: torch.dtype) -> None:
        if len(keys) != len(starts):
            raise ValueError(f"{len(keys)} keys for {len(starts)} starts")
        self.seed, self.keys, self.m = seed, [tuple(k) for k in keys], mixtures
        self.at = list(starts)  # per row: the next point to hand out
        self.device, self.dtype = device, dtype
        self._blocks: dict[tuple[Hashable, int], tuple] = {}

    def _block(self, key: tuple, n: int) -> tuple:
        got = self._blocks.get((key, n))
        if got is None:
            seed, name = (self.seed.name(key) if isinstance(self.seed, LineSeeds)
                          else (self.seed, key))
            gen = torch.Generator().manual_seed(stream_seed(seed, name, n))
            u = torch.rand(BLOCK, self.m, generator=gen, dtype=self.dtype)
            normal = torch.randn(BLOCK, 2, generator=gen, dtype=self.dtype)
            e = torch.rand(BLOCK, generator=gen, dtype=self.dtype)
            got = self._blocks[(key, n)] = _transform(u, normal, e, self.dtype)
        return got

    def _row(self, b: int, steps: int) -> list[torch.Tensor]:
        key, a = self.keys[b], self.at[b]
        self.at[b] = a + steps
        parts: list[list[torch.Tensor]] = [[], [], []]
        while steps:
            n, off = divmod(a, BLOCK)
            take = min(steps, BLOCK - off)
            for part, block in zip(parts, self._block(key, n)):
                part.append(block[off:off + take])
            a, steps = a + take, steps - take
        if len(self._blocks) > 4 * len(self.keys):  # only the blocks rows still read are kept
            self._blocks = {k: v for k, v in self._blocks.items()
                            if k[1] >= min(self.at) // BLOCK}
        return [torch.cat(p) for p in parts]

    def chunk(self, steps: int):
        """The next ``steps`` points of every row: as :meth:`GeneratorNoise.chunk`."""
        rows = [self._row(b, steps) for b in range(len(self.keys))]
        return tuple(torch.stack([r[i] for r in rows], 1).to(self.device) for i in range(3))
