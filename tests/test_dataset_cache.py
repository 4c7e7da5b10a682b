"""The dataset cache: written once, then used; read again when its source changed; safe to
load (no pickle); never in the way of a load."""
from __future__ import annotations

import os

import numpy as np

from writesmooth.data.dataset import load_dataset
from test_dataset import (_cache_home, ascii_text, build_archives, build_iam,  # noqa: F401
                          iam_root, line_xml, load)


def test_the_cache_is_written_then_used_and_equals_a_fresh_read(iam_root, tmp_path):
    cache = tmp_path / "cache"
    first = load(iam_root, use_cache=True, cache_dir=cache)
    assert first.cache == "written" and first.cache_path.parent == cache
    second = load(iam_root, use_cache=True, cache_dir=cache)
    assert second.cache == "hit"
    assert [i.id for i in second.lines] == [i.id for i in first.lines]
    assert all(a.same_as(b) and a.writer == b.writer and a.source == b.source
               and a.meta == b.meta for a, b in zip(second.lines, first.lines))
    assert second.skipped == first.skipped and second.splits == first.splits



def test_the_cache_loads_without_pickle_and_holds_no_objects(iam_root, tmp_path):
    ds = load(iam_root, use_cache=True, cache_dir=tmp_path / "cache")
    with np.load(ds.cache_path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    assert all(a.dtype != object for a in arrays.values())
    assert arrays["points"].dtype == np.int16  # integer coordinates: int16 steps, lossless



def test_the_default_cache_folder_is_under_the_user_cache(iam_root, tmp_path):
    ds = load(iam_root, use_cache=True)
    assert ds.cache_path.parent == tmp_path / "xdg-cache" / "writesmooth"



def test_a_changed_source_is_read_again(iam_root, tmp_path):
    cache = tmp_path / "cache"
    load(iam_root, use_cache=True, cache_dir=cache)
    text = iam_root / "ascii" / "a02" / "a02-010" / "a02-010.txt"
    text.write_bytes(ascii_text(["a new transcript"]))
    os.utime(text, ns=(text.stat().st_atime_ns, text.stat().st_mtime_ns + 10**9))
    again = load(iam_root, use_cache=True, cache_dir=cache)
    assert again.cache == "written"
    assert {i.id: i.text for i in again.lines}["a02-010-01"] == "a new transcript"



def test_a_new_cache_removes_the_stale_one_of_the_same_location(iam_root, tmp_path):
    """A changed source means a new key and a new cache file; the old one of that location is
    never read again and goes. Caches of other locations and foreign files stay."""
    import shutil

    cache = tmp_path / "cache"
    stale = load(iam_root, use_cache=True, cache_dir=cache).cache_path
    copy = shutil.copytree(iam_root, tmp_path / "copy")
    other = load(copy, use_cache=True, cache_dir=cache).cache_path
    foreign = cache / "iam-ondb-not-a-cache.npz"
    foreign.write_bytes(b"not a zip")
    text = iam_root / "ascii" / "a02" / "a02-010" / "a02-010.txt"
    os.utime(text, ns=(text.stat().st_atime_ns, text.stat().st_mtime_ns + 10**9))
    fresh = load(iam_root, use_cache=True, cache_dir=cache)
    assert fresh.cache == "written" and fresh.cache_path != stale
    assert not stale.exists()
    assert fresh.cache_path.exists() and other.exists() and foreign.exists()
    assert load(copy, use_cache=True, cache_dir=cache).cache == "hit"



def test_a_changed_archive_is_read_again(iam_root, tmp_path):
    dist = build_archives(iam_root, tmp_path / "dist")
    cache = tmp_path / "cache"
    assert load(dist, use_cache=True, cache_dir=cache).cache == "written"
    assert load(dist, use_cache=True, cache_dir=cache).cache == "hit"
    (iam_root / "ascii" / "a02" / "a02-010" / "a02-010.txt").write_bytes(ascii_text(["changed"]))
    build_archives(iam_root, dist)
    again = load(dist, use_cache=True, cache_dir=cache)
    assert again.cache == "written"
    assert "changed" in [i.text for i in again.lines]



def test_a_damaged_cache_is_replaced(iam_root, tmp_path):
    cache = tmp_path / "cache"
    path = load(iam_root, use_cache=True, cache_dir=cache).cache_path
    path.write_bytes(b"PK\x03\x04 not really a zip")
    again = load(iam_root, use_cache=True, cache_dir=cache)
    assert again.cache == "written" and len(again) == 6



def test_no_cache_writes_nothing(iam_root, tmp_path):
    ds = load(iam_root, use_cache=False, cache_dir=tmp_path / "cache")
    assert ds.cache == "off" and not (tmp_path / "cache").exists()



def test_the_cache_file_itself_is_a_dataset_location(iam_root, tmp_path):
    ds = load(iam_root, use_cache=True, cache_dir=tmp_path / "cache")
    moved = tmp_path / "elsewhere" / "iam.npz"
    moved.parent.mkdir()
    ds.cache_path.rename(moved)
    again = load_dataset(moved)
    assert again.cache == "file"
    assert [i.id for i in again.lines] == [i.id for i in ds.lines]
    assert all(a.same_as(b) for a, b in zip(again.lines, ds.lines))
    assert len(again.select("trainset")) == 5



def test_non_integer_points_are_cached_as_float32(tmp_path):
    root = build_iam(tmp_path / "iam", bad=False)
    path = root / "lineStrokes" / "a02" / "a02-010" / "a02-010-01.xml"
    path.write_bytes(line_xml([[(10.25, 20), (11, -21.5)], [(3, 4)]]))
    first = load(root, use_cache=True, cache_dir=tmp_path / "cache")
    with np.load(first.cache_path, allow_pickle=False) as npz:
        assert npz["points"].dtype == np.float32
    second = load(root, use_cache=True, cache_dir=tmp_path / "cache")
    assert all(a.same_as(b) for a, b in zip(first.lines, second.lines))
    assert any(not float(v).is_integer() for i in second.lines for v in i.points().ravel())



def test_a_cache_folder_that_cannot_be_written_does_not_stop_the_load(iam_root, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    ds = load(iam_root, use_cache=True, cache_dir=blocker / "cache")
    assert len(ds) == 6 and ds.cache.startswith("not written")
