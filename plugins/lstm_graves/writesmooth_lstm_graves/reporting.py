"""What a training run shows and tells: the rich progress bar, the JSON log, the event hooks.

Only rank 0 of a distributed run reports; the other processes get a :class:`Reporter` with
``active=False`` whose methods do nothing.
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from writesmooth import TrainRun


class Reporter:
    def __init__(self, run: TrainRun, *, active: bool, json_log: Path | None, append: bool) -> None:
        self.run = run
        self.active = active
        self._progress = None
        self._task = None
        self._json = None
        self._failed_hooks: set[str] = set()
        self._hook = None
        if not active:
            return
        from writesmooth.plugins import get_toolkit

        self._hook = get_toolkit().pm.hook
        if json_log is not None:
            json_log = Path(json_log)
            json_log.parent.mkdir(parents=True, exist_ok=True)
            # line-buffered: a killed run leaves every finished batch in the log
            self._json = json_log.open("a" if append else "w", encoding="utf-8", buffering=1)

    # --- console ---------------------------------------------------------------------------
    def print(self, message: str) -> None:
        if self.active:
            from writesmooth.cli.console import console

            console.print(message, markup=False, highlight=False)

    def warn(self, message: str) -> None:
        if self.active:
            from writesmooth.cli.console import warn

            warn(message)

    def start_epoch(self, epoch: int, epochs: int, total: int, done: int) -> None:
        if not self.active:
            return
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        from writesmooth.cli.console import console

        self.end_epoch()
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(bar_width=24), MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"), TextColumn("{task.fields[speed]} pts/s"),
            TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False)
        self._progress.start()
        self._task = self._progress.add_task(f"epoch {epoch + 1}/{epochs}", total=total,
                                             completed=done, loss="-", speed="-")

    def advance(self, loss: float, points_per_second: float) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, loss=f"{loss:.3f}",
                                  speed=f"{points_per_second:,.0f}")

    def end_epoch(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    # --- JSON log --------------------------------------------------------------------------
    def log_batch(self, record: dict[str, Any]) -> None:
        if self._json is not None:
            self._json.write(json.dumps({k: _json_number(v) for k, v in record.items()}) + "\n")

    def close(self) -> None:
        self.end_epoch()
        if self._json is not None:
            self._json.close()
            self._json = None

    # --- training events -------------------------------------------------------------------
    def event(self, name: str, **kwargs: Any) -> None:
        """Call a training-event hook. A failing listener is reported once and ignored: a plot
        that cannot be drawn must not end a run of several days."""
        if self._hook is None:
            return
        try:
            getattr(self._hook, name)(run=self.run, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any listener bug
            if name not in self._failed_hooks:
                self._failed_hooks.add(name)
                self.warn(f"a training listener failed in {name} ({type(exc).__name__}: {exc}); "
                          f"training goes on")


def _json_number(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None  # JSON has no NaN; null says "no figure"
    return v


class Clock:
    """Seconds since the last checkpoint, on a monotonic clock."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def minutes(self) -> float:
        return (time.monotonic() - self.last) / 60.0

    def reset(self) -> None:
        self.last = time.monotonic()
