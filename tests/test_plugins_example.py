"""The example third-party plugin in docs/examples/ is really pip-installed, then found by the
CLI in a fresh process: the path a plugin author's users take."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "writesmooth-example"


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory) -> Path:
    """``pip install`` the example into a folder of its own (no network: no build isolation,
    no dependencies, which the test environment already has)."""
    target = tmp_path_factory.mktemp("example-site")
    build = tmp_path_factory.mktemp("example-src")
    # pip builds in the source folder; a copy keeps build/ and *.egg-info out of docs/
    src = build / "writesmooth-example"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "--quiet", "--target", str(target),
         str(src)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (target / "writesmooth_example" / "plugin.py").is_file()
    assert list(target.glob("writesmooth_example-0.1.0.dist-info/entry_points.txt"))
    return target


def run_with(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    env.pop("WRITESMOOTH_LOAD_PLUGINS", None)
    env["PYTHONPATH"] = os.pathsep.join([str(site)] + [p for p in
                                                      [env.get("PYTHONPATH", "")] if p])
    return subprocess.run([sys.executable, "-m", "writesmooth", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_installed_example_model_is_listed(installed_example, tmp_path):
    done = run_with(installed_example, "models", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    models = {m["name"]: m for m in json.loads(done.stdout)}
    assert models["example-model"]["plugin"] == "example"
    assert models["example-model"]["distribution"] == "writesmooth-example"
    assert models["example-model"]["capabilities"] == ["smooth"]
    assert {"lstm-graves", "gan-stub"} <= set(models)
    done = run_with(installed_example, "plugins", "--json", cwd=tmp_path)
    plugins = {p["name"]: p for p in json.loads(done.stdout)}
    assert plugins["example"]["hooks"] == ["register_models", "register_renderers"]


def test_the_example_renderer_draws_xyz_files(installed_example, iam_line_file, tmp_path):
    iam_line_file.rename(tmp_path / "x.xml")
    done = run_with(installed_example, "render", "x.xml", "-o", "out.xyz", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "out.xyz").read_text().splitlines()
    assert lines[0] == "# writesmooth-example xyz: x y pen"
    assert lines[2:7] == ["100 200 1", "110 180 1", "120 200 0", "130 190 1", "150 190 0"]


def test_without_the_plugin_xyz_is_unknown(iam_line_file, tmp_path):
    iam_line_file.rename(tmp_path / "x.xml")
    done = run_with(tmp_path, "render", "x.xml", "-o", "out.xyz", cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert re.fullmatch(r"error: no renderer for output suffix '\.xyz' of out\.xyz "
                        r"\(known: [^)]*\.png, \.svg\)", line), line


def test_the_declared_option_becomes_a_flag_with_its_help(installed_example, tmp_path):
    done = run_with(installed_example, "smooth", "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "--window" in done.stdout
    assert "(example-model) Points averaged for each point" in " ".join(done.stdout.split())
    without = run_with(tmp_path, "smooth", "--help", cwd=tmp_path)
    assert "--window" not in without.stdout


def test_the_declared_option_reaches_the_model(installed_example, tmp_path):
    import numpy as np
    import writesmooth
    from writesmooth.data.io import write_inks

    zigzag = np.stack([np.arange(40.0) * 10, np.tile([0.0, 40.0], 20)], axis=1)
    write_inks([writesmooth.Ink(strokes=[zigzag], text="zigzag")], tmp_path / "z.json")
    heights = {}
    for window in ("1", "9"):
        done = run_with(installed_example, "smooth", "z.json", "--model", "example-model",
                        "--window", window, "-o", f"w{window}.xyz", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        rows = [ln.split() for ln in (tmp_path / f"w{window}.xyz").read_text().splitlines()
                if ln and not ln.startswith("#")]
        ys = np.array([float(r[1]) for r in rows])
        assert len(ys) == 40
        heights[window] = np.ptp(ys[5:-5])
    assert heights["1"] == 40.0  # a window of one point leaves the zigzag as it was
    assert heights["9"] < 10.0   # nine points averaged flatten it


def test_an_option_another_model_declares_is_one_error_line(installed_example, iam_line_file,
                                                            tmp_path):
    iam_line_file.rename(tmp_path / "x.xml")
    done = run_with(installed_example, "smooth", "x.xml", "--model", "example-model",
                    "--text", "hello", "--candidates", "2", "-o", "out.svg", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: model 'example-model' does not take --candidates (its smooth takes --window)"]


def test_the_example_model_smooths_in_process(installed_example, monkeypatch):
    monkeypatch.syspath_prepend(str(installed_example))
    from writesmooth_example.plugin import ExampleModel

    import numpy as np
    import writesmooth

    zigzag = np.stack([np.arange(40.0), np.tile([0.0, 4.0], 20)], axis=1)
    sample = writesmooth.Ink(strokes=[zigzag], text="z")
    smoothed = ExampleModel.load().smooth(sample)
    assert smoothed.n_points == sample.n_points and smoothed.text == "z"
    assert np.ptp(smoothed.strokes[0][5:-5, 1]) < np.ptp(zigzag[:, 1]) / 2
