"""The fast path of a dataset load: IAM-OnDB line files read at the byte level.

Why a second parser beside the careful one (:mod:`.iam_xml`): the load-speed figure. A cold
load of the whole database must stay at least 3x faster than a plain lxml loop. In one run of
``python benchmarks/bench_load.py`` (2 busy cores) the ratio reference / cold was 3.83x with
this fast path and 0.87x with every file through the careful reader (CPU seconds: 3.85x and
0.87x). The careful reader stays the one that reads single files and says what is wrong with
a bad one: this one declines every file it cannot vouch for, valid XML included.

Building an element tree for 7 million ``<Point>``s is what makes a plain lxml loop slow. The
line files of the distribution all have one shape::

    <Stroke colour="black" start_time="..." end_time="...">
      <Point x="916" y="3112" time="14921023.64"/> ...
    </Stroke>

so one compiled regex (:data:`_BODY`) checks a file's whole ``<StrokeSet>`` against that shape,
and numpy then reads the coordinates at the places the shape puts them, without making a Python
object per number. The fast path is only taken when it is certain to give what the careful
reader (:func:`.iam_xml.parse_iam_strokes`) gives: :func:`fast_line` returns ``None`` for any
file it cannot vouch for (a DTD, an entity, a comment, a character outside ASCII, a control
character, text between tags, another attribute layout, a coordinate that is not a plain
integer, no points, ...), and the caller then parses that file with the careful reader, which
also says what is wrong with it.

Why the checks are enough: the file is ASCII without '!' (no DTD, entity, comment or CDATA),
'&' or ']' (no ']]>'); the body between ``<StrokeSet>`` and ``</StrokeSet>`` matches
:data:`_BODY` in full, which allows strokes of points and spaces and line feeds only, fixed
attribute names (no attribute twice), no '<' or control character in an attribute value, and
coordinates of 1 to 7 digits (float32 holds them exactly). The rest of the document either
matches the distribution's header and tail exactly (:data:`_HEAD`, :data:`_TAIL`, as strict) or
is parsed by lxml with the ``<StrokeSet>`` emptied, which checks that it is well-formed and that
the StrokeSet is the root's only one.
"""
from __future__ import annotations

import re

import numpy as np
from lxml import etree

from .xmlsafe import safe_parser

# Possessive quantifiers: nothing here ever needs to backtrack, and saying so halves the time.
# Whitespace is only what the files hold (space, LF) and values hold no control character, so
# these regexes also keep out every character that XML forbids (the file is ASCII already).
_VALUE = rb'[^"<\x00-\x1f]*+'
_BODY = re.compile(
    rb'(?:[ \n]*+<Stroke colour="' + _VALUE + rb'" start_time="' + _VALUE + rb'" end_time="'
    + _VALUE + rb'">(?:[ \n]*+<Point x="-?\d{1,7}+" y="-?\d{1,7}+" time="[0-9.]*+"/>)*+'
    rb'[ \n]*+</Stroke>)*+[ \n]*+')
_OPEN, _CLOSE = b"<StrokeSet>", b"</StrokeSet>"
_HEAD = re.compile(
    rb'<\?xml version="1\.0" encoding="ISO-8859-1"\?>[ \n]*<WhiteboardCaptureSession>[ \n]*'
    rb'<WhiteboardDescription>[ \n]*(?:<SensorLocation corner="' + _VALUE + rb'"/>[ \n]*|'
    rb'<(?:Diagonally|Vertically|Horizontally)OppositeCoords x="' + _VALUE + rb'" y="' + _VALUE
    + rb'"/>[ \n]*)*</WhiteboardDescription>[ \n]*')
_TAIL = re.compile(rb'[ \n]*</WhiteboardCaptureSession>[ \n]*')
_X_AT = len(b'<Point x="')  # from a point's '<' to its x value

FastLine = tuple[np.ndarray, list[int], "str | None"]


def fast_line(data: bytes) -> FastLine | None:
    """``(x_at, stroke_lengths, writer)`` of a line file, or ``None`` when the careful reader
    must decide. ``x_at`` holds where each point's x value starts in ``data``, for
    :func:`decode_points`; strokes without points are dropped, as the careful reader does."""
    # '!' starts every DOCTYPE, ENTITY, comment and CDATA section; ']' is needed for ']]>'.
    if not data.isascii() or b"!" in data or b"&" in data or b"]" in data:
        return None
    start, end = data.find(_OPEN), data.find(_CLOSE)
    if start < 0 or end < start:
        return None
    if _HEAD.fullmatch(data, 0, start) and _TAIL.fullmatch(data, end + len(_CLOSE)):
        writer = None
    else:
        ok, writer = _check_header(data[:start] + b"<StrokeSet/>" + data[end + len(_CLOSE):])
        if not ok:
            return None
    start += len(_OPEN)
    if _BODY.fullmatch(data, start, end) is None:
        return None
    # The body now is strokes of points and nothing else, so its '<'s are, in order, a stroke's
    # '<S', its points' '<P' and its '</': points per stroke = gap between strokes' '<' - 2.
    raw = np.frombuffer(data, np.uint8)
    lt = np.flatnonzero(raw[start:end] == ord("<"))
    kind = raw[start + 1:end + 1][lt]
    x_at = lt[kind == ord("P")] + (start + _X_AT)
    if len(x_at) == 0:
        return None
    lengths = np.diff(np.append(np.flatnonzero(kind == ord("S")), len(lt))) - 2
    return x_at, lengths[lengths > 0].tolist(), writer


def _check_header(document: bytes) -> tuple[bool, str | None]:
    """``(ok, writer)`` of the document without its points: ``ok`` when it is a well-formed line
    file whose root holds the ``<StrokeSet>``; ``writer`` from ``<Form writerID>`` if any."""
    try:
        root = etree.fromstring(document, safe_parser())
    except (etree.XMLSyntaxError, ValueError):
        return False, None
    # The one StrokeSet must be the root's child, the one the careful reader takes.
    if root is None or root.find("StrokeSet") is None or len(list(root.iter("StrokeSet"))) != 1:
        return False, None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        return False, None
    form = root.find("Form")
    return True, (form.get("writerID") if form is not None else None)


def decode_points(files: list[bytes], x_ats: list[np.ndarray]) -> np.ndarray:
    """``(N, 2)`` int32 coordinates of the points that :func:`fast_line` found in ``files``.

    The files are joined and every 8 bytes at every offset are seen as one little-endian uint64
    (numpy allows the unaligned view), so a point's x or y is one gather away; the numbers'
    lengths and values then come from a few whole-column operations.
    """
    if not files:
        return np.zeros((0, 2), np.int32)
    buf = np.frombuffer(b"".join(files) + bytes(16), np.uint8)
    offsets = np.cumsum([0] + [len(f) for f in files[:-1]])
    x_at = np.concatenate([at + off for at, off in zip(x_ats, offsets.tolist())])
    words = np.ndarray((len(buf) - 8,), dtype="<u8", buffer=buf, strides=(1,))
    x_len = 1 + _first_quote(words[x_at + 1])  # a value has 1 to 8 characters
    y_at = x_at + x_len + len(b'" y="')
    y_len = 1 + _first_quote(words[y_at + 1])
    out = np.empty((len(x_at), 2), np.int32)
    out[:, 0] = _digits_to_int(words[x_at], x_len.astype(np.uint64))
    out[:, 1] = _digits_to_int(words[y_at], y_len.astype(np.uint64))
    return out


_U = np.uint64
_ALL = _U(0xFFFFFFFFFFFFFFFF)
_ONES, _HIGHS = _U(0x0101010101010101), _U(0x8080808080808080)


def _first_quote(words: np.ndarray) -> np.ndarray:
    """Index (0-7) of the first '"' in each word's bytes (one is there: the regex said so).

    The classic zero-byte test on ``word ^ '""""""""'``: its lowest set bit is exact (bits above
    the first zero byte may be wrong, and are not looked at).
    """
    t = words ^ _U(0x2222222222222222)
    found = (t - _ONES) & ~t & _HIGHS
    lowest = found & (~found + _U(1))
    # lowest == 2 ** (8 * index + 7); frexp reads the exponent exactly.
    return (np.frexp(lowest.astype(np.float64))[1] - 8) // 8


def _digits_to_int(words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Integers from up to 8 ASCII characters (``-?[0-9]+``) held little-endian in uint64 words.

    SWAR: right-align the digits, keep their low nibbles, then add neighbouring digits, pairs
    and quads with one multiply each, so that a whole column is converted in a few passes.
    """
    words = words & (_ALL >> (_U(8) * (_U(8) - lengths)))  # drop what follows the number
    negative = (words & _U(0xFF)) == _U(ord("-"))
    words[negative] = (words[negative] & ~_U(0xFF)) | _U(ord("0"))  # '-' becomes a leading 0
    words <<= _U(8) * (_U(8) - lengths)
    words &= _U(0x0F0F0F0F0F0F0F0F)
    words = (words * _U(10) + (words >> _U(8))) & _U(0x00FF00FF00FF00FF)
    words = (words * _U(100) + (words >> _U(16))) & _U(0x0000FFFF0000FFFF)
    words = (words * _U(10000) + (words >> _U(32))) & _U(0xFFFFFFFF)
    values = words.astype(np.int64)
    values[negative] *= -1
    return values


def read_line(data: bytes) -> tuple[np.ndarray, list[int], str | None] | None:
    """:func:`fast_line` and :func:`decode_points` for one file: ``(points, lengths, writer)``."""
    found = fast_line(data)
    if found is None:
        return None
    x_at, lengths, writer = found
    return decode_points([data], [x_at]), lengths, writer
