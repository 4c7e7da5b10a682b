"""Characters a model never learned, drawn from the single-stroke font at their place in the
line (writesmooth.missing), with a small model of known behaviour, the bundled network, the
command line and the web API."""
from __future__ import annotations

import json
import unicodedata

import numpy as np
import pytest

import writesmooth
from writesmooth import (POSITIONS, Ink, Model, WritesmoothError, draw_missing, plan_line,
                         write_lines)
from writesmooth.glyphs import has_glyph

KNOWN = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPRSTUVWY0123456789.,'"
ASCII = "".join(chr(c) for c in range(0x21, 0x7F))
LATIN1_LETTERS = "".join(chr(c) for c in range(0xC0, 0x100) if chr(c) not in "\u00d7\u00f7")
STEP = 10.0  # the block model's letter width


class Blocks(Model):
    """Writes each character as one zig-zag stroke of x-height 5, STEP wide, in place, and
    records which character each point was for; knows the characters of KNOWN."""

    name = "blocks"
    capabilities = frozenset({"write", "positions"})

    def unknown_chars(self, text):
        return {ch for ch in text if ch not in KNOWN}

    def replace_unknown(self, text):
        return "".join(ch if ch in KNOWN else (ch.lower() if ch.lower() in KNOWN else " ")
                       for ch in text)

    def write_stream(self, texts, *, bias=1.0, seed=None, style=None, **options):
        for i, text in enumerate(texts):
            assert not self.unknown_chars(text), text
            strokes, positions = [], []
            for k, ch in enumerate(text):
                if ch == " ":
                    continue
                x = k * STEP
                strokes.append(np.array([[x + 1, 0], [x + 3, -5], [x + 5, 0], [x + 7, -5],
                                         [x + 9, 0]], np.float32))
                positions += [k] * 5
            yield i, Ink(strokes=strokes, text=text,
                         meta={POSITIONS: np.array(positions), "seed": 7})


class NoPositions(Blocks):
    name = "no-positions"
    capabilities = frozenset({"write"})


def one(model, text, **kw):
    ((_, ink),) = write_lines(model, [text], **kw)
    return ink


def test_every_printable_ascii_character_and_latin1_letter_gets_strokes():
    model = Blocks()
    plain = one(model, "aa")
    for ch in ASCII + LATIN1_LETTERS:
        ink = one(model, f"a{ch}a")
        assert ink.text == f"a{ch}a"
        assert POSITIONS not in ink.meta
        pts = ink.points()
        assert np.isfinite(pts).all()
        if ch in KNOWN:
            continue
        assert ink.meta["font_characters"] == [ch]
        assert len(ink.strokes) > len(plain.strokes), ch
        # the two a's are still there, in order, and something is drawn between them
        first, last = ink.strokes[0], ink.strokes[-1]
        middle = [s for s in ink.strokes[1:-1]]
        assert middle, ch
        assert all(s[:, 0].min() >= first[:, 0].min() for s in middle), ch
        assert last[:, 0].min() >= first[:, 0].max(), ch


def test_a_glyph_replaces_what_was_written_at_its_place_and_moves_the_rest():
    model = Blocks()
    ink = one(model, "aQa")
    glyph = [s for s in ink.strokes[1:-1]]
    left, right = ink.strokes[0], ink.strokes[-1]
    # the placeholder's zig-zag is gone: no stroke has the block shape between the a's
    assert not any(len(s) == 5 and np.allclose(s[:, 1], [0, -5, 0, -5, 0]) for s in glyph)
    # a capital is taller than the x-height of 5, sits on the baseline, and does not overlap
    top = min(float(s[:, 1].min()) for s in glyph)
    bottom = max(float(s[:, 1].max()) for s in glyph)
    assert top < -5.5 and bottom <= 2.5  # Q's tail may dip a little
    assert min(float(s[:, 0].min()) for s in glyph) >= left[:, 0].max()
    assert right[:, 0].min() >= max(float(s[:, 0].max()) for s in glyph)
    # the same seed gives the same glyph; a line's seed varies it
    again = one(model, "aQa")
    assert all(np.array_equal(a, b) for a, b in zip(ink.strokes, again.strokes))
    other = draw_missing(next(model.write_stream(["aqa"]))[1], plan_line(model, "aQa"), seed=8)
    assert not all(np.array_equal(a, b) for a, b in zip(ink.strokes, other.strokes))


def test_an_accent_is_drawn_over_the_letter_the_model_writes():
    model = Blocks()
    plan = plan_line(model, "caf\u00e9 \u00e7a")
    assert plan.net == "cafe ca" and plan.drawn == ["\u00e9", "\u00e7"]
    ink = one(model, "caf\u00e9 \u00e7a")
    assert len(ink.strokes) == 6 + 2  # six letters, an acute and a cedilla
    marks = [s for s in ink.strokes if not (len(s) == 5 and s[:, 1].min() == -5)]
    acute, cedilla = sorted(marks, key=lambda s: s[:, 0].mean())
    e_left, e_right = 3 * STEP, 4 * STEP
    assert e_left <= acute[:, 0].mean() <= e_right and acute[:, 1].max() < -5  # above the e
    assert 5 * STEP <= cedilla[:, 0].mean() <= 6 * STEP and cedilla[:, 1].max() > 0  # below c


def test_strict_refuses_and_a_model_without_positions_says_why():
    with pytest.raises(WritesmoothError, match="'Q'"):
        one(Blocks(), "Quiz", strict=True)
    with pytest.raises(WritesmoothError, match="does not record positions"):
        one(NoPositions(), "Quiz")
    assert one(NoPositions(), "quiz").text == "quiz"


def test_a_character_without_a_glyph_is_spelt_or_refused_by_name():
    model = Blocks()
    assert not has_glyph("\u5b57")
    with pytest.raises(WritesmoothError, match="'\u5b57'"):
        plan_line(model, "a\u5b57")
    assert plan_line(model, "a\tb").net == "a b"  # whitespace stays whitespace


def test_plan_keeps_track_when_a_replacement_is_longer():
    class Spells(Blocks):
        def replace_unknown(self, text):
            return "EUR" if text == "\u20ac" else super().replace_unknown(text)

    plan = plan_line(Spells(), "5\u20ac \u00e9")
    assert plan.net == "5EUR e" and plan.draws == [(5, "\u00e9", "accent")]


# --- the bundled network ---------------------------------------------------------------------
def test_the_bundled_model_writes_every_character_of_the_example(run_cli, tmp_path):
    out = tmp_path / "q.jsonl"
    text = "Quiz: Zebra 10% @ home, caf\u00e9 na\u00efve"
    result = run_cli("write", text, "-o", out, "--seed", "1")
    assert result.code == 0, result.err
    assert "single-stroke font" in result.out
    (record,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert record["text"] == text
    assert sorted(record["meta"]["font_characters"]) == sorted("QZ%@\u00e9\u00ef")
    assert "positions" not in record["meta"]
    strict = run_cli("write", text, "-o", out, "--strict")
    assert strict.code == 2 and "'Q'" in strict.err


def test_the_bundled_model_plans_every_printable_character():
    from writesmooth.plugins import get_toolkit

    model = get_toolkit().model("lstm-graves").load()
    for ch in ASCII + LATIN1_LETTERS:
        plan = plan_line(model, f"a{ch}a")
        assert not model.unknown_chars(plan.net), ch
        assert (ch in plan.drawn) == bool(model.unknown_chars(ch)), ch
    # accented letters keep their base letter for the network
    assert plan_line(model, "na\u00efve").net == "naive"
    assert unicodedata.normalize("NFD", "\u00ef")[0] == "i"


def test_what_is_left_of_a_cut_stroke_in_a_space_or_too_small_goes_with_it():
    # "a", then one stroke: the stand-in q (position 1), a loop on into the space (position
    # 2, ten points), and on to the "b" (position 3, whose stroke stays)
    a = np.array([[1, 0], [3, -5], [5, 0], [7, -5], [9, 0]], np.float32)
    q = np.array([[11, 0], [13, -5], [15, 0], [17, -5], [19, 0]], np.float32)
    loop = np.stack([np.linspace(20, 29, 10), np.full(10, -3.0)], 1).astype(np.float32)
    b = np.array([[31, 0], [33, -9], [35, 0], [37, -5], [39, 0]], np.float32)
    ink = Ink(strokes=[a, np.concatenate([q, loop]), b], text="aq b",
              meta={POSITIONS: np.array([0] * 5 + [1] * 5 + [2] * 10 + [3] * 5), "seed": 1})
    out = draw_missing(ink, plan_line(Blocks(), "aQ b"))
    assert out.text == "aQ b"
    # a, the glyph's strokes, b: nothing of the loop is left
    assert not any(np.allclose(s[:, 1], -3.0) and len(s) == 10 for s in out.strokes)
    assert np.array_equal(out.strokes[0], a)
    assert len(out.strokes[-1]) == 5 and np.allclose(np.diff(out.strokes[-1][:, 0]), 2)
