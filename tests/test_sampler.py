"""The lstm-graves sampler: fast stepping equals the network's forward, biased sampling has the
right distribution, seeds reproduce, lines that went wrong are drawn again and reported, the
reader picks among candidates. The stop rule is in test_stop.py, priming in test_priming.py."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from writesmooth import Ink, WritesmoothError, notices
from writesmooth.api import DEFAULT_BIAS
from writesmooth_lstm_graves import draw, network, step_weights, writing
from writesmooth_lstm_graves.alphabet import Alphabet
from writesmooth_lstm_graves.convert import Normaliser
from writesmooth_lstm_graves.fast_step import FastStepper, MixtureSampler
from writesmooth_lstm_graves.network import GravesConfig, GravesNet
from writesmooth_lstm_graves.reader import Reader, ReaderConfig, ReaderNet
from writesmooth_lstm_graves.weights import Bundle


CHARS = " !',.?abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


NORM = Normaliser((8.0, 0.1), (43.0, 36.0))  # about IAM-OnDB's offset statistics


def tiny_bundle(kappa_bias: float | None = None, *, hidden: int = 24, seed: int = 0,
                window: int = 3, layers: int = 3) -> Bundle:
    """A random network; ``kappa_bias`` sets the attention's log kappa-step bias: 0 moves the
    window about one character per point (lines end by the stop rule), -30 freezes it (caps)."""
    torch.manual_seed(seed)
    alphabet = Alphabet(CHARS)
    cfg = GravesConfig(hidden=hidden, layers=layers, mixtures=3, window=window,
                       alphabet_size=len(alphabet))
    net = GravesNet(config=cfg).eval()
    if kappa_bias is not None:
        with torch.no_grad():
            net.attn.bias[2 * window:] = kappa_bias
            if kappa_bias < -10:
                net.attn.weight[2 * window:] = 0.0
    return Bundle(net=net, config=cfg, alphabet=alphabet, norm=NORM)


def with_reader(bundle: Bundle) -> Bundle:
    """``bundle`` with a small random reader to choose among candidates."""
    torch.manual_seed(0)
    cfg = ReaderConfig(channels=16, hidden=16, layers=1, alphabet_size=len(CHARS))
    bundle.reader = Reader(net=ReaderNet(config=cfg).eval(), alphabet=Alphabet(CHARS),
                           scale=(40.0, 40.0))
    return bundle


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("layers,window,use_numpy,kind", [
    (3, 4, True, "onednn"), (3, 4, False, "onednn"), (3, 4, False, "addmm"),
    (3, 4, True, "bf16"), (2, 4, True, "onednn"), (4, 4, True, "addmm"), (3, 0, True, "bf16")])
def test_fast_stepper_equals_the_networks_forward(layers, window, use_numpy, kind):
    """Both small-op paths (numpy on the CPU, torch elsewhere) and each kind of matrix product
    (addmm, oneDNN's prepacked fp32 linear, its bfloat16 one: ``step_weights.py``), stepped over
    a sequence, compute what the network's forward computes over all of it; bfloat16 to its
    rounding."""
    if kind == "onednn" and not step_weights.onednn_works():
        pytest.skip("this torch build has no oneDNN prepacked linear")
    if kind == "bf16" and not step_weights.native_bf16():
        pytest.skip("this CPU has no native bfloat16 dot products")
    atol = 2e-2 if kind == "bf16" else 1e-5
    torch.manual_seed(1)
    cfg = GravesConfig(hidden=20, layers=layers, mixtures=3, window=window, alphabet_size=9)
    net = GravesNet(config=cfg).eval()
    B, U, T = 4, 6, 25
    chars = torch.randint(1, 9, (B, U))
    mask = torch.ones(B, U)
    mask[1, 4:] = 0
    x = torch.randn(T, B, 3)
    x[:, :, 2] = (x[:, :, 2] > 0.5).float()
    x[0] = torch.tensor([0.0, 0.0, 1.0])
    with torch.no_grad():
        want, _, state, extras = net(x, chars if window else None, mask if window else None,
                                     keep_phi=bool(window))
    fast = FastStepper(net, B, net.one_hot(chars, mask) if window else None, use_numpy=use_numpy,
                       kind=kind)
    for t in range(T):
        fast.set_input(x[t])
        got = fast.step()
        assert torch.allclose(got, want[t], atol=atol, rtol=0)
        if window:
            assert torch.allclose(fast.phi, extras["phi"][t], atol=atol, rtol=0)
    mine = fast.state()
    for a, b in zip(mine.h + mine.c, state.h + state.c):
        assert torch.allclose(a, b, atol=atol, rtol=0)


def test_prepared_weights_follow_the_parameters():
    """The prepared weights are made once per network and kind, and made again once training
    changed the parameters."""
    net = GravesNet(config=GravesConfig(hidden=8, layers=2, mixtures=2, window=2,
                                        alphabet_size=5)).eval()
    onehot = net.one_hot(torch.ones(1, 3, dtype=torch.long), torch.ones(1, 3))
    first = FastStepper(net, 1, onehot, kind="addmm")
    again = FastStepper(net, 1, onehot, kind="addmm")
    assert again.layers[0][1] is first.layers[0][1]
    with torch.no_grad():
        net.cell1.weight_hh.add_(1.0)
    changed = FastStepper(net, 1, onehot, kind="addmm")
    assert changed.layers[0][1] is not first.layers[0][1]
    assert not torch.equal(changed.layers[0][1], first.layers[0][1])


def test_numpy_and_torch_paths_draw_the_same():
    outs = []
    for use_numpy in (True, False):
        bundle = tiny_bundle()
        onehot = bundle.net.one_hot(torch.randint(1, 20, (4, 5)), torch.ones(4, 5))
        fast = FastStepper(bundle.net, 4, onehot, use_numpy=use_numpy)
        sampler = MixtureSampler(fast, 3, 0.5, gen(3), chunk=16)
        out = np.zeros((40, 4, 3), np.float32) if use_numpy else torch.zeros(40, 4, 3)
        for t in range(40):
            fast.step()
            sampler.draw(out[t])
        outs.append(np.asarray(out))
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-4)


def _params(batch: int) -> torch.Tensor:
    """Two components: weights 0.25/0.75, means (-2, 1) and (3, 0), sds e^0 and e^-1, rho 0.5."""
    p = torch.zeros(batch, 13)
    p[:, 0] = math.log(0.3 / 0.7)                        # P(eos) = 0.3
    p[:, 1:3] = torch.log(torch.tensor([0.25, 0.75]))
    p[:, 3:5] = torch.tensor([-2.0, 3.0])                # mu_x
    p[:, 5:7] = torch.tensor([1.0, 0.0])                 # mu_y
    p[:, 7:9] = torch.tensor([0.0, -1.0])                # log sd_x
    p[:, 9:11] = torch.tensor([0.0, -1.0])               # log sd_y
    p[:, 11:13] = math.atanh(0.5)
    return p


@pytest.mark.parametrize("bias", [0.0, 1.0])
def test_mixture_sampler_matches_network_sample(bias):
    """The Gumbel-max draw has the distribution of network.sample (softmax weights, eqs. 61-62)."""
    n = 20000
    params = _params(n)

    class Holder:  # the sampler reads the stepper's params buffer and writes its input
        B, use_numpy = n, True
        params = _params(n)
        x = torch.zeros(n, 3)

    sampler = MixtureSampler(Holder, 2, bias, gen(0), chunk=1)
    mine = np.zeros((n, 3), np.float32)
    sampler.draw(mine)
    theirs = network.sample(params, 2, bias, gen(1)).numpy()
    for col in range(3):
        assert abs(mine[:, col].mean() - theirs[:, col].mean()) < 0.06
        assert abs(mine[:, col].std() - theirs[:, col].std()) < 0.06
    assert abs(np.corrcoef(mine[:, 0], mine[:, 1])[0, 1]
               - np.corrcoef(theirs[:, 0], theirs[:, 1])[0, 1]) < 0.03
    assert abs(mine[:, 2].mean() - 0.3) < 0.02  # the pen bit is not biased
    np.testing.assert_array_equal(Holder.x.numpy(), mine)  # and it is fed back


def test_same_seed_same_strokes_other_seed_other():
    bundle = tiny_bundle(0.0)
    a = writing.write_lines(bundle, ["hello world", "abc"], seed=7)
    b = writing.write_lines(bundle, ["hello world", "abc"], seed=7)
    c = writing.write_lines(bundle, ["hello world", "abc"], seed=8)
    assert all(x.same_as(y) for x, y in zip(a, b))
    assert not a[0].same_as(c[0])
    assert a[0].meta["seed"] == 7 and a[0].meta["bias"] == DEFAULT_BIAS == 1.0
    assert a[0].text == "hello world"


def test_random_seed_is_reported_and_reproduces():
    bundle = tiny_bundle(0.0)
    first = writing.write_lines(bundle, ["seed me"])[0]
    again = writing.write_lines(bundle, ["seed me"], seed=first.meta["seed"])[0]
    assert first.same_as(again)


def test_the_stream_yields_every_line_in_order_as_write_lines_writes_it(monkeypatch):
    """Lines come in order, each once its own draws and those of the lines before it are
    final (a line drawn again holds back the ones after it); together they are write_lines'
    lines."""
    bundle = tiny_bundle(0.0)
    texts = ["aa", "bb", "", "cc", "dd"]
    calls = fake_draws(monkeypatch, {("bb", 0)})
    monkeypatch.setattr(writing, "MAX_BATCH", 2)
    stream = []
    for i, ink in writing.write_stream(bundle, texts, seed=3):
        stream.append((i, len(calls)))
    assert stream == [(0, 1), (1, 3), (2, 3), (3, 3), (4, 3)]
    calls.clear()
    lines = writing.write_lines(bundle, texts, seed=3)
    assert len(calls) == 3 and [i.meta["steps"] for i in lines] == [10, 12, 0, 11, 11]


def fake_draws(monkeypatch, cut=(), stalled=()):
    """Replace the network's drawing: a row of text ``t`` on call ``c`` (0 = the first draw)
    is cut at the cap if ``(t, c)`` is in ``cut``, and its window stalls if it is in
    ``stalled``; its length tells the calls apart."""
    calls = []

    def draw_lines(bundle, rows, *, bias, noise, prime):
        c = len(calls)
        calls.append(list(rows))
        out = []
        for t in rows:
            offsets = np.zeros((10 + c, 3), np.float32)
            offsets[:, 0] = 1.0
            dwell = draw.STALL_STEPS + 1 if (t, c) in stalled else draw.STALL_STEPS
            out.append(draw.Drawn(offsets, (t, c) in cut, dwell))
        return out

    monkeypatch.setattr(writing, "draw_lines", draw_lines)
    return calls


def test_a_line_the_cap_cut_is_drawn_again_and_the_others_stay(monkeypatch):
    bundle = tiny_bundle(0.0)
    calls = fake_draws(monkeypatch, {("bb", 0), ("cc", 0), ("cc", 1)})
    inks = writing.write_lines(bundle, ["aa", "bb", "", "cc", "dd"], seed=3)
    assert calls == [["aa", "bb", "cc", "dd"], ["bb", "cc"], ["cc"]]
    assert [i.meta["steps"] for i in inks] == [10, 11, 0, 12, 10]   # the call each came from
    assert [i.meta["hit_cap"] for i in inks] == [False] * 5
    assert [i.meta.get("redraws") for i in inks] == [None, 1, None, 2, None]
    assert not any(notices(i) for i in inks)


def test_a_line_whose_window_stalled_is_drawn_again(monkeypatch):
    bundle = tiny_bundle(0.0)
    monkeypatch.setattr(writing, "REDRAWS", 2)
    calls = fake_draws(monkeypatch, stalled={("bb", 0), ("cc", 0), ("cc", 1), ("cc", 2)})
    inks = writing.write_lines(bundle, ["aa", "bb", "cc"], seed=3)
    assert calls == [["aa", "bb", "cc"], ["bb", "cc"], ["cc"]]
    assert [i.meta["steps"] for i in inks] == [10, 11, 10]   # cc stalled every time: the first
    assert [i.meta["stalled"] for i in inks] == [False, False, True]
    S = draw.STALL_STEPS
    assert [i.meta["dwell"] for i in inks] == [S, S, S + 1]
    assert [i.meta.get("redraws") for i in inks] == [None, 1, 2]
    assert notices(inks[2]) == ["line 'cc' may hold a scribble: the model lost its place in it "
                                f"in all 3 draws (it stayed {S + 1} points on one letter)"]


def test_by_default_a_line_is_drawn_up_to_three_more_times(monkeypatch):
    """REDRAWS is 3: a line that stalled in its first three draws gets a fourth, and keeps it."""
    bundle = tiny_bundle(0.0)
    calls = fake_draws(monkeypatch, stalled={("cc", 0), ("cc", 1), ("cc", 2)})
    inks = writing.write_lines(bundle, ["aa", "cc"], seed=3)
    assert calls == [["aa", "cc"], ["cc"], ["cc"], ["cc"]]
    assert [i.meta["stalled"] for i in inks] == [False, False]
    assert [i.meta.get("redraws") for i in inks] == [None, 3]


def test_a_finished_stalled_line_is_kept_over_one_the_cap_cut(monkeypatch):
    bundle = tiny_bundle(0.0)
    monkeypatch.setattr(writing, "REDRAWS", 2)
    fake_draws(monkeypatch, stalled={("aa", 0)}, cut={("aa", 1), ("aa", 2)})
    (ink,) = writing.write_lines(bundle, ["aa"], seed=3)
    assert ink.meta["steps"] == 10 and ink.meta["stalled"] and not ink.meta["hit_cap"]


def test_redraws_keep_the_first_cut_line_when_every_draw_is_cut(monkeypatch):
    bundle = tiny_bundle(0.0)
    calls = fake_draws(monkeypatch, {("bb", c) for c in range(5)})
    inks = writing.write_lines(bundle, ["aa", "bb"], seed=3)
    assert len(calls) == 4 and inks[1].meta["hit_cap"] and inks[1].meta["steps"] == 10
    assert inks[1].meta["redraws"] == 3
    calls.clear()
    monkeypatch.setattr(writing, "REDRAWS", 0)
    inks = writing.write_lines(bundle, ["aa", "bb"], seed=3)   # none: as cut
    assert len(calls) == 1 and inks[1].meta["hit_cap"] and "redraws" not in inks[1].meta
    assert notices(inks[1]) == ["line 'bb' reached the step cap (10 points) before the model "
                                "finished it; it is cut there"]


def test_redraws_reach_smoothing(monkeypatch):
    bundle = tiny_bundle(0.0)
    calls = fake_draws(monkeypatch, {("ab cd", 0)})
    sample = Ink(strokes=[np.array([[0, 0], [5, 3], [9, 1], [14, 4]], np.float32)], text="ab cd")
    ink = writing.smooth_sample(bundle, sample, seed=1)
    assert len(calls) == 2 and ink.meta["redraws"] == 1 and not ink.meta["hit_cap"]


def test_empty_line_keeps_its_place():
    bundle = tiny_bundle(0.0)
    inks = writing.write_lines(bundle, ["one", "", "three"], seed=0)
    assert [i.text for i in inks] == ["one", "", "three"]
    assert inks[1].is_empty() and not inks[0].is_empty() and not inks[2].is_empty()


def test_a_line_that_came_out_empty_is_empty(monkeypatch):
    """After a sample, a line of pen-up moves only has no ink at all (the command line says
    so for any model: no notice of the model's own)."""
    def draw_lines(bundle, rows, **kw):
        return [draw.Drawn(np.array([[1.0, 0.0, 1.0]] * 3, np.float32), False, 0) for _ in rows]

    monkeypatch.setattr(writing, "draw_lines", draw_lines)
    (ink,) = writing.write_lines(tiny_bundle(0.0), ["abc"], seed=0, style=handwriting("ab"))
    assert ink.is_empty() and notices(ink) == []


def test_batches_split_above_max_batch(monkeypatch):
    bundle = tiny_bundle(0.0)
    monkeypatch.setattr(writing, "MAX_BATCH", 2)
    inks = writing.write_lines(bundle, ["ab", "cd", "ef"], seed=0)
    assert [i.text for i in inks] == ["ab", "cd", "ef"] and all(not i.is_empty() for i in inks)


def test_unknown_characters_raise_naming_them():
    bundle = tiny_bundle(0.0)
    with pytest.raises(WritesmoothError, match=r"'é'.*'€'|'€'.*'é'"):
        writing.write_stream(bundle, ["café for 5€"], seed=0)  # at once, not when iterated
    fixed = bundle.alphabet.replace_unknown("café")
    assert writing.write_lines(bundle, [fixed], seed=0)[0].text == "cafe"


def test_replace_unknown_uses_usual_spellings_only_when_every_letter_is_known():
    full = Alphabet(" \"'-.abcdefghijklmnopqrstuvwxyzAEFGHIJKLMNOPRSTUVWY0123456789")
    assert full.replace_unknown("Straße & ﬁve Æsop “Zoë” …") == 'Strasse and five Aesop "zoe" ...'
    assert full.replace_unknown("x²") == "x "  # a superscript two is not the digit 2
    assert Alphabet("abc ").replace_unknown("ß&") == "  "  # no 's' or 'n': spaces instead


def test_unconditional_network_cannot_write():
    bundle = tiny_bundle(window=0)
    with pytest.raises(WritesmoothError, match="unconditional"):
        writing.write_lines(bundle, ["abc"], seed=0)


def handwriting(text: str, scale: float = 1.0, density: int = 1) -> Ink:
    """A fake IAM-like line: one zig-zag stroke of 20 points per character, about 160 units
    wide per character and 14 units per step, as IAM-OnDB lines are."""
    strokes = []
    for i, _ in enumerate(text):
        t = np.linspace(0, 1, 20 * density)
        x = 172 * i + 100 * t
        y = 200 - 60 * np.abs(np.sin(2 * np.pi * t))
        strokes.append(np.stack([x, y], 1) * scale)
    return Ink(strokes=strokes, text=text, source="fake.xml")




def test_the_pen_positions_trail_the_window_within_a_stroke_only():
    from writesmooth import Ink
    from writesmooth_lstm_graves.draw import WINDOW_LEAD, pen_positions

    ink = Ink(strokes=[np.zeros((6, 2), np.float32), np.zeros((3, 2), np.float32)])
    got = pen_positions(np.arange(9), ink)
    assert WINDOW_LEAD == 4
    # the first stroke reads where the window was four points earlier; the second starts anew
    assert got.tolist() == [0, 0, 0, 0, 0, 1, 6, 6, 6]
