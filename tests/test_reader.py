"""The reader (a CTC recogniser of ink) and its use in choosing among candidate lines: its
pieces, that it really learns to read, its weights files, the sampler keeping the candidate it
prefers, and ``writesmooth train/evaluate --model lstm-graves-reader`` end to end."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_sampler import tiny_bundle  # noqa: E402  (the tests folder is on sys.path)
from test_train_cli import data_args, dataset  # noqa: E402,F401  (the module's dataset fixture)
from writesmooth import Ink, TrainOptions, TrainRun, WritesmoothError  # noqa: E402
from writesmooth_lstm_graves import reader as rd  # noqa: E402
from writesmooth_lstm_graves import choose, writing  # noqa: E402
from writesmooth_lstm_graves.alphabet import Alphabet  # noqa: E402
from writesmooth_lstm_graves.convert import ink_to_offsets  # noqa: E402
from writesmooth_lstm_graves.reader_train import (augment, prepare_lines,  # noqa: E402
                                                  train_reader, validate)

SMALL = ["--set", "hidden=16", "--set", "channels=16", "--set", "layers=1"]


def tiny_reader(chars: str = "lo", seed: int = 0, **config) -> rd.Reader:
    torch.manual_seed(seed)
    alphabet = Alphabet(chars)
    cfg = rd.ReaderConfig(**{"channels": 16, "hidden": 16, "layers": 1, **config},
                          alphabet_size=len(alphabet))
    return rd.Reader(net=rd.ReaderNet(config=cfg).eval(), alphabet=alphabet, scale=(40.0, 40.0))


# --- pieces -------------------------------------------------------------------------------
def test_frames_is_the_length_the_convolutions_give():
    net = tiny_reader().net
    for points in range(1, 41):
        h = net.conv2(net.conv1(torch.zeros(1, 3, points)))
        assert h.shape[-1] == rd.frames(points) == int(rd.frames(torch.tensor(points)))


def test_a_reader_needs_an_lstm_layer():
    with pytest.raises(WritesmoothError, match="1 or more"):
        tiny_reader(layers=0)


def test_greedy_decoding_merges_repeats_and_drops_blanks():
    alphabet = Alphabet("ab")  # classes: 0 unknown, 1 a, 2 b; blank is 3
    path = [1, 1, 3, 1, 2, 2, 3, 3, 2, 1]  # a a _ a b b _ _ b a -> "aabba"
    logp = torch.full((len(path) + 2, 1, 4), -9.0)
    logp[torch.arange(len(path)), 0, torch.tensor(path)] = 0.0
    assert rd.greedy_decode(logp, torch.tensor([len(path)]), alphabet, blank=3) == ["aabba"]
    assert rd.greedy_decode(logp, torch.tensor([3]), alphabet, blank=3) == ["a"]


@pytest.mark.parametrize("a,b,d", [("", "", 0), ("fox", "fox", 0), ("for", "fox", 1),
                                   ("fo", "fox", 1), ("", "abc", 3), ("kitten", "sitting", 3)])
def test_edit_distance(a, b, d):
    assert rd.edit_distance(a, b) == d == rd.edit_distance(b, a)


def test_lines_too_short_for_their_text_or_without_text_are_skipped():
    alphabet = Alphabet("ab")
    line = lambda n, text: Ink(strokes=[np.c_[np.arange(n), np.zeros(n)].astype(float)], text=text)
    # 9 points give 8 offsets, 2 frames: room for "ab" but not for "aa" (a blank between)
    lines = prepare_lines([line(9, "ab"), line(9, "aa"), line(9, ""), line(1, "a")], alphabet)
    assert lines.texts == ["ab"] and lines.skipped == 3


def test_augment_is_a_linear_map_of_the_points_and_off_at_strength_0():
    rng = np.random.default_rng(0)
    off = rng.normal(size=(50, 3)).astype(np.float32)
    off[:, 2] = rng.random(50) < 0.1
    assert augment(off, rng, 0.0) is off
    out = augment(off, np.random.default_rng(1), 1.0)
    assert np.array_equal(out[:, 2], off[:, 2])
    m, *_ = np.linalg.lstsq(off[:, :2], out[:, :2], rcond=None)  # out = off @ m exactly
    assert np.allclose(off[:, :2] @ m, out[:, :2], atol=1e-4)
    assert not np.allclose(m, np.eye(2))


# --- it reads -------------------------------------------------------------------------------
GLYPHS = {"l": [(0, -30), (0, 0)], "o": [(0, 0), (8, -8), (0, -16), (-8, -8), (0, 0)],
          "v": [(-6, -14), (0, 0), (6, -14)]}


def glyph_line(text: str, rng: np.random.Generator) -> Ink:
    """One pen-down stroke per letter, densely sampled, letters side by side."""
    strokes, x = [], 0.0
    for ch in text:
        pts = np.array(GLYPHS[ch], float)
        dense = np.concatenate([np.linspace(a, b, 5, endpoint=False) for a, b in zip(pts, pts[1:])]
                               + [pts[-1:]])
        strokes.append(dense + [x + rng.normal(0, 1), rng.normal(0, 1)])
        x += 25
    return Ink(strokes=strokes, text=text)


def test_a_small_reader_learns_to_read_letters_it_was_taught(tmp_path):
    """Trained on random strings of three letter shapes, it reads new strings nearly right,
    and finds a line's own text far more likely than the same line read as another text; the
    run reports CTC nats per character as its loss, the error rate beside it."""
    rng = np.random.default_rng(0)
    words = lambda n: ["".join(rng.choice(list("lov"), rng.integers(2, 6))) for _ in range(n)]
    train = [glyph_line(w, rng) for w in words(192)]
    val = [glyph_line(w, rng) for w in words(48)]
    torch.manual_seed(0)
    opts = TrainOptions(out=tmp_path, epochs=12, batch_size=16, lr=1e-2, checkpoint_minutes=60,
                        overrides={"hidden": "24", "channels": "24", "layers": "1",
                                   "dropout": "0"})
    run = TrainRun(model_name="lstm-graves-reader", out=tmp_path, options=opts)
    result = train_reader("lstm-graves-reader", train, val, opts, run)
    assert result["val_cer"] < 0.1, result
    assert run.loss_unit == "nats per character" and len(run.history.batch_step) == 12 * 12
    best = min(run.history.epochs, key=lambda e: e.metrics["val_cer"])
    assert best.best and result["val_cer"] == best.metrics["val_cer"]
    assert result["val_nats_per_char"] == best.val_loss
    reader = rd.load_reader(tmp_path / "reader-best.pt")
    assert reader.meta["val_cer"] == result["val_cer"]
    lines = prepare_lines(val, reader.alphabet, reader.frames)
    assert validate(reader, lines)["cer"] == result["val_cer"]
    seen = rd.read(reader, val[:8])
    shift = str.maketrans("lov", "ovl")  # the same length, every letter another
    wrong = rd.read(reader, val[:8], texts=[w.text.translate(shift) for w in val[:8]])
    assert all(s["nll"] + 1.0 < w["nll"] for s, w in zip(seen, wrong))
    assert sum(s["read"] == ink.text for s, ink in zip(seen, val)) >= 6


def test_an_interrupted_run_resumes_to_the_same_weights(tmp_path, monkeypatch):
    """Stopped in the middle of an epoch (Ctrl-C: a checkpoint is written on the way out),
    then resumed: the result is bit for bit that of a run never stopped, dropout included, and
    the run's history goes on from the checkpoint's."""
    from writesmooth_lstm_graves import reader_train

    rng = np.random.default_rng(1)
    train = [glyph_line("".join(rng.choice(list("lov"), 3)), rng) for _ in range(40)]
    val = train[:8]

    def options(out, **kw):
        return TrainOptions(out=out, epochs=2, batch_size=8, checkpoint_minutes=60,
                            overrides={"hidden": "8", "channels": "8"}, **kw)

    train_reader("r", train, val, options(tmp_path / "whole"))
    calls = {"n": 0}
    real = reader_train.augment

    def stop_at_7(*args):
        calls["n"] += 1
        if calls["n"] > 7 * 8:  # eight lines a batch: the eighth batch is interrupted
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(reader_train, "augment", stop_at_7)
    with pytest.raises(KeyboardInterrupt):
        train_reader("r", train, val, options(tmp_path / "cut"))
    saved = torch.load(tmp_path / "cut" / "reader-checkpoint.pt", weights_only=True)
    assert (saved["progress"]["epoch"], saved["progress"]["batch"]) == (1, 2)  # 5 batches/epoch
    monkeypatch.setattr(reader_train, "augment", real)
    run = TrainRun(model_name="r", out=tmp_path / "cut", options=options(tmp_path / "cut",
                                                                         resume=True))
    train_reader("r", train, val, run.options, run)
    assert run.history.batch_step == list(range(1, 11))
    whole = torch.load(tmp_path / "whole" / "reader-checkpoint.pt", weights_only=True)
    cut = torch.load(tmp_path / "cut" / "reader-checkpoint.pt", weights_only=True)
    assert cut["progress"]["step"] == whole["progress"]["step"] == 10
    for name, value in whole["state_dict"].items():
        assert torch.equal(value, cut["state_dict"][name]), name


# --- weights files ------------------------------------------------------------------------
def test_reader_weights_round_trip_in_float16_without_pickle(tmp_path):
    r = tiny_reader()
    r.meta = {"epoch": 3}
    rd.save_reader(r, tmp_path / "r.pt", half=True)
    data = torch.load(tmp_path / "r.pt", weights_only=True)
    assert data["format"] == rd.FORMAT and data["state_dict"]["out.weight"].dtype == torch.float16
    back = rd.load_reader(tmp_path / "r.pt")
    assert back.alphabet == r.alphabet and back.scale == r.scale and back.meta == {"epoch": 3}
    ink = glyph_line("lol", np.random.default_rng(0))
    assert rd.read(back, [ink])[0]["nll"] == pytest.approx(rd.read(r, [ink])[0]["nll"], rel=1e-2)


def test_an_ensemble_scores_a_text_with_the_mean_of_its_members_nats(tmp_path):
    """Two readers trained apart (here: two random inits) read as one: a text's nats are the
    mean of the members' (not of their frame probabilities: their CTC spikes fall on different
    frames), its reading the first member's; saved and loaded back (float16) it reads the
    same."""
    a, b = tiny_reader(seed=1), tiny_reader(seed=2)
    a.meta, b.meta = {"seed": 1}, {"seed": 2}
    both = rd.ensemble([a, b])
    lines = [glyph_line(t, np.random.default_rng(3)) for t in ("lol", "ol")]
    ra, rb, re = rd.read(a, lines), rd.read(b, lines), rd.read(both, lines)
    assert [x["nll"] for x in ra] != pytest.approx([x["nll"] for x in rb], rel=1e-3)
    assert [x["nll"] for x in re] == pytest.approx([(p["nll"] + q["nll"]) / 2
                                                    for p, q in zip(ra, rb)], rel=1e-5)
    assert [x["read"] for x in re] == [x["read"] for x in ra]
    rd.save_reader(both, tmp_path / "e.pt", half=True)
    data = torch.load(tmp_path / "e.pt", weights_only=True)
    assert len(data["members"]) == 2 and "state_dict" not in data
    back = rd.load_reader(tmp_path / "e.pt")
    assert isinstance(back.net, rd.ReaderEnsemble) and back.meta == {"members": [{"seed": 1},
                                                                                  {"seed": 2}]}
    assert [x["nll"] for x in rd.read(back, lines)] == pytest.approx([x["nll"] for x in re],
                                                                      rel=1e-2)


def test_an_ensemble_read_in_threads_reads_as_one_member_after_the_other(monkeypatch):
    """The members read at once, each in a thread, where the CPU has cores to spare: the same
    readings and nats, to the bit, as one after the other, and no gradients kept."""
    both = rd.ensemble([tiny_reader(seed=1), tiny_reader(seed=2)])
    lines = [glyph_line(t, np.random.default_rng(4)) for t in ("lol", "ol", "lo")]
    seen = []
    real = rd.ReaderNet.forward

    def forward(net, x, lengths):
        seen.append(torch.is_grad_enabled())
        return real(net, x, lengths)

    monkeypatch.setattr(rd.ReaderNet, "forward", forward)
    monkeypatch.setattr(rd.os, "cpu_count", lambda: 2)
    threads = rd.read(both, lines)
    monkeypatch.setattr(rd.os, "cpu_count", lambda: 1)
    in_turn = rd.read(both, lines)
    assert threads == in_turn and seen == [False] * 4


def test_an_ensemble_may_join_readers_of_other_shapes(tmp_path):
    """Members of other sizes: the nats are still the mean, and the file keeps each member's
    config; an ensemble among the readers joined adds its members one by one."""
    small, big = tiny_reader(seed=1, hidden=8), tiny_reader(seed=2, channels=24, layers=2)
    small.meta, big.meta = {"seed": 1}, {"seed": 2}
    both = rd.ensemble([small, big])
    lines = [glyph_line(t, np.random.default_rng(4)) for t in ("lol", "lo")]
    rs, rb, re = rd.read(small, lines), rd.read(big, lines), rd.read(both, lines)
    assert [x["nll"] for x in re] == pytest.approx([(p["nll"] + q["nll"]) / 2
                                                    for p, q in zip(rs, rb)], rel=1e-5)
    assert [x["read"] for x in re] == [x["read"] for x in rs]
    rd.save_reader(both, tmp_path / "mixed.pt")
    back = rd.load_reader(tmp_path / "mixed.pt")
    assert [m.config.hidden for m in back.net.members] == [8, 16]
    assert back.net.members[1].config.layers == 2
    assert [x["nll"] for x in rd.read(back, lines)] == pytest.approx([x["nll"] for x in re],
                                                                      rel=1e-5)
    other = tiny_reader(seed=3)
    other.meta = {"seed": 3}
    three = rd.ensemble([rd.ensemble([small, other]), big])  # a bundled pair, and one more
    assert len(three.net.members) == 3
    assert three.meta == {"members": [{"seed": 1}, {"seed": 3}, {"seed": 2}]}


def test_an_ensemble_file_of_one_config_still_loads(tmp_path):
    """Ensemble files written before each member's config was kept hold one ``config``."""
    both = rd.ensemble([tiny_reader(seed=1), tiny_reader(seed=2)])
    data = rd.reader_dict(both)
    del data["configs"]
    torch.save(data, tmp_path / "old.pt")
    back = rd.load_reader(tmp_path / "old.pt")
    line = [glyph_line("lol", np.random.default_rng(5))]
    assert rd.read(back, line)[0]["nll"] == pytest.approx(rd.read(both, line)[0]["nll"],
                                                          rel=1e-5)


def test_readers_of_other_alphabets_make_no_ensemble():
    with pytest.raises(WritesmoothError, match="alphabet"):
        rd.ensemble([tiny_reader("lo"), tiny_reader("ol")])
    with pytest.raises(WritesmoothError, match="two readers"):
        rd.ensemble([tiny_reader()])


@pytest.mark.parametrize("content", [b"", b"not a torch file", None])
def test_a_bad_reader_file_is_one_error(tmp_path, content):
    path = tmp_path / "reader.pt"
    if content is None:  # a weights file of another kind
        torch.save({"format": "writesmooth-lstm-graves/1"}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(WritesmoothError, match="reader") as err:
        rd.load_reader(path)
    assert "\n" not in str(err.value)
    with pytest.raises(WritesmoothError, match="no such reader"):
        rd.load_reader(tmp_path / "missing.pt")


def test_an_empty_line_scores_infinite():
    r = tiny_reader()
    out = rd.read(r, [Ink(strokes=[], text="lo"), glyph_line("lo", np.random.default_rng(0))])
    assert out[0] == {"read": "", "nll": math.inf} and math.isfinite(out[1]["nll"])


# --- choosing among candidates -----------------------------------------------------------
def test_the_sampler_keeps_the_candidate_the_reader_reads_best(monkeypatch):
    bundle = tiny_bundle(kappa_bias=0.0)
    bundle.reader = tiny_reader(chars=bundle.alphabet.chars)
    scored: list[list[dict]] = []
    real_read = rd.read

    def spy(reader, inks, texts=None, batch_size=32):
        out = real_read(reader, inks, texts, batch_size)
        scored.append([dict(o, ink=ink) for o, ink in zip(out, inks)])
        return out

    monkeypatch.setattr(rd, "read", spy)
    monkeypatch.setattr(writing, "REDRAWS", 0)
    texts = ["hello", "a b"]  # whole lines (word by word: test_search.py)
    inks = writing.write_lines(bundle, texts, seed=3, candidates=4, search="lines")
    (rows,) = scored
    assert len(rows) == 8 and [r["ink"].text for r in rows] == ["hello"] * 4 + ["a b"] * 4
    for n, ink in enumerate(inks):
        group = rows[4 * n:4 * n + 4]
        assert ink.meta["read_nll"] == max(group, key=lambda r: choose.preference(r["ink"]))[
            "nll"]
        assert ink.meta["read"] in [r["read"] for r in group]
        ok = [r for r in group if not r["ink"].meta["hit_cap"] and not r["ink"].meta["stalled"]]
        if ok and not (ink.meta["hit_cap"] or ink.meta["stalled"]):
            assert ink.meta["read_nll"] == min(r["nll"] for r in ok)


def test_without_a_reader_there_are_no_candidates_to_choose_among():
    bundle = tiny_bundle(kappa_bias=0.0)
    with pytest.raises(WritesmoothError, match="no reader"):
        writing.write_lines(bundle, ["hello"], seed=3, candidates=2)


def test_one_whole_line_is_not_scored_and_is_the_same_with_or_without_a_reader(monkeypatch):
    monkeypatch.setattr(writing, "REDRAWS", 0)
    bundle = tiny_bundle(kappa_bias=0.0)
    (a,) = writing.write_lines(bundle, ["hello"], seed=5, candidates=1)
    bundle.reader = tiny_reader(chars=bundle.alphabet.chars)
    (b,) = writing.write_lines(bundle, ["hello"], seed=5, candidates=1, search="lines")
    assert "read_nll" not in b.meta
    assert all(np.array_equal(s, t) for s, t in zip(a.strokes, b.strokes))


# --- the command line ----------------------------------------------------------------------
def test_train_resume_and_evaluate_the_reader_from_the_command_line(run_cli, dataset, tmp_path):
    out = tmp_path / "runs"
    base = ["train", "--model", "lstm-graves-reader", *data_args(dataset), *SMALL,
            "--batch-size", "8", "--out", str(out)]
    args = [*base, "--epochs", "2"]
    first = run_cli(*args)
    assert first.code == 0, first.err
    assert "best validation character error rate" in first.out
    folder = out / "lstm-graves-reader"
    assert {p.name for p in folder.iterdir()} >= {"reader-best.pt", "reader-checkpoint.pt"}
    again = run_cli(*args)
    assert again.code == 2 and len(again.err_lines) == 1 and "--resume" in again.err
    other = run_cli(*base, "--epochs", "3", "--resume", "--batch-size", "4")
    assert other.code == 2 and "batch_size 8 -> 4" in other.err
    more = run_cli(*base, "--epochs", "3", "--resume")
    assert more.code == 0, more.err
    assert "resuming at epoch 3, batch 0" in more.out
    saved = torch.load(folder / "reader-checkpoint.pt", weights_only=True)
    assert saved["progress"]["epoch"] == 3 and len(saved["history"]["epochs"]) == 3
    ev = run_cli("evaluate", "--model", "lstm-graves-reader", "--weights",
                 folder / "reader-best.pt", *data_args(dataset), "--json")
    assert ev.code == 0, ev.err
    figures = json.loads(ev.out)
    assert 0 <= figures["cer"] <= 1.5 and figures["lines"] == 8 and figures["chars"] > 0
    table = run_cli("evaluate", "--model", "lstm-graves-reader", "--weights",
                    folder / "reader-best.pt", *data_args(dataset))
    assert "character error rate" in table.out and "Graves" not in table.out


def test_a_corrupt_reader_weights_file_exits_2_with_one_line(run_cli, dataset, tmp_path):
    bad = tmp_path / "reader.pt"
    bad.write_bytes(b"\x00garbage")
    res = run_cli("evaluate", "--model", "lstm-graves-reader", "--weights", bad,
                  *data_args(dataset))
    assert res.code == 2 and len(res.err_lines) == 1 and "reader weights file" in res.err


def test_an_unknown_reader_config_field_exits_2(run_cli, dataset, tmp_path):
    res = run_cli("train", "--model", "lstm-graves-reader", *data_args(dataset),
                  "--set", "hiden=3", "--out", tmp_path)
    assert res.code == 2 and "unknown config field 'hiden'" in res.err and "hidden" in res.err


def test_with_a_reader_a_line_is_the_best_of_the_default_candidates_without_one_a_single_sample(
        monkeypatch):
    monkeypatch.setattr(writing, "REDRAWS", 0)
    bundle = tiny_bundle(kappa_bias=0.0)
    (plain,) = writing.write_lines(bundle, ["hello"], seed=2)
    assert plain.meta["candidates"] == 1 and "read_nll" not in plain.meta
    bundle.reader = tiny_reader(chars=bundle.alphabet.chars)
    (read,) = writing.write_lines(bundle, ["hello"], seed=2)
    assert read.meta["candidates"] == writing.DEFAULT_CANDIDATES > 1 and "read_nll" in read.meta
