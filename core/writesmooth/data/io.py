"""Reading and writing single handwriting files through the registered ink formats."""
from __future__ import annotations

from pathlib import Path

from ..api import InkFormat
from ..errors import InkFormatError
from ..ink import Ink


def _toolkit():
    from ..plugins import get_toolkit
    return get_toolkit()


def format_for(path: Path, head: bytes = b"", *, writing: bool = False) -> InkFormat:
    """The registered format for ``path``: by sniffing its first bytes, else by suffix."""
    formats = _toolkit().ink_formats()
    if writing:
        formats = [f for f in formats if f.can_write]
    if head:
        for fmt in formats:
            if fmt.sniff(head):
                return fmt
    suffix = path.suffix.lower()
    for fmt in formats:
        if suffix in fmt.suffixes:
            return fmt
    known = sorted({s for f in formats for s in f.suffixes})
    raise InkFormatError(f"{path}: unknown handwriting format '{suffix or '(no suffix)'}' "
                         f"(known: {', '.join(known)})")


def read_inks(path: str | Path) -> list[Ink]:
    """Every ink in a handwriting file (IAM line XML, InkML, JSON lines, ...)."""
    path = Path(path)
    if not path.exists():
        raise InkFormatError(f"{path}: no such file")
    if path.is_dir():
        raise InkFormatError(f"{path}: is a folder, not a handwriting file")
    with path.open("rb") as fh:
        head = fh.read(2048)
    inks = format_for(path, head).read(path)
    if not inks:
        raise InkFormatError(f"{path}: holds no handwriting")
    return inks


def read_ink(path: str | Path) -> Ink:
    """The one ink in a handwriting file (the first, if it holds several)."""
    return read_inks(path)[0]


def write_inks(inks: list[Ink], path: str | Path) -> None:
    path = Path(path)
    format_for(path, writing=True).write(inks, path)
