"""Weights files: a plain dict of tensors and primitives, loadable with ``weights_only=True``.

Layout (format ``writesmooth-lstm-graves/1``)::

    {"format": str, "model": str, "config": dict, "alphabet": str,
     "norm": {"mean": [mx, my], "std": [sx, sy]}, "state_dict": {name: tensor},
     "meta": {...}}   # free-form primitives: epochs, val loss, hardware, ...

Writes go to a temporary file renamed into place, so a crash never leaves half a file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

import writesmooth
from writesmooth import WritesmoothError

from .alphabet import Alphabet
from .convert import Normaliser
from .network import GravesConfig, GravesNet

FORMAT = "writesmooth-lstm-graves/1"


@dataclass
class Bundle:
    """A loaded network with everything needed to feed it and read it."""

    net: GravesNet
    config: GravesConfig
    alphabet: Alphabet
    norm: Normaliser
    model: str = "lstm-graves"
    meta: dict[str, Any] = field(default_factory=dict)
    reader: Any = None  # reader.Reader that chooses among candidate lines; None: the text margin


def bundle_dict(b: Bundle, *, half: bool = False) -> dict[str, Any]:
    sd = {k: (v.detach().to("cpu", torch.float16 if half and v.is_floating_point() else v.dtype))
          for k, v in b.net.state_dict().items()}
    return {"format": FORMAT, "model": b.model, "config": b.config.to_dict(),
            "alphabet": b.alphabet.chars, "norm": b.norm.to_dict(), "state_dict": sd,
            "meta": dict(b.meta)}


def save_weights(b: Bundle, path: Path, *, half: bool = False) -> None:
    """Save for inference; ``half`` stores float16 (half the size; loaded back as float32)."""
    data = bundle_dict(b, half=half)
    writesmooth.atomic_write(path, lambda fh: torch.save(data, fh))


def load_tagged(path: Path, what: str, key: str, tag: str,
                device: str | torch.device = "cpu") -> dict[str, Any]:
    """``torch.load`` without pickle (``weights_only``) of a dict whose ``key`` is ``tag``;
    anything else, truncated or not a torch file, raises one line naming ``what`` it is not."""
    try:
        data = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # truncated, not a torch file, or holding pickled objects
        raise WritesmoothError(f"{path}: not a readable {what} ({type(exc).__name__}: "
                               f"{first_line(exc, 120)})") from None
    if not isinstance(data, dict) or data.get(key) != tag:
        raise WritesmoothError(f"{path}: not a {tag} {what}")
    return data


def read_weights_dict(path: Path, device: str | torch.device = "cpu") -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise WritesmoothError(f"{path}: no such weights file")
    return load_tagged(path, "weights file", "format", FORMAT, device)


def load_weights(path: Path, device: str | torch.device = "cpu") -> Bundle:
    data = read_weights_dict(path, device)
    try:
        config = GravesConfig.from_dict(data["config"])
        net = GravesNet(config=config)
        net.load_state_dict({k: v.float() if v.is_floating_point() else v
                             for k, v in data["state_dict"].items()})
    except (KeyError, RuntimeError, TypeError, ValueError) as exc:
        raise WritesmoothError(f"{path}: weights do not match the network "
                               f"({first_line(exc)})") from None
    net.to(device).eval()
    return Bundle(net=net, config=config, alphabet=Alphabet(data["alphabet"]),
                  norm=Normaliser.from_dict(data["norm"]), model=data.get("model", "lstm-graves"),
                  meta=data.get("meta", {}))


def first_line(exc: BaseException, limit: int = 160) -> str:
    """The first non-blank line of an exception's message (its type name when it has none),
    cut to ``limit`` characters: what a one-line error can quote of a library's failure."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"
