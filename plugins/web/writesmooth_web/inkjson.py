"""Requests' JSON checked and turned into the toolkit's types, and inks turned back into JSON.

Every check fails with :class:`BadRequest`: a status and one plain sentence for the person or
the script that sent it. Nothing a request holds becomes a path, a command or code.
"""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from writesmooth import Ink, split_lines, wrap_text

from .limits import Limits


class BadRequest(Exception):
    """A request the server will not do: ``status`` and one sentence."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def parse_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("The request body is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON ({exc.msg} at character "
                         f"{exc.pos}).") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def text_field(body: dict, limits: Limits, key: str = "text", *, required: bool = True) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"'{key}' must be a string of text.")
    if required and not value.strip():
        raise BadRequest("There is no text to write: the text is empty.")
    if len(value) > limits.text:
        raise BadRequest(f"The text is {len(value)} characters long; the limit is "
                         f"{limits.text}.")
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise BadRequest(f"'{key}' holds control characters.")
    return value


def wrap(text: str, limits: Limits) -> list[str]:
    """The text's lines as the model writes them (:func:`writesmooth.wrap_text`), within the
    line limit."""
    lines = wrap_text(text, limits.width)
    if len(lines) > limits.lines:
        raise BadRequest(f"The text makes {len(lines)} lines; the limit is {limits.lines}.")
    return lines


def number(body: dict, key: str, default: float, low: float, high: float) -> float:
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadRequest(f"'{key}' must be a number.")
    if not low <= value <= high:
        raise BadRequest(f"'{key}' must be between {low:g} and {high:g}; it is {value:g}.")
    return float(value)


def seed_field(body: dict) -> int | None:
    value = body.get("seed")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2 ** 32:
        raise BadRequest("'seed' must be a whole number from 0 to 4294967295.")
    return value


def strokes_field(value: Any, limits: Limits, key: str = "strokes") -> list[np.ndarray]:
    """``[[[x, y], ...], ...]`` as float32 arrays, every number finite and in range, the
    request within its points and strokes."""
    if not isinstance(value, list):
        raise BadRequest(f"'{key}' must be a list of strokes, each a list of [x, y] points.")
    if len(value) > limits.strokes:
        raise BadRequest(f"'{key}' has {len(value)} strokes; the limit is {limits.strokes}.")
    total = sum(len(s) if isinstance(s, list) else 0 for s in value)
    if total > limits.points:
        raise BadRequest(f"'{key}' has {total} points; the limit is {limits.points}.")
    strokes = []
    for n, stroke in enumerate(value):
        if not isinstance(stroke, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in p)
                for p in stroke):
            raise BadRequest(f"Stroke {n} of '{key}' is not a list of [x, y] number pairs.")
        if not stroke:
            continue
        arr = np.asarray(stroke, np.float64)
        if not np.isfinite(arr).all():
            raise BadRequest(f"Stroke {n} of '{key}' has a coordinate that is not a finite "
                             f"number.")
        if np.abs(arr).max() > limits.coordinate:
            raise BadRequest(f"Stroke {n} of '{key}' has a coordinate beyond "
                             f"±{limits.coordinate:g}.")
        strokes.append(arr.astype(np.float32))
    return strokes


def page_lines(strokes: list[np.ndarray], limits: Limits) -> list[Ink]:
    """The handwriting of a request split into its lines (one clear error when it has none)."""
    if sum(len(s) for s in strokes) < 2:
        raise BadRequest("There is no handwriting: write something first.")
    lines = [ln for ln in split_lines(Ink(strokes=strokes, source="request")) if ln.n_points >= 2]
    if not lines:
        raise BadRequest("There is no handwriting: write something first.")
    if len(lines) > limits.lines:
        raise BadRequest(f"The writing has {len(lines)} lines; the limit is {limits.lines}.")
    return lines


def ink_json(ink: Ink) -> dict[str, Any]:
    return {"text": ink.text, "strokes": [np.round(s.astype(np.float64), 2).tolist()
                                          for s in ink.strokes]}
