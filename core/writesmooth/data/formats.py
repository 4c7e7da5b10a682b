"""Built-in ink formats, registered through ``register_datasets`` (see data/plugin.py)."""
from __future__ import annotations

from pathlib import Path

from ..api import InkFormat
from ..errors import InkFormatError
from ..ink import Ink
from .iam_xml import parse_iam_line, write_iam_line


class IamLineFormat(InkFormat):
    """One IAM-OnDB line file (``<WhiteboardCaptureSession><StrokeSet>``)."""

    name = "iam-xml"
    suffixes = (".xml",)
    can_write = True

    def sniff(self, head: bytes) -> bool:
        return b"<WhiteboardCaptureSession" in head or b"<StrokeSet" in head

    def read(self, path: Path) -> list[Ink]:
        return [parse_iam_line(Path(path).read_bytes(), path)]

    def write(self, inks: list[Ink], path: Path) -> None:
        if len(inks) != 1:
            raise InkFormatError(f"{path}: an IAM line file holds exactly one line, "
                                 f"got {len(inks)} (export to a folder instead)")
        write_iam_line(inks[0], path)
