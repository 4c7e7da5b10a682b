"""Unit tests of the Ink type and of reading one IAM-OnDB line file safely."""
from __future__ import annotations

import numpy as np
import pytest

import writesmooth
from writesmooth import Ink, InkFormatError, stack_lines
from writesmooth.data.io import read_inks


def two_strokes() -> Ink:
    return Ink(strokes=[[[0, 0], [1, 2], [2, 0]], [[3, 1], [5, 1]]], text="hi", id="x")


def test_strokes_become_float32_arrays_and_sizes_add_up():
    ink = two_strokes()
    assert all(s.dtype == np.float32 and s.shape[1] == 2 for s in ink.strokes)
    assert (ink.n_strokes, ink.n_points) == (2, 5)
    assert ink.points().shape == (5, 2)
    assert not ink.is_empty() and Ink(strokes=[]).is_empty()


def test_a_stroke_must_be_n_by_2():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        Ink(strokes=[[1, 2, 3]])


def test_bounds_and_empty_ink_has_none():
    assert two_strokes().bounds() == (0.0, 0.0, 5.0, 2.0)
    with pytest.raises(ValueError):
        Ink(strokes=[]).bounds()
    assert Ink(strokes=[]).points().shape == (0, 2)


def test_flat_form_round_trips():
    ink = two_strokes()
    points, lengths = ink.to_flat()
    assert lengths.tolist() == [3, 2]
    back = Ink.from_flat(points, lengths, text="hi")
    assert back.same_as(ink)
    assert Ink.from_flat(np.zeros((0, 2)), []).n_strokes == 0


def test_geometry_returns_new_inks_and_keeps_fields():
    ink = two_strokes()
    moved = ink.translated(10, -1).scaled(2)
    assert moved.bounds() == (20.0, -2.0, 30.0, 2.0)
    assert ink.bounds() == (0.0, 0.0, 5.0, 2.0)  # the original is untouched
    assert (moved.text, moved.id) == ("hi", "x")


def test_replace_copies_meta_so_changes_do_not_leak():
    ink = two_strokes()
    ink.meta["a"] = 1
    other = ink.replace(text="other")
    other.meta["a"] = 2
    assert ink.meta["a"] == 1 and other.text == "other"


def test_same_as_compares_text_and_points_within_tolerance():
    ink = two_strokes()
    near = ink.translated(0.01, 0)
    assert not ink.same_as(near)
    assert ink.same_as(near, atol=0.02)
    assert not ink.same_as(ink.replace(text="ho"))
    assert not ink.same_as(ink.replace(strokes=ink.strokes[:1]))


def test_stack_lines_puts_lines_under_each_other_and_keeps_blank_lines():
    a, b = two_strokes(), two_strokes().translated(100, 100)
    stacked = stack_lines([a, Ink(strokes=[]), b], gap=10)
    assert stacked.n_strokes == 4
    assert stacked.text == "hi\n\nhi"
    tops = [s[:, 1].min() for s in stacked.strokes]
    assert tops[0] == 0 and tops[2] == 20  # the third line sits two steps down
    assert stacked.meta == {"lines": 3, "line_step": 10}


def test_stack_lines_aligns_baselines_not_tops():
    import numpy as np

    from writesmooth.ink import baseline

    def line(tall: bool) -> Ink:  # ten "x-height" strokes sitting on y = 50, one optional ascender
        strokes = [np.array([[10.0 * i, 40], [10.0 * i + 5, 50], [10.0 * i + 8, 50]], np.float32)
                   for i in range(10)]
        if tall:
            strokes.append(np.array([[0, 0], [0, 50]], np.float32))
        return Ink(strokes=strokes, text="x")

    stacked = stack_lines([line(True), line(False), line(True)], gap=100)
    rows = [Ink(strokes=stacked.strokes[0:11]), Ink(strokes=stacked.strokes[11:21]),
            Ink(strokes=stacked.strokes[21:])]
    bases = [baseline(r) for r in rows]
    assert bases[1] - bases[0] == 100 and bases[2] - bases[1] == 100  # even baselines
    assert bases[0] == 50 and stacked.bounds()[1] == 0  # the ascender at the top, y = 0
    assert rows[1].bounds()[1] == 140  # the short line's top: its baseline minus its x-height


def test_repr_is_short():
    assert repr(two_strokes()) == "Ink(id='x', text='hi', strokes=2, points=5)"


def test_public_names_are_exported():
    for name in ("Ink", "Model", "Renderer", "InkFormat", "DatasetLayout", "hookimpl",
                 "WritesmoothError", "PluginError", "InkFormatError", "__version__"):
        assert hasattr(writesmooth, name), name


# --- reading one IAM-OnDB line file -------------------------------------------------------

def test_reads_an_iam_line_file(iam_line_file):
    [ink] = read_inks(iam_line_file)
    assert ink.id == "a01-000u-01" and ink.source == str(iam_line_file)
    assert ink.n_strokes == 2 and ink.n_points == 5
    assert ink.strokes[0].tolist() == [[100, 200], [110, 180], [120, 200]]


@pytest.mark.parametrize("data, message", [
    (b"<WhiteboardCaptureSession><StrokeSet>", "malformed XML"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
     b"<WhiteboardCaptureSession><StrokeSet><Stroke><Point x='&e;' y='1'/></Stroke>"
     b"</StrokeSet></WhiteboardCaptureSession>", "DOCTYPE"),
    (b"<WhiteboardCaptureSession><StrokeSet/></WhiteboardCaptureSession>", "no points"),
    (b"<WhiteboardCaptureSession><StrokeSet><Stroke><Point x='a' y='1'/></Stroke>"
     b"</StrokeSet></WhiteboardCaptureSession>", "non-numeric"),
    (b"<WhiteboardCaptureSession/>", "StrokeSet"),
])
def test_bad_line_files_raise_one_clear_error_naming_the_file(tmp_path, data, message):
    path = tmp_path / "bad.xml"
    path.write_bytes(data)
    with pytest.raises(InkFormatError, match=message) as info:
        read_inks(path)
    assert str(path) in str(info.value)


def test_a_missing_file_is_an_ink_format_error(tmp_path):
    with pytest.raises(InkFormatError, match="no such file"):
        read_inks(tmp_path / "nope.xml")
