"""Writing a line a word at a time, each word the reader's pick of a few drawings, more only
where they are needed.

The best of several whole lines needs one drawing with *every* word right; with a nine-word line
and letters the network gets right one time in two to six (the `s` of "jumps", the `x` of
"fox"), even the best of sixteen seldom has them all. Here each word is drawn from where the
line so far ended, the drawing the reader reads best is kept, and the next word goes on from the
state that drawing ended in. Most words come out right at once, so a word's first round is
:data:`FIRST_CANDIDATES` drawings, and it is kept then only when the reader reads it right
*surely* (its nats per character, alone and with the word before, at most :data:`SURE_NLL`);
otherwise ``candidates`` more are drawn and the best of all is judged as usual. The first of a
word's first drawings comes from the line's own noise stream at the point where the word starts
(``noise.py``), so with one candidate the words put end to end are the one drawing of the whole
line, and every other drawing is extra.

A word ends by the line's own stop rule moved to the space after it (``stops`` in
:func:`draw.draw_lines`): the window passing that space, then the next pen lift, keeping a
late cross or dot. The network still sees the whole text, so the words join and space as in a
line drawn at once. The state after the kept drawing's last point comes from
:class:`fast_step.StateRing`, so nothing is drawn or fed twice.

Each drawing is read alone, as its word, and together with the word kept before it, as the two
words (which sees a lost space), all drawings of a round in one batch of the reader; the lowest
sum of the two losses wins, after drawings whose ``x`` is crossed (``shapes.py``: the reader
cannot tell a hook from an ``x``, so a shape check judges that letter instead of the reader).
A word whose best drawing still reads as something else (but for its ``x``), or that the step
cap cut, whose window stalled or whose ``x`` is not crossed, is drawn again, up to ``redraws``
more rounds; then the word before it is drawn again, and this one after it, at most
:data:`BACKTRACKS` times a line (docs/writing.md, "Word by word"). What is wrong with a word
kept all the same is recorded in ``meta["word_troubles"]``. A finished line is read whole too;
one the reader reads other than its text (what no word alone or pair showed: a space lost, a
colon read as a full stop) is written again from the first word it reads wrong, at most
:data:`REREADS` times.

The lines of a text are written :data:`IN_FLIGHT` at a time on the CPU, every drawing of every
word in flight stepped together as one batch, and handed out as they are done (``writing.py``
puts them in order): more lines at once cost a CPU almost as much more per step, and the first
line would come later.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import torch

from writesmooth import Ink

from . import choose
from .draw import Drawn, Start, device, draw_lines, line_meta, starts, to_ink
from .network import State
from .noise import KeyedNoise, LineSeeds
from .priming import Prime
from .shapes import CROSSED, reads_as, uncrossed
from .stop import step_cap
from .weights import Bundle

BACKTRACKS = 2  # per line: a word no drawing of which reads right has the word before it drawn
                # again (then itself) at most this many times
FIRST_CANDIDATES = 4  # drawings of a word in its first round (docs/writing.md, "The search")
SURE_NLL = 0.3        # ... kept then only if read right with at most these nats per character
IN_FLIGHT = 2         # lines written at once on the CPU (on other devices: every line)
REREADS = 1           # a line read whole other than its text is written again from the first
                      # word it reads wrong at most this many times


def word_ends(text: str) -> list[int]:
    """The position just past each word of a one-line ``text``: the space after it, or the
    text's end."""
    ends, at = [], 0
    for word in text.split(" "):
        at += len(word)
        if word:
            ends.append(at)
        at += 1
    return ends


@dataclass(eq=False)
class _Line:
    """One line being written: its number in the text (which names its noise streams), its
    text, word ends, the words kept so far (each a :class:`draw.Drawn`, the reader's reading,
    and the notice it leaves, if any) and the search for the next one."""

    index: int
    text: str
    ends: list[int]
    first: Start                        # where its first word starts from
    kept: list[tuple] = field(default_factory=list)  # per word: (Drawn, reading, trouble)
    best: tuple | None = None           # the next word's best drawing: (preference, Drawn, reading)
    rounds: int = 0                     # rounds of drawings of the next word so far
    drawings: int = 0                   # drawings of the next word so far
    backtracks: int = 0
    rereads: int = 0                    # times the whole line read wrong and was written again
    redraws: int = 0                    # the most rounds any word took, less one

    @property
    def w(self) -> int:
        return len(self.kept)

    @property
    def done(self) -> bool:
        return self.w == len(self.ends)

    @property
    def start(self) -> Start:
        return self.kept[-1][0].end if self.kept else self.first

    @property
    def last(self) -> np.ndarray:
        return self.kept[-1][0].offsets

    @property
    def points(self) -> int:
        return sum(len(k[0].offsets) for k in self.kept)

    def pair(self, w: int) -> str:
        return f"{self.word(w - 1)} {self.word(w)}" if w else self.word(w)

    def word(self, w: int) -> str:
        begin = self.ends[w - 1] + 1 if w else 0
        return self.text[begin:self.ends[w]]

    def streams(self, n: int) -> list[tuple[tuple[int, ...], int]]:
        """The noise streams of this round's ``n`` drawings, each ``(key, first point)``: the
        first drawing of a word's first round (before any backtrack) goes on with the line's own
        stream where the line so far ends; every other drawing has a stream of its own."""
        own = self.rounds == 0 and self.backtracks == 0 and self.rereads == 0
        return [((self.index,), self.points) if j == 0 and own else
                ((self.index, self.w, self.backtracks, self.rereads, self.rounds, j), 0)
                for j in range(n)]

    def keep(self, notice: str | None = None) -> None:
        _, drawn, reading = self.best
        self.kept.append((drawn, reading, notice))
        self.redraws = max(self.redraws, self.rounds - 1)
        self.best, self.rounds, self.drawings = None, 0, 0

    def reread(self, reading: str) -> bool:
        """After the whole line is written: if the reader reads it, whole, other than its text
        (a space lost between two words, a colon read as a full stop, which each word read
        alone and in its pair did not show), give up the words from the first one it reads
        wrong, to be written again; True if so. At most :data:`REREADS` times a line."""
        words = [self.word(w) for w in range(len(self.ends))]
        got = reading.split(" ")
        if got == words or self.rereads >= REREADS:
            return False
        first = next((w for w, (a, b) in enumerate(zip(words, got)) if a != b),
                     min(len(words), len(got)))
        del self.kept[min(first, len(self.kept) - 1):]
        self.rereads += 1
        self.best, self.rounds, self.drawings = None, 0, 0
        return True

    def back(self) -> None:
        """Give up the word kept last: it is drawn again, then this one."""
        self.kept.pop()
        self.backtracks += 1
        self.best, self.rounds, self.drawings = None, 0, 0


def _row(start: Start, b: int) -> Start:
    st = start.state
    return Start(State([h[b:b + 1] for h in st.h], [c[b:b + 1] for c in st.c],
                       st.kappa[b:b + 1], st.w[b:b + 1]), start.input[b])


def _stack(rows: list[Start]) -> Start:
    first = rows[0].state
    return Start(State([torch.cat([s.state.h[j] for s in rows]) for j in range(len(first.h))],
                       [torch.cat([s.state.c[j] for s in rows]) for j in range(len(first.c))],
                       torch.cat([s.state.kappa for s in rows]),
                       torch.cat([s.state.w for s in rows])),
                 torch.stack([s.input for s in rows]))


def _read_words(bundle: Bundle, rows: list[_Line], drawn: list[Drawn],
                primed: bool) -> list[dict]:
    """Per drawing of its line's next word: the reader's reading of it alone, and its nats
    per character as that word plus, after the first word, as the two words "word kept last"
    "this word" read together, which sees a space too narrow or too wide (``"pair"``: what the
    reader read there). Every drawing is read in one batch."""
    alone = [to_ink(bundle, d.offsets, primed=primed or line.w > 0, text=line.word(line.w))
             for line, d in zip(rows, drawn)]
    two = [r for r, line in enumerate(rows) if line.w]
    pairs = [to_ink(bundle, np.concatenate([rows[r].last, drawn[r].offsets]), primed=True,
                    text=rows[r].pair(rows[r].w)) for r in two]
    seen = choose.read(bundle, alone + pairs)
    for r, both in zip(two, seen[len(alone):]):
        seen[r]["nll"] += both["nll"]
        seen[r]["pair"] = both["read"]
    return seen[:len(alone)]


def _crossed(line: _Line, drawn: Drawn, bundle: Bundle) -> bool:
    """Whether each letter of :data:`shapes.CROSSED` in a drawing of ``line``'s next word is
    drawn crossed (the reader cannot tell a hook from an ``x``: ``shapes.py``)."""
    word, end = line.word(line.w), line.ends[line.w]
    return CROSSED.isdisjoint(word) or uncrossed(
        bundle.norm.invert(drawn.offsets), drawn.window, line.text, end - len(word), end) == 0


def _good(line: _Line) -> bool:
    """Whether the next word's best drawing so far will do: it ranks first on the three counts
    of :func:`choose.rank` (the window finished it without the cap, did not stall, and its
    ``x`` is crossed), and the reader reads it as the word alone and as the word before, a
    space and this word together; the shape check, not the reader, judges an ``x``."""
    pref, _, seen = line.best
    word, pair = line.word(line.w), line.pair(line.w)
    return all(pref[:3]) and reads_as(seen["read"], word) and reads_as(seen.get("pair", pair),
                                                                       pair)


def _sure(line: _Line) -> bool:
    """Whether the next word's best drawing will do at once (:func:`_good`, with a margin)."""
    return _good(line) and line.best[2]["nll"] <= SURE_NLL


def _trouble(line: _Line) -> str:
    """The description of a word kept though no drawing of it came out right: what is wrong with
    the best one."""
    (finished, calm, crossed, _), drawn, seen = line.best
    word, pair = line.word(line.w), line.pair(line.w)
    why = []
    if not finished:
        why.append("the step cap cut it" if drawn.hit_cap else "it came out empty")
    if not calm:
        why.append("the model lost its place in it")
    if not reads_as(seen["read"], word):
        why.append(f"the reader reads it as {seen['read']!r}")
    elif not reads_as(seen.get("pair", pair), pair):
        why.append(f"it runs into the word before it (the two read as {seen['pair']!r})")
    if not crossed:
        why.append("its x is not crossed")
    return (f"word {word!r} in line {line.text[:40]!r} did not come out right in "
            f"{line.drawings} drawings; the best one is kept: {', '.join(why)}")


def write_by_words(bundle: Bundle, texts: list[str], *, candidates: int, bias: float,
                   seed: "int | LineSeeds",
                   prime: Prime | None, redraws: int, width: int = IN_FLIGHT,
                   indices: list[int] | None = None) -> Iterator[tuple[int, Ink]]:
    """Yield ``(indices[b], ink)`` for each (non-empty, one-line) ``texts[b]`` as soon as it is
    done, written word by word (the module doc), the first ``width`` unfinished lines at a
    time. ``indices`` (default ``0..``) number the lines, naming their noise streams. With one
    candidate, each word is drawn once and kept: the line is its one drawing."""
    first = starts(bundle, texts, prime)
    indices = list(range(len(texts))) if indices is None else indices
    lines = [_Line(i, t, word_ends(t), _row(first, b))
             for b, (i, t) in enumerate(zip(indices, texts))]
    primed, single = prime is not None, candidates == 1
    while todo := [line for line in lines if not line.done][:width]:
        counts = [min(FIRST_CANDIDATES, candidates) if line.rounds == 0 else candidates
                  for line in todo]
        rows = [line for line, n in zip(todo, counts) for _ in range(n)]
        streams = [s for line, n in zip(todo, counts) for s in line.streams(n)]
        drawn = draw_lines(
            bundle, [line.text for line in rows], bias=bias, prime=prime,
            noise=KeyedNoise(seed, [k for k, _ in streams], [p for _, p in streams],
                             bundle.config.mixtures, device(bundle), torch.float32),
            stops=[line.ends[line.w] for line in rows],
            caps=[step_cap(len(line.word(line.w))) for line in rows],
            start=_stack([line.start for line in rows]), keep_states=True)
        seen = _read_words(bundle, rows, drawn, primed)
        for line, d, reading in zip(rows, drawn, seen):
            reading["crossed"] = _crossed(line, d, bundle)
            pref = choose.rank(not d.hit_cap and len(d.offsets) > 1, d.stalled, -reading["nll"],
                               reading["crossed"])
            line.drawings += 1
            if line.best is None or pref > line.best[0]:  # the first of equals wins
                line.best = (pref, d, reading)
        for line in todo:
            line.rounds += 1
            if single or (_good(line) if line.rounds > 1 else _sure(line)):
                line.keep()
            elif line.rounds <= redraws:
                continue  # another round of drawings of this word
            elif line.w and line.backtracks < BACKTRACKS:
                line.back()
            else:
                line.keep(_trouble(line))  # the best there is
        finished = [line for line in todo if line.done]
        inks = [_ink(bundle, line, bias, seed, prime, candidates) for line in finished]
        if inks:
            choose.read_into_meta(bundle, inks)
        if not single:
            again = [line.reread(ink.meta["read"]) for line, ink in zip(finished, inks)]
            finished = [line for line, a in zip(finished, again) if not a]
            inks = [ink for ink, a in zip(inks, again) if not a]
        yield from ((line.index, ink) for line, ink in zip(finished, inks))


def _ink(bundle: Bundle, line: _Line, bias: float, seed: "int | LineSeeds", prime: Prime | None,
         candidates: int) -> Ink:
    """A line whose every word is kept, as ink, with what the search did in its meta."""
    kept = [d for d, _, _ in line.kept]
    meta = line_meta(bias, seed, sum(len(d.offsets) for d in kept),
                     any(d.hit_cap for d in kept), prime, candidates)
    meta.update(dwell=max(d.dwell for d in kept), stalled=any(d.stalled for d in kept),
                search="words",
                words=[{k: r[k] for k in ("read", "nll", "crossed")} for _, r, _ in line.kept],
                backtracks=line.backtracks, rereads=line.rereads)
    if line.redraws:
        meta["redraws"] = line.redraws
    offsets = np.concatenate([d.offsets for d in kept])
    # Kept as data, not told: the reader misjudges some words in a hand it was not trained on
    # (a primed sample), so a word it reads wrong is no sure sign of a bad word.
    troubles = [notice for _, _, notice in line.kept if notice]
    if troubles:
        meta["word_troubles"] = troubles
    window = np.concatenate([d.window for d in kept])
    return to_ink(bundle, offsets, primed=prime is not None, window=window, text=line.text,
                  meta=meta)
