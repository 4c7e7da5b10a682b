"""Weight gradients of a Python-stepped recurrence as a few large matmuls instead of one small
matmul per step.

Autograd through ``addmm(gx, inp_t, W)`` at every step computes ``inp_t^T @ grad_t`` per step: a
matmul whose inner dimension is only the batch (64), run 600 times per batch, each result added
into ``W.grad``. Here the loop uses ``W.detach()``, so autograd computes only what the recurrence
needs (``grad_t @ W^T``); a tensor hook keeps each step's ``grad_t``, and the weight gradient is
accumulated in chunks of :data:`CHUNK` steps, ``INP^T @ GRAD`` with an inner dimension of
CHUNK x batch, fast on any BLAS. The sum is the same; only its order of addition differs.

The accumulated gradients enter autograd through :class:`_Sink`, an identity on the initial
hidden state: that state feeds only the first step, so its gradient arrives after every step's
gradient has been seen, which is exactly when the weight gradients are complete.
"""
from __future__ import annotations

import torch

CHUNK = 32  # steps per accumulation matmul: inner dimension CHUNK x batch, memory CHUNK steps


class Linear:
    """One weight used at every step as ``inp @ weight_t (+ bias)``; collects its gradient."""

    def __init__(self, weight_t: torch.Tensor, bias: torch.Tensor | None = None) -> None:
        self.weight_t, self.bias = weight_t, bias               # autograd-tracked originals
        self.loop_weight_t = weight_t.detach()                  # what the loop multiplies by
        self.loop_bias = bias.detach() if bias is not None else None
        self.inputs: list[torch.Tensor] = []
        self.pending: dict[int, torch.Tensor] = {}
        self.grad_w: torch.Tensor | None = None
        self.grad_b: torch.Tensor | None = None

    def record(self, out: torch.Tensor, inp: torch.Tensor) -> None:
        """``out`` was computed from ``inp`` at the next step index; keep ``inp``, hook ``out``."""
        t = len(self.inputs)
        self.inputs.append(inp.detach())
        if out.requires_grad:
            out.register_hook(lambda g, t=t: self._grad(t, g))

    def _grad(self, t: int, g: torch.Tensor) -> None:
        self.pending[t] = g
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        steps = sorted(self.pending)
        # fp32 whatever autocast ran the loop in: these sums are the weights' gradients
        dtype = self.weight_t.dtype
        grads = torch.cat([self.pending.pop(t) for t in steps]).to(dtype)   # (n*B, out)
        inputs = torch.cat([self.inputs[t] for t in steps]).to(dtype)       # (n*B, in)
        for t in steps:
            self.inputs[t] = None  # type: ignore[call-overload]  # freed as soon as used
        gw = inputs.t() @ grads
        self.grad_w = gw if self.grad_w is None else self.grad_w.add_(gw)
        if self.bias is not None:
            gb = grads.sum(0)
            self.grad_b = gb if self.grad_b is None else self.grad_b.add_(gb)

    def results(self):
        self.flush()
        zero_w = torch.zeros_like(self.weight_t) if self.grad_w is None else self.grad_w
        if self.bias is None:
            return (zero_w,)
        return zero_w, (torch.zeros_like(self.bias) if self.grad_b is None else self.grad_b)


class _Sink(torch.autograd.Function):
    @staticmethod
    def forward(ctx, h0, linears, *tracked):
        ctx.linears = linears
        return h0.clone()

    @staticmethod
    def backward(ctx, grad_h0):
        grads = [g for lin in ctx.linears for g in lin.results()]
        ctx.linears = None
        return (grad_h0, None, *grads)


def attach(h0: torch.Tensor, linears: list[Linear]) -> torch.Tensor:
    """Route ``linears``' collected gradients into autograd through the initial state ``h0``;
    use the returned tensor as the first step's hidden state."""
    tracked = [t for lin in linears for t in ((lin.weight_t,) if lin.bias is None
                                              else (lin.weight_t, lin.bias))]
    return _Sink.apply(h0, linears, *tracked)
