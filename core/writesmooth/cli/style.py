"""``writesmooth style ...``: the styles a person keeps (``writesmooth.styles``): add one from
a sample, list, show, remove, export and import them, and adapt a model to one."""
from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any, Optional

import typer
from rich import box
from rich.table import Table

from ..errors import WritesmoothError
from ..hand import hand_stats
from ..ink import Ink
from ..pages import find_texts
from ..plugins import get_toolkit
from ..report import progress
from ..styles import StyleBank
from .common import (BIAS, DEVICE, MODEL, SEED, STYLES_DIR, WEIGHTS, adapted, check_known,
                     check_output, load_model, replacer, save)
from .console import console, warn
from .read import load_reader, sample_lines
from .smooth import _layout, say_texts

style_app = typer.Typer(help="Styles you keep: add, list, show, remove, export, import, adapt.",
                        no_args_is_help=True)

#: written by ``style show`` under the sample: every lower-case letter the network knows
PANGRAM = "The quick brown fox jumps over the lazy dog"
DEFAULT_MINUTES = 3.0


@style_app.command("add")
def add(
    name: str = typer.Argument(..., help="Name of the new style (letters, digits, - and _)."),
    samples: list[Path] = typer.Argument(
        ..., help="Handwriting: IAM line XML, InkML or JSON; one or several lines."),
    text: Optional[str] = typer.Option(
        None, "--text", help="What the sample says (one line of text per line of writing); "
                             "default: the file's, the IAM-OnDB transcript's, or the reader's."),
    description: str = typer.Option("", "--description", help="One line about the style."),
    replace: bool = typer.Option(False, "--replace", help="Replace a style of that name."),
    reader: Optional[str] = typer.Option(None, "--reader",
                                         help="Model that reads (default: the bundled reader)."),
    device: str = DEVICE,
    styles_dir: Optional[Path] = STYLES_DIR,
) -> None:
    """Keep a handwriting sample as a named style, with the text of each line."""
    bank = StyleBank.open(styles_dir)
    bank.check_free(name, replace)
    lines = sample_lines(samples)
    page = find_texts(lines, given=text, layout=_layout,
                      read=lambda inks: load_reader(reader, device).read(inks))
    say_texts(page)
    kept = [line.ink.replace(text=line.text) for line in page if line.text.strip()]
    if not kept:
        raise WritesmoothError("no line of the sample has text: give it with --text \"...\"")
    style = bank.add(name, kept, description, replace=replace)
    console.print(f"added style '{name}': {len(style.lines)} line(s), {style.points:,} points, "
                  f"in {style.folder}")


@style_app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    styles_dir: Optional[Path] = STYLES_DIR,
) -> None:
    """List your styles and the preset ones."""
    bank = StyleBank.open(styles_dir)
    styles = bank.all()
    if as_json:
        console.print_json(json.dumps({"styles_dir": str(bank.root),
                                       "styles": [s.summary() for s in styles]}))
        return
    if not styles:
        console.print(f"no styles in {bank.root} (add one with 'writesmooth style add NAME "
                      f"SAMPLE')")
        return
    table = Table(box=box.SIMPLE_HEAD, title=f"styles ({bank.root})", title_justify="left")
    for col in ("name", "kind", "lines", "adapted", "description"):
        table.add_column(col, justify="right" if col == "lines" else "left")
    for s in styles:
        ad = ", ".join(f"{m} ({p.stat().st_size / 1024:.0f} KB)" for m, p in s.adapters().items())
        table.add_row(s.name, f"preset ({s.origin})" if s.preset else "yours",
                      str(len(s.lines)), ad or "-", s.description or "-")
    console.print(table)


@style_app.command("show")
def show(
    name: str = typer.Argument(..., help="The style."),
    out: Path = typer.Option(..., "-o", "--out", help="Output: .svg/.png figure."),
    text: str = typer.Option(PANGRAM, "--text", help="What to write in the style."),
    model: Optional[str] = MODEL,
    weights: Optional[Path] = WEIGHTS,
    bias: float = BIAS,
    seed: Optional[int] = SEED,
    device: str = DEVICE,
    styles_dir: Optional[Path] = STYLES_DIR,
) -> None:
    """Draw the style's sample, and a text written in it (with what the model learnt of it)."""
    writer = check_output(out)
    style = StyleBank.open(styles_dir).get(name)
    m, _ = load_model(model, weights, "write", device, {})
    m, prime = adapted(m, style, style.sample)
    text = replacer(m)(text)
    check_known(m, [text, style.sample.text])
    ((_, ink),) = m.write_stream([text], bias=bias, seed=seed, style=prime)
    # both rows at one scale: the sample brought to the written line's letter width
    sample = [line.scaled(width_ratio(ink, style.sample)) for line in style.lines]
    save([sample, [ink]], ["sample", f"written by {m.name}"], out, writer)
    if ink.meta.get("seed") is not None:
        console.print(f"seed {ink.meta['seed']}", style="dim")


@style_app.command("remove")
def remove(name: str = typer.Argument(..., help="The style."),
           styles_dir: Optional[Path] = STYLES_DIR) -> None:
    """Remove one of your styles (and what models learnt of it)."""
    StyleBank.open(styles_dir).remove(name)
    console.print(f"removed style '{name}'")


@style_app.command("export")
def export(
    name: str = typer.Argument(..., help="The style."),
    out: Path = typer.Option(..., "-o", "--out", help="The style file to write (.json)."),
    styles_dir: Optional[Path] = STYLES_DIR,
) -> None:
    """Write a style, with what models learnt of it, to one file to share."""
    size = StyleBank.open(styles_dir).export(name, out)
    console.print(f"wrote {out} ({size / 1024:.0f} KB)")


@style_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="A style file written by 'writesmooth style export'."),
    name: Optional[str] = typer.Option(None, "--name", help="Keep it under this name."),
    replace: bool = typer.Option(False, "--replace", help="Replace a style of that name."),
    styles_dir: Optional[Path] = STYLES_DIR,
) -> None:
    """Keep a style from a style file; the file is checked first, adapters included."""
    style, adapters = StyleBank.open(styles_dir).import_file(
        file, name, replace=replace, check=lambda blobs: check_adapters(file, blobs))
    learnt = f", adapted for {', '.join(adapters)}" if adapters else ""
    console.print(f"imported style '{style.name}': {len(style.lines)} line(s){learnt}")


def check_adapters(file: Path, adapters: dict[str, bytes]) -> None:
    """Have each adapter's model check it (:meth:`Model.check_adapter`: nothing is executed);
    an adapter for a model that is not installed is kept unchecked, with a warning."""
    tk = get_toolkit()
    for model, blob in adapters.items():
        if model not in tk.models or "adapt" not in tk.model(model).capabilities:
            warn(f"{file}: the adapter for '{model}' is kept unchecked: no such model here")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "adapter"
            path.write_bytes(blob)
            try:
                tk.model(model).check_adapter(path)
            except WritesmoothError as exc:
                raise WritesmoothError(f"{file}: the adapter for '{model}' is refused: "
                                       f"{str(exc).replace(str(path), 'it')}") from None


@style_app.command("adapt")
def adapt(
    name: str = typer.Argument(..., help="One of your styles."),
    minutes: float = typer.Option(DEFAULT_MINUTES, "--minutes", min=0.05,
                                  help="Time to learn for, at most (it stops early when the "
                                       "held-out lines stop improving)."),
    restart: bool = typer.Option(False, "--restart",
                                 help="Learn from the start (not from an interrupted run, "
                                      "nor over a finished one)."),
    model: Optional[str] = MODEL,
    weights: Optional[Path] = typer.Option(
        None, "--weights", help="Weights to adapt (default: the model's bundled weights); "
                                "write with the same --weights."),
    device: str = DEVICE,
    styles_dir: Optional[Path] = STYLES_DIR,
) -> None:
    """Teach the model this style's hand from its own lines (a small adapter kept with it).

    'write --style NAME' writes with it from then on. Ctrl-C saves; run it again to go on."""
    style = StyleBank.open(styles_dir).get(name)
    if style.preset:
        raise WritesmoothError(f"'{name}' is a preset style: adapt a style of your own "
                               f"('writesmooth style add')")
    m, _ = load_model(model, weights, "adapt", device, {})
    target, resume = style.adapter_path(m.name), style.resume_path(m.name)
    if target.is_file() and not resume.is_file() and not restart:
        raise WritesmoothError(f"style '{name}' is adapted for {m.name} already ({target}); "
                               f"--restart learns it again")
    if resume.is_file() and not restart:
        console.print(f"continuing the interrupted adaptation ({resume})", style="dim")
    bar = progress(minutes * 60, f"adapting {m.name} to '{name}'",
                   fields={"step": "0", "held_out": "-"})
    shown = {"seconds": 0.0}

    def tick(event: dict[str, Any]) -> None:
        seconds = min(float(event["seconds"]), minutes * 60)
        fields = {"step": str(event["step"])}
        if event.get("val_nats_per_point") is not None:
            fields["held_out"] = f"{event['val_nats_per_point']:.3f}"
        bar.advance(seconds - shown["seconds"], **fields)
        shown["seconds"] = seconds

    try:
        result = m.adapt(style.lines, adapter=target, resume=resume, minutes=minutes,
                         restart=restart, progress=tick)
    except KeyboardInterrupt:
        bar.close()
        warn(f"interrupted: saved to {resume}; 'writesmooth style adapt {name}' goes on")
        raise typer.Exit(130) from None
    finally:
        bar.close()
    say_adapted(name, m.name, result, target)


def width_ratio(new: Ink, sample: Ink) -> float:
    """How much wider ``new``'s letters are than ``sample``'s (1 where unmeasurable): the
    steadiest measure of size, as a line's x-height suffers where its baseline drifts."""
    a, b = hand_stats(new)["letter_width"], hand_stats(sample)["letter_width"]
    return a / b if a > 0 and b > 0 and math.isfinite(a / b) else 1.0


def say_adapted(name: str, model: str, r: dict[str, Any], target: Path) -> None:
    why = {"early stop": "stopped early: the held-out lines stopped improving",
           "time": "stopped at the time limit",
           "steps": "one line: no held-out line to stop early on"}.get(r.get("stopped"), "")
    console.print(f"adapted {model} to '{name}': {r.get('steps')} steps in "
                  f"{r.get('seconds')} s ({why})")
    before, after = r.get("val_nats_per_point_before"), r.get("val_nats_per_point")
    if isinstance(before, float) and isinstance(after, float) and before == before:
        console.print(f"held-out lines ({r.get('val_lines')}): {before:.3f} -> {after:.3f} "
                      f"nats per point (lower is better)")
    console.print(f"adapter {target} ({target.stat().st_size / 1024:.0f} KB)")
