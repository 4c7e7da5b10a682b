"""``writesmooth train`` and ``evaluate`` end to end on a small IAM-layout dataset written here:
outputs, figures, JSON log, errors, several models, resume after kill -9, two DDP processes."""
from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from test_train import fake_inks  # noqa: E402  (the tests folder is on sys.path)
from writesmooth.data.iam_xml import write_iam_line  # noqa: E402

TINY = ["--set", "hidden=16", "--set", "mixtures=3", "--set", "window=3",
        "--set", "min_char_count=1"]
SPLITS = {"trainset": 0, "testset_t": 1, "testset_f": 2, "testset_v": 3}


def write_iam_folder(root: Path, lines_per_split=(40, 8, 8, 8)) -> Path:
    """An IAM-OnDB layout: lineStrokes/, ascii/ (CSR sections) and task1/ split lists, eight
    lines per form."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "task1").mkdir(exist_ok=True)
    for split, seed in SPLITS.items():
        inks = fake_inks(lines_per_split[seed], seed=seed)
        forms: dict[str, list] = {}
        for ink in inks:
            forms.setdefault(ink.meta["form"] + "u", []).append(ink)
        for form, group in forms.items():
            writer, folder = form[:3], form[:7]
            line_dir = root / "lineStrokes" / writer / folder
            line_dir.mkdir(parents=True, exist_ok=True)
            for n, ink in enumerate(group, start=1):
                write_iam_line(ink.replace(text=""), line_dir / f"{form}-{n:02d}.xml")
            ascii_dir = root / "ascii" / writer / folder
            ascii_dir.mkdir(parents=True, exist_ok=True)
            (ascii_dir / f"{form}.txt").write_text(
                "OCR:\n\n" + "\n".join(i.text for i in group) + "\n\nCSR:\n\n"
                + "\n".join(i.text for i in group) + "\n", encoding="latin-1")
        (root / "task1" / f"{split}.txt").write_text("".join(f" {f}\n" for f in forms))
    return root


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[Path, Path]:
    """``(dataset folder, cache folder)``, the cache already written so that processes that load
    at the same time (DDP) only read it."""
    root = write_iam_folder(tmp_path_factory.mktemp("iam") / "iam-ondb")
    cache = root.parent / "cache"
    from writesmooth.data.dataset import load_dataset

    ds = load_dataset(root, cache_dir=cache)
    assert len(ds.select("trainset")) == 40 and len(ds.select("testset_v")) == 8
    return root, cache


def data_args(dataset) -> list[str]:
    return ["--data", str(dataset[0]), "--cache-dir", str(dataset[1])]


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def sampler_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("writesmooth_lstm_graves.writing") is not None


def test_small_run_writes_checkpoint_weights_plots_samples_and_log(run_cli, dataset, tmp_path,
                                                                   monkeypatch):
    out, log = tmp_path / "runs", tmp_path / "log.jsonl"
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = run_cli("train", "--model", "lstm-graves", *data_args(dataset), "--max-lines", "64",
                     "--epochs", "2", "--batch-size", "8", *TINY, "--out", out,
                     "--json-log", log, "--attention-every", "3", "--sample-every", "4",
                     "--test-model", "bad cafe", "--test-model", "Zebra 42", "--device", "cpu",
                     "--draw-lines", "--show")
    assert result.code == 0, result.err
    if sys.platform.startswith("linux"):
        assert "--show: no display" in result.err
    assert "could not draw" not in result.err  # unknown characters in a sample text are mapped
    run = out / "lstm-graves"
    for name in ("checkpoint.pt", "best.pt", "plots/loss.png", "plots/epochs.png",
                 "attention/step0000003.png", "lines/step0000001.png"):
        assert (run / name).is_file(), name
    if sampler_available():
        assert (run / "samples" / "step0000004.png").is_file()
        assert (run / "samples" / "test.png").is_file()
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["step"] for r in records] == list(range(1, 15))  # 56 lines / 8, two epochs
    assert all(math.isfinite(r["loss"]) and r["points"] > 0 and r["seconds"] > 0 for r in records)
    assert "best validation" in result.out and f"wrote {run / 'best.pt'}" in result.out

    evaluated = run_cli("evaluate", "--model", "lstm-graves", "--weights", run / "best.pt",
                        *data_args(dataset), "--split", "testset_v", "--json")
    assert evaluated.code == 0, evaluated.err
    figures = json.loads(evaluated.out)
    assert (figures["lines"], figures["skipped"]) == (8, 0)
    assert math.isfinite(figures["nats_per_sequence"]) and math.isfinite(figures["nats_per_point"])
    assert figures["points"] == sum(i.n_points - 1 for i in fake_inks(8, seed=3))
    table = run_cli("evaluate", "--weights", run / "best.pt", *data_args(dataset))
    assert table.code == 0 and "nats per sequence" in table.out and "-1096.9" in table.out
    last = run_cli("evaluate", "--weights", run / "checkpoint.pt", *data_args(dataset), "--json")
    assert last.code == 0 and math.isfinite(json.loads(last.out)["nats_per_sequence"])


def test_an_unknown_config_field_exits_2_listing_the_valid_ones(run_cli, dataset, tmp_path):
    result = run_cli("train", *data_args(dataset), "--set", "hiden=16", "--out", tmp_path)
    assert result.code == 2 and len(result.err_lines) == 1
    assert "unknown config field 'hiden'" in result.err and "hidden" in result.err
    assert "mixtures" in result.err and "window" in result.err
    bad = run_cli("train", *data_args(dataset), "--set", "hidden", "--out", tmp_path)
    assert bad.code == 2 and "FIELD=VALUE" in bad.err


def test_models_that_cannot_train_or_do_not_exist_exit_2(run_cli, dataset, tmp_path):
    for name, words in (("no-such-model", "unknown model"), ("gan-stub", "cannot train")):
        result = run_cli("train", "--model", name, *data_args(dataset), "--out", tmp_path)
        assert result.code == 2 and len(result.err_lines) == 1 and words in result.err


def test_an_unknown_split_exits_2(run_cli, dataset, tmp_path):
    result = run_cli("train", *data_args(dataset), "--split", "trainset+nope", "--out", tmp_path)
    assert result.code == 2 and "unknown split 'nope'" in result.err


def test_several_models_train_in_turn_into_their_own_folders(run_cli, dataset, tmp_path):
    result = run_cli("train", "-m", "lstm-graves", "-m", "lstm-graves-uncond", *data_args(dataset),
                     "--epochs", "1", "--batch-size", "16", "--set", "hidden=8",
                     "--set", "mixtures=2", "--set", "min_char_count=1", "--out", tmp_path,
                     "--no-plots", "--attention-every", "0", "--sample-every", "0",
                     "--json-log", tmp_path / "log.jsonl")
    assert result.code == 0, result.err
    for name in ("lstm-graves", "lstm-graves-uncond"):
        assert (tmp_path / name / "best.pt").is_file()
        assert (tmp_path / f"log.{name}.jsonl").is_file()
        assert not (tmp_path / name / "plots").exists()
    uncond = torch.load(tmp_path / "lstm-graves-uncond" / "best.pt", weights_only=True)
    assert uncond["config"]["window"] == 0 and uncond["model"] == "lstm-graves-uncond"


def _checkpoint_step(path: Path) -> int:
    return int(torch.load(path, weights_only=True)["progress"]["step"])


def test_resume_after_kill_9_continues_from_the_last_checkpoint(dataset, tmp_path, python_env):
    out = tmp_path / "runs"
    args = [sys.executable, "-m", "writesmooth", "train", *data_args(dataset), *TINY,
            "--epochs", "30", "--batch-size", "8", "--out", str(out), "--device", "cpu",
            "--checkpoint-steps", "5", "--no-plots", "--attention-every", "0",
            "--sample-every", "0", "--json-log", str(tmp_path / "log.jsonl")]
    env = dict(python_env, OMP_NUM_THREADS="1")
    ckpt = out / "lstm-graves" / "checkpoint.pt"
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if ckpt.is_file() and _checkpoint_step(ckpt) >= 10:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    saved = _checkpoint_step(ckpt)
    assert 10 <= saved < 210
    logged = [json.loads(line)["step"] for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    done = subprocess.run(args + ["--resume"], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert f"resuming at epoch {saved // 7 + 1}, batch {saved % 7}, step {saved}" in done.stdout
    assert _checkpoint_step(ckpt) == 210  # 30 epochs of 7 batches (56 lines / 8)
    steps = [json.loads(line)["step"] for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert steps[:len(logged)] == logged and steps[len(logged):] == list(range(saved + 1, 211))


def test_two_ddp_processes_on_cpu(dataset, tmp_path, python_env):
    out = tmp_path / "runs"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "writesmooth", "train", *data_args(dataset), *TINY, "--epochs", "2",
           "--batch-size", "4", "--out", str(out), "--device", "cpu", "--no-plots",
           "--attention-every", "0", "--sample-every", "0", "--json-log", str(tmp_path / "log.jsonl")]
    env = dict(python_env, OMP_NUM_THREADS="1")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "x 2 processes" in done.stdout and done.stdout.count("best validation") == 1
    steps = [json.loads(line)["step"] for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 15))  # 14 batches of 4 lines per epoch, shared by 2 processes
    from writesmooth_lstm_graves.models import LstmGraves

    model = LstmGraves.load(out / "lstm-graves" / "best.pt")
    assert model.bundle.meta["processes"] == 2


def test_a_dataset_without_split_lists_trains_with_split_all(run_cli, tmp_path):
    from writesmooth.data.io import write_inks

    data = tmp_path / "lines.jsonl"
    write_inks(fake_inks(12), data)
    result = run_cli("train", "--data", data, "--out", tmp_path / "runs", "--no-cache")
    assert result.code == 2 and "--split all --val-split none" in result.err
    result = run_cli("train", "--data", data, "--split", "all", "--val-split", "none",
                     "--out", tmp_path / "runs", "--epochs", "1", "--set", "hidden=8",
                     "--set", "min_char_count=1", "--no-plots", "--no-cache")
    assert result.code == 0, result.err
    assert "no validation" in result.out and (tmp_path / "runs/lstm-graves/best.pt").is_file()


def test_init_weights_starts_a_new_run_from_trained_weights(run_cli, dataset, tmp_path):
    quiet = ["--no-plots", "--attention-every", "0", "--sample-every", "0", "--device", "cpu"]
    first = run_cli("train", *data_args(dataset), *TINY, "--epochs", "1", "--batch-size", "8",
                    "--out", tmp_path / "a", *quiet)
    assert first.code == 0, first.err
    start = tmp_path / "a" / "lstm-graves" / "best.pt"
    # a zero learning rate leaves the weights as they were loaded: the new run must hold them
    second = run_cli("train", *data_args(dataset), "--init-weights", start, "--lr", "0",
                     "--max-steps", "1", "--batch-size", "8", "--out", tmp_path / "b", *quiet)
    assert second.code == 0, second.err
    before = torch.load(start, weights_only=True)
    after = torch.load(tmp_path / "b" / "lstm-graves" / "checkpoint.pt", weights_only=True)
    assert (after["config"], after["alphabet"], after["norm"]) == \
        (before["config"], before["alphabet"], before["norm"])
    assert before["state_dict"].keys() == after["state_dict"].keys()
    assert all(torch.equal(before["state_dict"][k], after["state_dict"][k]) for k in before["state_dict"])
    assert after["meta"]["init_weights"] == str(start)
    assert after["meta"]["init_steps"] == before["meta"]["step"]

    # --resume of that run keeps going from its own checkpoint; --init-weights is then moot
    again = run_cli("train", *data_args(dataset), "--init-weights", start, "--resume",
                    "--max-steps", "2", "--batch-size", "8", "--out", tmp_path / "b", *quiet)
    assert again.code == 0 and "ignored: resuming" in again.err


def test_init_weights_errors_are_one_line(run_cli, dataset, tmp_path):
    quiet = ["--no-plots", "--attention-every", "0", "--sample-every", "0", "--device", "cpu"]
    run_cli("train", *data_args(dataset), *TINY, "--max-steps", "1", "--batch-size", "8",
            "--out", tmp_path / "a", *quiet)
    start = tmp_path / "a" / "lstm-graves" / "checkpoint.pt"
    cases = [(["--init-weights", tmp_path / "nope.pt"], "no such weights file"),
             (["--init-weights", start, "--set", "hidden=8"], "cannot change the network"),
             (["-m", "lstm-graves-uncond", "--init-weights", start], "cannot start"),
             (["-m", "lstm-graves-uncond", "--init-weights", "default"], "no bundled weights")]
    for args, words in cases:
        result = run_cli("train", *data_args(dataset), *args, "--max-steps", "1",
                         "--out", tmp_path / "b", *quiet)
        assert result.code == 2 and len(result.err_lines) == 1 and words in result.err, result.err


def test_init_weights_default_continues_from_the_bundled_weights(run_cli, dataset, tmp_path):
    from writesmooth_lstm_graves.models import LstmGraves

    bundled = LstmGraves.default_weights()
    if bundled is None:
        pytest.skip("no bundled weights in this install")
    result = run_cli("train", *data_args(dataset), "--init-weights", "default", "--lr", "0",
                     "--max-steps", "1", "--batch-size", "4", "--val-split", "none",
                     "--out", tmp_path, "--no-plots", "--attention-every", "0",
                     "--sample-every", "0", "--device", "cpu")
    assert result.code == 0, result.err
    saved = torch.load(tmp_path / "lstm-graves" / "checkpoint.pt", weights_only=True)
    shipped = torch.load(bundled, weights_only=True)
    assert saved["alphabet"] == shipped["alphabet"] and saved["norm"] == shipped["norm"]
    assert all(torch.equal(saved["state_dict"][k], v.float()) for k, v in shipped["state_dict"].items())


@pytest.mark.parametrize("content", [b"\x00 truncated", "weights"], ids=["garbage", "weights-file"])
def test_resume_from_a_corrupt_checkpoint_is_one_error_line(run_cli, dataset, tmp_path, content):
    ckpt = tmp_path / "runs" / "lstm-graves" / "checkpoint.pt"
    ckpt.parent.mkdir(parents=True)
    if content == "weights":  # a readable torch file of the wrong kind
        torch.save({"format": "writesmooth-lstm-graves/1"}, ckpt)
    else:
        ckpt.write_bytes(content)
    before = ckpt.read_bytes()
    result = run_cli("train", *data_args(dataset), *TINY, "--epochs", "1", "--out",
                     tmp_path / "runs", "--resume", "--no-plots", "--device", "cpu")
    expected = ("not a readable checkpoint" if content != "weights"
                else "not a writesmooth-lstm-graves-checkpoint/2 checkpoint")
    assert result.code == 2 and expected in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert ckpt.read_bytes() == before  # left as it was, for the user to look at
