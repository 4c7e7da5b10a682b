"""Ink formats: InkML and JSON lines read and written, IAM line files with their text, all found
through the registry by suffix or by sniffing, and bad files refused with the file named."""
from __future__ import annotations

import json

import numpy as np
import pytest

from writesmooth import Ink, InkFormatError
from writesmooth.data.io import read_ink, read_inks, write_inks
from writesmooth.plugins import get_toolkit


def sample_inks() -> list[Ink]:
    return [
        Ink(strokes=[[[100, 200], [110, 180], [-5, 0]], [[130.5, 190.25]]],
            text="caf\xe9 <&> \"quoted\"  ", id="a01-000u-01", writer="w01"),
        Ink(strokes=[[[1, 2], [3, 4]]], text="second\u2028line", id="a01-000u-02"),
        Ink(strokes=[[[0.1, 1e-3]]], text="", id="x/y"),
    ]


def same(a: list[Ink], b: list[Ink], *, writer: bool = True) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.same_as(y), (x, y)
        assert x.id == y.id
        if writer:
            assert x.writer == y.writer


def test_the_core_registers_the_three_formats():
    names = {f.name for f in get_toolkit().ink_formats()}
    assert {"iam-xml", "inkml", "jsonl"} <= names


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".ndjson", ".inkml"])
def test_several_inks_round_trip_exactly(tmp_path, suffix):
    path = tmp_path / f"lines{suffix}"
    write_inks(sample_inks(), path)
    same(read_inks(path), sample_inks())


@pytest.mark.parametrize("suffix", [".jsonl", ".inkml", ".xml"])
def test_one_ink_round_trips_with_text_and_writer(tmp_path, suffix):
    ink = sample_inks()[0]
    path = tmp_path / f"{ink.id}{suffix}"
    write_inks([ink], path)
    back = read_ink(path)
    assert back.same_as(ink) and back.writer == "w01" and back.id == ink.id
    assert back.source == str(path)


def test_an_iam_line_file_holds_one_line(tmp_path):
    with pytest.raises(InkFormatError, match="exactly one line"):
        write_inks(sample_inks(), tmp_path / "lines.xml")


def test_formats_are_sniffed_whatever_the_suffix(tmp_path):
    write_inks(sample_inks(), tmp_path / "a.inkml")
    write_inks(sample_inks(), tmp_path / "a.jsonl")
    (tmp_path / "inkml.xml").write_bytes((tmp_path / "a.inkml").read_bytes())
    (tmp_path / "json.txt").write_bytes((tmp_path / "a.jsonl").read_bytes())
    same(read_inks(tmp_path / "inkml.xml"), sample_inks())
    same(read_inks(tmp_path / "json.txt"), sample_inks())


def test_inkml_from_elsewhere_channels_differences_and_groups(tmp_path):
    path = tmp_path / "other.inkml"
    path.write_text("""<?xml version="1.0"?>
<inkml:ink xmlns:inkml="http://www.w3.org/2003/InkML">
  <inkml:definitions><inkml:traceFormat>
    <inkml:channel name="T"/><inkml:channel name="Y"/><inkml:channel name="X"/>
  </inkml:traceFormat></inkml:definitions>
  <inkml:annotation type="truth">hello</inkml:annotation>
  <inkml:trace>0 20 10, 1 '2 '3, 2 1 -1, 3 "0 "1</inkml:trace>
  <inkml:trace>9 5 5</inkml:trace>
  <inkml:traceGroup><inkml:annotation type="truth">h</inkml:annotation></inkml:traceGroup>
</inkml:ink>""")
    (ink,) = read_inks(path)
    assert ink.text == "hello"
    np.testing.assert_allclose(ink.strokes[0], [[10, 20], [13, 22], [12, 23], [12, 24]])
    np.testing.assert_allclose(ink.strokes[1], [[5, 5]])


def test_inkml_without_namespace_and_with_groups(tmp_path):
    path = tmp_path / "groups.inkml"
    path.write_text('<ink><traceGroup xml:id="l1"><annotation type="transcription">one'
                    '</annotation><trace>1 2, 3 4</trace></traceGroup>'
                    '<traceGroup xml:id="l2"><trace>5 6</trace></traceGroup></ink>')
    inks = read_inks(path)
    assert [(i.id, i.text, i.n_points) for i in inks] == [("l1", "one", 2), ("l2", "", 1)]


@pytest.mark.parametrize("content, message", [
    ("<ink><trace>1 2, 3 x</trace></ink>", "not numeric"),
    ("<ink><trace>1 2, 3</trace></ink>", "lacks X or Y"),
    ("<ink><annotation type='truth'>t</annotation></ink>", "no trace with points"),
    ("<notink/>", "not InkML"),
    ("<ink><trace>1 2</trace>", "malformed XML"),
    ('<!DOCTYPE ink [<!ENTITY e SYSTEM "file:///etc/passwd">]><ink><trace>&e;</trace></ink>',
     "DOCTYPE"),
])
def test_bad_inkml_is_refused_naming_the_file(tmp_path, content, message):
    path = tmp_path / "bad.inkml"
    path.write_text(content)
    with pytest.raises(InkFormatError, match=message) as info:
        read_inks(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("content, message", [
    ('{"id": "a", "strokes": [[[1, 2]]]}\n{"id": "b", "strokes": [[[1, "x"]]]}', "line 2: stroke 1"),
    ('{"id": "a", "strokes": [[[1, 2]]]}\nnot json', "line 2: not JSON"),
    ('{"id": "a"}', "\"strokes\" must be a list"),
    ('[1, 2]', "expected an object"),
    ('{"strokes": [[[1, 2, 3]]]}', "list of \\[x, y\\] numbers"),
    ('{"strokes": [[[1, NaN]]]}', "list of \\[x, y\\] numbers"),
    ('{"strokes": [], "text": 5}', "\"text\" must be a string"),
    ('{"strokes": [], "meta": [1]}', "\"meta\" must be an object"),
    ("", "holds no handwriting"),
])
def test_bad_json_lines_are_refused_naming_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(InkFormatError, match=message) as info:
        read_inks(path)
    assert str(path) in str(info.value)


def test_json_lines_are_plain_and_integral_points_are_integers(tmp_path):
    write_inks(sample_inks()[:1], tmp_path / "a.jsonl")
    record = json.loads((tmp_path / "a.jsonl").read_text(encoding="utf-8"))
    assert record == {"id": "a01-000u-01", "text": "caf\xe9 <&> \"quoted\"  ", "writer": "w01",
                      "strokes": [[[100, 200], [110, 180], [-5, 0]], [[130.5, 190.25]]]}


def test_json_keeps_an_inks_plain_meta_and_reads_it_back(tmp_path):
    ink = sample_inks()[0]
    ink.meta = {"seed": np.int64(7), "bias": 1.0, "hit_cap": False, "prime_text": None,
                "sizes": (1, 2.5), "form": "a01-000u",
                "array": np.zeros(3), "nan": float("nan"), "nested": {"a": 1}, 5: "key"}
    write_inks([ink], tmp_path / "a.jsonl")
    record = json.loads((tmp_path / "a.jsonl").read_text(encoding="utf-8"))
    kept = {"seed": 7, "bias": 1.0, "hit_cap": False, "prime_text": None, "sizes": [1, 2.5],
            "form": "a01-000u"}
    assert record["meta"] == kept
    back = read_ink(tmp_path / "a.jsonl")
    assert back.meta == kept and type(back.meta["seed"]) is int


def test_a_pretty_printed_json_document_is_read(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"id": "x", "text": "t", "strokes": [[[1, 2], [3, 4]]]}, indent=2))
    assert read_ink(path).n_points == 2


def test_an_iam_line_file_without_text_reads_with_empty_text(iam_line_file):
    ink = read_ink(iam_line_file)
    assert ink.text == "" and ink.id == "a01-000u-01" and ink.n_points == 5


@pytest.mark.parametrize("suffix", [".jsonl", ".inkml", ".xml"])
def test_render_draws_every_format(run_cli, tmp_path, suffix):
    src = tmp_path / f"line{suffix}"
    write_inks(sample_inks()[:1], src)
    result = run_cli("render", src, "-o", tmp_path / "out.svg")
    assert result.code == 0, result.err
    assert (tmp_path / "out.svg").read_text().count("<path") >= 2
