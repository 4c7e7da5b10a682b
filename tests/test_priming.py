"""Priming the lstm-graves network with a sample (Graves 2013, section 5.5): units, the
training form of the sample, only the new writing returned, smoothing."""
from __future__ import annotations

import math

import numpy as np
import pytest

from writesmooth import Ink, WritesmoothError
from writesmooth_lstm_graves import draw, stop, writing
from writesmooth_lstm_graves.convert import Normaliser
from writesmooth_lstm_graves.priming import (CHAR_WIDTH_PER_STD, prime_offsets,
                                               to_training_units)
from test_sampler import NORM, handwriting, tiny_bundle


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
