"""The real IAM-OnDB in ``../shared/iam-ondb`` (skipped where it is absent): its known line and
split counts, the CLI on it, and exports that read back equal. The database is read once per
test run into a cache in a temporary folder; the other tests use that cache."""
from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SHARED_IAM

from writesmooth.data.dataset import load_dataset
from writesmooth.data.io import read_ink, read_inks

pytestmark = [pytest.mark.shared, pytest.mark.slow]

SPLIT_LINES = {"trainset": 5355, "testset_v": 1438, "testset_t": 1518, "testset_f": 2886}


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    # the ``shared_iam`` fixture is per test, which a fixture kept for the module cannot use
    if not (SHARED_IAM / "lineStrokes-all.tar.gz").is_file():
        pytest.skip(f"real IAM-OnDB data not found at {SHARED_IAM}")
    cache = tmp_path_factory.mktemp("iam-cache")
    ds = load_dataset(SHARED_IAM, cache_dir=cache)
    assert ds.cache == "written"
    return cache, ds


def test_every_line_is_paired_but_the_two_forms_that_cannot_be(shared_cache):
    _, ds = shared_cache
    assert len(ds.lines) == 11205
    assert ds.store.line_files == 11222
    skipped = {s.source.rsplit("/", 1)[-1]: s.reason for s in ds.skipped}
    assert skipped == {
        "a08-551z.txt": "form a08-551z has 9 line files but 8 CSR lines: not paired (which line "
                        "is missing cannot be told)",
        "z01-000z.txt": "form z01-000z has 8 line files but 1 CSR lines: not paired (which line "
                        "is missing cannot be told)"}


def test_split_sizes(shared_cache):
    _, ds = shared_cache
    assert {name: len(ds.select(name)) for name in SPLIT_LINES} == SPLIT_LINES
    assert "a08-551z" in ds.splits["trainset"]
    assert len(ds.select("trainset+testset_t+testset_f")) == 5355 + 1518 + 2886
    assert not {"z00-001", "z01-000"} & set().union(*ds.splits.values())


def test_a_known_line(shared_cache):
    _, ds = shared_cache
    first = ds.lines[0]
    assert (first.id, first.text, first.meta["form"]) == (
        "a01-000u-01", "A MOVE to stop Mr . Gaitskell", "a01-000u")
    assert first.source.endswith("lineStrokes-all.tar.gz:lineStrokes-all/lineStrokes/a01/"
                                 "a01-000/a01-000u-01.xml")
    assert first.strokes[0][0].tolist() == [1073.0, 1058.0]


def test_the_cache_is_small_and_reads_back_the_same(shared_cache, shared_iam):
    cache, ds = shared_cache
    again = load_dataset(shared_iam, cache_dir=cache)
    assert again.cache == "hit"
    assert again.cache_path.stat().st_size < 30e6
    np.testing.assert_array_equal(again.store.points, ds.store.points)
    assert again.store.texts == ds.store.texts and again.store.ids == ds.store.ids


def test_data_stats_json(run_cli, shared_cache, shared_iam):
    cache, _ = shared_cache
    result = run_cli("data", "stats", shared_iam, "--json", "--cache-dir", cache)
    assert result.code == 0, result.err
    figures = json.loads(result.out)
    assert figures["lines"] == 11205 and figures["skipped_line_files"] == 17
    assert {n: s["lines"] for n, s in figures["splits"].items()} == SPLIT_LINES
    assert len(figures["skipped"]) == 2 and figures["cache"]["status"] == "hit"
    assert figures["writers"] is None  # the line files do not say who wrote them


@pytest.mark.parametrize("fmt, out", [("jsonl", "v.jsonl"), ("inkml", "v.inkml"),
                                      ("iam", "v-iam")])
def test_export_of_the_shared_data_round_trips(run_cli, shared_cache, shared_iam, tmp_path,
                                                fmt, out):
    cache, ds = shared_cache
    target = tmp_path / out
    result = run_cli("data", "export", shared_iam, "-o", target, "--format", fmt,
                     "--split", "testset_v", "--cache-dir", cache)
    assert result.code == 0, result.err
    original = ds.select("testset_v")
    back = ([read_ink(target / f"{ink.id}.xml") for ink in original] if target.is_dir()
            else read_inks(target))
    assert [b.id for b in back] == [o.id for o in original]
    assert all(b.same_as(o) for b, o in zip(back, original))
