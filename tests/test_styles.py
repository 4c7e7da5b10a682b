"""Styles a person keeps: the bank (add, list, show, remove, export, import), refusing corrupt
and hostile style files, adapting a model to a style (resumable, early stopping) and writing,
smoothing and evaluating with it. The CLI runs in-process with tiny random weights."""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
import torch

import writesmooth
from writesmooth import Ink, hookimpl
from writesmooth.data.io import read_inks
from writesmooth.styles import LIMITS, StyleBank, check_name, read_style_file
from writesmooth_lstm_graves.adapt import (FORMAT, AdaptConfig, adapt_bundle, adapted_bundle,
                                           fingerprint, held_out)
from writesmooth_lstm_graves.weights import save_weights

from test_sampler import handwriting, tiny_bundle


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "tiny.pt"
    save_weights(tiny_bundle(-2.5), path)
    return path


def sample_file(path: Path, texts: list[str]) -> Path:
    """A JSON-lines file of fake lines with their text."""
    path.write_text("".join(json.dumps({"id": f"l{i}", "text": t, "strokes": [
        s.tolist() for s in handwriting(t).strokes]}) + "\n" for i, t in enumerate(texts)))
    return path


@pytest.fixture
def styles(tmp_path, monkeypatch):
    """An empty styles folder, also the default one (``WRITESMOOTH_STYLES_DIR``)."""
    folder = tmp_path / "styles"
    monkeypatch.setenv("WRITESMOOTH_STYLES_DIR", str(folder))
    return folder


# --- the bank --------------------------------------------------------------------------------
def test_a_style_is_added_listed_exported_imported_elsewhere_and_removed(run_cli, styles,
                                                                         tmp_path):
    lines = sample_file(tmp_path / "mine.jsonl", ["hello there", "a second line"])
    r = run_cli("style", "add", "mine", lines, "--description", "my hand")
    assert r.code == 0, r.err
    assert "text from the file: 'hello there'" in r.out and "2 line(s)" in r.out
    assert (styles / "mine" / "style.json").is_file()
    listed = [s for s in json.loads(run_cli("style", "list", "--json").out)["styles"]
              if not s["preset"]]
    assert [s["name"] for s in listed] == ["mine"]
    assert listed[0]["text"] == ["hello there", "a second line"]
    assert listed[0]["description"] == "my hand"
    assert "mine" in run_cli("style", "list").out
    # the same name again is refused, --replace replaces
    again = run_cli("style", "add", "mine", lines)
    assert again.code == 2 and "exists already" in again.err
    assert run_cli("style", "add", "mine", lines, "--replace").code == 0
    # export, and import on a "clean machine" (another styles folder)
    shared = tmp_path / "mine.style.json"
    assert run_cli("style", "export", "mine", "-o", shared).code == 0
    other = tmp_path / "elsewhere"
    r = run_cli("style", "import", shared, "--styles-dir", other)
    assert r.code == 0, r.err
    got = StyleBank.open(other).get("mine")
    assert [i.text for i in got.lines] == ["hello there", "a second line"]
    assert got.lines[0].n_points == read_inks(lines)[0].n_points
    assert run_cli("style", "import", shared, "--styles-dir", other).code == 2  # exists
    assert run_cli("style", "import", shared, "--styles-dir", other, "--name", "copy").code == 0
    assert run_cli("style", "remove", "mine").code == 0
    assert not (styles / "mine").exists()
    gone = run_cli("style", "remove", "mine")
    assert gone.code == 2 and "no style named 'mine'" in gone.err


@pytest.mark.parametrize("name", ["../up", "a/b", ".hidden", "", "x" * 41, "sp ace"])
def test_a_style_name_cannot_become_a_path(name):
    with pytest.raises(writesmooth.WritesmoothError, match="not a style name"):
        check_name(name)


def good_style() -> dict:
    return {"format": "writesmooth-style/1", "name": "ok", "description": "",
            "lines": [{"text": "hi", "strokes": [[[0, 0], [1, 2], [3, 1]]]}]}


def hostile_files() -> dict[str, object]:
    pickled = {"format": FORMAT, "x": torch.nn.Linear(1, 1)}  # an object: torch would pickle it
    import io
    buf = io.BytesIO()
    torch.save(pickled, buf)
    blob = buf.getvalue()
    with_adapter = good_style() | {"adapters": {"lstm-graves": {
        "sha256": hashlib.sha256(blob).hexdigest(), "data": base64.b64encode(blob).decode()}}}
    nan = good_style()
    nan["lines"][0]["strokes"] = [[[0, 0], [float("nan"), 1]]]
    return {
        "not json": b"\x00\x01 not json",
        "a list": json.dumps([1, 2]).encode(),
        "another format": json.dumps(good_style() | {"format": "x/1"}).encode(),
        "a path as name": json.dumps(good_style() | {"name": "../../etc"}).encode(),
        "no lines": json.dumps(good_style() | {"lines": []}).encode(),
        "nan": json.dumps(nan).encode(),
        "NaN literal": json.dumps(good_style()).replace("[1, 2]", "[NaN, 2]").encode(),
        "string point": json.dumps(good_style()).replace("[1, 2]", '["1", 2]').encode(),
        "bad base64": json.dumps(good_style() | {"adapters": {"lstm-graves": {
            "sha256": "00", "data": "!!!"}}}).encode(),
        "wrong sha": json.dumps(good_style() | {"adapters": {"lstm-graves": {
            "sha256": "00" * 32, "data": base64.b64encode(b"abc").decode()}}}).encode(),
        "bad model name": json.dumps(good_style() | {"adapters": {"../x": {
            "sha256": hashlib.sha256(b"a").hexdigest(), "data": "YQ=="}}}).encode(),
        "pickled adapter": json.dumps(with_adapter).encode(),
        "deep nesting": b"[" * 100_000 + b"]" * 100_000,
        "too many lines": json.dumps(good_style() | {"lines": good_style()["lines"]
                                                     * (LIMITS.lines + 1)}).encode(),
    }


@pytest.mark.parametrize("what", list(hostile_files()))
def test_a_corrupt_or_hostile_style_file_is_refused_with_one_line(run_cli, styles, tmp_path,
                                                                  what):
    path = tmp_path / "bad.json"
    path.write_bytes(hostile_files()[what])
    r = run_cli("style", "import", path)
    assert r.code == 2 and len(r.err_lines) == 1, (r.out, r.err)
    assert "Traceback" not in r.err
    assert not styles.exists() or not any(styles.iterdir())  # nothing kept


def test_an_oversized_style_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (LIMITS.file_bytes + 1))
    with pytest.raises(writesmooth.WritesmoothError, match="over"):
        read_style_file(path)


class Presets:
    def __init__(self, path: Path) -> None:
        self.path = path

    @hookimpl
    def register_styles(self, register):
        register(self.path)


def test_presets_come_from_plugins_and_cannot_be_removed_replaced_or_adapted(
        run_cli, styles, tmp_path, register_plugin):
    preset = tmp_path / "round.json"
    preset.write_text(json.dumps(good_style() | {"name": "roundish",
                                                 "description": "a round hand"}))
    register_plugin(Presets(preset), "presets-test")
    listed = json.loads(run_cli("style", "list", "--json").out)["styles"]
    assert ("roundish", True, "a round hand") in [(s["name"], s["preset"], s["description"])
                                               for s in listed]
    assert "preset (presets-test)" in run_cli("style", "list").out
    for args in (("remove", "roundish"), ("adapt", "roundish"), ("add", "roundish", preset)):
        r = run_cli("style", *args)
        assert r.code == 2 and "preset" in r.err, args


# --- adapting ---------------------------------------------------------------------------------
def test_a_quarter_of_the_lines_is_held_out_at_least_one_of_two():
    assert [held_out(n) for n in (1, 2, 3, 4, 8, 12)] == [0, 1, 1, 1, 2, 3]


def lines_of(texts):
    return [handwriting(t) for t in texts]


def test_adapting_learns_writes_a_small_adapter_and_stops_early(tmp_path):
    bundle = tiny_bundle(-2.5)
    events = []
    r = adapt_bundle(bundle, lines_of(["abc de", "fgh", "ijk lm", "nop"]),
                     adapter=tmp_path / "a.adapter", resume=tmp_path / "a.resume", minutes=2,
                     progress=events.append, config=AdaptConfig(check_every=2, patience=2))
    assert r["stopped"] in ("early stop", "time") and r["steps"] >= 2
    assert r["train_lines"] == 3 and r["val_lines"] == 1
    assert r["val_nats_per_point"] <= r["val_nats_per_point_before"]
    assert not (tmp_path / "a.resume").exists()
    size = (tmp_path / "a.adapter").stat().st_size
    assert size == r["adapter_bytes"] and size < sum(
        p.numel() * 4 for p in bundle.net.parameters())  # smaller than the weights it changes
    assert any("val_nats_per_point" in e for e in events)
    new = adapted_bundle(bundle, tmp_path / "a.adapter")
    assert fingerprint(new.net) != fingerprint(bundle.net)  # it changed the network
    assert fingerprint(bundle.net) == fingerprint(tiny_bundle(-2.5).net)  # not the original


def test_a_character_the_model_has_no_class_for_is_learnt_as_the_unknown_one(tmp_path):
    r = adapt_bundle(tiny_bundle(-2.5), lines_of(["abc 12", "d#e"]), adapter=tmp_path / "a",
                     resume=tmp_path / "r", minutes=0.02, config=AdaptConfig(check_every=1))
    assert r["steps"] >= 1 and (tmp_path / "a").is_file()


def test_an_interrupted_adaptation_saves_and_goes_on_from_where_it_was(tmp_path):
    bundle = tiny_bundle(-2.5)
    cfg = AdaptConfig(check_every=1, patience=1000)
    paths = dict(adapter=tmp_path / "a.adapter", resume=tmp_path / "a.resume")
    lines = lines_of(["abc de", "fgh", "ijk"])

    def stop_at_three(event):
        if event["step"] == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        adapt_bundle(bundle, lines, minutes=5, progress=stop_at_three, config=cfg, **paths)
    assert paths["resume"].is_file() and not paths["adapter"].exists()
    steps = []
    r = adapt_bundle(bundle, lines, minutes=0.03, config=cfg, progress=lambda e: steps.append(
        e["step"]), **paths)
    assert steps[0] == 4 and r["steps"] == steps[-1]  # went on after step 3
    assert paths["adapter"].is_file() and not paths["resume"].exists()
    # other lines cannot continue that run
    with pytest.raises(KeyboardInterrupt):
        adapt_bundle(bundle, lines, minutes=5, progress=stop_at_three, config=cfg, **paths)
    with pytest.raises(writesmooth.WritesmoothError, match="restart"):
        adapt_bundle(bundle, lines_of(["other", "lines"]), minutes=1, config=cfg, **paths)


def test_an_adapter_for_other_weights_or_a_corrupt_one_is_refused(tmp_path):
    bundle = tiny_bundle(-2.5)
    adapt_bundle(bundle, lines_of(["abc", "de"]), adapter=tmp_path / "a.adapter",
                 resume=tmp_path / "r", minutes=0.05, config=AdaptConfig(check_every=1))
    with pytest.raises(writesmooth.WritesmoothError, match="other weights"):
        adapted_bundle(tiny_bundle(-2.5, seed=1), tmp_path / "a.adapter")
    (tmp_path / "b.adapter").write_bytes(b"garbage")
    with pytest.raises(writesmooth.WritesmoothError, match="not a readable adapter"):
        adapted_bundle(bundle, tmp_path / "b.adapter")


# --- the whole story on the command line ---------------------------------------------------
def test_add_show_adapt_write_smooth_evaluate_export_import_remove(run_cli, styles, weights,
                                                                   tmp_path):
    lines = sample_file(tmp_path / "mine.jsonl", ["abc de", "fgh ij", "klm", "nop qr"])
    assert run_cli("style", "add", "mine", lines).code == 0
    primed = run_cli("write", "hello", "--weights", weights, "--style", "mine", "--seed", "1",
                     "-o", tmp_path / "primed.json")
    assert primed.code == 0, primed.err
    assert "learnt" not in primed.out  # not adapted yet: the style primes
    assert read_inks(tmp_path / "primed.json")[0].meta.get("prime_text") == "abc de"
    r = run_cli("style", "adapt", "mine", "--weights", weights, "--minutes", "0.1")
    assert r.code == 0, r.err
    assert "adapted lstm-graves to 'mine'" in r.out and "held-out lines (1)" in r.out
    adapter = styles / "mine" / "adapters" / "lstm-graves.adapter"
    assert adapter.is_file()
    again = run_cli("style", "adapt", "mine", "--weights", weights, "--minutes", "0.1")
    assert again.code == 2 and "--restart" in again.err
    listed = json.loads(run_cli("style", "list", "--json").out)["styles"][0]
    assert listed["name"] == "mine"  # your own first, then the presets
    assert listed["adapted"] == {"lstm-graves": adapter.stat().st_size}
    # write and smooth with the adapted style: the adapter carries the hand, nothing primes
    w = run_cli("write", "hello", "--weights", weights, "--style", "mine", "--seed", "1",
                "-o", tmp_path / "adapted.json")
    assert w.code == 0 and "written with what lstm-graves learnt of it" in w.out
    assert "prime_text" not in read_inks(tmp_path / "adapted.json")[0].meta
    s = run_cli("smooth", tmp_path / "mine.jsonl", "--weights", weights, "--style", "mine",
                "--seed", "1", "-o", tmp_path / "smoothed.json")
    assert s.code == 0 and "learnt" in s.out, s.err
    assert len(read_inks(tmp_path / "smoothed.json")) == 4
    # bundled weights: the adapter was learnt for others, one clear line
    other = run_cli("write", "hello", "--style", "mine", "-o", tmp_path / "x.png")
    assert other.code == 2 and "other weights" in other.err and len(other.err_lines) == 1
    e = run_cli("evaluate", "--weights", weights, "--style", "mine", "--data", lines, "--json")
    assert e.code == 0, e.err
    got = json.loads(e.out)
    for key in ("unprimed_nats_per_point", "primed_nats_per_point", "adapted_nats_per_point"):
        assert isinstance(got[key], float), key
    assert got["lines"] == 4
    shown = run_cli("style", "show", "mine", "--weights", weights, "--text", "hi", "-o",
                    tmp_path / "show.png")
    assert shown.code == 0 and (tmp_path / "show.png").stat().st_size > 0
    # export with its adapter, import on a clean machine, write there with it
    assert run_cli("style", "export", "mine", "-o", tmp_path / "mine.style").code == 0
    clean = tmp_path / "clean"
    imp = run_cli("style", "import", tmp_path / "mine.style", "--styles-dir", clean)
    assert imp.code == 0 and "adapted for lstm-graves" in imp.out
    assert (clean / "mine" / "adapters" / "lstm-graves.adapter").read_bytes() == \
        adapter.read_bytes()
    w2 = run_cli("write", "hi", "--weights", weights, "--style", "mine", "--styles-dir", clean,
                 "-o", tmp_path / "there.png")
    assert w2.code == 0 and "learnt" in w2.out
    assert run_cli("style", "remove", "mine").code == 0
    assert not (styles / "mine").exists()


def test_a_style_file_with_a_broken_adapter_is_refused_on_import(run_cli, styles, tmp_path):
    blob = b"not a torch file"
    data = good_style() | {"adapters": {"lstm-graves": {
        "sha256": hashlib.sha256(blob).hexdigest(), "data": base64.b64encode(blob).decode()}}}
    (tmp_path / "s.json").write_text(json.dumps(data))
    r = run_cli("style", "import", tmp_path / "s.json")
    assert r.code == 2 and "adapter for 'lstm-graves' is refused" in r.err
    assert len(r.err_lines) == 1 and not (styles / "ok").exists()


def test_an_unknown_style_name_says_which_there_are(run_cli, styles, tmp_path):
    sample_file(tmp_path / "a.jsonl", ["abc"])
    run_cli("style", "add", "mine", tmp_path / "a.jsonl")
    r = run_cli("write", "hi", "--style", "nobody", "-o", tmp_path / "x.png")
    assert r.code == 2 and "no saved style of that name (styles: mine, " in r.err


# --- the presets lstm-graves ships -------------------------------------------------------------
PRESETS = ("backhand", "narrow", "round", "slanted", "upright")


def test_lstm_graves_ships_five_described_presets_with_adapters_that_fit(styles):
    bank = StyleBank.open(styles)
    got = {name: s for name, s in bank.presets.items() if s.origin == "lstm_graves"}
    assert sorted(got) == list(PRESETS)
    from writesmooth_lstm_graves.models import LstmGraves

    model = LstmGraves.load()
    adapters = [s.adapter("lstm-graves") for s in got.values()]
    assert any(adapters)  # most ship one (docs/styles.md says which)
    for style, adapter in zip(got.values(), adapters):
        assert style.preset and style.description and len(style.lines) >= 2
        assert all(line.text.strip() and line.n_points > 100 for line in style.lines)
        if adapter is not None:
            assert adapter.stat().st_size < 512 * 1024
            model.with_adapter(adapter)  # it fits the bundled weights it ships beside


def test_write_with_a_preset_uses_its_adapter(run_cli, styles, tmp_path):
    r = run_cli("write", "hello", "--style", "upright", "--seed", "1", "--candidates", "1",
                "-o", tmp_path / "u.json")
    assert r.code == 0, r.err
    assert "written with what lstm-graves learnt of it" in r.out
    ink = read_inks(tmp_path / "u.json")[0]
    assert ink.n_points > 20 and "prime_text" not in ink.meta


def test_ctrl_c_during_adapt_saves_and_the_same_command_goes_on(python_env, styles, weights,
                                                                  tmp_path):
    import signal
    import subprocess
    import sys
    import time

    env = dict(python_env, WRITESMOOTH_STYLES_DIR=str(styles))
    lines = sample_file(tmp_path / "mine.jsonl", ["abc de", "fgh ij", "klm", "nop qr"])
    cmd = [sys.executable, "-m", "writesmooth", "style"]
    assert subprocess.run(cmd + ["add", "mine", str(lines)], env=env).returncode == 0
    adapt = cmd + ["adapt", "mine", "--weights", str(weights), "--minutes", "10"]
    resume = styles / "mine" / "adapters" / "lstm-graves.resume"
    proc = subprocess.Popen(adapt, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while not resume.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert resume.exists(), "no checkpoint was saved"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in err and "style adapt mine" in err and "Traceback" not in err
    again = subprocess.run(adapt[:-1] + ["0.05"], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "continuing the interrupted adaptation" in again.stdout
    assert (styles / "mine" / "adapters" / "lstm-graves.adapter").is_file()
    assert not resume.exists()


def test_a_preset_file_that_cannot_be_read_is_left_out_with_a_warning(run_cli, styles, tmp_path,
                                                                       register_plugin):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    register_plugin(Presets(bad), "broken-presets")
    r = run_cli("style", "list", "--json")
    assert r.code == 0 and "preset style left out" in r.err
    assert all(s["name"] != "bad" for s in json.loads(r.out)["styles"])
