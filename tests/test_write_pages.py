"""``writesmooth write`` of a letter on pages, end to end through the command line with tiny
random weights: a two-page PDF read back, PNG and SVG pages one per file, G-code and HPGL
pages for a plotter, and the page flags' errors."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from lxml import etree

pytest.importorskip("fpdf")
pytest.importorskip("vpype")

from writesmooth_plotter.options import GcodeOptions  # noqa: E402

from test_plotter import parse_gcode, parse_hpgl  # noqa: E402
from test_render import SVG_NS, read_png  # noqa: E402
from test_write_cli import write  # noqa: E402
from test_write_cli import weights  # noqa: E402,F401  (the module's tiny weights)

# two short paragraphs of many lines: on A5 with 30 mm lines they need two pages
LETTER = "Dear Sam,\n\n" + "\n".join(["we are all well here"] * 6) + "\n\nYours, Anna"
A5 = (148.0, 210.0)
PAGE = ["--page", "a5", "--line-spacing", "30", "--width", "60", "--seed", "3"]


@pytest.fixture
def letter(tmp_path):
    path = tmp_path / "letter.txt"
    path.write_text(LETTER, encoding="utf-8")
    return path


def test_a_two_page_letter_as_one_pdf(run_cli, weights, letter, tmp_path):
    out = tmp_path / "letter.pdf"
    result = write(run_cli, weights, "--text-file", letter, "-o", out, *PAGE, "--paper", "ruled",
                   "--page-numbers")
    assert result.code == 0, result.err
    assert result.out.count("wrote ") == 1
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert int(re.search(rb"/Count (\d+)", data).group(1)) == 2
    mm = 72 / 25.4
    boxes = {tuple(round(float(v)) for v in box.split())
             for box in re.findall(rb"/MediaBox \[([^\]]*)\]", data)}
    assert boxes == {(0, 0, round(A5[0] * mm), round(A5[1] * mm))}


def test_png_and_svg_pages_are_one_file_each(run_cli, weights, letter, tmp_path):
    result = write(run_cli, weights, "--text-file", letter, "-o", tmp_path / "letter.png", *PAGE)
    assert result.code == 0, result.err
    assert sorted(p.name for p in tmp_path.glob("letter*.png")) == ["letter-1.png",
                                                                    "letter-2.png"]
    image = read_png(tmp_path / "letter-1.png")
    assert image.shape[:2] == (round(A5[1] / 25.4 * 150), round(A5[0] / 25.4 * 150))
    assert (image[..., :3] < 128).any()  # ink on the page
    result = write(run_cli, weights, "--text-file", letter, "-o", tmp_path / "letter.svg", *PAGE)
    assert result.code == 0, result.err
    for n in (1, 2):
        root = etree.parse(str(tmp_path / f"letter-{n}.svg")).getroot()
        assert (root.get("width"), root.get("height")) == ("148mm", "210mm")
        paths = root.findall(f".//{SVG_NS}path")
        assert paths and all(p.get("fill", "none") == "none" for p in paths)


def test_gcode_and_hpgl_pages_for_a_plotter(run_cli, weights, letter, tmp_path):
    result = write(run_cli, weights, "--text-file", letter, "-o", tmp_path / "letter.gcode",
                   *PAGE, "-R", "pen=servo", "-R", "feed=2000", "--paper", "ruled")
    assert result.code == 0, result.err
    opts = GcodeOptions(pen="servo", feed=2000)
    for n in (1, 2):
        drawn = parse_gcode((tmp_path / f"letter-{n}.gcode").read_text(), opts)
        pts = np.concatenate([np.asarray(s) for s in drawn["strokes"]])
        assert len(drawn["strokes"]) > 10
        assert drawn["draw_feeds"] == {2000.0}
        assert (pts >= 0).all() and (pts[:, 0] <= A5[0]).all() and (pts[:, 1] <= A5[1]).all()
    result = write(run_cli, weights, "--text-file", letter, "-o", tmp_path / "letter.hpgl", *PAGE)
    assert result.code == 0, result.err
    assert len(parse_hpgl((tmp_path / "letter-1.hpgl").read_text())) > 10


def test_the_page_flags_make_a_paper_only_for_pages():
    from writesmooth import Paper, WritesmoothError
    from writesmooth.cli.paper import paper_from
    from writesmooth.plugins import get_toolkit

    assert paper_from(Path("letter.png")) is None  # a figure
    assert paper_from(Path("letter.png"), "letter").size == "letter"
    made = paper_from(Path("letter.svg"), "a5", margins="10,15", line_spacing=8, paper="ruled",
                      page_numbers=True, pen_width=0.3)
    assert (made.width, made.margins, made.line_spacing) == (148, (10, 15, 10, 15), 8)
    assert (made.ruling, made.page_numbers, made.pen_width) == ("ruled", True, 0.3)
    if ".pdf" in get_toolkit().renderers:  # always pages: A4 unless --page says otherwise
        assert paper_from(Path("letter.pdf")) == Paper()
    with pytest.raises(WritesmoothError, match="add --page SIZE"):
        paper_from(Path("letter.png"), paper="ruled")
    with pytest.raises(WritesmoothError, match="not letter.jsonl"):
        paper_from(Path("letter.jsonl"), "a4")
    with pytest.raises(WritesmoothError, match="unknown page size"):
        paper_from(Path("letter.png"), "a9")


@pytest.mark.parametrize("args, says", [
    (["-o", "x.png", "--paper", "ruled"], "--paper: .png is a figure unless it is a page"),
    (["-o", "x.json", "--page", "a4"], "--page and the page flags are for drawn outputs"),
    (["-o", "x.pdf", "--page", "b7"], "b7"),
    (["-o", "x.pdf", "--biases", "0,1"], "--biases draws a figure"),
    (["-o", "x.gcode", "-R", "pen=pencil"], "-R pen: must be one of z, servo"),
    (["-o", "x.gcode", "-R", "nozzle=1"], "KEY one of"),
    (["-o", "x.png", "-R", "dpi"], "KEY=VALUE"),
    (["-o", "x.svg", "-R", "dpi=300"], "takes no settings"),
])
def test_bad_page_and_render_flags_are_one_line(run_cli, weights, tmp_path, args, says):
    result = write(run_cli, weights, "a few words", *[str(tmp_path / a) if a.startswith("x.")
                                                      else a for a in args])
    assert result.code == 2 and len(result.err_lines) == 1, result.err
    assert says in result.err
    assert not list(tmp_path.glob("x*"))
