"""Learning one person's hand from a few of their lines: a low-rank adapter (LoRA, Hu et al.
2021) of the synthesis network, trained on the CPU in minutes.

Every weight matrix ``W`` of the network (layer 1, the window, layers 2..L, the output) gets
a change ``B @ A`` of rank :data:`AdaptConfig.rank`, and every bias a change of its own; the
rest stays as trained. The adapter file holds only those changes (about 120,000 numbers at
rank 8: 0.25 MB in float16, against 14 MB for the network), with a fingerprint of the weights
they were learnt on, so an adapter is never applied to other weights. Applied, the changes are
added into a copy of the weights (:func:`adapted_bundle`): writing is as fast as before.

A handful of lines is learnt by heart within a few dozen steps, so some of the person's lines
are kept out of training to validate on (:func:`held_out`), the changes are those of the best
validation, and training stops when validation has not improved for
:data:`AdaptConfig.patience` checks, or at the time limit. An interrupted run saves where it is
(``resume``) and continues from there.
"""
from __future__ import annotations

import copy
import hashlib
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import torch

import writesmooth
from writesmooth import Ink, WritesmoothError

from .batching import Example, collate, prepare
from .priming import one_line, to_training_units
from .weights import Bundle, load_tagged

FORMAT = "writesmooth-lstm-graves-adapter/1"
RESUME = "writesmooth-lstm-graves-adapt-resume/1"


@dataclass
class AdaptConfig:
    rank: int = 8              # rank of each weight matrix's change
    lr: float = 1e-3           # Adam's step size (the change starts at zero)
    check_every: int = 5       # steps between validations
    patience: int = 4          # validations without improvement before stopping
    clip: float = 10.0         # gradient-norm clip, as in training
    batch_lines: int = 8       # lines per step at most
    steps_without_validation: int = 15  # a style of one line: this many steps, no early stop
    seed: int = 0              # of the random half of each change (the other half starts at 0)
    anchor_weight: float = 0.15 # weight of the anchor lines' loss (0: none)


#: Written once by the network itself before it learns, and learnt along with the person's
#: lines: every letter and digit, so the letters their lines lack keep their shapes.
ANCHOR_TEXTS = ("The quick brown fox jumps over the lazy dog.",
                "Pack my box with five dozen liquor jugs!",
                "Sphinx of black quartz, judge my vow: 0123456789")


def fingerprint(net: torch.nn.Module) -> str:
    """A short hash of the network's weights: an adapter is learnt for exactly these."""
    h = hashlib.sha256()
    for name, value in sorted(net.state_dict().items()):
        h.update(name.encode())
        h.update(value.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
    return h.hexdigest()[:20]


class Changes:
    """The adapter's trainable changes for ``net``: a ``(B, A)`` pair per weight matrix, a
    vector per bias."""

    def __init__(self, net: torch.nn.Module, rank: int, seed: int) -> None:
        g = torch.Generator().manual_seed(seed)
        self.base = dict(net.named_parameters())
        self.low: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        self.bias: dict[str, torch.Tensor] = {}
        for name, p in self.base.items():
            if p.dim() == 2:
                b = torch.zeros(p.shape[0], rank, requires_grad=True)
                a = (torch.randn(rank, p.shape[1], generator=g) / math.sqrt(p.shape[1]))
                self.low[name] = (b, a.requires_grad_(True))
            else:
                self.bias[name] = torch.zeros_like(p, requires_grad=True)

    def tensors(self) -> list[torch.Tensor]:
        return [t for pair in self.low.values() for t in pair] + list(self.bias.values())

    def weights(self) -> dict[str, torch.Tensor]:
        """Each changed parameter: the trained one plus its change."""
        new = {n: self.base[n] + b @ a for n, (b, a) in self.low.items()}
        new.update({n: self.base[n] + d for n, d in self.bias.items()})
        return new

    def state(self) -> dict[str, Any]:
        return {"low": {n: [b.detach().clone(), a.detach().clone()]
                        for n, (b, a) in self.low.items()},
                "bias": {n: d.detach().clone() for n, d in self.bias.items()}}

    def load(self, state: dict[str, Any]) -> None:
        with torch.no_grad():
            for n, (b, a) in self.low.items():
                b.copy_(state["low"][n][0])
                a.copy_(state["low"][n][1])
            for n, d in self.bias.items():
                d.copy_(state["bias"][n])

    def numbers(self) -> int:
        return sum(t.numel() for t in self.tensors())


def _nll(net: torch.nn.Module, changes: Changes, examples: Sequence[Example]
         ) -> torch.Tensor:
    """Summed NLL of each of ``examples`` (one batch, ``(B,)``) under ``net`` with
    ``changes`` applied."""
    args = collate(list(examples)).tensors("cpu")
    return torch.func.functional_call(net, changes.weights(), args)[1]


def held_out(n: int) -> int:
    """How many of ``n`` lines validate: a quarter, at least one where there are two lines."""
    return 0 if n < 2 else max(1, round(n / 4))


def prepared(bundle: Bundle, lines: Sequence[Ink]) -> list[Example]:
    """The lines in the training data's units and form (as a primed sample is made)."""
    inks = []
    for ink in lines:
        ink = ink.replace(text=one_line(ink.text))
        inks.append(to_training_units(ink, bundle.norm)[0])
    examples = prepare(inks, alphabet=bundle.alphabet, norm=bundle.norm,
                       conditional=True).examples
    if not examples:
        raise WritesmoothError("the style has no line with handwriting and text to learn from")
    return examples


def adapt_bundle(bundle: Bundle, lines: Sequence[Ink], *, adapter: Path, resume: Path,
                 minutes: float = 3.0, restart: bool = False,
                 progress: Callable[[dict[str, Any]], None] | None = None,
                 config: AdaptConfig | None = None) -> dict[str, Any]:
    """Learn ``lines``'s hand (see the module doc); write the adapter to ``adapter``."""
    cfg = config or AdaptConfig()
    if not minutes > 0:
        raise WritesmoothError(f"minutes must be more than 0, got {minutes}")
    # a character the network has no class for is learnt as the unknown class, as in training
    examples = prepared(bundle, lines)
    anchors = anchor_lines(bundle) if cfg.anchor_weight > 0 else []
    anchor_points = sum(e.points for e in anchors)
    n_val = held_out(len(examples))
    train, val = examples[:len(examples) - n_val], examples[len(examples) - n_val:]
    net = copy.deepcopy(bundle.net).cpu().train()
    for p in net.parameters():
        p.requires_grad_(False)
    changes = Changes(net, cfg.rank, cfg.seed)
    opt = torch.optim.Adam(changes.tensors(), lr=cfg.lr)
    base = fingerprint(bundle.net)
    val_points = sum(e.points for e in val)

    def validate() -> float:
        with torch.no_grad():
            return float(_nll(net, changes, val).sum()) / val_points if val else math.nan

    run = {"step": 0, "best_step": 0, "bad": 0, "seconds": 0.0, "best": math.nan,
           "start": math.nan}
    best_state = changes.state()
    if resume.is_file() and not restart:
        saved = load_tagged(resume, "adaptation checkpoint", "format", RESUME)
        if saved.get("base") != base or saved.get("lines") != _identity(examples) \
                or saved.get("config") != asdict(cfg):
            raise WritesmoothError(f"{resume}: an interrupted adaptation of other lines or "
                                   f"weights; start again with --restart")
        changes.load(saved["changes"])
        best_state = saved["best"]
        opt.load_state_dict(saved["optimizer"])
        run.update(saved["run"])
    elif val:
        run["start"] = run["best"] = validate()

    def save_resume() -> None:
        data = {"format": RESUME, "base": base, "lines": _identity(examples),
                "config": asdict(cfg), "changes": changes.state(), "best": best_state,
                "optimizer": opt.state_dict(), "run": dict(run)}
        writesmooth.atomic_write(resume, lambda fh: torch.save(data, fh))

    limit = run["seconds"] + minutes * 60
    began = time.perf_counter() - run["seconds"]
    stopped = "time"
    batches = [train[i:i + cfg.batch_lines] for i in range(0, len(train), cfg.batch_lines)]
    train_points = [sum(e.points for e in b) for b in batches]
    try:
        while True:
            run["seconds"] = time.perf_counter() - began
            if run["seconds"] >= limit:
                break
            if not val and run["step"] >= cfg.steps_without_validation:
                stopped = "steps"
                break
            k = run["step"] % len(batches)
            opt.zero_grad()
            # the anchors ride in the same batch: the recurrence costs per step, not per line
            nll = _nll(net, changes, batches[k] + anchors)
            loss = nll[:len(batches[k])].sum() / train_points[k]
            total = loss
            if anchors:
                total = loss + cfg.anchor_weight * nll[len(batches[k]):].sum() / anchor_points
            total.backward()
            torch.nn.utils.clip_grad_norm_(changes.tensors(), cfg.clip)
            opt.step()
            run["step"] += 1
            event = {"step": run["step"], "seconds": round(time.perf_counter() - began, 1),
                     "minutes": minutes, "train_nats_per_point": float(loss.detach())}
            if val and run["step"] % cfg.check_every == 0:
                v = validate()
                event["val_nats_per_point"] = v
                if v < run["best"]:
                    run.update(best=v, best_step=run["step"], bad=0)
                    best_state = changes.state()
                else:
                    run["bad"] += 1
                run["seconds"] = time.perf_counter() - began
                save_resume()
                if run["bad"] >= cfg.patience:
                    stopped = "early stop"
            if progress is not None:
                progress(event)
            if stopped == "early stop":
                break
    except KeyboardInterrupt:
        run["seconds"] = time.perf_counter() - began
        save_resume()
        raise
    if not val:
        best_state = changes.state()
    changes.load(best_state)
    size = write_adapter(adapter, changes, bundle, base, cfg, run, len(train), len(val))
    resume.unlink(missing_ok=True)
    return {"model": bundle.model, "steps": run["step"], "best_step": run["best_step"],
            "seconds": round(run["seconds"], 1), "stopped": stopped,
            "train_lines": len(train), "val_lines": len(val),
            "val_nats_per_point_before": run["start"], "val_nats_per_point": run["best"],
            "adapter_bytes": size, "numbers": changes.numbers()}


def anchor_lines(bundle: Bundle) -> list[Example]:
    """:data:`ANCHOR_TEXTS` as the network writes them (one drawing each, fixed seed)."""
    from .writing import write_lines

    texts = [bundle.alphabet.replace_unknown(t) for t in ANCHOR_TEXTS]  # weights of fewer letters
    inks = write_lines(bundle, texts, seed=0, candidates=1, search="lines")
    return prepare([i for i in inks if i.n_points > 1], alphabet=bundle.alphabet,
                   norm=bundle.norm, conditional=True).examples


def _identity(examples: Sequence[Example]) -> list:
    """What a resumed run must learn from again: each line's points and text."""
    return [[e.points, e.ink.text] for e in examples]


def write_adapter(path: Path, changes: Changes, bundle: Bundle, base: str, cfg: AdaptConfig,
                  run: dict[str, Any], n_train: int, n_val: int) -> int:
    half = lambda t: t.detach().to(torch.float16)  # noqa: E731
    data = {"format": FORMAT, "model": bundle.model, "base": base, "rank": cfg.rank,
            "low": {n: [half(b), half(a)] for n, (b, a) in changes.low.items()},
            "bias": {n: half(d) for n, d in changes.bias.items()},
            "meta": {"steps": int(run["step"]), "best_step": int(run["best_step"]),
                     "train_lines": n_train, "val_lines": n_val,
                     "val_nats_per_point": float(run["best"])}}
    writesmooth.atomic_write(path, lambda fh: torch.save(data, fh))
    return Path(path).stat().st_size


def read_adapter(path: Path) -> dict[str, Any]:
    """The adapter file at ``path`` (read without pickle), its layout checked: low-rank pairs
    and bias changes, finite tensors; anything else raises one line."""
    path = Path(path)
    if not path.is_file():
        raise WritesmoothError(f"{path}: no such adapter file")
    data = load_tagged(path, "adapter", "format", FORMAT)
    low, bias = data.get("low"), data.get("bias")
    ok = (isinstance(data.get("base"), str) and isinstance(low, dict) and isinstance(bias, dict)
          and all(isinstance(pair, list) and len(pair) == 2
                  and all(isinstance(t, torch.Tensor) and t.dim() == 2 for t in pair)
                  and pair[0].shape[1] == pair[1].shape[0] for pair in low.values())
          and all(isinstance(t, torch.Tensor) and t.dim() == 1 for t in bias.values()))
    if not ok:
        raise WritesmoothError(f"{path}: not a usable adapter (its layout is not "
                               f"{FORMAT}'s)")
    tensors = [t for pair in low.values() for t in pair] + list(bias.values())
    if not all(t.is_floating_point() and bool(torch.isfinite(t).all()) for t in tensors):
        raise WritesmoothError(f"{path}: the adapter holds numbers that are not finite")
    return data


def adapted_bundle(bundle: Bundle, path: Path) -> Bundle:
    """``bundle`` with the adapter at ``path`` added into a copy of its weights."""
    path = Path(path)
    data = read_adapter(path)
    if data.get("base") != fingerprint(bundle.net):
        raise WritesmoothError(f"{path}: the adapter was learnt for other weights than "
                               f"'{bundle.model}' has now; adapt the style again")
    net = copy.deepcopy(bundle.net)
    params = dict(net.named_parameters())
    try:
        with torch.no_grad():
            for name, (b, a) in data["low"].items():
                params[name].add_((b.float() @ a.float()).to(params[name].device))
            for name, d in data["bias"].items():
                params[name].add_(d.float().to(params[name].device))
    except (KeyError, RuntimeError, TypeError, ValueError) as exc:
        raise WritesmoothError(f"{path}: the adapter does not fit the network "
                               f"({type(exc).__name__})") from None
    if not all(torch.isfinite(p).all() for p in net.parameters()):
        raise WritesmoothError(f"{path}: the adapter holds numbers that are not finite")
    net.eval()
    meta = dict(bundle.meta, adapter=str(path))
    return Bundle(net=net, config=bundle.config, alphabet=bundle.alphabet, norm=bundle.norm,
                  model=bundle.model, meta=meta, reader=bundle.reader)
