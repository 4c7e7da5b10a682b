"""Graves' synthesis network (2013, section 5) and prediction network (section 4).

Only layer 1 and the attention window depend on the previous step, so they run in a Python
loop; layers 2..L then run as fused ``nn.LSTM``s over the whole sequence. Time-major tensors:
``x (T, B, 3)``, ``chars (B, U)`` class indices (0 = unknown or padding, masked by
``char_mask``).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .config import GravesConfig
from .layer1 import Layer1
from .mdn import sequence_nll


@dataclass
class State:
    """Recurrent state between calls (priming, then sampling)."""

    h: list[torch.Tensor]          # per layer (B, H)
    c: list[torch.Tensor]          # per layer (B, H)
    kappa: torch.Tensor | None     # (B, K) window positions
    w: torch.Tensor | None         # (B, V) window vector of the previous step

    def detach(self) -> "State":
        d = (lambda t: None if t is None else t.detach())
        return State([d(t) for t in self.h], [d(t) for t in self.c], d(self.kappa), d(self.w))


class GravesNet(nn.Module):
    def __init__(self, *, config: GravesConfig) -> None:
        super().__init__()
        self.config = config
        h, v, k = config.hidden, config.alphabet_size, config.window
        cond_v = v if config.conditional else 0
        if config.conditional and v < 2:
            raise ValueError("a conditional network needs alphabet_size >= 2")
        self.cell1 = nn.LSTMCell(3 + cond_v, h)
        self.attn = nn.Linear(h, 3 * k) if config.conditional else None
        # layers 2..L see the input, the layer below and the window (skip connections)
        self.upper = nn.ModuleList(nn.LSTM(3 + h + cond_v, h) for _ in range(config.layers - 1))
        self.out = nn.Linear(config.layers * h, config.output_size)
        if self.attn is not None:
            with torch.no_grad():  # start the window moving at about one char per 20 points
                self.attn.bias[2 * k:].fill_(config.kappa_init)

    # --- state ---------------------------------------------------------------------------
    def initial_state(self, batch: int, device=None, dtype=torch.float32) -> State:
        cfg = self.config
        z = lambda n: torch.zeros(batch, n, device=device, dtype=dtype)  # noqa: E731
        return State([z(cfg.hidden) for _ in range(cfg.layers)],
                     [z(cfg.hidden) for _ in range(cfg.layers)],
                     z(cfg.window) if cfg.conditional else None,
                     z(cfg.alphabet_size) if cfg.conditional else None)

    def one_hot(self, chars: torch.Tensor, char_mask: torch.Tensor) -> torch.Tensor:
        """``(B, U, V)`` one-hot text, zero at padding."""
        oh = F.one_hot(chars, self.config.alphabet_size).to(torch.float32)
        return oh * char_mask[..., None].to(oh.dtype)

    # --- the recurrent part ----------------------------------------------------------------
    def _window(self, att: torch.Tensor, kappa: torch.Tensor, onehot: torch.Tensor,
                positions: torch.Tensor):
        a, b, k = torch.exp(att).chunk(3, dim=-1)  # (B, K) each
        kappa = kappa + k
        # phi = sum_k a_k exp(-b_k (kappa_k - u)^2), the sum over k done by a batched matmul
        phi = torch.bmm(a[:, None, :], torch.exp(-b[..., None] * (kappa[..., None] - positions).square()))
        w = torch.bmm(phi, onehot)[:, 0]  # (B, V)
        return w, kappa, phi[:, 0]

    def layer1(self, x: torch.Tensor, state: State, onehot: torch.Tensor | None,
               keep_phi: bool = False):
        """Run layer 1 and the window over ``x (T, B, 3)``. Returns ``h1 (T,B,H)``,
        ``w (T,B,V)`` (or None), the phi maps ``(T,B,U)`` if asked, and the new state."""
        cell = self.cell1
        bias = cell.bias_ih + cell.bias_hh
        if self.attn is None:
            gates_x, w_rec = F.linear(x, cell.weight_ih, bias), cell.weight_hh.t()
        else:
            # the input's part of the gates for every step at once; per step only [w, h] remain
            gates_x = F.linear(x, cell.weight_ih[:, :3], bias)
            w_rec = torch.cat([cell.weight_ih[:, 3:], cell.weight_hh], dim=1).t()
        if torch.is_grad_enabled() and w_rec.requires_grad:
            return self._layer1_training(gates_x, w_rec, state, onehot, keep_phi)
        h, c = state.h[0], state.c[0]
        if self.attn is None:
            hs = []
            for gx in gates_x.unbind(0):
                h, c = _lstm_gates(torch.addmm(gx, h, w_rec), c)
                hs.append(h)
            return torch.stack(hs), None, None, State([h] + state.h[1:], [c] + state.c[1:], None, None)
        positions = torch.arange(onehot.shape[1], device=x.device, dtype=torch.float32)
        attn_w = self.attn.weight.t()
        kappa, w = state.kappa, state.w
        hs, ws, phis = [], [], []
        for gx in gates_x.unbind(0):
            h, c = _lstm_gates(torch.addmm(gx, torch.cat([w.to(h.dtype), h], 1), w_rec), c)
            att = torch.addmm(self.attn.bias, h, attn_w)
            w, kappa, phi = self._window(att.float(), kappa, onehot, positions)
            hs.append(h)
            ws.append(w)
            if keep_phi:
                phis.append(phi)
        new = State([h] + state.h[1:], [c] + state.c[1:], kappa, w)
        return torch.stack(hs), torch.stack(ws), (torch.stack(phis) if keep_phi else None), new

    def _layer1_training(self, gates_x, w_rec, state: State, onehot, keep_phi: bool):
        """The same computation as one autograd node with a hand-written backward (layer1.py):
        recording ~20 tiny operations per step cost as much as the step's matmuls."""
        cond = self.attn is not None
        hs, ws, c, kappa, phis = Layer1.apply(
            gates_x, w_rec, self.attn.weight.t() if cond else None,
            self.attn.bias if cond else None, onehot, state.h[0], state.c[0],
            state.kappa, state.w, keep_phi)
        new = State([hs[-1]] + state.h[1:], [c] + state.c[1:], kappa if cond else None,
                    ws[-1] if cond else None)
        return hs, (ws if cond else None), (phis if cond and keep_phi else None), new

    def forward(self, x: torch.Tensor, chars: torch.Tensor | None = None,
                char_mask: torch.Tensor | None = None, targets: torch.Tensor | None = None,
                mask: torch.Tensor | None = None, state: State | None = None,
                keep_phi: bool = False):
        """Returns ``(params (T,B,O), nll per sequence (B,) or None, state, extras)``;
        ``extras`` holds ``phi`` and ``w`` when ``keep_phi``."""
        T, B, _ = x.shape
        if state is None:
            state = self.initial_state(B, x.device, x.dtype)
        onehot = self.one_hot(chars, char_mask) if self.attn is not None else None
        h1, w, phi, state = self.layer1(x, state, onehot, keep_phi)
        hs, below = [h1], h1
        for i, lstm in enumerate(self.upper, start=1):
            parts = [x, below] + ([w] if w is not None else [])
            below, (hn, cn) = lstm(torch.cat(parts, -1), (state.h[i][None], state.c[i][None]))
            state.h[i], state.c[i] = hn[0], cn[0]
            hs.append(below)
        params = self.out(torch.cat(hs, -1))
        nll = None
        if targets is not None:
            m = mask if mask is not None else torch.ones(T, B, device=x.device)
            nll = sequence_nll(params, targets, m, self.config.mixtures)
        extras = {"phi": phi, "w": w} if keep_phi else {}
        return params, nll, state, extras

    @torch.no_grad()
    def step(self, x: torch.Tensor, state: State, onehot: torch.Tensor | None):
        """One step for sampling: ``x (B, 3)`` -> ``(params (B, O), state, phi (B, U) or None)``.
        ``onehot`` is :meth:`one_hot` of the text, computed once per batch."""
        h1, w, phi, state = self.layer1(x[None], state, onehot, keep_phi=True)
        below, hs = h1[0], [h1[0]]
        for i, lstm in enumerate(self.upper, start=1):
            parts = [x, below] + ([w[0]] if w is not None else [])
            h, c = torch.lstm_cell(torch.cat(parts, -1), (state.h[i], state.c[i]),
                                   lstm.weight_ih_l0, lstm.weight_hh_l0,
                                   lstm.bias_ih_l0, lstm.bias_hh_l0)
            state.h[i], state.c[i] = h, c
            below = h
            hs.append(h)
        params = self.out(torch.cat(hs, -1))
        return params, state, (phi[0] if phi is not None else None)


def _lstm_gates(gates: torch.Tensor, c: torch.Tensor):
    # one sigmoid over all four gates (the g quarter is wasted, but one kernel beats three)
    i, f, _, o = torch.sigmoid(gates).chunk(4, 1)
    g = torch.tanh(gates[:, 2 * (gates.shape[1] // 4):3 * (gates.shape[1] // 4)])
    c = torch.addcmul(f * c, i, g)
    return o * torch.tanh(c), c
