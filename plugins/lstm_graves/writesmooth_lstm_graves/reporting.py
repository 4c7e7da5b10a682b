"""What a training run writes beside the console: the JSON log of its batches, and the clock of
its checkpoints. (Messages and progress bars go through ``writesmooth.report``, the training
events through ``writesmooth.TrainEvents``.)"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any


class JsonLog:
    """One JSON object a line per batch; ``path`` None writes nothing."""

    def __init__(self, path: Path | None, *, append: bool) -> None:
        self._file = None
        if path is not None:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            # line-buffered: a killed run leaves every finished batch in the log
            self._file = path.open("a" if append else "w", encoding="utf-8", buffering=1)

    def write(self, record: dict[str, Any]) -> None:
        if self._file is not None:
            self._file.write(json.dumps({k: _json_number(v) for k, v in record.items()}) + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _json_number(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None  # JSON has no NaN; null says "no figure"
    return v


class Clock:
    """Minutes since the last checkpoint, on a monotonic clock."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def minutes(self) -> float:
        return (time.monotonic() - self.last) / 60.0

    def reset(self) -> None:
        self.last = time.monotonic()
