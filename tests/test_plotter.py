"""The pen-plotter outputs (writesmooth-plotter): G-code and HPGL written by the real vpype and
vpype-gcode, read back and checked stroke by stroke; the ordering of strokes; the `vpype
writesmooth` command through its installed entry point."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import writesmooth

pytest.importorskip("writesmooth_plotter")
import vpype as vp  # noqa: E402
from writesmooth_plotter import travel  # noqa: E402
from writesmooth_plotter.gcode import gcode_text  # noqa: E402
from writesmooth_plotter.hpgl import hpgl_text  # noqa: E402
from writesmooth_plotter.options import GcodeOptions, HpglOptions  # noqa: E402
from writesmooth_plotter.sheet import PX_PER_MM, document  # noqa: E402

A4 = (210.0, 297.0)


def make_page(strokes, size=A4) -> writesmooth.Ink:
    """A page as writesmooth.paper lays one out: mm on the sheet, y down, meta["paper"]."""
    width, height = size
    return writesmooth.Ink(strokes=strokes, text="test", meta={"paper": {
        "width": width, "height": height, "margins": [20, 20, 20, 20], "line_spacing": 10,
        "ruling": "ruled", "pen_width": 0.5, "number": 1, "pages": 1, "first_baseline": 30}})


def scattered_page(n=120, seed=0, size=A4) -> writesmooth.Ink:
    """``n`` short wiggly strokes at random places inside 20 mm margins, a few of them dots."""
    rng = np.random.default_rng(seed)
    width, height = size
    strokes = []
    for k in range(n):
        start = rng.uniform([25, 25], [width - 25, height - 25])
        steps = 1 if k % 10 == 0 else int(rng.integers(2, 15))
        strokes.append(start + np.cumsum(rng.normal(0, 0.4, (steps, 2)), axis=0))
    return make_page(strokes, size)


# --- reading G-code back ---------------------------------------------------------------------
def parse_gcode(text: str, opts: GcodeOptions) -> dict:
    """What a machine would do: the strokes drawn (pen down), in order, with the feed rates of
    draws and travels. Fails on a draw with the pen up, a travel with it down, or a pen-down
    that is not preceded by a travel."""
    down, strokes, draw_feeds, travel_feeds = False, [], set(), set()
    x = y = 0.0
    last = None  # what the previous command was: "travel", "down", "draw", "up"
    events = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line in ("G21", "G90", "M2"):
            continue
        words = dict((w[0], w[1:]) for w in line.split())
        pen = None
        if opts.pen == "servo" and line in (opts.servo_up, opts.servo_down):
            pen = line == opts.servo_down
        elif "Z" in words:
            z = float(words["Z"])
            assert z in (opts.z_up, opts.z_down), line
            pen = z == opts.z_down
        elif words.get("G") == "4":
            assert last in ("down", "up") and float(words["P"]) == opts.dwell, line
            continue
        if pen is not None:
            if pen:
                assert not down and last == "travel", f"pen down without a travel: {line}"
                strokes.append([(x, y)])
            else:
                assert last != "travel", "a travel was not drawn"
            down, last = pen, "down" if pen else "up"
            events.append(last)
            continue
        assert words.get("G") in ("0", "1") and "X" in words and "Y" in words, line
        x, y = float(words["X"]), float(words["Y"])
        if words["G"] == "0":
            assert not down, f"a G0 move with the pen down: {line}"
            travel_feeds.add(float(words["F"]))
            last = "travel"
        else:
            assert down, f"a G1 draw with the pen up: {line}"
            draw_feeds.add(float(words["F"]))
            strokes[-1].append((x, y))
            last = "draw"
        events.append(last)
    assert not down, "the file ends with the pen down"
    return {"strokes": [np.array(s) for s in strokes], "draw_feeds": draw_feeds,
            "travel_feeds": travel_feeds, "events": events}


def same_strokes(drawn, page, *, tol, flip_height=None, allow_reversed=True) -> None:
    """``drawn`` (each a one-point stroke drawn twice) are the page's strokes, in any order and
    direction (``allow_reversed``), or in order when not; ``flip_height``: drawn with y up."""
    want = [np.asarray(s, np.float64) for s in page.strokes]
    got = [np.array(s) for s in drawn]
    if flip_height is not None:
        for s in got:
            s[:, 1] = flip_height - s[:, 1]
    got = [s[:1] if len(s) == 2 and np.allclose(s[0], s[1]) else s for s in got]
    assert len(got) == len(want)

    def match(a, b):
        return a.shape == b.shape and np.abs(a - b).max() <= tol

    if not allow_reversed:
        assert all(match(a, b) for a, b in zip(got, want))
        return
    left = list(range(len(want)))
    for s in got:
        hit = next(k for k in left if match(s, want[k]) or match(s[::-1], want[k]))
        left.remove(hit)


def test_gcode_z_pen_draws_every_stroke_once_inside_the_sheet():
    page = scattered_page()
    opts = GcodeOptions()  # pen z, 5 / 0 mm, origin bottom-left, sorted
    text = gcode_text(page, opts)
    assert text.startswith("G21\nG90\n") and text.rstrip().endswith("M2")
    got = parse_gcode(text, opts)
    assert got["events"].count("down") == page.n_strokes == len(got["strokes"])
    assert got["draw_feeds"] == {1500.0} and got["travel_feeds"] == {3000.0}
    pts = np.concatenate(got["strokes"])
    assert (pts >= 0).all() and (pts[:, 0] <= A4[0]).all() and (pts[:, 1] <= A4[1]).all()
    same_strokes(got["strokes"], page, tol=6e-4, flip_height=A4[1])


def test_gcode_servo_pen_with_dwell_top_left_in_writing_order():
    page = scattered_page(40, seed=3)
    opts = GcodeOptions(pen="servo", servo_up="M280 P0 S90", servo_down="M280 P0 S30",
                        feed=900, travel_feed=4000, dwell=0.2, origin="top-left", sort=False)
    text = gcode_text(page, opts)
    assert "Z" not in text and text.count("G4 P0.2\n") == 2 * page.n_strokes + 1
    got = parse_gcode(text, opts)
    assert got["events"].count("down") == page.n_strokes
    assert got["draw_feeds"] == {900.0} and got["travel_feeds"] == {4000.0}
    same_strokes(got["strokes"], page, tol=6e-4, allow_reversed=False)


def test_the_renderers_are_registered_and_ignore_the_drawing_options(tmp_path):
    from writesmooth.plugins import get_toolkit

    page = scattered_page(10)
    tk = get_toolkit()
    for name in ("page.gcode", "page.nc", "page.hpgl"):
        renderer = tk.renderer_for(tmp_path / name)
        assert renderer.needs_pages and not renderer.multi_page
        assert renderer.options in (GcodeOptions, HpglOptions)
        renderer.render([page], tmp_path / name, stroke_width=3.0, color="red",
                        background="transparent", height=400)
    assert (tmp_path / "page.gcode").read_text() == (tmp_path / "page.nc").read_text()
    assert (tmp_path / "page.gcode").read_text() == gcode_text(page)


def test_lines_that_are_no_page_are_drawn_on_a_plain_a4_page(tmp_path):
    from writesmooth_plotter.plugin import GcodeRenderer

    line = writesmooth.Ink(strokes=[[(0, 0), (900, 40)], [(100, -30), (120, 50)]], text="x")
    GcodeRenderer().render([line], tmp_path / "line.gcode")
    got = parse_gcode((tmp_path / "line.gcode").read_text(), GcodeOptions())
    pts = np.concatenate(got["strokes"])
    assert len(got["strokes"]) == 2 and pts[:, 0].min() >= 19.9 and pts[:, 0].max() <= 190.1
    assert pts[:, 1].min() >= 0 and pts[:, 1].max() <= A4[1]


# --- HPGL ----------------------------------------------------------------------------------
def parse_hpgl(text: str) -> list[np.ndarray]:
    """The pen-down strokes of an HPGL file in plotter units (PU/PD, absolute PA or relative
    PR). vpype reads SVG only, so the test reads HPGL itself."""
    strokes, pos, relative = [], np.zeros(2), False
    for command in filter(None, (c.strip() for c in text.split(";"))):
        op, args = command[:2], command[2:]
        if op in ("PA", "PR"):
            relative = op == "PR"
        if op not in ("PU", "PD"):
            continue
        nums = np.array([float(v) for v in args.split(",") if v], np.float64).reshape(-1, 2)
        points = []
        for p in nums:
            pos = pos + p if relative else p
            points.append(pos)
        if op == "PD":
            strokes[-1].extend(points)
        else:
            strokes.append([pos])
    return [np.array(s) for s in strokes if len(s) > 1]


def test_hpgl_for_the_hp7475a_on_a4_holds_the_page_strokes():
    page = scattered_page()
    text = hpgl_text(page, HpglOptions(velocity=10))
    assert text.startswith("IN;DF;VS10;PS4;SP1;")
    drawn = parse_hpgl(text)
    # vpype's built-in hp7475a takes A4 landscape, plotter origin 10 mm, 206 mm from the
    # paper's top-left, Y up, in units of 0.02488 mm: the portrait page is turned a quarter
    unit = 0.02488
    on_page = [np.stack([s[:, 1] * unit + 4.0, s[:, 0] * unit + 10.0], axis=1) for s in drawn]
    same_strokes(on_page, page, tol=unit)
    x0, y0, x1, y1 = page.bounds()
    pts = np.concatenate(on_page)
    assert np.allclose(pts.min(axis=0), (x0, y0), atol=unit)
    assert np.allclose(pts.max(axis=0), (x1, y1), atol=unit)


@pytest.mark.parametrize("size,paper", [
    (A4, "a4"), ((215.9, 279.4), "a"), ((297.0, 420.0), "a3"), ((420.0, 297.0), "a3"),
    ((148.0, 210.0), "a"),     # A5: on letter, a little smaller than A4
    ((250.0, 320.0), "b")])    # tabloid (279 x 432 mm) is a little smaller than A3
def test_hpgl_chooses_the_paper_of_the_page_or_the_smallest_that_holds_it(size, paper):
    from writesmooth_plotter.hpgl import choose_paper, plotter

    assert choose_paper(plotter("hp7475a"), *size).name == paper


# --- ordering ------------------------------------------------------------------------------
def test_sorting_cuts_pen_up_travel_and_keeps_the_strokes():
    page = scattered_page(200, seed=7)
    before, after = travel(page)
    assert after < 0.5 * before
    doc = document(page, sort=True)
    lines = [np.stack([ln.real, ln.imag], axis=1) / PX_PER_MM for ln in doc.layers[1]]
    same_strokes(lines, page, tol=1e-4)
    unsorted = parse_gcode(gcode_text(page, GcodeOptions(sort=False, origin="top-left")),
                           GcodeOptions())
    ordered = parse_gcode(gcode_text(page, GcodeOptions(origin="top-left")), GcodeOptions())

    def pen_up(strokes):
        ends = np.array([(0.0, 0.0)] + [s[-1] for s in strokes[:-1]])
        return float(np.hypot(*(np.array([s[0] for s in strokes]) - ends).T).sum())

    assert pen_up(unsorted["strokes"]) == pytest.approx(before, rel=1e-3)
    assert pen_up(ordered["strokes"]) == pytest.approx(after, rel=1e-3)


# --- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize("make,options,message", [
    (lambda: make_page([[(30, 30), (math.nan, 40)]]), GcodeOptions(), "not numbers"),
    (lambda: make_page([[(30, 30), (220, 40)]]), GcodeOptions(), "runs off"),
    (lambda: writesmooth.Ink(strokes=[[(1, 2), (3, 4)]], meta={"paper": {"width": 210}}),
     GcodeOptions(), "needs a page"),
    (scattered_page, GcodeOptions(pen="laser"), "unknown pen 'laser' (known: z, servo)"),
    (scattered_page, GcodeOptions(origin="centre"), "unknown origin"),
    (scattered_page, GcodeOptions(feed=0), "feed must be at least 1"),
    (scattered_page, GcodeOptions(z_up=0, z_down=1), "must be below z_up"),
    (scattered_page, GcodeOptions(pen="servo", servo_up=""), "servo_up must be one"),
    (scattered_page, GcodeOptions(pen="servo", servo_down="M3 S30\nG0 X900"),
     "servo_down must be one printable line"),
    (scattered_page, HpglOptions(), "render options must be GcodeOptions"),
])
def test_bad_gcode_input_is_one_clear_line(make, options, message):
    with pytest.raises(writesmooth.WritesmoothError) as err:
        gcode_text(make(), options)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("page,options,message", [
    (make_page([[(30, 30), (400, 40)]], (500, 500)), HpglOptions(), "larger than the paper"),
    (make_page([[(30, 30), (40, 40)]]), HpglOptions(device="hp9999"), "unknown HPGL device"),
    (make_page([[(30, 30), (40, 40)]]), HpglOptions(paper="a0"), "has no paper 'a0'"),
    (make_page([[(30, 30), (40, 40)]]), HpglOptions(velocity=0), "velocity must be at least"),
    # on the page, but where the hp7475a cannot reach on A4: vpype would crop it silently
    (make_page([[(1, 30), (40, 40)]]), HpglOptions(), "reaches beyond"),
])
def test_bad_hpgl_input_is_one_clear_line(page, options, message):
    with pytest.raises(writesmooth.WritesmoothError) as err:
        hpgl_text(page, options)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_renderer_writes_one_page_per_file(tmp_path):
    from writesmooth_plotter.plugin import GcodeRenderer

    with pytest.raises(writesmooth.WritesmoothError, match="one page, got 2"):
        GcodeRenderer().render([scattered_page(3), scattered_page(3)], tmp_path / "x.gcode")
    assert not (tmp_path / "x.gcode").exists()


# --- the installed entry points ------------------------------------------------------------
def test_writesmooth_plugins_lists_the_plotter_plugin():
    out = subprocess.run([sys.executable, "-m", "writesmooth", "plugins", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    found = {p["name"]: p for p in json.loads(out.stdout)}
    assert found["plotter"]["distribution"] == "writesmooth-plotter"
    assert "register_renderers" in found["plotter"]["hooks"] and not found["plotter"]["error"]


def test_vpype_writesmooth_pipeline_writes_svg_and_gcode(tmp_path):
    if shutil.which("vpype") is None:
        pytest.skip("the vpype command is not installed")
    run = subprocess.run(["vpype", "writesmooth", "--seed", "1", "Dear Sam", "linesort",
                          "write", "out.svg", "layout", "a4", "gwrite", "-p", "writesmooth",
                          "out.gcode"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    svg = ET.parse(tmp_path / "out.svg").getroot()
    paths = svg.findall(".//{http://www.w3.org/2000/svg}path") + svg.findall(
        ".//{http://www.w3.org/2000/svg}polyline")
    assert len(paths) >= 4  # "Dear Sam": several strokes
    width, height = (vp.convert_length(svg.get(k)) / PX_PER_MM for k in ("width", "height"))
    # two words at the default 2.2 mm x-height: some 2.5 to 8 cm wide, under 2 cm high
    assert 25 < width < 80 and 4 < height < 20
    gcode = (tmp_path / "out.gcode").read_text()
    drawn = parse_gcode(gcode, GcodeOptions())
    assert len(drawn["strokes"]) == len(paths)
