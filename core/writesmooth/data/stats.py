"""Figures about a dataset, computed from its flat arrays (no Ink objects are made)."""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from .dataset import Dataset


def dataset_stats(ds: Dataset, split: str | None = None) -> dict[str, Any]:
    """Lines, forms, writers (``None`` if unknown), strokes, points, characters, the alphabet
    with counts (most frequent first), lines per split, and what was skipped and why."""
    store = ds.store
    chosen = ds.indices(split)
    per_line = store.line_points()
    writers = {store.writers[i] for i in chosen} - {None}
    alphabet = Counter("".join(store.texts[i] for i in chosen))
    splits = {}
    for name in sorted(ds.splits):
        forms = ds.splits[name]
        in_split = [i for i, form in enumerate(store.forms) if form in forms]
        splits[name] = {"forms": len({store.forms[i] for i in in_split}), "lines": len(in_split)}
    return {
        "location": ds.location,
        "split": split,
        "lines": len(chosen),
        "forms": len({store.forms[i] for i in chosen}),
        "writers": len(writers) if writers else None,
        "strokes": int(np.sum(store.line_strokes[chosen], dtype=np.int64)) if chosen else 0,
        "points": int(np.sum(per_line[chosen])) if chosen else 0,
        "characters": sum(alphabet.values()),
        "alphabet": dict(sorted(alphabet.items(), key=lambda kv: (-kv[1], kv[0]))),
        "splits": splits,
        "line_files": store.line_files,
        "skipped_line_files": max(store.line_files - len(store), 0) if store.line_files else 0,
        "skipped": [{"source": s.source, "reason": s.reason} for s in ds.skipped],
        "cache": {"status": ds.cache,
                  "path": str(ds.cache_path) if ds.cache_path is not None else None},
    }
