"""Built-in ink formats, registered through ``register_datasets`` (see data/plugin.py)."""
from __future__ import annotations

import re
from pathlib import Path

from ..api import InkFormat
from ..errors import InkFormatError
from ..ink import Ink

# The readers are imported when used: registering the formats happens on every command, and
# lxml need not be loaded for one that reads no XML (``data stats`` from the cache).


class IamLineFormat(InkFormat):
    """One IAM-OnDB line file (``<WhiteboardCaptureSession><StrokeSet>``)."""

    name = "iam-xml"
    suffixes = (".xml",)
    can_write = True

    def sniff(self, head: bytes) -> bool:
        return b"<WhiteboardCaptureSession" in head or b"<StrokeSet" in head

    def read(self, path: Path) -> list[Ink]:
        from .iam_xml import parse_iam_line

        return [parse_iam_line(Path(path).read_bytes(), path)]

    def write(self, inks: list[Ink], path: Path) -> None:
        from .iam_xml import write_iam_line

        if len(inks) != 1:
            raise InkFormatError(f"{path}: an IAM line file holds exactly one line, "
                                 f"got {len(inks)} (export to a folder instead)")
        write_iam_line(inks[0], path)


_INK_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?ink[\s>]")


class InkmlFormat(InkFormat):
    """W3C InkML: ``<ink>`` of ``<trace>``s, the text in ``<annotation type="truth">``."""

    name = "inkml"
    suffixes = (".inkml",)
    can_write = True

    def sniff(self, head: bytes) -> bool:
        return b"http://www.w3.org/2003/InkML" in head or _INK_ROOT.search(head) is not None

    def read(self, path: Path) -> list[Ink]:
        from .inkml import read_inkml

        return read_inkml(Path(path).read_bytes(), path)

    def write(self, inks: list[Ink], path: Path) -> None:
        from .inkml import inkml_bytes

        Path(path).write_bytes(inkml_bytes(inks))


class JsonLinesFormat(InkFormat):
    """JSON lines: ``{"id", "text", "strokes": [[[x, y], ...], ...]}`` per line."""

    name = "jsonl"
    suffixes = (".jsonl", ".json", ".ndjson")
    can_write = True

    def sniff(self, head: bytes) -> bool:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        return start in (b"{", b"[") and b'"strokes"' in head

    def read(self, path: Path) -> list[Ink]:
        from .jsonl import read_jsonl

        return read_jsonl(Path(path).read_bytes(), path)

    def write(self, inks: list[Ink], path: Path) -> None:
        from .jsonl import write_jsonl

        write_jsonl(inks, Path(path))
