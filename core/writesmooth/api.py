"""The public contract a plugin author codes against: Model (with its option declarations and
notices), Renderer, InkFormat, DatasetLayout, and the training options and run.

This contract is documented in docs/writing-plugins.md and kept stable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterator, Sequence

from .errors import NotImplementedCapability
from .events import FigureOptions, TrainOptions, TrainRun  # noqa: F401  (part of the contract)
from .ink import Ink

#: The sampling bias used when none is given (docs/writing.md, "The bias").
DEFAULT_BIAS = 1.0

CAPABILITIES = ("train", "write", "smooth", "read", "evaluate", "adapt", "positions")
DOCS_HINT = "see docs/writing-plugins.md"


#: Where a model puts what the user should be told about a line it wrote (a line cut by the
#: step cap, a word drawn again): ``ink.meta[NOTICES]`` is a list of sentences, each shown by
#: the command line as a warning and by other front ends as they see fit.
NOTICES = "notices"


#: Where a model that brought a sample to units of its own (``smooth``, or ``write`` with a
#: style) says by how much: ``ink.meta[SAMPLE_SCALE]`` is the model's units per unit of the
#: sample (absent: the same units), so front ends can put new writing back where the sample was.
SAMPLE_SCALE = "prime_scale"


#: Where a model with the capability ``"positions"`` records, for each point of a line it wrote
#: (in the order of :meth:`Ink.points`), the index of the character of the line's text it was
#: writing: ``ink.meta[POSITIONS]``, an integer array. Front ends use it to draw the characters
#: the model has no class for at their place in the line (:mod:`writesmooth.missing`) and
#: drop it after that.
POSITIONS = "positions"


def add_notice(ink: Ink, message: str) -> None:
    """Append ``message`` to ``ink.meta[NOTICES]``."""
    ink.meta.setdefault(NOTICES, []).append(message)


def notices(ink: Ink) -> list[str]:
    """The messages a model left on ``ink`` for the user (none: an empty list)."""
    return list(ink.meta.get(NOTICES) or [])


def unknown_characters(model_name: str, chars: Sequence[str]) -> NotImplementedCapability:
    """The one error for text a model cannot write, naming every such character (raise it)."""
    shown = ", ".join(repr(ch) for ch in sorted(set(chars)))
    n = len(set(chars))
    return NotImplementedCapability(
        f"the text has {n} character{'s' if n > 1 else ''} the model '{model_name}' has no "
        f"class for: {shown} (--replace-unknown maps them to the closest known ones)")


def option(default: Any = None, *, help: str, min: float | None = None,
           choices: Sequence[str] | None = None) -> Any:
    """One field of a model's option declaration (a dataclass): its default (``None``: the
    model decides), the help text of its flag, and optionally a lower bound or the allowed
    values. ``writesmooth write/smooth/train`` turn each field into ``--field-name``."""
    meta: dict[str, Any] = {"help": help}
    if min is not None:
        meta["min"] = min
    if choices is not None:
        meta["choices"] = tuple(choices)
    return field(default=default, metadata=meta)


@dataclass
class WriteJob:
    """One request to write, for :meth:`Model.write_jobs`: its lines, and the bias, seed,
    style and options it asks for (``options``: an instance of the model's ``write_options``,
    or ``None``)."""

    texts: list[str]
    bias: float = DEFAULT_BIAS
    seed: int | None = None
    style: Ink | None = None
    options: Any = None


class Model:
    """A handwriting model. Subclass it, set ``name`` and ``capabilities``, implement those.

    Class attributes:
      name            unique model name used on the command line (``--model NAME``)
      capabilities    subset of ``{"train", "write", "smooth", "read", "evaluate", "adapt"}``
      description     one line shown by ``writesmooth models``
      aliases         other names the original pywritesmooth options may use (``lstm``)
      write_options   a dataclass of the extra options ``write`` takes (fields made with
      smooth_options  :func:`option`), or ``None``; the command line turns each field into a
      train_options   flag, and passes an instance as ``options=`` (``TrainOptions.model`` for
                      training). A model without a declaration gets no ``options`` argument.
    """

    name: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    write_options: ClassVar[type | None] = None
    smooth_options: ClassVar[type | None] = None
    train_options: ClassVar[type | None] = None

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

    # --- text ---------------------------------------------------------------------------
    def unknown_chars(self, text: str) -> set[str]:
        """Characters of ``text`` this model cannot write (none, unless it says so)."""
        return set()

    def replace_unknown(self, text: str) -> str:
        """``text`` with each character the model cannot write replaced by the closest text it
        can write (``--replace-unknown``), character by character: front ends may call it on
        single characters to say what changed."""
        return text

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
              style: Ink | None = None, **options: Any) -> list[Ink]:
        """Write each text as one line of handwriting; return one Ink per text, in order.

        Implement this or :meth:`write_stream` (the other then comes for free)."""
        if type(self).write_stream is Model.write_stream:
            self._missing("write")
        done: dict[int, Ink] = dict(self.write_stream(texts, bias=bias, seed=seed, style=style,
                                                      **options))
        return [done[i] for i in range(len(texts))]

    def write_stream(self, texts: Sequence[str], *, bias: float = DEFAULT_BIAS,
                     seed: int | None = None, style: Ink | None = None,
                     **options: Any) -> Iterator[tuple[int, Ink]]:
        """Yield ``(index, ink)`` for each text as soon as its line is final, in any order;
        every index once. A model that writes all lines at once need not implement it: the
        default yields :meth:`write`'s lines when they are all done."""
        if type(self).write is Model.write:
            self._missing("write")
        yield from enumerate(self.write(texts, bias=bias, seed=seed, style=style, **options))

    def write_jobs(self, jobs: Sequence[WriteJob]) -> Iterator[tuple[int, int, Ink]]:
        """Write several requests at once (a server batching the people who ask together):
        yield ``(job, line, ink)`` as each line is final, each job's lines in order. A job's
        writing must not depend on the jobs beside it: the same seed gives the same strokes
        as :meth:`write_stream` alone (to float rounding). The default writes the jobs one after another; a model
        that can batch them overrides it."""
        for j, job in enumerate(jobs):
            extra = {} if job.options is None else {"options": job.options}
            for i, ink in self.write_stream(job.texts, bias=job.bias, seed=job.seed,
                                            style=job.style, **extra):
                yield j, i, ink

    def smooth(self, sample: Ink, *, bias: float = DEFAULT_BIAS, seed: int | None = None,
               **options: Any) -> Ink:
        """Rewrite ``sample`` (one line of handwriting with its text) more neatly, in its own
        style. Front ends call it once per line and show each line as it returns."""
        self._missing("smooth")

    def read(self, inks: Sequence[Ink]) -> list[str]:
        """What each ink says, as a reader (a handwriting recogniser) reads it: one text per
        ink, each ink one line of handwriting in any units (y down)."""
        self._missing("read")

    def evaluate(self, inks: Sequence[Ink], *, style: Ink | None = None) -> dict[str, Any]:
        """Mean negative log-likelihood: ``nats_per_sequence``, ``nats_per_point``, ``lines``,
        ``points``; with ``style``, of each line written after that sample (primed with it, as
        ``write`` primes), the sample's own points not counted."""
        self._missing("evaluate")

    # --- learning a person's hand (capability "adapt") -------------------------------------
    def adapt(self, lines: Sequence[Ink], *, adapter: Path, resume: Path,
              minutes: float = 3.0, restart: bool = False,
              progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        """Learn the hand of ``lines`` (one writer's lines, each with its text) within
        ``minutes``, and write what was learnt to ``adapter`` (a small file of the model's own
        format, read back by :meth:`with_adapter`). Guard against learning the few lines by
        heart (keep some for validation, stop early). Interrupted (``KeyboardInterrupt``), save
        where it is to ``resume`` and re-raise; a later call continues from ``resume`` unless
        ``restart``. ``progress`` is called now and then with a dict (``seconds``, ``minutes``,
        ``step``, and figures such as ``val_nats_per_point``). Returns figures of the run
        (``adapter_bytes``, ``steps``, ``stopped``: why it ended, ...)."""
        self._missing("adapt")

    @classmethod
    def check_adapter(cls, adapter: Path) -> None:
        """Raise one clear error unless ``adapter`` is a file :meth:`adapt` of this model could
        have written, read without executing anything (``style import`` checks adapters with
        it before keeping them; no weights are needed)."""
        cls._missing(cls, "adapt")  # type: ignore[arg-type]

    def with_adapter(self, adapter: Path) -> "Model":
        """A new instance of this model with what :meth:`adapt` learnt applied. A file that is
        not such an adapter, or one made for other weights, raises one clear error."""
        self._missing("adapt")


class Renderer:
    """Draws inks to a file. Chosen by the output file's suffix.

    Options every renderer should accept (and may ignore): ``stroke_width`` (in output
    pixels), ``color``, ``background`` ("white" or "transparent"), ``height`` (pixels).

    Class attributes:
      options       a dataclass of the renderer's own settings (fields made with
                    :func:`option`), or ``None``; the command line fills it from
                    ``--render-option KEY=VALUE`` and passes an instance as ``options=``
      needs_pages   the output is always laid out on sheets of paper (a PDF, a plotter file):
                    the inks it is given are pages (:mod:`writesmooth.paper`)
      multi_page    one file holds every page; otherwise a text of several pages is written
                    as one file per page (``letter-1.png``, ``letter-2.png``, ...)
    """

    name: ClassVar[str] = ""
    suffixes: ClassVar[tuple[str, ...]] = ()
    options: ClassVar[type | None] = None
    needs_pages: ClassVar[bool] = False
    multi_page: ClassVar[bool] = False

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
