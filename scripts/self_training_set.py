"""Draw a self-training set: the training transcripts written by lstm-graves weights, one drawing
a line, kept where the weights' readers read the drawing as its text.

    python scripts/self_training_set.py DATA -o OUT.jsonl [--split S] [--weights W] [--bias 1.0]
                                        [--tries 4] [--workers 2] [--max-texts N] [--mix]

Each distinct transcript of ``--split`` (that the weights' alphabet can write) is drawn whole at
``--bias``, many lines at once; a drawing is kept when the window neither stalled nor hit the
step cap, the readers read it as its text (spaces next to punctuation aside: IAM-OnDB's
transcripts write "he 's" and "Dan ?"), and every ``x`` is drawn crossed (``shapes.py``: the
readers cannot tell a hook from an ``x``). A text whose drawing is not kept is drawn again in a
later round, up to ``--tries`` times. ``--workers`` processes (one thread each) take every
N-th text; a worker's texts, seed and rounds do not depend on how fast the others go, so a run
is repeatable. ``--mix`` writes the split's real lines first, then the kept drawings: the file
to train on (``writesmooth train --data OUT.jsonl --split all``). The kept drawings carry
``meta.synthetic`` and the round (``try``) that drew them. docs/model-card.md, "Training on
its own readable drawings".
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import queue
import random
import re
import sys
import time
from pathlib import Path

BATCH = 48  # lines drawn at once by a worker
SEED = 1000  # worker k draws with seed SEED + k


def plain(text: str) -> str:
    """``text`` without the spaces next to punctuation, runs of spaces as one."""
    return re.sub(r"\s+", " ", re.sub(r"\s*([^\w\s])\s*", r"\1", text)).strip()


def read_as(reading: str, text: str) -> bool:
    """Whether the readers' ``reading`` is ``text`` (:func:`plain` on both; an ``x`` is
    judged by its shape instead, as in the word search: ``shapes.reads_as``)."""
    from writesmooth_lstm_graves.shapes import reads_as

    return reads_as(plain(reading), plain(text))


def texts_of(inks, alphabet) -> list[str]:
    """The distinct transcripts of ``inks`` that ``alphabet`` writes, in a fixed random order."""
    texts = sorted({ink.text.strip() for ink in inks} - {""})
    texts = [t for t in texts if not alphabet.unknown_chars(t)]
    random.Random(0).shuffle(texts)
    return texts


def worker(k: int, n: int, texts: list[str], weights: str | None, bias: float, tries: int,
           part: str, report) -> None:
    """Draw texts ``k::n`` until each is kept or drawn ``tries`` times; append the kept
    drawings to ``part`` (jsonl) and put ``(k, drawn, kept)`` on ``report`` after each batch."""
    import torch

    from writesmooth.data.jsonl import jsonl_lines
    from writesmooth.plugins import get_toolkit
    from writesmooth_lstm_graves import sampler
    from writesmooth_lstm_graves.convert import offsets_to_ink
    from writesmooth_lstm_graves.reader import read
    from writesmooth_lstm_graves.shapes import CROSSED, uncrossed

    torch.set_num_threads(1)
    b = get_toolkit().model("lstm-graves").load(weights).bundle
    mine = texts[k::n]
    generator = torch.Generator().manual_seed(SEED + k)
    count = {t: 0 for t in mine}
    kept: set[str] = set()
    drawn = 0
    with open(part, "w", encoding="utf-8") as out:
        while True:
            todo = sorted((t for t in mine if t not in kept and count[t] < tries),
                          key=lambda t: count[t])
            if not todo:
                break
            batch = sorted(todo[:BATCH], key=len)
            lines = sampler.draw_lines(b, batch, bias=bias, generator=generator)
            raw = [b.norm.invert(d.offsets) for d in lines]  # in the data's units
            inks = [offsets_to_ink(r, text=t, meta={}) for r, t in zip(raw, batch)]
            for t, d, r, ink, seen in zip(batch, lines, raw, inks, read(b.reader, inks)):
                count[t] += 1
                drawn += 1
                if d.stalled or d.hit_cap or not read_as(seen["read"], t):
                    continue
                if not CROSSED.isdisjoint(t) and uncrossed(r, d.window, t, 0, len(t)):
                    continue
                kept.add(t)
                ink.id = f"self-{k}-{len(kept)}"
                ink.meta = {"synthetic": True, "try": count[t], "bias": bias,
                            "read_nll": round(float(seen["nll"]), 4)}
                out.write(next(iter(jsonl_lines([ink]))) + "\n")
            out.flush()
            report.put((k, drawn, len(kept)))
    report.put((k, None, None))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="dataset (the IAM-OnDB folder, a jsonl file, ...)")
    ap.add_argument("-o", "--out", type=Path, required=True, help="jsonl file to write")
    ap.add_argument("--split", default="trainset+testset_t+testset_f",
                    help="whose transcripts to draw ('all': every line)")
    ap.add_argument("--weights", default=None, help="lstm-graves weights (default: bundled)")
    ap.add_argument("--bias", type=float, default=1.0)
    ap.add_argument("--tries", type=int, default=4, help="drawings of a text at most")
    ap.add_argument("--workers", type=int, default=2, help="processes, one thread each")
    ap.add_argument("--max-texts", type=int, default=None, help="only the first N texts")
    ap.add_argument("--mix", action="store_true",
                    help="write the split's real lines before the kept drawings")
    a = ap.parse_args()

    from writesmooth.data.dataset import load_dataset
    from writesmooth.data.jsonl import jsonl_lines
    from writesmooth.errors import WritesmoothError
    from writesmooth.plugins import get_toolkit

    try:
        if a.tries < 1 or a.workers < 1:
            raise WritesmoothError("--tries and --workers must be 1 or more")
        bundle = get_toolkit().model("lstm-graves").load(a.weights).bundle
        if bundle.reader is None:
            raise WritesmoothError("these weights have no reader to judge the drawings")
        real = load_dataset(a.data).select(None if a.split == "all" else a.split)
    except WritesmoothError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    texts = texts_of(real, bundle.alphabet)[:a.max_texts]
    if not texts:
        print("error: no transcript in this split that the weights' alphabet writes",
              file=sys.stderr)
        raise SystemExit(2)
    workers = min(a.workers, len(texts))
    parts = [a.out.with_name(f"{a.out.name}.part{k}") for k in range(workers)]
    started = time.time()
    ctx = mp.get_context("spawn")
    report = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(k, workers, texts, a.weights, a.bias, a.tries,
                                               str(parts[k]), report)) for k in range(workers)]
    for p in procs:
        p.start()
    state = {k: (0, 0) for k in range(workers)}
    running = workers
    while running:
        try:
            k, drawn, kept = report.get(timeout=10)
        except queue.Empty:
            if any(p.exitcode for p in procs):  # a worker died without saying it was done
                for p in procs:
                    if p.exitcode is None:
                        p.terminate()
                break
            continue
        if drawn is None:
            running -= 1
            continue
        state[k] = (drawn, kept)
        total_drawn, total_kept = (sum(v[i] for v in state.values()) for i in (0, 1))
        print(f"{time.time() - started:6.0f} s  drawn {total_drawn:,}  kept {total_kept:,} "
              f"of {len(texts):,} texts", flush=True)
    for p in procs:
        p.join()
        if p.exitcode:
            print(f"error: a worker failed (exit code {p.exitcode})", file=sys.stderr)
            raise SystemExit(1)
    kept = first = 0
    with open(a.out, "w", encoding="utf-8") as out:
        if a.mix:
            for line in jsonl_lines(real):
                out.write(line + "\n")
        for part in parts:
            for line in part.read_text(encoding="utf-8").splitlines():
                out.write(line + "\n")
                kept += 1
                first += json.loads(line)["meta"]["try"] == 1
            part.unlink()
    print(f"wrote {a.out}: {kept:,} of {len(texts):,} texts kept"
          + (f" ({first:,} at the first drawing)" if kept else "")
          + (f", after {len(real):,} real lines" if a.mix else "")
          + f"; {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
