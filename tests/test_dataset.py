"""The IAM-OnDB dataset layer on a tiny database that the tests write themselves: pairing,
splits, every kind of bad input skipped with its reason, archives, the cache, the fast path."""
from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest

from writesmooth import WritesmoothError
from writesmooth.data.dataset import Dataset, Skipped, load_dataset

# --- a tiny IAM-OnDB, written by the tests -----------------------------------------------------
HEADER = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<WhiteboardCaptureSession>
  <WhiteboardDescription>
    <SensorLocation corner="top_left"/>
    <DiagonallyOppositeCoords x="6512" y="1376"/>
  </WhiteboardDescription>
"""


def line_xml(strokes, *, header: bytes = HEADER) -> bytes:
    """A line file in the distribution's exact layout (so the fast path takes it)."""
    out = [header, b"  <StrokeSet>\n"]
    t = 100.0
    for stroke in strokes:
        out.append(f'    <Stroke colour="black" start_time="{t:.2f}" end_time="{t + 1:.2f}">\n'
                   .encode())
        for x, y in stroke:
            out.append(f'      <Point x="{x}" y="{y}" time="{t:.2f}"/>\n'.encode())
            t += 0.01
        out.append(b"    </Stroke>\n")
    out.append(b"  </StrokeSet>\n</WhiteboardCaptureSession>\n")
    return b"".join(out)


def strokes_for(seed: int, n_strokes: int = 3):
    rng = np.random.default_rng(seed)
    return [[(int(x), int(y)) for x, y in rng.integers(-50, 7000, size=(rng.integers(1, 9), 2))]
            for _ in range(n_strokes)]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<WhiteboardCaptureSession><StrokeSet><Stroke><Point x="1" y="2" time="&lol3;"/></Stroke>
</StrokeSet></WhiteboardCaptureSession>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<WhiteboardCaptureSession><StrokeSet><Stroke><Point x="1" y="2" time="&secret;"/></Stroke>
</StrokeSet></WhiteboardCaptureSession>
"""

# form -> (line files {number: bytes}, CSR lines or None for no ascii file)
GOOD = {
    "a01-000u": ({1: line_xml(strokes_for(1)), 2: line_xml(strokes_for(2)),
                  3: line_xml(strokes_for(3))},
                 ["A MOVE to stop Mr . Gaitskell ", 'from "nominating" any', "caf\xe9 au lait"]),
    "a01-001": ({0: line_xml(strokes_for(4)), 1: line_xml(strokes_for(5, 1))},
                ["the first line is numbered 00", "and this one 01"]),
    "a02-010": ({1: line_xml(strokes_for(6), header=HEADER.replace(
        b"</WhiteboardDescription>", b'</WhiteboardDescription>\n  <Form writerID="w042"/>'))},
                ["one line"]),
}
BAD = {  # form -> (line files, CSR lines, reason the report must give)
    "b01-000": ({1: line_xml(strokes_for(7))[:-40]}, ["malformed"], "malformed XML"),
    "b01-001": ({1: BOMB}, ["bomb"], "DOCTYPE"),
    "b01-002": ({1: EXTERNAL}, ["external entity"], "DOCTYPE"),
    "b01-003": ({1: line_xml([[], []])}, ["no points"], "no points"),
    "b01-004": ({1: line_xml([[(1, 2), ("12a", 5)]])}, ["not a number"], "non-numeric"),
    "b01-005": ({1: line_xml(strokes_for(8))}, None, "no transcript"),
    "b01-006": ({1: line_xml(strokes_for(9)), 2: line_xml(strokes_for(10)),
                 3: line_xml(strokes_for(11))}, ["only", "two"], "3 line files but 2 CSR lines"),
}
SPLITS = {"trainset": " a01-000u\n a01-001\n b01-000\n b01-006\n", "testset_v": "a02-010\n",
          "testset_f": " a01-001\n"}


def ascii_text(csr: list[str]) -> bytes:
    return ("OCR:\n\nsomething else entirely\n\nCSR:\n\n" + "\n".join(csr) + "\n").encode("latin-1")


def build_iam(root: Path, *, bad: bool = True, splits: bool = True) -> Path:
    """``root`` with ``lineStrokes/``, ``ascii/`` and ``task1/`` like the distribution."""
    forms = {f: (lines, csr) for f, (lines, csr) in GOOD.items()}
    if bad:
        forms.update({f: (lines, csr) for f, (lines, csr, _) in BAD.items()})
    for form, (lines, csr) in forms.items():
        group = form.split("-")[0]
        folder = root / "lineStrokes" / group / form[:7]
        folder.mkdir(parents=True, exist_ok=True)
        for number, data in lines.items():
            (folder / f"{form}-{number:02d}.xml").write_bytes(data)
        if csr is not None:
            text_dir = root / "ascii" / group / form[:7]
            text_dir.mkdir(parents=True, exist_ok=True)
            (text_dir / f"{form}.txt").write_bytes(ascii_text(csr))
    if splits:
        (root / "task1").mkdir(exist_ok=True)
        for name, text in SPLITS.items():
            (root / "task1" / f"{name}.txt").write_text(text)
    return root


def build_archives(src: Path, dest: Path) -> Path:
    """``dest`` with ``lineStrokes-all.tar.gz`` and ``ascii-all.tar.gz`` made from ``src``."""
    dest.mkdir(parents=True, exist_ok=True)
    for folder, archive in (("lineStrokes", "lineStrokes-all"), ("ascii", "ascii-all")):
        with tarfile.open(dest / f"{archive}.tar.gz", "w:gz") as tar:
            tar.add(src / folder, arcname=f"{archive}/{folder}")
    if (src / "task1").is_dir():
        (dest / "task1").mkdir(exist_ok=True)
        for f in (src / "task1").iterdir():
            (dest / "task1" / f.name).write_bytes(f.read_bytes())
    return dest


@pytest.fixture
def iam_root(tmp_path) -> Path:
    return build_iam(tmp_path / "iam")


@pytest.fixture(autouse=True)
def _cache_home(tmp_path, monkeypatch):
    """No test writes to the user's real cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def load(path, **kw) -> Dataset:
    kw.setdefault("use_cache", False)
    return load_dataset(path, **kw)


def expected_points(form: str, number: int) -> np.ndarray:
    lines = (GOOD.get(form) or BAD[form])[0]
    from writesmooth.data.iam_xml import parse_iam_strokes
    return np.concatenate(parse_iam_strokes(lines[number], "x")[0])


# --- pairing and text --------------------------------------------------------------------------
def test_lines_are_paired_in_order_with_their_csr_lines_kept_exactly(iam_root):
    ds = load(iam_root)
    ids = [ink.id for ink in ds.lines]
    assert ids == ["a01-000u-01", "a01-000u-02", "a01-000u-03", "a01-001-00", "a01-001-01",
                   "a02-010-01"]
    by_id = {ink.id: ink for ink in ds.lines}
    assert by_id["a01-000u-01"].text == "A MOVE to stop Mr . Gaitskell "  # trailing space kept
    assert by_id["a01-000u-03"].text == "caf\xe9 au lait"  # ISO-8859-1 decoded
    assert by_id["a01-001-00"].text == "the first line is numbered 00"
    assert by_id["a01-000u-02"].meta["form"] == "a01-000u"
    assert by_id["a01-000u-02"].writer is None
    assert by_id["a02-010-01"].writer == "w042"  # where a line file has <Form writerID>
    assert by_id["a01-000u-02"].source.endswith("a01-000u-02.xml")
    for ink in ds.lines:
        form, number = ink.id.rsplit("-", 1)
        np.testing.assert_array_equal(ink.points(), expected_points(form, int(number)))
        assert ink.strokes[0].dtype == np.float32


def test_every_bad_input_is_skipped_with_its_reason(iam_root):
    ds = load(iam_root)
    assert all(isinstance(s, Skipped) for s in ds.skipped)
    for form, (_, _, reason) in BAD.items():
        mine = [s for s in ds.skipped if form in s.source or f"form {form}" in s.reason]
        assert len(mine) == 1, (form, ds.skipped)
        assert reason in mine[0].reason, (form, mine[0])
    assert not any(ink.meta["form"].startswith("b01") for ink in ds.lines)


def test_the_external_entity_is_never_read(iam_root):
    ds = load(iam_root)
    assert not any("root:" in ink.text for ink in ds.lines)
    reason = next(s.reason for s in ds.skipped if "b01-002" in s.source)
    assert "passwd" not in reason and "root:" not in reason


def test_a_form_without_a_transcript_reports_the_missing_file(iam_root):
    ds = load(iam_root)
    (missing,) = [s for s in ds.skipped if "b01-005" in s.reason]
    assert missing.source.endswith("ascii/b01/b01-005/b01-005.txt")


# --- splits ------------------------------------------------------------------------------------
def test_splits_with_leading_spaces_and_unions(iam_root):
    ds = load(iam_root)
    assert ds.splits["trainset"] == {"a01-000u", "a01-001", "b01-000", "b01-006"}
    assert [i.id for i in ds.select("testset_v")] == ["a02-010-01"]
    assert len(ds.select("trainset")) == 5
    assert len(ds.select("trainset+testset_v")) == 6
    assert len(ds.select("trainset+testset_f")) == 5  # a01-001 is in both: counted once
    assert len(ds.select(None)) == len(ds.lines) == 6


def test_an_unknown_split_names_the_valid_ones(iam_root):
    ds = load(iam_root)
    with pytest.raises(WritesmoothError, match="testset_f, testset_v, trainset"):
        ds.select("trainset+nope")


def test_without_split_files_select_says_so(tmp_path):
    ds = load(build_iam(tmp_path / "iam", splits=False))
    assert ds.splits == {}
    with pytest.raises(WritesmoothError, match="no split lists"):
        ds.select("trainset")


# --- locations ---------------------------------------------------------------------------------
def test_archives_give_the_same_dataset_as_folders(iam_root, tmp_path):
    folders = load(iam_root)
    archives = load(build_archives(iam_root, tmp_path / "dist"))
    assert [i.id for i in archives.lines] == [i.id for i in folders.lines]
    assert all(a.same_as(b) for a, b in zip(archives.lines, folders.lines))
    assert archives.lines[0].source.endswith(
        "lineStrokes-all.tar.gz:lineStrokes-all/lineStrokes/a01/a01-000/a01-000u-01.xml")
    assert sorted(s.reason for s in archives.skipped) == sorted(s.reason for s in folders.skipped)
    assert archives.splits == folders.splits


@pytest.mark.parametrize("layout", ["folders", "archives"])
def test_two_worker_processes_give_the_same_lines(iam_root, tmp_path, layout):
    path = iam_root if layout == "folders" else build_archives(iam_root, tmp_path / "dist")
    one, two = load(path, workers=1), load(path, workers=2)
    assert [i.id for i in one.lines] == [i.id for i in two.lines]
    assert all(a.same_as(b) for a, b in zip(one.lines, two.lines))
    assert sorted(map(str, one.skipped)) == sorted(map(str, two.skipped))


@pytest.mark.parametrize("failure", ["dies", "talks nonsense"])
def test_what_a_failed_worker_had_is_parsed_again(iam_root, tmp_path, monkeypatch, failure):
    from writesmooth.data import iam_parse

    def broken(conn):  # runs in the forked worker
        if failure == "dies":
            os._exit(1)
        while conn.recv_bytes():
            pass
        conn.send_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00nope!")

    dist = build_archives(iam_root, tmp_path / "dist")
    expected = load(dist, workers=1)
    monkeypatch.setattr(iam_parse, "_worker", broken)
    got = load(dist, workers=2)
    assert [i.id for i in got.lines] == [i.id for i in expected.lines]
    assert all(a.same_as(b) for a, b in zip(got.lines, expected.lines))


def test_a_damaged_archive_is_reported_not_raised(iam_root, tmp_path):
    dist = build_archives(iam_root, tmp_path / "dist")
    archive = dist / "lineStrokes-all.tar.gz"
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    try:
        ds = load(dist)
    except WritesmoothError as exc:  # if nothing usable survived, one clear error instead
        assert "no usable line" in str(exc)
        return
    assert any("damaged archive" in s.reason for s in ds.skipped)


def test_no_usable_line_is_one_clear_error(tmp_path):
    root = tmp_path / "iam"
    (root / "lineStrokes" / "b01" / "b01-000").mkdir(parents=True)
    (root / "lineStrokes" / "b01" / "b01-000" / "b01-000-01.xml").write_bytes(b"<broken")
    (root / "ascii" / "b01" / "b01-000").mkdir(parents=True)
    (root / "ascii" / "b01" / "b01-000" / "b01-000.txt").write_bytes(ascii_text(["a line"]))
    with pytest.raises(WritesmoothError, match="no usable line .malformed XML") as info:
        load(root)
    assert "\n" not in str(info.value)


def test_line_files_without_any_transcripts_is_one_clear_error(iam_root):
    import shutil

    shutil.rmtree(iam_root / "ascii")
    with pytest.raises(WritesmoothError, match="no transcripts: no ascii-all/ or ascii/"):
        load(iam_root)


def test_a_missing_location_is_one_clear_error(tmp_path):
    with pytest.raises(WritesmoothError, match="no such file or folder"):
        load(tmp_path / "nowhere")


def test_a_folder_that_is_no_dataset_is_one_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(WritesmoothError, match="no usable line"):
        load(tmp_path / "empty")


def test_a_jsonl_file_and_a_folder_of_ink_files_are_datasets_too(iam_root, tmp_path):
    from writesmooth.data.io import write_inks

    lines = load(iam_root).lines
    write_inks(lines, tmp_path / "lines.jsonl")
    from_file = load(tmp_path / "lines.jsonl")
    assert [i.id for i in from_file.lines] == [i.id for i in lines]
    folder = tmp_path / "inks"
    folder.mkdir()
    for ink in lines[:2]:
        write_inks([ink], folder / f"{ink.id}.inkml")
    (folder / "broken.inkml").write_text("<ink><trace>1 2, x y</trace></ink>")
    from_folder = load(folder)
    assert [i.text for i in from_folder.lines] == [i.text for i in lines[:2]]
    assert [s.reason for s in from_folder.skipped] and "not numeric" in from_folder.skipped[0].reason


# --- the cache ---------------------------------------------------------------------------------


def test_a_progress_bar_does_not_disturb_a_load(iam_root, capsys):
    assert len(load(iam_root, progress=True)) == 6
    assert capsys.readouterr().out == ""
