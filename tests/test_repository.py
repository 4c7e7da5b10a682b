"""The repository as a new maintainer reads it: small modules, no import cycle, layers that do
not cross, and nothing about how the project was developed."""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
CODE = ("core", "plugins", "benchmarks", "scripts", "docs/examples", "tests")
# Words about the development process, spelt in pieces so that this file does not match itself.
# The IAM XML root element is WhiteboardCaptureSession, which the word boundary leaves alone.
WORDS = ("sess" + "ions?", "throw" + "away", "iss" + r"ue\s+#?\d+")
PROCESS_WORDS = re.compile(r"\b(" + "|".join(WORDS) + r")\b", re.IGNORECASE)


def tracked(*suffixes: str) -> list[Path]:
    """Files git tracks (new files not yet added included), with one of ``suffixes``."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return [ROOT / p for p in listed.stdout.splitlines()
            if p.endswith(suffixes) and (ROOT / p).is_file()]


def python_files(*tops: str) -> list[Path]:
    return [p for p in tracked(".py") if p.relative_to(ROOT).as_posix().startswith(tops)]


def test_no_module_is_over_the_line_limit():
    long = {p.relative_to(ROOT).as_posix(): n for p in python_files(*CODE)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_process_words_are_found_and_the_iam_tag_is_not():
    assert PROCESS_WORDS.search("written in " + "sess" + "ion 12")
    assert PROCESS_WORDS.search("see " + "Iss" + "ue #32")
    assert not PROCESS_WORDS.search("<WhiteboardCaptureSession>")


def test_nothing_speaks_of_how_the_project_is_developed():
    found = []
    for path in tracked(".py", ".md", ".toml", ".txt", ".cfg", ".sh", "run", ".html", ".js",
                        ".css"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PROCESS_WORDS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}")
    assert found == []


def _imports(path: Path, package: str, root: Path) -> set[str]:
    """The modules of ``package`` that ``path`` imports (absolute or relative)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    here = parts[:-1]  # the package a relative import starts from (``__init__``'s own too)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{a.name}" for a in node.names)
    return {m.removesuffix(".__init__") for m in found if m == package or
            m.startswith(package + ".")}


def _modules(top: Path, package: str) -> dict[str, Path]:
    out = {}
    for path in (top / package).rglob("*.py"):
        name = ".".join(path.relative_to(top).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _cycles(top: Path, package: str) -> list[list[str]]:
    """Import cycles among the modules of ``package`` (module-level and function-level
    imports alike: a cycle is a tangle even when a late import hides it from Python)."""
    modules = _modules(top, package)
    graph = {m: {i for i in _imports(p, package, top) if i in modules and i != m}
             for m, p in modules.items()}
    # a package's __init__ re-exports its modules: edges into it are not cycles through it
    cycles, state = [], {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = "open"
        stack.append(m)
        for nxt in sorted(graph[m]):
            if nxt == package:
                continue
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    return cycles


@pytest.mark.parametrize("top,package", [
    ("core", "writesmooth"),
    ("plugins/lstm_graves", "writesmooth_lstm_graves"),
    ("plugins/gan_stub", "writesmooth_gan_stub"),
    ("plugins/web", "writesmooth_web"),
    ("plugins/pdf", "writesmooth_pdf"),
    ("plugins/plotter", "writesmooth_plotter"),
])
def test_no_import_cycle(top, package):
    assert _cycles(ROOT / top, package) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from .c import g\n")
    (pkg / "c.py").write_text("from pkg.a import x\n")
    assert _cycles(tmp_path, "pkg") == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]


def test_plugins_use_only_the_public_core():
    """A plugin never imports the command line or a private module of the core."""
    bad = []
    for path in python_files("plugins", "docs/examples"):
        for name in _imports(path, "writesmooth", path.parent):
            if name.startswith("writesmooth.cli"):
                bad.append(f"{path.relative_to(ROOT)}: {name}")
    assert bad == []


def test_the_core_below_the_cli_does_not_import_it():
    bad = []
    for path in python_files("core/writesmooth"):
        if "/cli/" in path.as_posix() or path.name == "__main__.py":  # the CLI's entry
            continue
        for name in _imports(path, "writesmooth", ROOT / "core"):
            if name.startswith("writesmooth.cli"):
                bad.append(f"{path.relative_to(ROOT)}: {name}")
    assert bad == []


def test_the_core_names_no_plugin():
    names = re.compile(r"lstm[-_]graves|gan[-_]stub|writesmooth_example|writesmooth[-_](pdf|plotter|web)")
    bad = [f"{p.relative_to(ROOT)}:{n}" for p in python_files("core")
           for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if names.search(line)]
    assert bad == []
