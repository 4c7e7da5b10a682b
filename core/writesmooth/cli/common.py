"""What ``write`` and ``smooth`` share: the model options, loading a model for a capability,
``--replace-unknown``, ``--biases``, the notices a model leaves on its lines, saving by suffix.

Model-agnostic: everything model-specific goes through the registered model class and what it
declares (its options, its unknown characters, its notices).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

import typer

from ..api import DEFAULT_BIAS, notices, unknown_characters
from ..data.io import read_ink, write_inks
from ..devices import resolve_device
from ..errors import WritesmoothError
from ..ink import Ink, stack_lines
from ..plugins import find_model, get_toolkit
from ..report import progress
from . import model_options
from . import options as o
from .console import console, warn

MODEL = typer.Option(None, "--model", "-m", show_default=False,
                     help="Registered model (default: the first that can do it and has bundled "
                          "weights; see 'writesmooth models').")
WEIGHTS = typer.Option(None, "--weights",
                       help="Weights file (default: the model's bundled weights).")
BIAS = typer.Option(DEFAULT_BIAS, "--bias", min=0.0,
                    help="Sampling bias: 0 samples freely, larger is neater (Graves eqs. 61-62).")
BIASES = typer.Option(None, "--biases",
                      help="Comma list, e.g. 0,0.5,2: one labelled row per bias (same seed).")
SEED = typer.Option(None, "--seed", help="Seed: the same seed and weights give the same strokes.")
REPLACE = typer.Option(False, "--replace-unknown",
                       help="Map characters the model has no class for to the closest known ones "
                            "(default: draw them from the single-stroke font).")
STRICT = typer.Option(False, "--strict",
                      help="Refuse characters the model has no class for instead of drawing "
                           "them from the single-stroke font.")
DEVICE = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N.")
STYLES_DIR = typer.Option(None, "--styles-dir", envvar="WRITESMOOTH_STYLES_DIR",
                          show_envvar=False,
                          help="Folder of saved styles (default: the user's data folder).")
STYLE_HELP = ("A saved style's name (see 'writesmooth style list'), or a handwriting sample "
              "(IAM XML, InkML, JSON) to write in its hand.")


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


def load_model(name: Optional[str], weights: Optional[Path], capability: str, device: str,
               given: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The model ``name`` (default: :meth:`Toolkit.default_model`) loaded for ``capability``,
    and the keyword arguments of its declared options (``{"options": ...}``, or none)."""
    cls = find_model(name, capability)
    declared = model_options.build(cls, capability, given)
    kwargs = {} if declared is None else {"options": declared}
    return cls.load(weights, device=resolve_device(device)), kwargs


def replacer(model: Any) -> Callable[[str], str]:
    """The model's mapping of characters it cannot write (``--replace-unknown``), warning what
    changed."""
    def replace(text: str) -> str:
        # a line break is no character to write, but it must stay a line break; the mapping is
        # per character: find each character's replacement once, use it everywhere
        mapping = {ch: model.replace_unknown(ch) for ch in set(text) - {"\n"}}
        new = "".join(mapping.get(ch, ch) for ch in text)
        changes = sorted(f"{ch!r}->{to!r}" for ch, to in mapping.items() if to != ch)
        if changes:
            warn(f"replaced characters the model has no class for: {', '.join(changes)}")
        return new
    return replace


def check_known(model: Any, texts: Sequence[str]) -> None:
    """One clear error naming every character the model cannot write."""
    unknown = {ch for t in texts for ch in model.unknown_chars(t)} - {"\n"}
    if unknown:
        raise unknown_characters(model.name, sorted(unknown))


def save_page(pages: list[list[Ink]], labels: list[str], out: Path, writer,
              **draw: Any) -> None:
    """As :func:`save`, with each page's lines where they were written, not stacked."""
    save(pages, labels, out, writer, stack=False, **draw)


def save(pages: list[list[Ink]], labels: list[str], out: Path, writer, *, stack: bool = True,
         **draw: Any) -> None:
    """One figure row per page (lines stacked, left-aligned; with ``stack=False`` where each
    line is), or every line as an ink record."""
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
        page = stack_lines(lines) if stack else Ink(
            strokes=[s for ink in lines for s in ink.strokes],
            text="\n".join(ink.text for ink in lines))
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


def tell(inks: Sequence[Ink]) -> None:
    """Show what the model wants the user told about each line (``Ink.meta["notices"]``), and
    say which lines came out empty."""
    for ink in inks:
        if ink.text.strip() and ink.is_empty():
            warn(f"line {ink.text[:40]!r} came out empty: the model wrote nothing for it")
        for message in notices(ink):
            warn(message)


def tell_drawn(inks: Sequence[Ink]) -> None:
    """Say which characters were drawn from the font (``meta["font_characters"]``)."""
    drawn = sorted({ch for ink in inks for ch in ink.meta.get("font_characters") or ()})
    if drawn:
        console.print(f"drawn from the single-stroke font (the model has no class for them): "
                      f"{' '.join(drawn)}", style="dim")


def _short(text: str, width: int = 24) -> str:
    return repr(text if len(text) <= width else text[:width - 1] + "…")


def collect(stream: Iterator[tuple[int, Ink]], n: int, what: str) -> list[Ink]:
    """The lines of ``stream`` in order, with a progress bar of lines when there are several
    (naming the line last finished: models hand lines out as they finish them); each line's
    notices are shown as soon as it is final."""
    inks: list[Ink | None] = [None] * n
    bar = progress(n, what, fields={"last": "-"}) if n > 1 else None
    try:
        for i, ink in stream:
            inks[i] = ink
            tell([ink])
            if bar is not None:
                bar.advance(1, last=_short(ink.text))
    finally:
        if bar is not None:
            bar.close()
    missing = [i for i, ink in enumerate(inks) if ink is None]
    if missing:
        raise WritesmoothError(f"the model returned no line for {len(missing)} of {n} lines")
    return inks  # type: ignore[return-value]


def resolve_style(value: str, styles_dir: Optional[Path], text: Optional[str],
                  text_option: str) -> tuple[Ink, Any]:
    """``--style``: a sample file (with its transcript), else a saved or preset style by name;
    returns the sample that primes and the :class:`~writesmooth.styles.Style` (or ``None``)."""
    from ..styles import StyleBank

    path = Path(value)
    if path.is_file():
        return read_sample(path, text, text_option), None
    bank = StyleBank.open(styles_dir)
    if not bank.has(value):
        known = ", ".join(bank.names()) or "none yet"
        raise WritesmoothError(f"--style {value}: no such file, and no saved style of that "
                               f"name (styles: {known})")
    if text is not None:
        raise WritesmoothError(f"{text_option} is for a sample file; the style '{value}' has "
                               f"its text")
    style = bank.get(value)
    return style.sample, style


def adapted(model: Any, style: Any, sample: Ink | None) -> tuple[Any, Ink | None]:
    """The model and the sample to prime it with for ``style``: with what the model learnt
    of the style (``writesmooth style adapt``), the adapted model and no priming, since the
    adapter carries the hand (docs/styles.md); else ``model`` and ``sample``."""
    path = style.adapter(model.name) if style is not None else None
    if path is None:
        return model, sample
    console.print(f"style '{style.name}': written with what {model.name} learnt of it",
                  style="dim")
    return model.with_adapter(path), None
