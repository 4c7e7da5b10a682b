"""Choosing among drawings of a line or a word: the order they are kept in, and the reader's
reading of them.

The network cannot judge its own drawings: the shapes it gets wrong (an ``x`` that reads "for")
are shapes it holds likely. The reader (``reader.py``, a recogniser trained discriminatively on
the same data) can, so of several drawings the one it finds most likely to say the text is kept
(docs/writing.md, "Candidates").
"""
from __future__ import annotations

from typing import Sequence

from writesmooth import Ink

from . import reader
from .draw import cpu_threads, device
from .weights import Bundle


def rank(finished: bool, stalled: bool, quality: float,
         crossed: bool = True) -> tuple[bool, bool, bool, float]:
    """The order drawings are kept in (a line's, or a word's; the highest wins): one the window
    finished, with ink on it, before any the cap cut or that drew nothing; then one whose
    window did not stall; then (a word's) one whose ``x`` is crossed (``shapes.py``); among
    those the best ``quality``."""
    return finished, not stalled, crossed, quality


def preference(ink: Ink) -> tuple[bool, bool, bool, float]:
    """:func:`rank` of a written line; its quality is how surely the reader reads it as its
    text (the lowest ``read_nll``; unread lines are equal)."""
    quality = -ink.meta["read_nll"] if "read_nll" in ink.meta else 0.0
    return rank(not ink.meta["hit_cap"] and ink.n_points > 1, ink.meta.get("stalled", False),
                quality)


def needs_redraw(ink: Ink) -> bool:
    """Whether a line is worth drawing again: its cap cut it, or its window stalled."""
    return bool(ink.meta["hit_cap"] or ink.meta.get("stalled"))


def best(inks: Sequence[Ink], candidates: int) -> list[Ink]:
    """Of each run of ``candidates`` drawings of one text, the one :func:`preference` puts
    first (the first of equals: reproducible)."""
    return [max(inks[a:a + candidates], key=preference)
            for a in range(0, len(inks), candidates)]


def read(bundle: Bundle, inks: Sequence[Ink]) -> list[dict]:
    """The bundle's reader's reading of each ink (``reader.read``), with sampling's threads."""
    with cpu_threads(None, device(bundle)):
        return reader.read(bundle.reader, inks)


def read_into_meta(bundle: Bundle, inks: Sequence[Ink]) -> None:
    """Record on each ink what the reader reads there (``read``) and how surely it reads the
    ink's text (``read_nll``, nats per character)."""
    for ink, seen in zip(inks, read(bundle, inks)):
        ink.meta.update(read=seen["read"], read_nll=seen["nll"])
