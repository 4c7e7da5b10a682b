"""``writesmooth write``: text as handwriting, one page of word-wrapped lines sampled as a batch.

The helpers here (loading a model for a capability, ``--replace-unknown``, ``--biases``, saving
by suffix) are shared with ``smooth``. Model-agnostic: everything model-specific goes through
the registered model class.
"""
from __future__ import annotations

import inspect
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from ..api import DEFAULT_BIAS
from ..data.io import read_ink, write_inks
from ..errors import NotImplementedCapability, WritesmoothError
from ..ink import Ink, stack_lines
from ..plugins import get_toolkit
from . import options as o
from .console import console, log, warn

DEFAULT_WIDTH = 60    # characters per line before wrapping

MODEL = typer.Option("lstm-graves", "--model", "-m", help="Registered model that writes.")
WEIGHTS = typer.Option(None, "--weights",
                       help="Weights file (default: the model's bundled weights).")
BIAS = typer.Option(DEFAULT_BIAS, "--bias", min=0.0,
                    help="Sampling bias: 0 samples freely, larger is neater (Graves eqs. 61-62).")
BIASES = typer.Option(None, "--biases",
                      help="Comma list, e.g. 0,0.5,2: one labelled row per bias (same seed).")
SEED = typer.Option(None, "--seed", help="Seed: the same seed and weights give the same strokes.")
CANDIDATES = typer.Option(
    None, "--candidates", min=1,
    help="Drawings of each word (or line); the model keeps the most legible (lstm-graves: the "
         "one its reader reads best; default 16 with the bundled reader, else 1).")
SEARCH = typer.Option(
    None, "--search",
    help="What the candidates are (lstm-graves): 'words' (default with a reader: each word the "
         "best of --candidates) or 'lines' (whole lines).")
REPLACE = typer.Option(False, "--replace-unknown",
                       help="Map characters the model has no class for to the closest known ones.")
DEVICE = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N.")


# --- shared with smooth ---------------------------------------------------------------------
def parse_biases(text: Optional[str], bias: float) -> list[float]:
    if text is None:
        return [bias]
    values = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise WritesmoothError(
                f"--biases expects numbers separated by commas, got '{text}'") from None
        if not value >= 0:  # also refuses nan
            raise WritesmoothError(f"--biases: a bias must be 0 or more, got {part.strip()}")
        values.append(value)
    return values


def candidate_options(method: Callable[..., Any], model: Any, **given: Any) -> dict:
    """The sampler options given on the command line (``candidates=N``, ``search=...``; those
    left out are not passed, so the model's own defaults apply), for the model's
    ``write``/``smooth``; an error if the model takes one of them not."""
    given = {k: v for k, v in given.items() if v is not None}
    params = inspect.signature(method).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        for name in given:
            if name not in params:
                raise WritesmoothError(f"model '{model.name}' does not take --{name} "
                                       f"(it writes one sample per line)")
    return given


def check_output(out: Path) -> Callable[[list[list[Ink]]], None] | None:
    """Fail early on an output suffix nothing can write; returns ``None`` for a renderer
    (a figure) or a function writing ink files."""
    tk = get_toolkit()
    suffix = out.suffix.lower()
    if suffix in tk.renderers:
        return None
    writers = [f for f in tk.ink_formats() if f.can_write]
    if any(suffix in f.suffixes for f in writers):
        return lambda pages: write_inks([ink for page in pages for ink in page], out)
    figures = ", ".join(sorted(tk.renderers)) or "none"
    inks = ", ".join(sorted({s for f in writers for s in f.suffixes})) or "none"
    raise WritesmoothError(f"no renderer or ink writer for output suffix '{suffix or '(none)'}' "
                           f"of {out} (figures: {figures}; ink files: {inks})")


def resolve_device(device: str) -> str:
    """``auto`` -> cuda when there is a GPU, else cpu; asking for CUDA without one is an error."""
    if device != "auto" and not device.startswith("cuda"):
        return device
    try:
        import torch
    except ImportError:  # a model without torch decides for itself
        return "cpu" if device == "auto" else device
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise WritesmoothError(f"--device {device}: CUDA is not available here (use cpu or auto)")
    return device


def load_model(name: str, weights: Optional[Path], capability: str, device: str):
    cls = get_toolkit().model(name)
    if capability not in cls.capabilities:
        raise NotImplementedCapability(f"model '{name}' cannot {capability} (its capabilities: "
                                       f"{', '.join(sorted(cls.capabilities)) or 'none'})")
    return cls.load(weights, device=resolve_device(device))


def replacer(model: Any) -> Callable[[str], str]:
    """The model's mapping of unknown characters (``--replace-unknown``), warning what changed."""
    alphabet = getattr(getattr(model, "bundle", None), "alphabet", None)
    if alphabet is None or not hasattr(alphabet, "replace_unknown"):
        raise WritesmoothError(f"model '{model.name}' does not support --replace-unknown")

    def replace(text: str) -> str:
        # line by line: a line break is no character to write, but it must stay a line break
        # the mapping is per character: find each character's replacement once, use it twice
        mapping = {ch: alphabet.replace_unknown(ch) for ch in set(text) - {"\n"}}
        new = "".join(mapping.get(ch, ch) for ch in text)
        changes = sorted(f"{ch!r}->{to!r}" for ch, to in mapping.items() if to != ch)
        if changes:
            warn(f"replaced characters the model has no class for: {', '.join(changes)}")
        return new
    return replace


def save(pages: list[list[Ink]], labels: list[str], out: Path, writer, **draw: Any) -> None:
    """One figure row per page (lines stacked, left-aligned), or every line as an ink record."""
    if writer is not None:
        # ids tell the records apart when read back: line number, and the bias row if several
        for lines, text in zip(pages, labels):
            prefix = text.replace(" ", "-") + "-" if text else ""
            for n, ink in enumerate(lines, 1):
                ink.id = ink.id or f"{prefix}line-{n}"
        writer(pages)
        console.print(f"wrote {out}")
        return
    rows = []
    for lines, text in zip(pages, labels):
        page = stack_lines(lines)
        if text:
            page.meta["label"] = text
        rows.append(page)
    o.draw(rows, out, **draw)


def read_sample(path: Path, text: Optional[str], option: str) -> Ink:
    """A handwriting sample with its transcript (from the file, or ``text`` over it)."""
    sample = read_ink(path)
    if text is not None:
        sample = sample.replace(text=text)
    if sample.n_points < 2:
        raise WritesmoothError(f"{path}: the sample has no handwriting")
    if not sample.text.strip():
        raise WritesmoothError(
            f"{path}: the sample has no transcript; give it with {option} \"...\"")
    return sample


def warn_lines(inks: list[Ink]) -> None:
    """Say which lines the model could not finish, or wrote nothing for."""
    for ink in inks:
        if ink.text.strip() and ink.is_empty():
            warn(f"line {ink.text[:40]!r} came out empty: the model wrote nothing for it")
            continue
        tries = 1 + int(ink.meta.get("redraws") or 0)
        times = f" in all {tries} draws" if tries > 1 else ""
        if ink.meta.get("hit_cap"):
            warn(f"line {ink.text[:40]!r} reached the step cap ({ink.meta.get('steps')} points) "
                 f"before the model finished it{times}; it is cut there")
        elif ink.meta.get("stalled"):
            warn(f"line {ink.text[:40]!r} may hold a scribble: the model lost its place in it"
                 f"{times} (it stayed {ink.meta.get('dwell')} points on one letter)")


# --- write ----------------------------------------------------------------------------------
def wrap_text(text: str, width: int) -> list[str]:
    """Each input line word-wrapped to ``width``; an empty input line stays an empty line."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        paragraph = " ".join(paragraph.split())
        lines.extend(textwrap.wrap(paragraph, width) if paragraph else [""])
    while lines and not lines[-1]:  # a file's final newline is no blank row
        lines.pop()
    return lines


def read_text(words: Optional[list[str]], text_file: Optional[Path]) -> str:
    if words and text_file is not None:
        raise WritesmoothError("give the text as arguments or with --text-file, not both")
    if words:
        return " ".join(words)
    if text_file is not None:
        if str(text_file) == "-":
            return sys.stdin.read()
        try:
            return text_file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise WritesmoothError(f"{text_file}: not UTF-8 text ({exc.reason})") from None
    if not sys.stdin.isatty():
        return sys.stdin.read()
    raise WritesmoothError("no text to write: give TEXT, --text-file FILE, or pipe it on stdin")


def write(
    text: Optional[list[str]] = typer.Argument(None,
                                               help="Text to write (words joined by spaces)."),
    text_file: Optional[Path] = typer.Option(None, "--text-file", "-f",
                                             help="Read the text from this file ('-': stdin)."),
    model: str = MODEL,
    weights: Optional[Path] = WEIGHTS,
    bias: float = BIAS,
    biases: Optional[str] = BIASES,
    seed: Optional[int] = SEED,
    candidates: Optional[int] = CANDIDATES,
    search: Optional[str] = SEARCH,
    style: Optional[Path] = typer.Option(
        None, "--style", help="Handwriting sample (IAM XML, InkML, JSON) to write in its hand."),
    style_text: Optional[str] = typer.Option(
        None, "--style-text", help="Transcript of --style when its file holds none."),
    width: int = typer.Option(DEFAULT_WIDTH, "--width", min=1, help="Characters per line."),
    out: Path = typer.Option(Path("write.png"), "-o", "--out",
                             help="Output: .svg/.png figure, or .inkml/.json/.jsonl strokes."),
    replace_unknown: bool = REPLACE,
    device: str = DEVICE,
    stroke_width: float = o.STROKE_WIDTH,
    color: str = o.COLOR,
    background: str = o.BACKGROUND,
    height: Optional[int] = o.HEIGHT,
) -> None:
    """Write text as handwriting: word-wrapped lines, sampled together, stacked on one page."""
    writer = check_output(out)
    bias_list = parse_biases(biases, bias)
    raw = read_text(text, text_file)
    if not raw.strip():
        raise WritesmoothError("no text to write: the text is empty")
    sample = None
    if style is not None:
        sample = read_sample(style, style_text, "--style-text")
    m = load_model(model, weights, "write", device)
    extra = candidate_options(m.write, m, candidates=candidates, search=search)
    if replace_unknown:  # before wrapping, so the lines wrap as they will be written
        fix = replacer(m)
        raw = fix(raw)
        if sample is not None:
            sample = sample.replace(text=fix(sample.text))
    lines = wrap_text(raw, width)
    pages, labels = [], []
    for b in bias_list:
        inks = m.write(lines, bias=b, seed=seed, style=sample, **extra)
        warn_lines(inks)
        if seed is None:  # every bias row uses the seed the first one drew, so rows compare
            seed = next((i.meta["seed"] for i in inks if "seed" in i.meta), None)
        pages.append(inks)
        labels.append(f"bias {b:g}" if biases is not None else "")
    log.info("write: %d line(s), biases %s, seed %s", len(lines), bias_list, seed)
    save(pages, labels, out, writer, stroke_width=stroke_width, color=color,
         background=background, height=height)
    if seed is not None:
        console.print(f"seed {seed}", style="dim")
