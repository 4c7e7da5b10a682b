"""Training the reader (``reader.py``): CTC on IAM-OnDB lines, checkpointed, resumable.

``writesmooth train --model lstm-graves-reader`` runs :func:`train_reader`. As for the synthesis
network, training is a function over whole lines in length-bucketed batches
(``batching.epoch_batches``); each line is slightly rescaled, stretched and slanted at random
(writers differ in exactly that, and so do the sampler's lines from the data's); AdamW with a
warmup and a cosine decay. After every epoch the character error rate on the validation lines
(greedy decoding) decides the best epoch, kept as ``reader-best.pt``. A checkpoint with the
optimizer is written at the end of every epoch and every ``checkpoint_minutes``, to a temporary
file renamed into place; the batch order and each batch's random distortions are functions of
``(seed, epoch, batch)``, so a resumed run goes on exactly where it stopped.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from writesmooth import Ink, TrainOptions, TrainRun, WritesmoothError

from .alphabet import Alphabet
from .batching import epoch_batches, eval_batches
from .checkpoint import check_same_run, rng_state, set_rng_state
from .config import with_overrides
from .convert import Normaliser, ink_to_offsets
from .reader import (Reader, ReaderConfig, ReaderNet, ctc_nll, edit_distance, frames,
                     reader_dict, save_reader)
from .reporting import Clock, Reporter
from .weights import atomic_torch_save, load_tagged

CHECKPOINT = "reader-checkpoint.pt"
BEST = "reader-best.pt"
CHECKPOINT_FORMAT = "writesmooth-reader-checkpoint/1"
DEFAULT_LR = 2e-3
WARMUP = 300          # steps of linear warmup
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


def prepare_lines(inks: Sequence[Ink], alphabet: Alphabet,
                  count: Callable[[np.ndarray], int] | None = None) -> Lines:
    """Raw offsets and encoded text; a line without text or points, or too short in frames for
    its text (CTC needs a frame a character, one more between repeated letters), is skipped.
    ``count`` gives the frames of an offsets array (``Reader.frames``; default: the pen
    reader's count)."""
    offsets, targets, texts, skipped = [], [], [], 0
    for ink in inks:
        off = ink_to_offsets(ink)
        text = ink.text.strip()
        enc = alphabet.encode(text)
        need = len(enc) + int(np.sum(enc[1:] == enc[:-1]))
        if not text or len(off) == 0 or (count(off) if count else frames(len(off))) < need:
            skipped += 1
            continue
        offsets.append(off)
        targets.append(enc)
        texts.append(text)
    return Lines(offsets, targets, texts, skipped)


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


def lr_at(step: int, total: int, peak: float) -> float:
    """Linear warmup (:data:`WARMUP` steps, at most a tenth of the run), then a cosine from
    ``peak`` down to a twentieth of it."""
    warmup = max(1, min(WARMUP, total // 10))
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def validate(r: Reader, lines: Lines, batch_size: int = 64) -> dict[str, float]:
    """Character error rate (greedy decoding) and CTC nats per character on ``lines``."""
    r.net.eval()
    errors = chars = 0
    nll = 0.0
    for idx in eval_batches([len(o) for o in lines.offsets], batch_size):
        part, read = r.score([lines.offsets[i] for i in idx], [lines.targets[i] for i in idx])
        nll += float(part.sum())
        for i, seen in zip(idx, read):
            errors += edit_distance(seen, lines.texts[i])
            chars += len(lines.texts[i])
    return {"cer": errors / max(chars, 1), "nats_per_char": nll / max(chars, 1),
            "lines": len(lines.offsets), "chars": chars, "skipped": lines.skipped}


def _start(out: Path, options: TrainOptions, train: Sequence[Ink]) -> tuple[dict | None, Reader]:
    """The saved checkpoint (when resuming) and the reader to train."""
    path = out / CHECKPOINT
    saved = None
    if path.is_file():
        if not options.resume:
            raise WritesmoothError(f"{out} already holds a run ({CHECKPOINT}): pass --resume to "
                                   f"continue it, or choose another --out")
        saved = load_tagged(path, "reader checkpoint", "checkpoint", CHECKPOINT_FORMAT)
    elif options.resume:
        from writesmooth.cli.console import warn

        warn(f"--resume: no checkpoint in {out}; starting a new run")
    if saved is not None:
        config = ReaderConfig.from_dict(saved["config"])
        alphabet, scale = Alphabet(saved["alphabet"]), tuple(saved["scale"])
    else:
        config = with_overrides(ReaderConfig(), options.overrides, fixed=("alphabet_size",))
        texts = [ink.text for ink in train if ink.text.strip()]
        alphabet = Alphabet.from_texts(texts, MIN_CHAR_COUNT)
        offsets = [o for o in map(ink_to_offsets, train) if len(o)]
        if len(alphabet) < 2 or not offsets:
            raise WritesmoothError("no usable training line: the reader needs lines with text "
                                   "and points")
        scale = Normaliser.fit(offsets).std
        config.alphabet_size = len(alphabet)
    torch.manual_seed(options.seed)
    reader = Reader(net=ReaderNet(config=config), alphabet=alphabet, scale=tuple(scale))
    if saved is not None:
        reader.net.load_state_dict(saved["state_dict"])
    return saved, reader


def train_reader(name: str, train: Sequence[Ink], val: Sequence[Ink], options: TrainOptions,
                 run: TrainRun | None = None) -> dict[str, Any]:
    """Train a reader into ``options.out``; the result dict names the best weights and the
    checkpoint and gives the best validation figures."""
    out = Path(options.out)
    run = run or TrainRun(model_name=name, out=out, options=options)
    if options.extra.get("letter_weights"):
        raise WritesmoothError(f"--letter-weight: '{name}' does not weight letters (only the "
                               f"synthesis network, lstm-graves, does)")
    if options.extra.get("threads"):
        torch.set_num_threads(int(options.extra["threads"]))
    if options.max_lines is not None:
        train, val = list(train)[:options.max_lines], list(val)[:options.max_lines]
    saved, r = _start(out, options, train)
    tr, va = (prepare_lines(part, r.alphabet, r.frames) for part in (train, val))
    if not tr.offsets:
        raise WritesmoothError(f"no usable training line: {len(train)} given, {tr.skipped} "
                               f"without text or points, or too short for their text")
    peak = options.lr if options.lr is not None else DEFAULT_LR
    optim = torch.optim.AdamW(r.net.parameters(), lr=peak, weight_decay=WEIGHT_DECAY)
    lengths = [len(o) for o in tr.offsets]
    per_epoch = len(epoch_batches(lengths, options.batch_size, options.seed, 0))
    total = per_epoch * options.epochs
    if options.max_steps:
        total = min(total, options.max_steps)
    p: dict[str, Any] = {"epoch": 0, "batch": 0, "step": 0, "best": None, "history": [],
                         "loss_sum": 0.0, "chars": 0, "seconds": 0.0}
    identity = {"seed": options.seed, "batch_size": options.batch_size,
                "max_lines": options.max_lines, "lines": len(tr.offsets)}
    if saved is not None:
        check_same_run(saved.get("run", {}), identity, out / CHECKPOINT)
        optim.load_state_dict(saved["optimizer"])
        p.update(saved["progress"])
        if "rng" in saved:  # dropout goes on with the masks it would have drawn
            set_rng_state(saved["rng"])
    rep = Reporter(run, active=True, json_log=options.json_log, append=saved is not None)
    rep.print(f"reader: {len(tr.offsets)} training lines ({tr.skipped} skipped), "
              f"{len(va.offsets)} validation lines ({va.skipped} skipped), "
              f"{sum(p.numel() for p in r.net.parameters()):,} parameters"
              + (f"; resumed at epoch {p['epoch'] + 1}, batch {p['batch']}" if saved else ""))
    clock = Clock()

    def checkpoint() -> None:
        atomic_torch_save({"checkpoint": CHECKPOINT_FORMAT, **reader_dict(r),
                           "optimizer": optim.state_dict(), "progress": dict(p),
                           "run": identity, "rng": rng_state()}, out / CHECKPOINT)
        clock.reset()

    try:
        while p["epoch"] < options.epochs and p["step"] < total:
            epoch = p["epoch"]
            batches = epoch_batches(lengths, options.batch_size, options.seed, epoch)
            rep.start_epoch(epoch, options.epochs, len(batches), p["batch"])
            r.net.train()
            t0 = time.perf_counter()
            for b in range(p["batch"], len(batches)):
                idx = batches[b]
                rng = np.random.default_rng([options.seed, epoch, b])
                for group in optim.param_groups:
                    group["lr"] = lr_at(p["step"], total, peak)
                x, xl = r.batch([augment(tr.offsets[i], rng, AUGMENT) for i in idx])
                targets = [torch.from_numpy(tr.targets[i]) for i in idx]
                tl = torch.tensor([len(t) for t in targets])
                logp, n = r.net(x, xl)
                nll = ctc_nll(logp, n, targets, r.net.blank)
                ok = torch.isfinite(nll)
                loss = nll[ok].sum() / tl[ok].sum().clamp(min=1)
                optim.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(r.net.parameters(), GRAD_CLIP)
                optim.step()
                p["step"] += 1
                p["batch"] = b + 1
                p["loss_sum"] += float(nll[ok].detach().sum())
                p["chars"] += int(tl[ok].sum())
                points = int(xl.sum())
                rep.advance(p["loss_sum"] / max(p["chars"], 1),
                            points / max(time.perf_counter() - t0, 1e-9))
                rep.log_batch({"step": p["step"], "epoch": epoch + 1,
                               "loss_nats_per_char": float(loss.detach()), "lr": optim.param_groups[0]["lr"]})
                t0 = time.perf_counter()
                if p["step"] >= total:
                    break
                every = options.extra.get("checkpoint_steps")
                if ((every and p["step"] % every == 0) or (options.checkpoint_minutes
                                                           and clock.minutes() >= options.checkpoint_minutes)):
                    checkpoint()
            rep.end_epoch()
            if p["batch"] < len(batches):  # stopped by --max-steps inside the epoch
                checkpoint()
                break
            figures = validate(r, va) if va.offsets else {"cer": float("nan")}
            figures.update(epoch=epoch + 1, step=p["step"],
                           train_nats_per_char=p["loss_sum"] / max(p["chars"], 1))
            p["history"].append(figures)
            improved = va.offsets and (p["best"] is None or figures["cer"] < p["best"]["cer"])
            if improved or not va.offsets:
                p["best"] = dict(figures)
                r.meta = {"epoch": epoch + 1, "step": p["step"], "val_cer": figures["cer"],
                          "val_nats_per_char": figures.get("nats_per_char"),
                          "train_lines": len(tr.offsets), "torch": str(torch.__version__)}
                save_reader(r, out / BEST)
            rep.print(f"epoch {epoch + 1}: train {figures['train_nats_per_char']:.3f} nats/char"
                      + (f", validation CER {figures['cer']:.4f} ({figures['nats_per_char']:.3f} "
                         f"nats/char)" if va.offsets else "") + ("  best" if improved else ""))
            p.update(epoch=epoch + 1, batch=0, loss_sum=0.0, chars=0)
            checkpoint()
    except KeyboardInterrupt:
        rep.end_epoch()
        checkpoint()
        raise WritesmoothError(f"interrupted: checkpoint saved in {out / CHECKPOINT}; continue "
                               f"with --resume") from None
    finally:
        rep.close()
    best = p["best"] or {}
    return {"weights": str(out / BEST) if (out / BEST).is_file() else None,
            "checkpoint": str(out / CHECKPOINT), "steps": p["step"],
            "best_epoch": best.get("epoch"), "val_cer": best.get("cer"),
            "val_nats_per_char": best.get("nats_per_char")}
