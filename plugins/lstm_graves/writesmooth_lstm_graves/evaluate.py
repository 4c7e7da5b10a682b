"""Validation log-loss in Graves' units: NLL in nats of whole lines, end-of-stroke term included,
offsets standardised with the model's training statistics (2013, Table 4: -1096.9 nats per
sequence for the synthesis network on testset_v)."""
from __future__ import annotations

import contextlib
import math
from typing import Any, Callable, Sequence

import numpy as np
import torch

from writesmooth import Ink, WritesmoothError

from .batching import Example, collate, eval_batches, prepare, require_lines
from .priming import make_prime, one_line, to_training_units
from .weights import Bundle

EVAL_BATCH = 32


def pick_precision(request: str | None, device: torch.device) -> str:
    """``auto``: bf16 on CUDA (tensor cores), fp32 on CPU, where bf16 matmuls are slower on
    most processors. The loss is computed in fp32 either way (network.step_nll)."""
    request = (request or "auto").lower()
    if request == "auto":
        return "bf16" if device.type == "cuda" else "fp32"
    if request not in ("bf16", "fp32"):
        raise WritesmoothError(f"unknown precision '{request}' (use auto, bf16 or fp32)")
    return request


def autocast_for(device: torch.device, precision: str = "auto"):
    """bf16 autocast for the matmuls; the window position kappa and the cell states stay fp32
    because they are accumulated from fp32 zeros (type promotion), which keeps long lines stable."""
    if pick_precision(precision, device) == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def nll_sums(net: torch.nn.Module, examples: Sequence[Example], *, device: torch.device,
             batch_size: int = EVAL_BATCH, rank: int = 0, world: int = 1,
             precision: str = "fp32", tick: Callable[[int], None] | None = None,
             skip: int = 0) -> tuple[float, int, int]:
    """``(summed NLL, lines, points)`` of this process's share of ``examples``, the first
    ``skip`` offsets of each not scored (a priming sample: :func:`primed_examples`). fp32 by
    default: reported figures should not depend on the hardware's reduced precision."""
    was_training = net.training
    net.eval()
    total, lines, points = 0.0, 0, 0
    try:
        for idx in eval_batches([e.points for e in examples], batch_size)[rank::world]:
            batch = collate([examples[i] for i in idx])
            batch.mask[:skip] = 0.0
            x, chars, cm, targets, mask = batch.tensors(device)
            with autocast_for(device, precision):
                _, nll, _, _ = net(x, chars, cm, targets, mask)
            total += float(nll.double().sum())
            lines += len(idx)
            points += batch.points - skip * len(idx)
            if tick is not None:
                tick(len(idx))
    finally:
        net.train(was_training)
    return total, lines, points


def figures(total: float, lines: int, points: int) -> dict[str, Any]:
    return {"nats_per_sequence": total / lines if lines else math.nan,
            "nats_per_point": total / points if points else math.nan,
            "lines": lines, "points": points}


def evaluate_bundle(bundle: Bundle, inks: Sequence[Ink], *, batch_size: int = EVAL_BATCH,
                    tick: Callable[[int], None] | None = None,
                    style: Ink | None = None) -> dict[str, Any]:
    """Mean NLL of ``inks`` under ``bundle``: ``nats_per_sequence`` (mean over lines of the
    summed NLL of each line's offsets), ``nats_per_point`` (total NLL / total offsets), ``lines``,
    ``points`` (offsets predicted: a line of P points has P - 1), ``skipped`` and why. With
    ``style``, each line is scored after the network was primed with that sample
    (:func:`primed_examples`)."""
    conditional = bundle.config.conditional
    prepared = prepare(inks, alphabet=bundle.alphabet, norm=bundle.norm, conditional=conditional)
    require_lines(prepared, len(inks), "evaluation")
    device = next(bundle.net.parameters()).device
    examples, skip = prepared.examples, 0
    if style is not None:
        if not conditional:
            raise WritesmoothError(f"model '{bundle.model}' writes no text: it cannot be primed")
        examples, skip = primed_examples(bundle, examples, style)
    total, lines, points = nll_sums(bundle.net, examples, device=device, batch_size=batch_size,
                                    tick=tick, skip=skip)
    unknown = sorted({ch for e in prepared.examples for ch in bundle.alphabet.unknown_chars(e.ink.text)}) \
        if conditional else []
    return {"model": bundle.model, **figures(total, lines, points),
            "skipped": prepared.skipped_total, "skipped_reasons": prepared.skipped,
            "unknown_chars": "".join(unknown)}


def primed_examples(bundle: Bundle, examples: Sequence[Example], style: Ink
                    ) -> tuple[list[Example], int]:
    """Each line as the network meets it when ``write`` primes it with ``style``: the sample's
    offsets, a pen-up move to where the line starts (one space to the right of the sample, on
    its baseline), then the line's; the text is the sample's, a space, the line's. Returns the
    examples and how many leading offsets are the sample's and the move (not scored)."""
    prime = make_prime(style, bundle.norm, torch.device("cpu"))
    head = prime.offsets.numpy()
    sample = to_training_units(style.replace(text=prime.text), bundle.norm)[0]
    x0, _, x1, y1 = sample.bounds()
    space = (x1 - x0) / max(len(prime.text), 1)
    end = sample.strokes[-1][-1]
    out = []
    for e in examples:
        lx0, _, _, ly1 = e.ink.bounds()
        first = e.ink.strokes[0][0]
        move = np.array([[x1 + space + (first[0] - lx0) - end[0],
                          y1 + (first[1] - ly1) - end[1], 0.0]], np.float32)
        move = bundle.norm.apply(move)
        move[:, 2] = 0.0
        text = f"{prime.text} {one_line(e.ink.text)}"
        out.append(Example(np.concatenate([head, move, e.offsets]).astype(np.float32),
                           bundle.alphabet.encode(text), e.ink))
    return out, len(head) + 1
