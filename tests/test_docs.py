"""Docs cannot drift: every hook and every CLI command is documented, and the plugin tutorial
shows the code that the example plugin really contains."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import typer

from writesmooth import hookspecs
from writesmooth.cli.app import build_app
from writesmooth.plugins import reset_toolkit

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# The project's own plugins: commands of other installed plugins are theirs to document.
PROJECT_PLUGINS = "render,formats,lstm_graves,gan_stub,web"


def headings(path: Path, levels: str = "#{2,3}") -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)  # not inside code blocks
    return [m.group(1).strip() for m in re.finditer(rf"^{levels} (.+)$", text, re.M)]


def hook_signatures() -> dict[str, str]:
    specs = {}
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(fn, f"{hookspecs.PROJECT}_spec"):
            specs[name] = f"{name}{inspect.signature(fn)}"
    return specs


def command_paths() -> list[str]:
    paths = []

    def walk(command, prefix: str) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            paths.append(f"{prefix} {name}")
            walk(sub, f"{prefix} {name}")

    walk(typer.main.get_command(build_app()), "writesmooth")
    return sorted(paths)


@pytest.fixture
def project_cli(monkeypatch):
    monkeypatch.setenv("WRITESMOOTH_LOAD_PLUGINS", PROJECT_PLUGINS)
    reset_toolkit()
    yield
    reset_toolkit()


def test_the_hooks_are_found():
    assert {"register_models(register)", "register_renderers(register)",
            "register_datasets(register)", "register_commands(app)"} <= set(
        hook_signatures().values())


@pytest.mark.parametrize("hook", sorted(hook_signatures()))
def test_every_hook_has_a_section_headed_by_its_signature(hook):
    signature = hook_signatures()[hook]
    documented = headings(DOCS / "plugin-hooks.md", "##")
    assert any(signature in h for h in documented), (
        f"docs/plugin-hooks.md needs a section '## {signature}'")


def test_plugin_hooks_md_documents_no_hook_that_does_not_exist():
    known = set(hook_signatures().values())
    for heading in headings(DOCS / "plugin-hooks.md", "##"):
        if "(" in heading:
            assert heading in known, f"docs/plugin-hooks.md: '{heading}' is not a hook"


def test_every_command_has_a_section_in_cli_md(project_cli):
    paths = command_paths()
    assert {"writesmooth plugins", "writesmooth models", "writesmooth render"} <= set(paths)
    documented = set(headings(DOCS / "cli.md"))
    missing = [p for p in paths if p not in documented]
    assert not missing, "docs/cli.md needs sections: " + ", ".join(f"'## {p}'" for p in missing)


def test_cli_md_documents_no_command_that_does_not_exist(project_cli):
    paths = set(command_paths())
    stale = [h for h in headings(DOCS / "cli.md") if h.startswith("writesmooth ")
             and h not in paths]
    assert not stale, f"docs/cli.md documents commands the CLI does not have: {stale}"


def test_cli_md_documents_the_global_options():
    text = (DOCS / "cli.md").read_text()
    for option in ("--version", "--log-file", "--log-level", "--debug", "--help",
                   "WRITESMOOTH_LOAD_PLUGINS"):
        assert option in text, option


def code_blocks(path: Path) -> list[str]:
    return [m.group(1) for m in re.finditer(r"```\w*\n(.*?)```", path.read_text(), re.S)]


@pytest.mark.parametrize("source", [
    "docs/examples/writesmooth-example/pyproject.toml",
    "docs/examples/writesmooth-example/writesmooth_example/plugin.py",
    "plugins/gan_stub/writesmooth_gan_stub/plugin.py",
])
def test_the_tutorial_shows_the_real_files(source):
    blocks = [b.strip() for b in code_blocks(DOCS / "writing-plugins.md")]
    assert (ROOT / source).read_text().strip() in blocks, (
        f"docs/writing-plugins.md must show {source} as it is")


def test_doc_links_resolve():
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        if not page.exists():
            continue
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


def test_the_tutorial_names_every_public_name():
    import writesmooth

    text = (DOCS / "writing-plugins.md").read_text()
    missing = [n for n in writesmooth.__all__ if not n.startswith("_") and n != "CAPABILITIES"
               and n != "stack_lines" and f"`{n}" not in text and n not in text]
    assert not missing, f"docs/writing-plugins.md should name {missing}"
