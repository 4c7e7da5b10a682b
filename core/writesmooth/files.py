"""Writing files so that a crash or a kill never leaves half of one behind."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Union

Content = Union[bytes, str, Callable[[BinaryIO], None]]


def atomic_write(path: Path, content: Content) -> Path:
    """Write ``content`` (bytes, text as UTF-8, or a function that writes to a binary file
    object, e.g. ``lambda fh: torch.save(obj, fh)``) to a temporary file beside ``path``, flush
    it to disk and rename it into place. Readers see the old file or the new one, never a torn
    one; on any error the temporary file is removed and the old file is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(content, str):
                fh.write(content.encode("utf-8"))
            elif isinstance(content, (bytes, bytearray, memoryview)):
                fh.write(content)
            else:
                content(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
