"""The writesmooth.Model classes of this plugin. torch is imported inside the methods, so
``writesmooth models`` never pays for it. Each capability delegates to its own module:
trainer.py (train), evaluate.py (evaluate), writing.py (write, smooth); the reader's are
reader_train.py and reader.py."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import writesmooth
from writesmooth import DEFAULT_BIAS, option

WEIGHTS_DIR = Path(__file__).parent / "weights"
JOB_LINES = 20  # lines of batched requests written at once (docs/web.md, "How it works")


def weights_to_load(cls: type[writesmooth.Model], weights: Path | None) -> Path:
    """``weights``, else the model's bundled weights; neither is one clear error."""
    path = weights or cls.default_weights()
    if path is None:
        raise writesmooth.WritesmoothError(
            f"model '{cls.name}' has no bundled weights: pass --weights PATH "
            f"(weights written by 'writesmooth train --model {cls.name}')")
    return Path(path)


@dataclass
class SearchOptions:
    """What ``write`` and ``smooth`` take beyond the core's options (docs/writing.md)."""

    candidates: Optional[int] = option(
        None, min=1, help="Drawings of a word in each round after its first (of a line with "
                          "--search lines); the one the bundled reader reads best is kept "
                          "(default 16 with the reader; 1: each line's one drawing).")
    search: Optional[str] = option(
        None, choices=("words", "lines"),
        help="What the candidates are: each word (default with the reader) or whole lines.")


class LstmGraves(writesmooth.Model):
    name = "lstm-graves"
    capabilities = frozenset({"train", "write", "smooth", "evaluate", "adapt", "positions"})
    description = "Graves (2013) synthesis network: attention LSTM + mixture density output"
    aliases = ("lstm",)
    write_options = SearchOptions
    smooth_options = SearchOptions
    window = 10  # default K; 0 makes the unconditional prediction network

    def __init__(self, bundle: Any) -> None:
        self.bundle = bundle  # weights.Bundle

    @classmethod
    def default_weights(cls) -> Path | None:
        path = WEIGHTS_DIR / f"{cls.name}.pt"
        return path if path.is_file() else None

    @classmethod
    def load(cls, weights: Path | None = None, *, device: str = "cpu") -> "LstmGraves":
        from .weights import load_weights

        path = weights_to_load(cls, weights)
        bundle = load_weights(path, device=device)
        if bundle.config.conditional != (cls.window > 0):
            kind = "synthesis" if bundle.config.conditional else "unconditional"
            raise writesmooth.WritesmoothError(
                f"{path}: holds {kind} weights ('{bundle.model}'), not '{cls.name}'")
        if bundle.config.conditional:
            bundle.reader = cls.bundled_reader(bundle)
        return cls(bundle)

    @staticmethod
    def bundled_reader(bundle: Any) -> Any:
        """The bundled reader, for weights whose ink is in the units it was trained on (offset
        scales within 25 % of its own), else None (then each line is drawn once)."""
        from .reader import load_reader

        path = LstmGravesReader.default_weights()
        if path is None:
            return None
        reader = load_reader(path)
        if all(0.8 < s / r < 1.25 for s, r in zip(bundle.norm.std, reader.scale)):
            return reader
        return None

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.bundle.net.parameters())

    @classmethod
    def train(cls, train: Sequence[writesmooth.Ink], val: Sequence[writesmooth.Ink],
              options: writesmooth.TrainOptions, run: writesmooth.TrainRun | None = None):
        from .trainer import train_model

        return train_model(cls.name, cls.window, train, val, options, run)

    def evaluate(self, inks: Sequence[writesmooth.Ink], *,
                 style: writesmooth.Ink | None = None) -> dict[str, Any]:
        from .evaluate import evaluate_bundle

        return evaluate_bundle(self.bundle, inks, style=style)

    def adapt(self, lines: Sequence[writesmooth.Ink], *, adapter: Path, resume: Path,
              minutes: float = 3.0, restart: bool = False, progress=None) -> dict[str, Any]:
        """A low-rank adapter of the network learnt from ``lines`` (``adapt.py``)."""
        from .adapt import adapt_bundle

        return adapt_bundle(self.bundle, lines, adapter=Path(adapter), resume=Path(resume),
                            minutes=minutes, restart=restart, progress=progress)

    @classmethod
    def check_adapter(cls, adapter: Path) -> None:
        from .adapt import read_adapter

        read_adapter(Path(adapter))

    def with_adapter(self, adapter: Path) -> "LstmGraves":
        from .adapt import adapted_bundle

        return type(self)(adapted_bundle(self.bundle, Path(adapter)))

    def unknown_chars(self, text: str) -> set[str]:
        return set(self.bundle.alphabet.unknown_chars(text))

    def replace_unknown(self, text: str) -> str:
        return self.bundle.alphabet.replace_unknown(text)

    def write_stream(self, texts: Sequence[str], *, bias: float = DEFAULT_BIAS,
                     seed: int | None = None, style: writesmooth.Ink | None = None,
                     options: SearchOptions | None = None
                     ) -> Iterator[tuple[int, writesmooth.Ink]]:
        from .writing import write_stream

        o = options or SearchOptions()
        return write_stream(self.bundle, list(texts), bias=bias, seed=seed, style=style,
                            candidates=o.candidates, search=o.search)

    def write_jobs(self, jobs: Sequence[writesmooth.WriteJob]
                   ) -> Iterator[tuple[int, int, writesmooth.Ink]]:
        """Jobs that ask for the same bias, style and options are written as one batch
        (:func:`writing.write_together`), the lines of up to :data:`JOB_LINES` at once; each
        comes out as it would alone."""
        from .writing import write_together

        groups: dict[tuple, list[int]] = {}
        for j, job in enumerate(jobs):
            o = job.options or SearchOptions()
            key = (float(job.bias), id(job.style), o.candidates, o.search)
            groups.setdefault(key, []).append(j)
        for (bias, _, candidates, search), members in groups.items():
            lines = sum(len(jobs[j].texts) for j in members)
            made = write_together(self.bundle, [list(jobs[j].texts) for j in members],
                                  [jobs[j].seed for j in members], bias=bias,
                                  style=jobs[members[0]].style, candidates=candidates,
                                  search=search, width=max(1, min(lines, JOB_LINES)))
            for k, i, ink in made:
                yield members[k], i, ink

    def smooth(self, sample: writesmooth.Ink, *, bias: float = DEFAULT_BIAS,
               seed: int | None = None, options: SearchOptions | None = None
               ) -> writesmooth.Ink:
        from .writing import smooth_sample

        o = options or SearchOptions()
        return smooth_sample(self.bundle, sample, bias=bias, seed=seed,
                             candidates=o.candidates, search=o.search)


class LstmGravesUncond(LstmGraves):
    name = "lstm-graves-uncond"
    capabilities = frozenset({"train", "evaluate"})
    description = "Graves (2013) prediction network (section 4): no text, no attention window"
    window = 0


class LstmGravesReader(writesmooth.Model):
    """The reader that ranks ``lstm-graves``'s candidate lines: train it and measure it here;
    ``lstm-graves`` loads the bundled one itself."""

    name = "lstm-graves-reader"
    capabilities = frozenset({"train", "read", "evaluate"})
    description = ("handwriting reader (CTC recogniser) that picks the most legible of "
                   "lstm-graves's candidate lines")

    def __init__(self, reader: Any) -> None:
        self.reader = reader  # reader.Reader

    @classmethod
    def default_weights(cls) -> Path | None:
        path = WEIGHTS_DIR / "reader.pt"
        return path if path.is_file() else None

    @classmethod
    def load(cls, weights: Path | None = None, *, device: str = "cpu") -> "LstmGravesReader":
        from .reader import load_reader

        return cls(load_reader(weights_to_load(cls, weights)))

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.reader.net.parameters())

    @classmethod
    def train(cls, train: Sequence[writesmooth.Ink], val: Sequence[writesmooth.Ink],
              options: writesmooth.TrainOptions, run: writesmooth.TrainRun | None = None):
        from .reader_train import train_reader

        return train_reader(cls.name, train, val, options, run)

    def read(self, inks: Sequence[writesmooth.Ink]) -> list[str]:
        """What the reader reads in each line, in any units (``reading.py``)."""
        from .reading import read_texts

        return read_texts(self.reader, inks)

    def evaluate(self, inks: Sequence[writesmooth.Ink]) -> dict[str, Any]:
        """Character error rate of greedy decoding, and CTC nats per character of the text."""
        from .reader_train import prepare_lines, validate

        return validate(self.reader, prepare_lines(inks, self.reader.alphabet,
                                                   self.reader.frames))
