"""IAM-OnDB line files (``lineStrokes/a01/a01-000/a01-000u-01.xml``): read and write one line.

This is the careful reader: every file it accepts is well-formed XML without a DTD. Dataset
loads try the byte-level reader in :mod:`.iam_fast` first and fall back to this one.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from lxml import etree

from ..errors import InkFormatError
from ..ink import Ink
from .xmlsafe import parse_xml


def line_id_from_name(name: str | Path) -> str:
    """``.../a01-000u-01.xml`` -> ``a01-000u-01`` (also for archive members ``x.tar.gz:...``)."""
    return str(name).replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]


def parse_iam_strokes(data: bytes, name: str | Path
                      ) -> tuple[list[np.ndarray], str | None, str]:
    """``(strokes, writer, text)`` of one line file; strokes without points are dropped.

    ``writer`` is ``<Form writerID=...>`` where the file has one (the line files of the IAM-OnDB
    distribution do not), ``text`` the ``<Text>`` element that :func:`write_iam_line` adds.
    Raises :class:`InkFormatError` naming the file on bad input.
    """
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
    form = root.find("Form")
    writer = form.get("writerID") if form is not None else None
    text_el = root.find("Text")
    text = (text_el.text or "") if text_el is not None else ""
    return strokes, writer, text


def parse_iam_line(data: bytes, name: str | Path) -> Ink:
    """Parse the bytes of one IAM-OnDB line file into an :class:`Ink` (text empty unless the file
    has a ``<Text>``: the transcript lives in the form's ascii file). Raises
    :class:`InkFormatError` on bad input."""
    strokes, writer, text = parse_iam_strokes(data, name)
    return Ink(strokes=strokes, text=text, id=line_id_from_name(name), source=str(name),
               writer=writer)


def iam_line_bytes(ink: Ink) -> bytes:
    """``ink`` in the IAM line layout. The text goes into an extra ``<Text>`` element (the
    original files keep it in the form's ascii file), the writer into ``<Form writerID>``; both
    are read back by :func:`parse_iam_line`."""
    root = etree.Element("WhiteboardCaptureSession")
    if ink.writer:
        etree.SubElement(root, "Form", writerID=ink.writer)
    if ink.text:
        try:
            etree.SubElement(root, "Text").text = ink.text
        except ValueError:
            raise InkFormatError(f"line {ink.id or '?'}: its text holds characters that XML "
                                 "cannot represent") from None
    etree.SubElement(root, "StrokeSet")
    # lxml writes the header (and escapes the text); the points, some 600 a line, are
    # formatted directly: an element per point made exporting a database take minutes.
    head, tail = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True).split(b"<StrokeSet/>")
    lines = ["<StrokeSet>"]
    t = 0
    for stroke in ink.strokes:
        lines.append('    <Stroke colour="black" start_time="%.2f" end_time="%.2f">'
                     % (t / 100, (t + max(len(stroke) - 1, 0)) / 100))
        for x, y in point_numbers(stroke):
            lines.append(f'      <Point x="{x}" y="{y}" time="{t / 100:.2f}"/>')
            t += 1
        lines.append("    </Stroke>")
    lines.append("  </StrokeSet>")
    return head + "\n".join(lines).encode() + tail


def write_iam_line(ink: Ink, path: Path) -> None:
    """Write ``ink`` to ``path`` in the IAM line layout (see :func:`iam_line_bytes`)."""
    Path(path).write_bytes(iam_line_bytes(ink))


def point_numbers(stroke: np.ndarray) -> list:
    """The stroke's points as the shortest numbers that read back as the same float32:
    integers without a decimal point, other values by ``repr`` of the exact float."""
    if np.array_equal(stroke, np.round(stroke)):
        return stroke.astype(np.int64).tolist()
    return [[int(v) if v.is_integer() else v for v in p] for p in stroke.astype(np.float64).tolist()]
