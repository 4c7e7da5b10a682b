"""The built-in SVG and PNG renderers: structure, orientation, options, and errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from PIL import Image

from writesmooth import Ink, WritesmoothError
from writesmooth.render.layout import label_font, parse_colour
from writesmooth.render.png import PngRenderer
from writesmooth.render.svg import SvgRenderer

SVG_NS = "{http://www.w3.org/2000/svg}"


def read_png(path: Path) -> np.ndarray:
    """A PNG file as an ``(H, W, 4)`` RGBA uint8 array."""
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGBA"))


def png_size(path: Path) -> tuple[int, int]:
    """``(width, height)`` of a PNG file."""
    with Image.open(path) as image:
        return image.size


def two_level_ink() -> Ink:
    """A short stroke high on the left, a long one low on the right, and a dot between."""
    return Ink(strokes=[[[0, 0], [10, 0], [10, 5]], [[20, 40], [40, 40], [60, 45]], [[15, 20]]])


def parse_svg(path: Path):
    root = etree.fromstring(path.read_bytes())
    paths = root.findall(f".//{SVG_NS}path")
    coords = [np.array([[float(v) for v in pair.split(",")]
                        for pair in p.get("d").replace("M", "").split(" L")]) for p in paths]
    return root, paths, coords


# --- SVG ------------------------------------------------------------------------------------

def test_svg_has_one_path_per_stroke_and_a_fitted_viewbox(tmp_path):
    out = tmp_path / "ink.svg"
    SvgRenderer().render([two_level_ink()], out)
    root, paths, coords = parse_svg(out)
    width, height = int(root.get("width").removesuffix("px")), int(root.get("height")
                                                                   .removesuffix("px"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    assert height == 160 and len(paths) == 3
    pts = np.vstack(coords)
    # inside the box, with a margin on every side, and filling it apart from the margin
    assert pts[:, 0].min() > 0 and pts[:, 1].min() > 0
    assert pts[:, 0].max() < width and pts[:, 1].max() < height
    assert pts[:, 1].max() - pts[:, 1].min() > 0.8 * height
    # the proportions of the ink are kept: 60 units wide, 45 high
    span = pts.max(axis=0) - pts.min(axis=0)
    assert span[0] / span[1] == pytest.approx(60 / 45, rel=0.01)


def test_svg_keeps_y_downwards(tmp_path):
    out = tmp_path / "ink.svg"
    SvgRenderer().render([two_level_ink()], out)
    _, _, coords = parse_svg(out)
    high, low = coords[0], coords[1]
    assert low[:, 1].min() > high[:, 1].max()  # larger source y is lower in the picture
    assert coords[2].shape == (2, 2)  # a one-point stroke becomes a visible dot


def test_svg_options(tmp_path):
    out = tmp_path / "ink.svg"
    SvgRenderer().render([two_level_ink()], out, stroke_width=3.5, color="#123456",
                         background="transparent", height=300)
    root, _, _ = parse_svg(out)
    assert root.get("height") == "300px"
    group = root.find(f"{SVG_NS}g")
    assert (group.get("stroke"), group.get("stroke-width")) == ("rgb(18,52,86)", "3.5")
    assert group.get("fill") == "none" and group.get("stroke-linecap") == "round"
    assert root.find(f"{SVG_NS}rect") is None  # transparent: no background rectangle
    SvgRenderer().render([two_level_ink()], out)
    assert parse_svg(out)[0].find(f"{SVG_NS}rect").get("fill") == "white"


def test_svg_rows_and_labels(tmp_path):
    out = tmp_path / "rows.svg"
    a = two_level_ink().replace(meta={"label": "first"})
    b = two_level_ink().replace(meta={"label": "second"})
    SvgRenderer().render([a, b], out)
    root, paths, coords = parse_svg(out)
    assert root.get("height") == "320px" and len(paths) == 6
    texts = list(root.iter(f"{SVG_NS}text"))
    assert [t.text for t in texts] == ["first", "second"]
    assert np.vstack(coords[3:])[:, 1].min() > np.vstack(coords[:3])[:, 1].max()
    # 160-pixel rows get 20-pixel labels, fitted to their length in the PNG's font
    assert {t.get("font-size") for t in texts} == {"20px"}
    widths = [float(t.get("textLength")) for t in texts]
    assert widths == [label_font(20).getlength(w) for w in ("first", "second")]
    assert np.vstack(coords)[:, 0].min() > 4 + max(widths) + 12


# --- PNG ------------------------------------------------------------------------------------

def test_png_size_follows_height_and_proportions(tmp_path):
    out = tmp_path / "ink.png"
    PngRenderer().render([two_level_ink()], out, height=90)
    width, height = png_size(out)
    assert height == 90
    assert width == pytest.approx(90 * (60 + 2 * 0.06 * 45) / (45 + 2 * 0.06 * 45), abs=2)
    assert read_png(out).shape == (90, width, 4)


def test_png_is_antialiased_black_on_white(tmp_path):
    out = tmp_path / "ink.png"
    PngRenderer().render([two_level_ink()], out, stroke_width=3)
    img = read_png(out)
    grey = img[..., 0]
    assert (img[..., 3] == 255).all()
    assert grey[0, 0] == 255 and grey.min() == 0
    assert ((grey > 0) & (grey < 255)).sum() > 50  # soft edges, not a hard threshold
    assert (img[..., 0] == img[..., 1]).all() and (img[..., 1] == img[..., 2]).all()


def test_png_keeps_y_downwards(tmp_path):
    out = tmp_path / "ink.png"
    PngRenderer().render([two_level_ink()], out)
    ink = read_png(out)[..., 0] < 128
    rows, cols = np.nonzero(ink)
    width = ink.shape[1]
    left, right = rows[cols < width * 0.2], rows[cols > width * 0.5]
    assert right.min() > left.max()  # the long stroke (larger y) is drawn lower


def test_png_transparent_background_and_colour(tmp_path):
    out = tmp_path / "ink.png"
    PngRenderer().render([two_level_ink()], out, background="transparent", color="red",
                         stroke_width=4)
    img = read_png(out)
    corners = img[[0, 0, -1, -1], [0, -1, 0, -1]]
    assert (corners[:, 3] == 0).all()
    assert img[..., 3].max() == 255 and ((img[..., 3] > 0) & (img[..., 3] < 255)).any()
    solid = img[img[..., 3] == 255][:, :3]
    assert (solid == parse_colour("red")).all()


def test_png_colour_on_white(tmp_path):
    out = tmp_path / "ink.png"
    PngRenderer().render([two_level_ink()], out, color="#2050a0", stroke_width=4)
    img = read_png(out)
    assert tuple(img[..., :3].reshape(-1, 3).min(axis=0)) == (0x20, 0x50, 0xa0)
    assert (img[..., 0] <= img[..., 2]).all()  # blended towards blue, never another hue


def test_png_wider_strokes_cover_more(tmp_path):
    covered = []
    for width in (1, 4):
        out = tmp_path / f"w{width}.png"
        PngRenderer().render([two_level_ink()], out, stroke_width=width)
        covered.append((255 - read_png(out)[..., 0].astype(int)).sum())
    assert covered[1] > 2.5 * covered[0]


def test_png_label_is_drawn_in_the_label_column(tmp_path):
    out = tmp_path / "label.png"
    PngRenderer().render([two_level_ink().replace(meta={"label": "bias 0.75"})], out)
    img = read_png(out)
    dark = img[..., 0] < 255
    label_cols = 4 + int(np.ceil(label_font(20).getlength("bias 0.75")))
    assert dark[:, :label_cols].sum() > 100
    assert not dark[:, label_cols:label_cols + 12].any()  # the gap before the ink
    # antialiased text in a lighter tone than the ink, its capitals centred on the row
    label = img[:, :label_cols, 0]
    assert label.min() > 0 and ((label > 0) & (label < 255)).sum() > 50
    rows = np.nonzero(dark[:, :label_cols].any(axis=1))[0]
    assert 40 < rows.min() < 80 < rows.max() < 110


def test_png_labels_grow_with_the_rows(tmp_path):
    heights = []
    for px, size in ((60, 10), (400, 40)):
        out = tmp_path / f"label{px}.png"
        PngRenderer().render([two_level_ink().replace(meta={"label": "Hx"})], out, height=px)
        label_cols = 4 + int(np.ceil(label_font(size).getlength("Hx")))
        dark = read_png(out)[:, :label_cols, 0] < 128
        rows = np.nonzero(dark.any(axis=1))[0]
        heights.append(rows.max() - rows.min())
    assert heights[1] > 3 * heights[0]


# --- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("renderer", [SvgRenderer, PngRenderer])
@pytest.mark.parametrize("inks, options, message", [
    ([Ink(strokes=[])], {}, "nothing to draw"),
    ([], {}, "nothing to draw"),
    ([two_level_ink()], {"color": "octarine"}, "unknown colour 'octarine'"),
    ([two_level_ink()], {"color": "#12345g"}, "unknown colour"),
    ([two_level_ink()], {"background": "black"}, "'white' or 'transparent'"),
    ([two_level_ink()], {"height": 0}, "height must be positive"),
    ([two_level_ink()], {"height": 20000}, "too large"),
])
def test_bad_input_is_one_clear_error(tmp_path, renderer, inks, options, message):
    with pytest.raises(WritesmoothError, match=message):
        renderer().render(inks, tmp_path / "out", **options)


def test_colours_parse():
    assert parse_colour("#abc") == (0xaa, 0xbb, 0xcc)
    assert parse_colour(" Navy ") == (0, 0, 128)
    assert parse_colour("#000000") == (0, 0, 0)


def test_a_single_point_ink_renders(tmp_path):
    for suffix, renderer in ((".svg", SvgRenderer), (".png", PngRenderer)):
        out = tmp_path / f"dot{suffix}"
        renderer().render([Ink(strokes=[[[5, 5]]])], out)
        assert out.stat().st_size > 0
    assert (read_png(tmp_path / "dot.png")[..., 0] < 255).any()


def test_a_flat_ink_keeps_a_sensible_size(tmp_path):
    dash = Ink(strokes=[[[0, 10], [500, 10]]])
    PngRenderer().render([dash], tmp_path / "dash.png")
    width, height = png_size(tmp_path / "dash.png")
    assert height == 160 and width < 8000
    assert (read_png(tmp_path / "dash.png")[..., 0] < 255).any()
