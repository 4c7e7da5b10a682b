"""The Graves network: step-by-step equals whole-sequence, padding changes nothing, state carries
over between calls, mixed precision runs, and a tiny network can learn one line."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from writesmooth_lstm_graves.network import GravesConfig, GravesNet, sequence_nll  # noqa: E402


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: a second thread only adds synchronisation, which costs 30x on a busy
    2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny(window: int = 3, **kw) -> GravesNet:
    torch.manual_seed(0)
    cfg = GravesConfig(hidden=12, mixtures=3, window=window, alphabet_size=6 if window else 0, **kw)
    return GravesNet(config=cfg)


def inputs(T=9, B=2, U=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(T, B, 3, generator=g)
    x[..., 2] = (torch.rand(T, B, generator=g) < 0.2).float()
    chars = torch.randint(1, 6, (B, U), generator=g)
    cm = torch.ones(B, U)
    if B > 1:
        cm[1, -1] = 0.0  # a shorter text: padding must be ignored
    return x, chars, cm


@pytest.mark.parametrize("window", [3, 0])
def test_step_by_step_equals_the_whole_sequence(window):
    net = tiny(window).eval()
    x, chars, cm = inputs()
    with torch.no_grad():
        whole, _, _, extras = net(x, chars, cm, keep_phi=True)
    state = net.initial_state(x.shape[1])
    onehot = net.one_hot(chars, cm) if window else None
    stepped, phis = [], []
    for t in range(x.shape[0]):
        params, state, phi = net.step(x[t], state, onehot)
        stepped.append(params)
        phis.append(phi)
    assert torch.allclose(torch.stack(stepped), whole, atol=1e-5)
    if window:
        assert torch.allclose(torch.stack(phis), extras["phi"], atol=1e-5)


def test_state_carries_over_between_calls():
    net = tiny().eval()
    x, chars, cm = inputs(T=10)
    with torch.no_grad():
        whole, _, _, _ = net(x, chars, cm)
        first, _, state, _ = net(x[:4], chars, cm)
        second, _, _, _ = net(x[4:], chars, cm, state=state)
    assert torch.allclose(torch.cat([first, second]), whole, atol=1e-5)


def test_padding_after_a_line_changes_nothing():
    net = tiny().eval()
    x, chars, cm = inputs(T=12, B=2)
    targets = torch.randn(12, 2, 3)
    targets[..., 2] = 0.0
    mask = torch.ones(12, 2)
    mask[7:, 1] = 0.0
    with torch.no_grad():
        _, batched, _, _ = net(x, chars, cm, targets, mask)
        _, alone, _, _ = net(x[:7, 1:], chars[1:], cm[1:], targets[:7, 1:], mask[:7, 1:])
    assert torch.allclose(batched[1], alone[0], atol=1e-4)


def test_every_parameter_gets_a_finite_gradient():
    net = tiny()
    x, chars, cm = inputs()
    _, nll, _, _ = net(x, chars, cm, x, torch.ones(x.shape[:2]))
    nll.sum().backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name


def _cpu_has_bf16_lstm() -> bool:
    """Whether this CPU's oneDNN runs an LSTM under bf16 autocast (AVX2-only processors have
    no such primitive; the trainer then falls back to fp32, test_train.py checks that)."""
    lstm = torch.nn.LSTM(3, 4)
    try:
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            lstm(torch.zeros(2, 1, 3))
    except RuntimeError:
        return False
    return True


@pytest.mark.skipif(not _cpu_has_bf16_lstm(), reason="this CPU has no bf16 LSTM kernel")
def test_bf16_autocast_runs_stays_close_and_trains():
    net = tiny()
    x, chars, cm = inputs(T=30)
    mask = torch.ones(x.shape[:2])
    with torch.no_grad():
        _, full, _, _ = net(x, chars, cm, x, mask)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            _, half, _, _ = net(x, chars, cm, x, mask)
    assert half.dtype == torch.float32  # the loss is computed in fp32
    assert torch.allclose(half, full, rtol=0.05, atol=0.5)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        _, nll, _, _ = net(x, chars, cm, x, mask)
    nll.sum().backward()  # layer 1's fp32 gradients meet the bf16 ones of the layers above
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.dtype == torch.float32, name
        assert torch.isfinite(p.grad).all(), name


def test_a_tiny_network_learns_one_line():
    net = tiny()
    x, chars, cm = inputs(T=40, B=1)
    targets = x.clone()
    inp = torch.cat([torch.tensor([[[0.0, 0.0, 1.0]]]), targets[:-1]])
    mask = torch.ones(40, 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(150):
        _, nll, _, _ = net(inp, chars, cm, targets, mask)
        opt.zero_grad()
        (nll.sum() / 40).backward()
        opt.step()
        losses.append(float(nll.detach()) / 40)
    assert losses[-1] < losses[0] - 1.0, (losses[0], losses[-1])


def naive_nll(net: GravesNet, x, chars, cm, targets, mask):
    """The same network written plainly: every layer stepped with torch.lstm_cell (the network
    computes layer 1's input gates for all steps at once and runs the layers above as fused
    LSTMs over the sequence)."""
    cfg = net.config
    B = x.shape[1]
    hs = [(torch.zeros(B, cfg.hidden), torch.zeros(B, cfg.hidden)) for _ in range(cfg.layers)]
    onehot = net.one_hot(chars, cm) if cfg.conditional else None
    kappa = torch.zeros(B, cfg.window)
    w = torch.zeros(B, cfg.alphabet_size)
    pos = torch.arange(chars.shape[1], dtype=torch.float32)
    outs = []
    for t in range(x.shape[0]):
        inp = torch.cat([x[t], w], 1) if cfg.conditional else x[t]
        c1 = net.cell1
        hs[0] = torch.lstm_cell(inp, hs[0], c1.weight_ih, c1.weight_hh, c1.bias_ih, c1.bias_hh)
        if cfg.conditional:
            a, b, k = torch.exp(net.attn(hs[0][0])).chunk(3, 1)
            kappa = kappa + k
            phi = (a[..., None] * torch.exp(-b[..., None] * (kappa[..., None] - pos) ** 2)).sum(1)
            w = torch.bmm(phi[:, None], onehot)[:, 0]
        for i, lstm in enumerate(net.upper, start=1):
            parts = [x[t], hs[i - 1][0]] + ([w] if cfg.conditional else [])
            hs[i] = torch.lstm_cell(torch.cat(parts, 1), hs[i], lstm.weight_ih_l0,
                                    lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
        outs.append(net.out(torch.cat([h for h, _ in hs], 1)))
    return sequence_nll(torch.stack(outs), targets, mask, cfg.mixtures)


@pytest.mark.parametrize("window", [3, 0])
def test_gradients_equal_those_of_a_plain_step_loop(window):
    net = tiny(window)
    x, chars, cm = inputs(T=11, B=3, U=5)
    targets = torch.randn(11, 3, 3)
    targets[..., 2] = (targets[..., 2] > 1).float()
    mask = torch.ones(11, 3)
    mask[8:, 2] = 0.0
    _, nll, _, _ = net(x, chars, cm, targets, mask)
    nll.sum().backward()
    fast = {n: p.grad.clone() for n, p in net.named_parameters()}
    net.zero_grad()
    plain = naive_nll(net, x, chars, cm, targets, mask)
    assert torch.allclose(plain, nll, atol=1e-4)
    plain.sum().backward()
    for n, p in net.named_parameters():
        assert torch.allclose(fast[n], p.grad, rtol=1e-4, atol=1e-5), n
