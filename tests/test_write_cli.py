"""``writesmooth write`` end to end with tiny random weights written by the test: every output
format, seeds, wrapping, stdin, unknown characters, --biases, --style, the cap warning."""
from __future__ import annotations

import io
import json

import pytest
from lxml import etree

from writesmooth.data.io import read_inks
from writesmooth_lstm_graves.weights import save_weights

from test_render import SVG_NS, read_png
from test_sampler import handwriting, tiny_bundle


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """Weights whose window moves about a character per point: lines end by the stop rule."""
    path = tmp_path_factory.mktemp("weights") / "tiny.pt"
    save_weights(tiny_bundle(0.0), path)
    return path


@pytest.fixture(scope="module")
def frozen_weights(tmp_path_factory):
    """Weights whose window never moves: every line runs into its step cap."""
    path = tmp_path_factory.mktemp("weights") / "frozen.pt"
    save_weights(tiny_bundle(-30.0), path)
    return path


def write(run_cli, weights, *args):
    return run_cli("write", "--weights", weights, *args)


@pytest.mark.parametrize("suffix", [".svg", ".png", ".inkml", ".json"])
def test_every_output_format(run_cli, weights, tmp_path, suffix):
    out = tmp_path / f"hello{suffix}"
    result = write(run_cli, weights, "Hello world", "-o", out, "--seed", "1")
    assert result.code == 0, result.err
    assert f"wrote {out}" in result.out and out.stat().st_size > 0
    if suffix == ".svg":
        assert etree.fromstring(out.read_bytes()).findall(f".//{SVG_NS}path")
    elif suffix == ".png":
        assert (read_png(out)[..., 0] < 128).any()
    else:  # strokes and text, readable back by the dataset readers
        inks = read_inks(out)
        assert [i.text for i in inks] == ["Hello world"] and inks[0].n_points > 1


def test_json_reads_back_one_record_per_line(run_cli, weights, tmp_path):
    out = tmp_path / "page.json"
    text = "the first line is here\n\nand a third one after a blank line"
    result = write(run_cli, weights, text, "--width", "25", "-o", out, "--seed", "2")
    assert result.code == 0, result.err
    inks = read_inks(out)
    assert [i.text for i in inks] == ["the first line is here", "", "and a third one after a",
                                      "blank line"]
    assert inks[1].is_empty() and all(not inks[i].is_empty() for i in (0, 2, 3))
    assert [i.id for i in inks] == ["line-1", "line-2", "line-3", "line-4"]


def test_json_records_how_each_line_was_written(run_cli, weights, tmp_path):
    """The seed, bias and candidates are kept in each record's "meta", enough to write the same
    strokes again."""
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert write(run_cli, weights, "kept", "-o", a, "--bias", "1.5", "--candidates", "2").code == 0
    (ink,) = read_inks(a)
    meta = ink.meta
    assert meta["bias"] == 1.5 and meta["candidates"] == 2 and isinstance(meta["seed"], int)
    again = write(run_cli, weights, "kept", "-o", b, "--bias", str(meta["bias"]),
                  "--candidates", str(meta["candidates"]), "--seed", str(meta["seed"]))
    assert again.code == 0 and a.read_bytes() == b.read_bytes()


def test_same_seed_same_strokes(run_cli, weights, tmp_path):
    a, b, c = (tmp_path / n for n in ("a.json", "b.json", "c.json"))
    for out, seed in ((a, "5"), (b, "5"), (c, "6")):
        assert write(run_cli, weights, "same seed", "-o", out, "--seed", seed).code == 0
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_seed_is_printed_when_drawn(run_cli, weights, tmp_path):
    result = write(run_cli, weights, "abc", "-o", tmp_path / "a.json")
    seed = result.out.split("seed ")[1].split()[0]
    again = write(run_cli, weights, "abc", "-o", tmp_path / "b.json", "--seed", seed)
    assert again.code == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_text_from_file_and_stdin(run_cli, weights, tmp_path, monkeypatch):
    src = tmp_path / "text.txt"
    src.write_text("from a file\n", encoding="utf-8")
    assert write(run_cli, weights, "--text-file", src, "-o", tmp_path / "f.json").code == 0
    assert [i.text for i in read_inks(tmp_path / "f.json")] == ["from a file"]
    monkeypatch.setattr("sys.stdin", io.StringIO("from stdin"))
    assert write(run_cli, weights, "-o", tmp_path / "s.json").code == 0
    assert [i.text for i in read_inks(tmp_path / "s.json")] == ["from stdin"]


def test_no_text_is_one_clear_error(run_cli, weights, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("   \n"))
    result = write(run_cli, weights, "-o", tmp_path / "x.png")
    assert result.code == 2 and result.err_lines == ["error: no text to write: the text is empty"]


def test_strict_refuses_unknown_characters_naming_them(run_cli, weights, tmp_path):
    result = write(run_cli, weights, "Grüße für 5€", "--strict", "-o", tmp_path / "x.png")
    assert result.code == 2
    assert len(result.err_lines) == 1
    for ch in ("'ü'", "'ß'", "'€'"):
        assert ch in result.err
    assert "--replace-unknown" in result.err
    assert not (tmp_path / "x.png").exists()


def test_unknown_characters_are_drawn_and_one_without_a_glyph_is_named(run_cli, weights,
                                                                      tmp_path):
    out = tmp_path / "x.json"
    result = write(run_cli, weights, "Grüße für 5", "-o", out, "--seed", "1")
    assert result.code == 0, result.err
    assert "single-stroke font" in result.out and "ß" in result.out
    (ink,) = read_inks(out)
    assert ink.text == "Grüße für 5" and ink.meta["font_characters"] == ["ü", "ß", "ü", "5"]
    result = write(run_cli, weights, "Grüße für 5 字", "-o", tmp_path / "y.png")
    assert result.code == 2 and len(result.err_lines) == 1
    assert "'字'" in result.err and "'ü'" not in result.err
    assert not (tmp_path / "y.png").exists()


def test_replace_unknown(run_cli, weights, tmp_path):
    out = tmp_path / "x.json"
    result = write(run_cli, weights, "Grüße – “café”", "--replace-unknown", "-o", out)
    assert result.code == 0, result.err
    assert "'ü'->'u'" in result.err and "'ß'->'ss'" in result.err  # what was replaced is said
    # – and “ ” have no close character in this alphabet: spaces, then wrapped as usual
    assert read_inks(out)[0].text == "Grusse cafe"


def test_replace_unknown_keeps_line_breaks(run_cli, weights, tmp_path):
    out = tmp_path / "x.json"
    result = write(run_cli, weights, "naïve\n\nrésumé", "--replace-unknown", "-o", out)
    assert result.code == 0, result.err
    assert [i.text for i in read_inks(out)] == ["naive", "", "resume"]


def test_biases_figure_has_one_labelled_row_per_bias(run_cli, weights, tmp_path):
    out = tmp_path / "grid.svg"
    result = write(run_cli, weights, "bias grid", "--biases", "0,0.1,0.5,2,5,10", "-o", out,
                   "--seed", "3")
    assert result.code == 0, result.err
    labels = [t.text for t in etree.fromstring(out.read_bytes()).iter(f"{SVG_NS}text")]
    assert labels == ["bias 0", "bias 0.1", "bias 0.5", "bias 2", "bias 5", "bias 10"]


def test_bad_biases(run_cli, weights, tmp_path):
    result = write(run_cli, weights, "x", "--biases", "0,a", "-o", tmp_path / "x.png")
    assert result.code == 2 and "--biases" in result.err


def test_style_priming(run_cli, weights, tmp_path):
    style = tmp_path / "style.json"
    strokes = [s.tolist() for s in handwriting("my own hand").strokes]
    style.write_text(json.dumps({"id": "s", "text": "my own hand", "strokes": strokes}))
    out = tmp_path / "styled.json"
    result = write(run_cli, weights, "in my hand", "--style", style, "-o", out, "--seed", "1")
    assert result.code == 0, result.err
    assert read_inks(out)[0].text == "in my hand"


def test_style_without_transcript(run_cli, frozen_weights, tmp_path, iam_line_file):
    result = write(run_cli, frozen_weights, "text", "--style", iam_line_file,
                   "-o", tmp_path / "x.png")
    assert result.code == 2 and "--style-text" in result.err
    result = write(run_cli, frozen_weights, "text", "--style", iam_line_file,
                   "--style-text", "hi", "-o", tmp_path / "x.png")
    assert result.code == 0, result.err


def test_cap_is_reported(run_cli, frozen_weights, tmp_path):
    result = write(run_cli, frozen_weights, "never ends", "-o", tmp_path / "x.json")
    assert result.code == 0
    assert "warning: line 'never ends' reached the step cap" in result.err
    from writesmooth_lstm_graves.writing import REDRAWS

    assert f"in all {REDRAWS + 1} draws; it is cut there" in " ".join(result.err.split())


def test_a_line_that_stalled_in_every_draw_is_reported(run_cli, weights, tmp_path, monkeypatch):
    from writesmooth_lstm_graves import draw, writing

    monkeypatch.setattr(draw, "STALL_STEPS", 0)  # every line now counts as stalled
    result = write(run_cli, weights, "stalls", "-o", tmp_path / "x.json")
    assert result.code == 0
    err = " ".join(result.err.split())
    draws = writing.REDRAWS + 1
    assert ("line 'stalls' may hold a scribble: the model lost its place in it "
            f"in all {draws} draws") in err
    (ink,) = read_inks(tmp_path / "x.json")
    assert ink.meta["stalled"] and ink.meta["redraws"] == writing.REDRAWS and ink.meta["dwell"] > 0


def test_candidates_reach_the_model(run_cli, weights, tmp_path):
    """--candidates N writes what the model's best of N is for that seed (loaded as the CLI
    loads it: with the bundled reader where it fits the weights)."""
    from writesmooth_lstm_graves.models import LstmGraves

    out = tmp_path / "best.json"
    result = write(run_cli, weights, "Hello world", "--candidates", "3", "--seed", "4", "-o", out)
    assert result.code == 0, result.err
    (ink,) = read_inks(out)
    from writesmooth_lstm_graves.models import SearchOptions

    (want,) = LstmGraves.load(weights).write(["Hello world"], seed=4,
                                             options=SearchOptions(candidates=3))
    assert ink.same_as(want, atol=1e-3)
    assert ink.meta["candidates"] == 3


def test_search_reaches_the_model_and_a_bad_one_is_one_error_line(run_cli, weights, tmp_path):
    """Word by word is the default with the bundled reader; --search lines keeps whole lines."""
    out = tmp_path / "w.json"
    for flag, search in ((), "words"), (("--search", "lines"), None):
        result = write(run_cli, weights, "Hello world", "--candidates", "2", "--seed", "1",
                       *flag, "-o", out)
        assert result.code == 0, result.err
        (ink,) = read_inks(out)
        assert ink.meta.get("search") == search and ink.meta["candidates"] == 2
    result = write(run_cli, weights, "Hello", "--search", "letters", "-o", out)
    assert result.code == 2
    assert result.err.strip() == "error: --search must be one of words, lines, got 'letters'"


def test_zero_candidates_is_refused(run_cli, weights, tmp_path):
    result = write(run_cli, weights, "x", "--candidates", "0", "-o", tmp_path / "x.png")
    assert result.code == 2 and "--candidates" in result.err


def test_unknown_suffix_lists_figures_and_ink_files(run_cli, weights, tmp_path):
    result = write(run_cli, weights, "x", "-o", tmp_path / "x.gif")
    assert result.code == 2
    assert ".png" in result.err and ".svg" in result.err and ".inkml" in result.err


def test_model_without_write(run_cli, tmp_path):
    result = run_cli("write", "x", "--model", "gan-stub", "-o", tmp_path / "x.png")
    assert result.code == 2 and "cannot write" in result.err


def test_bad_weights_file(run_cli, tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not torch")
    result = run_cli("write", "x", "--weights", bad, "-o", tmp_path / "x.png")
    assert result.code == 2 and "not a readable weights file" in result.err


def test_cuda_without_a_gpu(run_cli, weights, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    result = write(run_cli, weights, "x", "--device", "cuda", "-o", tmp_path / "x.png")
    assert result.code == 2 and "no CUDA GPU is available" in result.err
