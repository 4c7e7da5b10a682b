"""Reading handwriting in any units: what the reader sees in a person's lines.

The reader was trained on IAM-OnDB whiteboard lines; ink from elsewhere (a web canvas in CSS
pixels, a tablet) is first brought to their size and density. With no text to measure a line
by (as priming does), its size is its ink height: the 10-90 % range of its points' heights is
about :data:`HEIGHT_PER_STD` times the geometric mean of the offset scales on IAM-OnDB (median
of 300 testset_v lines; the middle half lie between 5.3 and 8.1). A line within a factor of
two of it is read as it is, as every IAM line would be; another is scaled to it. Then, as for
priming, strokes recorded at a very different density are resampled along their length.
Reading the 300 lines scaled to that median height misses 12.8 % of characters, against 12.5 %
as they are.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from writesmooth import Ink

from .priming import STEP_PER_STD, TOLERANCE, _median_step, _resample
from .reader import Reader, read

HEIGHT_PER_STD = 6.7


def reader_ref(reader: Reader) -> float:
    return math.sqrt(abs(reader.scale[0] * reader.scale[1])) or 1.0


def to_reader_units(ink: Ink, ref: float) -> Ink:
    """``ink`` at the size and density of the reader's training lines (module doc)."""
    if ink.n_points < 2:
        return ink
    y = ink.points()[:, 1].astype(np.float64)
    height = float(np.percentile(y, 90) - np.percentile(y, 10))
    if height > 0:
        factor = HEIGHT_PER_STD * ref / height
        if not (1 / TOLERANCE <= factor <= TOLERANCE):
            ink = ink.scaled(factor)
    step, target = _median_step(ink), STEP_PER_STD * ref
    if step > 0 and not (1 / TOLERANCE <= step / target <= TOLERANCE):
        ink = ink.replace(strokes=[_resample(s, target) for s in ink.strokes])
    return ink


def read_texts(reader: Reader, inks: Sequence[Ink]) -> list[str]:
    """What the reader reads in each line (an empty line: ``""``)."""
    ref = reader_ref(reader)
    lines = [to_reader_units(ink, ref) for ink in inks]
    return [r["read"] for r in read(reader, lines, texts=[""] * len(lines))]
