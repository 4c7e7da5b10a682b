"""Training the reader (``reader.py``): what it plugs into the training loop (loop.py).

``writesmooth train --model lstm-graves-reader`` runs :func:`train_reader`: CTC on IAM-OnDB lines
in length-bucketed batches, each line slightly rescaled, stretched and slanted at random (writers
differ in exactly that, and so do the sampler's lines from the data's); AdamW with a warmup and a
cosine decay. After every epoch the character error rate on the validation lines (greedy
decoding) decides the best epoch, kept as ``reader-best.pt``; the checkpoint is
``reader-checkpoint.pt``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from writesmooth import Ink, TrainOptions, TrainRun, WritesmoothError

from . import distributed, loop
from .alphabet import Alphabet
from .batching import eval_batches
from .convert import Normaliser, ink_to_offsets
from .network import with_overrides
from .reader import (FORMAT, Reader, ReaderConfig, ReaderEnsemble, ReaderNet, ctc_nll,
                     edit_distance, frames, load_reader, save_reader)
from .schedule import Shape

CHECKPOINT_NAME = "reader-checkpoint.pt"
BEST_NAME = "reader-best.pt"
CHECKPOINT_TAG = "writesmooth-reader-checkpoint/2"
DEFAULT_LR = 2e-3
WEIGHT_DECAY = 1e-2
GRAD_CLIP = 5.0
MIN_CHAR_COUNT = 20   # as the synthesis network: rarer characters share the unknown class
AUGMENT = 1.0         # strength of the random rescale / stretch / slant (0: none)


@dataclass
class Lines:
    offsets: list[np.ndarray]
    targets: list[np.ndarray]
    texts: list[str]
    skipped: int
    inks: list[Ink]


def prepare_lines(inks: Sequence[Ink], alphabet: Alphabet,
                  count: Callable[[np.ndarray], int] | None = None) -> Lines:
    """Raw offsets and encoded text; a line without text or points, or too short in frames for
    its text (CTC needs a frame a character, one more between repeated letters), is skipped.
    ``count`` gives the frames of an offsets array (default: the reader's count)."""
    lines = Lines([], [], [], 0, [])
    for ink in inks:
        off = ink_to_offsets(ink)
        text = ink.text.strip()
        enc = alphabet.encode(text)
        need = len(enc) + int(np.sum(enc[1:] == enc[:-1]))
        if not text or len(off) == 0 or (count(off) if count else frames(len(off))) < need:
            lines.skipped += 1
            continue
        lines.offsets.append(off)
        lines.targets.append(enc)
        lines.texts.append(text)
        lines.inks.append(ink)
    return lines


def augment(off: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """The offsets of the same line after a random linear map of its points: overall size
    (+-15 %), width against height (+-10 %), slant (a shear of +-0.25)."""
    if strength <= 0:
        return off
    s = math.exp(rng.uniform(-0.15, 0.15) * strength)
    a = math.exp(rng.uniform(-0.10, 0.10) * strength)
    k = rng.uniform(-0.25, 0.25) * strength
    out = off.copy()
    out[:, 0] = s * a * (off[:, 0] + k * off[:, 1])
    out[:, 1] = s / a * off[:, 1]
    return out


@torch.no_grad()
def validate(r: Reader, lines: Lines, batch_size: int = 64) -> dict[str, float]:
    """Character error rate (greedy decoding) and CTC nats per character on ``lines``."""
    was_training = r.net.training
    r.net.eval()
    errors = chars = 0
    nll = 0.0
    try:
        for idx in eval_batches([len(o) for o in lines.offsets], batch_size):
            part, read = r.score([lines.offsets[i] for i in idx], [lines.targets[i] for i in idx])
            nll += float(part.sum())
            for i, seen in zip(idx, read):
                errors += edit_distance(seen, lines.texts[i])
                chars += len(lines.texts[i])
    finally:
        r.net.train(was_training)
    return {"cer": errors / max(chars, 1), "nats_per_char": nll / max(chars, 1),
            "lines": len(lines.offsets), "chars": chars, "skipped": lines.skipped}


def train_reader(name: str, train: Sequence[Ink], val: Sequence[Ink], options: TrainOptions,
                 run: TrainRun | None = None) -> dict[str, Any]:
    """Train a reader into ``options.out``; the result dict names the best weights and the
    checkpoint and gives the best validation figures (``val_cer``, ``val_nats_per_char``)."""
    return loop.train(name, options, run, checkpoint=CHECKPOINT_NAME, tag=CHECKPOINT_TAG,
                      build=lambda saved, d: ReaderTask(name, train, val, options, d, saved))


class ReaderTask:
    """The reader as a :class:`loop.Task`."""

    loss_unit = "nats per character"
    val_loss_key = "val_nats_per_char"
    metric_names = ("val_cer",)
    best_name = BEST_NAME
    shape = Shape(warmup_steps=300, warmup_fraction=0.1, final_fraction=0.05)
    grad_clip = GRAD_CLIP

    def __init__(self, name: str, train: Sequence[Ink], val: Sequence[Ink],
                 options: TrainOptions, d: distributed.Dist, saved: dict[str, Any] | None) -> None:
        self.name, self.options, self.d = name, options, d
        train, val = loop.first_lines(train, val, options)
        self.reader = self._start(train, saved)
        r = self.reader
        self.train_set, self.val_set = (prepare_lines(part, r.alphabet, r.frames)
                                        for part in (train, val))
        if not self.train_set.offsets:
            raise WritesmoothError(f"no usable training line: {len(train)} given, "
                                   f"{self.train_set.skipped} without text or points, or too "
                                   f"short for their text")
        self.net = r.net
        self.peak_lr = options.lr if options.lr is not None else DEFAULT_LR
        self.optimizer = torch.optim.AdamW(self.net.parameters(), lr=self.peak_lr,
                                           weight_decay=WEIGHT_DECAY)
        self.lengths = [len(o) for o in self.train_set.offsets]
        self.val_lines = len(self.val_set.offsets)
        self.skipped = self.train_set.skipped + self.val_set.skipped

    def _start(self, train: Sequence[Ink], saved: dict[str, Any] | None) -> Reader:
        """The reader to train: the checkpoint's, the ``--init-weights`` one, or a new one."""
        o, init = self.options, None
        if saved is None and o.init_weights is not None:
            init = load_reader(Path(o.init_weights))
            if isinstance(init.net, ReaderEnsemble):
                raise WritesmoothError(f"--init-weights {o.init_weights}: holds an ensemble of "
                                       f"{len(init.net.members)} readers; start from one reader")
        fixed = ("alphabet_size",)
        if saved is not None or init is not None:
            config = (ReaderConfig.from_dict(saved["config"]) if saved is not None
                      else init.net.config)
            if o.overrides and with_overrides(config, o.overrides, fixed) != config:
                what = "a resumed run" if saved is not None else "--init-weights"
                raise WritesmoothError(f"--set cannot change the reader of {what} "
                                       f"(saved: {config.to_dict()})")
            alphabet = Alphabet(saved["alphabet"]) if saved is not None else init.alphabet
            scale = tuple(saved["scale"]) if saved is not None else init.scale
        else:
            config = with_overrides(ReaderConfig(), o.overrides, fixed)
            alphabet = Alphabet.from_texts([i.text for i in train if i.text.strip()],
                                           MIN_CHAR_COUNT)
            offsets = [off for off in map(ink_to_offsets, train) if len(off)]
            if len(alphabet) < 2 or not offsets:
                raise WritesmoothError("no usable training line: the reader needs lines with "
                                       "text and points")
            scale = Normaliser.fit(offsets).std
            config.alphabet_size = len(alphabet)
        net = ReaderNet(config=config)
        if saved is not None:
            net.load_state_dict(saved["state_dict"])
        elif init is not None:
            net.load_state_dict(init.net.state_dict())
        self.init_meta = ({"init_weights": str(o.init_weights)} if init is not None
                          else {k: v for k, v in (saved or {}).get("meta", {}).items()
                                if k == "init_weights"})
        return Reader(net=net.to(self.d.device), alphabet=alphabet,
                      scale=tuple(float(s) for s in scale))

    # --- what the loop calls -------------------------------------------------------------
    def forward(self, model, lines: list[int], epoch: int, batch: int,
                attention: bool) -> loop.Forward:
        rng = np.random.default_rng([self.options.seed, epoch, batch])
        tr, r = self.train_set, self.reader
        x, xl = r.batch([augment(tr.offsets[i], rng, AUGMENT) for i in lines])
        targets = [torch.from_numpy(tr.targets[i]) for i in lines]
        logp, n = model(x, xl)
        nll = ctc_nll(logp, n, targets, r.net.blank)
        ok = torch.isfinite(nll.detach()).cpu()  # a text that cannot fit its frames: inf
        units = sum(len(t) for t, fits in zip(targets, ok.tolist()) if fits)
        return loop.Forward(loss_sum=nll[ok.to(nll.device)].sum(), units=units,
                            points=int(xl.sum()), inks=[tr.inks[i] for i in lines])

    def validate(self) -> loop.Validation | None:
        if not self.val_set.offsets:
            return None
        f = validate(self.reader, self.val_set)
        return loop.Validation(
            loss=f["nats_per_char"], score=f["cer"],
            text=f"validation CER {f['cer']:.4f} ({f['nats_per_char']:.3f} nats/char)",
            metrics={"val_cer": f["cer"]})

    def meta(self, best: dict[str, Any] | None, step: int) -> dict[str, Any]:
        best = best or {}
        return {"epoch": best.get("epoch"), "step": step,
                "val_cer": best.get("metrics", {}).get("val_cer"),
                "val_nats_per_char": best.get("val_loss"), "train_lines": len(self.lengths),
                "torch": str(torch.__version__), **self.init_meta}

    def identity(self, best: dict[str, Any] | None, step: int) -> dict[str, Any]:
        r = self.reader
        return {"format": FORMAT, "model": self.name, "config": r.net.config.to_dict(),
                "alphabet": r.alphabet.chars, "scale": list(r.scale),
                "meta": self.meta(best, step)}

    def save_best(self, path: Path, best: dict[str, Any]) -> None:
        self.reader.meta = self.meta(best, best["step"])
        save_reader(self.reader, path)

    def describe(self) -> tuple[str, list[str]]:
        tr, va = self.train_set, self.val_set
        return (f"{len(tr.offsets)} training lines ({tr.skipped} skipped), "
                f"{len(va.offsets)} validation lines ({va.skipped} skipped)"), []

    def sampler(self):
        return None
