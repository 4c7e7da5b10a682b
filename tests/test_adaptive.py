"""The search at the cost of one drawing: keyed noise streams, a word's first round of a few
drawings kept only when it reads right surely, one candidate giving the single drawing, and
lines streamed in order as they are done."""
from __future__ import annotations

import numpy as np
import torch

from writesmooth_lstm_graves import reader, search, writing
from writesmooth_lstm_graves.noise import BLOCK, KeyedNoise
from test_search import count_draws, fake_reader, moving


def noise(keys, starts, m=3):
    return KeyedNoise(7, keys, starts, m, torch.device("cpu"), torch.float32)


def test_a_keyed_stream_is_the_same_wherever_and_with_whatever_it_is_read():
    """A stream's point p has the same noise read in one chunk or several, from any start, and
    whatever other rows share the batch; other keys (and other seeds) differ."""
    n = 2 * BLOCK + 40
    (g, normal, logistic) = noise([(3,)], [0]).chunk(n)
    mixed = noise([(9, 1), (3,), (3, 0)], [5, 100, 0])
    parts = [mixed.chunk(k) for k in (60, BLOCK, 7)]
    got = [torch.cat([p[i] for p in parts])[:, 1] for i in range(3)]
    for a, b in zip(got, (g, normal, logistic)):
        torch.testing.assert_close(a, b[100:100 + len(a), 0], rtol=0, atol=0)
    other = [torch.cat([p[i] for p in parts])[:, 2] for i in range(3)]
    assert not torch.equal(other[1], normal[:len(other[1]), 0])
    reseeded = KeyedNoise(8, [(3,)], [0], 3, torch.device("cpu"), torch.float32).chunk(n)
    assert not torch.equal(reseeded[1], normal)


def test_with_one_candidate_the_word_search_is_the_single_drawing():
    """The adaptive search with its extra drawings switched off (one candidate) writes each line
    as the one whole drawing of it: the words put end to end are that drawing."""
    bundle = moving()
    texts = ["ab cd ef", "cd ab", "ef"]
    words = writing.write_lines(bundle, texts, seed=4, candidates=1)
    lines = writing.write_lines(bundle, texts, seed=4, candidates=1, search="lines")
    assert [w.meta["search"] for w in words] == ["words"] * 3
    assert [len(w.meta["words"]) for w in words] == [3, 2, 1]
    for w, line in zip(words, lines):
        assert w.same_as(line) and w.n_points > 1


def test_a_word_read_right_surely_is_kept_after_its_first_drawings(monkeypatch):
    """'ab' reads right with a margin: kept after its first FIRST_CANDIDATES drawings. 'cd'
    reads right but not surely: ``candidates`` more are drawn, and the best of all kept."""
    bundle = moving()
    monkeypatch.setattr(search, "FIRST_CANDIDATES", 2)
    fake_reader(monkeypatch, nll=lambda ink: 0.0 if ink.text == "ab" else search.SURE_NLL + 1)
    calls = count_draws(monkeypatch)
    (ink,) = writing.write_lines(bundle, ["ab cd"], seed=3, candidates=5)
    assert [(stops[0], len(drawn)) for stops, drawn in calls] == [(2, 2), (5, 2), (5, 5)]
    assert ink.meta["backtracks"] == 0 and ink.meta["redraws"] == 1
    assert "word_troubles" not in ink.meta


def test_the_first_round_never_draws_more_than_the_candidates(monkeypatch):
    bundle = moving()
    fake_reader(monkeypatch)
    calls = count_draws(monkeypatch)
    writing.write_lines(bundle, ["ab cd"], seed=3, candidates=2)
    assert [len(drawn) for _, drawn in calls] == [2, 2]


def test_streaming_yields_lines_in_order_before_the_text_is_done_and_as_written(monkeypatch):
    """Lines come in order, the first before the last is drawn (lines are written a few at a
    time), and together they are what write_lines writes with the same seed."""
    bundle = moving()
    texts = ["ab cd", "ef ab cd", "cd", "ab ef"]
    calls = count_draws(monkeypatch)
    seen = [(i, ink, len(calls)) for i, ink in writing.write_stream(bundle, texts, seed=9,
                                                                      candidates=3)]
    assert [i for i, _, _ in seen] == [0, 1, 2, 3]
    assert seen[0][2] < len(calls)  # the first line came while others were still being drawn
    whole = writing.write_lines(bundle, texts, seed=9, candidates=3)
    assert all(a.same_as(b) for (_, a, _), b in zip(seen, whole))
    assert all(np.isfinite(ink.meta["read_nll"]) for _, ink, _ in seen)


def test_a_line_read_whole_other_than_its_text_is_written_again_from_that_word(monkeypatch):
    """Each word reads right alone and in its pair, but the whole line first reads with a
    space lost ("ab cdef"): it is written again from "cd" on, once, and then reads right."""
    bundle = moving()
    whole = []

    def read(net, inks, texts=None, batch_size=32):
        out = []
        for ink in inks:
            text = ink.text
            if text == "ab cd ef":
                whole.append(text)
                text = "ab cdef" if len(whole) == 1 else text
            out.append({"read": text, "nll": 0.0})
        return out

    monkeypatch.setattr(reader, "read", read)
    calls = count_draws(monkeypatch)
    (ink,) = writing.write_lines(bundle, ["ab cd ef"], seed=3, candidates=2)
    assert [stops[0] for stops, _ in calls] == [2, 5, 8, 5, 8]
    assert ink.meta["rereads"] == 1 and ink.meta["read"] == "ab cd ef" and len(whole) == 2
