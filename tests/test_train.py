"""The trainer in-process, on small inks made here: batching, schedule, outputs, exact resume,
non-finite batches, clear errors, events for the visual listeners."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from writesmooth import Ink, TrainOptions, TrainRun, WritesmoothError, hookimpl  # noqa: E402
from writesmooth_lstm_graves import trainer as trainer_mod  # noqa: E402
from writesmooth_lstm_graves.batching import (START, collate, epoch_batches, prepare,  # noqa: E402
                                              shard)
from writesmooth_lstm_graves.alphabet import Alphabet  # noqa: E402
from writesmooth_lstm_graves.convert import Normaliser, ink_to_offsets  # noqa: E402
from writesmooth_lstm_graves.models import LstmGraves, LstmGravesUncond  # noqa: E402
from writesmooth_lstm_graves.schedule import Shape, lr_factor  # noqa: E402
from writesmooth_lstm_graves.trainer import train_model  # noqa: E402

TINY = {"hidden": "16", "mixtures": "3", "window": "3", "min_char_count": "1"}
LETTERS = "abcdefgh"


def glyph(ch: str, x0: float, rng) -> np.ndarray:
    """A letter-specific loop: each character has its own size and turn, plus a little noise."""
    k = LETTERS.index(ch) if ch in LETTERS else 0
    t = np.linspace(0.0, 2 * np.pi * (0.6 + 0.1 * k), 6 + k)
    r = 8.0 + 2.0 * k
    pts = np.stack([x0 + r * (1 - np.cos(t)) + 3 * t, -r * np.sin(t)], axis=1)
    return (pts + rng.normal(0, 0.4, pts.shape)).astype(np.float32)


def fake_inks(n: int, seed: int = 0, words: int = 2) -> list[Ink]:
    """``n`` lines of ``words`` words, one stroke per letter, in the IAM naming scheme."""
    rng = np.random.default_rng(seed)
    inks = []
    for i in range(n):
        text = " ".join("".join(rng.choice(list(LETTERS), size=rng.integers(2, 5)))
                        for _ in range(words))
        strokes, x = [], 0.0
        for ch in text:
            if ch == " ":
                x += 25.0
                continue
            s = glyph(ch, x, rng)
            strokes.append(s)
            x = float(s[:, 0].max()) + 6.0
        form = f"a0{seed % 10}-{i // 8:03d}"
        inks.append(Ink(strokes=strokes, text=text, id=f"{form}-{i % 8 + 1:02d}",
                        meta={"form": form}))
    return inks


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only add synchronisation
    yield
    torch.set_num_threads(before)


def options(tmp_path, **kw) -> TrainOptions:
    base = dict(out=tmp_path / "run", epochs=2, batch_size=4, device="cpu", overrides=dict(TINY),
                checkpoint_minutes=60.0)
    base.update(kw)
    return TrainOptions(**base)


# --- batching ---------------------------------------------------------------------------------
def test_epoch_batches_cover_every_line_once_and_are_reproducible():
    lengths = np.random.default_rng(0).integers(10, 1000, size=103)
    b0 = epoch_batches(lengths, 8, seed=1, epoch=0)
    assert sorted(i for b in b0 for i in b) == list(range(103))
    assert b0 == epoch_batches(lengths, 8, seed=1, epoch=0)
    assert b0 != epoch_batches(lengths, 8, seed=1, epoch=1)


def test_batches_group_lines_of_similar_length():
    lengths = np.random.default_rng(0).integers(10, 2000, size=400)
    batches = epoch_batches(lengths, 16, seed=0, epoch=0)
    padded = sum(len(b) * max(lengths[b]) for b in batches)
    assert padded < 1.1 * lengths.sum()  # random batches would pad by about half


def test_shards_are_disjoint_and_equal():
    batches = [[i] for i in range(11)]
    shards = [shard(batches, r, 3) for r in range(3)]
    assert [len(s) for s in shards] == [3, 3, 3]
    assert len({i for s in shards for b in s for i in b}) == 9


def test_collate_feeds_each_offset_as_the_next_input():
    inks = fake_inks(3)
    norm = Normaliser.fit([ink_to_offsets(i) for i in inks])
    prep = prepare(inks, alphabet=Alphabet.from_texts([i.text for i in inks], 1), norm=norm,
                   conditional=True)
    batch = collate(prep.examples)
    e = prep.examples[1]
    n = e.points
    assert np.array_equal(batch.x[0, 1], START)
    assert np.array_equal(batch.x[1:n, 1], e.offsets[:-1])
    assert np.array_equal(batch.targets[:n, 1], e.offsets)
    assert batch.mask[:, 1].sum() == n and batch.points == sum(x.points for x in prep.examples)


def test_learning_rate_warms_up_then_decays_to_a_tenth():
    total = 10_000
    assert lr_factor(0, total) < 0.01
    assert lr_factor(499, total) == pytest.approx(1.0)
    assert 0.1 < lr_factor(5000, total) < 1.0
    assert lr_factor(total, total) == pytest.approx(0.1)
    assert lr_factor(total * 2, total) == pytest.approx(0.1)


def test_the_warmup_is_the_shorter_of_its_steps_and_its_fraction_of_the_run():
    reader = Shape(warmup_steps=300, warmup_fraction=0.1, final_fraction=0.05)
    assert lr_factor(99, 1000, reader) == pytest.approx(1.0)  # a tenth of 1000 steps
    assert lr_factor(299, 10_000, reader) == pytest.approx(1.0)  # at most 300 steps
    assert lr_factor(10_000, 10_000, reader) == pytest.approx(0.05)


# --- whole runs ---------------------------------------------------------------------------------
def test_a_small_run_writes_loadable_best_weights_and_a_checkpoint(tmp_path):
    log = tmp_path / "log.jsonl"
    result = train_model("lstm-graves", 10, fake_inks(16), fake_inks(4, seed=1),
                         options(tmp_path, json_log=log), None)
    assert result["steps"] == 8 and result["epochs"] == 2
    assert math.isfinite(result["val_nats_per_sequence"])
    model = LstmGraves.load(result["weights"])
    assert model.bundle.config.hidden == 16 and model.bundle.config.window == 3
    figures = model.evaluate(fake_inks(4, seed=1))
    assert figures["nats_per_sequence"] == pytest.approx(result["val_nats_per_sequence"], rel=1e-4)
    records = [__import__("json").loads(line) for line in log.read_text().splitlines()]
    assert [r["step"] for r in records] == list(range(1, 9))
    assert {"step", "epoch", "loss", "points", "seconds"} <= set(records[0])
    saved = torch.load(result["checkpoint"], weights_only=True)
    assert [e["epoch"] for e in saved["history"]["epochs"]] == [1, 2]
    assert saved["history"]["batch_step"] == list(range(1, 9))


def test_the_unconditional_network_trains_without_text(tmp_path):
    inks = [i.replace(text="") for i in fake_inks(8)]
    opts = options(tmp_path, epochs=1, overrides={"hidden": "8", "mixtures": "2"})
    result = train_model("lstm-graves-uncond", 0, inks, [], opts, None)
    model = LstmGravesUncond.load(result["weights"])
    assert not model.bundle.config.conditional
    assert math.isfinite(model.evaluate(inks)["nats_per_point"])


class StopAt:
    """A listener that interrupts the run (like Ctrl-C) after a given step."""

    def __init__(self, step: int) -> None:
        self.step = step

    @hookimpl
    def on_batch_end(self, run, batch):
        if batch.step == self.step:
            raise KeyboardInterrupt


def test_an_interrupted_run_resumes_exactly_where_it_stopped(tmp_path, register_plugin):
    train, val = fake_inks(20), fake_inks(4, seed=1)
    straight = train_model("lstm-graves", 10, train, val, options(tmp_path / "a", epochs=3), None)
    register_plugin(StopAt(7), "stop-at-7")  # step 7 is inside the second epoch
    with pytest.raises(KeyboardInterrupt):
        train_model("lstm-graves", 10, train, val, options(tmp_path / "b", epochs=3), None)
    from writesmooth.plugins import get_toolkit

    get_toolkit().unregister_plugin("stop-at-7")
    saved = torch.load(tmp_path / "b" / "run" / "checkpoint.pt", weights_only=True)
    assert (saved["progress"]["step"], saved["progress"]["epoch"], saved["progress"]["batch"]) == (7, 1, 2)
    run = TrainRun(model_name="lstm-graves", out=tmp_path / "b" / "run",
                   options=options(tmp_path / "b", epochs=3, resume=True))
    resumed = train_model("lstm-graves", 10, train, val, run.options, run)
    assert resumed["steps"] == straight["steps"] == 15
    assert run.history.batch_step == list(range(1, 16))  # the history before the stop too
    assert [e.epoch for e in run.history.epochs] == [1, 2, 3]
    a = torch.load(straight["weights"], weights_only=True)["state_dict"]
    b = torch.load(resumed["weights"], weights_only=True)["state_dict"]
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-6), k


def test_a_finished_run_refuses_a_restart_without_resume(tmp_path):
    train_model("lstm-graves", 10, fake_inks(8), [], options(tmp_path, epochs=1), None)
    with pytest.raises(WritesmoothError, match="--resume"):
        train_model("lstm-graves", 10, fake_inks(8), [], options(tmp_path, epochs=1), None)
    with pytest.raises(WritesmoothError, match="batch_size"):
        train_model("lstm-graves", 10, fake_inks(8), [],
                    options(tmp_path, epochs=1, batch_size=2, resume=True), None)


def _nan_for(monkeypatch, calls: set[int] | None):
    """Make GravesNet.forward return a NaN loss on the given call numbers (None: always)."""
    original = trainer_mod.GravesNet.forward
    count = {"n": 0}

    def forward(self, *args, **kwargs):
        params, nll, state, extras = original(self, *args, **kwargs)
        count["n"] += 1
        if self.training and (calls is None or count["n"] in calls):
            nll = nll * float("nan")
        return params, nll, state, extras

    monkeypatch.setattr(trainer_mod.GravesNet, "forward", forward)


def test_non_finite_batches_are_skipped_with_a_warning(tmp_path, monkeypatch, caplog):
    _nan_for(monkeypatch, {2, 3})
    result = train_model("lstm-graves", 10, fake_inks(16), [], options(tmp_path), None)
    assert result["steps"] == 6  # 8 batches, 2 skipped
    assert "non-finite loss; batch skipped" in caplog.text


def test_bf16_a_processor_cannot_run_falls_back_to_fp32_with_a_warning(tmp_path, monkeypatch,
                                                                         caplog):
    """--precision bf16 where autocast has no kernel (an AVX2-only CPU's LSTM): one warning,
    then every batch runs in fp32."""
    from writesmooth_lstm_graves import trainer

    calls = []

    def autocast_for(device, precision):
        calls.append(precision)
        if precision == "bf16":
            raise RuntimeError("could not create a primitive descriptor for the LSTM forward")
        return __import__("contextlib").nullcontext()

    monkeypatch.setattr(trainer, "autocast_for", autocast_for)
    opts = options(tmp_path, epochs=1, precision="bf16")
    result = train_model("lstm-graves", 10, fake_inks(8), [], opts, None)
    assert result["steps"] == 2 and calls[0] == "bf16" and set(calls[1:]) == {"fp32"}
    assert "bf16 autocast failed (could not create a primitive" in caplog.text


def test_persistent_non_finite_batches_stop_the_run_clearly(tmp_path, monkeypatch):
    _nan_for(monkeypatch, None)
    with pytest.raises(WritesmoothError, match="training diverged: 10 batches in a row"):
        train_model("lstm-graves", 10, fake_inks(60), [], options(tmp_path, epochs=1), None)


def test_no_usable_training_line_is_one_clear_error(tmp_path):
    dots = [Ink(strokes=[np.zeros((1, 2))], text="a", id="a01-000u-01"),
            Ink(strokes=[np.zeros((5, 2)) + np.arange(5)[:, None]], text="  ", id="a01-000u-02")]
    with pytest.raises(WritesmoothError, match="no usable training line: 2 lines given, "
                                               "1 with fewer than 2 points, 1 with no text"):
        train_model("lstm-graves", 10, dots, [], options(tmp_path), None)


def test_an_unknown_config_field_lists_the_valid_ones(tmp_path):
    with pytest.raises(WritesmoothError, match=r"unknown config field 'hiden'.*valid: .*hidden"):
        train_model("lstm-graves", 10, fake_inks(4), [],
                    options(tmp_path, overrides={"hiden": "8"}), None)


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    @hookimpl
    def on_train_start(self, run):
        run.want_attention = True
        self.events.append(("start", {}))

    @hookimpl
    def on_batch_end(self, run, batch):
        self.events.append(("batch", batch))

    @hookimpl
    def on_epoch_end(self, run, epoch):
        self.events.append(("epoch", epoch))

    @hookimpl
    def on_train_end(self, run, result):
        self.events.append(("end", result))


def test_listeners_get_every_event_and_attention_on_request(tmp_path, register_plugin):
    rec = Recorder()
    register_plugin(rec, "recorder")
    run = TrainRun(model_name="lstm-graves", out=tmp_path / "run", options=options(tmp_path))
    val = fake_inks(2, seed=1)
    train_model("lstm-graves", 10, fake_inks(8), val, run.options, run)
    kinds = [k for k, _ in rec.events]
    assert kinds == ["start"] + ["batch"] * 2 + ["epoch"] + ["batch"] * 2 + ["epoch", "end"]
    assert run.loss_unit == "nats per point"
    batch = rec.events[1][1]
    assert (batch.step, batch.epoch, len(batch.inks)) == (1, 1, 4) and batch.points > 0
    att = batch.attention
    T = batch.inks[0].n_points - 1
    assert att.phi.shape == (T, len(att.text)) and att.window.shape == (T, len(att.alphabet) + 1)
    epochs = [e for k, e in rec.events if k == "epoch"]
    assert epochs[0].best is True and [e.epoch for e in epochs] == [1, 2]
    points_per_line = sum(ink.n_points - 1 for ink in val) / len(val)
    assert epochs[0].metrics["val_nats_per_sequence"] == pytest.approx(
        epochs[0].val_loss * points_per_line, rel=1e-6)
    end = rec.events[-1][1]
    assert end.weights.name == "best.pt" and end.steps == 4
    assert end.metrics["val_nats_per_point"] == [e for e in epochs if e.best][-1].val_loss
    assert run.history.epochs == epochs


def _ddp_worker(rank: int, port: int, out: str, results) -> None:
    """One of two processes; process 1 sees a NaN loss in its second batch."""
    import os

    os.environ.update(WORLD_SIZE="2", RANK=str(rank), LOCAL_RANK=str(rank),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    original, calls = trainer_mod.GravesNet.forward, {"n": 0}

    def forward(self, *args, **kwargs):
        params, nll, state, extras = original(self, *args, **kwargs)
        calls["n"] += 1
        if self.training and calls["n"] == 2 and rank == 1:
            nll = nll * float("nan")
        return params, nll, state, extras

    trainer_mod.GravesNet.forward = forward
    opts = TrainOptions(out=Path(out), epochs=2, batch_size=4, device="cpu", overrides=dict(TINY))
    result = train_model("lstm-graves", 10, fake_inks(24), fake_inks(4, seed=1), opts, None)
    results[rank] = (result["steps"], result["val_nats_per_sequence"])


def test_a_nan_on_one_ddp_process_is_skipped_by_both(tmp_path):
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    results = mp.Manager().dict()
    mp.spawn(_ddp_worker, args=(port, str(tmp_path / "run"), results), nprocs=2)
    # 24 lines in batches of 4 shared by 2 processes: 3 steps an epoch, one skipped by both
    assert results[0] == results[1] and results[0][0] == 5
