"""The network's weights rearranged for :class:`fast_step.FastStepper`, made once per network.

A sampling step reads all 15 MB of the 3 x 400 network's weights to compute a few rows, so what
the matrix products cost is how the weights are read. Three kinds of product, chosen per batch:

- ``"addmm"``: MKL's ``addmm`` over the transposed fp32 weight: one line (batch 1).
- ``"onednn"``: oneDNN's prepacked fp32 linear (a private op that inductor uses), which beat
  ``addmm`` by 10-40 % for several lines; the kind where bfloat16 is not native.
- ``"bf16"``: the same oneDNN linear over bfloat16 weights and inputs, with fp32 accumulation, on
  CPUs with native bfloat16 dot products (AVX512-BF16 or AMX). From two lines on it took half the
  time of fp32 or less (``benchmarks/bench_write_process.py`` prints the step's time). It rounds
  the weights, the layer inputs and the gate pre-activations to bfloat16 (8 significant bits);
  the cell state, the window and the mixture stay fp32. Teacher-forced over a drawn line, the
  bundled network's NLL per point moved by 0.002 nats of 3.3 (tests hold a step to 2e-2).

Prepared weights are kept for a network as long as its parameters are unchanged (training
changes them, and the next sampler then prepares them again).
"""
from __future__ import annotations

import sys
import weakref
from dataclasses import dataclass

import torch

from .network import GravesNet

ONEDNN_MIN_BATCH = 4  # lines from which oneDNN's fp32 linear is used instead of addmm
BF16_MIN_BATCH = 2    # lines from which bfloat16 is used where the CPU has it natively

_CHECKS: dict[str, bool] = {}


def linear_pointwise(*args) -> torch.Tensor:
    return torch.ops.mkldnn._linear_pointwise(*args)


def _agrees(dtype: torch.dtype, atol: float) -> bool:
    """Whether oneDNN's prepacked linear runs in ``dtype`` and agrees with addmm."""
    try:
        g = torch.Generator().manual_seed(0)
        w, x, b = (torch.randn(*shape, generator=g) for shape in ((16, 8), (3, 8), (16,)))
        got = linear_pointwise(x.to(dtype), w.to(dtype).to_mkldnn(), b.to(dtype), "none", [], "")
        return bool(torch.allclose(got.float(), torch.addmm(b, x, w.t()), atol=atol))
    except Exception:  # noqa: BLE001 - absent or changed private op: use the public one
        return False


def onednn_works() -> bool:
    """Whether this torch build has oneDNN's prepacked fp32 linear; checked once."""
    if "onednn" not in _CHECKS:
        _CHECKS["onednn"] = _agrees(torch.float32, 1e-5)
    return _CHECKS["onednn"]


def native_bf16() -> bool:
    """Whether this CPU has bfloat16 dot products (Linux reports them in /proc/cpuinfo; elsewhere
    none are assumed, and fp32 is used) and oneDNN's bfloat16 linear works; checked once."""
    if "bf16" not in _CHECKS:
        flags = ""
        if sys.platform.startswith("linux"):
            try:
                with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
                    flags = next((line for line in fh if line.startswith("flags")), "")
            except OSError:
                flags = ""
        has = bool({"avx512_bf16", "amx_bf16"} & set(flags.split()))
        _CHECKS["bf16"] = has and _agrees(torch.bfloat16, 0.1)
    return _CHECKS["bf16"]


def kind_for(batch: int, device: torch.device, dtype: torch.dtype) -> str:
    """The product kind for ``batch`` lines (module doc)."""
    if device.type != "cpu" or dtype != torch.float32:
        return "addmm"
    if batch >= BF16_MIN_BATCH and native_bf16():
        return "bf16"
    if batch >= ONEDNN_MIN_BATCH and onednn_works():
        return "onednn"
    return "addmm"


@dataclass
class StepWeights:
    """Per layer ``(a, b, weight, bias)``: the columns ``[a, b)`` of the activation row it reads,
    its weight over exactly those columns in the kind's layout, and its bias; the output
    layer's weight over the whole row, transposed; its bias."""

    layers: list[tuple[int, int, torch.Tensor, torch.Tensor]]
    out_wt: torch.Tensor
    out_b: torch.Tensor


_CACHE: "weakref.WeakKeyDictionary[GravesNet, dict]" = weakref.WeakKeyDictionary()


def _version(net: GravesNet) -> tuple:
    return tuple((p.data_ptr(), p._version) for p in net.parameters())


@torch.no_grad()
def step_weights(net: GravesNet, kind: str, layout: tuple[int, int, list[int], int]) -> StepWeights:
    """The weights of ``net`` for the product ``kind``, for the activation row ``layout``
    (``x0``, ``w0``, the start of each hidden state, the row's width); made once per network
    and kind while the parameters are unchanged."""
    cached = _CACHE.setdefault(net, {})
    key = (kind, layout[0], layout[1], tuple(layout[2]), layout[3])
    version = _version(net)
    hit = cached.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    made = _make(net, kind, *layout)
    cached[key] = (version, made)
    return made


def _make(net: GravesNet, kind: str, x0: int, w0: int, hs: list[int], width: int) -> StepWeights:
    cfg = net.config
    H, V, L = cfg.hidden, (cfg.alphabet_size if cfg.conditional else 0), cfg.layers
    cells = [(net.cell1.weight_ih, net.cell1.weight_hh, net.cell1.bias_ih, net.cell1.bias_hh)]
    cells += [(m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0) for m in net.upper]
    layers = []
    for layer, (w_ih, w_hh, b_ih, b_hh) in enumerate(cells):
        if layer == 0:  # cell 1 input: [x, w]; Z order: h1, x, w
            a, b = 0, w0 + V
            parts = [(x0, w_ih[:, :3]), (w0, w_ih[:, 3:]), (hs[0], w_hh)]
        else:           # upper input: [x, h_below, w]; recurrent h_self
            a, b = (0 if layer == 1 else x0), hs[layer] + H
            parts = [(x0, w_ih[:, :3]), (hs[layer - 1], w_ih[:, 3:3 + H]),
                     (w0, w_ih[:, 3 + H:]), (hs[layer], w_hh)]
        # a fourth layer and above would read hidden states it ignores: zero columns
        full = torch.zeros(4 * H, b - a, device=w_ih.device, dtype=w_ih.dtype)
        for start, block in parts:
            full[:, start - a:start - a + block.shape[1]] = block
        bias = (b_ih + b_hh).detach().clone()
        # the g-gate rows doubled, so one sigmoid serves all four gates (tanh(z) =
        # 2 sigmoid(2z) - 1; doubling is exact in floating point)
        full[2 * H:3 * H] *= 2.0
        bias[2 * H:3 * H] *= 2.0
        if kind == "bf16":
            weight, bias = full.to(torch.bfloat16).to_mkldnn(), bias.to(torch.bfloat16)
        elif kind == "onednn":
            weight = full.to_mkldnn()
        else:
            weight = full.t().contiguous()
        layers.append((a, b, weight, bias))
    out_w = torch.zeros(cfg.output_size, width, device=net.out.weight.device,
                        dtype=net.out.weight.dtype)
    for j in range(L):
        out_w[:, hs[j]:hs[j] + H] = net.out.weight[:, j * H:(j + 1) * H]
    return StepWeights(layers, out_w.t().contiguous(), net.out.bias.detach().clone())
