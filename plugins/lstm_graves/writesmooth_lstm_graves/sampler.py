"""Writing text (Graves 2013, section 5) and smoothing a sample by priming (section 5.5).

All lines of a request are sampled together as one batch: one :class:`FastStepper` step and one
biased draw per time step for every line at once. A line is finished by Graves' rule: the window
has moved past the last character, i.e. ``phi`` at position ``U`` (the padded slot one past the
text) exceeds ``phi`` at every real position. The pen usually is still in the last letter at
that moment, so the line runs on until the pen next lifts (at most ``LIFT_GRACE`` more points),
and a short stroke after that lift that goes back over the line (the cross of a final ``t``) is
kept too (:class:`_StopTracker`).
The window has also passed the end when ``phi`` underflows to zero at every position 0..U:
``kappa`` only grows, so every component that carries weight has then moved far beyond the text.
No rule looks at the components' positions themselves: a trained network keeps spare components
running far ahead of the reading one, with as much weight (``alpha``) as it, and rules on the
weighted mean position or on the heaviest component ended lines after a word or two.
A line has lost its place in the text when its window stalls: the pen scribbles on in place
(a run of arcs) while the window stays on one character. Either the line then reaches its step
cap, or the window moves on later and the scribble stays in the line; a stall is told by the
window's argmax staying on one character (not the last) for more than ``STALL_STEPS`` steps,
far longer than real writers take (``meta["dwell"]``, ``meta["stalled"]``). Such a line is
drawn again, with fresh noise from the same seeded generator, at most ``REDRAWS`` times, after
every line's first draw (so the other lines do not change), and the first draw that neither
the cap cut nor stalled is kept (``meta["redraws"]``: how many were tried). A line cut at the
cap every time is kept as cut and marked ``meta["hit_cap"] = True``.

Best of several candidates: each line is sampled ``candidates`` times (in the same batch) and
the one kept is the one its own text explains best, compared with shuffles of that text: the
*text margin*, ``min_k NLL(strokes | shuffle_k(text)) - NLL(strokes | text)`` in nats, scored
by the same network teacher-forced. A line whose letters came out as the text asked is far more
likely under its text than under the same letters in another order; scribbles, dropped and
merged letters explain less of it and tend to score lower. It did not make the legibility
sheets measurably better: the network's systematic errors (an `x` that reads "for") are shapes
it holds likely, so its own score cannot see them. Where the bundle has a *reader*
(``reader.py``, a recogniser trained discriminatively on the same data) the candidate the reader
finds most likely to say the text is kept instead (``meta["read_nll"]``, ``meta["read"]``), and
that does read better, so with a reader every line is the best of :data:`DEFAULT_CANDIDATES`;
``score="margin"`` asks for the text margin all the same (docs/writing.md, "Candidates").

With a reader, lines are not drawn whole but a word at a time (``search="words"``,
``search.py``): each word the best of the candidates, drawn from the state where the line so far
ended (``stops``, ``keep_states`` and ``start`` of :func:`draw_lines`); read blind, that made
72 of 80 lines readable against 64 of 80 (docs/writing.md, "Word by word").
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from writesmooth import Ink, WritesmoothError
from writesmooth.api import DEFAULT_BIAS

from . import convert
from .batching import Example, prepare
from .emphasis import windows
from .evaluate import line_nlls
from .fast_step import FastStepper, MixtureSampler, StateRing
from .network import State
from .priming import check_sample, prime_offsets
from .weights import Bundle

SCORES = ("reader", "margin")  # how candidates are ranked: the reader, or the text margin
SEARCHES = ("words", "lines")  # what the candidates are: drawings of each word, or whole lines

POINTS_PER_CHAR_CAP = 40  # IAM-OnDB writes about 21 points per character (5-95 %: 13-30)
CAP_BASE = 100            # ... plus a margin, so one short word is not cut while it starts
LIFT_GRACE = 40           # after the window passed the end: points allowed until the pen lifts
DELAYED_STROKES = 2       # after that lift, strokes kept that start back over the line (the cross
DELAYED_POINTS = 30       # of a final t or x, a dot), each of at most this many points, when the
DELAYED_LETTERS = frozenset("tixjfAEFHIJT")  # last word has a letter writers cross or dot late
CHECK_EVERY = 16          # steps between checks that every line is finished (a host sync)
MAX_BATCH = 64            # lines per batch; longer texts run as several batches
# CPU threads while sampling. A step is a few small matrix-vector products, so a second thread
# gains little, and when another process keeps a core busy, OpenMP threads waiting for each other
# at every operator made steps 15-60 times slower on a 2-core machine (benchmarks/bench_write.py)
SAMPLING_THREADS = 1
START = (0.0, 0.0, 1.0)   # the input before the first point, as in training
UNDERFLOW = 1e-12         # phi below this at every position: the window has left the text
DEFAULT_CANDIDATES = 16   # drawings of each word (or line) where the bundle has a reader, the
                          # one it reads best kept: read blind, 4 gave 65 against 42 of 100
                          # lines readable (one sample), 8 gave 33 against 26 of 60 (four), 16
                          # gave 227 against 216 of 240 (eight) for 1.2-1.6 x the time, and
                          # 32 no more than 16 (docs/writing.md, "Candidates"); 1 without a reader
REDRAWS = 3               # a line the step cap cut, or that stalled, is drawn again at most
                          # this many times: a third halved the scribbles left (docs/writing.md)
STALL_STEPS = 80          # a window on one character (not the last) longer has stalled: 97 % of
                          # 400 real testset_v lines stay at or under 80 (docs/writing.md)
CONTRASTS = 2             # shuffles of its text each candidate is scored against
SCORE_ROWS = 64           # teacher-forced rows per scoring batch
# steps of state kept per row while sampling a word: a line's end is decided at most one scan
# (CHECK_EVERY) after its last delayed stroke ran to DELAYED_POINTS, plus one scan of slack
RING_STEPS = 2 * CHECK_EVERY + DELAYED_POINTS + 2


def step_cap(n_chars: int) -> int:
    """The most points a line of ``n_chars`` characters may take."""
    return POINTS_PER_CHAR_CAP * n_chars + CAP_BASE


def check_text(bundle: Bundle, texts: Sequence[str]) -> None:
    """Raise naming every character the model has no class for."""
    unknown = sorted({ch for t in texts for ch in bundle.alphabet.unknown_chars(t)})
    if unknown:
        shown = ", ".join(repr(ch) for ch in unknown)
        raise WritesmoothError(
            f"the text has {len(unknown)} character{'s' if len(unknown) > 1 else ''} the model "
            f"'{bundle.model}' has no class for: {shown} (--replace-unknown maps them to the "
            f"closest known ones)")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _seed(seed: int | None) -> int:
    # a random seed is still a seed: it is reported in meta so the output can be reproduced
    return int.from_bytes(os.urandom(4), "little") if seed is None else int(seed)


def _device(bundle: Bundle) -> torch.device:
    return next(bundle.net.parameters()).device


@contextmanager
def cpu_threads(n: int | None, device: torch.device):
    """Run with ``n`` intra-op threads on the CPU (``None``: :data:`SAMPLING_THREADS`)."""
    if device.type != "cpu":
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n or SAMPLING_THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _require_conditional(bundle: Bundle) -> None:
    if not bundle.config.conditional:
        raise WritesmoothError(f"model '{bundle.model}' is unconditional: it cannot write text")


@dataclass
class Prime:
    """A handwriting sample ready to be fed: its text and normalised offsets ``(P-1, 3)``."""

    text: str
    offsets: torch.Tensor
    info: dict


def make_prime(bundle: Bundle, sample: Ink) -> Prime:
    check_sample(sample)
    text = _one_line(sample.text)
    offsets, info = prime_offsets(sample.replace(text=text), bundle.norm)
    return Prime(text, torch.from_numpy(offsets).to(_device(bundle)), info)


# --- the sampling loop -------------------------------------------------------------------
class _StopTracker:
    """Per line: the step the window passed the end, the step it ended, whether the cap cut it.

    The line ends on the first pen lift from the point *before* the window passed: the window
    is computed from the previous point, and a trained network moves it past the end just as
    the pen lifts after the last letter. Looking for a lift only from the passing step on let
    it write a stroke more (an extra "n" or "u" after "dog") before the next lift.

    Writers cross a final ``t`` or ``x`` (and dot an ``i``) after the letter's body, so that
    lift can come before the line is done: with ``back`` (the normalised ``dx`` of a move of
    zero), a stroke after it that starts to the left of where the pen lifted, going back over
    the line, is kept too when it ends within :data:`DELAYED_POINTS` points, up to
    :data:`DELAYED_STROKES` of them, on lines whose ``delayed`` flag is set (their last word
    has a letter in :data:`DELAYED_LETTERS`). A new letter starts to the right, and is not
    kept; a line whose last word has nothing to cross or dot keeps nothing after the lift."""

    def __init__(self, caps: list[int], back: float | None = None,
                 delayed: list[bool] | None = None) -> None:
        self.caps = caps
        self.back = back
        self.delayed = delayed or [True] * len(caps)  # per line: may it keep delayed strokes
        self.passed: list[int | None] = [None] * len(caps)
        self.end: list[int | None] = [None] * len(caps)
        self.hit_cap = [False] * len(caps)
        # per line: (the lift the line ends on so far, delayed strokes kept) until it is done
        self.cut: list[tuple[int, int] | None] = [None] * len(caps)
        T = max(caps, default=0)
        self.dx = np.zeros((T, len(caps)), np.float32)
        self.eos = np.zeros((T, len(caps)), np.float32)
        self.seen = 0  # rows of dx/eos filled: every scan's rows, kept for the later ones

    def update(self, past: np.ndarray, eos: np.ndarray, t0: int,
               dx: np.ndarray | None = None) -> bool:
        """Scan steps ``t0 ..`` (rows of ``past``/``eos``/``dx``, ``(n, B)``); True when all
        ended."""
        n = min(len(eos), len(self.eos) - t0)
        self.eos[t0:t0 + n] = eos[:n]
        if dx is not None:
            self.dx[t0:t0 + n] = dx[:n]
        self.seen = t0 + n
        for b, cap in enumerate(self.caps):
            if self.end[b] is not None:
                continue
            if self.cut[b] is not None:
                self._delayed(b)
                continue
            lim = min(len(past), cap - t0)  # rows of this scan that lie within the line's cap
            if self.passed[b] is None:
                hits = np.flatnonzero(past[:lim, b])
                if len(hits):
                    self.passed[b] = t0 + int(hits[0])
            if self.passed[b] is not None:
                # from step passed - 1 (or the previous scan's last step; there is no step -1)
                start = max(self.passed[b], t0, 1) - 1
                lifts = np.flatnonzero(self.eos[start:t0 + lim, b] > 0.5)
                if len(lifts):
                    lift = start + int(lifts[0])
                    if self.back is None or not self.delayed[b]:
                        self.end[b] = lift
                    else:
                        self.cut[b] = (lift, 0)
                        self._delayed(b)
                        continue
                elif t0 + lim - 1 >= self.passed[b] + LIFT_GRACE:
                    self.end[b] = self.passed[b] + LIFT_GRACE
            if self.end[b] is None and t0 + lim >= cap:
                self.end[b] = cap - 1
                self.hit_cap[b] = self.passed[b] is None  # the cap cut it before the end
        return all(e is not None for e in self.end)

    def _delayed(self, b: int) -> None:
        """Keep the strokes after line ``b``'s lift that go back over the line, while they can
        be told; end the line once one cannot be kept (or the last allowed one is)."""
        while self.end[b] is None:
            lift, kept = self.cut[b]  # type: ignore[misc]
            first = lift + 1  # the next stroke's first point; its dx is the move there
            if kept == DELAYED_STROKES or first >= self.caps[b]:
                self.end[b] = lift
                return
            if first >= self.seen:
                return  # not drawn yet
            if self.dx[first, b] >= self.back:  # type: ignore[operator]
                self.end[b] = lift  # it starts to the right: a new letter, not kept
                return
            limit = min(first + DELAYED_POINTS, self.caps[b])  # where the stroke must end by
            lifts = np.flatnonzero(self.eos[first:min(limit, self.seen), b] > 0.5)
            if len(lifts):
                self.cut[b] = (first + int(lifts[0]), kept + 1)
            elif self.seen >= limit:
                self.end[b] = lift  # too long for a cross or a dot, or cut at the cap
                return
            else:
                return  # its end is not drawn yet


@dataclass
class Drawn:
    """One sampled line: normalised offsets ``(T, 3)`` (without the priming), whether its cap
    cut it, and ``dwell``, the most steps the window (the argmax of ``phi``) spent on any one
    character but the last before it passed the end: above :data:`STALL_STEPS` the window
    has stalled and the pen scribbles on in place."""

    offsets: np.ndarray
    hit_cap: bool
    dwell: int
    end: "Start | None" = None  # with ``keep_states``: the state to go on from
    window: np.ndarray | None = None  # per point, the text position the window read (argmax
                                      # of ``phi``) as it drew it; ``stop_rule=False``: None

    @property
    def stalled(self) -> bool:
        return self.dwell > STALL_STEPS


@dataclass
class Start:
    """Where to go on from: the recurrent state (``B`` rows, or one) and the next input."""

    state: State
    input: torch.Tensor


def sample_batch(bundle: Bundle, texts: list[str], *, bias: float, generator: torch.Generator,
                 prime: Prime | None = None, stop_rule: bool = True,
                 caps: list[int] | None = None, use_numpy: bool | None = None,
                 threads: int | None = None) -> list[tuple[np.ndarray, bool]]:
    """Sample one line per text, all at once. Returns per line its normalised offsets
    ``(T, 3)`` (without the priming) and whether it hit its cap. ``stop_rule=False`` runs every
    line to its cap (benchmarks); ``threads`` overrides :data:`SAMPLING_THREADS`."""
    return [(d.offsets, d.hit_cap) for d in draw_lines(
        bundle, texts, bias=bias, generator=generator, prime=prime, stop_rule=stop_rule,
        caps=caps, use_numpy=use_numpy, threads=threads)]


def draw_lines(bundle: Bundle, texts: list[str], *, bias: float, generator: torch.Generator,
               prime: Prime | None = None, stop_rule: bool = True, caps: list[int] | None = None,
               use_numpy: bool | None = None, threads: int | None = None,
               stops: list[int] | None = None, start: Start | None = None,
               keep_states: bool = False) -> list[Drawn]:
    """:func:`sample_batch` with each line's window dwell (:class:`Drawn`). ``stops`` (per
    line, a position in its text; default its length) ends a line once the window passes that
    position instead of the text's end: ``stops[b]`` at the space after a word ends the line
    after that word, with the network still seeing the words that follow it. ``start``
    (every row's state and next input) goes on from there instead of from the beginning or
    the ``prime`` (whose text still comes first); ``keep_states`` returns each line's state
    where it ended (``Drawn.end``), to go on from."""
    with cpu_threads(threads, _device(bundle)):
        return _sample_batch(bundle, texts, bias, generator, prime, stop_rule, caps, use_numpy,
                             stops, start, keep_states)


def _sample_batch(bundle: Bundle, texts: list[str], bias: float, generator: torch.Generator,
                  prime: Prime | None, stop_rule: bool, caps: list[int] | None,
                  use_numpy: bool | None, stops: list[int] | None = None,
                  start: Start | None = None, keep_states: bool = False) -> list[Drawn]:
    net, dev = bundle.net, _device(bundle)
    full, chars, char_mask = _encode(bundle, texts, prime)
    B, lens = len(texts), [len(f) for f in full]
    U1 = chars.shape[1]
    stops = stops or [len(t) for t in texts]
    head = len(full[0]) - len(texts[0])  # characters of the priming text (and its space)
    caps = caps or [step_cap(n) for n in stops]
    T = max(caps)
    with torch.inference_mode():
        onehot = net.one_hot(chars, char_mask)
    stepper = FastStepper(net, B, onehot, use_numpy=use_numpy)
    if start is None and prime is not None:
        start = _forced(bundle, prime, chars, char_mask)
    if start is not None:
        stepper.load_state(start.state)
        stepper.set_input(start.input)
    draw = MixtureSampler(stepper, bundle.config.mixtures, bias, generator)
    host = stepper.use_numpy  # numpy buffers on the CPU path, torch ones on a device
    lib = np if host else torch
    out = np.zeros((T, B, 3), np.float32) if host else torch.zeros(T, B, 3, device=dev)
    past = np.zeros((T, B), bool) if host else torch.zeros(T, B, dtype=torch.bool, device=dev)
    at = np.zeros((T, B), np.int64) if host else torch.zeros(T, B, dtype=torch.int64, device=dev)
    # positions after a line's own slot U must not count for it: -inf there
    beyond = np.zeros((B, U1), np.float32)
    for b, n in enumerate(lens):
        beyond[b, n + 1:] = -np.inf
    lens_a = np.array(stops) + head  # the position whose passing ends each line
    if host:
        phi = stepper.np["phi3"][:, 0]
    else:
        phi = stepper.phi
        beyond, lens_a = (torch.from_numpy(v).to(dev) for v in (beyond, lens_a))
    masked = lib.zeros_like(beyond)
    tracker = _StopTracker(caps, _back(bundle), [_ends_late(t[:n]) for t, n in zip(texts, stops)])
    t0 = 0
    ring = StateRing(stepper, RING_STEPS) if keep_states and stop_rule else None
    ends: list[Start | None] = [None] * B
    for t in range(T):
        stepper.step()
        draw.draw(out[t])
        if not stop_rule:
            continue
        if ring is not None:
            ring.record(t)
        # argmax over positions 0..U picks U only when phi(U) beats every character; a window
        # so far past the end that phi underflows to 0 everywhere has passed it too
        lib.add(phi, beyond, out=masked)
        at[t] = masked.argmax(1)  # where the window reads: for the stop rule and the dwell
        past[t] = (at[t] >= lens_a) | (lib.amax(masked, 1) < UNDERFLOW)
        if (t + 1) % CHECK_EVERY == 0 or t + 1 == T:
            rows = slice(t0, t + 1)
            drawn = _host(out[rows])  # one copy to the host per scan on a device
            finished = tracker.update(_host(past[rows]), drawn[:, :, 2], t0, drawn[:, :, 0])
            if ring is not None:  # a line's end is decided within RING_STEPS of it
                for b, e in enumerate(tracker.end):
                    if e is not None and ends[b] is None:
                        ends[b] = Start(*ring.state(e, b))
            if finished:
                break
            t0 = t + 1
    out = _host(out)
    if not stop_rule:
        return [Drawn(out[:cap, b], False, 0) for b, cap in enumerate(caps)]
    at = _host(at)
    lines = []
    for b, (e, hit) in enumerate(zip(tracker.end, tracker.hit_cap)):
        read = e + 1 if tracker.passed[b] is None else min(tracker.passed[b], e + 1)
        end_at = int(lens_a[b])  # the characters before the last one the line writes
        counts = np.bincount(at[:read, b], minlength=end_at + 1)[:end_at - 1]
        lines.append(Drawn(out[:e + 1, b], hit, int(counts.max()) if len(counts) else 0,
                           ends[b], at[:e + 1, b] - head))
    return lines


def _encode(bundle: Bundle, texts: list[str], prime: Prime | None):
    """Each line's full text (after the priming text) and the ``(B, U + 1)`` character codes
    and mask, with one padded slot past the longest: the stop rule's position ``U``."""
    full = [f"{prime.text} {t}" if prime else t for t in texts]
    dev = _device(bundle)
    chars = torch.zeros(len(full), max(len(f) for f in full) + 1, dtype=torch.int64)
    char_mask = torch.zeros(chars.shape)
    for b, f in enumerate(full):
        chars[b, :len(f)] = torch.from_numpy(bundle.alphabet.encode(f))
        char_mask[b, :len(f)] = 1.0
    return full, chars.to(dev), char_mask.to(dev)


def _forced(bundle: Bundle, prime: Prime, chars: torch.Tensor, char_mask: torch.Tensor) -> Start:
    """The state after the network was teacher-forced over the sample, as in training."""
    seq = prime.offsets
    with torch.inference_mode():
        first = torch.tensor([START], device=seq.device, dtype=seq.dtype)
        x_in = torch.cat([first, seq[:-1]])[:, None].expand(-1, len(chars), -1).contiguous()
        _, _, state, _ = bundle.net(x_in, chars, char_mask)
    return Start(state, seq[-1].expand(len(chars), -1))


def starts(bundle: Bundle, texts: list[str], prime: Prime | None) -> Start:
    """Where each line begins: after the ``prime`` (teacher-forced), else the initial state."""
    if prime is not None:
        _, chars, char_mask = _encode(bundle, texts, prime)
        return _forced(bundle, prime, chars, char_mask)
    dev = _device(bundle)
    return Start(bundle.net.initial_state(len(texts), dev),
                 torch.tensor([START], device=dev).expand(len(texts), -1))


def _back(bundle: Bundle) -> float:
    """A move of zero in the bundle's normalised units: a ``dx`` below it goes back to the
    left (:class:`_StopTracker` keeps such a stroke after a word's last lift: a late cross)."""
    return -bundle.norm.mean[0] / bundle.norm.std[0]


def _ends_late(text: str) -> bool:
    """Whether the text's last word has a letter that writers often cross or dot after its
    body (:data:`DELAYED_LETTERS`): only then are strokes after the line's last lift kept."""
    words = text.split()
    return bool(words) and not DELAYED_LETTERS.isdisjoint(words[-1])


def _host(a) -> np.ndarray:
    return a if isinstance(a, np.ndarray) else a.cpu().numpy()


def _to_ink(bundle: Bundle, offsets: np.ndarray, *, primed: bool, **fields) -> Ink:
    offsets = bundle.norm.invert(offsets)
    if not primed:  # the first point anchors the line, as in training
        return convert.offsets_to_ink(offsets, **fields)
    # after a sample the first moves are pen-up (the sample's last stroke ended): drop them and
    # start at the first point of the new writing, or the jump would be drawn as a line
    k = 0
    while k < len(offsets) and offsets[k, 2] > 0.5:
        k += 1
    if k >= len(offsets):
        return Ink(strokes=[], **fields)
    start = offsets[:k + 1, :2].sum(0)
    return convert.offsets_to_ink(offsets[k + 1:], start=start, **fields)


def _meta(bias: float, seed: int, steps: int, hit_cap: bool, prime: Prime | None,
          candidates: int) -> dict:
    meta = {"bias": float(bias), "seed": seed, "steps": int(steps), "hit_cap": bool(hit_cap),
            "candidates": int(candidates)}
    if prime is not None:
        meta.update(prime_text=prime.text, prime_scale=prime.info["scale"],
                    prime_resampled=prime.info["resampled"])
    return meta


def text_margins(bundle: Bundle, texts: list[str], offsets: list[np.ndarray],
                 prime: Prime | None, rng: np.random.Generator) -> np.ndarray:
    """Per line: how many nats better its text explains its strokes ``offsets[r]`` than the best
    of :data:`CONTRASTS` random shuffles of that text does (the network teacher-forced, as in
    training; after a ``prime``, only the new points count). Higher is more legible."""
    dev = _device(bundle)
    pre = f"{prime.text} " if prime is not None else ""
    head = prime.offsets.cpu().numpy() if prime is not None else np.zeros((0, 3), np.float32)
    variants = []  # (line, text it is scored under): the text first, then its shuffles
    for r, text in enumerate(texts):
        variants.append((r, text))
        variants.extend((r, "".join(rng.permutation(list(text)))) for _ in range(CONTRASTS))
    examples = [Example(np.concatenate([head, offsets[r]]).astype(np.float32),
                        bundle.alphabet.encode(pre + text), None)  # type: ignore[arg-type]
                for r, text in variants]
    batches = [list(range(s, min(s + SCORE_ROWS, len(examples))))
               for s in range(0, len(examples), SCORE_ROWS)]
    nll = np.empty(len(variants))
    with torch.inference_mode():
        for idx, part, _ in line_nlls(bundle.net, examples, batches, device=dev,
                                      unscored=len(head)):  # the sample's own points: fed only
            nll[idx] = part.float().cpu().numpy()
    nll = nll.reshape(len(texts), 1 + CONTRASTS)
    return nll[:, 1:].min(1) - nll[:, 0]


def pick_score(bundle: Bundle, score: str | None) -> str:
    """``None``: the reader where the bundle has one, else the text margin."""
    if score is None:
        return "reader" if bundle.reader is not None else "margin"
    if score not in SCORES:
        raise WritesmoothError(f"unknown candidate score '{score}' (known: {', '.join(SCORES)})")
    if score == "reader" and bundle.reader is None:
        raise WritesmoothError("these weights have no reader to score candidates with "
                               "(use score='margin')")
    return score


def pick_search(bundle: Bundle, search: str | None, score: str) -> str:
    """``None``: word by word where candidates are read by the reader, else whole lines."""
    if search is None:
        return "words" if score == "reader" else "lines"
    if search not in SEARCHES:
        raise WritesmoothError(f"unknown search '{search}' (known: {', '.join(SEARCHES)})")
    if search == "words" and score != "reader":
        raise WritesmoothError("writing word by word needs the reader to pick each word "
                               "(these weights have none, or score='margin' was asked for)")
    return search


def _write(bundle: Bundle, texts: list[str], bias: float, seed: int, prime: Prime | None,
           max_batch: int, candidates: int | None, redraws: int | None = None,
           score: str | None = None, search: str | None = None) -> list[Ink]:
    if candidates is None:  # the text margin alone did not make lines more legible
        candidates = DEFAULT_CANDIDATES if bundle.reader is not None else 1
    redraws = REDRAWS if redraws is None else redraws
    score = pick_score(bundle, score)
    search = pick_search(bundle, search, score)
    if candidates < 1:
        raise WritesmoothError(f"candidates must be 1 or more, got {candidates}")
    if redraws < 0:
        raise WritesmoothError(f"redraws must be 0 or more, got {redraws}")
    generator = torch.Generator(device=_device(bundle)).manual_seed(seed)
    shuffles = np.random.default_rng(seed)
    result: list[Ink | None] = [None] * len(texts)
    todo = []
    for i, text in enumerate(texts):
        if text.strip():
            todo.append(i)
        else:  # an empty line keeps its place in the layout
            result[i] = Ink(strokes=[], text=text,
                            meta=_meta(bias, seed, 0, False, prime, candidates))
    per_batch = max(1, max_batch // candidates)  # lines per batch: each takes `candidates` rows

    def draw(lines: list[int]) -> None:
        for s in range(0, len(lines), per_batch):
            batch = lines[s:s + per_batch]
            rows = [texts[i] for i in batch for _ in range(candidates)]
            for i, ink in zip(batch, _best_of(bundle, rows, candidates, bias, seed, prime,
                                                generator, shuffles, score)):
                if result[i] is None or _preference(ink) > _preference(result[i]):
                    result[i] = ink

    if search == "words":
        from .search import write_by_words

        for a in range(0, len(todo), per_batch):
            batch = todo[a:a + per_batch]
            for i, ink in zip(batch, write_by_words(
                    bundle, [texts[i] for i in batch], candidates=candidates, bias=bias,
                    seed=seed, prime=prime, generator=generator, redraws=redraws)):
                result[i] = ink
        return result  # type: ignore[return-value]
    draw(todo)
    # A line the cap cut, or whose window stalled, lost its place in the text (a scribble):
    # draw it again, after every first draw, so that the other lines are the same without it.
    for attempt in range(1, redraws + 1):
        again = [i for i in todo if _redo(result[i])]  # type: ignore[arg-type]
        if not again:
            break
        draw(again)
        for i in again:
            result[i].meta["redraws"] = attempt  # type: ignore[union-attr]
    return result  # type: ignore[return-value]


def _best_of(bundle: Bundle, rows: list[str], candidates: int, bias: float, seed: int,
             prime: Prime | None, generator: torch.Generator,
             shuffles: np.random.Generator, score: str = "margin") -> list[Ink]:
    """``rows`` (each text ``candidates`` times in a row) sampled as one batch; per text the
    candidate :func:`_preference` puts first."""
    lines = draw_lines(bundle, rows, bias=bias, generator=generator, prime=prime)
    margins = None
    if candidates > 1 and score == "margin":
        with cpu_threads(None, _device(bundle)):  # small matmuls per step, as in sampling
            margins = text_margins(bundle, rows, [d.offsets for d in lines], prime, shuffles)
    inks = []
    for r, d in enumerate(lines):
        meta = _meta(bias, seed, len(d.offsets), d.hit_cap, prime, candidates)
        meta.update(dwell=d.dwell, stalled=d.stalled)
        if margins is not None:
            meta["text_margin"] = float(margins[r]) / len(rows[r])  # nats per character
        inks.append(_to_ink(bundle, d.offsets, primed=prime is not None, text=rows[r], meta=meta))
    if candidates > 1 and score == "reader":
        from .reader import read

        with cpu_threads(None, _device(bundle)):
            for ink, seen in zip(inks, read(bundle.reader, inks)):
                ink.meta.update(read=seen["read"], read_nll=seen["nll"])
    # the first of equals wins: reproducible
    return [max(inks[a:a + candidates], key=_preference) for a in range(0, len(rows), candidates)]


def rank(finished: bool, stalled: bool, quality: float,
         crossed: bool = True) -> tuple[bool, bool, bool, float]:
    """The order drawings are kept in (a line's, or a word's; the highest wins): one the window
    finished, with ink on it, before any the cap cut or that drew nothing; then one whose
    window did not stall; then (a word's) one whose ``x`` is crossed (``shapes.py``); among
    those the best ``quality``."""
    return finished, not stalled, crossed, quality


def _preference(ink: Ink) -> tuple[bool, bool, bool, float]:
    """:func:`rank` of a line; its quality is how surely the reader reads it as its text (the
    lowest ``read_nll``), or without a reader the highest text margin."""
    quality = (-ink.meta["read_nll"] if "read_nll" in ink.meta
               else ink.meta.get("text_margin", 0.0))
    return rank(not ink.meta["hit_cap"] and ink.n_points > 1, ink.meta.get("stalled", False),
                quality)


def _redo(ink: Ink) -> bool:
    """Whether a line is worth drawing again: its cap cut it, or its window stalled."""
    return bool(ink.meta["hit_cap"] or ink.meta.get("stalled"))


def write_lines(bundle: Bundle, texts: list[str], *, bias: float = DEFAULT_BIAS,
                seed: int | None = None, style: Ink | None = None, max_batch: int = MAX_BATCH,
                candidates: int | None = None, redraws: int | None = None,
                score: str | None = None, search: str | None = None) -> list[Ink]:
    """One ink per text, in training units. ``style`` primes every line with that sample so
    the text comes out in its hand; each line is the best of ``candidates`` samples
    (``None``: :data:`DEFAULT_CANDIDATES` with a reader, else 1) by ``score``
    (:func:`pick_score`); a line the step
    cap cut or whose window stalled is drawn again up to ``redraws`` times (``None``:
    :data:`REDRAWS`). Unknown characters raise, naming them."""
    _require_conditional(bundle)
    texts = [_one_line(t) for t in texts]
    prime = make_prime(bundle, style) if style is not None else None
    check_text(bundle, texts + ([prime.text] if prime else []))
    return _write(bundle, texts, bias, _seed(seed), prime, max_batch, candidates, redraws, score,
                  search)


def smooth_sample(bundle: Bundle, sample: Ink, *, bias: float = DEFAULT_BIAS,
                  seed: int | None = None, candidates: int | None = None,
                  redraws: int | None = None, score: str | None = None,
                  search: str | None = None) -> Ink:
    """``sample`` written again, neater: the network is primed with the sample and its text,
    then writes the same text once more (the best of ``candidates``); only that new writing
    is returned."""
    _require_conditional(bundle)
    check_sample(sample)
    text = _one_line(sample.text)
    check_text(bundle, [text])
    prime = make_prime(bundle, sample)
    return _write(bundle, [text], bias, _seed(seed), prime, MAX_BATCH, candidates, redraws,
                  score, search)[0]


def forced_windows(bundle: Bundle, inks: Sequence[Ink], *,
                   batch_size: int = 32) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Per line of real handwriting with its transcript: its offsets, un-normalised ``(T, 3)``,
    the text position the window read at each point (the network teacher-forced over the line
    as in training; the argmax over positions ``0..U``, as in :func:`draw_lines`), and its
    text. The shape check (``shapes.py``) runs on these as on drawn lines
    (``scripts/shape_calibration.py``). Lines the network cannot take are left out, as in
    :func:`batching.prepare`."""
    examples = prepare(inks, alphabet=bundle.alphabet, norm=bundle.norm,
                       conditional=True).examples
    with cpu_threads(None, _device(bundle)):
        found = windows(bundle.net, examples, batch_size=batch_size)
    return [(bundle.norm.invert(e.offsets), window, e.ink.text)
            for e, window in zip(examples, found)]


def stop_point(bundle: Bundle, offsets: np.ndarray, window: np.ndarray, text: str,
               stop: int) -> int:
    """How many of a line's points (``offsets`` un-normalised ``(T, 3)``, ``window`` per point,
    e.g. from :func:`forced_windows`) the stop rule of :func:`draw_lines` keeps when it ends
    the line at position ``stop`` of ``text`` (the space after a word, as the word search
    does): up to the first pen lift once the window reached it, with a late cross or dot;
    all of them if the window never did. Only the window's argmax counts here: drawing also
    ends a line whose ``phi`` underflowed everywhere, which :func:`forced_windows` does not
    return (a real line's window reaches its own text first)."""
    moves = bundle.norm.apply(offsets)
    tracker = _StopTracker([len(offsets)], _back(bundle), [_ends_late(text[:stop])])
    tracker.update((np.asarray(window) >= stop)[:, None], moves[:, None, 2], 0, moves[:, None, 0])
    return int(tracker.end[0]) + 1
