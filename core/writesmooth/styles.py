"""Styles a person keeps: a named handwriting sample (one or several lines with their text),
and what a model learnt of it (an adapter, made by ``writesmooth style adapt``).

A style bank is a folder (:func:`default_styles_dir`: the user's data folder, or
``--styles-dir`` / ``WRITESMOOTH_STYLES_DIR``) holding one folder per style::

    <name>/style.json              the lines and their text (format writesmooth-style/1)
    <name>/adapters/<model>.adapter  what the model learnt (the model's own file format)
    <name>/adapters/<model>.resume   an adaptation interrupted before it finished

A style travels as one JSON file (``style export`` / ``style import``): the lines, and each
adapter as base64 with its SHA-256. Nothing in it is executed or unpickled; it is read within
:data:`LIMITS` and every field is checked, so a corrupt or hostile file is refused with one line.
Preset styles come from plugins (the ``register_styles`` hook) and are read-only.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .errors import WritesmoothError
from .files import atomic_write
from .ink import Ink

FORMAT = "writesmooth-style/1"
ENV_DIR = "WRITESMOOTH_STYLES_DIR"
STYLE_FILE = "style.json"
ADAPTERS = "adapters"
ADAPTER_SUFFIX = ".adapter"
RESUME_SUFFIX = ".resume"
NAME_RULE = "1 to 40 letters, digits, '-' or '_', starting with a letter or digit"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}\Z")
_MODEL = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}\Z")


@dataclass(frozen=True)
class Limits:
    """What a style file may hold (import refuses more)."""

    file_bytes: int = 32 * 2**20       # the whole file, adapters included
    lines: int = 64                    # lines of writing
    points: int = 200_000              # points over all lines
    strokes: int = 20_000              # strokes over all lines
    text: int = 2_000                  # characters of a line's text
    description: int = 200             # characters of the description
    adapter_bytes: int = 16 * 2**20    # one adapter
    coordinate: float = 1e7            # |x|, |y|


LIMITS = Limits()


def default_styles_dir() -> Path:
    """``$WRITESMOOTH_STYLES_DIR``, else ``styles`` in the user's data folder (platformdirs:
    ``~/.local/share/writesmooth/styles`` on Linux)."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR]).expanduser()
    import platformdirs

    return platformdirs.user_data_path("writesmooth", appauthor=False) / "styles"


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise WritesmoothError(f"{name!r} is not a style name: use {NAME_RULE}")
    return name


def _check_model(model: str) -> str:
    if not isinstance(model, str) or not _MODEL.match(model):
        raise WritesmoothError(f"{model!r} is not a model name an adapter can be stored for")
    return model


@dataclass
class Style:
    """A named handwriting sample: its lines (each an :class:`Ink` with its text)."""

    name: str
    lines: list[Ink]
    description: str = ""
    folder: Path | None = None     # where it is kept (a preset: beside its plugin's file)
    preset: bool = False
    origin: str = ""               # the plugin that registered a preset

    @property
    def sample(self) -> Ink:
        """The line that primes a model: the one with the longest text (the first of those)."""
        return max(self.lines, key=lambda ink: len(ink.text.strip()))

    @property
    def points(self) -> int:
        return sum(ink.n_points for ink in self.lines)

    def adapter(self, model: str) -> Path | None:
        """The adapter ``model`` made of this style, or ``None``."""
        path = self.adapter_path(model)
        return path if path is not None and path.is_file() else None

    def adapter_path(self, model: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / ADAPTERS / f"{_check_model(model)}{ADAPTER_SUFFIX}"

    def resume_path(self, model: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / ADAPTERS / f"{_check_model(model)}{RESUME_SUFFIX}"

    def adapters(self) -> dict[str, Path]:
        """Every adapter of this style, by model name."""
        if self.folder is None or not (self.folder / ADAPTERS).is_dir():
            return {}
        return {p.name[:-len(ADAPTER_SUFFIX)]: p
                for p in sorted((self.folder / ADAPTERS).glob(f"*{ADAPTER_SUFFIX}"))
                if _MODEL.match(p.name[:-len(ADAPTER_SUFFIX)])}

    def to_dict(self, *, adapters: bool = False) -> dict[str, Any]:
        """The style file's content; with ``adapters``, each adapter as base64 too."""
        data: dict[str, Any] = {
            "format": FORMAT, "name": self.name, "description": self.description,
            "lines": [{"text": ink.text,
                       "strokes": [np.round(s, 1).tolist() for s in ink.strokes]}
                      for ink in self.lines]}
        if adapters:
            data["adapters"] = {}
            for model, path in self.adapters().items():
                blob = path.read_bytes()
                data["adapters"][model] = {"sha256": hashlib.sha256(blob).hexdigest(),
                                           "data": base64.b64encode(blob).decode("ascii")}
        return data

    def summary(self) -> dict[str, Any]:
        """What ``style list --json`` says of it."""
        return {"name": self.name, "description": self.description,
                "preset": self.preset, "lines": len(self.lines), "points": self.points,
                "text": [ink.text for ink in self.lines],
                "adapted": {m: p.stat().st_size for m, p in self.adapters().items()}}


# --- reading and checking a style file -------------------------------------------------------
def _bad(where: str, why: str) -> WritesmoothError:
    return WritesmoothError(f"{where}: not a usable style file ({why})")


def _number(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
            or abs(v) > LIMITS.coordinate:
        raise _bad(where, f"a coordinate is not a finite number within ±{LIMITS.coordinate:g}")
    return float(v)


def _text(v: Any, limit: int, what: str, where: str) -> str:
    if not isinstance(v, str):
        raise _bad(where, f"{what} is not text")
    if len(v) > limit:
        raise _bad(where, f"{what} is longer than {limit} characters")
    if any(ord(ch) < 32 and ch not in "\t" for ch in v):
        raise _bad(where, f"{what} holds control characters")
    return v


def parse_style(data: Any, where: str) -> tuple[str, str, list[Ink], dict[str, bytes]]:
    """``(name, description, lines, adapters)`` of a style file's parsed JSON, every field
    checked against :data:`LIMITS`; anything else raises one line naming ``where``."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _bad(where, f"its format is not {FORMAT}")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _bad(where, f"its name {name!r} is not {NAME_RULE}")
    description = _text(data.get("description", ""), LIMITS.description, "the description",
                        where)
    raw = data.get("lines")
    if not isinstance(raw, list) or not raw:
        raise _bad(where, "it holds no line of writing")
    if len(raw) > LIMITS.lines:
        raise _bad(where, f"more than {LIMITS.lines} lines")
    lines, points, strokes = [], 0, 0
    for n, line in enumerate(raw, 1):
        if not isinstance(line, dict) or not isinstance(line.get("strokes"), list):
            raise _bad(where, f"line {n} is not an object with strokes")
        text = _text(line.get("text", ""), LIMITS.text, f"the text of line {n}", where)
        arrays = []
        for stroke in line["strokes"]:
            if not isinstance(stroke, list) or not stroke:
                raise _bad(where, f"a stroke of line {n} is not a list of points")
            points += len(stroke)
            strokes += 1
            if points > LIMITS.points or strokes > LIMITS.strokes:
                raise _bad(where, f"more than {LIMITS.points:,} points or "
                                  f"{LIMITS.strokes:,} strokes")
            if not all(isinstance(p, list) and len(p) == 2 for p in stroke):
                raise _bad(where, f"a point of line {n} is not [x, y]")
            arrays.append(np.array([[_number(x, where), _number(y, where)] for x, y in stroke]))
        ink = Ink(strokes=arrays, text=text, id=f"{name}-{n}")
        if ink.n_points < 2:
            raise _bad(where, f"line {n} has no handwriting")
        if not text.strip():
            raise _bad(where, f"line {n} has no text")
        lines.append(ink)
    adapters = {}
    given = data.get("adapters", {})
    if not isinstance(given, dict):
        raise _bad(where, "its adapters are not an object")
    for model, entry in given.items():
        if not isinstance(model, str) or not _MODEL.match(model):
            raise _bad(where, f"an adapter is named {model!r}, not a model name")
        if not isinstance(entry, dict) or not isinstance(entry.get("data"), str) \
                or not isinstance(entry.get("sha256"), str):
            raise _bad(where, f"the adapter for {model} has no data and sha256")
        if len(entry["data"]) > LIMITS.adapter_bytes * 4 // 3 + 4:
            raise _bad(where, f"the adapter for {model} is over {LIMITS.adapter_bytes:,} bytes")
        try:
            blob = base64.b64decode(entry["data"], validate=True)
        except (binascii.Error, ValueError):
            raise _bad(where, f"the adapter for {model} is not base64") from None
        if hashlib.sha256(blob).hexdigest() != entry["sha256"].lower():
            raise _bad(where, f"the adapter for {model} does not match its sha256")
        adapters[model] = blob
    return name, description, lines, adapters


def read_style_file(path: Path) -> tuple[str, str, list[Ink], dict[str, bytes]]:
    """Parse and check a style file (see :func:`parse_style`)."""
    path = Path(path)
    if not path.is_file():
        raise WritesmoothError(f"{path}: no such style file")
    with open(path, "rb") as fh:
        blob = fh.read(LIMITS.file_bytes + 1)
    if len(blob) > LIMITS.file_bytes:
        raise _bad(str(path), f"over {LIMITS.file_bytes:,} bytes")
    try:
        data = json.loads(blob.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise _bad(str(path), "not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise _bad(str(path), f"not JSON: {str(exc).splitlines()[0][:80]}") from None
    return parse_style(data, str(path))


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def style_from(name: str, lines: Sequence[Ink], description: str = "", *,
               folder: Path | None = None, preset: bool = False, origin: str = "") -> Style:
    return Style(check_name(name), [ink.replace(id=f"{name}-{n}", meta={})
                                    for n, ink in enumerate(lines, 1)],
                 description, folder, preset, origin)


# --- the bank --------------------------------------------------------------------------------
@dataclass
class StyleBank:
    """The styles kept in ``root`` (default :func:`default_styles_dir`), and the presets."""

    root: Path = field(default_factory=default_styles_dir)
    presets: dict[str, Style] = field(default_factory=dict)

    @classmethod
    def open(cls, root: Path | None = None) -> "StyleBank":
        """The bank at ``root`` with the presets every loaded plugin registers; a preset file
        that cannot be read is reported and left out, like a plugin that fails to load."""
        from . import report
        from .errors import PluginError
        from .plugins import get_toolkit

        presets: dict[str, Style] = {}
        for path, plugin in get_toolkit().preset_style_files():
            try:
                style = preset_from_file(path, plugin)
            except WritesmoothError as exc:
                report.warn(f"plugin '{plugin}': preset style left out: {exc}")
                continue
            if style.name in presets:
                raise PluginError(f"preset style '{style.name}' is registered by both plugin "
                                  f"'{presets[style.name].origin}' and plugin '{plugin}'")
            presets[style.name] = style
        return cls(Path(root) if root is not None else default_styles_dir(), presets)

    def _folder(self, name: str) -> Path:
        return self.root / check_name(name)

    def own_names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if _NAME.match(p.name) and (p / STYLE_FILE).is_file())

    def names(self) -> list[str]:
        return self.own_names() + sorted(n for n in self.presets if n not in self.own_names())

    def all(self) -> list[Style]:
        """Every style: the user's own, then the presets."""
        return [self.get(n) for n in self.names()]

    def has(self, name: str) -> bool:
        return bool(_NAME.match(name)) and (name in self.presets
                                            or (self._folder(name) / STYLE_FILE).is_file())

    def get(self, name: str) -> Style:
        check_name(name)
        folder = self._folder(name)
        if (folder / STYLE_FILE).is_file():
            _, description, lines, _ = read_style_file(folder / STYLE_FILE)
            return Style(name, lines, description, folder)
        if name in self.presets:
            return self.presets[name]
        known = ", ".join(self.names()) or "none yet"
        raise WritesmoothError(f"no style named '{name}' in {self.root} (styles: {known}; "
                               f"add one with 'writesmooth style add {name} SAMPLE')")

    def add(self, name: str, lines: Sequence[Ink], description: str = "", *,
            replace: bool = False, adapters: dict[str, bytes] | None = None) -> Style:
        """Keep ``lines`` as the style ``name``; an existing style of that name is kept unless
        ``replace`` (then its adapters go: they were learnt from other lines)."""
        self.check_free(name, replace)
        folder = self._folder(name)
        style = style_from(name, lines, description, folder=folder)
        data = style.to_dict()
        name_, description_, checked, _ = parse_style(data, f"style '{name}'")  # same rules
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        atomic_write(folder / STYLE_FILE, json.dumps(data, separators=(",", ":")))
        for model, blob in (adapters or {}).items():
            atomic_write(style.adapter_path(model), blob)
        return Style(name_, checked, description_, folder)

    def check_free(self, name: str, replace: bool = False) -> None:
        """Raise unless a style ``name`` can be kept: a preset's name never, an existing
        style's only with ``replace``."""
        check_name(name)
        if name in self.presets:
            raise WritesmoothError(f"'{name}' is a preset style: choose another name")
        if (self._folder(name) / STYLE_FILE).exists() and not replace:
            raise WritesmoothError(f"a style named '{name}' exists already (--replace "
                                   f"replaces it)")

    def remove(self, name: str) -> None:
        if name in self.presets and not (self._folder(name) / STYLE_FILE).is_file():
            raise WritesmoothError(f"'{name}' is a preset style: it cannot be removed")
        folder = self._folder(name)
        if not (folder / STYLE_FILE).is_file():
            self.get(name)  # raises, naming the styles there are
        shutil.rmtree(folder)

    def export(self, name: str, path: Path) -> int:
        """Write the style ``name`` (with its adapters) to one file; returns its size."""
        data = json.dumps(self.get(name).to_dict(adapters=True), separators=(",", ":")).encode()
        atomic_write(Path(path), data)
        return len(data)

    def import_file(self, path: Path, name: str | None = None, *, replace: bool = False,
                    check: Callable[[dict[str, bytes]], None] | None = None
                    ) -> tuple[Style, dict[str, bytes]]:
        """Check the style file at ``path`` and keep it (as ``name``, default its own);
        ``check`` (e.g. each adapter read by its model) may refuse its adapters by raising,
        before anything is kept. Returns the style and its adapters by model name."""
        own, description, lines, adapters = read_style_file(path)
        self.check_free(name or own, replace)
        if check is not None:
            check(adapters)
        style = self.add(name or own, lines, description, replace=replace, adapters=adapters)
        return style, adapters


def preset_from_file(path: Path, origin: str = "") -> Style:
    """A preset style from a style file shipped by a plugin; adapters the plugin ships with it
    are in ``adapters/`` beside the file, as in a bank's style folder."""
    name, description, lines, _ = read_style_file(path)
    return Style(name, lines, description, Path(path).parent, True, origin)
