"""Fixtures shared by every test module: where the real data is, and running the CLI in-process.

Kept small and generic on purpose; a fixture used by one module belongs in that module.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_IAM = ROOT.parent / "shared" / "iam-ondb"

# A tiny line file in the IAM-OnDB layout: two strokes, five points (y grows downwards).
IAM_LINE = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<WhiteboardCaptureSession>
  <WhiteboardDescription><SensorLocation corner="top_left"/></WhiteboardDescription>
  <StrokeSet>
    <Stroke colour="black" start_time="1.0" end_time="1.1">
      <Point x="100" y="200" time="1.00"/><Point x="110" y="180" time="1.01"/>
      <Point x="120" y="200" time="1.02"/>
    </Stroke>
    <Stroke colour="black" start_time="1.2" end_time="1.3">
      <Point x="130" y="190" time="1.20"/><Point x="150" y="190" time="1.21"/>
    </Stroke>
  </StrokeSet>
</WhiteboardCaptureSession>
"""


@pytest.fixture
def project_root() -> Path:
    """The repository root (where pyproject.toml is)."""
    return ROOT


@pytest.fixture(scope="module")
def shared_iam() -> Path:
    """``../shared/iam-ondb`` (the real IAM-OnDB files); the test is skipped where it is absent."""
    if not (SHARED_IAM / "lineStrokes-all.tar.gz").is_file():
        pytest.skip(f"real IAM-OnDB data not found at {SHARED_IAM}")
    return SHARED_IAM


@pytest.fixture
def iam_line_file(tmp_path) -> Path:
    """``tmp_path/a01-000u-01.xml``: the tiny :data:`IAM_LINE` (strokes
    ``[(100,200) (110,180) (120,200)]`` and ``[(130,190) (150,190)]``)."""
    path = tmp_path / "a01-000u-01.xml"
    path.write_bytes(IAM_LINE)
    return path


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Run ``writesmooth ARGS...`` in this process: ``run_cli("models", "--json")`` returns a
    :class:`CliResult` with the exit code and what went to stdout and stderr.

    The console is made wide so rich does not wrap lines that tests look for.
    """
    from writesmooth.cli.main import run

    monkeypatch.setenv("COLUMNS", "200")

    def _run(*args: str | os.PathLike) -> CliResult:
        capsys.readouterr()  # drop whatever an earlier call or the test printed
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return _run


@pytest.fixture
def register_plugin():
    """Register a module or object with hook implementations for the length of one test:
    ``register_plugin(module, "name")``; it is unregistered afterwards."""
    from writesmooth.plugins import get_toolkit

    names: list[str] = []

    def _register(plugin, name: str | None = None) -> str:
        registered = get_toolkit().register_plugin(plugin, name)
        names.append(registered)
        return registered

    yield _register
    tk = get_toolkit()
    for name in reversed(names):
        tk.unregister_plugin(name)


@pytest.fixture
def python_env(project_root):
    """Environment for subprocess runs of ``python -m writesmooth``: this interpreter's, with
    the console wide and colours off."""
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    env.pop("WRITESMOOTH_LOAD_PLUGINS", None)
    return env


PYTHON = sys.executable
