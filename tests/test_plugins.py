"""Plugins registered inside a test (and unregistered after it): registries, clashes, errors."""
from __future__ import annotations

import inspect
import types

import pytest
import typer

import writesmooth
from writesmooth import PluginError, WritesmoothError
from writesmooth.plugins import Toolkit, get_toolkit


def plugin_module(name: str, **hooks) -> types.ModuleType:
    """A module whose attributes are the given hook implementations."""
    module = types.ModuleType(name)
    for hook_name, fn in hooks.items():
        setattr(module, hook_name, writesmooth.hookimpl(fn))
    return module


class Tiny(writesmooth.Model):
    name = "tiny-test-model"
    capabilities = frozenset({"write"})
    description = "registered by a test"

    def write(self, texts, *, bias=0.75, seed=None, style=None):
        return [writesmooth.Ink(strokes=[[[0, 0], [len(t), 0]]], text=t) for t in texts]


class Dot(writesmooth.Renderer):
    suffixes = (".DOT",)

    def render(self, inks, path, **options):
        path.write_text(f"{len(inks)} inks {sorted(options)}")


def registers(kind: str, *objs):
    def hook(register):
        for obj in objs:
            register(obj)
    return {kind: hook}


def test_a_registered_model_and_renderer_are_found_and_forgotten_after(register_plugin,
                                                                      tmp_path):
    register_plugin(plugin_module("tp", **registers("register_models", Tiny),
                                  **registers("register_renderers", Dot)), "test-plugin")
    tk = get_toolkit()
    assert tk.models["tiny-test-model"].plugin == "test-plugin"
    assert tk.model("tiny-test-model") is Tiny
    renderer = tk.renderer_for(tmp_path / "OUT.dot")  # suffixes match case-insensitively
    assert isinstance(renderer, Dot)
    assert tk.infos["test-plugin"].hooks == ["register_models", "register_renderers"]
    tk.unregister_plugin("test-plugin")
    assert "tiny-test-model" not in tk.models and ".dot" not in tk.renderers
    register_plugin(plugin_module("tp2", **registers("register_models", Tiny)), "again")
    assert "tiny-test-model" in tk.models


def test_the_project_plugins_are_registered():
    tk = get_toolkit()
    assert {"lstm-graves", "gan-stub"} <= set(tk.models)
    assert {".svg", ".png"} <= set(tk.renderers)
    assert tk.renderers[".svg"].plugin == "render"  # through the core's own entry point
    assert "iam-xml" in tk.formats


def test_the_project_models_default_to_the_toolkit_bias():
    """Called from Python with no bias, a model writes as the CLI does (at DEFAULT_BIAS)."""
    tk = get_toolkit()
    for name in ("lstm-graves", "gan-stub"):
        model = tk.model(name)
        for method in (model.write, model.smooth):
            bias = inspect.signature(method).parameters["bias"].default
            assert bias == writesmooth.DEFAULT_BIAS, (name, method.__name__, bias)


def test_two_plugins_registering_one_model_name_is_an_error_naming_both(register_plugin):
    class Clash(Tiny):
        pass

    register_plugin(plugin_module("a", **registers("register_models", Tiny)), "first-plugin")
    register_plugin(plugin_module("b", **registers("register_models", Clash)), "second-plugin")
    with pytest.raises(PluginError, match="model 'tiny-test-model' is registered by both "
                                          "plugin 'first-plugin' and plugin 'second-plugin'"):
        get_toolkit().models


def test_a_renderer_suffix_taken_by_a_builtin_is_an_error_naming_both(register_plugin, run_cli):
    class MySvg(writesmooth.Renderer):
        suffixes = (".svg",)

    register_plugin(plugin_module("c", **registers("register_renderers", MySvg)), "my-svg")
    with pytest.raises(PluginError, match="'.svg' is registered by both plugin 'render' and "
                                          "plugin 'my-svg'"):
        get_toolkit().renderers
    # `writesmooth plugins` is where one looks for the culprit: it warns and still lists
    result = run_cli("plugins")
    assert result.code == 0 and "my-svg" in result.out
    assert result.err_lines == ["warning: renderer suffix '.svg' is registered by both plugin "
                                "'render' and plugin 'my-svg'"]


def test_two_plugins_with_one_name_are_refused(register_plugin):
    register_plugin(plugin_module("d"), "same")
    with pytest.raises(PluginError, match="two plugins are named 'same'"):
        register_plugin(plugin_module("e"), "same")


@pytest.mark.parametrize("obj, message", [
    (object, "not a subclass of writesmooth.Model"),
    (Tiny(), "not a subclass"),
    (type("Nameless", (writesmooth.Model,), {}), "Nameless without a name"),
])
def test_registering_something_wrong_names_the_plugin(register_plugin, obj, message):
    register_plugin(plugin_module("f", **registers("register_models", obj)), "sloppy")
    with pytest.raises(PluginError, match=message) as info:
        get_toolkit().models
    assert "plugin 'sloppy'" in str(info.value)


def test_a_misspelt_hook_is_a_plugin_error_naming_plugin_and_hook():
    tk = Toolkit()
    with pytest.raises(PluginError) as info:
        tk.register_plugin(plugin_module("g", register_model=lambda register: None), "typo")
    message = str(info.value)
    assert "plugin 'typo'" in message and "unknown hook 'register_model'" in message
    assert "did you mean 'register_models'" in message
    assert not tk.pm.has_plugin("typo")  # refused, so the toolkit stays usable
    assert type(info.value.__cause__).__name__ == "PluginValidationError"


def test_a_hook_with_wrong_argument_names_is_a_plugin_error():
    tk = Toolkit()
    with pytest.raises(PluginError, match="plugin 'badargs'.*'reg'"):
        tk.register_plugin(plugin_module("h", register_models=lambda reg: None), "badargs")


def test_a_register_hook_that_raises_is_reported_and_skipped():
    failures = []
    tk = Toolkit(on_failure=failures.append)
    tk.register_plugin(plugin_module("i", **registers("register_models", Tiny)), "good")

    def broken(register):
        raise ImportError("no module named 'missing_dependency'")

    tk.register_plugin(plugin_module("k", register_models=broken), "broken")
    assert set(tk.models) == {"tiny-test-model"}  # the others still work
    assert tk.infos["broken"].error.startswith("register_models: ImportError")
    assert failures == ["plugin 'broken' (k) failed to load: register_models: ImportError: "
                        "no module named 'missing_dependency'"]
    assert [i.name for i in tk.failed()] == ["broken"]


def test_unknown_model_and_suffix_list_what_is_known(tmp_path):
    tk = get_toolkit()
    with pytest.raises(WritesmoothError, match=r"unknown model 'nope' \(registered: .*gan-stub"):
        tk.model("nope")
    with pytest.raises(WritesmoothError, match=r"'\.abc'.*\(known: .*\.png, \.svg"):
        tk.renderer_for(tmp_path / "out.abc")
    with pytest.raises(WritesmoothError, match=r"'\(none\)'"):
        tk.renderer_for(tmp_path / "out")


def test_unregistering_an_unknown_plugin_is_harmless():
    Toolkit().unregister_plugin("never-registered")


# --- register_commands --------------------------------------------------------------------

def test_a_plugin_command_joins_the_cli(register_plugin, run_cli):
    def hello(name: str = typer.Argument("world")) -> None:
        """Say hello (test command)."""
        print(f"hello {name}")

    def add(app):
        app.command("hello-test")(hello)

    register_plugin(plugin_module("cmds", register_commands=add), "cmds")
    result = run_cli("hello-test", "you")
    assert (result.code, result.out.strip()) == (0, "hello you")


def test_a_plugin_command_clashing_with_a_core_command_names_both(register_plugin, run_cli):
    def add(app):
        @app.command("models")
        def my_models() -> None:
            """Clash."""

    register_plugin(plugin_module("clash", register_commands=add), "clasher")
    result = run_cli("models")
    assert result.code == 2
    assert result.err_lines == ["error: command 'models' is registered by both 'writesmooth' "
                                "and plugin 'clasher'"]


def test_a_plugin_whose_register_commands_raises_is_named(register_plugin, run_cli):
    def add(app):
        raise RuntimeError("boom")

    register_plugin(plugin_module("boom", register_commands=add), "boomer")
    result = run_cli("plugins")
    assert result.code == 2
    assert result.err_lines == ["error: plugin 'boomer' failed in register_commands: "
                                "RuntimeError: boom"]
