"""The lstm-graves sampler: fast stepping equals the network's forward, biased sampling has the
right distribution, seeds reproduce, the stop rule ends every line of a batch, lines that went
wrong are drawn again and reported, the reader picks among candidates, priming and scaling."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from writesmooth import Ink, WritesmoothError, notices
from writesmooth.api import DEFAULT_BIAS
from writesmooth_lstm_graves import choose, draw, fast_step, network, stop, writing
from writesmooth_lstm_graves.alphabet import Alphabet
from writesmooth_lstm_graves.convert import Normaliser
from writesmooth_lstm_graves.fast_step import FastStepper, MixtureSampler
from writesmooth_lstm_graves.network import GravesConfig, GravesNet
from writesmooth_lstm_graves.priming import (CHAR_WIDTH_PER_STD, prime_offsets,
                                               to_training_units)
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


# --- fast step ---------------------------------------------------------------------------
@pytest.mark.parametrize("layers,window,use_numpy,onednn", [
    (3, 4, True, True), (3, 4, False, True), (3, 4, False, False), (2, 4, True, True),
    (4, 4, True, False), (3, 0, True, True)])
def test_fast_stepper_equals_the_networks_forward(layers, window, use_numpy, onednn,
                                                  monkeypatch):
    """Both small-op paths (numpy on the CPU, torch elsewhere) and both matrix products (oneDNN's
    prepacked linear where this torch has it, addmm otherwise), stepped over a sequence, compute
    what the network's forward computes over all of it."""
    if not onednn:
        monkeypatch.setattr(fast_step, "_onednn_linear_works", lambda: False)
    torch.manual_seed(1)
    cfg = GravesConfig(hidden=20, layers=layers, mixtures=3, window=window, alphabet_size=9)
    net = GravesNet(config=cfg).eval()
    B, U, T = fast_step.ONEDNN_MIN_BATCH, 6, 25
    chars = torch.randint(1, 9, (B, U))
    mask = torch.ones(B, U)
    mask[1, 4:] = 0
    x = torch.randn(T, B, 3)
    x[:, :, 2] = (x[:, :, 2] > 0.5).float()
    x[0] = torch.tensor([0.0, 0.0, 1.0])
    with torch.no_grad():
        want, _, state, extras = net(x, chars if window else None, mask if window else None,
                                     keep_phi=bool(window))
    fast = FastStepper(net, B, net.one_hot(chars, mask) if window else None, use_numpy=use_numpy)
    assert fast.dnn == (onednn and fast_step._onednn_linear_works())
    for t in range(T):
        fast.set_input(x[t])
        got = fast.step()
        assert torch.allclose(got, want[t], atol=1e-5, rtol=0)
        if window:
            assert torch.allclose(fast.phi, extras["phi"][t], atol=1e-5, rtol=0)
    mine = fast.state()
    for a, b in zip(mine.h + mine.c, state.h + state.c):
        assert torch.allclose(a, b, atol=1e-5, rtol=0)


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


# --- writing -------------------------------------------------------------------------------
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


def test_the_stream_yields_every_line_once_as_write_lines_writes_it(monkeypatch):
    """Lines come as they are final: the empty one at once, one that needs no redraw after its
    batch, one drawn again after that; together they are write_lines' lines."""
    bundle = tiny_bundle(0.0)
    texts = ["aa", "bb", "", "cc", "dd"]
    calls = fake_draws(monkeypatch, {("bb", 0)})
    monkeypatch.setattr(writing, "MAX_BATCH", 2)
    stream = list(writing.write_stream(bundle, texts, seed=3))
    assert [i for i, _ in stream] == [2, 0, 3, 4, 1] and len(calls) == 3
    calls.clear()
    lines = writing.write_lines(bundle, texts, seed=3)
    assert [i.meta["steps"] for i in lines] == [ink.meta["steps"] for _, ink in
                                                 sorted(stream, key=lambda s: s[0])]


def test_stop_rule_ends_every_line_of_a_batch():
    bundle = tiny_bundle(0.0)  # the window moves about one character per point
    texts = ["a", "hello", "a longer line of text here", "mid size"]
    inks = writing.write_lines(bundle, texts, seed=1)
    for text, ink in zip(texts, inks):
        assert not ink.meta["hit_cap"] and not notices(ink)
        assert 0 < ink.meta["steps"] < stop.step_cap(len(text))
        assert ink.n_points == ink.meta["steps"] + 1
    # each line ended on its own: they are not all as long as the longest
    assert len({ink.meta["steps"] for ink in inks}) > 1


def teacher_forced_phi(bundle: Bundle, text: str, offsets: np.ndarray) -> torch.Tensor:
    """``phi (T, U + 1)`` of the network teacher-forced over a drawn line."""
    chars = torch.tensor([list(bundle.alphabet.encode(text)) + [0]])  # padded slot U
    mask = torch.tensor([[1.0] * len(text) + [0.0]])
    x = torch.cat([torch.tensor([draw.START]), torch.from_numpy(offsets[:-1])])[:, None]
    with torch.no_grad():
        _, _, _, extras = bundle.net(x, chars, mask, keep_phi=True)
    return extras["phi"][:, 0]


def test_stop_rule_is_graves_rule():
    """A line ends once phi at the padded slot U beats every character (then the pen lifts)."""
    bundle = tiny_bundle(0.0)
    (d,) = draw.draw_lines(bundle, ["abcd"], bias=0.5, generator=gen(0))
    assert not d.hit_cap
    phi = teacher_forced_phi(bundle, "abcd", d.offsets)
    passed = (phi[:, 4:5] > phi[:, :4]).all(1).numpy()
    first = int(np.flatnonzero(passed)[0])                          # the rule fires here ...
    # ... and the line ends on the first pen lift from the point the window was computed from
    lifts = np.flatnonzero(d.offsets[first - 1:, 2] > 0.5)
    end = first - 1 + int(lifts[0]) if len(lifts) else first + stop.LIFT_GRACE
    assert len(d.offsets) == end + 1


def test_cap_is_reported_not_silent():
    bundle = tiny_bundle(-30.0)  # the window never moves: only the cap can end a line
    inks = writing.write_lines(bundle, ["ab", "abcdef"], seed=0)
    for ink, n in zip(inks, (2, 6)):
        assert ink.meta["hit_cap"] is True
        assert ink.meta["steps"] == stop.step_cap(n)
        assert ink.meta["redraws"] == writing.REDRAWS  # drawn again, cut every time
        assert notices(ink) == [
            f"line {ink.text!r} reached the step cap ({stop.step_cap(n)} points) before the "
            f"model finished it in all {writing.REDRAWS + 1} draws; it is cut there"]


def fake_draws(monkeypatch, cut=(), stalled=()):
    """Replace the network's drawing: a row of text ``t`` on call ``c`` (0 = the first draw)
    is cut at the cap if ``(t, c)`` is in ``cut``, and its window stalls if it is in
    ``stalled``; its length tells the calls apart."""
    calls = []

    def draw_lines(bundle, rows, *, bias, generator, prime):
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


def test_dwell_is_where_the_window_reads_longest():
    """The dwell is the most steps the argmax of phi (the network teacher-forced over the line)
    spent on one character but the last, before the window passed the end."""
    bundle = tiny_bundle(0.0)
    (d,) = draw.draw_lines(bundle, ["abcdef"], bias=0.5, generator=gen(2))
    assert not d.hit_cap and 0 < d.dwell < draw.STALL_STEPS and not d.stalled
    at = teacher_forced_phi(bundle, "abcdef", d.offsets).argmax(1).numpy()
    passed = int(np.flatnonzero(at == 6)[0])
    assert d.dwell == np.bincount(at[:passed], minlength=7)[:5].max()
    frozen = tiny_bundle(-30.0)  # the window never leaves the first character: it stalled
    (d,) = draw.draw_lines(frozen, ["abcdef"], bias=0.5, generator=gen(2))
    assert d.hit_cap and d.stalled and d.dwell == stop.step_cap(6)


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


# --- priming and smoothing ---------------------------------------------------------------
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


def test_iam_units_are_left_alone():
    ink = handwriting("hello")
    same, info = to_training_units(ink, NORM)
    assert info == {"scale": 1.0, "resampled": False} and same.same_as(ink)


def test_other_units_are_rescaled_and_resampled():
    ref = math.sqrt(NORM.std[0] * NORM.std[1])
    ink, info = to_training_units(handwriting("hello", scale=0.01), NORM)  # e.g. metres
    x0, _, x1, _ = ink.bounds()
    assert (x1 - x0) / 5 == pytest.approx(CHAR_WIDTH_PER_STD * ref, rel=1e-3)
    assert info["scale"] > 50 and not info["resampled"]
    dense_ink = handwriting("hello", density=20)  # a tablet recording 20 times as densely
    dense, info = to_training_units(dense_ink, NORM)
    assert info["resampled"] and info["scale"] == 1.0
    assert dense.n_points < dense_ink.n_points / 5


def test_prime_offsets_are_the_training_form():
    ink = handwriting("hi")
    offsets, _ = prime_offsets(ink, NORM)
    np.testing.assert_allclose(NORM.invert(offsets)[:, :2], np.diff(ink.points(), axis=0),
                               atol=1e-3)
    n = len(ink.strokes[0])  # the pen lifts after each stroke's last point, and only there
    assert offsets[n - 2, 2] == 1 and offsets[-1, 2] == 1 and offsets[:, 2].sum() == 2


def test_priming_returns_only_the_new_line():
    bundle = tiny_bundle(0.0)
    style = handwriting("the sample")
    ink = writing.write_lines(bundle, ["new"], seed=2, style=style)[0]
    assert ink.text == "new" and ink.meta["prime_text"] == "the sample"
    assert ink.n_points <= ink.meta["steps"]  # the priming points are not in the output
    assert 0 < ink.meta["steps"] < stop.step_cap(3)


def test_smooth_writes_the_text_once_more():
    bundle = tiny_bundle(0.0)
    sample = handwriting("hello there")
    out = writing.smooth_sample(bundle, sample, seed=3)
    again = writing.smooth_sample(bundle, sample, seed=3)
    assert out.same_as(again)
    assert out.text == "hello there" and not out.is_empty()
    assert out.meta["steps"] < stop.step_cap(len("hello there"))  # not doubled


@pytest.mark.parametrize("sample,message", [
    (Ink(strokes=[], text="abc"), "no handwriting"),
    (Ink(strokes=[[[0, 0], [1, 1]]], text="  "), "no text"),
])
def test_smooth_refuses_empty_samples(sample, message):
    with pytest.raises(WritesmoothError, match=message):
        writing.smooth_sample(tiny_bundle(0.0), sample, seed=0)


def test_primed_ink_does_not_draw_the_jump():
    offsets = np.array([[50.0, 0, 1], [1, 1, 0], [1, 1, 1]], np.float32)
    bundle = tiny_bundle()
    bundle.norm = Normaliser((0.0, 0.0), (1.0, 1.0))
    ink = draw.to_ink(bundle, offsets, primed=True, text="x")
    assert len(ink.strokes) == 1
    np.testing.assert_allclose(ink.strokes[0], [[51, 1], [52, 2]])


def test_sampled_offsets_become_ink_as_training_offsets_came_from_it():
    """Were the network to sample a training line's own offsets, the output would be that line
    (moved to start at the origin): the output conversion inverts the training conversion."""
    ink = handwriting("round trip")
    offsets, _ = prime_offsets(ink, NORM)
    back = draw.to_ink(tiny_bundle(), offsets, primed=False, text=ink.text)
    first = ink.strokes[0][0]
    assert len(back.strokes) == len(ink.strokes)
    for a, b in zip(back.strokes, ink.strokes):
        np.testing.assert_allclose(a, b - first, atol=1e-2)


# --- best of several candidates ------------------------------------------------------------
def test_one_candidate_is_the_plain_sample():
    """Without a reader: one drawing of each line, the first row the seed draws, nothing read."""
    bundle = tiny_bundle(0.0)
    ink = writing.write_lines(bundle, ["hello"], seed=5)[0]
    (d,) = draw.draw_lines(bundle, ["hello"], bias=DEFAULT_BIAS, generator=gen(5))
    assert ink.same_as(draw.to_ink(bundle, d.offsets, primed=False, text="hello"))
    assert ink.meta["candidates"] == 1 and "read_nll" not in ink.meta
    assert "search" not in ink.meta


@pytest.mark.parametrize("options", [{"candidates": 2}, {"search": "words"},
                                     {"candidates": 3, "search": "lines"}])
def test_without_a_reader_there_is_nothing_to_choose_with(options):
    with pytest.raises(WritesmoothError, match="no reader to choose with"):
        writing.write_stream(tiny_bundle(0.0), ["abc"], seed=0, **options)
    with pytest.raises(WritesmoothError, match="no reader to choose with"):
        writing.smooth_sample(tiny_bundle(0.0), handwriting("abc"), seed=0, **options)


@pytest.mark.parametrize("options,message", [
    ({"candidates": 0}, "candidates must be 1 or more"),
    ({"search": "letters"}, r"unknown search 'letters' \(known: words, lines\)")])
def test_bad_options_are_refused(options, message):
    for bundle in (tiny_bundle(0.0), with_reader(tiny_bundle(0.0))):
        with pytest.raises(WritesmoothError, match=message):
            writing.write_lines(bundle, ["abc"], seed=0, **options)


def test_the_candidate_the_reader_reads_best_is_kept(monkeypatch):
    """Whole lines: each line's drawings are read together, and of those the window finished
    (and that did not stall), the one read most surely as its text is kept; the first of
    equals wins."""
    bundle = with_reader(tiny_bundle(0.0))
    texts = ["hello", "abc"]
    rows = draw.draw_lines(bundle, [t for t in texts for _ in range(3)], bias=DEFAULT_BIAS,
                           generator=gen(4))
    # line 0: its rows 0-2 read with 3, 1, 2 nats -> row 1; line 1: rows 3-5 tie -> row 3
    nll = iter([3.0, 1.0, 2.0, 0.5, 0.5, 0.5])
    monkeypatch.setattr(choose, "read",
                        lambda bundle, inks: [{"read": i.text, "nll": next(nll)} for i in inks])
    inks = writing.write_lines(bundle, texts, seed=4, candidates=3, search="lines")
    assert not any(d.hit_cap or d.stalled for d in rows)  # else they would rank below
    for ink, text, row, read_nll in zip(inks, texts, (1, 3), (1.0, 0.5)):
        assert ink.same_as(draw.to_ink(bundle, rows[row].offsets, primed=False, text=text))
        assert ink.meta["candidates"] == 3 and ink.meta["read_nll"] == read_nll


def test_candidates_split_over_batches_and_reproduce(monkeypatch):
    bundle = with_reader(tiny_bundle(0.0))
    texts = ["ab", "", "cd", "ef"]
    monkeypatch.setattr(writing, "MAX_BATCH", 4)  # 3 candidates per line: one line per batch
    a = writing.write_lines(bundle, texts, seed=6, candidates=3, search="lines")
    b = writing.write_lines(bundle, texts, seed=6, candidates=3, search="lines")
    assert [i.text for i in a] == texts and a[1].is_empty()
    assert all(x.same_as(y) for x, y in zip(a, b))
    assert all(i.meta["candidates"] == 3 and "read_nll" in i.meta for i in a if i.text)


def test_primed_candidates_reproduce():
    bundle = with_reader(tiny_bundle(0.0))
    sample = handwriting("hello there")
    out = writing.smooth_sample(bundle, sample, seed=3, candidates=3, search="lines")
    again = writing.smooth_sample(bundle, sample, seed=3, candidates=3, search="lines")
    assert out.same_as(again) and out.meta["candidates"] == 3


def test_with_a_reader_the_default_is_the_best_of_default_candidates():
    (ink,) = writing.write_lines(with_reader(tiny_bundle(0.0)), ["hello"], seed=2,
                                 search="lines")
    assert ink.meta["candidates"] == writing.DEFAULT_CANDIDATES > 1 and "read_nll" in ink.meta


# --- the stop rule -------------------------------------------------------------------------
@pytest.mark.parametrize("use_numpy", [True, False])
@pytest.mark.parametrize("runaway_weight", [0.01, 1.1], ids=["lighter", "heavier"])
def test_a_window_component_running_ahead_does_not_end_the_line(runaway_weight, use_numpy):
    """Trained networks keep spare window components far ahead of the reading one, light ones
    and ones as heavy as it or a little heavier; a line ends when phi says the window passed the
    text, not when a rule on the components' weighted mean or heaviest one would."""
    bundle = tiny_bundle(0.0, window=2)
    with torch.no_grad():  # component 0: weight 1, 0.01 characters per point; 1: the runaway,
        bundle.net.attn.weight.zero_()  # 100 characters per point
        bundle.net.attn.bias.copy_(torch.tensor([0.0, math.log(runaway_weight), 0.0, 0.0,
                                                 math.log(0.01), math.log(100.0)]))
    (d,) = draw.draw_lines(bundle, ["ab"], bias=0.0, use_numpy=use_numpy, generator=gen(0))
    # the reading component reaches the end slot (kappa_0 = 0.01 t > 1.5) after 150 points
    assert len(d.offsets) > 140 and not d.hit_cap


@pytest.mark.parametrize("chunk", [1, 7, 10, 16, 64])
def test_a_pen_lift_just_before_the_window_passes_ends_the_line_there(chunk):
    """The window at step t is computed from point t - 1: trained networks move it past the
    end as the pen lifts after the last letter. Waiting for a lift from step t on lets them
    write one stroke more ("dogn", "dogu")."""
    T, passed_at = 64, 20
    past = np.zeros((T, 3), bool)
    past[passed_at:] = True
    eos = np.zeros((T, 3), np.float32)
    eos[passed_at - 1, 0] = 1.0      # line 0: lifted on the point before -> ends there
    eos[passed_at + 5, 1] = 1.0      # line 1: mid-stroke when the window passed -> next lift
    eos[passed_at + 30, 0:2] = 1.0   # the stroke after the end (line 0's must not count)
    tracker = stop.StopTracker([T] * 3)     # line 2: never lifts -> LIFT_GRACE
    for t0 in range(0, T, chunk):
        if tracker.update(past[t0:t0 + chunk], eos[t0:t0 + chunk], t0):
            break
    assert tracker.end == [passed_at - 1, passed_at + 5, passed_at + stop.LIFT_GRACE]
    assert tracker.hit_cap == [False] * 3


@pytest.mark.parametrize("chunk", [1, 7, 16, 64])
def test_strokes_that_go_back_over_the_line_after_its_last_lift_are_kept(chunk):
    """A final t's cross (an x's, an i's dot) is written after the letter's body, after the
    lift the stop rule ends the line on: a stroke after it that starts to the left of the lift
    and ends within DELAYED_POINTS is kept, at most DELAYED_STROKES of them; one that starts to
    the right (a new letter) is not."""
    T, lift = 96, 19
    caps = [T, T, T, T, lift + 4]
    past = np.zeros((T, 5), bool)
    past[lift + 1:] = True
    eos = np.zeros((T, 5), np.float32)
    eos[lift] = 1.0
    dx = np.zeros((T, 5), np.float32)          # 0 = a move of zero (back = 0.0): not back
    dx[lift + 1, [0, 2, 3, 4]] = -1.0          # these lines' next stroke starts to the left
    eos[lift + 6, 0] = 1.0                     # line 0: a 6-point cross, kept; then a stroke
    dx[lift + 7, 0] = 2.0                      #   to the right: the line ends on the cross
    eos[lift + 6, 1] = 1.0                     # line 1: the next stroke starts to the right
    eos[lift + 1 + stop.DELAYED_POINTS + 3, 2] = 1.0  # line 2: too long for a cross
    for end in (lift + 3, lift + 6, lift + 9):  # line 3: three strokes back, two are kept
        eos[end, 3] = 1.0
        dx[end + 1, 3] = -1.0
    eos[lift + 6, 4] = 1.0                     # line 4: its cap cuts the stroke back
    tracker = stop.StopTracker(caps, back=0.0)
    for t0 in range(0, T, chunk):
        if tracker.update(past[t0:t0 + chunk], eos[t0:t0 + chunk], t0, dx[t0:t0 + chunk]):
            break
    assert stop.DELAYED_STROKES == 2
    assert tracker.end == [lift + 6, lift, lift, lift + 6, lift]
    assert tracker.hit_cap == [False] * 5
    # the same strokes on lines whose last word has nothing to cross or dot: nothing is kept
    plain = stop.StopTracker(caps, back=0.0, delayed=[False] * 5)
    plain.update(past, eos, 0, dx)
    assert plain.end == [lift] * 5


def test_only_a_last_word_with_a_letter_to_cross_or_dot_keeps_delayed_strokes():
    """Kept after any word, a stroke back after the lift adds stray marks to words with nothing
    to cross or dot ("parki", "lunchi")."""
    assert [stop.ends_late(t) for t in ["the sun set", "a wooden box", "It is his",
                                        "in the park", "after lunch", "", "at the END"]] \
        == [True, True, True, False, False, False, True]
