"""The model's alphabet: characters frequent in the training transcripts, the rest 'unknown'."""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

import numpy as np

UNKNOWN = "\x00"  # class 0 is the shared unknown class; it never appears in real text


@dataclass(frozen=True)
class Alphabet:
    chars: str  # class i >= 1 is chars[i - 1]; class 0 is unknown

    @classmethod
    def from_texts(cls, texts: Iterable[str], min_count: int) -> "Alphabet":
        counts = Counter(ch for text in texts for ch in text)
        kept = sorted(ch for ch, n in counts.items() if n >= min_count and ch != UNKNOWN)
        return cls("".join(kept))

    def __len__(self) -> int:
        return len(self.chars) + 1

    def _index(self) -> dict[str, int]:
        return {ch: i + 1 for i, ch in enumerate(self.chars)}

    def encode(self, text: str) -> np.ndarray:
        index = self._index()
        return np.array([index.get(ch, 0) for ch in text], dtype=np.int64)

    def unknown_chars(self, text: str) -> list[str]:
        known = set(self.chars)
        return sorted({ch for ch in text if ch not in known})

    def replace_unknown(self, text: str) -> str:
        """Map each unknown character to the closest known one, else a space.

        Closest means: the same letter without its accent (é -> e), then the other case
        (Q -> q when only q is known), then typographic equivalents (’ -> ', – -> -).
        """
        known = set(self.chars)
        out = []
        for ch in text:
            out.append(ch if ch in known else _closest(ch, known))
        return "".join(out)


_EQUIVALENTS = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                "\u2014": "-", "\u2026": ".", "\u00a0": " ", "\t": " "}


def _closest(ch: str, known: set[str]) -> str:
    candidates = [_EQUIVALENTS.get(ch, ""),
                  unicodedata.normalize("NFKD", ch)[:1],
                  ch.lower(), ch.upper()]
    base = unicodedata.normalize("NFKD", ch)[:1]
    candidates += [base.lower(), base.upper()]
    for c in candidates:
        if c and c in known:
            return c
    return " " if " " in known else (sorted(known)[0] if known else " ")
