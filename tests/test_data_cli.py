"""``writesmooth data stats`` and ``writesmooth data export`` on a tiny database the tests write."""
from __future__ import annotations

import json

import pytest

from test_dataset import BAD, build_archives, build_iam
from writesmooth.data.io import read_ink, read_inks


@pytest.fixture
def iam_root(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return build_iam(tmp_path / "iam")


def stats_json(run_cli, *args):
    result = run_cli("data", "stats", *args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_stats_json_reports_lines_splits_alphabet_and_skips(run_cli, iam_root, tmp_path):
    figures = stats_json(run_cli, iam_root, "--cache-dir", tmp_path / "cache")
    assert figures["lines"] == 6 and figures["forms"] == 3
    assert figures["writers"] == 1  # only a02-010 says who wrote it
    assert figures["splits"] == {"testset_f": {"forms": 1, "lines": 2},
                                 "testset_v": {"forms": 1, "lines": 1},
                                 "trainset": {"forms": 2, "lines": 5}}
    assert figures["characters"] == sum(figures["alphabet"].values())
    assert figures["alphabet"]["\xe9"] == 1
    assert list(figures["alphabet"])[0] == " "  # most frequent first
    assert len(figures["skipped"]) == len(BAD)
    assert any("3 line files but 2 CSR lines" in s["reason"] for s in figures["skipped"])
    assert figures["cache"]["status"] == "written"
    assert stats_json(run_cli, iam_root, "--cache-dir", tmp_path / "cache")["cache"]["status"] \
        == "hit"


def test_stats_of_one_split(run_cli, iam_root):
    figures = stats_json(run_cli, iam_root, "--split", "testset_v", "--no-cache")
    assert (figures["split"], figures["lines"], figures["forms"]) == ("testset_v", 1, 1)
    assert figures["cache"]["status"] == "off"


def test_stats_for_people(run_cli, iam_root):
    result = run_cli("data", "stats", iam_root, "--no-cache")
    assert result.code == 0, result.err
    assert "lines" in result.out and "split trainset" in result.out
    assert "alphabet (" in result.out and "no transcript for form b01-005" in result.out


def test_stats_of_archives(run_cli, iam_root, tmp_path):
    figures = stats_json(run_cli, build_archives(iam_root, tmp_path / "dist"), "--no-cache")
    assert figures["lines"] == 6


def test_an_unknown_split_exits_2_naming_the_valid_ones(run_cli, iam_root):
    result = run_cli("data", "stats", iam_root, "--split", "trainset+nope", "--no-cache")
    assert result.code == 2
    assert result.err_lines == [
        "error: unknown split 'nope' (valid: testset_f, testset_v, trainset; join them with "
        "'+', e.g. testset_f+testset_v)"]


@pytest.mark.parametrize("command", ["stats", "export"])
def test_no_usable_line_exits_2_with_one_line(run_cli, tmp_path, command):
    root = tmp_path / "iam"
    (root / "lineStrokes" / "a01").mkdir(parents=True)
    (root / "lineStrokes" / "a01" / "a01-000-01.xml").write_text("<not xml")
    (root / "ascii" / "a01").mkdir(parents=True)
    (root / "ascii" / "a01" / "a01-000.txt").write_text("CSR:\n\none line\n")
    extra = ["-o", str(tmp_path / "out.jsonl")] if command == "export" else []
    result = run_cli("data", command, root, "--no-cache", *extra)
    assert result.code == 2
    assert len(result.err_lines) == 1 and "no usable line" in result.err_lines[0]
    assert "Traceback" not in result.err


def test_a_missing_path_exits_2(run_cli, tmp_path):
    result = run_cli("data", "stats", tmp_path / "nowhere")
    assert result.code == 2 and "no such file or folder" in result.err


@pytest.mark.parametrize("fmt, out", [("jsonl", "lines.jsonl"), ("inkml", "lines.inkml"),
                                      ("inkml", "inkml-folder"), ("iam", "iam-folder")])
def test_export_round_trips(run_cli, iam_root, tmp_path, fmt, out):
    from writesmooth.data.dataset import load_dataset

    original = load_dataset(iam_root, use_cache=False).lines
    target = tmp_path / out
    result = run_cli("data", "export", iam_root, "-o", target, "--format", fmt, "--no-cache")
    assert result.code == 0, result.err
    assert f"wrote 6 lines to {target}" in result.out
    if target.is_dir():
        suffix = ".xml" if fmt == "iam" else ".inkml"
        back = [read_ink(target / f"{ink.id}{suffix}") for ink in original]
    else:
        back = read_inks(target)
    assert [b.id for b in back] == [o.id for o in original]
    for b, o in zip(back, original):
        assert b.same_as(o), o.id  # points and text
        assert b.writer == o.writer


def test_export_of_a_split_with_the_format_from_the_suffix(run_cli, iam_root, tmp_path):
    result = run_cli("data", "export", iam_root, "-o", tmp_path / "v.jsonl", "--split",
                     "testset_v", "--no-cache")
    assert result.code == 0, result.err
    (line,) = (tmp_path / "v.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["id"] == "a02-010-01"


def test_export_to_a_folder_defaults_to_json_lines(run_cli, iam_root, tmp_path):
    result = run_cli("data", "export", iam_root, "-o", tmp_path / "out", "--no-cache")
    assert result.code == 0, result.err
    assert len(read_inks(tmp_path / "out" / "lines.jsonl")) == 6


def test_export_refuses_many_lines_in_one_iam_file(run_cli, iam_root, tmp_path):
    result = run_cli("data", "export", iam_root, "-o", tmp_path / "all.xml", "--no-cache")
    assert result.code == 2 and "give a folder" in result.err


def test_export_refuses_an_unknown_format(run_cli, iam_root, tmp_path):
    result = run_cli("data", "export", iam_root, "-o", tmp_path / "x", "--format", "csv",
                     "--no-cache")
    assert result.code == 2 and "unknown export format 'csv'" in result.err


def test_data_stats_reads_a_jsonl_file_too(run_cli, iam_root, tmp_path):
    run_cli("data", "export", iam_root, "-o", tmp_path / "all.jsonl", "--no-cache")
    figures = stats_json(run_cli, tmp_path / "all.jsonl")
    assert figures["lines"] == 6 and figures["splits"] == {}
