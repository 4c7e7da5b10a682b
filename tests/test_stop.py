"""The stop rule of the lstm-graves sampler (Graves' rule, the pen-lift grace, late crosses
and dots, the step cap) and the window's dwell."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from writesmooth import notices
from writesmooth_lstm_graves import draw, stop, writing
from writesmooth_lstm_graves.weights import Bundle
from test_sampler import gen, tiny_bundle


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
