"""The shape check (shapes.py): an ``x`` counts as written only when two of its strokes cross
clearly, judged on the points the attention window was on it for; and its place in the word
search (search.py): a word whose ``x`` is a hook is drawn again, whatever the reader says."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from writesmooth import notices
from writesmooth_lstm_graves import draw, search, shapes, writing
from test_search import count_draws, fake_reader, moving


def strokes_to(strokes: list[list[tuple[float, float]]]) -> tuple[np.ndarray, np.ndarray]:
    """Absolute points and the pen-lift flags of ``strokes``."""
    points = np.array([p for s in strokes for p in s], float)
    lifts = np.zeros(len(points), bool)
    lifts[np.cumsum([len(s) for s in strokes]) - 1] = True
    return points, lifts


def line(a, b, n=6):
    return [tuple(a + (b - a) * t) for t in np.linspace(0, 1, n)]


A, B, C, D = (np.array(p, float) for p in [(0, 0), (10, 10), (10, 0), (0, 10)])
X = [line(A, B), line(C, D)]                                  # two strokes crossing mid-way
HOOK = [line(A, B), line(B + (0, -1), B + (-4, 6))]            # a stroke nicking the end of one
PARALLEL = [line(A, C), line(D, B)]
SHALLOW = [line(A, np.array([10.0, 2.0])), line(np.array([0.0, 2.0]), np.array([10.0, 0.0]))]
LOOP = [[(0, 0), (10, 10), (12, 5), (10, 0), (0, 10)]]         # one stroke that crosses itself


def P(x, y):
    return np.array([x, y], float)


PLUS = [line(P(5, 0), P(5, 10)), line(P(0, 5), P(10, 5))]       # an upright stem, a flat bar
T_CROSS = [line(P(4, 0), P(6, 10)), line(P(0, 4), P(10, 2))]     # a slanted stem, a bar 11 deg
SAME_WAY = [line(P(3, 0), P(7, 10)), line(P(0, 3), P(10, 7))]    # both falling to the right


def test_two_strokes_crossing_mid_way_as_in_an_x_are_a_clear_crossing():
    assert shapes.crossing_arms(*strokes_to(X)) == pytest.approx(1.0)
    upright = [line(P(3, 0), P(7, 10)), line(P(7, 0), P(3, 10))]  # an x drawn tall and narrow
    assert shapes.crossing_arms(*strokes_to(upright)) == pytest.approx(1.0)


@pytest.mark.parametrize("strokes", [HOOK, PARALLEL, SHALLOW, LOOP, PLUS, T_CROSS, SAME_WAY,
                                     [line(A, B)], []],
                         ids=["hook", "parallel", "shallow", "one-stroke loop", "plus",
                              "t-like", "leaning the same way", "one stroke", "nothing"])
def test_what_is_no_clear_crossing(strokes):
    points, lifts = strokes_to(strokes) if strokes else (np.zeros((0, 2)), np.zeros(0, bool))
    assert shapes.crossing_arms(points, lifts) < shapes.MIN_BALANCE


def test_a_lopsided_crossing_scores_its_shortest_arm_over_its_longest():
    """The second stroke crosses the first a quarter of the way along it: arms 3.5 and 10.6
    along the first (its two sides), 5 and 5 along the second."""
    first = line(A, B, 11)
    mid = np.array([2.5, 2.5])
    second = line(mid + (-3.5355, 3.5355), mid + (3.5355, -3.5355), 10)
    got = shapes.crossing_arms(*strokes_to([first, second]))
    assert got == pytest.approx(np.hypot(2.5, 2.5) / np.hypot(7.5, 7.5), rel=1e-3)


def offsets_of(strokes) -> np.ndarray:
    """``(T, 3)`` offsets (the first from the origin) of ``strokes``."""
    points, lifts = strokes_to(strokes)
    moves = np.diff(np.vstack([[0.0, 0.0], points]), axis=0)
    return np.column_stack([moves, lifts.astype(float)])


def test_each_x_is_judged_on_the_points_the_window_was_on_it_for():
    """"oxo": the first 'o' is a loop, then the 'x' (window on position 1), then an 'o'. A
    crossed 'x' passes; the same points but with the 'x' drawn as a hook do not; the crossing
    of the 'o' before it is not the x's."""
    o = [[(0, 0), (4, 4), (8, 0), (4, -4), (0, 0), (2, 2)]]
    shift = lambda strokes, dx: [[(x + dx, y) for x, y in s] for s in strokes]  # noqa: E731
    for x_strokes, missing in [(X, 0), (HOOK, 1)]:
        strokes = o + shift(x_strokes, 20) + shift(o, 40)
        offs = offsets_of(strokes)
        n_o, n_x = len(o[0]), sum(len(s) for s in x_strokes)
        window = np.array([0] * n_o + [1] * n_x + [2] * n_o)
        assert shapes.uncrossed(offs, window, "oxo", 0, 3) == missing
        # as the last letter drawn, everything from the window's arrival on is the x's
        cut = n_o + n_x
        assert shapes.uncrossed(offs[:cut], window[:cut], "ox", 0, 2) == missing
    assert shapes.uncrossed(offs, np.zeros(len(offs), int), "oxo", 0, 3) == 1  # never reached
    assert shapes.uncrossed(offs, window, "ooo", 0, 3) == 0  # nothing to cross


@pytest.mark.parametrize("reading,text,ok", [
    ("fox", "fox", True), ("fon", "fox", True), ("for", "fox", True), ("fo", "fox", False),
    ("fan", "fox", False), ("brown fon", "brown fox", True), ("cat", "cat", True),
    ("cut", "cat", False)])
def test_the_reader_judges_every_letter_but_x(reading, text, ok):
    assert shapes.reads_as(reading, text) is ok


def test_drawn_lines_carry_the_window_per_point():
    bundle = moving()
    (d,) = draw.draw_lines(bundle, ["ab cd"], bias=0.5,
                           generator=torch.Generator().manual_seed(3))
    assert d.window.shape == (len(d.offsets),)
    assert d.window.min() >= 0 and d.window.max() <= len("ab cd")
    (free,) = draw.draw_lines(bundle, ["ab cd"], bias=0.5, stop_rule=False,
                              generator=torch.Generator().manual_seed(3))
    assert free.window is None


def test_a_word_whose_x_is_not_crossed_is_drawn_again(monkeypatch):
    """The reader reads every drawing right, but no drawing of 'ax' has its x crossed: it gets
    1 + REDRAWS rounds, then 'ab' is drawn again and 'ax' after it, BACKTRACKS times; the
    best 'ax' is kept all the same, marked not crossed, and the line says so."""
    bundle = moving()
    fake_reader(monkeypatch)
    monkeypatch.setattr(search, "uncrossed",
                        lambda offsets, window, text, begin, end: text[begin:end].count("x"))
    monkeypatch.setattr(writing, "REDRAWS", 1)
    calls = count_draws(monkeypatch)
    (ink,) = writing.write_lines(bundle, ["ab ax"], seed=2, candidates=2)
    R, K = 1, search.BACKTRACKS
    assert [stops[0] for stops, _ in calls] == [2] + ([5] * (R + 1) + [2]) * K + [5] * (R + 1)
    assert [w["crossed"] for w in ink.meta["words"]] == [True, False]
    assert ink.meta["word_troubles"][0].endswith("the best one is kept: its x is not crossed")


def test_a_crossed_x_is_kept_over_a_drawing_the_reader_likes_better(monkeypatch):
    """Of three drawings of 'x', the reader likes the one with the most points best, but only
    the one with the fewest is crossed: that one is kept, in one round."""
    bundle = moving()
    fake_reader(monkeypatch, nll=lambda ink: -float(ink.n_points))
    shortest = {}

    def uncrossed(offsets, window, text, begin, end):
        return 0 if len(offsets) == shortest["n"] else 1

    real = search.draw_lines

    def draw_lines(bundle, texts, **kw):
        lines = real(bundle, texts, **kw)
        shortest["n"] = min(len(d.offsets) for d in lines)
        return lines

    monkeypatch.setattr(search, "draw_lines", draw_lines)
    calls = count_draws(monkeypatch)
    monkeypatch.setattr(search, "uncrossed", uncrossed)
    (ink,) = writing.write_lines(bundle, ["x"], seed=4, candidates=3)
    (_, lines), = calls
    assert len({len(d.offsets) for d in lines}) > 1  # the drawings differ in length
    assert ink.meta["steps"] == shortest["n"] and ink.meta["words"][0]["crossed"]
