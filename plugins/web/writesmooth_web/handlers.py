"""What each API request asks for, checked and made into a task for the worker; the answers
as JSON, a file, or a stream of JSON lines (docs/web.md)."""
from __future__ import annotations

import dataclasses
import time
from typing import Any

import writesmooth
from writesmooth import DEFAULT_BIAS, Ink, Model, WriteJob

from .engine import Engine, Task, new_seed
from .inkjson import (BadRequest, ink_json, number, page_lines, seed_field, strokes_field,
                      text_field, wrap)


def unknown_error(chars: set[str]) -> BadRequest:
    shown = ", ".join(repr(c) for c in sorted(chars))
    what = "this character" if len(chars) == 1 else "these characters"
    return BadRequest(f"The model cannot write {what}: {shown} (ask with "
                      f"\"replace_unknown\": true to use the closest ones).")


def planned(model: Model, text: str, body: dict) -> writesmooth.LinePlan:
    """One line to write: the characters the model has no class for drawn from the font at
    their place (:func:`writesmooth.plan_line`), replaced by the closest ones where the
    request asks for that, or refused with ``"strict": true``."""
    strict = body.get("strict", False)
    if not isinstance(strict, bool):
        raise BadRequest("'strict' must be true or false.")
    if strict or body.get("replace_unknown") is True or not writesmooth.can_draw(model):
        text = checked_text(model, text, body)
        return writesmooth.LinePlan(text, text)
    try:
        return writesmooth.plan_line(model, text)
    except writesmooth.WritesmoothError as exc:
        raise BadRequest(" ".join(str(exc).split())) from None


def model_options(model: Model, body: dict, kind: str) -> Any:
    """``body["options"]`` checked against the model's declaration (``write_options`` or
    ``smooth_options``), as an instance of it; ``None`` where the model declares none."""
    declared = getattr(model, f"{kind}_options")
    given = body.get("options") or {}
    if not isinstance(given, dict):
        raise BadRequest("'options' must be a JSON object.")
    if declared is None:
        if given:
            raise BadRequest(f"The model takes no options for {kind}.")
        return None
    fields = {f.name: f for f in dataclasses.fields(declared)}
    values = {}
    for name, value in given.items():
        f = fields.get(name)
        if f is None:
            raise BadRequest(f"Unknown option '{name}' (known: {', '.join(sorted(fields))}).")
        if value is None:
            continue
        choices, low = f.metadata.get("choices"), f.metadata.get("min")
        if choices is not None:
            if value not in choices:
                raise BadRequest(f"Option '{name}' must be one of {', '.join(choices)}.")
        elif isinstance(value, bool) or not isinstance(value, int) or value > 1000 or (
                low is not None and value < low):
            raise BadRequest(f"Option '{name}' must be a whole number"
                             f"{f' from {low:g}' if low is not None else ''} up to 1000.")
        values[name] = value
    return declared(**values)


def checked_text(model: Model, text: str, body: dict) -> str:
    """One line of ``text`` the model can write: as it is, or with the characters it cannot
    write replaced where the request asks for that (else one error naming them)."""
    unknown = model.unknown_chars(text)
    if unknown and body.get("replace_unknown") is True:
        return model.replace_unknown(text)
    if unknown:
        raise unknown_error(unknown)
    return text


def style_ink(engine: Engine, body: dict) -> Ink | None:
    """The ``style`` sample: its strokes (the longest line of them, where several) and its
    text, or ``None`` to be read by the reader."""
    style = body.get("style")
    if style is None:
        return None
    if not isinstance(style, dict):
        raise BadRequest("'style' must be an object with 'strokes' and, optionally, 'text'.")
    lines = page_lines(strokes_field(style.get("strokes"), engine.limits, "style.strokes"),
                       engine.limits)
    longest = max(range(len(lines)), key=lambda k: lines[k].n_points)
    line = lines[longest]
    text = text_field(style, engine.limits, required=False).strip()
    texts = text.replace("\r\n", "\n").split("\n")
    if len(lines) > 1:  # that line's own text, where there is a line of text for each
        texts = texts if len(texts) == len(lines) else [""] * len(lines)
        text = texts[longest]
    text = " ".join(text.split())
    if text:
        text = checked_text(engine.writer, text, style)
    return line.replace(text=text, source="style")


def write_task(engine: Engine, body: dict, loop, styles=None) -> tuple[Task, dict]:
    """A writing task; ``"style_name"`` is looked up in ``styles`` (:class:`.styles.Styles`):
    a style the writer was adapted to is written by the adapted model, unprimed; any other
    primes the writer with its sample (a file read: call this off the event loop)."""
    limits = engine.limits
    plans = [planned(engine.writer, line, body)
             for line in wrap(text_field(body, limits), limits)]
    lines = [p.text for p in plans]
    seed = seed_field(body)
    model, style, start = None, style_ink(engine, body), {}
    name = body.get("style_name")
    if name is not None:
        if style is not None:
            raise BadRequest("Give 'style' or 'style_name', not both.")
        if styles is None:
            raise BadRequest("This server keeps no styles.")
        model, style, adapted = styles.writer_for(name)
        start = {"style_name": name, "adapted": adapted}
    job = WriteJob([p.net for p in plans],
                   bias=number(body, "bias", DEFAULT_BIAS, 0.0, limits.bias), seed=new_seed() if seed is None else seed, style=style,
                   options=model_options(engine.writer, body, "write"))
    task = Task("write", time.monotonic() + limits.seconds, loop, job=job, model=model,
                plans=plans)
    return task, {"seed": job.seed, "lines": len(lines), "texts": lines, "units": "model",
                  **start}


def read_task(engine: Engine, body: dict, loop) -> Task:
    lines = page_lines(strokes_field(body.get("strokes"), engine.limits), engine.limits)
    return Task("read", time.monotonic() + engine.limits.seconds, loop, lines=lines)


def smooth_task(engine: Engine, body: dict, loop) -> tuple[Task, dict]:
    limits, writer = engine.limits, engine.writer
    lines = page_lines(strokes_field(body.get("strokes"), limits), limits)
    given = text_field(body, limits, required=False).strip()
    texts = None
    if given:
        texts = [given] if len(lines) == 1 else given.replace("\r\n", "\n").split("\n")
        if len(texts) != len(lines):
            raise BadRequest(f"The text has {len(texts)} lines but the writing has "
                             f"{len(lines)}; give one line of text for each.")
        texts = [checked_text(writer, " ".join(t.split()), body) for t in texts]
    seed = seed_field(body)
    seed = new_seed() if seed is None else seed
    bias = number(body, "bias", DEFAULT_BIAS, 0.0, limits.bias)
    keep = body.get("keep_legible", False)
    if not isinstance(keep, bool):
        raise BadRequest("'keep_legible' must be true or false.")
    if keep and engine.reader is None:
        raise BadRequest("This server has no reader to tell legible words with.")
    options = model_options(writer, body, "smooth")
    extra = {} if options is None else {"options": options}

    def run(task: Task) -> None:
        page = writesmooth.find_texts(lines, given="\n".join(texts) if texts else None,
                                      read=engine.read)
        for line in page:
            line.text = checked_text(writer, line.text, body)
        task.emit("text", text="\n".join(line.text for line in page))
        for i, line in enumerate(page):
            if task.expired():
                return
            new = writesmooth.smooth_line(writer, line, bias=bias, seed=seed, extra=extra,
                                          reader=engine.reader if keep else None)
            task.emit("line", index=i, ink=new.replace(text=line.text))
        task.emit("done")

    task = Task("smooth", time.monotonic() + limits.seconds, loop, run=run)
    return task, {"seed": seed, "lines": len(lines), "units": "input"}


def line_event(event: dict, units: str) -> dict:
    ink = event["ink"]
    if units == "model":
        ink = writesmooth.on_baseline(ink)
    out = {"event": "line", "index": event["index"], "ink": ink_json(ink)}
    if ink.meta and "kept_words" in ink.meta:  # keep_legible: the words left as written
        out["kept_words"], out["words"] = ink.meta["kept_words"], ink.meta["words"]
    notes = ink.meta.get("notices") if ink.meta else None
    if notes:
        out["notices"] = list(notes)
    return out
