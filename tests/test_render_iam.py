"""A real IAM-OnDB line file, read from ../shared, drawn to SVG and PNG through the CLI."""
from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pytest
from lxml import etree

from test_render import SVG_NS, read_png

pytestmark = pytest.mark.shared

MEMBER = "a01-000u-01.xml"  # "A MOVE to stop Mr. Gaitskell": the first line of the archive


@pytest.fixture
def real_line(shared_iam, tmp_path_factory) -> Path:
    """One real line file, extracted from the archive (never copied into the project)."""
    out = tmp_path_factory.mktemp("iam")
    with tarfile.open(shared_iam / "lineStrokes-all.tar.gz") as archive:
        for member in archive:  # the archive streams; this line is near its start
            if member.isfile() and member.name.endswith(MEMBER):
                archive.extract(member, out, filter="data")
                return out / member.name
    pytest.skip(f"{MEMBER} not in the archive")


def stroke_count(path: Path) -> int:
    return len(etree.parse(str(path)).getroot().findall("StrokeSet/Stroke"))


def test_real_line_to_svg(real_line, run_cli, tmp_path):
    out = tmp_path / "line.svg"
    result = run_cli("render", real_line, "-o", out)
    assert result.code == 0, result.err
    root = etree.fromstring(out.read_bytes())
    paths = root.findall(f".//{SVG_NS}path")
    assert len(paths) == stroke_count(real_line) == 31
    width = float(root.get("width").removesuffix("px"))
    assert root.get("viewBox") == f"0 0 {root.get('width')[:-2]} 160"
    assert 5 < width / 160 < 15  # a line of handwriting is long and low


def test_real_line_to_png(real_line, run_cli, tmp_path):
    out = tmp_path / "line.png"
    result = run_cli("render", real_line, "-o", out, "--height", "120")
    assert result.code == 0, result.err
    img = read_png(out)
    assert img.shape[0] == 120
    dark = img[..., 0] < 128
    # ink across the whole line (eight words), not a blob in one place
    columns = np.nonzero(dark.any(axis=0))[0]
    assert columns.min() < 0.05 * img.shape[1] and columns.max() > 0.95 * img.shape[1]
    assert 0.01 < dark.mean() < 0.2
