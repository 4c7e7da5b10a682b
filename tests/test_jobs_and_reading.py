"""Requests written together come out as each would alone; the reader reads ink in any units;
a page of ink splits into its lines."""
from __future__ import annotations

import numpy as np
import pytest

import writesmooth
from writesmooth import Ink, WriteJob, split_lines
from writesmooth_lstm_graves import writing
from writesmooth_lstm_graves.reader import edit_distance, read
from writesmooth_lstm_graves.models import LstmGraves, LstmGravesReader
from test_search import moving


@pytest.mark.parametrize("search", ["words", "lines"])
def test_jobs_written_together_are_each_what_it_would_be_alone(search):
    bundle = moving()
    jobs = [["ab cd", "ef"], ["cd ab ef"], ["", "ab"]]
    seeds = [3, 11, 3]
    together = list(writing.write_together(bundle, jobs, seeds, candidates=2, search=search,
                                           width=4))
    assert sorted((j, i) for j, i, _ in together) == [(0, 0), (0, 1), (1, 0), (2, 0), (2, 1)]
    for j, (texts, seed) in enumerate(zip(jobs, seeds)):
        alone = writing.write_lines(bundle, texts, seed=seed, candidates=2, search=search)
        mine = [ink for k, _, ink in together if k == j]
        assert [ink.meta["seed"] for ink in mine] == [seed] * len(texts)
        for a, b in zip(alone, mine):  # the same drawings, to the rounding of batched products
            assert a.n_points == b.n_points and a.same_as(b, atol=1e-3), (j, a.text)
    # each job's lines come in its own order, whatever the other jobs do
    for j in range(3):
        assert [i for k, i, _ in together if k == j] == list(range(len(jobs[j])))


def test_the_model_batches_jobs_that_ask_for_the_same_and_splits_the_others(monkeypatch):
    m = LstmGraves(moving())
    calls = []
    real = writing.write_together

    def spy(bundle, jobs, seeds, **kw):
        calls.append((len(jobs), kw["bias"]))
        return real(bundle, jobs, seeds, **kw)

    monkeypatch.setattr(writing, "write_together", spy)
    jobs = [WriteJob(["ab"], seed=1), WriteJob(["cd"], bias=0.5, seed=2), WriteJob(["ef"], seed=3)]
    out = list(m.write_jobs(jobs))
    assert sorted(calls) == [(1, 0.5), (2, 1.0)]
    assert sorted((j, i) for j, i, _ in out) == [(0, 0), (1, 0), (2, 0)]
    assert [ink.text for _, _, ink in sorted(out, key=lambda t: t[0])] == ["ab", "cd", "ef"]


def test_the_default_write_jobs_writes_each_job_in_turn():
    class Lines(writesmooth.Model):
        name = "lines"
        capabilities = frozenset({"write"})

        def write(self, texts, *, bias=1.0, seed=None, style=None):
            return [Ink(strokes=[[[0, 0], [len(t), seed or 0]]], text=t) for t in texts]

    out = list(Lines().write_jobs([WriteJob(["a", "bb"], seed=4), WriteJob(["ccc"])]))
    assert [(j, i, ink.text) for j, i, ink in out] == [(0, 0, "a"), (0, 1, "bb"), (1, 0, "ccc")]
    assert float(out[1][2].strokes[0][1, 1]) == 4.0


def test_a_model_that_cannot_read_says_so():
    with pytest.raises(writesmooth.NotImplementedCapability, match="cannot read"):
        writesmooth.Model().read([])


@pytest.mark.skipif(LstmGravesReader.default_weights() is None, reason="no bundled reader")
def test_the_bundled_reader_reads_lines_in_other_units_and_densities():
    """Written lines read right as they are, shrunk to canvas pixels and densely resampled,
    and blown up: the reader brings each to its training size first."""
    writer = LstmGraves.load()
    texts = ["Hello there", "Good day to you"]
    inks = writer.write(texts, seed=5)
    reader = LstmGravesReader.load()

    def dense(ink, every):
        strokes = []
        for s in ink.strokes:
            t = np.linspace(0, len(s) - 1, max(2, len(s) * every))
            strokes.append(np.stack([np.interp(t, np.arange(len(s)), s[:, k]) for k in (0, 1)], 1))
        return ink.replace(strokes=strokes)

    small = [dense(ink.scaled(0.15), 4) for ink in inks]
    big = [ink.scaled(4.0) for ink in inks]
    assert reader.read(inks) == texts

    def misses(inks_read):
        return sum(edit_distance(a, b) for a, b in zip(inks_read, texts))

    assert misses(reader.read(small)) <= 1 and misses(reader.read(big)) <= 1
    # read as they are, without being brought to the reader's size, they read far worse
    raw = [r["read"] for r in read(reader.reader, small + big, texts=[""] * 4)]
    assert misses(raw[:2]) + misses(raw[2:]) >= 10
    assert reader.read([Ink(strokes=[])]) == [""]


def _word(x0, y0, h=10.0, dot=False):
    strokes = [np.array([[x0 + k, y0 + h * (k % 2)] for k in range(12)], float)]
    if dot:
        strokes.append(np.array([[x0 + 3, y0 - 0.6 * h]]))
    return strokes


def test_a_page_splits_into_its_lines_top_to_bottom_with_dots_kept_on_their_line():
    # written bottom line first, with dots above and a descender reaching into the line below
    bottom = _word(0, 40) + _word(20, 41, dot=True)
    top = _word(0, 5, dot=True) + [np.array([[30, 5], [30, 38]], float)] + _word(40, 6)
    page = Ink(strokes=bottom + top, source="canvas")
    lines = split_lines(page)
    assert len(lines) == 2
    assert [ln.meta["line"] for ln in lines] == [0, 1]
    assert lines[0].n_strokes == len(top) and lines[1].n_strokes == len(bottom)
    assert lines[0].bounds()[3] >= 38 and lines[1].bounds()[1] >= 34 - 0.6 * 10
    assert split_lines(Ink(strokes=[])) == []
    assert len(split_lines(Ink(strokes=_word(0, 0)))) == 1
