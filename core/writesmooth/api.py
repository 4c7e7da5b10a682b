"""The public base classes a plugin author subclasses: Model, Renderer, InkFormat, DatasetLayout.

This contract is documented in docs/writing-plugins.md and kept stable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Sequence

from .errors import NotImplementedCapability
from .ink import Ink

#: The sampling bias used when none is given (docs/writing.md, "The bias": the more legible of
#: 0.75 and 1.0 in a blind reading of 100 lines with the bundled lstm-graves weights).
DEFAULT_BIAS = 1.0

CAPABILITIES = ("train", "write", "smooth", "evaluate")
DOCS_HINT = "see docs/writing-plugins.md"


class Model:
    """A handwriting model. Subclass it, set ``name`` and ``capabilities``, implement those.

    Class attributes:
      name          unique model name used on the command line (``--model NAME``)
      capabilities  subset of ``{"train", "write", "smooth", "evaluate"}``
      description   one line shown by ``writesmooth models``
    """

    name: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = ""

    # --- weights ------------------------------------------------------------------------
    @classmethod
    def default_weights(cls) -> Path | None:
        """Path of weights bundled with the plugin, or ``None``. Must not import heavy modules."""
        return None

    @classmethod
    def load(cls, weights: Path | None = None, *, device: str = "cpu") -> "Model":
        """Return a ready instance from ``weights`` (or the bundled default weights)."""
        return cls()

    def parameter_count(self) -> int | None:
        return None

    # --- capabilities -------------------------------------------------------------------
    def _missing(self, action: str):
        raise NotImplementedCapability(
            f"model '{self.name}' cannot {action}: not implemented ({DOCS_HINT})")

    @classmethod
    def train(cls, train: Sequence[Ink], val: Sequence[Ink], options: "TrainOptions",
              run: "TrainRun | None" = None) -> dict[str, Any]:
        """Train on ``train``, validate on ``val``; return a dict with at least ``weights``."""
        cls._missing(cls, "train")  # type: ignore[arg-type]

    def write(self, texts: Sequence[str], *, bias: float = DEFAULT_BIAS, seed: int | None = None,
              style: Ink | None = None) -> list[Ink]:
        """Write each text as one line of handwriting; return one Ink per text."""
        self._missing("write")

    def smooth(self, sample: Ink, *, bias: float = DEFAULT_BIAS, seed: int | None = None) -> Ink:
        """Rewrite ``sample`` (an Ink with its text) more neatly, in its own style."""
        self._missing("smooth")

    def evaluate(self, inks: Sequence[Ink]) -> dict[str, Any]:
        """Mean negative log-likelihood: ``nats_per_sequence``, ``nats_per_point``, ``lines``,
        ``points``."""
        self._missing("evaluate")


@dataclass
class TrainOptions:
    """Options shared by every trainer; models read what applies to them."""

    out: Path = Path("runs")                 # folder for checkpoints, weights, plots
    epochs: int = 10                          # passes over the training lines
    batch_size: int = 32                      # lines per batch
    lr: float | None = None                   # learning rate; None = the model's default
    device: str = "auto"                      # auto | cpu | cuda | cuda:N
    resume: bool = False                      # continue the run found in ``out``
    seed: int = 0                             # seeds every random generator
    max_lines: int | None = None              # use only the first N training lines
    max_steps: int | None = None              # stop after N optimizer steps
    json_log: Path | None = None              # one JSON object per batch
    overrides: dict[str, str] = field(default_factory=dict)  # --set FIELD=VALUE
    checkpoint_minutes: float = 5.0           # also checkpoint every this many minutes
    init_weights: Path | None = None          # start a new run from these trained weights
    extra: dict[str, Any] = field(default_factory=dict)      # options for listener plugins


@dataclass
class TrainRun:
    """What training-event listeners receive as ``run``."""

    model_name: str
    out: Path
    options: TrainOptions
    write: Callable[[Sequence[str]], list[Ink]] | None = None  # draw samples mid-training
    want_attention: bool = False  # a listener sets this to receive attention maps in batches
    state: dict[str, Any] = field(default_factory=dict)        # listeners' scratch space


class Renderer:
    """Draws inks to a file. Chosen by the output file's suffix.

    Options every renderer should accept (and may ignore): ``stroke_width`` (in output
    pixels), ``color``, ``background`` ("white" or "transparent"), ``height`` (pixels).
    """

    name: ClassVar[str] = ""
    suffixes: ClassVar[tuple[str, ...]] = ()

    def render(self, inks: list[Ink], path: Path, **options: Any) -> None:
        raise NotImplementedError


class InkFormat:
    """Reads (and optionally writes) single handwriting files of one format.

    ``suffixes`` selects the format by file name; ``sniff(head)`` may claim a file from its
    first bytes when the suffix is ambiguous (``.xml``).
    """

    name: ClassVar[str] = ""
    suffixes: ClassVar[tuple[str, ...]] = ()
    can_write: ClassVar[bool] = False

    def sniff(self, head: bytes) -> bool:
        return False

    def read(self, path: Path) -> list[Ink]:
        """Every ink in the file (one for a line file, many for a JSON-lines file)."""
        raise NotImplementedError

    def write(self, inks: list[Ink], path: Path) -> None:
        raise NotImplementedError


class DatasetLayout:
    """A whole database on disk (e.g. the IAM-OnDB distribution)."""

    name: ClassVar[str] = ""

    def detect(self, path: Path) -> bool:
        raise NotImplementedError

    def load(self, path: Path, **options: Any) -> Any:
        raise NotImplementedError
