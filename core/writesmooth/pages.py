"""A person's page smoothed: its lines found by where the pen wrote, each smoothed in its
writer's hand and put back where it was written; or only the words a reader cannot read
rewritten, and the rest left as the person wrote them (docs/writing.md, "Smoothing a page").

Model-agnostic: it uses :meth:`Model.smooth`, :meth:`Model.write_stream` (with the line as the
style) and :meth:`Model.read` only, and :data:`SAMPLE_SCALE` to bring new writing back to the
sample's units.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .api import SAMPLE_SCALE, Model, add_notice
from .errors import WritesmoothError
from .hand import hand_stats
from .ink import Ink, baseline
from .lines import split_lines


SIZE_LIMITS = (0.5, 2.0)  # new writing is never scaled more than this to the writer's size
STYLE_SIZE_LIMITS = (0.01, 100.0)  # ... unless written in another sample's hand (other units)


@dataclass
class PageLine:
    """One line of a page: the ink as written (the sample's units and place), what it says,
    and where that text came from: ``"given"`` (``--text``), ``"file"``, ``"iam"`` (the
    IAM-OnDB layout's transcript, ``where``) or ``"reader"``."""

    ink: Ink
    text: str = ""
    source: str = ""
    where: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


def split_sample(inks: Sequence[Ink], name: str = "sample",
                 is_line: Callable[[Ink], bool] = lambda ink: False) -> list[Ink]:
    """Every line of a sample: an ink that holds several lines of writing is split by pen
    position (its text, if it has one line of text per line of writing, goes with them); an
    ink ``is_line`` says is one line (an IAM-OnDB line file) stays whole."""
    out: list[Ink] = []
    for ink in inks:
        parts = split_lines(ink) if ink.n_points and not is_line(ink) else []
        if len(parts) <= 1:
            out.append(ink)
            continue
        texts = ink.text.split("\n") if ink.text.strip() else []
        texts = texts if len(texts) == len(parts) else [""] * len(parts)
        out += [p.replace(text=t.strip(), id=f"{ink.id or name}-{n + 1}")
                for n, (p, t) in enumerate(zip(parts, texts))]
    if not out or all(ink.n_points < 2 for ink in out):
        raise WritesmoothError(f"{name}: the sample has no handwriting")
    return out


def find_texts(lines: Sequence[Ink], *, given: str | None = None,
               layout: Callable[[Ink], tuple[str, str] | None] = lambda ink: None,
               read: Callable[[list[Ink]], list[str]] | None = None) -> list[PageLine]:
    """Each line with its text, from the first of: ``given`` (one line of text per line of
    writing), the ink's own text, ``layout(ink)`` (``(text, where)``), ``read`` (a reader)."""
    if given is not None:
        texts = [" ".join(t.split()) for t in given.split("\n")] if len(lines) > 1 else [
            " ".join(given.split())]
        if len(texts) != len(lines):
            n = len(texts)
            raise WritesmoothError(f"--text has {n} line{'' if n == 1 else 's'} but the sample "
                                   f"has {len(lines)} lines of writing; give one line of text "
                                   f"for each (separated by new lines)")
        return [PageLine(ink, t, "given") for ink, t in zip(lines, texts)]
    page = []
    for ink in lines:
        if ink.text.strip():
            page.append(PageLine(ink, " ".join(ink.text.split()), "file"))
        elif (found := layout(ink)) is not None:
            page.append(PageLine(ink, " ".join(found[0].split()), "iam", str(found[1])))
        else:
            page.append(PageLine(ink))
    unread = [p for p in page if not p.source]
    if unread:
        if read is None:
            raise WritesmoothError("the sample has no transcript and there is no reader to "
                                   "read it: give the text with --text \"...\"")
        for p, text in zip(unread, read([p.ink for p in unread])):
            p.text, p.source = " ".join(text.split()), "reader"
    return page


# --- putting writing in place ------------------------------------------------------------
def on_baseline(ink: Ink) -> Ink:
    """``ink`` moved so its left edge is at x = 0 and its baseline at y = 0."""
    if ink.is_empty():
        return ink
    return ink.translated(-ink.bounds()[0], -baseline(ink))


def size_factor(new: Ink, original: Ink, text: str,
                limits: tuple[float, float] = SIZE_LIMITS) -> float:
    """The scale that brings ``new`` writing of ``text`` to the size of the ``original``
    writing of it: the geometric mean of the ratios of their x-heights and of their letter
    widths (:mod:`writesmooth.hand`), within :data:`SIZE_LIMITS` (1 where either is
    unmeasurable)."""
    a, b = hand_stats(original.replace(text=text)), hand_stats(new.replace(text=text))
    logs = [math.log(a[k] / b[k]) for k in ("x_height", "letter_width")
            if a[k] > 0 and b[k] > 0 and math.isfinite(a[k] / b[k])]
    if not logs:
        return 1.0
    low, high = limits
    return min(max(math.exp(sum(logs) / len(logs)), low), high)


def place_like(new: Ink, original: Ink, at_x: float | None = None, *,
               text: str | None = None, limits: tuple[float, float] = SIZE_LIMITS) -> Ink:
    """New writing in the original's units (by its :data:`SAMPLE_SCALE`), its left edge at
    ``at_x`` (default: the original's) and its baseline on the original's; with ``text`` (what
    both say), also brought to the original's size (:func:`size_factor`), recorded in
    ``meta["size_factor"]``."""
    if new.is_empty() or original.is_empty():
        return new
    scale = float(new.meta.get(SAMPLE_SCALE) or 1.0)
    ink = on_baseline(new).scaled(1.0 / scale)
    meta = dict(new.meta)
    if text:
        meta["size_factor"] = factor = size_factor(ink, original, text, limits)
        ink = ink.scaled(factor)
    x = original.bounds()[0] if at_x is None else at_x
    return ink.translated(x, baseline(original)).replace(meta=meta)


# --- words -------------------------------------------------------------------------------
def split_words(line: Ink, n: int) -> list[Ink] | None:
    """``line`` split into ``n`` words at the ``n - 1`` widest gaps between strokes whose
    horizontal extents do not overlap; ``None`` where it has fewer gaps than that."""
    strokes = [s for s in line.strokes if len(s)]
    if n < 1 or len(strokes) < n:
        return None
    spans = sorted((float(s[:, 0].min()), float(s[:, 0].max()), k) for k, s in enumerate(strokes))
    groups: list[list[int]] = []
    right: list[float] = []
    gaps: list[float] = []
    for x0, x1, k in spans:
        if groups and x0 <= right[-1]:
            groups[-1].append(k)
            right[-1] = max(right[-1], x1)
        else:
            if groups:
                gaps.append(x0 - right[-1])
            groups.append([k])
            right.append(x1)
    if len(groups) < n:
        return None
    cuts = sorted(np.argsort(gaps, kind="stable")[len(gaps) - (n - 1):]) if n > 1 else []
    words, start = [], 0
    for cut in [*cuts, len(groups) - 1]:
        keep = sorted(k for g in groups[start:cut + 1] for k in g)
        words.append(line.replace(strokes=[strokes[k] for k in keep], text=""))
        start = cut + 1
    return words


def reads_right(seen: str, word: str) -> bool:
    return seen.strip() == word


def keep_legible(model: Model, reader: Model, line: PageLine, *, bias: float, seed: int | None,
                 extra: dict[str, Any], style: Ink | None = None,
                 restyle: bool = False) -> Ink:
    """``line`` with the words ``reader`` reads right as the person wrote them, and each run of
    the others written by ``model`` in the line's hand (the line primes it), set on the line's
    baseline where the run began; the words after a rewritten run move by the width it
    gained or lost, so the spacing stays the writer's."""
    words = line.text.split()
    pieces = split_words(line.ink, len(words))
    if pieces is None:
        new = place_like(model.smooth(line.ink.replace(text=line.text), bias=bias, seed=seed,
                                      **extra), line.ink)
        add_notice(new, f"line {line.text[:40]!r}: its {len(words)} words could not be told "
                        f"apart, so the whole line was smoothed")
        return new
    seen = reader.read(pieces)
    right = [reads_right(s, w) for s, w in zip(seen, words)]
    runs: list[tuple[int, int]] = []  # [a, b) of words to rewrite
    for i, ok in enumerate(right):
        if not ok:
            if runs and runs[-1][1] == i:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i, i + 1))
    kept = sum(right)
    if not runs:
        return line.ink.replace(text=line.text, meta={"kept_words": kept, "words": len(words)})
    prime = style if restyle else line.ink.replace(text=line.text)
    texts = [" ".join(words[a:b]) for a, b in runs]
    made = dict(model.write_stream(texts, bias=bias, seed=seed, style=prime,
                                   **_write_extra(model, extra)))
    strokes, shift, meta = [], 0.0, {"kept_words": kept, "words": len(words)}
    starts = {a: k for k, (a, _) in enumerate(runs)}
    i = 0
    while i < len(words):
        if i in starts:
            a, b = runs[starts[i]]
            old = Ink(strokes=[s for p in pieces[a:b] for s in p.strokes])
            new = place_like(made[starts[i]], line.ink, at_x=old.bounds()[0] + shift)
            factor = size_factor(new, old, texts[starts[i]],
                                 STYLE_SIZE_LIMITS if restyle else SIZE_LIMITS)
            if factor != 1.0:  # the run at the size of the words it replaces, left edge kept
                x0, y0 = new.bounds()[0], baseline(line.ink)
                new = new.translated(-x0, -y0).scaled(factor).translated(x0, y0)
            meta.setdefault(SAMPLE_SCALE, new.meta.get(SAMPLE_SCALE))
            strokes += new.strokes
            if not new.is_empty():
                shift += (new.bounds()[2] - new.bounds()[0]) - (old.bounds()[2] - old.bounds()[0])
            i = b
        else:
            strokes += [s + np.array([shift, 0], np.float32) for s in pieces[i].strokes]
            i += 1
    return Ink(strokes=strokes, text=line.text, writer=line.ink.writer, meta=meta)


def smooth_line(model: Model, line: PageLine, *, bias: float, seed: int | None,
                extra: dict[str, Any], reader: Model | None = None,
                style: Ink | None = None, restyle: bool = False) -> Ink:
    """``line`` smoothed and put back where it was written, in the sample's units and at the
    writer's size (:func:`size_factor`: the network keeps a writer's slant, not their size);
    with a ``reader``, only the words it cannot read (:func:`keep_legible`). With ``restyle``,
    the line's text is written in another hand instead of the line's own: primed with
    ``style`` (a sample with its text), or none (a model adapted to a style)."""
    if not line.text.strip():
        return Ink(strokes=[], text="")
    if reader is not None:
        return keep_legible(model, reader, line, bias=bias, seed=seed, extra=extra,
                            style=style, restyle=restyle)
    if restyle:
        ((_, new),) = model.write_stream([line.text], bias=bias, seed=seed, style=style,
                                         **_write_extra(model, extra))
        # the style may be in other units than the line: its size comes from the line alone
        return place_like(new, line.ink, text=line.text, limits=STYLE_SIZE_LIMITS)
    new = model.smooth(line.ink.replace(text=line.text), bias=bias, seed=seed, **extra)
    return place_like(new, line.ink, text=line.text)


def _write_extra(model: Model, extra: dict[str, Any]) -> dict[str, Any]:
    """``smooth``'s options, where they are also ``write``'s (the same declaration)."""
    return extra if type(model).write_options is type(model).smooth_options else {}
