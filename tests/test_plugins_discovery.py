"""Real entry-point discovery: a temporary ``.dist-info`` on ``sys.path``, found by
importlib.metadata exactly as an installed distribution would be."""
from __future__ import annotations

import sys
import textwrap
from itertools import count
from pathlib import Path

import pytest

from writesmooth import PluginError
from writesmooth.plugins import Toolkit, get_toolkit, reset_toolkit

_serial = count()

GOOD_PLUGIN = '''
import writesmooth

class FooModel(writesmooth.Model):
    name = "{model}"
    capabilities = frozenset({{"write", "smooth"}})
    description = "from a temporary dist-info"

class FooRenderer(writesmooth.Renderer):
    suffixes = (".foo",)
    def render(self, inks, path, **options):
        path.write_text("foo")

@writesmooth.hookimpl
def register_models(register):
    register(FooModel)

@writesmooth.hookimpl
def register_renderers(register):
    register(FooRenderer)
'''


def install_fake_distribution(root: Path, monkeypatch, source: str, *, dist: str = "foo",
                              entry_point: str = "foo") -> str:
    """Write ``<dist>-1.0.dist-info`` and a plugin module into ``root`` and put it on sys.path.

    Returns the module's name (unique per call, so no test sees another's cached module).
    """
    module = f"ws_test_plugin_{next(_serial)}"
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[writesmooth]\n{entry_point} = {module}\n")
    monkeypatch.syspath_prepend(str(root))  # also invalidates importlib's caches
    monkeypatch.delitem(sys.modules, module, raising=False)
    return module


@pytest.fixture(autouse=True)
def fresh_toolkit(monkeypatch):
    """Every test starts and ends with the process toolkit unloaded, and no filter set."""
    monkeypatch.delenv("WRITESMOOTH_LOAD_PLUGINS", raising=False)
    reset_toolkit()
    yield
    reset_toolkit()


def test_an_installed_distribution_is_discovered(tmp_path, monkeypatch):
    module = install_fake_distribution(tmp_path, monkeypatch,
                                       GOOD_PLUGIN.format(model="foo-model"))
    tk = get_toolkit()
    info = tk.infos["foo"]
    assert (info.distribution, info.version, info.module) == ("foo", "1.0", module)
    assert info.hooks == ["register_models", "register_renderers"] and info.error is None
    assert tk.models["foo-model"].plugin == "foo"
    assert tk.renderers[".foo"].plugin == "foo"
    assert {"render", "formats", "gan_stub", "lstm_graves"} <= set(tk.infos)  # still there


def test_discovered_plugin_shows_in_the_cli(tmp_path, monkeypatch, run_cli):
    install_fake_distribution(tmp_path, monkeypatch, GOOD_PLUGIN.format(model="foo-model"))
    result = run_cli("models")
    assert result.code == 0 and "foo-model" in result.out
    result = run_cli("plugins", "--json")
    assert '"distribution": "foo"' in result.out


def test_a_model_name_clash_between_distributions_names_both(tmp_path, monkeypatch, run_cli):
    install_fake_distribution(tmp_path, monkeypatch, GOOD_PLUGIN.format(model="gan-stub"))
    with pytest.raises(PluginError, match="model 'gan-stub' is registered by both plugin "
                                          "'(gan_stub|foo)' and plugin '(gan_stub|foo)'") as info:
        get_toolkit().models
    assert "'gan_stub'" in str(info.value) and "'foo'" in str(info.value)
    reset_toolkit()
    result = run_cli("models")
    assert result.code == 2 and len(result.err_lines) == 1
    assert "'gan_stub'" in result.err and "'foo'" in result.err


def test_two_distributions_claiming_one_entry_point_name_is_an_error(tmp_path, monkeypatch):
    install_fake_distribution(tmp_path, monkeypatch, "", dist="other-dist", entry_point="render")
    with pytest.raises(PluginError, match="plugin name 'render' is claimed by both distribution "
                                          "'(writesmooth|other-dist)' and distribution "
                                          "'(writesmooth|other-dist)'"):
        Toolkit().load_entry_points()


def test_a_plugin_that_fails_to_import_is_reported_by_entry_point_name(tmp_path, monkeypatch,
                                                                       run_cli):
    install_fake_distribution(tmp_path, monkeypatch,
                              "import no_such_module_anywhere\n", entry_point="broken_one")
    failures = []
    tk = Toolkit(on_failure=failures.append)
    tk.load_entry_points()
    assert [i.name for i in tk.failed()] == ["broken_one"]
    assert "ModuleNotFoundError" in tk.infos["broken_one"].error
    assert len(failures) == 1 and failures[0].startswith("plugin 'broken_one' (")
    assert "lstm-graves" in tk.models  # the others still load

    # ... and the CLI keeps working, with one warning line that names it
    result = run_cli("models", "--json")
    assert result.code == 0 and "lstm-graves" in result.out
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith("warning: plugin 'broken_one'")
    result = run_cli("plugins")
    assert "broken_one" in result.out and "failed" in result.out


def test_a_misspelt_hook_in_an_installed_plugin_fails_loudly(tmp_path, monkeypatch, run_cli):
    install_fake_distribution(tmp_path, monkeypatch, '''
        import writesmooth

        @writesmooth.hookimpl
        def register_model(register):
            pass
        ''', entry_point="typo")
    with pytest.raises(PluginError, match="plugin 'typo' .* unknown hook 'register_model' "
                                          r"\(did you mean 'register_models'\?\)"):
        Toolkit().load_entry_points()
    result = run_cli("models")
    assert result.code == 2 and len(result.err_lines) == 1
    assert "plugin 'typo'" in result.err_lines[0]


@pytest.mark.parametrize("value, expected", [
    ("foo", {"foo"}),
    (" foo , render ", {"foo", "render"}),
    ("", set()),
])
def test_load_plugins_filter_limits_what_loads(tmp_path, monkeypatch, value, expected):
    install_fake_distribution(tmp_path, monkeypatch, GOOD_PLUGIN.format(model="foo-model"))
    monkeypatch.setenv("WRITESMOOTH_LOAD_PLUGINS", value)
    tk = get_toolkit()
    assert set(tk.infos) == expected
    assert ("foo-model" in tk.models) == ("foo" in expected)


def test_with_no_plugins_loaded_the_cli_still_answers(monkeypatch, run_cli):
    monkeypatch.setenv("WRITESMOOTH_LOAD_PLUGINS", "")
    result = run_cli("models", "--json")
    assert (result.code, result.out.strip()) == (0, "[]")
    result = run_cli("render", "x.xml", "-o", "x.svg")
    assert result.code == 2 and "known: none" in result.err
