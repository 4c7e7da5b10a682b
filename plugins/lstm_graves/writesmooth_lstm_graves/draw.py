"""Drawing a batch of lines (Graves 2013, section 5): one :class:`FastStepper` step and one
biased draw per time step for every row at once, each row ended by the stop rule (``stop.py``).

A row may stop at a position inside its text instead of its end (``stops``: the space after a
word) and go on from a state kept where an earlier drawing ended (``start``, ``keep_states``):
the word search (``search.py``) draws a line that way, a word at a time.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from writesmooth import POSITIONS, Ink

from . import convert
from .fast_step import FastStepper, MixtureSampler, StateRing
from .network import State
from .noise import KeyedNoise
from .priming import Prime
from .stop import DELAYED_POINTS, UNDERFLOW, StopTracker, ends_late, step_cap, zero_move
from .weights import Bundle

CHECK_EVERY = 16          # steps between checks that every line is finished (a host sync)
# CPU threads while sampling. A step is a few small matrix-vector products, so a second thread
# gains little, and when another process keeps a core busy, OpenMP threads waiting for each other
# at every operator made steps 15-60 times slower on a 2-core machine (benchmarks/bench_write.py)
SAMPLING_THREADS = 1
START = (0.0, 0.0, 1.0)   # the input before the first point, as in training
STALL_STEPS = 80          # a window on one character (not the last) longer has stalled: 97 % of
                          # real lines stay at or under 80 (docs/writing.md, "Stalls")
# steps of state kept per row while drawing a word: a line's end is decided at most one scan
# (CHECK_EVERY) after its last delayed stroke ran to DELAYED_POINTS, plus one scan of slack
RING_STEPS = 2 * CHECK_EVERY + DELAYED_POINTS + 2
# points the attention window moves on to the next character before the pen has finished a
# letter joined to it: the tail of an "o" or a "q" read with the letter after it (drawn coloured
# by position, four points puts the tails of joined letters with their own)
WINDOW_LEAD = 4


def device(bundle: Bundle) -> torch.device:
    return next(bundle.net.parameters()).device


@contextmanager
def cpu_threads(n: int | None, on: torch.device):
    """Run with ``n`` intra-op threads on the CPU (``None``: :data:`SAMPLING_THREADS`)."""
    if on.type != "cpu":
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n or SAMPLING_THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(old)


@dataclass
class Start:
    """Where to go on from: the recurrent state (``B`` rows, or one) and the next input."""

    state: State
    input: torch.Tensor


@dataclass
class Drawn:
    """One drawn line: normalised offsets ``(T, 3)`` (without the priming), whether its cap
    cut it, and ``dwell``, the most steps the window (the argmax of ``phi``) spent on any one
    character but the last before it passed the end: above :data:`STALL_STEPS` the window
    has stalled and the pen scribbles on in place."""

    offsets: np.ndarray
    hit_cap: bool
    dwell: int
    end: Start | None = None  # with ``keep_states``: the state to go on from
    window: np.ndarray | None = None  # per point, the text position the window read (argmax
                                      # of ``phi``) as it drew it; ``stop_rule=False``: None

    @property
    def stalled(self) -> bool:
        return self.dwell > STALL_STEPS


def encode(bundle: Bundle, texts: list[str], prime: Prime | None):
    """Each line's full text (after the priming text) and the ``(B, U + 1)`` character codes
    and mask, with one padded slot past the longest: the stop rule's position ``U``."""
    full = [f"{prime.text} {t}" if prime else t for t in texts]
    chars = torch.zeros(len(full), max(len(f) for f in full) + 1, dtype=torch.int64)
    char_mask = torch.zeros(chars.shape)
    for b, f in enumerate(full):
        chars[b, :len(f)] = torch.from_numpy(bundle.alphabet.encode(f))
        char_mask[b, :len(f)] = 1.0
    dev = device(bundle)
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
        _, chars, char_mask = encode(bundle, texts, prime)
        return _forced(bundle, prime, chars, char_mask)
    dev = device(bundle)
    return Start(bundle.net.initial_state(len(texts), dev),
                 torch.tensor([START], device=dev).expand(len(texts), -1))


def _host(a) -> np.ndarray:
    return a if isinstance(a, np.ndarray) else a.cpu().numpy()


def draw_lines(bundle: Bundle, texts: list[str], *, bias: float,
               generator: torch.Generator | None = None, noise: KeyedNoise | None = None,
               prime: Prime | None = None, stop_rule: bool = True, caps: list[int] | None = None,
               use_numpy: bool | None = None, threads: int | None = None,
               stops: list[int] | None = None, start: Start | None = None,
               keep_states: bool = False) -> list[Drawn]:
    """Draw one line per text, all at once (:class:`Drawn`), with the noise of ``generator``
    or of ``noise`` (each row its own stream: ``noise.py``). ``caps`` (per line; default
    :func:`stop.step_cap` of its length) bounds its points; ``stop_rule=False`` runs every
    line to its cap (benchmarks); ``threads`` overrides :data:`SAMPLING_THREADS`; ``use_numpy``
    picks :class:`FastStepper`'s path. ``stops`` (per line, a position in its text; default its
    length) ends a line once the window passes that position instead of the text's end:
    ``stops[b]`` at the space after a word ends the line after that word, with the network
    still seeing the words that follow it. ``start`` (every row's state and next input) goes on
    from there instead of from the beginning or the ``prime`` (whose text still comes first);
    ``keep_states`` returns each line's state where it ended (``Drawn.end``), to go on from."""
    with cpu_threads(threads, device(bundle)):
        return _draw(bundle, texts, bias, generator if noise is None else noise, prime,
                     stop_rule, caps, use_numpy, stops, start, keep_states)


def _draw(bundle: Bundle, texts: list[str], bias: float,
          noise: torch.Generator | KeyedNoise | None,
          prime: Prime | None, stop_rule: bool, caps: list[int] | None, use_numpy: bool | None,
          stops: list[int] | None, start: Start | None, keep_states: bool) -> list[Drawn]:
    net, dev = bundle.net, device(bundle)
    full, chars, char_mask = encode(bundle, texts, prime)
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
    if noise is None:
        raise ValueError("draw_lines needs a generator or keyed noise")
    draw = MixtureSampler(stepper, bundle.config.mixtures, bias, noise)
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
    tracker = StopTracker(caps, zero_move(bundle.norm),
                          [ends_late(t[:n]) for t, n in zip(texts, stops)])
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


def to_ink(bundle: Bundle, offsets: np.ndarray, *, primed: bool,
           window: np.ndarray | None = None, **fields) -> Ink:
    """Drawn normalised offsets as ink in training units; ``primed``: drawn on from earlier
    writing (a sample, or the words before), so the pen-up moves it starts with are dropped.
    With ``window`` (per offset, the text position the window read: :attr:`Drawn.window`),
    each point's position is recorded in ``meta[POSITIONS]`` (capability ``"positions"``)."""
    offsets = bundle.norm.invert(offsets)
    k = 0
    if primed:
        # the first moves are pen-up (the writing before ended a stroke): drop them and start
        # at the first point of the new writing, or the jump would be drawn as a line
        while k < len(offsets) and offsets[k, 2] > 0.5:
            k += 1
        if k >= len(offsets):
            return Ink(strokes=[], **fields)
        ink = convert.offsets_to_ink(offsets[k + 1:], start=offsets[:k + 1, :2].sum(0),
                                     **fields)
    else:  # the first point anchors the line, as in training
        ink = convert.offsets_to_ink(offsets, **fields)
    if window is not None and len(window) == len(offsets):
        # a point is where the offset leading to it ends; the anchor reads as the first move
        at = window[k:] if primed else np.concatenate([window[:1], window])
        ink.meta[POSITIONS] = np.clip(pen_positions(at, ink), 0, len(ink.text)).astype(np.int32)
    return ink


def pen_positions(window: np.ndarray, ink: Ink) -> np.ndarray:
    """The character the pen was writing at each point: within a stroke, the window read
    :data:`WINDOW_LEAD` points earlier (it moves on before the pen has finished a letter that
    joins the next); a stroke's first points keep their own (after a lift, a new letter)."""
    out = np.asarray(window).copy()
    start = 0
    for stroke in ink.strokes:
        n = len(stroke)
        out[start:start + n] = window[start + np.maximum(np.arange(n) - WINDOW_LEAD, 0)]
        start += n
    return out


def line_meta(bias: float, seed: int, steps: int, hit_cap: bool, prime: Prime | None,
              candidates: int) -> dict:
    """What a written line records of how it was drawn."""
    meta = {"bias": float(bias), "seed": seed, "steps": int(steps), "hit_cap": bool(hit_cap),
            "candidates": int(candidates)}
    if prime is not None:
        meta.update(prime_text=prime.text, prime_scale=prime.info["scale"],
                    prime_resampled=prime.info["resampled"])
    return meta
