"""``pywritesmooth``: the original tool's command line, mapped onto the new commands.

People and scripts that used pywritesmooth keep their options; each run is translated into
``writesmooth train`` / ``write`` / ``smooth`` calls (README: "The original command line").
Differences kept on purpose: a ``.pkl`` file is refused, never unpickled (``-p`` now names the
safe dataset cache folder), and relative file names without a folder work.
"""
from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path
from typing import Optional

import typer

from ..errors import WritesmoothError
from .console import console, error_line

DEFAULT_MODEL_FILE = "hwSynthesis.pt"
DEFAULT_HW_PREFIX = str(Path("samples") / "hw")
DEFAULT_PLOT_PREFIX = str(Path("plots") / "phi")


def _model_name(short: str) -> str:
    """The original tool's short names (``lstm``, ``gan``) are the aliases models declare."""
    from ..plugins import get_toolkit

    return get_toolkit().model_by_alias(short.lower())


def _numbered(prefix: str, n: int, suffix: str) -> Path:
    """``samples/hw`` -> ``samples/hw1.png`` (the original tool appended numbers)."""
    return Path(f"{prefix}{n}{suffix}")


def translate(*, smooth: bool, smooth_model: str, smooth_sample: Optional[str],
              train: Optional[str], train_models: list[str], epoch: int,
              saved_model: Optional[str], pickled_data: Optional[str],
              log_file: Optional[str], log_level: Optional[str], image_save: Optional[str],
              image_display: bool, hw_save: Optional[str], handwriting_save: bool,
              generated_save: bool, write: Optional[str], test_model: bool
              ) -> list[tuple[list[str], Optional[tuple[Path, Path]]]]:
    """The new commands for an old command line: a list of ``(argv, copy)`` where ``copy``
    is ``(from, to)`` to run after that command (trained weights to ``--saved-model``)."""
    if pickled_data and pickled_data.lower().endswith((".pkl", ".pickle")):
        raise WritesmoothError(
            f"{pickled_data}: pickle files are refused (unpickling can run arbitrary code); "
            "-p/--pickled-data now names a folder for the safe dataset cache, e.g. -p cache")
    glob: list[str] = []
    if log_file:
        glob += ["--log-file", log_file]
    if log_level:
        glob += ["--log-level", log_level.lower()]
    model_file = Path(saved_model or DEFAULT_MODEL_FILE)
    hw_prefix = hw_save or DEFAULT_HW_PREFIX
    steps: list[tuple[list[str], Optional[tuple[Path, Path]]]] = []
    trained_weights: Optional[Path] = None
    image_n = 0

    if smooth and not smooth_sample:
        raise WritesmoothError("-s/--smooth needs -ss/--smooth-sample FILE (a handwriting sample)")
    if not (train or smooth or write):
        return []

    if train:
        names = [_model_name(m) for m in (train_models or ["lstm"])]
        out = model_file.parent / (model_file.stem + "-run")
        argv = glob + ["train", "--data", train, "--epochs", str(epoch), "--out", str(out)]
        if not (Path(train) / "task1").is_dir():
            # the original trained on every file of a folder; without the official split
            # lists there is no protocol to follow, so train on all lines, validate on none
            argv += ["--split", "all", "--val-split", "none"]
        for name in names:
            argv += ["--model", name]
        if pickled_data:
            argv += ["--cache-dir", pickled_data]
        argv += ["--plots", str(Path(image_save or DEFAULT_PLOT_PREFIX).parent)]
        if image_display:
            argv.append("--show")
        if handwriting_save:
            argv.append("--draw-lines")
        if test_model:
            argv += ["--test-model", "Sample text"]
        first = names[0]
        trained_weights = out / first / "best.pt"
        steps.append((argv, (trained_weights, model_file)))

    weights = ["--weights", str(model_file)] if (saved_model or train) else []

    def outputs(n: int) -> list[str]:
        out = ["-o", str(_numbered(hw_prefix, n, ".png"))]
        return out

    # with -gs the image and the saved strokes come from two runs: one seed keeps them the same
    seed = ["--seed", str(random.randrange(2**31))] if generated_save else []

    if smooth:
        image_n += 1
        argv = glob + ["smooth", smooth_sample, "--model", _model_name(smooth_model),
                       *weights, *seed, "--side-by-side", *outputs(image_n)]
        steps.append((argv, None))
        if generated_save:
            steps.append((glob + ["smooth", smooth_sample, "--model", _model_name(smooth_model),
                                  *weights, *seed, "-o", str(_numbered(hw_prefix, image_n, ".json"))],
                          None))
    if write:
        image_n += 1
        model = _model_name(smooth_model)
        argv = glob + ["write", write, "--model", model, *weights, *seed, *outputs(image_n)]
        steps.append((argv, None))
        if generated_save:
            steps.append((glob + ["write", write, "--model", model, *weights, *seed,
                                  "-o", str(_numbered(hw_prefix, image_n, ".json"))], None))
    return steps


def legacy(
    ctx: typer.Context,
    smooth: bool = typer.Option(False, "-s", "--smooth", help="Smooth a sample (needs -ss)."),
    smooth_model: str = typer.Option("lstm", "-sm", "--smooth-model",
                                     help="Model for -s and -w: lstm or gan (or any registered name)."),
    smooth_sample: Optional[str] = typer.Option(None, "-ss", "--smooth-sample",
                                                help="Handwriting sample file (IAM XML, InkML, JSON)."),
    train: Optional[str] = typer.Option(None, "-t", "--train", help="Dataset location to train on."),
    train_models: list[str] = typer.Option([], "-tm", "--train-models",
                                           help="Models to train (repeatable): lstm, gan."),
    epoch: int = typer.Option(10, "-e", "--epoch", min=0, help="Epochs when training."),
    saved_model: Optional[str] = typer.Option(
        None, "-m", "--saved-model", help=f"Weights file to save after training and load for -w/-s "
                                          f"(default {DEFAULT_MODEL_FILE} after -t; bundled weights otherwise)."),
    pickled_data: Optional[str] = typer.Option(
        None, "-p", "--pickled-data", help="Dataset cache folder (a .pkl file is refused)."),
    log_file: Optional[str] = typer.Option(None, "-l", "--log-file", help="Rotating log file."),
    log_level: Optional[str] = typer.Option(None, "-ll", "--log-level",
                                            help="critical, error, warning, info or debug."),
    image_save: Optional[str] = typer.Option(None, "-is", "--image-save",
                                             help="Prefix of training plot images (its folder is used)."),
    image_display: bool = typer.Option(False, "-id", "--image-display", help="Show the plots."),
    hw_save: Optional[str] = typer.Option(None, "-hws", "--hw-save",
                                          help="Prefix of handwriting images: hw -> hw1.png, hw2.png."),
    handwriting_save: bool = typer.Option(False, "-hs", "--handwriting-save",
                                          help="Draw the training lines as they are used."),
    generated_save: bool = typer.Option(False, "-gs", "--generated-save",
                                        help="Also save the generated strokes (JSON)."),
    write: Optional[str] = typer.Option(None, "-w", "--write", help="Text to write (any length)."),
    test_model: bool = typer.Option(False, "-tsm", "--test-model",
                                    help="Write test samples after training."),
) -> None:
    """pywritesmooth: the original command line of this tool, run by the new writesmooth commands."""
    options = {k: v for k, v in locals().items() if k != "ctx"}
    steps = translate(**options)
    if not steps:  # the original printed usage and then did nothing; say so and fail
        console.print(ctx.get_help())
        raise typer.Exit(2)
    from .main import run

    for argv, copy in steps:
        console.print("[dim]pywritesmooth ->[/] writesmooth " + " ".join(argv), markup=True)
        code = run(argv)
        if code != 0:
            raise typer.Exit(code)
        if copy is not None:
            src, dst = copy
            if not src.is_file():
                raise WritesmoothError(f"training finished but wrote no weights at {src}")
            if dst.parent != Path(""):
                dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            console.print(f"saved model weights to {dst}")


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                      context_settings={"help_option_names": ["-h", "--help"]})
    app.command()(legacy)
    try:
        app(prog_name="pywritesmooth")
    except WritesmoothError as exc:
        error_line(str(exc))
        sys.exit(exc.exit_code)
