"""InkML (W3C Ink Markup Language 1.0): ``<ink>`` with ``<trace>``s, text in an annotation.

One ink per file is written as ``<ink>`` holding ``<annotation type="truth">`` (the text),
``"id"`` and ``"writer"`` annotations and the traces; several as one ``<traceGroup>`` each
(with ``xml:id`` where the id is an NCName), holding its own annotations and traces. Reading
accepts both, a ``<traceFormat>`` that puts X and Y elsewhere than first, and the spec's value
qualifiers (``!`` explicit, ``'`` first difference, ``"`` second difference).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from lxml import etree

from ..errors import InkFormatError
from ..ink import Ink
from .iam_xml import point_numbers
from .xmlsafe import parse_xml

NS = "http://www.w3.org/2003/InkML"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
TEXT_TYPES = ("truth", "transcription", "text", "label")  # annotation types read as the text
_NCNAME = re.compile(r"[A-Za-z_][\w.-]*$")  # what xml:id allows (ASCII subset)
_VALUE = re.compile(r"""([!'"]?)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[TF*?])""")


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def read_inkml(data: bytes, name: str | Path) -> list[Ink]:
    """The inks of an InkML document; raises :class:`InkFormatError` naming ``name``."""
    root = parse_xml(data, name)
    if _local(root) != "ink":
        raise InkFormatError(f"{name}: not InkML (the root element is <{_local(root)}>)")
    x_at, y_at = _channels(root, name)
    top_traces = _children(root, "trace")
    groups = _children(root, "traceGroup")
    if top_traces or not groups:
        units = [(root, top_traces)]
    else:  # one ink per top-level traceGroup, as written by write_inkml
        units = [(g, [t for t in g.iter() if _local(t) == "trace"]) for g in groups]
    inks = []
    for holder, traces in units:
        strokes = [_trace_points(t, x_at, y_at, name) for t in traces]
        strokes = [s for s in strokes if len(s)]
        inks.append(Ink(strokes=strokes, text=_annotation(holder, TEXT_TYPES),
                        id=_annotation(holder, ("id",)) or holder.get(XML_ID) or "",
                        writer=_annotation(holder, ("writer",)) or None, source=str(name)))
    if not any(ink.n_points for ink in inks):
        raise InkFormatError(f"{name}: the InkML has no trace with points")
    return inks


def _annotation(el: etree._Element, types: tuple[str, ...]) -> str:
    for kind in types:
        for a in _children(el, "annotation"):
            if a.get("type") == kind:
                return a.text or ""
    return ""


def _channels(root: etree._Element, name: str | Path) -> tuple[int, int]:
    """Positions of X and Y in each point: from the first ``<traceFormat>``, else 0 and 1."""
    for fmt in root.iter():
        if _local(fmt) == "traceFormat":
            names = [c.get("name", "").upper() for c in fmt.iter() if _local(c) == "channel"]
            if "X" not in names or "Y" not in names:
                raise InkFormatError(f"{name}: the traceFormat has no X and Y channels")
            return names.index("X"), names.index("Y")
    return 0, 1


def _trace_points(trace: etree._Element, x_at: int, y_at: int,
                  name: str | Path) -> np.ndarray:
    text = "".join(trace.itertext()).strip()
    if not text:
        return np.zeros((0, 2), np.float32)
    mode: dict[int, str] = {}        # channel -> "!" "'" '"' as the spec's qualifiers set it
    last: dict[int, float] = {}      # channel -> last value
    velocity: dict[int, float] = {}  # channel -> last first difference
    points = []
    for number, chunk in enumerate(text.split(","), 1):
        tokens = _VALUE.findall(chunk)
        if "".join(q + v for q, v in tokens).replace(" ", "") != re.sub(r"\s+", "", chunk):
            raise InkFormatError(f"{name}: point {number} of a <trace> is not numeric: "
                                 f"{chunk.strip()[:40]!r}")
        values = []
        for channel, (qualifier, token) in enumerate(tokens):
            if channel not in (x_at, y_at):
                continue
            if token in ("T", "F", "*", "?"):
                raise InkFormatError(f"{name}: point {number} has {token!r} for a coordinate")
            mode[channel] = qualifier or mode.get(channel, "!")
            value = float(token)
            if mode[channel] == "'":
                velocity[channel] = value
                value = last.get(channel, 0.0) + value
            elif mode[channel] == '"':
                velocity[channel] = velocity.get(channel, 0.0) + value
                value = last.get(channel, 0.0) + velocity[channel]
            else:
                velocity[channel] = value - last.get(channel, value)
            last[channel] = value
            values.append((channel, value))
        found = dict(values)
        if x_at not in found or y_at not in found:
            raise InkFormatError(f"{name}: point {number} of a <trace> lacks X or Y")
        points.append((found[x_at], found[y_at]))
    arr = np.array(points, np.float32)
    if not np.isfinite(arr).all():
        raise InkFormatError(f"{name}: a <trace> has a non-finite coordinate")
    return arr


def inkml_bytes(inks: list[Ink]) -> bytes:
    """An InkML document holding ``inks`` (see the module's docstring for the layout)."""
    root = etree.Element(f"{{{NS}}}ink", nsmap={None: NS})
    if len(inks) == 1:
        _fill(root, inks[0])
    else:
        for ink in inks:
            group = etree.SubElement(root, f"{{{NS}}}traceGroup")
            if _NCNAME.match(ink.id):
                group.set(XML_ID, ink.id)
            _fill(group, ink)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _fill(holder: etree._Element, ink: Ink) -> None:
    # The id is also an annotation: <ink> has no id attribute, and xml:id takes only NCNames.
    notes = [("truth", ink.text), ("writer", ink.writer or ""), ("id", ink.id)]
    for kind, value in notes:
        if value:
            note = etree.SubElement(holder, f"{{{NS}}}annotation", type=kind)
            try:
                note.text = value
            except ValueError:
                raise InkFormatError(f"line {ink.id or '?'}: its {kind} holds characters that "
                                     "XML cannot represent") from None
    for stroke in ink.strokes:
        trace = etree.SubElement(holder, f"{{{NS}}}trace")
        trace.text = ", ".join(f"{x} {y}" for x, y in point_numbers(stroke))
