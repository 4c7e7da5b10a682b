"""Smoothing from the ink alone: the text found by itself (the file, the IAM-OnDB layout's
transcript, the reader), pages split into lines and put back where they were written, words
told apart and only the illegible ones rewritten, the measures of a hand, ``writesmooth read``."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import writesmooth
from writesmooth import Ink
from writesmooth.data.iam_layout import (ascii_path, is_line_file, layout_transcript,
                                         untokenised)
from writesmooth.data.io import read_inks, write_inks
from writesmooth.data.iam_xml import iam_line_bytes
from writesmooth.hand import distance, hand_stats
from writesmooth.pages import (PageLine, find_texts, keep_legible, place_like, split_sample,
                               split_words)
from writesmooth_lstm_graves.models import LstmGravesReader

from test_sampler import handwriting
from test_smooth_cli import weights  # noqa: F401  (the tiny weights fixture)

CSR = "Some header\n\nCSR:\n\nA MOVE to stop Mr . Gaitskell\nfrom nominating any more Labour\n"


def iam_layout(root: Path, nested: bool = False, lines: int = 2) -> list[Path]:
    """A form a01-000u of ``lines`` line files and its transcript, as the archives unpack
    (``nested``: ``lineStrokes-all/lineStrokes/...``) or as the distribution lays them out."""
    top = root / "lineStrokes-all" / "lineStrokes" if nested else root / "lineStrokes"
    text = root / "ascii-all" / "ascii" if nested else root / "ascii"
    folder = top / "a01" / "a01-000"
    folder.mkdir(parents=True)
    (text / "a01" / "a01-000").mkdir(parents=True)
    (text / "a01" / "a01-000" / "a01-000u.txt").write_text(CSR, encoding="latin-1")
    paths = []
    for n in range(1, lines + 1):
        path = folder / f"a01-000u-0{n}.xml"
        path.write_bytes(iam_line_bytes(handwriting("move").translated(0, 300 * n)
                                        .replace(id=path.stem, text="")))
        paths.append(path)
    return paths


@pytest.mark.parametrize("nested", [False, True])
def test_a_line_file_finds_its_form_transcript_in_the_iam_layout(tmp_path, nested):
    first, second = iam_layout(tmp_path, nested)
    assert is_line_file(first) and not is_line_file(tmp_path / "notes.xml")
    assert layout_transcript(second) == ("from nominating any more Labour", ascii_path(second))
    assert layout_transcript(first)[0] == "A MOVE to stop Mr. Gaitskell"


def test_a_form_that_cannot_be_paired_or_a_file_outside_the_layout_gives_no_text(tmp_path):
    paths = iam_layout(tmp_path, lines=3)  # three line files, two CSR lines
    assert layout_transcript(paths[0]) is None
    loose = tmp_path / "a01-000u-01.xml"
    loose.write_bytes(paths[0].read_bytes())
    assert layout_transcript(loose) is None


def test_untokenised_puts_the_marks_back_against_their_words():
    assert untokenised("Mr . Foot ' s line , he said : ( no ) .") == \
        "Mr. Foot's line, he said: (no)."


def test_the_text_comes_from_the_first_source_that_has_it():
    inks = [Ink(strokes=[[[0, 0], [1, 1]]], text="in the file"),
            Ink(strokes=[[[0, 0], [1, 1]]], source="a.xml"),
            Ink(strokes=[[[0, 0], [1, 1]]], source="b.xml")]
    asked = []

    def read(lines):
        asked.append(len(lines))
        return ["  read   here "]

    page = find_texts(inks, layout=lambda ink: ("from layout", "t.txt") if ink.source == "a.xml"
                      else None, read=read)
    assert [(p.text, p.source) for p in page] == [
        ("in the file", "file"), ("from layout", "iam"), ("read here", "reader")]
    assert asked == [1] and page[1].where == "t.txt"
    given = find_texts(inks, given="one\ntwo\nthree", read=read)
    assert [(p.text, p.source) for p in given] == [("one", "given"), ("two", "given"),
                                                   ("three", "given")]
    with pytest.raises(writesmooth.WritesmoothError, match="--text has 2 lines but the sample "
                                                           "has 3 lines of writing"):
        find_texts(inks, given="one\ntwo")
    with pytest.raises(writesmooth.WritesmoothError, match="no reader"):
        find_texts(inks[1:])


def page_of(texts, gap=400):
    lines = [handwriting(t).translated(50 * k, gap * k) for k, t in enumerate(texts)]
    return Ink(strokes=[s for ln in lines for s in ln.strokes], text="\n".join(texts)), lines


def test_a_page_is_split_into_its_lines_with_their_texts_and_a_line_file_never_is():
    page, lines = page_of(["first", "second", "third"])
    got = split_sample([page])
    assert [g.text for g in got] == ["first", "second", "third"]
    assert [g.n_strokes for g in got] == [ln.n_strokes for ln in lines]
    assert split_sample([page.replace(text="a\nb")])[0].text == ""  # texts that do not fit
    named = page.replace(source="x/a01-000u-01.xml")
    assert len(split_sample([named], is_line=lambda ink: is_line_file(ink.source))) == 1
    with pytest.raises(writesmooth.WritesmoothError, match="has no handwriting"):
        split_sample([Ink(strokes=[])], "empty.json")


def test_a_sloping_page_still_splits_into_its_lines():
    page, _ = page_of(["ab cd ef gh", "ij kl mn op"], gap=400)
    x = np.concatenate([s[:, 0] for s in page.strokes])
    slope = 0.08  # the lines climb 8 units a hundred across
    tilted = page.replace(strokes=[s - np.stack([0 * s[:, 0], slope * (s[:, 0] - x.min())], 1)
                                   for s in page.strokes])
    assert len(writesmooth.split_lines(tilted)) == 2


def words_line(widths, gaps):
    strokes, x = [], 0.0
    for w, g in zip(widths, gaps + [0]):
        for part in range(2):  # two strokes a word, overlapping in x
            t = np.linspace(x + part * w / 3, x + w * (part + 2) / 3, 10)
            strokes.append(np.stack([t, 100 + 20 * np.sin(t)], 1))
        x += w + g
    return Ink(strokes=strokes)


def test_words_are_told_apart_at_the_widest_gaps():
    line = words_line([100, 60, 120], [40, 55])
    words = split_words(line, 3)
    assert [w.n_strokes for w in words] == [2, 2, 2]
    assert [round(w.bounds()[0]) for w in words] == [0, 140, 255]
    assert len(split_words(line, 2)) == 2
    assert split_words(line, 4) is None


def test_new_writing_is_put_back_in_the_samples_units_on_its_baseline():
    original = handwriting("ab").translated(500, 1000)
    new = handwriting("ab").scaled(2.0)
    new.meta[writesmooth.SAMPLE_SCALE] = 2.0
    placed = place_like(new, original)
    assert placed.bounds()[0] == pytest.approx(original.bounds()[0], abs=1e-3)
    assert writesmooth.baseline(placed) == pytest.approx(writesmooth.baseline(original), abs=1e-3)
    assert placed.bounds()[2] - placed.bounds()[0] == pytest.approx(
        original.bounds()[2] - original.bounds()[0], rel=1e-4)


class Words(writesmooth.Model):
    """Reads a word right when it is narrower than 110 units; writes a text as a flat line of
    30 units a character, in units twice the sample's."""

    name = "words"
    capabilities = frozenset({"write", "read"})

    def read(self, inks):
        return [{0: "aaaa", 1: "bb", 2: "cccc"}[k] if ink.bounds()[2] - ink.bounds()[0] < 110
                else "?" for k, ink in enumerate(inks)]

    def write_stream(self, texts, *, bias=1.0, seed=None, style=None):
        for i, t in enumerate(texts):
            yield i, Ink(strokes=[[[0, 0], [60 * len(t), 0]]], text=t,
                         meta={writesmooth.SAMPLE_SCALE: 2.0})


def test_only_the_words_the_reader_cannot_read_are_rewritten_and_the_rest_move_along():
    line = words_line([100, 60, 120], [40, 55])  # "cccc" is 120 wide: read wrong
    line.strokes[-1] = line.strokes[-1]  # noqa: PLW0127
    words = Words()
    kept = keep_legible(words, words, PageLine(line, "aaaa bb cccc", "given"), bias=1.0,
                        seed=1, extra={})
    assert kept.meta["kept_words"] == 2 and kept.meta["words"] == 3
    for a, b in zip(kept.strokes[:4], line.strokes[:4]):  # the first two words as written
        assert np.array_equal(a, b)
    new = kept.strokes[4]
    assert new[0, 0] == pytest.approx(255.0) and new[-1, 0] - new[0, 0] == pytest.approx(120.0)
    all_read = keep_legible(words, words, PageLine(words_line([100, 60], [40]), "aaaa bb",
                                                   "given"), bias=1.0, seed=1, extra={})
    assert all_read.meta["kept_words"] == 2 and all_read.n_strokes == 4


def test_the_hand_measures_see_slant_size_and_width():
    down = np.linspace(0, 100, 101)
    upright = Ink(strokes=[np.stack([np.full(101, x), down], 1) for x in range(0, 500, 50)],
                  text="abcdefghij")
    # the tops 30 units to the right of the bottoms: leaning right by atan(0.3)
    leaning = upright.replace(strokes=[s + np.stack([0.3 * (100 - down), 0 * down], 1)
                                       for s in upright.strokes])
    a, b = hand_stats(upright), hand_stats(leaning)
    assert a["slant"] == pytest.approx(0.0) and b["slant"] == pytest.approx(16.7, abs=0.1)
    assert a["x_height"] == pytest.approx(55.0) and a["letter_width"] == pytest.approx(45.0)
    assert b["letter_width"] == pytest.approx(48.0)
    d = distance(b, a)
    assert d["slant"] == pytest.approx(16.7, abs=0.1) and d["x_height"] == pytest.approx(0.0)
    assert all(np.isnan(v) for v in hand_stats(Ink(strokes=[])).values())


# --- the command line ------------------------------------------------------------------------
def needs_reader():
    if LstmGravesReader.default_weights() is None:
        pytest.skip("no bundled reader")


def test_smooth_a_bare_line_file_with_its_transcript_from_the_iam_layout(run_cli, weights,
                                                                         tmp_path):
    first, _ = iam_layout(tmp_path, nested=True)
    out = tmp_path / "out.json"
    result = run_cli("smooth", first, "--weights", weights, "-o", out, "--seed", "1")
    assert result.code == 0, result.err
    assert "text from the IAM-OnDB transcript" in result.out and "a01-000u.txt" in result.out
    assert "'A MOVE to stop Mr. Gaitskell'" in result.out
    (ink,) = read_inks(out)
    assert ink.text == "A MOVE to stop Mr. Gaitskell"
    result = run_cli("smooth", first, "--weights", weights, "--text", "mine", "-o", out)
    assert result.code == 0 and "text given with --text: 'mine'" in result.out


def test_smooth_an_inkml_file_without_text_reads_it_first(run_cli, weights, tmp_path):
    needs_reader()
    from writesmooth_lstm_graves.models import LstmGraves
    written = LstmGraves.load().write(["hello world"], seed=1)[0]
    path = tmp_path / "mine.inkml"
    write_inks([written.replace(text="", id="mine")], path)
    out = tmp_path / "out.json"
    result = run_cli("smooth", path, "--weights", weights, "-o", out, "--seed", "1")
    assert result.code == 0, result.err
    assert "text as the reader reads it: 'hello world'" in result.out
    read = run_cli("read", path)
    assert read.code == 0 and read.out.strip() == "hello world"
    as_json = json.loads(run_cli("read", path, "--json").out)
    assert as_json["lines"][0]["read"] == "hello world"


def test_a_page_is_smoothed_line_by_line_where_it_was_written(run_cli, weights, tmp_path):
    page, lines = page_of(["first", "second"])
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"id": "p", "text": page.text,
                                "strokes": [s.tolist() for s in page.strokes]}))
    out = tmp_path / "out.json"
    result = run_cli("smooth", path, "--weights", weights, "-o", out, "--seed", "1")
    assert result.code == 0, result.err
    assert "line 2: text from the file: 'second'" in result.out
    got = read_inks(out)
    assert [g.text for g in got] == ["first", "second"]
    for new, old in zip(got, lines):
        assert new.bounds()[0] == pytest.approx(old.bounds()[0], abs=1.0)
        assert writesmooth.baseline(new) == pytest.approx(writesmooth.baseline(old), abs=1.0)
    png = tmp_path / "page.png"
    result = run_cli("smooth", path, "--weights", weights, "-o", png, "--side-by-side",
                     "--keep-legible")
    assert result.code == 0, result.err
    assert "kept" in result.out and "words as written" in result.out
    wrong = run_cli("smooth", path, "--weights", weights, "--text", "a\nb\nc", "-o", out)
    assert wrong.code == 2 and wrong.err_lines == [
        "error: --text has 3 lines but the sample has 2 lines of writing; give one line of "
        "text for each (separated by new lines)"]
