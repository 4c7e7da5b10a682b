"""``pywritesmooth``: every original option maps onto the new commands."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from writesmooth.cli.legacy import translate
from writesmooth.errors import WritesmoothError

BASE = dict(smooth=False, smooth_model="lstm", smooth_sample=None, train=None, train_models=[],
            epoch=10, saved_model=None, pickled_data=None, log_file=None, log_level=None,
            image_save=None, image_display=False, hw_save=None, handwriting_save=False,
            generated_save=False, write=None, test_model=False)


def steps(**kw):
    return translate(**{**BASE, **kw})


def argv_of(**kw):
    return [argv for argv, _ in steps(**kw)]


def test_nothing_to_do_gives_no_steps():
    assert steps() == []


def test_train_options_map_to_train():
    (argv, copy), = steps(train="data", train_models=["lstm", "gan"], epoch=3,
                          saved_model="my.pt", pickled_data="cache", image_save="plots/phi",
                          image_display=True, handwriting_save=True, test_model=True)
    assert argv[:2] == ["train", "--data"] and argv[2] == "data"
    assert argv[argv.index("--epochs") + 1] == "3"
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--model"] == ["lstm-graves", "gan-stub"]
    assert argv[argv.index("--cache-dir") + 1] == "cache"
    assert argv[argv.index("--plots") + 1] == "plots"
    assert "--show" in argv and "--draw-lines" in argv and "--test-model" in argv
    # the trained weights are copied to -m, a bare relative file name
    assert copy[1] == Path("my.pt") and copy[0].name == "best.pt"


def test_train_defaults_to_lstm_and_model_file():
    (argv, copy), = steps(train="data")
    assert argv[argv.index("--model") + 1] == "lstm-graves"
    assert copy[1] == Path("hwSynthesis.pt")


def test_write_numbers_images_like_the_original():
    (argv,) = argv_of(write="Hello", hw_save="out/hw")
    assert argv[:2] == ["write", "Hello"]
    assert argv[argv.index("-o") + 1] == str(Path("out/hw1.png"))
    assert "--weights" not in argv  # bundled weights unless -m names a file


def test_saved_model_is_used_for_writing_and_smoothing():
    a, b = argv_of(write="Hi", smooth=True, smooth_sample="s.xml", saved_model="m.pt")
    assert a[:2] == ["smooth", "s.xml"] and a[a.index("--weights") + 1] == "m.pt"
    assert "--side-by-side" in a and a[a.index("-o") + 1].endswith("hw1.png")
    assert b[:2] == ["write", "Hi"] and b[b.index("--weights") + 1] == "m.pt"
    assert b[b.index("-o") + 1].endswith("hw2.png")


def test_smooth_model_choice_and_generated_save():
    runs = argv_of(smooth=True, smooth_sample="s.xml", smooth_model="GAN", generated_save=True)
    assert runs[0][runs[0].index("--model") + 1] == "gan-stub"
    assert runs[1][runs[1].index("-o") + 1].endswith("hw1.json")


def test_smooth_needs_a_sample():
    with pytest.raises(WritesmoothError, match="smooth-sample"):
        steps(smooth=True)


def test_log_options_become_global_options():
    (argv,) = argv_of(write="x", log_file="run.log", log_level="DEBUG")
    assert argv[:4] == ["--log-file", "run.log", "--log-level", "debug"]


def test_pickle_is_refused():
    with pytest.raises(WritesmoothError, match="pickle files are refused"):
        steps(write="x", pickled_data="hwData.pkl")


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, "-c", "from writesmooth.cli.legacy import main; main()",
                           *args], capture_output=True, text=True, cwd=cwd)


def test_no_options_prints_help_and_fails():
    res = _run()
    assert res.returncode == 2 and "--train-models" in res.stdout and "-hws" in res.stdout


def test_pickle_refused_from_the_command_line():
    res = _run("-p", "hwData.pkl", "-w", "Hello")
    assert res.returncode == 2
    assert [line for line in res.stderr.splitlines() if line.strip()] == [
        "error: hwData.pkl: pickle files are refused (unpickling can run arbitrary code); "
        "-p/--pickled-data now names a folder for the safe dataset cache, e.g. -p cache"]


def test_generated_save_uses_one_seed_for_image_and_strokes():
    image, strokes = argv_of(write="Hi", generated_save=True)
    seed = image[image.index("--seed") + 1]
    assert strokes[strokes.index("--seed") + 1] == seed
    assert strokes[strokes.index("-o") + 1].endswith("hw1.json")


def test_train_without_split_lists_uses_every_line(tmp_path):
    (argv, _), = steps(train=str(tmp_path))
    assert argv[argv.index("--split") + 1] == "all"
    assert argv[argv.index("--val-split") + 1] == "none"
    (tmp_path / "task1").mkdir()
    (argv, _), = steps(train=str(tmp_path))
    assert "--split" not in argv  # the official protocol, the train command's default


def _tiny_dataset(folder: Path) -> Path:
    import json

    rows = []
    for i in range(5):  # 20 of each letter: the alphabet keeps characters seen 20 times
        xs = list(range(0, 60, 3))
        stroke = [[x, 10 * ((x // 3 + i) % 2)] for x in xs]
        rows.append({"id": f"t-{i:02d}", "text": "aaaa bbbb", "strokes": [stroke, [[70, 0], [72, 8]]]})
    folder.mkdir()
    (folder / "lines.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return folder


@pytest.mark.slow
def test_pywritesmooth_trains_then_writes_with_the_saved_model(tmp_path):
    data = _tiny_dataset(tmp_path / "data")
    res = _run("-t", "data", "-tm", "lstm", "-e", "1", "-m", "model.pt", "-p", "cache",
               "-l", "run.log", "-ll", "debug", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "model.pt").is_file()  # a bare relative file name works
    assert (tmp_path / "run.log").stat().st_size > 0
    res = _run("-w", "ab", "-m", "model.pt", "-hws", "hw", "-gs", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "hw1.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "hw1.json").is_file()
