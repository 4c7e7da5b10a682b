"""Whole pages: the paper, the layout of lines on it, its rules, and the page outputs (SVG and
PNG at paper size, the PDF plugin through its real entry point). The lines are zig-zags of
known size, so no model is needed."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from PIL import Image

from writesmooth import (Ink, Paper, WritesmoothError, as_pages, baseline, chars_per_line,
                         is_page, lay_out, ruling_lines, wrap_text)
from writesmooth.hand import hand_stats
from writesmooth.paper import DEFAULT_X_HEIGHT, LETTER_WIDTH
from writesmooth.plugins import get_toolkit
from writesmooth.render.page import PngOptions
from writesmooth.render.png import PngRenderer
from writesmooth.render.svg import SvgRenderer

SVG = "{http://www.w3.org/2000/svg}"
EPS = 1e-3


def zigzag(height: float = 20.0, width: float = 100.0, *, x: float = 7.0, y: float = -3.0,
           text: str = "zig") -> Ink:
    """A line of teeth ``height`` tall (hand_stats's x-height) and ``width`` wide, in two
    strokes, its baseline at ``y + height``."""
    xs = np.linspace(0, width, 21)
    pts = np.stack([xs + x, np.where(np.arange(21) % 2, y, y + height)], axis=1)
    return Ink(strokes=[pts[:11], pts[10:]], text=text)


def blank() -> Ink:
    return Ink(strokes=[], text="")


def in_box(page: Ink) -> bool:
    info = page.meta["paper"]
    top, right, bottom, left = info["margins"]
    pts = page.points()
    return bool(pts[:, 0].min() >= left - EPS and pts[:, 0].max() <= info["width"] - right + EPS
                and pts[:, 1].min() >= top - EPS
                and pts[:, 1].max() <= info["height"] - bottom + EPS)


def line_strokes(page: Ink, n: int) -> list[np.ndarray]:
    """The strokes of the ``n``-th written line of a page of zig-zags (two strokes each)."""
    return page.strokes[2 * n:2 * n + 2]


# --- the paper ----------------------------------------------------------------------------

def test_the_default_paper_is_a4_with_even_margins_and_fits_25_lines():
    paper = Paper()
    assert (paper.width, paper.height, paper.margins) == (210, 297, (20, 20, 20, 20))
    assert paper.text_width == 170
    assert paper.x_height_mm == pytest.approx(DEFAULT_X_HEIGHT * 10)
    assert paper.first_baseline == 30 and paper.rows == 25


@pytest.mark.parametrize("size,expected", [
    ("A4", (210, 297)), ("letter", (215.9, 279.4)), ("a5", (148, 210)),
    ("148x105", (148, 105)), ("297 x 210", (297, 210)), ("100.5x80mm", (100.5, 80)),
])
def test_sizes_by_name_or_in_millimetres(size, expected):
    paper = Paper.parse(size)
    assert (paper.width, paper.height) == pytest.approx(expected)


@pytest.mark.parametrize("margins,expected", [
    ("15", (15, 15, 15, 15)), (12.5, (12.5,) * 4), ("10,20", (10, 20, 10, 20)),
    ("10, 20, 30, 40", (10, 20, 30, 40)), ([1, 2, 3, 4], (1, 2, 3, 4)),
])
def test_margins_are_one_number_or_four(margins, expected):
    assert Paper.parse("a4", margins=margins).margins == expected


@pytest.mark.parametrize("kwargs,message", [
    ({"size": "b7"}, "unknown page size 'b7'"),
    ({"size": "0x100"}, "each side must be"),
    ({"size": "a4", "margins": "110"}, "leave no room"),
    ({"size": "a4", "margins": "1,2,3"}, "margins: give one number"),
    ({"size": "a4", "margins": "wide"}, "margins: give one number"),
    ({"size": "a4", "margins": "-5"}, "0 mm or more"),
    ({"size": "a4", "line_spacing": 0}, "line spacing must be more than 0"),
    ({"size": "a4", "line_spacing": float("nan")}, "line spacing must be more than 0"),
    ({"size": "a4", "line_spacing": 300}, "no line of 300 mm fits"),
    ({"size": "a4", "ruling": "dotted"}, "unknown paper 'dotted'"),
    ({"size": "a4", "pen_width": 0}, "pen width"),
    ({"size": "a4", "x_height": 1.5}, "x-height"),
])
def test_bad_values_are_one_clear_error(kwargs, message):
    size = kwargs.pop("size")
    with pytest.raises(WritesmoothError, match=re.escape(message)):
        Paper.parse(size, **kwargs)


def test_chars_per_line_follows_the_text_width_and_the_letter_width():
    paper = Paper()
    assert chars_per_line(paper) == int(170 / (LETTER_WIDTH * paper.x_height_mm))
    assert chars_per_line(paper, 1.0) == int(170 / paper.x_height_mm)
    narrow = Paper.parse("a4", margins="20,60,20,60")
    assert chars_per_line(narrow) < chars_per_line(paper)
    assert chars_per_line(Paper.parse("a4", line_spacing=20)) < chars_per_line(paper)
    text = "the quick brown fox jumps over the lazy dog " * 10
    assert all(len(line) <= chars_per_line(paper) for line in wrap_text(text, chars_per_line(paper)))
    with pytest.raises(WritesmoothError):
        chars_per_line(paper, 0)


# --- the layout ---------------------------------------------------------------------------

def test_lines_share_one_scale_that_makes_their_median_x_height_the_papers():
    paper = Paper()
    lines = [zigzag(10, 50), zigzag(20, 50), zigzag(30, 50)]
    (page,) = lay_out(lines, paper)
    heights = [hand_stats(Ink(strokes=line_strokes(page, n)))["x_height"] for n in range(3)]
    assert heights[1] == pytest.approx(paper.x_height_mm, rel=1e-4)
    assert heights[0] * 3 == pytest.approx(heights[2], rel=1e-4)  # one common factor


def test_each_line_starts_at_the_left_margin_with_its_baseline_on_its_row():
    paper = Paper.parse("a5", margins="15,10,15,25", line_spacing=8)
    (page,) = lay_out([zigzag(x=100, y=50), zigzag(x=-40, y=7), zigzag()], paper)
    for n in range(3):
        line = Ink(strokes=line_strokes(page, n))
        assert line.bounds()[0] == pytest.approx(25, abs=EPS)
        assert baseline(line) == pytest.approx(paper.first_baseline + n * 8, abs=EPS)
    assert page.meta["paper"]["first_baseline"] == paper.first_baseline


def test_a_line_wider_than_the_text_width_is_scaled_down_alone():
    paper = Paper()
    (page,) = lay_out([zigzag(20, 100), zigzag(20, 10000), zigzag(20, 100)], paper)
    wide = Ink(strokes=line_strokes(page, 1))
    x0, _, x1, _ = wide.bounds()
    assert x1 - x0 == pytest.approx(paper.text_width, rel=1e-4)
    assert baseline(wide) == pytest.approx(paper.first_baseline + 10, abs=EPS)
    for n in (0, 2):
        assert hand_stats(Ink(strokes=line_strokes(page, n)))["x_height"] == pytest.approx(
            paper.x_height_mm, rel=1e-4)
    assert in_box(page)


def test_lines_beyond_the_last_row_go_on_to_a_new_page():
    paper = Paper()
    lines = [zigzag(text=f"line {n}") for n in range(paper.rows + 3)]
    pages = lay_out(lines, paper)
    assert len(pages) == 2
    assert [p.meta["paper"]["number"] for p in pages] == [1, 2]
    assert all(p.meta["paper"]["pages"] == 2 for p in pages)
    assert pages[0].text.splitlines() == [f"line {n}" for n in range(paper.rows)]
    assert pages[1].text.splitlines() == [f"line {n}" for n in range(paper.rows, paper.rows + 3)]
    assert baseline(Ink(strokes=line_strokes(pages[1], 0))) == pytest.approx(
        paper.first_baseline, abs=EPS)
    assert all(in_box(p) for p in pages)


def test_an_empty_line_is_a_blank_row_but_none_at_the_top_of_a_page():
    paper = Paper.parse("a4", line_spacing=20)
    rows = paper.rows
    lines = [zigzag(text="one"), blank(), zigzag(text="two")]
    lines += [zigzag(text="more")] * (rows - 3) + [blank(), zigzag(text="next page"), blank()]
    pages = lay_out(lines, paper)
    assert pages[0].text.splitlines()[:3] == ["one", "", "two"]
    assert baseline(Ink(strokes=line_strokes(pages[0], 1))) == pytest.approx(
        paper.first_baseline + 2 * 20, abs=EPS)
    assert pages[1].text == "next page"  # no blank row before it, none after it
    assert baseline(Ink(strokes=pages[1].strokes)) == pytest.approx(paper.first_baseline,
                                                                     abs=EPS)


@pytest.mark.parametrize("size,margins", [("a4", "20"), ("letter", "25,15,30,35"),
                                          ("148x105", "8")])
def test_every_point_is_inside_the_margins(size, margins):
    paper = Paper.parse(size, margins=margins, line_spacing=7)
    lines = [zigzag(15 + n % 7, 60 + 40 * (n % 5)) for n in range(60)]
    pages = lay_out(lines, paper)
    assert len(pages) > 1 and all(in_box(p) for p in pages)


def test_the_page_description_is_plain_json():
    paper = Paper.parse("letter", ruling="ruled", pen_width=0.3)
    (page,) = lay_out([zigzag()], paper)
    info = json.loads(json.dumps(page.meta["paper"]))
    assert info["width"] == 215.9 and info["height"] == 279.4
    assert info["margins"] == [20, 20, 20, 20]
    assert (info["line_spacing"], info["ruling"], info["pen_width"]) == (10, "ruled", 0.3)
    assert (info["number"], info["pages"], info["first_baseline"]) == (1, 1, 30)
    assert is_page(page) and not is_page(zigzag())


def test_page_numbers_are_strokes_centred_in_the_bottom_margin():
    paper = Paper.parse("a4", page_numbers=True)
    lines = [zigzag()] * (paper.rows + 1)
    plain = lay_out(lines, Paper())
    numbered = lay_out(lines, paper)
    numbers = []
    for page, bare in zip(numbered, plain):
        extra = Ink(strokes=page.strokes[bare.n_strokes:])
        assert not extra.is_empty() and page.text == bare.text  # the number is not text
        x0, y0, x1, y1 = extra.bounds()
        assert (x0 + x1) / 2 == pytest.approx(105, abs=0.5)
        assert 297 - 20 < y0 < y1 < 297
        numbers.append(extra)
    assert not numbers[0].same_as(numbers[1], atol=0.1)  # "1" and "2"


def test_a_text_without_ink_cannot_be_laid_out():
    with pytest.raises(WritesmoothError, match="no line has any ink"):
        lay_out([blank(), blank()], Paper())


# --- the paper's rules ----------------------------------------------------------------------

def test_plain_paper_has_no_rules():
    (page,) = lay_out([zigzag()], Paper())
    assert ruling_lines(page) == []


def test_ruled_paper_has_a_rule_under_each_row_across_the_text_width():
    paper = Paper.parse("a4", ruling="ruled", margins="20,15,20,30")
    (page,) = lay_out([zigzag()], paper)
    rules = ruling_lines(page)
    assert len(rules) == paper.rows
    ys = [r[0, 1] for r in rules]
    assert ys == pytest.approx([paper.first_baseline + 10 * n for n in range(paper.rows)])
    assert all(r[0, 0] == 30 and r[1, 0] == 210 - 15 and r[0, 1] == r[1, 1] for r in rules)


def test_squared_paper_is_a_grid_through_the_baselines_inside_the_margins():
    paper = Paper.parse("a4", ruling="squared")
    (page,) = lay_out([zigzag()], paper)
    rules = ruling_lines(page)
    flat = [r for r in rules if r[0, 1] == r[1, 1]]
    upright = [r for r in rules if r[0, 0] == r[1, 0]]
    assert len(flat) + len(upright) == len(rules)
    ys = np.array([r[0, 1] for r in flat])
    xs = np.array([r[0, 0] for r in upright])
    assert np.allclose(np.diff(ys), 5) and np.allclose(np.diff(xs), 5)
    assert paper.first_baseline in ys
    assert ys.min() >= 20 and ys.max() <= 297 - 20 and xs.min() == 20 and xs.max() <= 190
    assert len(flat) == 52 and len(upright) == 35  # 20..277 and 20..190 mm every 5 mm


# --- figures put on a page ------------------------------------------------------------------

def test_pages_stay_as_they_are_and_a_figure_becomes_one_page():
    pages = lay_out([zigzag()] * 30, Paper())
    assert as_pages(pages) == pages
    figure = [zigzag(20, 400, text="first"), zigzag(60, 100, text="second")]
    (page,) = as_pages(figure)
    assert is_page(page) and page.meta["paper"]["width"] == 210
    assert page.text == "first\nsecond" and page.n_strokes == 4 and in_box(page)
    x0, y0, x1, y1 = page.bounds()
    assert x1 - x0 == pytest.approx(170, rel=1e-4)  # as wide as the text width
    (small,) = as_pages(figure, Paper.parse("a5", margins="5"))
    assert small.meta["paper"]["width"] == 148 and in_box(small)


# --- SVG and PNG pages ----------------------------------------------------------------------

def two_pages(ruling: str = "ruled") -> list[Ink]:
    paper = Paper.parse("a4", ruling=ruling, pen_width=0.4)
    return lay_out([zigzag(text=f"line {n}") for n in range(paper.rows + 2)], paper)


def test_an_svg_page_is_in_millimetres_with_the_rules_in_their_own_group(tmp_path):
    page = two_pages()[0]
    out = tmp_path / "page.svg"
    SvgRenderer().render([page], out, color="navy", stroke_width=5)
    root = etree.fromstring(out.read_bytes())
    assert (root.get("width"), root.get("height")) == ("210mm", "297mm")
    assert root.get("viewBox") == "0 0 210 297"
    paper, writing = root.find(f"{SVG}g[@id='paper']"), root.find(f"{SVG}g[@id='writing']")
    assert len(paper.findall(f"{SVG}path")) == len(ruling_lines(page))
    assert len(writing.findall(f"{SVG}path")) == page.n_strokes
    assert writing.get("stroke-width") == "0.4" and writing.get("stroke-linecap") == "round"
    assert writing.get("stroke") == "rgb(0,0,128)"
    assert paper.get("stroke") != writing.get("stroke")
    # nothing filled, so a plotter draws only the strokes
    assert all(el.get("fill") in (None, "none") for el in root.iter())
    assert {etree.QName(el).localname for el in root.iter()} == {"svg", "defs", "g", "path"}
    first = writing.find(f"{SVG}path").get("d")
    x, y = (float(v) for v in first.removeprefix("M").split(" L")[0].split(","))
    assert (x, y) == pytest.approx(tuple(page.strokes[0][0]), abs=0.01)


def test_an_svg_page_on_plain_paper_has_no_paper_group(tmp_path):
    out = tmp_path / "page.svg"
    SvgRenderer().render([two_pages("plain")[1]], out)
    root = etree.fromstring(out.read_bytes())
    assert root.find(f"{SVG}g[@id='paper']") is None
    assert root.find(f"{SVG}g[@id='writing']") is not None


@pytest.mark.parametrize("renderer,name", [(SvgRenderer, "p.svg"), (PngRenderer, "p.png")])
def test_one_page_per_svg_or_png_file(tmp_path, renderer, name):
    with pytest.raises(WritesmoothError, match="one page per file"):
        renderer().render(two_pages(), tmp_path / name)


def test_a_png_page_is_the_sheet_at_its_resolution(tmp_path):
    page = two_pages()[0]
    out = tmp_path / "page.png"
    PngRenderer().render([page], out, color="#ff0000")
    with Image.open(out) as image:
        assert image.size == (1240, 1754) and image.mode == "RGB"
        assert image.info["dpi"] == pytest.approx((150, 150), abs=0.05)
        rgb = np.asarray(image).astype(int)
    assert (rgb[0, 0] == 255).all()  # white paper
    red = (rgb[..., 0] > 200) & (rgb[..., 1] < 60)
    assert red.any()  # the writing
    rule_row = round(page.meta["paper"]["first_baseline"] * 150 / 25.4)
    light = rgb[rule_row - 1:rule_row + 2, 1000:1005]  # a rule, right of the first line
    assert (light[..., 2] > light[..., 0]).any() and (light.min() > 100)
    PngRenderer().render([page], out, options=PngOptions(dpi=100))
    with Image.open(out) as image:
        assert image.size == (round(210 / 25.4 * 100), round(297 / 25.4 * 100))


# --- the PDF plugin, through its entry point --------------------------------------------------

def test_a_pdf_holds_every_page_at_paper_size(tmp_path):
    pytest.importorskip("fpdf")
    out = tmp_path / "letter.pdf"
    renderer = get_toolkit().renderer_for(out)
    assert renderer.needs_pages and renderer.multi_page
    card = lay_out([zigzag(text="Hello")], Paper.parse("148x105", margins="8"))
    renderer.render(two_pages() + card, out, color="blue")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert int(re.search(rb"/Count (\d+)", data).group(1)) == 3
    assert len(re.findall(rb"/Type /Page\b(?!s)", data)) == 3
    boxes = {tuple(round(float(v)) for v in box.split())
             for box in re.findall(rb"/MediaBox \[([^\]]*)\]", data)}
    mm = 72 / 25.4  # points per mm
    assert boxes == {(0, 0, round(210 * mm), round(297 * mm)),
                     (0, 0, round(148 * mm), round(105 * mm))}
    assert b"writesmooth" in data  # the creator
    if shutil.which("pdftoppm"):
        done = subprocess.run(["pdftoppm", "-r", "20", "-png", str(out), str(tmp_path / "p")],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert len(list(tmp_path.glob("p-*.png"))) == 3


def test_a_pdf_of_a_figure_is_one_page(tmp_path):
    pytest.importorskip("fpdf")
    out = tmp_path / "figure.pdf"
    get_toolkit().renderer_for(out).render([zigzag(), zigzag(40)], out)
    assert int(re.search(rb"/Count (\d+)", out.read_bytes()).group(1)) == 1


# --- the command line's page flags ------------------------------------------------------------

def test_pages_are_saved_one_file_each_unless_the_format_holds_them_all(tmp_path):
    from writesmooth.cli.paper import page_paths, save_pages

    pages = two_pages()
    assert save_pages(pages, tmp_path / "letter.png") == [tmp_path / "letter-1.png",
                                                         tmp_path / "letter-2.png"]
    assert all(p.is_file() for p in (tmp_path / "letter-1.png", tmp_path / "letter-2.png"))
    assert save_pages(pages[:1], tmp_path / "one.svg") == [tmp_path / "one.svg"]
    assert page_paths(Path("a/letter.pdf"), 3, True) == [Path("a/letter.pdf")]
    assert page_paths(Path("a/l.svg"), 2, False) == [Path("a/l-1.svg"), Path("a/l-2.svg")]


def test_a_transparent_png_page_leaves_the_paper_out(tmp_path):
    out = tmp_path / "page.png"
    PngRenderer().render([two_pages()[0]], out, background="transparent")
    with Image.open(out) as image:
        rgba = np.asarray(image)
    assert image.mode == "RGBA" and rgba[0, 0, 3] == 0 and rgba[..., 3].max() == 255
