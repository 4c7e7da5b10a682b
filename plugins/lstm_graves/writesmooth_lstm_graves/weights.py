"""Weights files: a plain dict of tensors and primitives, loadable with ``weights_only=True``.

Layout (format ``writesmooth-lstm-graves/1``)::

    {"format": str, "model": str, "config": dict, "alphabet": str,
     "norm": {"mean": [mx, my], "std": [sx, sy]}, "state_dict": {name: tensor},
     "meta": {...}}   # free-form primitives: epochs, val loss, hardware, ...

Writes go to a temporary file renamed into place, so a crash never leaves half a file.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from writesmooth import WritesmoothError
from writesmooth.errors import first_line

from .alphabet import Alphabet
from .config import GravesConfig
from .convert import Normaliser
from .network import GravesNet

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


def atomic_torch_save(obj: Any, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def bundle_dict(b: Bundle, *, half: bool = False) -> dict[str, Any]:
    sd = {k: (v.detach().to("cpu", torch.float16 if half and v.is_floating_point() else v.dtype))
          for k, v in b.net.state_dict().items()}
    return {"format": FORMAT, "model": b.model, "config": b.config.to_dict(),
            "alphabet": b.alphabet.chars, "norm": b.norm.to_dict(), "state_dict": sd,
            "meta": dict(b.meta)}


def save_weights(b: Bundle, path: Path, *, half: bool = False) -> None:
    """Save for inference; ``half`` stores float16 (half the size; loaded back as float32)."""
    atomic_torch_save(bundle_dict(b, half=half), path)


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
