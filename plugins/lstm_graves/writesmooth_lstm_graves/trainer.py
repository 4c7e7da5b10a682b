"""Training the Graves networks: what the synthesis network (and the unconditional prediction
network) plugs into the training loop (loop.py).

Protocol and choices are explained in docs/training.md. In short: whole lines; Adam with warmup
and cosine decay; the loss is the mean NLL per predicted offset, validated as Graves reports it
(nats per line); Graves' output-derivative clip of 100 is applied per point, and the global
gradient norm is clipped to ``config.lstm_clip``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import torch

import writesmooth
from writesmooth import Ink, TrainOptions, TrainRun, WritesmoothError, report

from . import distributed, loop
from .alphabet import Alphabet
from .batching import collate, describe_skipped, prepare, raw_offsets, require_lines
from .convert import Normaliser
from .evaluate import autocast_for, figures, nll_sums, pick_precision
from .network import GravesConfig, GravesNet
from .schedule import DEFAULT_LR, Shape
from .weights import FORMAT, Bundle, first_line, load_weights, save_weights

CHECKPOINT_NAME = "checkpoint.pt"
BEST_NAME = "best.pt"
CHECKPOINT_TAG = "writesmooth-lstm-graves-checkpoint/2"


def train_model(model_name: str, window: int, train: Sequence[Ink], val: Sequence[Ink],
                options: TrainOptions, run: TrainRun | None = None) -> dict[str, Any]:
    """Train ``model_name`` (``window`` = K, 0 for the unconditional network). Returns the
    result dict: ``weights`` (the best), ``checkpoint``, the best validation figures, ..."""
    return loop.train(model_name, options, run, checkpoint=CHECKPOINT_NAME, tag=CHECKPOINT_TAG,
                      build=lambda saved, d: SynthesisTask(model_name, window, train, val,
                                                           options, d, saved))


class SynthesisTask:
    """The Graves network as a :class:`loop.Task`."""

    loss_unit = "nats per point"
    val_loss_key = "val_nats_per_point"
    metric_names = ("val_nats_per_sequence",)
    best_name = BEST_NAME
    shape = Shape()

    def __init__(self, name: str, window: int, train: Sequence[Ink], val: Sequence[Ink],
                 options: TrainOptions, d: distributed.Dist, saved: dict[str, Any] | None) -> None:
        self.name, self.options, self.d, self.window = name, options, d, window
        init = self._init_bundle(saved)
        train, val = loop.first_lines(train, val, options)
        self._setup_data(train, val, saved, init)
        self.net = GravesNet(config=self.config).to(d.device)
        self.init_meta: dict[str, Any] = {}
        if saved is not None:
            self.net.load_state_dict(saved["state_dict"])
            self.init_meta = {k: v for k, v in saved.get("meta", {}).items()
                              if k in ("init_weights", "init_steps")}
        elif init is not None:  # fine-tuning: trained weights, a fresh optimizer and schedule
            self.net.load_state_dict(init.net.state_dict())
            self.init_meta = {"init_weights": str(options.init_weights),
                              "init_steps": int(init.meta.get("step") or 0)}
        self.peak_lr = options.lr if options.lr is not None else DEFAULT_LR
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=self.peak_lr)
        self.grad_clip = self.config.lstm_clip
        self.precision = pick_precision(options.precision, d.device)
        self.proven = False  # whether a batch has run at this precision

    # --- setup ---------------------------------------------------------------------------
    def _init_bundle(self, saved) -> Bundle | None:
        """The trained weights a new run starts from (``--init-weights``), if any."""
        path = self.options.init_weights
        if path is None:
            return None
        if saved is not None:  # the checkpoint already descends from them
            if self.d.main:
                report.warn(f"--init-weights {path} ignored: resuming the run in "
                            f"{self.options.out}")
            return None
        bundle = load_weights(Path(path))
        if bundle.config.conditional != (self.window > 0):
            raise WritesmoothError(f"{path}: holds '{bundle.model}' weights, which cannot start "
                                   f"a '{self.name}' run")
        return bundle

    def _setup_data(self, train, val, saved, init) -> None:
        source = saved if saved is not None else (
            None if init is None else {"config": init.config.to_dict(),
                                       "alphabet": init.alphabet.chars,
                                       "norm": init.norm.to_dict()})
        overrides = self.options.overrides
        if source is not None:  # the network and its input statistics come from the run
            config = GravesConfig.from_dict(source["config"])
            if overrides and config.with_overrides(overrides) != config:
                what = "a resumed run" if saved is not None else "--init-weights"
                raise WritesmoothError(f"--set cannot change the network of {what} "
                                       f"(saved: {config.to_dict()})")
            alphabet, norm = Alphabet(source["alphabet"]), Normaliser.from_dict(source["norm"])
        else:
            config = GravesConfig(window=self.window).with_overrides(overrides)
            if config.conditional != (self.window > 0):
                raise WritesmoothError(
                    f"--set window={config.window} does not fit '{self.name}': the synthesis "
                    f"network needs window > 0; train lstm-graves-uncond for window 0")
            kept, offsets, skipped = raw_offsets(train, conditional=config.conditional)
            if not kept:
                raise WritesmoothError(f"no usable training line: {len(train)} line"
                                       f"{'s' if len(train) != 1 else ''} given, "
                                       f"{describe_skipped(skipped)}")
            norm = Normaliser.fit(offsets)
            alphabet = Alphabet("")
            if config.conditional:
                alphabet = Alphabet.from_texts((i.text for i in kept), config.min_char_count)
                if len(alphabet) < 2:
                    raise WritesmoothError(
                        f"no character occurs {config.min_char_count} times in the training "
                        f"transcripts; lower it with --set min_char_count=N")
                config.alphabet_size = len(alphabet)
        self.config, self.alphabet, self.norm = config, alphabet, norm
        cond = config.conditional
        self.train_set = prepare(train, alphabet=alphabet, norm=norm, conditional=cond)
        require_lines(self.train_set, len(train))
        self.val_set = prepare(val, alphabet=alphabet, norm=norm, conditional=cond)
        self.lengths = [e.points for e in self.train_set.examples]
        self.val_lines = len(self.val_set.examples)
        self.skipped = self.train_set.skipped_total + self.val_set.skipped_total

    # --- what the loop calls -------------------------------------------------------------
    def forward(self, model, lines: list[int], epoch: int, batch: int,
                attention: bool) -> loop.Forward:
        examples = [self.train_set.examples[i] for i in lines]
        b = collate(examples)
        x, chars, cm, targets, mask = b.tensors(self.d.device)
        keep = attention and self.config.conditional
        try:
            with autocast_for(self.d.device, self.precision):
                params, nll, _, extras = model(x, chars, cm, targets, mask, keep_phi=keep)
        except RuntimeError as exc:
            if self.precision == "fp32" or self.proven:
                raise
            # an autocast kernel this torch build lacks: better slow than stopped
            if self.d.main:
                report.warn(f"bf16 autocast failed ({first_line(exc, 100)}); training in fp32")
            self.precision = "fp32"
            params, nll, _, extras = model(x, chars, cm, targets, mask, keep_phi=keep)
        self.proven = True
        seen = None
        if keep and extras.get("phi") is not None:
            e = examples[0]  # the first line of the batch, unpadded
            seen = writesmooth.Attention(
                phi=extras["phi"][:e.points, 0, :len(e.chars)].detach().float().cpu().numpy(),
                window=extras["w"][:e.points, 0].detach().float().cpu().numpy(),
                text=e.ink.text, alphabet=self.alphabet.chars, id=e.ink.id)
        return loop.Forward(loss_sum=nll.sum(), units=b.points, points=b.points,
                            inks=[e.ink for e in examples], attention=seen, output=params,
                            output_clip=self.config.output_clip)

    def validate(self) -> loop.Validation | None:
        if not self.val_set.examples:
            return None
        d = self.d
        sums = nll_sums(self.net, self.val_set.examples, device=d.device, rank=d.rank,
                        world=d.world)
        f = figures(*distributed.all_sum(d, list(sums)))
        return loop.Validation(
            loss=f["nats_per_point"], score=f["nats_per_sequence"],
            text=f"val {f['nats_per_sequence']:.1f} nats/line ({f['nats_per_point']:.4f}/point)",
            metrics={"val_nats_per_sequence": f["nats_per_sequence"]})

    def meta(self, best: dict[str, Any] | None, step: int) -> dict[str, Any]:
        best = best or {}
        return {"epoch": best.get("epoch"), "step": step,
                "val_nats_per_sequence": best.get("metrics", {}).get("val_nats_per_sequence"),
                "val_nats_per_point": best.get("val_loss"), "device": str(self.d.device),
                "processes": self.d.world, "precision": self.precision,
                "torch": str(torch.__version__), "train_lines": len(self.lengths),
                "val_lines": self.val_lines, **self.init_meta}

    def bundle(self, meta: dict[str, Any] | None = None) -> Bundle:
        return Bundle(net=self.net, config=self.config, alphabet=self.alphabet, norm=self.norm,
                      model=self.name, meta=meta or {})

    def identity(self, best: dict[str, Any] | None, step: int) -> dict[str, Any]:
        return {"format": FORMAT, "model": self.name, "config": self.config.to_dict(),
                "alphabet": self.alphabet.chars, "norm": self.norm.to_dict(),
                "meta": self.meta(best, step)}

    def save_best(self, path: Path, best: dict[str, Any]) -> None:
        save_weights(self.bundle(self.meta(best, best["step"])), path)

    def describe(self) -> tuple[str, list[str]]:
        what = (f"{len(self.lengths)} training lines ({sum(self.lengths):,} points), "
                f"{self.val_lines} validation lines")
        warnings = []
        if self.skipped:
            warnings.append(f"skipped {self.skipped} line{'s' if self.skipped != 1 else ''}: "
                            f"training {describe_skipped(self.train_set.skipped)}; validation "
                            f"{describe_skipped(self.val_set.skipped)}")
        return what, warnings

    def sampler(self):
        """``run.write``: samples of the network as it is now, for the listeners."""
        from .writing import write_lines

        if not self.config.conditional:
            return None
        # characters outside the training alphabet become their closest known ones, so a
        # sample text never stops the figures (a fixed seed keeps samples comparable over time;
        # one candidate per line: the figures show the network's samples as they come)
        return lambda texts: write_lines(
            self.bundle(), [self.alphabet.replace_unknown(t) for t in texts],
            bias=writesmooth.DEFAULT_BIAS, seed=0, candidates=1)
