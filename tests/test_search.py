"""Word-by-word writing (search.py): a word ends at the space after it, the state kept where it
ended is the network's state there, each word is the reader's pick of its drawings, a word
that reads wrong is drawn again and then the word before it, and one kept all the same is
reported."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from writesmooth import Ink, notices
from writesmooth_lstm_graves import choose, draw, reader, search, step_weights, writing
from writesmooth_lstm_graves.fast_step import FastStepper, StateRing
from test_sampler import tiny_bundle, with_reader


def moving():
    """A random network whose window moves about a character per seven points (words of 11
    points or more: enough for the reader's frames), with a random reader."""
    return with_reader(tiny_bundle(kappa_bias=-2.0))


def fake_reader(monkeypatch, wrong: frozenset = frozenset(), nll=lambda ink: 0.0):
    """The reader replaced: it reads every ink as its text, except texts in ``wrong``, with
    ``nll(ink)`` nats (by default surely: a word it reads right is kept at once)."""
    def read(net, inks, texts=None, batch_size=32):
        return [{"read": "?" if ink.text in wrong else ink.text, "nll": nll(ink)} for ink in inks]

    monkeypatch.setattr(reader, "read", read)


def count_draws(monkeypatch) -> list:
    """Record every batch the search draws: (the stops asked for, the lines drawn)."""
    calls, real = [], search.draw_lines

    def draw_lines(bundle, texts, **kw):
        lines = real(bundle, texts, **kw)
        calls.append((kw.get("stops"), lines))
        return lines

    monkeypatch.setattr(search, "draw_lines", draw_lines)
    return calls


def test_word_ends_are_the_spaces_after_the_words():
    assert search.word_ends("ab cd e") == [2, 5, 7]
    assert search.word_ends("abc") == [3]


def test_a_stop_only_moves_where_the_line_ends():
    """With the same noise, a line stopped at its first word's space is the start of the line
    drawn to the end: the stop changes nothing but the end."""
    bundle = moving()
    whole, = draw.draw_lines(bundle, ["ab cd ef"], bias=0.5,
                             generator=torch.Generator().manual_seed(3))
    first, = draw.draw_lines(bundle, ["ab cd ef"], bias=0.5, stops=[2],
                             generator=torch.Generator().manual_seed(3))
    assert 0 < len(first.offsets) < len(whole.offsets)
    np.testing.assert_array_equal(first.offsets, whole.offsets[:len(first.offsets)])


@pytest.mark.parametrize("use_numpy", [True, False])
def test_the_state_kept_where_a_word_ended_is_the_networks_state_there(use_numpy, monkeypatch):
    """Each row's kept state equals teacher-forcing the network over that row's own points
    (stepped in fp32, so that they agree to fp32 rounding)."""
    monkeypatch.setattr(step_weights, "BF16_MIN_BATCH", 10 ** 9)
    bundle = moving()
    texts, stops = ["ab cd ef"] * 3, [2, 5, 8]
    drawn = draw.draw_lines(bundle, texts, bias=0.5, stops=stops, keep_states=True,
                            use_numpy=use_numpy, generator=torch.Generator().manual_seed(1))
    for b, d in enumerate(drawn):
        _, chars, mask = draw.encode(bundle, texts[b:b + 1], None)
        x = torch.from_numpy(d.offsets)
        x_in = torch.cat([torch.tensor([draw.START]), x[:-1]])[:, None]
        with torch.no_grad():
            _, _, state, _ = bundle.net(x_in, chars, mask)
        for got, want in zip(d.end.state.h + d.end.state.c + [d.end.state.kappa, d.end.state.w],
                             state.h + state.c + [state.kappa, state.w]):
            torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(d.end.input, x[-1])


def test_a_ring_refuses_a_step_it_no_longer_holds():
    bundle = moving()
    onehot = torch.zeros(2, 4, len(bundle.alphabet))
    ring = StateRing(FastStepper(bundle.net, 2, onehot), 4)
    for t in range(10):
        ring.record(t)
    ring.state(6, 1)
    with pytest.raises(ValueError, match="no longer kept"):
        ring.state(5, 1)


def test_each_word_is_the_readers_pick_of_its_drawings(monkeypatch):
    """With a reader that likes a word drawn with many points best (and reads every pair
    alike), each word kept is its candidate with the most points, and one round each
    suffices (every drawing reads right)."""
    bundle = moving()
    fake_reader(monkeypatch, nll=lambda ink: 0.0 if " " in ink.text else -float(ink.n_points))
    calls = count_draws(monkeypatch)
    (ink,) = writing.write_lines(bundle, ["ab cd ef"], seed=2, candidates=3)
    assert [stops for stops, _ in calls] == [[2] * 3, [5] * 3, [8] * 3]
    kept = []
    for w, (_, lines) in enumerate(calls):
        points = [draw.to_ink(bundle, d.offsets, primed=w > 0).n_points for d in lines]
        kept.append(len(lines[points.index(max(points))].offsets))  # the first of equals
    assert ink.meta["steps"] == sum(kept)
    assert ink.meta["search"] == "words" and len(ink.meta["words"]) == 3
    assert "redraws" not in ink.meta and ink.meta["backtracks"] == 0 and not notices(ink)


def test_a_word_that_reads_wrong_is_drawn_again_then_the_word_before_it(monkeypatch):
    """'cd' never reads right: it gets 1 + REDRAWS rounds, then 'ab' is drawn again and 'cd'
    after it, BACKTRACKS times; then the best 'cd' drawn is kept all the same, and what is
    wrong with it recorded (as data: the user is not told, the reader may misjudge a hand)."""
    bundle = moving()
    fake_reader(monkeypatch, wrong=frozenset({"cd"}))
    monkeypatch.setattr(writing, "REDRAWS", 1)
    calls = count_draws(monkeypatch)
    (ink,) = writing.write_lines(bundle, ["ab cd"], seed=2, candidates=2)
    R, K = 1, search.BACKTRACKS
    assert [stops[0] for stops, _ in calls] == [2] + ([5] * (R + 1) + [2]) * K + [5] * (R + 1)
    assert ink.meta["backtracks"] == K and ink.meta["redraws"] == R
    assert len(ink.meta["words"]) == 2 and ink.text == "ab cd"
    assert ink.meta["word_troubles"] == ["word 'cd' in line 'ab cd' did not come out right in "
                                         "4 drawings; the best one is kept: the reader reads "
                                         "it as '?'"]
    assert not notices(ink)


def test_a_pair_that_reads_wrong_counts_as_wrong(monkeypatch):
    """The second word reads right alone, but not together with the first (a space lost)."""
    bundle = moving()
    fake_reader(monkeypatch, wrong=frozenset({"ab cd"}))
    monkeypatch.setattr(writing, "REDRAWS", 0)
    monkeypatch.setattr(search, "REREADS", 0)  # the whole line "ab cd" reads wrong too
    calls = count_draws(monkeypatch)
    (ink,) = writing.write_lines(bundle, ["ab cd"], seed=2, candidates=2)
    assert len(calls) == 1 + 2 * search.BACKTRACKS + 1
    assert ink.meta["backtracks"] == search.BACKTRACKS
    assert ink.meta["word_troubles"] == [
        "word 'cd' in line 'ab cd' did not come out right in 2 drawings; the best one is kept: "
        "it runs into the word before it (the two read as '?')"]


def test_words_reproduce_and_keep_empty_lines_in_place():
    bundle = moving()
    a = writing.write_lines(bundle, ["ab cd", "", "ef"], seed=5, candidates=2)
    b = writing.write_lines(bundle, ["ab cd", "", "ef"], seed=5, candidates=2)
    assert [x.same_as(y) for x, y in zip(a, b)] == [True, True, True]
    assert a[1].n_points == 0 and a[0].n_points > 1 and a[2].n_points > 1
    assert a[0].meta["read"] is not None and np.isfinite(a[0].meta["read_nll"])


def test_lines_come_in_order_as_the_search_finishes_them(monkeypatch):
    """A one-word line is done after its first round, before a two-word line of its batch, and
    is read whole then; it is handed out after the line before it."""
    bundle = moving()
    fake_reader(monkeypatch)
    finished = []
    real = choose.read_into_meta
    monkeypatch.setattr(choose, "read_into_meta",
                        lambda bundle, inks: (finished.append([i.text for i in inks]),
                                              real(bundle, inks)))
    stream = writing.write_stream(bundle, ["ab cd", "ef"], seed=5, candidates=2)
    assert [i for i, _ in stream] == [0, 1]
    assert finished == [["ef"], ["ab cd"]]


def test_the_search_is_words_with_a_reader():
    bundle = moving()
    words = writing.write_lines(bundle, ["ab cd"], seed=1, candidates=2)[0]
    lines = writing.write_lines(bundle, ["ab cd"], seed=1, candidates=2, search="lines")[0]
    assert words.meta["search"] == "words" and "search" not in lines.meta
    assert "read_nll" in lines.meta  # whole lines, still read by the reader


def test_smoothing_word_by_word_returns_only_the_new_writing():
    bundle = moving()
    sample = Ink(strokes=[np.array([[0.0, 0.0], [30.0, 5.0], [60.0, 0.0], [90.0, 8.0]]),
                          np.array([[120.0, 0.0], [150.0, 10.0], [180.0, 0.0]])], text="ab cd")
    ink = writing.smooth_sample(bundle, sample, seed=3, candidates=2)
    assert ink.meta["search"] == "words" and ink.meta["prime_text"] == "ab cd"
    assert ink.text == "ab cd" and len(ink.meta["words"]) == 2
    assert 1 < ink.n_points <= ink.meta["steps"]  # not the sample's points: only the new ones
