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
        """Map each unknown character to the closest known spelling, else a space.

        Closest means: a typographic equivalent (’ -> ', – -> -), a usual spelling (ß -> ss,
        æ -> ae, & -> and, … -> ...), the character without its accents or as its compatibility
        letters (é -> e, ﬁ -> fi), then the other case (Q -> q when only q is known).
        A replacement is used only when every character of it is known.
        """
        known = set(self.chars)
        return "".join(ch if ch in known else _closest(ch, known) for ch in text)


_EQUIVALENTS = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                "\u2014": "-", "\u00a0": " ", "\t": " "}
_SPELLINGS = {"\u00df": "ss", "\u00e6": "ae", "\u00c6": "Ae", "\u0153": "oe", "\u0152": "Oe",
              "&": "and", "\u2026": "...", "\u00f8": "o", "\u00d8": "O", "\u0142": "l",
              "\u0141": "L", "\u20ac": "EUR", "\u00a3": "GBP", "\u00a9": "(c)"}


def _stripped(ch: str) -> str:
    """NFKD without combining marks: é -> e, ﬁ -> fi; not for super- and subscripts (² is no 2)."""
    if unicodedata.decomposition(ch).startswith(("<super>", "<sub>")):
        return ""
    return "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))


def _closest(ch: str, known: set[str]) -> str:
    base = _stripped(ch)
    candidates = [_EQUIVALENTS.get(ch, ""), _SPELLINGS.get(ch, ""), base,
                  ch.lower(), ch.upper(), base.lower(), base.upper()]
    for c in candidates:
        if c and all(x in known for x in c):
            return c
    return " " if " " in known else (sorted(known)[0] if known else " ")
