"""The single-stroke font (writesmooth.glyphs): coverage, composed accents, drawing, setting a
line, and a font file that is plain JSON carrying the Hershey attribution."""
from __future__ import annotations

import ast
import json
import math
import tomllib
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from writesmooth import WritesmoothError
from writesmooth import glyphs as G
from writesmooth.glyphs import (GLYPH_CHARS, Glyph, accent, accent_of, draw, glyph, has_glyph,
                                set_text)

ROOT = Path(__file__).resolve().parents[1]
FONT = ROOT / "core" / "writesmooth" / "fonts" / "glyphs.json"
ASCII = [chr(c) for c in range(0x21, 0x7F)]
LATIN1_LETTERS = [chr(c) for c in range(0xC0, 0x100) if c not in (0xD7, 0xF7)]
ACCENTED = [c for c in LATIN1_LETTERS if accent_of(c) is not None]


def points(g: Glyph) -> np.ndarray:
    return np.concatenate(g.strokes)


@pytest.mark.parametrize("ch", ASCII + LATIN1_LETTERS + list("¡¿«»°£§©"))
def test_every_character_has_strokes_in_a_sane_box(ch):
    assert has_glyph(ch) and ch in GLYPH_CHARS
    g = glyph(ch)
    assert g.strokes and g.advance > 0
    for s in g.strokes:
        assert s.dtype == np.float32 and s.ndim == 2 and s.shape[1] == 2 and len(s) >= 1
    p = points(g)
    assert np.isfinite(p).all()
    assert -0.5 <= p[:, 0].min() and p[:, 0].max() <= g.advance + 0.5, ch
    assert -3.0 <= p[:, 1].min() < 0.5 and p[:, 1].max() <= 1.5, ch
    assert g.top == pytest.approx(float(p[:, 1].min()))
    assert 0.1 < g.advance < 3.5


def test_space_has_an_advance_and_no_strokes():
    g = glyph(" ")
    assert g.strokes == () and 0.2 < g.advance < 1.5
    strokes, advance = draw(" ", x_height=10)
    assert strokes == [] and advance == pytest.approx(10 * g.advance)


def test_glyph_chars_is_sorted_and_agrees_with_has_glyph():
    assert list(GLYPH_CHARS) == sorted(set(GLYPH_CHARS))
    assert all(has_glyph(c) for c in GLYPH_CHARS)
    assert {"Q", "Z", "%", "@", "ß", "Ł", "ő", "ș"} <= set(GLYPH_CHARS)
    assert not has_glyph("€") and not has_glyph("中") and not has_glyph("ab") and not has_glyph("")


def test_sizes_follow_the_units():
    x = points(glyph("x"))
    assert x[:, 1].min() == pytest.approx(-1.0, abs=0.08) and x[:, 1].max() == pytest.approx(0, abs=0.05)
    for ch in "HEX0":
        p = points(glyph(ch))
        assert p[:, 1].min() == pytest.approx(-2.0, abs=0.1) and p[:, 1].max() == pytest.approx(0, abs=0.05)
    assert points(glyph("p"))[:, 1].max() > 0.8      # a descender goes below the baseline
    assert points(glyph("l"))[:, 1].min() < -1.8     # an ascender above the x-height
    assert points(glyph("-"))[:, 1].mean() == pytest.approx(-0.6, abs=0.2)


def test_the_font_is_upright():
    """The straight stems of ``d``, ``t``, ``p`` and ``I`` go straight up: the lean is the
    caller's."""
    for ch in "dtpI":
        d = np.concatenate([np.diff(s, axis=0) for s in glyph(ch).strokes])
        stem = d[np.argmax(np.hypot(d[:, 0], d[:, 1]))]
        assert abs(stem[1]) > 0.6 and abs(math.degrees(math.atan2(stem[0], stem[1]))) % 180 < 3, ch


def test_accent_of():
    assert accent_of("é") == ("e", ["acute"])
    assert accent_of("ç") == ("c", ["cedilla"])
    assert accent_of("Å") == ("A", ["ring"])
    assert accent_of("ǘ") == ("u", ["diaeresis", "acute"])
    for ch in "eZ%ßøæ€ ":
        assert accent_of(ch) is None
    assert accent_of("ạ") == ("a", ["dot_below"])
    assert accent_of("ả") is None  # a hook above: not a mark of this font


@pytest.mark.parametrize("ch", ACCENTED)
def test_an_accented_letter_is_its_base_plus_its_mark(ch):
    base, marks = accent_of(ch)
    assert unicodedata.normalize("NFC", base + "".join(
        k for k, v in G.MARK_NAMES.items() for m in marks if v == m)) == ch
    below = marks[0] in G.BELOW
    letter = glyph(G.DOTLESS.get(base, base) if not below else base)
    whole = glyph(ch)
    assert whole.advance == letter.advance
    n = len(letter.strokes)
    for got, want in zip(whole.strokes[:n], letter.strokes):
        np.testing.assert_array_equal(got, want)
    mark = np.concatenate(whole.strokes[n:])
    assert len(whole.strokes) == n + sum(len(accent(m).strokes) for m in marks)
    lo, hi = points(letter)[:, 0].min(), points(letter)[:, 0].max()
    assert lo - 0.1 <= (mark[:, 0].min() + mark[:, 0].max()) / 2 <= hi + 0.1
    if below:
        assert mark[:, 1].min() >= -1e-6 and mark[:, 1].max() > 0.1
    else:
        assert mark[:, 1].max() < letter.top - 0.1
        assert whole.top == pytest.approx(float(mark[:, 1].min()))


def test_i_and_j_lose_their_dot_under_a_mark():
    assert len(glyph("í").strokes) == len(glyph("ı").strokes) + 1 == len(glyph("i").strokes)
    assert points(glyph("ı"))[:, 1].min() > -1.1 > points(glyph("i"))[:, 1].min()
    assert points(glyph("ĵ"))[:, 1].max() > 0.8


def test_the_marks_alone():
    for name in ("acute", "grave", "circumflex", "diaeresis", "tilde", "ring", "caron", "macron"):
        p = points(accent(name))
        assert p[:, 1].max() == pytest.approx(0.0, abs=0.02) and p[:, 1].min() <= 0.0
        assert p[:, 1].min() < -0.05 or name == "macron"
        assert abs((p[:, 0].min() + p[:, 0].max()) / 2) < 0.06, name
        assert np.ptp(p[:, 0]) < 0.7
    p = points(accent("cedilla"))
    assert p[:, 1].min() == pytest.approx(0.0, abs=0.02) and p[:, 1].max() > 0.15
    with pytest.raises(WritesmoothError, match="umlaut"):
        accent("umlaut")


def test_draw_at_an_x_height():
    h = 37.0
    strokes, advance = draw("x", x_height=h)
    p = np.concatenate(strokes)
    assert np.ptp(p[:, 1]) == pytest.approx(h, rel=0.08)
    assert advance == pytest.approx(glyph("x").advance * h)
    for got, want in zip(strokes, glyph("x").strokes):
        np.testing.assert_allclose(got, want * h, rtol=1e-5, atol=1e-4)
        assert got.dtype == np.float32


@pytest.mark.parametrize("ch", ["l", "I", "é", "Q"])
def test_slant_leans_right(ch):
    plain = np.concatenate(draw(ch, x_height=10)[0])
    leaning = np.concatenate(draw(ch, x_height=10, slant=20)[0])
    high = plain[:, 1] < -8
    shift = leaning[:, 0] - plain[:, 0]
    np.testing.assert_allclose(shift, -plain[:, 1] * math.tan(math.radians(20)), atol=1e-3)
    assert (shift[high] > 2.5).all()
    back = np.concatenate(draw(ch, x_height=10, slant=-20)[0])
    assert (back[high, 0] < plain[high, 0]).all()


def test_variation_is_repeatable_and_small():
    def drawn(seed, variation=0.05):
        rng = np.random.default_rng(seed)
        strokes, advance = draw("Q", x_height=10, rng=rng, variation=variation)
        return np.concatenate(strokes), advance

    strokes, plain_advance = draw("Q", x_height=10)
    plain = np.concatenate(strokes)
    a, b, c = drawn(1), drawn(1), drawn(2)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]
    assert not np.allclose(a[0], c[0])
    for got, advance in (a, c):
        assert 0.02 < np.abs(got - plain).max() < 0.25 * 20  # some change, less than a quarter
        assert np.abs(got - plain).mean() < 0.1 * 20
        assert advance == pytest.approx(plain_advance, rel=0.2)
    zero = drawn(3, variation=0.0)
    np.testing.assert_allclose(zero[0], plain, atol=1e-5)
    assert zero[1] == pytest.approx(plain_advance)


def test_variation_keeps_strokes_smooth():
    """The variation is a smooth map of the plane: neighbouring points move nearly together
    (what a point moves differs from its neighbour's by well under their distance)."""
    for seed in range(20):
        plain = draw("O", x_height=10)[0]
        varied = draw("O", x_height=10, rng=np.random.default_rng(seed))[0]
        for p, v in zip(plain, varied):
            step = np.hypot(*np.diff(p, axis=0).T)
            change = np.hypot(*np.diff(v - p, axis=0).T)
            assert (change <= 0.5 * step + 1e-4).all()


def test_set_text_widths_add_up():
    text = "Page 12 of Zoë's ß!"
    ink = set_text(text, x_height=5.0, slant=10)
    assert ink.text == text
    x, expected = 0.0, []
    for ch in text:
        strokes, advance = draw(ch, x_height=5.0, slant=10)
        expected += [s + np.array([x, 0], np.float32) for s in strokes]
        x += advance
    assert len(ink.strokes) == len(expected)
    for got, want in zip(ink.strokes, expected):
        np.testing.assert_allclose(got, want, atol=1e-4)
    assert x == pytest.approx(5.0 * sum(glyph(c).advance for c in text))
    assert ink.bounds()[2] <= x + 1.0
    two = set_text("12", x_height=1.0)
    assert two.bounds()[2] > glyph("1").advance  # the 2 starts after the 1's advance


def test_set_text_with_a_seed_is_repeatable():
    a, b = set_text("1234", x_height=3, seed=7), set_text("1234", x_height=3, seed=7)
    c = set_text("1234", x_height=3, seed=8)
    for s, t in zip(a.strokes, b.strokes):
        np.testing.assert_array_equal(s, t)
    assert any(not np.allclose(s, t) for s, t in zip(a.strokes, c.strokes))


@pytest.mark.parametrize("ch", ["€", "中", "\t", "ả"])
def test_unknown_characters_are_named(ch):
    with pytest.raises(WritesmoothError) as error:
        glyph(ch)
    assert ch in str(error.value) or f"U+{ord(ch):04X}" in str(error.value)
    with pytest.raises(WritesmoothError, match=ch if ch.isprintable() else "U\\+0009"):
        set_text(f"page {ch} 2", x_height=1.0)
    with pytest.raises(WritesmoothError):
        draw(ch, x_height=1.0)


def test_a_glyph_is_one_character():
    with pytest.raises(WritesmoothError, match="'ab'"):
        glyph("ab")


def test_the_font_file_is_json_with_the_attribution():
    raw = FONT.read_bytes()
    assert not raw.startswith(b"\x80")  # a pickle's protocol mark
    data = json.loads(raw.decode("utf-8"))
    assert ("The Hershey Fonts were originally created by Dr. A. V. Hershey while working at "
            "the U. S. National Bureau of Standards") in data["attribution"]
    for entry in [*data["glyphs"].values(), *data["marks"].values()]:
        for stroke in entry["strokes"]:
            assert len(stroke) % 2 == 0 and all(isinstance(v, (int, float)) for v in stroke)
    assert len(raw) < 400_000


def test_the_runtime_unpickles_nothing():
    tree = ast.parse((ROOT / "core" / "writesmooth" / "glyphs.py").read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom)}
    assert not imported & {"pickle", "torch", "vpype", "dill", "joblib"}


def test_the_font_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "fonts/*.json" in config["tool"]["setuptools"]["package-data"]["writesmooth"]


def test_glyphs_are_read_only():
    with pytest.raises(ValueError):
        glyph("a").strokes[0][0, 0] = 5.0
