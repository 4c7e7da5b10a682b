"""The core CLI: version, help, plugins, models, render, expected errors, logging; in-process
and through the installed ``writesmooth`` script."""
from __future__ import annotations

import json
import logging
import logging.handlers
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer

import writesmooth
from writesmooth.cli.app import build_app

BIN = Path(sys.executable).parent


def all_command_paths() -> list[list[str]]:
    """Every command and sub-command of the CLI as the words that invoke it."""
    paths: list[list[str]] = []

    def walk(command, prefix: list[str]) -> None:  # a click command, whichever click typer uses
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            paths.append(prefix + [name])
            walk(sub, prefix + [name])

    walk(typer.main.get_command(build_app()), [])
    return paths


def test_version(run_cli):
    result = run_cli("--version")
    assert (result.code, result.out.strip()) == (0, f"writesmooth {writesmooth.__version__}")


@pytest.mark.parametrize("words", [[]] + all_command_paths(), ids=" ".join)
def test_every_command_has_help(run_cli, words):
    result = run_cli(*words, "--help")
    assert result.code == 0 and "Usage" in result.out and result.err == ""


def test_no_arguments_shows_help(run_cli):
    result = run_cli()
    assert "Usage" in result.out + result.err and "render" in result.out + result.err


def test_plugins_json_lists_the_distributions_and_builtin_renderers(run_cli):
    result = run_cli("plugins", "--json")
    assert result.code == 0
    plugins = {p["name"]: p for p in json.loads(result.out)}
    assert plugins["render"]["distribution"] == "writesmooth"
    assert plugins["render"]["hooks"] == ["register_renderers"]
    assert plugins["formats"]["hooks"] == ["register_datasets"]
    assert plugins["lstm_graves"]["distribution"] == "writesmooth-lstm-graves"
    assert plugins["gan_stub"]["distribution"] == "writesmooth-gan-stub"
    assert all(p["error"] is None for p in plugins.values())


def test_plugins_json_says_what_each_plugin_provides(run_cli):
    plugins = {p["name"]: p for p in json.loads(run_cli("plugins", "--json").out)}
    assert plugins["render"]["provides"] == {"renderers": [".png", ".svg"]}
    assert plugins["formats"]["provides"] == {"formats": ["iam-ondb", "iam-xml", "inkml", "jsonl"]}
    assert "lstm-graves" in plugins["lstm_graves"]["provides"]["models"]
    assert plugins["gan_stub"]["provides"] == {"models": ["gan-stub"]}


def test_plugins_table(run_cli):
    result = run_cli("plugins")
    assert result.code == 0
    for word in ("render", "writesmooth-lstm-graves", "renderers .png .svg", "models gan-stub"):
        assert word in result.out


def test_models_json_lists_the_project_models(run_cli):
    result = run_cli("models", "--json")
    assert result.code == 0
    models = {m["name"]: m for m in json.loads(result.out)}
    assert models["lstm-graves"]["plugin"] == "lstm_graves"
    assert models["lstm-graves"]["capabilities"] == ["train", "write", "smooth", "evaluate",
                                                     "adapt", "positions"]
    assert models["gan-stub"]["capabilities"] == []
    assert set(models["gan-stub"]) == {"name", "plugin", "distribution", "capabilities",
                                       "bundled_weights", "weights", "description"}
    assert isinstance(models["lstm-graves"]["bundled_weights"], bool)


def test_models_table_and_one_model(run_cli):
    result = run_cli("models")
    assert result.code == 0 and "lstm-graves" in result.out and "gan-stub" in result.out
    result = run_cli("models", "gan-stub", "--json")
    assert [m["name"] for m in json.loads(result.out)] == ["gan-stub"]


def test_render_svg_and_png(run_cli, iam_line_file, tmp_path):
    for suffix in (".svg", ".png"):
        out = tmp_path / "sub" / f"line{suffix}"  # a missing folder is created
        result = run_cli("render", iam_line_file, "-o", out, "--height", "80",
                         "--color", "navy", "--stroke-width", "3",
                         "--background", "transparent")
        assert result.code == 0, result.err
        assert result.out.strip() == f"wrote {out}" and out.stat().st_size > 100
    assert "rgb(0,0,128)" in (tmp_path / "sub" / "line.svg").read_text()


# --- expected failures: one line on stderr, exit 2; --debug adds the traceback --------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<WhiteboardCaptureSession><StrokeSet><Stroke><Point x="1" y="1"/></Stroke></StrokeSet>
<Text>&lol9;</Text></WhiteboardCaptureSession>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<WhiteboardCaptureSession><StrokeSet><Stroke><Point x="1" y="1"/></Stroke></StrokeSet>
<Text>&e;</Text></WhiteboardCaptureSession>
"""
FAILURES = {
    # name: (file content or None for a missing file, output name, expected pattern)
    "malformed XML": (b"<WhiteboardCaptureSession><StrokeSet><Stroke>", "o.svg",
                      "malformed XML"),
    "external entity": (EXTERNAL_ENTITY, "o.svg", "refused"),
    "billion laughs": (BILLION_LAUGHS, "o.png", "refused"),
    "missing file": (None, "o.svg", "no such file"),
    "unknown suffix": (b"", "o.bmp", r"no renderer for output suffix '\.bmp' of \S+o\.bmp "
                                     r"\(known: [^)]*\.png, \.svg\)"),
    "not a line file": (b"<html><body/></html>", "o.svg", "unknown handwriting format"),
}


def failing_args(case: str, tmp_path: Path) -> tuple[list[str], str]:
    content, out, expected = FAILURES[case]
    ink = tmp_path / ("in.xml" if case != "not a line file" else "page.html")
    if content is not None:
        ink.write_bytes(content)
    return ["render", str(ink), "-o", str(tmp_path / out)], expected


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_expected_failure_is_one_line_and_exit_2(run_cli, tmp_path, case):
    args, expected = failing_args(case, tmp_path)
    result = run_cli(*args)
    assert result.code == 2
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith("error: ")
    assert re.search(expected, result.err_lines[0]), result.err_lines[0]
    assert "Traceback" not in result.err
    assert not list(tmp_path.glob("o.*"))  # nothing half-written


@pytest.mark.parametrize("case", ["malformed XML", "unknown suffix"])
def test_debug_shows_the_traceback(run_cli, tmp_path, case):
    args, expected = failing_args(case, tmp_path)
    result = run_cli("--debug", *args)
    assert result.code == 2
    assert "Traceback (most recent call last)" in result.err
    assert result.err_lines[-1].startswith("error: ")
    assert re.search(expected, result.err_lines[-1])


def test_hostile_xml_never_reads_the_entity(run_cli, tmp_path):
    args, _ = failing_args("external entity", tmp_path)
    result = run_cli(*args)
    assert "root:" not in result.err + result.out  # /etc/passwd's first line


def test_unknown_model_is_one_line_and_exit_2(run_cli):
    result = run_cli("models", "no-such-model")
    assert result.code == 2
    assert result.err_lines == ["error: unknown model 'no-such-model' (registered: gan-stub, "
                                "lstm-graves, lstm-graves-reader, lstm-graves-uncond)"]


def test_a_folder_instead_of_a_file(run_cli, tmp_path):
    result = run_cli("render", tmp_path, "-o", tmp_path / "o.svg")
    assert result.code == 2 and result.err_lines == [f"error: {tmp_path}: is a folder, "
                                                     "not a handwriting file"]


def test_unknown_option_is_a_usage_error_with_exit_2(run_cli):
    result = run_cli("models", "--no-such-option")
    assert result.code == 2 and "No such option" in result.err


# --- logging --------------------------------------------------------------------------------

def test_log_file_rotates_at_100_mb_with_50_files(run_cli, iam_line_file, tmp_path):
    log_file = tmp_path / "logs" / "ws.log"
    result = run_cli("--log-file", log_file, "--log-level", "debug", "render", iam_line_file,
                     "-o", tmp_path / "o.svg")
    assert result.code == 0
    [handler] = logging.getLogger("writesmooth").handlers
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert (handler.maxBytes, handler.backupCount) == (100 * 1024 * 1024, 50)
    handler.flush()
    text = log_file.read_text()
    assert "INFO writesmooth: writesmooth" in text and "render" in text
    assert f"wrote {tmp_path / 'o.svg'}" in text
    assert result.err == ""  # the console stays quiet: the details are in the file


def test_log_file_records_errors_and_honours_the_level(run_cli, tmp_path):
    log_file = tmp_path / "ws.log"
    run_cli("--log-file", log_file, "--log-level", "error", "render", tmp_path / "missing.xml",
            "-o", tmp_path / "o.svg")
    logging.getLogger("writesmooth").handlers[0].flush()
    lines = log_file.read_text().splitlines()
    assert len(lines) == 1 and "ERROR" in lines[0] and "no such file" in lines[0]


def test_bad_log_level_is_refused(run_cli):
    result = run_cli("--log-level", "loud", "models")
    assert result.code == 2 and "loud" in result.err


# --- real processes -----------------------------------------------------------------------

def script(name: str) -> str:
    found = shutil.which(name, path=str(BIN))
    if found is None:
        pytest.skip(f"the {name} script is not installed beside {sys.executable}")
    return found


def test_the_installed_script_and_python_m(python_env, iam_line_file, tmp_path):
    done = subprocess.run([script("writesmooth"), "--version"], capture_output=True, text=True,
                          env=python_env)
    assert (done.returncode, done.stdout.strip()) == (0, f"writesmooth {writesmooth.__version__}")
    done = subprocess.run([sys.executable, "-m", "writesmooth", "render", str(iam_line_file),
                           "-o", str(tmp_path / "o.png")], capture_output=True, text=True,
                          env=python_env)
    assert done.returncode == 0 and (tmp_path / "o.png").is_file()
    done = subprocess.run([script("writesmooth"), "render", str(tmp_path / "nope.xml"), "-o",
                           str(tmp_path / "o.svg")], capture_output=True, text=True,
                          env=python_env)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: {tmp_path / 'nope.xml'}: no such file"]
    assert done.stdout == ""


NO_TORCH = """
import sys, time
start = time.perf_counter()
from writesmooth.cli.main import run
code = run(sys.argv[1:])
elapsed = time.perf_counter() - start
heavy = sorted(m for m in ("torch", "svgwrite") if m in sys.modules)
print(f"IMPORTED={','.join(heavy)} SECONDS={elapsed:.3f}", file=sys.stderr)
sys.exit(code)
"""


def test_models_does_not_import_torch_and_answers_quickly(python_env):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", NO_TORCH, "models", "--json"],
                          capture_output=True, text=True, env=python_env)
    wall = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    assert {"lstm-graves", "gan-stub"} <= {m["name"] for m in json.loads(done.stdout)}
    report = done.stderr.strip().splitlines()[-1]
    print(f"writesmooth models --json: {report}, whole process {wall:.2f} s")
    assert "torch" not in report.split()[0]
    assert "svgwrite" not in report.split()[0]  # renderers are not even collected
    assert wall < 10  # a loose bound for a busy machine; it takes well under a second


def test_first_line_quotes_one_line_of_any_exception():
    from writesmooth.errors import first_line

    assert first_line(ValueError("\n  bad header\nsecond line")) == "bad header"
    assert first_line(EOFError()) == "EOFError"  # an empty message must not raise IndexError
    cut = first_line(RuntimeError("x" * 500), limit=40)
    assert len(cut) == 40 and cut.endswith("…")
