"""The mixture density output: parameters, log-space loss, and biased sampling.

Output vector per step (eqs. 18-22 of Graves 2013): one end-of-stroke logit, then M mixture
logits, M x-means, M y-means, M log-sds for x, M log-sds for y, M correlation pre-activations.
Everything is computed in log space so underflow never gives inf or NaN.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F

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
    e = params[..., :1]
    pi = params[..., 1:1 + m]
    mu = torch.stack([params[..., 1 + m:1 + 2 * m], params[..., 1 + 2 * m:1 + 3 * m]], dim=-1)
    sd = torch.stack([params[..., 1 + 3 * m:1 + 4 * m], params[..., 1 + 4 * m:1 + 5 * m]], dim=-1)
    rho = params[..., 1 + 5 * m:1 + 6 * m].clamp(-RHO_RAW_CLAMP, RHO_RAW_CLAMP)
    log_pi = F.log_softmax(pi * (1.0 + bias), dim=-1)
    log_sd = (sd - bias).clamp_min(LOG_SD_MIN)
    return Mixture(e, log_pi, mu, log_sd, rho)


def _log_one_minus_rho2(rho_raw: torch.Tensor) -> torch.Tensor:
    # 1 - tanh(a)^2 = sech(a)^2, so log(1 - rho^2) = -2 log cosh(a), computed without cancellation
    a = rho_raw.abs()
    return -2.0 * (a + F.softplus(-2.0 * a) - math.log(2.0))


def step_nll(params: torch.Tensor, target: torch.Tensor, mixtures: int) -> torch.Tensor:
    """Negative log-likelihood in nats of ``target (..., 3)`` under ``params``; shape ``(...)``."""
    mix = split(params.float(), mixtures)
    z = (target[..., None, :2].float() - mix.mu) * torch.exp(-mix.log_sd)  # (..., M, 2)
    rho = torch.tanh(mix.rho_raw)
    log_1mr2 = _log_one_minus_rho2(mix.rho_raw)
    quad = (z[..., 0] ** 2 + z[..., 1] ** 2 - 2 * rho * z[..., 0] * z[..., 1]) * torch.exp(-log_1mr2)
    log_n = -LOG_2PI - mix.log_sd.sum(-1) - 0.5 * log_1mr2 - 0.5 * quad
    log_mix = torch.logsumexp(mix.log_pi + log_n, dim=-1)
    eos = F.binary_cross_entropy_with_logits(mix.eos_logit[..., 0], target[..., 2].float(),
                                             reduction="none")
    return eos - log_mix


def sequence_nll(params: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor,
                 mixtures: int) -> torch.Tensor:
    """Per-sequence summed NLL (nats): params ``(T, B, O)``, targets ``(T, B, 3)``, mask ``(T, B)``."""
    nll = step_nll(params, targets, mixtures)
    return (nll * mask).sum(0)


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
