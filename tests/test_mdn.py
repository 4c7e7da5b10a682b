"""The mixture density loss: equal to the textbook density where that is computable, finite
(with finite gradients) where the textbook form underflows."""
from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from writesmooth_lstm_graves.network import sample, sequence_nll, split, step_nll  # noqa: E402

M = 4


def direct_nll(params: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Graves' eqs. 23-26 as written: densities, not logs (float64)."""
    p = params.double()
    e = torch.sigmoid(p[..., 0])
    pi = torch.softmax(p[..., 1:1 + M], -1)
    mx, my = p[..., 1 + M:1 + 2 * M], p[..., 1 + 2 * M:1 + 3 * M]
    sx, sy = torch.exp(p[..., 1 + 3 * M:1 + 4 * M]), torch.exp(p[..., 1 + 4 * M:1 + 5 * M])
    rho = torch.tanh(p[..., 1 + 5 * M:1 + 6 * M])
    x, y, eos = (target[..., i:i + 1].double() for i in range(3))
    zx, zy = (x - mx) / sx, (y - my) / sy
    z = zx ** 2 + zy ** 2 - 2 * rho * zx * zy
    n = torch.exp(-z / (2 * (1 - rho ** 2))) / (2 * math.pi * sx * sy * torch.sqrt(1 - rho ** 2))
    density = (pi * n).sum(-1)
    pen = torch.where(eos[..., 0] > 0.5, e, 1 - e)
    return -torch.log(density) - torch.log(pen)


def random_case(shape=(50,), seed=0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    params = torch.randn(*shape, 1 + 6 * M, generator=g) * scale
    target = torch.randn(*shape, 3, generator=g)
    target[..., 2] = (torch.rand(shape, generator=g) < 0.3).float()
    return params, target


def test_log_space_loss_equals_the_direct_density():
    params, target = random_case()
    ours = step_nll(params, target, M).double()
    assert torch.allclose(ours, direct_nll(params, target), rtol=1e-4, atol=1e-4)


def test_equal_with_strong_correlation_and_small_sds():
    params, target = random_case(seed=1)
    params[..., 1 + 5 * M:] = 3.0                 # rho = tanh(3) = 0.995
    params[..., 1 + 3 * M:1 + 5 * M] = -2.0       # sd = 0.14
    target[..., 0] = params[..., 1 + M] + 0.05     # near component 0, so nothing underflows
    target[..., 1] = params[..., 1 + 2 * M] + 0.05
    ours = step_nll(params, target, M).double()
    assert torch.allclose(ours, direct_nll(params, target), rtol=1e-4, atol=1e-3)


def test_finite_where_the_direct_form_underflows():
    params, target = random_case(seed=2)
    params[..., 1 + 3 * M:1 + 5 * M] = -6.0       # sd = 0.0025
    target[..., :2] = 40.0                          # 16,000 sds away: exp(-huge) = 0
    params = params.requires_grad_()
    direct = direct_nll(params.detach(), target)
    assert torch.isinf(direct).all()                # the textbook form gives up ...
    ours = step_nll(params, target, M)
    assert torch.isfinite(ours).all() and (ours > 1e6).all()  # ... log space does not
    ours.sum().backward()
    assert torch.isfinite(params.grad).all()


def test_finite_at_extreme_correlation_and_pen_logits():
    params, target = random_case(seed=3)
    params[..., 1 + 5 * M:] = 50.0                # |rho| -> 1: 1 - rho^2 underflows in float32
    params[..., 0] = torch.where(target[..., 2] > 0.5, -200.0, 200.0)  # the wrong pen, sure of it
    params = params.requires_grad_()
    nll = step_nll(params, target, M)
    assert torch.isfinite(nll).all()
    nll.sum().backward()
    assert torch.isfinite(params.grad).all()


def test_sequence_nll_sums_only_the_masked_steps():
    params, target = random_case((6, 2), seed=4)
    mask = torch.ones(6, 2)
    mask[4:, 1] = 0.0
    per_step = step_nll(params, target, M)
    got = sequence_nll(params, target, mask, M)
    assert torch.allclose(got, torch.stack([per_step[:, 0].sum(), per_step[:4, 1].sum()]))


def test_bias_sharpens_the_mixture():
    params, _ = random_case(seed=5)
    plain, biased = split(params, M), split(params, M, bias=2.0)
    assert (biased.log_sd < plain.log_sd).all()
    entropy = lambda lp: -(lp.exp() * lp).sum(-1)  # noqa: E731
    assert (entropy(biased.log_pi) <= entropy(plain.log_pi) + 1e-6).all()


def test_sample_shape_and_pen_bit():
    params, _ = random_case((8,), seed=6)
    out = sample(params, M, bias=0.5, generator=torch.Generator().manual_seed(0))
    assert out.shape == (8, 3) and torch.isfinite(out).all()
    assert set(out[:, 2].tolist()) <= {0.0, 1.0}
