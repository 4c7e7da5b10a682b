"""``writesmooth smooth`` end to end with tiny random weights: transcripts from the file or
--text, clear errors, --side-by-side, --biases, ink outputs, and a real IAM-OnDB line."""
from __future__ import annotations

import json
import tarfile

import pytest
from lxml import etree

from writesmooth.data.io import read_inks
from writesmooth_lstm_graves.weights import save_weights

from test_render import SVG_NS, read_png
from test_sampler import handwriting, tiny_bundle


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "tiny.pt"
    # the window moves about a character per 12 points: still inside the text after priming
    # with a sample of 20 points per character (a faster one passes the end while priming,
    # and the smoothed line is empty)
    save_weights(tiny_bundle(-2.5), path)
    return path


@pytest.fixture
def sample_json(tmp_path):
    path = tmp_path / "mine.json"
    ink = handwriting("my handwriting")
    path.write_text(json.dumps({"id": "mine", "text": ink.text,
                                "strokes": [s.tolist() for s in ink.strokes]}))
    return path


def smooth(run_cli, weights, *args):
    return run_cli("smooth", "--weights", weights, *args)


def test_smooth_json_with_its_transcript(run_cli, weights, sample_json, tmp_path):
    out = tmp_path / "smooth.json"
    result = smooth(run_cli, weights, sample_json, "-o", out, "--seed", "1")
    assert result.code == 0, result.err
    (ink,) = read_inks(out)
    assert ink.text == "my handwriting" and ink.n_points > 1


def test_smooth_png_and_inkml(run_cli, weights, sample_json, tmp_path):
    for suffix in (".png", ".inkml"):
        out = tmp_path / f"smooth{suffix}"
        assert smooth(run_cli, weights, sample_json, "-o", out, "--seed", "1").code == 0
    assert (read_png(tmp_path / "smooth.png")[..., 0] < 128).any()
    assert read_inks(tmp_path / "smooth.inkml")[0].text == "my handwriting"


def test_text_option_overrides_and_without_one_the_reader_reads(run_cli, weights,
                                                               iam_line_file, tmp_path):
    out = tmp_path / "x.json"
    result = smooth(run_cli, weights, iam_line_file, "-o", out)
    # five points are no writing: what the reader makes of them, the tiny model cannot write
    assert "text as the reader reads it" in result.out
    assert result.code == 2 and len(result.err_lines) == 1
    result = smooth(run_cli, weights, iam_line_file, "--text", "hi", "-o", out, "--seed", "0")
    assert result.code == 0, result.err
    assert read_inks(out)[0].text == "hi"


def test_empty_sample_is_one_clear_error(run_cli, weights, tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"id": "e", "text": "words", "strokes": []}))
    result = smooth(run_cli, weights, empty, "-o", tmp_path / "x.png")
    assert result.code == 2 and len(result.err_lines) == 1
    assert "has no handwriting" in result.err


def test_side_by_side_and_biases(run_cli, weights, sample_json, tmp_path):
    out = tmp_path / "sbs.svg"
    result = smooth(run_cli, weights, sample_json, "--side-by-side", "-o", out, "--seed", "2")
    assert result.code == 0, result.err
    labels = [t.text for t in etree.fromstring(out.read_bytes()).iter(f"{SVG_NS}text")]
    assert labels == ["original", "smoothed"]
    result = smooth(run_cli, weights, sample_json, "--side-by-side", "--biases", "0.5,3",
                    "-o", out, "--seed", "2")
    assert result.code == 0, result.err
    labels = [t.text for t in etree.fromstring(out.read_bytes()).iter(f"{SVG_NS}text")]
    assert labels == ["original", "bias 0.5", "bias 3"]


def test_same_seed_same_smoothing(run_cli, weights, sample_json, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for out in (a, b):
        assert smooth(run_cli, weights, sample_json, "-o", out, "--seed", "9").code == 0
    assert a.read_bytes() == b.read_bytes()


def test_several_lines_each_smoothed(run_cli, weights, tmp_path):
    path = tmp_path / "two.jsonl"
    path.write_text("\n".join(json.dumps({"id": t, "text": t, "strokes": [
        s.tolist() for s in handwriting(t).strokes]}) for t in ("first", "second")))
    out = tmp_path / "two.json"
    assert smooth(run_cli, weights, path, "-o", out, "--seed", "1").code == 0
    assert [i.text for i in read_inks(out)] == ["first", "second"]
    result = smooth(run_cli, weights, path, "--text", "x", "-o", out)
    assert result.code == 2 and "--text has 1 line but the sample has 2 lines" in result.err


MEMBER = "a01-000u-01.xml"


@pytest.fixture(scope="module")
def real_line(shared_iam, tmp_path_factory):
    """A real IAM-OnDB line file and its transcript (the first CSR line of form a01-000u)."""
    out = tmp_path_factory.mktemp("iam")
    with tarfile.open(shared_iam / "lineStrokes-all.tar.gz") as archive:
        for member in archive:  # the archive streams; this line is near its start
            if member.isfile() and member.name.endswith(MEMBER):
                archive.extract(member, out, filter="data")
                path = out / member.name
                break
        else:
            pytest.skip(f"{MEMBER} not in the archive")
    with tarfile.open(shared_iam / "ascii-all.tar.gz") as archive:
        for member in archive:
            if member.isfile() and member.name.endswith("a01-000u.txt"):
                text = archive.extractfile(member).read().decode("latin-1")
                break
        else:
            pytest.skip("a01-000u.txt not in the ascii archive")
    csr = [line for line in text.split("CSR:")[1].splitlines() if line.strip()]
    return path, csr[0].strip()


@pytest.mark.shared
def test_smooth_a_real_iam_line(real_line, run_cli, tmp_path):
    # the default window speed (about a character per 20 points) fits a real line's priming
    weights = tmp_path / "default.pt"
    save_weights(tiny_bundle(), weights)
    path, text = real_line
    assert text.startswith("A MOVE to stop")
    out = tmp_path / "real.json"
    result = smooth(run_cli, weights, path, "--text", text, "-o", out, "--seed", "0")
    assert result.code == 0, result.err
    (ink,) = read_inks(out)
    assert ink.text == text and ink.n_points > 10
    figure = tmp_path / "real.png"
    result = smooth(run_cli, weights, path, "--text", text, "-o", figure, "--side-by-side",
                    "--seed", "0")
    assert result.code == 0, result.err
    assert read_png(figure).shape[0] == 320  # two rows

