"""Writing text (Graves 2013, section 5) and smoothing a sample by priming (section 5.5).

Where the bundle has a reader, each line is written a word at a time, each word the reader's
pick of a few drawings, more only where they are needed (``search="words"``, ``search.py``), or
drawn whole as the best of ``candidates`` drawings (``search="lines"``, ``choose.py``). Lines
are drawn together as one batch (``draw.py``) and handed out in order, each as soon as it and
the lines before it are final. A whole line that the step cap cut, or whose window stalled (a
scribble in place), is drawn again with fresh noise, at most :data:`REDRAWS` times, after every
line's first draw, so the other lines do not change; the first draw that neither cut nor
stalled is kept (``meta["redraws"]``: how many were tried), and a line cut every time is kept as
cut. Weights without a reader write one drawing of each whole line. Every drawing's noise is a
stream named by the seed, the line and the drawing (``noise.py``), so a seed gives the same
writing however the lines are batched. What the user should be told about a line is in its
notices (:func:`writesmooth.add_notice`); docs/writing.md tells the whole story.
"""
from __future__ import annotations

import os
from typing import Iterator, Sequence

import torch

from writesmooth import DEFAULT_BIAS, Ink, WritesmoothError, add_notice, unknown_characters

from .choose import best, needs_redraw, preference, read_into_meta
from .draw import device, draw_lines, line_meta, to_ink
from .noise import KeyedNoise, LineSeeds, seed_of
from .priming import Prime, check_sample, make_prime, one_line
from .search import IN_FLIGHT, write_by_words
from .weights import Bundle

SEARCHES = ("words", "lines")  # what the candidates are: drawings of each word, or whole lines
MAX_BATCH = 64            # rows per batch (a line takes one per candidate); more run as several
DEFAULT_CANDIDATES = 16   # drawings of a word in each round after its first (or of a line)
                          # with a reader (docs/writing.md, "The search")
REDRAWS = 3               # at most this many more draws of a line (or rounds of a word) that
                          # went wrong (docs/writing.md, "Stalls, and drawing a line again")


def check_text(bundle: Bundle, texts: Sequence[str]) -> None:
    """Raise naming every character the model has no class for."""
    unknown = sorted({ch for t in texts for ch in bundle.alphabet.unknown_chars(t)})
    if unknown:
        raise unknown_characters(bundle.model, unknown)


def write_stream(bundle: Bundle, texts: list[str], *, bias: float = DEFAULT_BIAS,
                 seed: int | None = None, style: Ink | None = None,
                 candidates: int | None = None,
                 search: str | None = None) -> Iterator[tuple[int, Ink]]:
    """Yield ``(index, ink)`` (ink in training units) for each text in order, as soon as its
    line and those before it are final. ``style`` primes every line with that sample so the
    text comes out in its hand; with a reader, each word is the best of a few drawings, and of
    ``candidates`` more (default :data:`DEFAULT_CANDIDATES`) in each further round where it
    needs them (``search="words"``, the default), or each line the best of ``candidates``
    whole drawings (``search="lines"``); ``candidates=1`` writes each line's one drawing. The
    text and options are checked before this returns: unknown characters raise, naming
    them."""
    _require_conditional(bundle)
    texts = [one_line(t) for t in texts]
    prime = make_prime(style, bundle.norm, device(bundle)) if style is not None else None
    check_text(bundle, texts + ([prime.text] if prime else []))
    candidates, search = _choices(bundle, candidates, search)
    return _stream(bundle, texts, bias, _seed(seed), prime, candidates, search)


def write_lines(bundle: Bundle, texts: list[str], *, bias: float = DEFAULT_BIAS,
                seed: int | None = None, style: Ink | None = None,
                candidates: int | None = None, search: str | None = None) -> list[Ink]:
    """One ink per text, in order: :func:`write_stream` collected."""
    done = dict(write_stream(bundle, texts, bias=bias, seed=seed, style=style,
                             candidates=candidates, search=search))
    return [done[i] for i in range(len(texts))]


def smooth_sample(bundle: Bundle, sample: Ink, *, bias: float = DEFAULT_BIAS,
                  seed: int | None = None, candidates: int | None = None,
                  search: str | None = None) -> Ink:
    """``sample`` written again, neater: the network is primed with the sample and its text,
    then writes the same text once more (as :func:`write_stream` writes a line); only that new
    writing is returned."""
    _require_conditional(bundle)
    check_sample(sample)
    text = one_line(sample.text)
    check_text(bundle, [text])
    prime = make_prime(sample, bundle.norm, device(bundle))
    candidates, search = _choices(bundle, candidates, search)
    ((_, ink),) = _stream(bundle, [text], bias, _seed(seed), prime, candidates, search)
    return ink


def write_together(bundle: Bundle, jobs: Sequence[Sequence[str]], seeds: Sequence[int | None],
                   *, bias: float = DEFAULT_BIAS, style: Ink | None = None,
                   candidates: int | None = None, search: str | None = None,
                   width: int | None = None) -> Iterator[tuple[int, int, Ink]]:
    """The lines of several requests (``jobs[j]`` written with ``seeds[j]``) drawn as one
    batch, ``width`` lines at a time (default :func:`lines_at_once`); yield ``(j, i, ink)``
    for line ``i`` of job ``j`` as soon as it and the job's lines before it are final. Each
    line's noise streams are named by its own job's seed and its number in that job, so a job
    comes out as :func:`write_stream` writes it alone (the same drawings, equal to the rounding
    of products over batches of another size)."""
    _require_conditional(bundle)
    owner = [(j, i) for j, job in enumerate(jobs) for i in range(len(job))]
    texts = [one_line(jobs[j][i]) for j, i in owner]
    prime = make_prime(style, bundle.norm, device(bundle)) if style is not None else None
    check_text(bundle, texts + ([prime.text] if prime else []))
    candidates, search = _choices(bundle, candidates, search)
    drawn = [_seed(s) for s in seeds]
    lines = LineSeeds([drawn[j] for j, _ in owner], [i for _, i in owner])
    for k, ink in _stream(bundle, texts, bias, lines, prime, candidates, search,
                          groups=[j for j, _ in owner], width=width):
        yield owner[k][0], owner[k][1], ink


def _require_conditional(bundle: Bundle) -> None:
    if not bundle.config.conditional:
        raise WritesmoothError(f"model '{bundle.model}' is unconditional: it cannot write text")


def _seed(seed: int | None) -> int:
    # a random seed is still a seed: it is reported in meta so the output can be reproduced
    return int.from_bytes(os.urandom(4), "little") if seed is None else int(seed)


def _choices(bundle: Bundle, candidates: int | None, search: str | None) -> tuple[int, str]:
    """The candidates and search to use: with a reader, :data:`DEFAULT_CANDIDATES` and word
    by word unless asked otherwise; without one, one drawing of each whole line."""
    if search is not None and search not in SEARCHES:
        raise WritesmoothError(f"unknown search '{search}' (known: {', '.join(SEARCHES)})")
    if candidates is not None and candidates < 1:
        raise WritesmoothError(f"candidates must be 1 or more, got {candidates}")
    if bundle.reader is None:
        if (candidates or 1) > 1 or search == "words":
            raise WritesmoothError(
                f"the weights of model '{bundle.model}' have no reader to choose with: they "
                f"write one drawing of each whole line (leave out candidates and search)")
        return 1, "lines"
    return candidates or DEFAULT_CANDIDATES, search or "words"


def _stream(bundle: Bundle, texts: list[str], bias: float, seed: int | LineSeeds,
            prime: Prime | None, candidates: int, search: str, groups: list[int] | None = None,
            width: int | None = None) -> Iterator[tuple[int, Ink]]:
    """Every line as soon as it and the lines before it are final; with ``groups`` (a group
    number per line), the lines before it in its own group."""
    groups = groups or [0] * len(texts)
    todo = [i for i, text in enumerate(texts) if text.strip()]
    ready: dict[int, Ink] = {}
    for i, text in enumerate(texts):
        if not text.strip():  # an empty line keeps its place in the layout
            ready[i] = Ink(strokes=[], text=text,
                           meta=line_meta(bias, seed_of(seed, i), 0, False, prime, candidates))
    if search == "words":
        made = write_by_words(bundle, [texts[i] for i in todo], candidates=candidates,
                              bias=bias, seed=seed, prime=prime, redraws=REDRAWS,
                              width=width or lines_at_once(bundle, candidates), indices=todo)
    else:
        made = _by_lines(bundle, texts, todo, bias, seed, prime, candidates)
    queue: dict[int, list[int]] = {}  # per group, its lines in order
    for i, g in enumerate(groups):
        queue.setdefault(g, []).append(i)

    def flush() -> Iterator[tuple[int, Ink]]:
        for lines in queue.values():
            while lines and lines[0] in ready:
                i = lines.pop(0)
                yield i, ready.pop(i)

    yield from flush()
    for i, ink in made:
        add_line_notices(ink)
        ink.meta["seed"] = seed_of(seed, i)
        ready[i] = ink
        yield from flush()


def lines_at_once(bundle: Bundle, candidates: int) -> int:
    """Lines written at once: :data:`search.IN_FLIGHT` on the CPU, all elsewhere; so many that
    a round of ``candidates`` drawings of each fits in :data:`MAX_BATCH` rows."""
    lines = IN_FLIGHT if device(bundle).type == "cpu" else MAX_BATCH
    return max(1, min(lines, MAX_BATCH // candidates))


def _by_lines(bundle: Bundle, texts: list[str], todo: list[int], bias: float,
              seed: int | LineSeeds,
              prime: Prime | None, candidates: int) -> Iterator[tuple[int, Ink]]:
    """Each line of ``todo`` the best of ``candidates`` whole drawings, drawn again where it
    went wrong; yielded as each is final (not in order)."""
    per_batch = max(1, MAX_BATCH // candidates)  # lines per batch
    result: dict[int, Ink] = {}

    def draw(lines: list[int], attempt: int) -> Iterator[list[int]]:
        """Draw ``lines`` batch by batch, keeping each line's best draw so far in ``result``.
        The first drawing of a line's first attempt is its own noise stream; the rest have
        streams of their own (``noise.py``)."""
        for s in range(0, len(lines), per_batch):
            batch = lines[s:s + per_batch]
            keys = [(i,) if j == 0 and attempt == 0 else (i, attempt, j)
                    for i in batch for j in range(candidates)]
            noise = KeyedNoise(seed, keys, [0] * len(keys), bundle.config.mixtures,
                               device(bundle), torch.float32)
            rows = [texts[i] for i in batch for _ in range(candidates)]
            for i, ink in zip(batch, _best_of(bundle, rows, candidates, bias, seed, prime,
                                                noise)):
                if i not in result or preference(ink) > preference(result[i]):
                    result[i] = ink
            yield batch

    for batch in draw(todo, 0):
        yield from ((i, result[i]) for i in batch
                    if REDRAWS == 0 or not needs_redraw(result[i]))
    # drawn again after every first draw, so that the other lines are the same without it
    for attempt in range(1, REDRAWS + 1):
        again = [i for i in todo if needs_redraw(result[i])]
        if not again:
            break
        for batch in draw(again, attempt):
            for i in batch:
                result[i].meta["redraws"] = attempt
            yield from ((i, result[i]) for i in batch
                        if attempt == REDRAWS or not needs_redraw(result[i]))


def _best_of(bundle: Bundle, rows: list[str], candidates: int, bias: float,
             seed: int | LineSeeds,
             prime: Prime | None, noise: KeyedNoise) -> list[Ink]:
    """``rows`` (each text ``candidates`` times in a row) drawn as one batch; per text the
    candidate :func:`choose.preference` puts first."""
    inks = []
    for text, d in zip(rows, draw_lines(bundle, rows, bias=bias, noise=noise, prime=prime)):
        meta = line_meta(bias, seed, len(d.offsets), d.hit_cap, prime, candidates)
        meta.update(dwell=d.dwell, stalled=d.stalled)
        inks.append(to_ink(bundle, d.offsets, primed=prime is not None, window=d.window, text=text,
                          meta=meta))
    if candidates > 1:
        read_into_meta(bundle, inks)
    return best(inks, candidates)


def add_line_notices(ink: Ink) -> None:
    """Tell the user of a line the model could not finish (a line that came out empty the
    command line reports for any model)."""
    name = repr(ink.text[:40])
    tries = 1 + int(ink.meta.get("redraws") or 0)
    times = f" in all {tries} draws" if tries > 1 else ""
    if ink.meta.get("hit_cap"):
        add_notice(ink, f"line {name} reached the step cap ({ink.meta.get('steps')} points) "
                        f"before the model finished it{times}; it is cut there")
    elif ink.meta.get("stalled"):
        add_notice(ink, f"line {name} may hold a scribble: the model lost its place in it"
                        f"{times} (it stayed {ink.meta.get('dwell')} points on one letter)")
