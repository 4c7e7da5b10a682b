"""The fast path of a dataset load: IAM-OnDB line files read at the byte level.

Building an element tree for 7 million ``<Point>``s is what makes a plain lxml loop slow. The
line files of the distribution all have one shape::

    <Stroke colour="black" start_time="..." end_time="...">
      <Point x="916" y="3112" time="14921023.64"/> ...
    </Stroke>

so one compiled regex pulls the coordinates out of ``<StrokeSet>`` and numpy turns them into
integers. The fast path is only taken when it is certain to give what the careful reader
(:func:`.iam_xml.parse_iam_strokes`) gives: :func:`fast_line` returns ``None`` for any file it
cannot vouch for (a DTD, an entity, a comment, a character outside ASCII, a control character,
another attribute layout, a coordinate that is not a plain integer, no points, ...), and the
caller then parses that file with the careful reader, which also says what is wrong with it.

Why the checks are enough: the file is ASCII without '!' (no DTD, entity, comment or CDATA),
'&', ']' or a control character but LF, so no text or attribute value can be ill-formed; each
stroke must open with a ``<Stroke ...>`` tag matched in full, every other ``<`` in it must start
a ``<Point .../>`` matched in full by :data:`_POINT` (counted: one ``<`` too many and the file
goes to the careful reader), and nothing but text may follow the last ``</Stroke>``. The rest
of the document (header and tail) either matches the distribution's header exactly or is parsed
by lxml with the ``<StrokeSet>`` emptied, which checks that it is well-formed and that the
StrokeSet is the root's only one.
"""
from __future__ import annotations

import re

import numpy as np
from lxml import etree

from .xmlsafe import safe_parser

# One point; group 1 is b'916" y="3112'. At most 7 digits: the values fit 8 bytes with a sign
# (see _digits_to_int) and float32 holds them exactly.
# The values may hold any character but '"': a '<' in one would be one '<' too many for its
# stroke (see fast_line) and '&' is refused outright; a narrower class makes the regex slower.
_POINT = re.compile(rb'<Point x="(-?\d{1,7}" y="-?\d{1,7})" time="[^"]*"/>')
# A stroke's opening tag, exactly as the distribution writes it: fixed attribute names rule out
# a repeated attribute, which lxml would reject.
_STROKE_OPEN = re.compile(
    rb'\s*<Stroke colour="[^"]*" start_time="[^"]*" end_time="[^"]*">')
_OPEN, _CLOSE = b"<StrokeSet>", b"</StrokeSet>"
# The header and tail of the distribution's files, in full: checked with a regex, they need no
# parser (fixed attribute names again rule out repeats). Any other header goes to lxml.
_HEAD = re.compile(
    rb'<\?xml version="1\.0" encoding="ISO-8859-1"\?>\s*<WhiteboardCaptureSession>\s*'
    rb'<WhiteboardDescription>\s*(?:<SensorLocation corner="[^"<]*"/>\s*|'
    rb'<(?:Diagonally|Vertically|Horizontally)OppositeCoords x="[^"<]*" y="[^"<]*"/>\s*)*'
    rb'</WhiteboardDescription>\s*')
_TAIL = re.compile(rb'\s*</WhiteboardCaptureSession>\s*')


def fast_line(data: bytes) -> tuple[list[bytes], list[int], str | None] | None:
    """``(point_texts, stroke_lengths, writer)`` of a line file, or ``None`` when the careful
    reader must decide. ``point_texts`` are ``b'X" y="Y'`` for :func:`decode_points`; strokes
    without points are dropped, as the careful reader does."""
    # '!' starts every DOCTYPE, ENTITY, comment and CDATA section; ']' is needed for ']]>'.
    if not data.isascii() or b"!" in data or b"&" in data or b"]" in data:
        return None
    # XML allows no control character but tab, CR and LF; the files have only LF.
    if np.count_nonzero(np.frombuffer(data, np.uint8) < 32) != data.count(b"\n"):
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
    pieces = data[start:end].split(b"</Stroke>")
    if b"<" in pieces.pop():  # after the last </Stroke>: nothing but text
        return None
    if not all(map(_STROKE_OPEN.match, pieces)):
        return None
    lengths = [piece.count(b"<") - 1 for piece in pieces]  # every other '<' must be a point
    points = _POINT.findall(data, start, end)
    if not points or len(points) != sum(lengths):
        return None
    return points, [n for n in lengths if n], writer


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


_U = np.uint64
_ALL = _U(0xFFFFFFFFFFFFFFFF)
_WIDTH = 24  # bytes of b'X" y="Y' at most: 8 + 5 + 8, rounded up


def decode_points(texts: list[bytes]) -> np.ndarray:
    """``(N, 2)`` int32 coordinates of ``b'X" y="Y'`` texts, as :data:`_POINT` captures them.

    Works on fixed-width byte rows so that no Python object is made per number; run it on
    chunks of some 10^5 points, whose temporaries stay small.
    """
    n = len(texts)
    if n == 0:
        return np.zeros((0, 2), np.int32)
    rows = np.array(texts, dtype=f"S{_WIDTH}")
    raw = rows.view(np.uint8).reshape(n, _WIDTH)
    x_len = np.argmax(raw[:, :9] == ord('"'), axis=1)  # the quote that ends X
    total = np.strings.str_len(rows)
    y_len = total - x_len - 5
    x_words = np.ascontiguousarray(raw[:, :8]).view(_U).ravel()
    # Y starts after '" y="', at a different byte in each row: gather its 8 bytes.
    flat = np.concatenate([raw.ravel(), np.zeros(8, np.uint8)])
    windows = np.lib.stride_tricks.as_strided(flat, shape=(n * _WIDTH, 8), strides=(1, 1))
    y_words = windows[np.arange(n) * _WIDTH + x_len + 5].copy().view(_U).ravel()
    out = np.empty((n, 2), np.int32)
    out[:, 0] = _digits_to_int(x_words, x_len.astype(_U))
    out[:, 1] = _digits_to_int(y_words, y_len.astype(_U))
    return out


def _digits_to_int(words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Integers from up to 8 ASCII characters (``-?\\d+``) held little-endian in uint64 words.

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
