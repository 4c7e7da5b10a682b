"""The byte-level fast path gives exactly what the careful lxml reader gives, or declines."""
from __future__ import annotations

import numpy as np
import pytest

from writesmooth import InkFormatError
from writesmooth.data.iam_fast import decode_points, fast_line, read_line
from writesmooth.data.iam_xml import parse_iam_strokes

HEAD = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<WhiteboardCaptureSession>\n' \
       b'  <WhiteboardDescription>\n    <SensorLocation corner="top_left"/>\n' \
       b'  </WhiteboardDescription>\n  <StrokeSet>\n'
TAIL = b"  </StrokeSet>\n</WhiteboardCaptureSession>\n"
S1 = (b'    <Stroke colour="black" start_time="1.00" end_time="1.10">\n'
      b'      <Point x="916" y="3112" time="1.00"/>\n'
      b'      <Point x="-12" y="7" time="1.01"/>\n'
      b'    </Stroke>\n')
S2 = (b'    <Stroke colour="black" start_time="1.20" end_time="1.30">\n'
      b'      <Point x="1234567" y="0" time="1.20"/>\n'
      b'    </Stroke>\n')
BASE = HEAD + S1 + S2 + TAIL


def careful(data: bytes):
    try:
        strokes, writer, _ = parse_iam_strokes(data, "test.xml")
    except InkFormatError:
        return None
    return np.concatenate(strokes), [len(s) for s in strokes], writer


def fast(data: bytes):
    got = read_line(data)
    if got is None:
        return None
    points, lengths, writer = got
    return points.astype(np.float32), lengths, writer


TAKEN = {  # files the fast path must take
    "distribution layout": BASE,
    "leading zeros": BASE.replace(b'x="916"', b'x="0916"'),
    "an empty stroke": HEAD + S1 + b'    <Stroke colour="black" start_time="1" end_time="2">\n'
                       b'    </Stroke>\n' + S2 + TAIL,
    "a writer": BASE.replace(b"  <StrokeSet>", b'  <Form writerID="10042"/>\n  <StrokeSet>'),
    "minus zero": BASE.replace(b'y="0"', b'y="-0"'),
}
DECLINED = {  # files the fast path must leave to the careful reader (which may accept them)
    "text between points": BASE.replace(b'time="1.00"/>', b'time="1.00"/> hello'),
    "'>' in a time": BASE.replace(b'time="1.00"', b'time="1>00"'),
    "a control character in a value": BASE.replace(b'colour="black"', b'colour="bl\x0bck"', 1),
    "a control character in the header": BASE.replace(b"top_left", b"top\x0cleft"),
    "a form feed between tags": BASE.replace(b"    </Stroke>", b"\x0c</Stroke>", 1),
    "attributes reordered": BASE.replace(b'x="916" y="3112"', b'y="3112" x="916"'),
    "another attribute": BASE.replace(b'time="1.00"/>', b'time="1.00" pressure="3"/>'),
    "a float": BASE.replace(b'x="916"', b'x="916.5"'),
    "a plus sign": BASE.replace(b'x="916"', b'x="+916"'),
    "eight digits": BASE.replace(b'x="916"', b'x="12345678"'),
    "a comment": BASE.replace(b"    </Stroke>\n", b"    <!-- c -->\n    </Stroke>\n", 1),
    "CDATA": BASE.replace(b"hello", b"").replace(b"    </Stroke>", b"<![CDATA[x]]></Stroke>", 1),
    "CRLF line ends": BASE.replace(b"\n", b"\r\n"),
    "tabs": BASE.replace(b"      <Point", b"\t<Point"),
    "a nested stroke": BASE.replace(S2, S2.replace(b"    </Stroke>\n", S1 + b"    </Stroke>\n")),
    "a point outside strokes": HEAD + b'    <Point x="1" y="2" time="3"/>\n' + S1 + TAIL,
    "'<' in a time": BASE.replace(b'time="1.00"', b'time="1<00"'),
    "a repeated attribute": BASE.replace(b'colour="black" start', b'colour="a" colour="b" start', 1),
    "a stroke with other attributes": BASE.replace(b'colour="black" ', b'', 1),
    "a second StrokeSet first": BASE.replace(b"  <StrokeSet>\n", b"  <StrokeSet/>\n  <StrokeSet>\n"),
    "a StrokeSet that is not the root's": HEAD.replace(b"  <StrokeSet>", b"  <Foo><StrokeSet>")
    + S1 + TAIL.replace(b"</StrokeSet>", b"</StrokeSet></Foo>"),
    "a non-ASCII header": BASE.replace(b"top_left", b"top_l\xe9ft"),
    "a control character": BASE.replace(b"time=\"1.00\"/>", b"time=\"1.00\"/>\x01"),
    "']]>' in text": BASE.replace(b'time="1.00"/>', b'time="1.00"/>]]>'),
    "a point with an end tag": BASE.replace(b'time="1.01"/>', b'time="1.01"></Point>'),
    "no end of StrokeSet": BASE.replace(b"</StrokeSet>", b""),
    "truncated": BASE[:-60],
    "no points": HEAD + TAIL,
    "UTF-16": BASE.replace(b"ISO-8859-1", b"UTF-16").decode("latin-1").encode("utf-16"),
    "a DOCTYPE": BASE.replace(b"<WhiteboardCaptureSession>", b"<!DOCTYPE W []>\n"
                              b"<WhiteboardCaptureSession>"),
    "an entity reference": BASE.replace(b'time="1.00"', b'time="&amp;"'),
    "a non-numeric coordinate": BASE.replace(b'x="916"', b'x="9x6"'),
    "unclosed header": BASE.replace(b"  </WhiteboardDescription>\n", b""),
}


@pytest.mark.parametrize("case", sorted(TAKEN))
def test_the_fast_path_takes_these_and_agrees_with_the_careful_reader(case):
    got, want = fast(TAKEN[case]), careful(TAKEN[case])
    assert got is not None and want is not None
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1:] == want[1:]


@pytest.mark.parametrize("case", sorted(DECLINED))
def test_the_fast_path_declines_what_it_cannot_vouch_for(case):
    assert fast(DECLINED[case]) is None


def test_every_variant_agrees_or_is_declined():
    for case, data in {**TAKEN, **DECLINED}.items():
        got = fast(data)
        if got is not None:
            want = careful(data)
            assert want is not None, case
            np.testing.assert_array_equal(got[0], want[0])


def test_the_base_file_gives_the_expected_points():
    points, lengths, writer = fast(BASE)
    assert points.tolist() == [[916, 3112], [-12, 7], [1234567, 0]]
    assert lengths == [2, 1] and writer is None


@pytest.mark.parametrize("value", ["-", "--5", "5-", "12345678", "-12345678", "", " 5", "1.5",
                                   "+5", "0x10", "\uff15"])
def test_a_coordinate_that_is_not_a_plain_integer_is_declined(value):
    data = BASE.replace(b'x="916"', f'x="{value}"'.encode("utf-8"))
    assert fast(data) is None


def test_coordinates_of_every_width_and_sign():
    rng = np.random.default_rng(0)
    values = rng.integers(-9_999_999, 9_999_999, size=(3000, 2))
    values[:20] = [[0, -1], [-9999999, 9999999], [5, -5], [10, 100]] * 5
    stroke = b"".join(f'<Point x="{x}" y="{y}" time="1"/>'.encode() for x, y in values)
    data = BASE.replace(S2, b'    <Stroke colour="black" start_time="1" end_time="2">'
                        + stroke + b"</Stroke>\n")
    points, lengths, _ = fast(data)
    np.testing.assert_array_equal(points[2:], values)
    assert lengths == [2, 3000]


def test_points_of_several_files_are_decoded_together():
    files = [BASE, BASE.replace(b'x="916"', b'x="-5"'), TAKEN["a writer"]]
    found = [fast_line(f) for f in files]
    points = decode_points(files, [f[0] for f in found])
    assert points[:, 0].tolist() == [916, -12, 1234567, -5, -12, 1234567, 916, -12, 1234567]
    assert decode_points([], []).shape == (0, 2)
