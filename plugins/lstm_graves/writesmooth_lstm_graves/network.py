"""Graves' synthesis network (2013, section 5) and prediction network (section 4): its
configuration, the network, and the mixture density output with its loss.

Only layer 1 and the attention window depend on the previous step, so they run in a Python
loop (in training too: autograd records it); layers 2..L then run as fused ``nn.LSTM``s over
the whole sequence. Time-major tensors:
``x (T, B, 3)``, ``chars (B, U)`` class indices (0 = unknown or padding, masked by
``char_mask``).

The output vector of a step (eqs. 18-22): one end-of-stroke logit, then M mixture logits,
M x-means, M y-means, M log-sds for x, M log-sds for y, M correlation pre-activations. The loss
is computed in log space, so underflow never gives inf or NaN.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from writesmooth import WritesmoothError


# --- configuration ---------------------------------------------------------------------------
@dataclass
class GravesConfig:
    """Every size of the network, overridable with ``--set FIELD=VALUE``."""

    hidden: int = 400            # LSTM cells per layer (Graves: 400)
    layers: int = 3              # stacked LSTM layers (Graves: 3)
    mixtures: int = 20           # M: bivariate Gaussians in the output mixture (Graves: 20)
    window: int = 10             # K: Gaussians of the attention window; 0 = unconditional (sec. 4)
    alphabet_size: int = 0       # V: one-hot classes of the text, set from the training alphabet
    min_char_count: int = 20     # a character seen fewer times in training shares the unknown class
    kappa_init: float = -3.0     # initial bias of log(kappa step): about 1/20 char per point
    output_clip: float = 100.0   # Graves clipped output derivatives to [-100, 100]
    lstm_clip: float = 10.0      # ... and LSTM derivatives to [-10, 10]: used as grad-norm clip

    @property
    def conditional(self) -> bool:
        return self.window > 0

    @property
    def output_size(self) -> int:
        return 1 + 6 * self.mixtures  # end-of-stroke logit, then pi, mu_x, mu_y, sd_x, sd_y, rho

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "GravesConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def with_overrides(self, overrides: dict[str, str]) -> "GravesConfig":
        return with_overrides(self, overrides)


def with_overrides(config, overrides: dict[str, str], fixed: tuple[str, ...] = ()):
    """A copy of the dataclass ``config`` with ``--set FIELD=VALUE`` strings applied, each
    converted to its field's type; a field in ``fixed`` (set from the data) cannot be set."""
    types = {f.name: f.type for f in fields(config) if f.name not in fixed}
    data = asdict(config)
    for key, raw in overrides.items():
        if key not in types:
            raise WritesmoothError(f"unknown config field '{key}' for --set "
                                   f"(valid: {', '.join(sorted(types))})")
        kind = {"int": int, "float": float, "bool": _bool, "str": str}[str(types[key])]
        try:
            data[key] = kind(raw)
        except ValueError:
            raise WritesmoothError(f"--set {key}={raw}: expected {types[key]}") from None
    return type(config)(**data)


def _bool(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


# --- the mixture density output ----------------------------------------------------------------
LOG_2PI = math.log(2 * math.pi)
RHO_RAW_CLAMP = 8.0     # |rho| <= tanh(8) = 1 - 2e-7: keeps 1 - rho^2 representable
LOG_SD_MIN = -12.0      # numerical floor only; far below any standardised offset step


class Mixture(NamedTuple):
    eos_logit: torch.Tensor   # (..., 1)
    log_pi: torch.Tensor      # (..., M) log mixture weights
    mu: torch.Tensor          # (..., M, 2)
    log_sd: torch.Tensor      # (..., M, 2)
    rho_raw: torch.Tensor     # (..., M) pre-tanh correlation, clamped


def split(params: torch.Tensor, mixtures: int, bias: float = 0.0) -> Mixture:
    """Split raw outputs; ``bias`` (eqs. 61-62) sharpens weights and shrinks sds for sampling."""
    m = mixtures
    mu = torch.stack([params[..., 1 + m:1 + 2 * m], params[..., 1 + 2 * m:1 + 3 * m]], dim=-1)
    sd = torch.stack([params[..., 1 + 3 * m:1 + 4 * m], params[..., 1 + 4 * m:1 + 5 * m]], dim=-1)
    rho = params[..., 1 + 5 * m:1 + 6 * m].clamp(-RHO_RAW_CLAMP, RHO_RAW_CLAMP)
    log_pi = F.log_softmax(params[..., 1:1 + m] * (1.0 + bias), dim=-1)
    return Mixture(params[..., :1], log_pi, mu, (sd - bias).clamp_min(LOG_SD_MIN), rho)


def step_nll(params: torch.Tensor, target: torch.Tensor, mixtures: int) -> torch.Tensor:
    """Negative log-likelihood in nats of ``target (..., 3)`` under ``params``; shape ``(...)``."""
    mix = split(params.float(), mixtures)
    z = (target[..., None, :2].float() - mix.mu) * torch.exp(-mix.log_sd)  # (..., M, 2)
    rho = torch.tanh(mix.rho_raw)
    # log(1 - rho^2) = -2 log cosh(a) for rho = tanh(a): computed without cancellation
    a = mix.rho_raw.abs()
    log_1mr2 = -2.0 * (a + F.softplus(-2.0 * a) - math.log(2.0))
    quad = (z[..., 0] ** 2 + z[..., 1] ** 2 - 2 * rho * z[..., 0] * z[..., 1]) * torch.exp(-log_1mr2)
    log_n = -LOG_2PI - mix.log_sd.sum(-1) - 0.5 * log_1mr2 - 0.5 * quad
    log_mix = torch.logsumexp(mix.log_pi + log_n, dim=-1)
    eos = F.binary_cross_entropy_with_logits(mix.eos_logit[..., 0], target[..., 2].float(),
                                             reduction="none")
    return eos - log_mix


def sequence_nll(params: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor,
                 mixtures: int) -> torch.Tensor:
    """Per-sequence summed NLL (nats): params ``(T, B, O)``, targets ``(T, B, 3)``, mask ``(T, B)``."""
    return (step_nll(params, targets, mixtures) * mask).sum(0)


def sample(params: torch.Tensor, mixtures: int, bias: float,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw one offset ``(B, 3)`` from ``params (B, O)`` with sampling bias ``bias``."""
    mix = split(params.float(), mixtures, bias)
    b = params.shape[0]
    idx = torch.multinomial(mix.log_pi.exp(), 1, generator=generator)[:, 0]
    rows = torch.arange(b, device=params.device)
    mu = mix.mu[rows, idx]
    sd = mix.log_sd[rows, idx].exp()
    rho = torch.tanh(mix.rho_raw[rows, idx])
    n = torch.randn(b, 2, device=params.device, generator=generator)
    dx = mu[:, 0] + sd[:, 0] * n[:, 0]
    dy = mu[:, 1] + sd[:, 1] * (rho * n[:, 0] + torch.sqrt(1 - rho * rho) * n[:, 1])
    eos = (torch.rand(b, device=params.device, generator=generator)
           < torch.sigmoid(mix.eos_logit[:, 0])).float()
    return torch.stack([dx, dy, eos], dim=1)


# --- the network -------------------------------------------------------------------------------
@dataclass
class State:
    """Recurrent state between calls (priming, then sampling)."""

    h: list[torch.Tensor]          # per layer (B, H)
    c: list[torch.Tensor]          # per layer (B, H)
    kappa: torch.Tensor | None     # (B, K) window positions
    w: torch.Tensor | None         # (B, V) window vector of the previous step


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

    def forward(self, x: torch.Tensor, chars: torch.Tensor | None = None,
                char_mask: torch.Tensor | None = None, targets: torch.Tensor | None = None,
                mask: torch.Tensor | None = None, state: State | None = None,
                keep_phi: bool = False):
        """Returns ``(params (T,B,O), nll per sequence (B,) or None, state, extras)``;
        ``extras`` holds ``phi (T,B,U)`` and ``w (T,B,V)`` when ``keep_phi``."""
        onehot = self.one_hot(chars, char_mask) if self.attn is not None else None
        params, state, phi, w = self.unroll(x, onehot, state, keep_phi)
        nll = None
        if targets is not None:
            m = mask if mask is not None else torch.ones(x.shape[:2], device=x.device)
            nll = sequence_nll(params, targets, m, self.config.mixtures)
        return params, nll, state, ({"phi": phi, "w": w} if keep_phi else {})

    @torch.no_grad()
    def step(self, x: torch.Tensor, state: State, onehot: torch.Tensor | None):
        """One step: ``x (B, 3)`` -> ``(params (B, O), state, phi (B, U) or None)``; ``onehot``
        is :meth:`one_hot` of the text, computed once per batch."""
        params, state, phi, _ = self.unroll(x[None], onehot, state, keep_phi=True)
        return params[0], state, (phi[0] if phi is not None else None)

    def unroll(self, x: torch.Tensor, onehot: torch.Tensor | None, state: State | None,
               keep_phi: bool = False):
        """The whole network over ``x (T, B, 3)`` from ``state`` (None: zeros). Returns
        ``params (T,B,O)``, the new state, and the phi maps and window vectors (or None)."""
        if state is None:
            state = self.initial_state(x.shape[1], x.device, x.dtype)
        h1, w, phi, state = self.layer1(x, state, onehot, keep_phi)
        hs, below = [h1], h1
        for i, lstm in enumerate(self.upper, start=1):
            parts = [x, below] + ([w] if w is not None else [])
            below, (hn, cn) = lstm(torch.cat(parts, -1), (state.h[i][None], state.c[i][None]))
            state.h[i], state.c[i] = hn[0], cn[0]
            hs.append(below)
        return self.out(torch.cat(hs, -1)), state, phi, w

    def layer1(self, x: torch.Tensor, state: State, onehot: torch.Tensor | None,
               keep_phi: bool = False):
        """Layer 1 and the window over ``x (T, B, 3)``: ``h1 (T,B,H)``, ``w (T,B,V)`` (or
        None), the phi maps ``(T,B,U)`` if asked, and a new state (layer 1's entries replaced).
        In fp32 whatever autocast is active: the recurrence is a chain of small matmuls where
        bf16 saves little and would round the state at every step."""
        with torch.autocast(x.device.type, enabled=False):
            return self._layer1(x.float(), state, onehot, keep_phi)

    def _layer1(self, x, state: State, onehot, keep_phi: bool):
        cell, cond = self.cell1, self.attn is not None
        bias = cell.bias_ih + cell.bias_hh
        if not cond:
            gates_x, w_rec = F.linear(x, cell.weight_ih, bias), cell.weight_hh.t()
        else:
            # the input's part of the gates for every step at once; per step only [w, h] remain
            gates_x = F.linear(x, cell.weight_ih[:, :3], bias)
            w_rec = torch.cat([cell.weight_ih[:, 3:], cell.weight_hh], dim=1).t()
            positions = torch.arange(onehot.shape[1], device=x.device, dtype=torch.float32)
            attn_w = self.attn.weight.t()
        h, c, kappa, w = state.h[0].float(), state.c[0].float(), state.kappa, state.w
        hs, ws, phis = [], [], []
        for gx in gates_x.unbind(0):
            h, c = _lstm_gates(torch.addmm(gx, torch.cat([w, h], 1) if cond else h, w_rec), c)
            hs.append(h)
            if cond:
                a, b, k = torch.exp(torch.addmm(self.attn.bias, h, attn_w)).chunk(3, -1)
                kappa = kappa + k
                # phi = sum_k a_k exp(-b_k (kappa_k - u)^2), the sum over k as a batched matmul
                phi = torch.bmm(a[:, None, :],
                                torch.exp(-b[..., None] * (kappa[..., None] - positions).square()))
                w = torch.bmm(phi, onehot)[:, 0]  # (B, V)
                ws.append(w)
                if keep_phi:
                    phis.append(phi[:, 0])
        new = State([h] + state.h[1:], [c] + state.c[1:], kappa, w)
        return (torch.stack(hs), torch.stack(ws) if cond else None,
                torch.stack(phis) if cond and keep_phi else None, new)


def _lstm_gates(gates: torch.Tensor, c: torch.Tensor):
    # one sigmoid over all four gates (the g quarter is wasted, but one kernel beats three)
    i, f, _, o = torch.sigmoid(gates).chunk(4, 1)
    g = torch.tanh(gates[:, 2 * (gates.shape[1] // 4):3 * (gates.shape[1] // 4)])
    c = torch.addcmul(f * c, i, g)
    return o * torch.tanh(c), c
