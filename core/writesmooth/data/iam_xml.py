"""IAM-OnDB line files (``lineStrokes/a01/a01-000/a01-000u-01.xml``): read and write one line."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from lxml import etree

from ..errors import InkFormatError
from ..ink import Ink
from .xmlsafe import parse_xml


def line_id_from_name(name: str | Path) -> str:
    """``.../a01-000u-01.xml`` -> ``a01-000u-01``."""
    return Path(str(name)).name.rsplit(".", 1)[0]


def parse_iam_line(data: bytes, name: str | Path) -> Ink:
    """Parse the bytes of one IAM-OnDB line file into an :class:`Ink` (text empty: the
    transcript lives in the form's ascii file). Raises :class:`InkFormatError` on bad input."""
    root = parse_xml(data, name)
    strokeset = root.find("StrokeSet")
    if strokeset is None:
        raise InkFormatError(f"{name}: no <StrokeSet> (not an IAM-OnDB line file)")
    strokes = []
    for stroke in strokeset.iter("Stroke"):
        pts = stroke.findall("Point")
        if not pts:
            continue
        try:
            arr = np.array([(float(p.get("x")), float(p.get("y"))) for p in pts], np.float32)
        except (TypeError, ValueError):
            raise InkFormatError(f"{name}: a <Point> has a missing or non-numeric x or y") from None
        if not np.isfinite(arr).all():
            raise InkFormatError(f"{name}: a <Point> has a non-finite coordinate")
        strokes.append(arr)
    if not strokes:
        raise InkFormatError(f"{name}: the line file has no points")
    text = ""
    line_id = line_id_from_name(name)
    writer = None
    form = root.find("Form")
    if form is not None:
        writer = form.get("writerID")
    text_el = root.find("Text")  # written by write_iam_line so that exports keep their text
    if text_el is not None and text_el.text:
        text = text_el.text
    return Ink(strokes=strokes, text=text, id=line_id, source=str(name), writer=writer)


def write_iam_line(ink: Ink, path: Path) -> None:
    """Write ``ink`` in the IAM line layout. The text goes into an extra ``<Text>`` element
    (the original files keep it in the form's ascii file), which :func:`parse_iam_line` reads."""
    root = etree.Element("WhiteboardCaptureSession")
    if ink.text:
        etree.SubElement(root, "Text").text = ink.text
    sset = etree.SubElement(root, "StrokeSet")
    t = 0.0
    for stroke in ink.strokes:
        el = etree.SubElement(sset, "Stroke", colour="black")
        for x, y in stroke.tolist():
            etree.SubElement(el, "Point", x=_num(x), y=_num(y), time=f"{t:.2f}")
            t += 0.01
    Path(path).write_bytes(etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1",
                                          pretty_print=True))


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))
