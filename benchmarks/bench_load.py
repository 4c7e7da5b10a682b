"""Loading the IAM-OnDB: writesmooth against a plain lxml loop, and from its cache.

    python benchmarks/bench_load.py [PATH]      (default: ../shared/iam-ondb from the repo root)

Prints, from one run on this machine:
  reference  a plain single-process loop: stream the archive with tarfile, parse every line file
             with lxml (entities and network off), its points into numpy arrays
  cold       load_dataset(PATH, use_cache=False): everything writesmooth does on a first load
             except writing the cache (pairing, splits and skip report included), with the
             default number of processes (one per idle core), then with 1 and with 2
  careful    the cold load again with every file through the lxml reader (data/iam_xml.py),
             the byte-level fast path (data/iam_fast.py) switched off: what the fast path is worth
  ratio      reference / cold (default); also of CPU seconds (this process and its workers),
             which depend less on what else the machine is doing; and reference / careful
  cache      size of the .npz cache written by a first load
  warm       wall time of `writesmooth data stats PATH --json` in a fresh interpreter with the
             cache in place (best and median of 5), start-up included
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "iam-ondb"


def reference_load(path: Path) -> tuple[int, int]:
    """(line files, points) read the plain way."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    lines = points = 0

    def parse(data: bytes) -> None:
        nonlocal lines, points
        root = etree.fromstring(data, parser)
        strokes = [np.array([(float(p.get("x")), float(p.get("y"))) for p in s.iter("Point")],
                            np.float32) for s in root.iter("Stroke")]
        lines += 1
        points += sum(len(s) for s in strokes)

    archive = path / "lineStrokes-all.tar.gz"
    if archive.is_file():
        with tarfile.open(archive, "r|gz") as tar:
            for member in tar:
                if member.isfile() and member.name.endswith(".xml"):
                    parse(tar.extractfile(member).read())
    else:
        folder = next(p for p in (path / "lineStrokes-all", path / "lineStrokes") if p.is_dir())
        for file in sorted(folder.rglob("*.xml")):
            parse(file.read_bytes())
    return lines, points


def careful_load(path: Path):
    """``load_dataset(path, use_cache=False)`` with the fast path declining every file, so each
    one is parsed by the careful reader. Its worker processes are forked and inherit the switch;
    where they would be spawned instead, it runs in this process alone."""
    from writesmooth.data import iam_parse
    from writesmooth.data.dataset import load_dataset

    fast = iam_parse.fast_line
    iam_parse.fast_line = lambda data: None
    try:
        return load_dataset(path, use_cache=False,
                            workers=None if sys.platform.startswith("linux") else 1)
    finally:
        iam_parse.fast_line = fast


def cpu_seconds() -> float:
    import resource

    own, children = (resource.getrusage(resource.RUSAGE_SELF),
                     resource.getrusage(resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn, *args, **kwargs):
    """(wall seconds, result); the CPU seconds are left in ``timed.cpu``."""
    start, cpu = time.perf_counter(), cpu_seconds()
    result = fn(*args, **kwargs)
    timed.cpu = cpu_seconds() - cpu
    return time.perf_counter() - start, result


def warm_stats(path: Path, cache: Path, runs: int = 5) -> list[float]:
    script = shutil.which("writesmooth")
    command = ([script] if script else [sys.executable, "-m", "writesmooth"]) + [
        "data", "stats", str(path), "--json", "--cache-dir", str(cache)]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("path", nargs="?", type=Path, default=DEFAULT,
                    help=f"the IAM-OnDB folder (default {DEFAULT})")
    path = ap.parse_args().path
    if not path.exists():
        sys.exit(f"no IAM-OnDB at {path}")
    from writesmooth.data.dataset import load_dataset

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"IAM-OnDB at {path} ({cores} cores)")
    for archive in path.glob("*.tar.gz"):  # read once, so neither side pays for the disk
        archive.read_bytes()

    from writesmooth.data.iam_parse import default_workers
    from writesmooth.data.iam_sources import find_sources

    load = os.getloadavg()[0]
    workers = default_workers(find_sources(path)[0])
    cold, ds = timed(load_dataset, path, use_cache=False)
    cold_cpu = timed.cpu
    points = int(ds.store.stroke_lengths.sum())
    print(f"cold load (writesmooth, no cache) {cold:7.2f} s   {len(ds):,} lines paired, "
          f"{points:,} points, {len(ds.skipped)} skipped; {workers} process(es), "
          f"{cold_cpu:.2f} CPU s (load average before: {load:.1f})")
    for n in (1, 2):
        t, _ = timed(load_dataset, path, use_cache=False, workers=n)
        print(f"  cold load with {n} process(es)     {t:7.2f} s   {timed.cpu:.2f} CPU s")
    careful, _ = timed(careful_load, path)
    careful_cpu = timed.cpu
    print(f"  cold load, careful reader only   {careful:7.2f} s   {careful_cpu:.2f} CPU s "
          "(no byte-level fast path)")
    ref, (ref_lines, ref_points) = timed(reference_load, path)
    ref_cpu = timed.cpu
    print(f"reference (lxml loop, 1 process)  {ref:7.2f} s   {ref_lines:,} line files, "
          f"{ref_points:,} points, {ref_cpu:.2f} CPU s")
    print(f"ratio reference / cold            {ref / cold:7.2f} x   (CPU seconds: "
          f"{ref_cpu / cold_cpu:.2f} x)")
    print(f"  without the fast path           {ref / careful:7.2f} x   (CPU seconds: "
          f"{ref_cpu / careful_cpu:.2f} x)")

    with tempfile.TemporaryDirectory() as tmp:
        first, ds = timed(load_dataset, path, cache_dir=tmp)
        size = ds.cache_path.stat().st_size
        print(f"first load, cache written         {first:7.2f} s   cache {size / 1e6:.1f} MB "
              f"({ds.cache_path.name})")
        again, _ = timed(load_dataset, path, cache_dir=tmp)
        print(f"warm load_dataset (in process)    {again:7.3f} s")
        times = warm_stats(path, Path(tmp))
        print(f"warm `writesmooth data stats --json` (fresh interpreter): best "
              f"{min(times):.3f} s, median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
