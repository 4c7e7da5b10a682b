"""Smoothing from the ink alone, measured on real IAM-OnDB lines and forms.

1. **Lines.** Every testset_v line is read by the bundled reader; the ``--lines`` (40) it reads
   worst (character error rate against the line's text, lines of 10 characters or more) are
   unpacked with their forms into a temporary folder in the distribution's layout and smoothed
   as ``writesmooth smooth FILE.xml --replace-unknown`` does, with no transcript given: the
   text is the one the command finds (the IAM-OnDB transcript beside the file), its few
   characters the model has no class for (``Z``, say) replaced by the closest it has. For each: the reader's character
   error rate on the original, on the smoothed line (the whole line rewritten) and with
   ``--keep-legible``; the seconds each took; and the hand measures of ``writesmooth.hand``
   (slant, x-height, letter width) of the original, the smoothed line and the same text
   written unprimed (the model's default hand), with how far each is from the writer's.
   ``--reader-text`` also smooths each line with the text the reader reads instead (what
   ``smooth`` does where no transcript is found).
2. **Pages.** Every testset_v form given as one page (all its line files' strokes together,
   in the whiteboard's coordinates): the share of lines :func:`writesmooth.split_lines` finds
   as they are in the form (the same strokes, in the same order), and of forms split exactly.

Character error rates are edit distance over the length of the line's text, as written (the
transcript without the spaces the IAM-OnDB text puts before punctuation).

    python benchmarks/smooth_pages.py                 # about 15 minutes on a 2-core CPU
    python benchmarks/smooth_pages.py --lines 10 --seed 2
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from writesmooth import Ink, split_lines
from writesmooth.data.dataset import load_dataset
from writesmooth.data.iam_layout import (extract_forms, is_line_file, layout_transcript,
                                         untokenised)
from writesmooth.hand import STATS, distance, hand_stats
from writesmooth.pages import PageLine, find_texts, smooth_line, split_sample
from writesmooth.plugins import get_toolkit
from writesmooth.data.io import read_inks
from writesmooth_lstm_graves.reader import edit_distance as edits

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "iam-ondb"


def cer(readings: list[str], truths: list[str]) -> float:
    return sum(edits(r, t) for r, t in zip(readings, truths)) / sum(len(t) for t in truths)


def form_of(line_id: str) -> str:
    return line_id.rsplit("-", 1)[0]


def pages(lines) -> None:
    """Each testset_v form as one page, split: a line counts as found where the page's line
    of the same number holds at least 90 % of its ink and is at least 90 % its ink; and where
    it holds exactly its strokes."""
    forms = defaultdict(list)
    for ink in lines:
        forms[form_of(ink.id)].append(ink)
    found_ok = exact_ok = forms_ok = total = 0
    for form, inks in sorted(forms.items()):
        owner = {s.tobytes(): n for n, ink in enumerate(inks) for s in ink.strokes}
        found = split_lines(Ink(strokes=[s for ink in inks for s in ink.strokes]))
        ok = []
        for n, ink in enumerate(inks):
            if n >= len(found):
                ok.append((False, False))
                continue
            mine = sum(len(s) for s in found[n].strokes if owner[s.tobytes()] == n)
            whole = sum(len(s) for s in found[n].strokes)
            ok.append((mine >= 0.9 * whole and mine >= 0.9 * ink.n_points,
                       mine == whole == ink.n_points))
        found_ok += sum(a for a, _ in ok)
        exact_ok += sum(b for _, b in ok)
        forms_ok += all(a for a, _ in ok) and len(found) == len(inks)
        total += len(inks)
    print(f"pages: {len(forms)} testset_v forms, {total} lines: {found_ok / total:.1%} of lines "
          f"found in order (90 % of their ink), {exact_ok / total:.1%} with exactly their "
          f"strokes; {forms_ok / len(forms):.1%} of forms split into their lines")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED)
    ap.add_argument("--lines", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save", type=Path, help="also write every line's figures to this JSON")
    ap.add_argument("--reader-text", action="store_true",
                    help="also smooth with the text the reader reads")
    args = ap.parse_args()
    if not args.data.is_dir():
        sys.exit(f"{args.data}: no IAM-OnDB data")
    tk = get_toolkit()
    model = tk.model(tk.default_model("smooth")).load()
    reader = tk.model(tk.default_model("read")).load()
    lines = load_dataset(args.data).select("testset_v")
    pages(lines)

    t = time.perf_counter()
    truths = [untokenised(ink.text) for ink in lines]
    seen = reader.read(lines)
    print(f"read {len(lines)} testset_v lines in {time.perf_counter() - t:.0f} s: CER "
          f"{cer(seen, truths):.1%}")
    rates = [(edits(s, t) / len(t), k) for k, (s, t) in enumerate(zip(seen, truths))
             if len(t) >= 10]
    worst = [k for _, k in sorted(rates, reverse=True)[:args.lines]]
    with tempfile.TemporaryDirectory() as tmp:
        files = extract_forms(args.data, {form_of(lines[k].id) for k in worst}, Path(tmp))
        by_id = {f.stem: f for f in files}
        rows = []
        for n, k in enumerate(worst, 1):
            path = by_id[lines[k].id]
            (line,) = find_texts(split_sample(read_inks(path), str(path),
                                              is_line=lambda ink: is_line_file(ink.source)),
                                 layout=lambda ink: layout_transcript(Path(ink.source)))
            assert line.source == "iam", line.source
            line.text = model.replace_unknown(line.text)  # as --replace-unknown does
            row = {"id": lines[k].id, "truth": truths[k], "text": line.text,
                   "original": seen[k]}
            t = time.perf_counter()
            whole = smooth_line(model, line, bias=1.0, seed=args.seed, extra={})
            row["whole_s"] = time.perf_counter() - t
            t = time.perf_counter()
            kept = smooth_line(model, line, bias=1.0, seed=args.seed, extra={}, reader=reader)
            row["keep_s"] = time.perf_counter() - t
            row["kept_words"] = kept.meta.get("kept_words", 0)
            row["size_factor"] = whole.meta.get("size_factor", 1.0)
            row["words"] = len(line.text.split())
            default = model.write([line.text], seed=args.seed)[0]
            row["whole"], row["keep"] = reader.read([whole, kept])
            row["stats"] = {name: hand_stats(ink.replace(text=line.text)) for name, ink in
                            (("writer", line.ink), ("smoothed", whole), ("default", default))}
            if args.reader_text:
                read_line = PageLine(line.ink, " ".join(seen[k].split()), "reader")
                guessed = smooth_line(model, read_line, bias=1.0, seed=args.seed, extra={})
                row["reader_text"] = reader.read([guessed])[0]
            rows.append(row)
            print(f"{n:2d} {row['id']:<14} {row['whole_s']:5.1f} s  original "
                  f"{row['original']!r}\n   smoothed {row['whole']!r}\n   kept     "
                  f"{row['keep']!r}", flush=True)
    report(rows)
    if args.save:
        args.save.write_text(json.dumps(rows, indent=1))


def report(rows: list[dict]) -> None:
    truths = [r["truth"] for r in rows]
    print(f"\n{len(rows)} testset_v lines the reader reads worst (10 characters or more), "
          f"smoothed with the text smooth finds (the IAM-OnDB transcript):")
    for name in ("original", "whole", "keep", "reader_text"):
        if name in rows[0]:
            label = {"original": "original lines", "whole": "smoothed (whole line)",
                     "keep": "--keep-legible", "reader_text": "smoothed, text from the reader"}
            print(f"  reader CER, {label[name]:<31} {cer([r[name] for r in rows], truths):6.1%}")
    print(f"  smoothed lines were scaled to the writer's size by a median factor of "
          f"{statistics.median(r['size_factor'] for r in rows):.2f} (x-height and letter width "
          f"together: their distances below are what is left after it; the slant is the "
          f"network's own)")
    kept = sum(r["kept_words"] for r in rows)
    words = sum(r["words"] for r in rows)
    print(f"  --keep-legible kept {kept} of {words} words as written")
    print(f"  seconds per line: smoothed {statistics.mean(r['whole_s'] for r in rows):.1f}, "
          f"--keep-legible {statistics.mean(r['keep_s'] for r in rows):.1f}")
    print("  hand measures, mean over the lines (writer / smoothed / default hand), and the "
          "mean distance from the writer's (smoothed / default):")
    for stat in STATS:
        vals = {who: [r["stats"][who][stat] for r in rows] for who in ("writer", "smoothed",
                                                                       "default")}
        d_s = [distance(r["stats"]["smoothed"], r["stats"]["writer"])[stat] for r in rows]
        d_d = [distance(r["stats"]["default"], r["stats"]["writer"])[stat] for r in rows]
        ok = [not (math.isnan(a) or math.isnan(b)) for a, b in zip(d_s, d_d)]
        ds = float(np.mean([v for v, o in zip(d_s, ok) if o]))
        dd = float(np.mean([v for v, o in zip(d_d, ok) if o]))
        unit = "degrees" if stat == "slant" else "|log ratio|"
        print(f"    {stat:<13} {np.nanmean(vals['writer']):8.2f} {np.nanmean(vals['smoothed']):8.2f}"
              f" {np.nanmean(vals['default']):8.2f}   distance {ds:.3f} / {dd:.3f} {unit}: "
              f"smoothed is {dd / ds:.1f} times closer")


if __name__ == "__main__":
    main()
