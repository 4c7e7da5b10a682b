"""A handwriting reader: a small recogniser that says how well a line of ink reads as its text.

The synthesis network cannot judge its own lines: the shapes it draws wrong (an `x` that reads
"for", a dropped `s`) are shapes it holds likely, so its own score ranks them as high as the
right ones (model card, "What `x` is not"). A recogniser trained *discriminatively* on the same
IAM-OnDB lines, to tell one character from another, has no such blind spot. The sampler uses it
to choose among candidate lines (``--candidates``): the candidate whose strokes the reader finds
most likely to say the line's text is kept.

The network: two strided 1-d convolutions over the pen offsets (four points become one frame),
a bidirectional LSTM, and a linear layer to the characters plus a CTC blank (Graves et al.,
2006). The score of a line is the CTC negative log-likelihood of its text, in nats per
character; reading it out (greedy CTC decoding) gives the text the reader sees, for the
character error rate of ``writesmooth``'s legibility figures.

Weights files: a plain dict (format ``writesmooth-reader/1``) of tensors and primitives, loaded
with ``weights_only=True``: config, alphabet, the offset scale, state_dict and meta; an
ensemble's file has ``members`` (state dicts) and ``configs`` (one a member) instead of
``state_dict`` (a file with one ``config`` for all its members loads too).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import writesmooth
from writesmooth import Ink, WritesmoothError

from .alphabet import Alphabet
from .convert import ink_to_offsets
from .weights import first_line, load_tagged

FORMAT = "writesmooth-reader/1"


@dataclass
class ReaderConfig:
    channels: int = 128      # width of the convolutional features
    hidden: int = 160        # LSTM cells per direction
    layers: int = 2          # stacked bidirectional LSTM layers
    dropout: float = 0.2     # between LSTM layers and before the output (training only)
    alphabet_size: int = 0   # character classes, unknown included (the CTC blank is one more)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ReaderConfig":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def frames(points: int | torch.Tensor):
    """Output frames for ``points`` input points (two convolutions of stride 2, padded): four
    points a frame; IAM-OnDB has about 21 points a character, so about five frames."""
    return ((points + 1) // 2 + 1) // 2


class ReaderNet(nn.Module):
    def __init__(self, *, config: ReaderConfig) -> None:
        super().__init__()
        c = config
        self.config = c
        if c.layers < 1:
            raise WritesmoothError(f"reader layers must be 1 or more, got {c.layers}")
        self.conv1 = nn.Conv1d(3, c.channels, kernel_size=5, stride=2, padding=2)
        self.conv2 = nn.Conv1d(c.channels, c.channels, kernel_size=5, stride=2, padding=2)
        self.lstm = nn.LSTM(c.channels, c.hidden, num_layers=c.layers, bidirectional=True,
                            batch_first=True, dropout=c.dropout if c.layers > 1 else 0.0)
        self.drop = nn.Dropout(c.dropout)
        self.out = nn.Linear(2 * c.hidden, c.alphabet_size + 1)  # the last class is the blank

    @property
    def blank(self) -> int:
        return self.config.alphabet_size

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        """``x``: (B, T, 3) scaled offsets, zero beyond each line's length. Returns the
        per-frame log-probabilities (T', B, C) and each line's frame count (B,)."""
        h = F.gelu(self.conv1(x.transpose(1, 2)))
        h = F.gelu(self.conv2(h)).transpose(1, 2)
        n = frames(lengths).clamp(min=1, max=h.shape[1])
        packed = nn.utils.rnn.pack_padded_sequence(h, n.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        h, _ = self.lstm(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True)
        logp = self.out(self.drop(h)).log_softmax(-1)
        return logp.transpose(0, 1), n


class ReaderEnsemble(nn.Module):
    """Readers trained apart (another seed, another shape), read as one (:meth:`Reader.score`):
    a text's nats are the mean of the members' CTC nats, its reading the first member's. Their
    frame probabilities cannot be averaged: readers trained apart place a character's CTC spike
    on different frames, so the mean of two spikes one frame apart reads as blank."""

    def __init__(self, members: Sequence[ReaderNet]) -> None:
        super().__init__()
        if not members:
            raise WritesmoothError("a reader ensemble needs at least one reader")
        first = members[0].config
        for m in members[1:]:
            if m.config.alphabet_size != first.alphabet_size:
                raise WritesmoothError("the readers of an ensemble must read one alphabet "
                                       f"({m.config.alphabet_size} classes, not "
                                       f"{first.alphabet_size})")
        self.members = nn.ModuleList(members)

    @property
    def config(self) -> ReaderConfig:
        """The first member's, whose reading the ensemble's is."""
        return self.members[0].config

    @property
    def blank(self) -> int:
        return self.members[0].blank


def members(net: ReaderNet | ReaderEnsemble) -> list[ReaderNet]:
    """The readers ``net`` is made of: an ensemble's members, or the one reader."""
    return list(net.members) if isinstance(net, ReaderEnsemble) else [net]


@dataclass
class Reader:
    """A loaded reader with what it needs to feed and read it."""

    net: ReaderNet | ReaderEnsemble
    alphabet: Alphabet
    scale: tuple[float, float]  # dx, dy are divided by these (the training offsets' std)
    meta: dict[str, Any] = field(default_factory=dict)

    def frames(self, off: np.ndarray) -> int:
        """The frames the reader reads raw offsets ``off`` as (CTC needs one a character)."""
        return int(frames(len(off)))

    def batch(self, offsets: Sequence[np.ndarray]):
        """Raw ``(N, 3)`` offsets -> a padded (B, T, 3) tensor on the reader's device, and the
        lengths."""
        lengths = torch.tensor([max(len(o), 1) for o in offsets])
        x = torch.zeros(len(offsets), int(lengths.max()), 3)
        for i, o in enumerate(offsets):
            if len(o):
                x[i, :len(o)] = torch.from_numpy(scale_offsets(o, self.scale))
        return x.to(next(self.net.parameters()).device), lengths

    def score(self, offsets: Sequence[np.ndarray], targets: Sequence[np.ndarray]):
        """Per line: the CTC negative log-likelihood (nats) of the encoded text ``targets[i]``
        given the raw ``offsets[i]``, and the text greedy decoding reads there (an ensemble:
        the mean of its members' nats, and its first member's reading)."""
        x, lengths = self.batch(offsets)
        outs = _forward_all(members(self.net), x, lengths)
        texts = [torch.from_numpy(t) for t in targets]
        nll = torch.stack([ctc_nll(logp, n, texts, self.net.blank) for logp, n in outs]).mean(0)
        return nll, greedy_decode(*outs[0], self.alphabet, self.net.blank)


_POOL: list[ThreadPoolExecutor] = []


def _forward_all(nets: list[ReaderNet], x: torch.Tensor, lengths: torch.Tensor) -> list:
    """Each reader's output for the same batch. On a CPU with cores to spare the members of an
    ensemble read at once, each in a thread of its own (torch lets go of the interpreter while
    an operator runs, and each thread keeps to one core): the same results, in about the time
    of one member."""
    def forward(net: ReaderNet):
        with torch.no_grad():  # grad mode is per thread
            return net(x, lengths)

    if len(nets) < 2 or x.device.type != "cpu" or (os.cpu_count() or 1) < 2:
        return [forward(net) for net in nets]
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=len(nets), thread_name_prefix="reader"))
    return list(_POOL[0].map(forward, nets))


def scale_offsets(off: np.ndarray, scale: tuple[float, float]) -> np.ndarray:
    out = np.asarray(off, np.float32).copy()
    out[:, :2] /= np.float32(scale)
    return out


def ctc_nll(logp: torch.Tensor, n: torch.Tensor, targets: list[torch.Tensor],
            blank: int) -> torch.Tensor:
    """Per line CTC negative log-likelihood (nats), ``inf`` where the text cannot fit."""
    flat = torch.cat(targets) if targets else torch.zeros(0, dtype=torch.long)
    lengths = torch.tensor([len(t) for t in targets], dtype=torch.long)
    return F.ctc_loss(logp.float(), flat, n, lengths, blank=blank, reduction="none",
                      zero_infinity=False)


def greedy_decode(logp: torch.Tensor, n: torch.Tensor, alphabet: Alphabet, blank: int) -> list[str]:
    best = logp.argmax(-1).transpose(0, 1).cpu().numpy()  # (B, T')
    chars = "\x00" + alphabet.chars
    texts = []
    for row, length in zip(best, n.tolist()):
        row = row[:length]
        keep = np.ones(len(row), bool)
        keep[1:] = row[1:] != row[:-1]
        texts.append("".join(chars[c] for c in row[keep] if c != blank))
    return texts


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@torch.no_grad()
def read(reader: Reader, inks: Sequence[Ink], texts: Sequence[str] | None = None,
         batch_size: int = 32) -> list[dict[str, Any]]:
    """For each ink: ``{"read": text the reader sees, "nll": nats per character of ``texts[i]``
    (the ink's own text by default)}``; a line without points scores ``inf``."""
    texts = [ink.text for ink in inks] if texts is None else list(texts)
    reader.net.eval()
    out: list[dict[str, Any]] = []
    for a in range(0, len(inks), batch_size):
        offs = [ink_to_offsets(ink) for ink in inks[a:a + batch_size]]
        nll, seen = reader.score(offs, [reader.alphabet.encode(t) for t in texts[a:a + batch_size]])
        for off, text, v, s in zip(offs, texts[a:a + batch_size], nll.tolist(), seen):
            empty = len(off) == 0 or not text
            out.append({"read": "" if len(off) == 0 else s,
                        "nll": float("inf") if empty else v / len(text)})
    return out


def _plain_state(net: nn.Module, half: bool) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", torch.float16 if half and v.is_floating_point() else v.dtype)
            for k, v in net.state_dict().items()}


def reader_dict(r: Reader, *, half: bool = False) -> dict[str, Any]:
    """A reader as a plain dict; an ensemble keeps its members' weights under ``members``."""
    data = {"format": FORMAT, "config": r.net.config.to_dict(), "alphabet": r.alphabet.chars,
            "scale": list(r.scale), "meta": dict(r.meta)}
    if isinstance(r.net, ReaderEnsemble):
        data["members"] = [_plain_state(m, half) for m in r.net.members]
        data["configs"] = [m.config.to_dict() for m in r.net.members]
    else:
        data["state_dict"] = _plain_state(r.net, half)
    return data


def ensemble(readers: Sequence[Reader]) -> Reader:
    """Readers of one alphabet and input scale, trained apart (of one shape or not), as one
    reader (:class:`ReaderEnsemble`); their meta under
    ``meta["members"]`` (an ensemble among ``readers`` adds its members one by one)."""
    if len(readers) < 2:
        raise WritesmoothError("an ensemble needs two readers or more")
    first = readers[0]
    for r in readers[1:]:
        if r.alphabet.chars != first.alphabet.chars:
            raise WritesmoothError("the readers of an ensemble must share one alphabet")
        if not np.allclose(r.scale, first.scale, rtol=1e-3):
            raise WritesmoothError(f"the readers of an ensemble must share one input scale "
                                   f"({r.scale} is not {first.scale})")
    nets = [m for r in readers for m in members(r.net)]
    metas = [dict(m) for r in readers for m in (r.meta.get("members", [r.meta]) if
                                                 isinstance(r.net, ReaderEnsemble) else [r.meta])]
    return Reader(net=ReaderEnsemble(nets).eval(), alphabet=first.alphabet, scale=first.scale,
                  meta={"members": metas})


def save_reader(r: Reader, path: Path, *, half: bool = False) -> None:
    data = reader_dict(r, half=half)
    writesmooth.atomic_write(path, lambda fh: torch.save(data, fh))


def load_reader(path: Path) -> Reader:
    path = Path(path)
    if not path.is_file():
        raise WritesmoothError(f"{path}: no such reader weights file")
    data = load_tagged(path, "reader weights file", "format", FORMAT)
    try:
        states = data["members"] if "members" in data else [data["state_dict"]]
        configs = data.get("configs") or [data["config"]] * len(states)  # one for all
        nets = [ReaderNet(config=ReaderConfig.from_dict(c)) for c in configs]
        if len(nets) != len(states):
            raise ValueError(f"{len(configs)} configs for {len(states)} readers")
        for member, state in zip(nets, states):
            member.load_state_dict({k: v.float() if v.is_floating_point() else v
                                    for k, v in state.items()})
        net = ReaderEnsemble(nets) if "members" in data else nets[0]
    except (KeyError, RuntimeError, TypeError, ValueError) as exc:
        raise WritesmoothError(f"{path}: reader weights do not match the network "
                               f"({first_line(exc)})") from None
    net.eval()
    return Reader(net=net, alphabet=Alphabet(data["alphabet"]),
                  scale=tuple(float(s) for s in data["scale"]), meta=data.get("meta", {}))
