"""Letter emphasis in training (``writesmooth train --letter-weight x=10``).

Some letters are rare in IAM-OnDB (``x`` is written some 460 times in all its transcripts, about
10,000 of the 6 million training points) and the network draws them worst. Emphasis weights the
loss on the points drawn for such a letter: the points at which the attention window, of a trained
network teacher-forced over the line, reads that letter (the argmax over text positions, as the
sampler and the shape check read it, ``sampler.forced_windows``). Those points count ``W`` times in
the training loss; every other point, and validation, count once. The points are found once, with
the weights the run starts from (``--init-weights``), and kept in the checkpoint, so a resumed run
weights the same points.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from writesmooth import WritesmoothError

from .alphabet import Alphabet
from .batching import Example, collate
from .network import GravesNet


def windows(net: GravesNet, examples: Sequence[Example], *,
            batch_size: int = 32) -> list[np.ndarray]:
    """Per example, the text position the attention window reads at each of its points (the
    argmax over positions ``0..U``, ``U`` the slot past the text's end), ``net`` teacher-forced
    over the line as in training."""
    dev = next(net.parameters()).device
    out = []
    with torch.inference_mode():
        for at in range(0, len(examples), batch_size):
            part = list(examples[at:at + batch_size])
            x, chars, char_mask, _, _ = collate(part).tensors(dev)
            pad = torch.zeros(len(part), 1, device=dev)  # the slot past the end, position U
            _, _, _, extras = net(x, torch.cat([chars, pad.long()], 1),
                                  torch.cat([char_mask, pad], 1), keep_phi=True)
            phi = extras["phi"].float().cpu().numpy()  # (T, B, U + 1)
            out += [phi[:e.points, b, :len(e.chars) + 1].argmax(1) for b, e in enumerate(part)]
    return out


def check_letters(weights: dict[str, float], alphabet: Alphabet) -> None:
    """One clear error for a letter the network cannot read (it shares the unknown class)."""
    unknown = [c for c in weights if c not in alphabet.chars]
    if unknown:
        raise WritesmoothError(f"--letter-weight {unknown[0]}: not in the model's alphabet "
                               f"(it has {alphabet.chars!r})")


def find_points(net: GravesNet, examples: Sequence[Example],
                weights: dict[str, float]) -> dict[str, torch.Tensor]:
    """The points to weight: ``line`` (index into ``examples``), ``point`` and ``weight``, one
    entry per point whose window reads a letter of ``weights``; only lines whose transcript
    holds such a letter are run through ``net``."""
    chosen = [k for k, e in enumerate(examples) if set(weights) & set(e.ink.text)]
    lines, points, values = [], [], []
    for k, window in zip(chosen, windows(net, [examples[k] for k in chosen])):
        text = examples[k].ink.text
        per_position = np.array([weights.get(c, 0.0) for c in text] + [0.0], np.float32)
        w = per_position[np.minimum(window, len(text))]
        at = np.flatnonzero(w > 0)
        lines.append(np.full(len(at), k, np.int64))
        points.append(at)
        values.append(w[at])
    cat = lambda parts, dtype: torch.from_numpy(  # noqa: E731
        np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype))
    return {"line": cat(lines, np.int64), "point": cat(points, np.int64),
            "weight": cat(values, np.float32)}


def apply(examples: Sequence[Example], found: dict[str, torch.Tensor]) -> None:
    """Give each example its per-point loss weights (``Example.weights``, 1 elsewhere)."""
    for e in examples:
        e.weights = None
    for k, at, w in zip(found["line"].tolist(), found["point"].tolist(),
                        found["weight"].tolist()):
        e = examples[k]
        if e.weights is None:
            e.weights = np.ones(e.points, np.float32)
        e.weights[at] = w


def describe(weights: dict[str, float], found: dict[str, torch.Tensor]) -> str:
    letters = ", ".join(f"'{c}' x{w:g}" for c, w in weights.items())
    lines = len(set(found["line"].tolist()))
    return (f"letter weights {letters}: {len(found['point']):,} points in {lines} "
            f"line{'s' if lines != 1 else ''}")
