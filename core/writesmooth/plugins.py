"""The plugin manager: entry-point discovery, registries, and duplicate checks.

Built-in renderers and formats are registered through the core's own entry points, exactly like
a third-party plugin. Nothing heavy (torch) is imported here.
"""
from __future__ import annotations

import importlib.metadata as md
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pluggy

from . import hookspecs
from .api import DatasetLayout, InkFormat, Model, Renderer
from .errors import PluginError, WritesmoothError

ENTRY_POINT_GROUP = "writesmooth"
ENV_FILTER = "WRITESMOOTH_LOAD_PLUGINS"


@dataclass
class PluginInfo:
    """One loaded (or failed) plugin."""

    name: str                       # entry-point name, or the name given to register_plugin
    module: str
    distribution: str | None = None
    version: str | None = None
    hooks: list[str] = field(default_factory=list)
    error: str | None = None        # set when the plugin failed to load


@dataclass
class Entry:
    """A registered object and the plugin that registered it."""

    obj: Any
    plugin: str


class Toolkit:
    """Owns the pluggy manager and the registries of models, renderers and formats."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self._registries: dict[str, dict[str, Entry]] | None = None

    # --- loading --------------------------------------------------------------------------
    def load_entry_points(self, only: Iterable[str] | None = None) -> None:
        """Import every entry point of the group (or those named in ``only``).

        ``only`` defaults to the comma list in ``$WRITESMOOTH_LOAD_PLUGINS`` when that is set
        (empty: none). A plugin that fails to import is recorded with its error, not raised.
        """
        if only is None and ENV_FILTER in os.environ:
            only = [n.strip() for n in os.environ[ENV_FILTER].split(",") if n.strip()]
        wanted = set(only) if only is not None else None
        seen: set[str] = set()
        for ep in md.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in seen or (wanted is not None and ep.name not in wanted):
                continue
            seen.add(ep.name)
            dist = getattr(ep, "dist", None)
            info = PluginInfo(name=ep.name, module=ep.value,
                              distribution=dist.metadata["Name"] if dist else None,
                              version=dist.version if dist else None)
            try:
                module = ep.load()
            except Exception as exc:  # a broken third-party plugin must not take the CLI down
                info.error = f"{type(exc).__name__}: {exc}"
                self.infos[ep.name] = info
                continue
            self._register(module, info)
        self.pm.check_pending()

    def register_plugin(self, plugin: Any, name: str | None = None) -> str:
        """Register a module or object with hook implementations (tests, embedding)."""
        name = name or getattr(plugin, "__name__", None) or repr(plugin)
        info = PluginInfo(name=name, module=getattr(plugin, "__name__", type(plugin).__name__))
        self._register(plugin, info)
        self.pm.check_pending()
        return name

    def unregister_plugin(self, name: str) -> None:
        self.pm.unregister(name=name)
        self.infos.pop(name, None)
        self._registries = None

    def _register(self, plugin: Any, info: PluginInfo) -> None:
        if info.name in self.infos or self.pm.has_plugin(info.name):
            raise PluginError(f"two plugins are named '{info.name}'")
        self.pm.register(plugin, name=info.name)
        info.hooks = sorted(hc.name for hc in self.pm.get_hookcallers(plugin) or [])
        self.infos[info.name] = info
        self._registries = None

    # --- registries -----------------------------------------------------------------------
    def _collect(self, hook_name: str, base: type, key: Callable[[Any], Iterable[str]],
                 what: str) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        bases = base if isinstance(base, tuple) else (base,)
        base_name = " or ".join(f"writesmooth.{b.__name__}" for b in bases)
        hook = getattr(self.pm.hook, hook_name)
        for impl in reversed(hook.get_hookimpls()):  # registration order
            plugin_name = impl.plugin_name

            def register(obj: Any, _plugin: str = plugin_name) -> Any:
                if not (isinstance(obj, type) and issubclass(obj, base)):
                    raise PluginError(f"plugin '{_plugin}' registered {obj!r}, which is not a "
                                      f"subclass of {base_name}")
                keys = list(key(obj))
                if not keys or not all(keys):
                    raise PluginError(f"plugin '{_plugin}' registered a {what} without a name")
                for k in keys:
                    if k in found:
                        raise PluginError(f"{what} '{k}' is registered by both plugin "
                                          f"'{found[k].plugin}' and plugin '{_plugin}'")
                    found[k] = Entry(obj, _plugin)
                return obj

            impl.function(register=register)
        return found

    def _all(self) -> dict[str, dict[str, Entry]]:
        if self._registries is None:
            self._registries = {
                "models": self._collect("register_models", Model, lambda c: [c.name], "model"),
                "renderers": self._collect("register_renderers", Renderer,
                                           lambda c: [s.lower() for s in c.suffixes],
                                           "renderer suffix"),
                "formats": self._collect_datasets(),
            }
        return self._registries

    def _collect_datasets(self) -> dict[str, Entry]:
        entries = self._collect("register_datasets", (InkFormat, DatasetLayout),  # type: ignore[arg-type]
                                lambda c: [c.name], "dataset format")
        return entries

    @property
    def models(self) -> dict[str, Entry]:
        return self._all()["models"]

    @property
    def renderers(self) -> dict[str, Entry]:
        """Keyed by lower-case suffix, e.g. ``.svg``."""
        return self._all()["renderers"]

    @property
    def formats(self) -> dict[str, Entry]:
        """Ink formats and dataset layouts, keyed by name."""
        return self._all()["formats"]

    # --- lookups with clear errors ----------------------------------------------------------
    def model(self, name: str) -> type[Model]:
        if name not in self.models:
            known = ", ".join(sorted(self.models)) or "none"
            raise WritesmoothError(f"unknown model '{name}' (registered: {known})")
        return self.models[name].obj

    def renderer_for(self, path: Path) -> Renderer:
        suffix = Path(path).suffix.lower()
        if suffix not in self.renderers:
            known = ", ".join(sorted(self.renderers)) or "none"
            shown = suffix or "(none)"
            raise WritesmoothError(f"no renderer for output suffix '{shown}' of {path} "
                                   f"(known: {known})")
        return self.renderers[suffix].obj()

    def ink_formats(self) -> list[InkFormat]:
        return [e.obj() for e in self.formats.values() if issubclass(e.obj, InkFormat)]

    def layouts(self) -> list[DatasetLayout]:
        return [e.obj() for e in self.formats.values() if issubclass(e.obj, DatasetLayout)]

    def failed(self) -> list[PluginInfo]:
        return [i for i in self.infos.values() if i.error]


_toolkit: Toolkit | None = None


def get_toolkit() -> Toolkit:
    """The process-wide toolkit, loaded from entry points on first use."""
    global _toolkit
    if _toolkit is None:
        tk = Toolkit()
        tk.load_entry_points()
        _toolkit = tk
        for info in tk.failed():
            print(f"writesmooth: warning: plugin '{info.name}' ({info.module}) failed to load: "
                  f"{info.error}", file=sys.stderr)
    return _toolkit


def reset_toolkit() -> None:
    """Forget the loaded toolkit (tests, or after installing a plugin in-process)."""
    global _toolkit
    _toolkit = None
