"""Choosing among candidate drawings: the reader picks, the same seed reproduces, options
without a reader are refused."""
from __future__ import annotations

import pytest
import torch

from writesmooth import WritesmoothError
from writesmooth.api import DEFAULT_BIAS
from writesmooth_lstm_graves import choose, draw, writing
from writesmooth_lstm_graves.noise import KeyedNoise
from test_sampler import gen, handwriting, tiny_bundle, with_reader


def streams(bundle, seed, keys):
    """The keyed noise the writer draws line ``b``'s drawings with (``noise.py``): the first
    is the line's own stream ``(b,)``, the others ``(b, attempt, j)``."""
    return KeyedNoise(seed, keys, [0] * len(keys), bundle.config.mixtures, torch.device("cpu"),
                      torch.float32)


def test_one_candidate_is_the_plain_sample():
    """Without a reader: one drawing of each line, the first row the seed draws, nothing read."""
    bundle = tiny_bundle(0.0)
    ink = writing.write_lines(bundle, ["hello"], seed=5)[0]
    (d,) = draw.draw_lines(bundle, ["hello"], bias=DEFAULT_BIAS, noise=streams(bundle, 5, [(0,)]))
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
    keys = [(b,) if j == 0 else (b, 0, j) for b in range(2) for j in range(3)]
    rows = draw.draw_lines(bundle, [t for t in texts for _ in range(3)], bias=DEFAULT_BIAS,
                           noise=streams(bundle, 4, keys))
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
