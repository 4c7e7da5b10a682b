"""The plugin manager: entry-point discovery, registries, and duplicate checks.

Built-in renderers and formats are registered through the core's own entry points, exactly like
a third-party plugin. Nothing heavy (torch) is imported here.
"""
from __future__ import annotations

import difflib
import importlib.metadata as md
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pluggy

from . import hookspecs
from .api import DatasetLayout, InkFormat, Model, Renderer
from .devices import resolve_device
from .errors import NotImplementedCapability, PluginError, WritesmoothError

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


@dataclass(frozen=True)
class _Registry:
    hook: str
    base: type | tuple[type, ...]
    keys: Callable[[Any], list[str]]
    what: str


# Each registry is collected on first use only, so `writesmooth models` never imports the
# renderers (svgwrite). The command line collects the models at start-up (their declared options
# become flags), which imports only their light entry modules, never torch.
REGISTRIES = {
    "models": _Registry("register_models", Model, lambda c: [c.name], "model"),
    "renderers": _Registry("register_renderers", Renderer,
                           lambda c: [s.lower() for s in c.suffixes], "renderer suffix"),
    "formats": _Registry("register_datasets", (InkFormat, DatasetLayout), lambda c: [c.name],
                         "dataset format"),
}


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _spec_names() -> list[str]:
    return sorted(n for n in dir(hookspecs) if n.startswith(("register_", "on_")))


class Toolkit:
    """Owns the pluggy manager and the registries of models, renderers and formats."""

    def __init__(self, *, on_failure: Callable[[str], None] = _warn) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self._registries: dict[str, dict[str, Entry]] = {}
        self._on_failure = on_failure

    # --- loading --------------------------------------------------------------------------
    def load_entry_points(self, only: Iterable[str] | None = None) -> None:
        """Import every entry point of the group (or those named in ``only``).

        ``only`` defaults to the comma list in ``$WRITESMOOTH_LOAD_PLUGINS`` when that is set
        (empty: none). A plugin that fails to import is recorded with its error and reported,
        not raised: one broken third-party plugin must not take the CLI down. A plugin that
        implements a hook that does not exist (a misspelling) is an error naming it.
        """
        if only is None and ENV_FILTER in os.environ:
            only = [n.strip() for n in os.environ[ENV_FILTER].split(",") if n.strip()]
        wanted = set(only) if only is not None else None
        providers: dict[str, str | None] = {}
        for ep in md.entry_points(group=ENTRY_POINT_GROUP):
            if wanted is not None and ep.name not in wanted:
                continue
            dist = getattr(ep, "dist", None)
            dist_name = dist.metadata["Name"] if dist else None
            if ep.name in providers:
                # importlib.metadata already folds duplicate copies of one distribution, so
                # this is two distributions claiming one plugin name: neither may win silently.
                raise PluginError(f"plugin name '{ep.name}' is claimed by both distribution "
                                  f"'{providers[ep.name]}' and distribution '{dist_name}'")
            providers[ep.name] = dist_name
            info = PluginInfo(name=ep.name, module=ep.value, distribution=dist_name,
                              version=dist.version if dist else None)
            try:
                module = ep.load()
            except Exception as exc:
                self._record_failure(info, f"{type(exc).__name__}: {exc}")
                continue
            self._register(module, info)

    def register_plugin(self, plugin: Any, name: str | None = None) -> str:
        """Register a module or object with hook implementations (tests, embedding)."""
        name = name or getattr(plugin, "__name__", None) or repr(plugin)
        info = PluginInfo(name=name, module=getattr(plugin, "__name__", type(plugin).__name__))
        self._register(plugin, info)
        return name

    def unregister_plugin(self, name: str) -> None:
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)
        self.infos.pop(name, None)
        self._registries.clear()

    def _register(self, plugin: Any, info: PluginInfo) -> None:
        if info.name in self.infos or self.pm.has_plugin(info.name):
            raise PluginError(f"two plugins are named '{info.name}'")
        try:
            self.pm.register(plugin, name=info.name)
        except pluggy.PluginValidationError as exc:  # a hook with the wrong arguments
            # pluggy's message spans lines and its last one names the offending argument
            detail = " ".join(str(exc).split())
            raise PluginError(f"plugin '{info.name}' ({info.module}): {detail}") from exc
        except ValueError as exc:  # pluggy: this very object is already registered
            raise PluginError(f"plugin '{info.name}' ({info.module}): {exc}") from exc
        try:
            self.pm.check_pending()  # a misspelt hook name must fail loudly, not be ignored
        except pluggy.PluginValidationError as exc:
            unknown = sorted(hc.name for hc in self.pm.get_hookcallers(plugin) or []
                             if not hc.has_spec())
            self.pm.unregister(name=info.name)  # leave the toolkit usable for the caller
            raise PluginError(f"plugin '{info.name}' ({info.module}) implements "
                              f"{_describe_unknown(unknown)}") from exc
        info.hooks = sorted(hc.name for hc in self.pm.get_hookcallers(plugin) or [])
        self.infos[info.name] = info
        self._registries.clear()

    def _record_failure(self, info: PluginInfo, error: str) -> None:
        info.error = error
        self.infos[info.name] = info
        self._on_failure(f"plugin '{info.name}' ({info.module}) failed to load: {error}")

    # --- registries -----------------------------------------------------------------------
    def _collect(self, spec: _Registry) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        bases = spec.base if isinstance(spec.base, tuple) else (spec.base,)
        base_name = " or ".join(f"writesmooth.{b.__name__}" for b in bases)
        hook = getattr(self.pm.hook, spec.hook)
        for impl in hook.get_hookimpls():  # registration order: the first claimant is named first
            plugin_name = impl.plugin_name
            info = self.infos.get(plugin_name)
            if info is not None and info.error:
                continue
            mine: list[tuple[str, Any]] = []

            def register(obj: Any, _plugin: str = plugin_name) -> Any:
                if not (isinstance(obj, type) and issubclass(obj, spec.base)):
                    raise PluginError(f"plugin '{_plugin}' registered {obj!r}, which is not a "
                                      f"subclass of {base_name}")
                keys = list(spec.keys(obj))
                if not keys or not all(keys):
                    raise PluginError(f"plugin '{_plugin}' registered {spec.what} "
                                      f"{obj.__name__} without a name")
                mine.extend((k, obj) for k in keys)
                return obj

            try:
                impl.function(register=register)
            except PluginError:
                raise
            except Exception as exc:  # e.g. a lazy import inside the hook failed
                if info is not None:
                    self._record_failure(info, f"{spec.hook}: {type(exc).__name__}: {exc}")
                    continue
                raise PluginError(f"plugin '{plugin_name}' failed in {spec.hook}: "
                                  f"{type(exc).__name__}: {exc}") from exc
            for k, obj in mine:
                if k in found:
                    raise PluginError(f"{spec.what} '{k}' is registered by both plugin "
                                      f"'{found[k].plugin}' and plugin '{plugin_name}'")
                found[k] = Entry(obj, plugin_name)
        return found

    def _get(self, kind: str) -> dict[str, Entry]:
        if kind not in self._registries:
            self._registries[kind] = self._collect(REGISTRIES[kind])
        return self._registries[kind]

    @property
    def models(self) -> dict[str, Entry]:
        return self._get("models")

    @property
    def renderers(self) -> dict[str, Entry]:
        """Keyed by lower-case suffix, e.g. ``.svg``."""
        return self._get("renderers")

    @property
    def formats(self) -> dict[str, Entry]:
        """Ink formats and dataset layouts, keyed by name."""
        return self._get("formats")

    # --- lookups with clear errors ----------------------------------------------------------
    def model(self, name: str) -> type[Model]:
        if name not in self.models:
            known = ", ".join(sorted(self.models)) or "none"
            raise WritesmoothError(f"unknown model '{name}' (registered: {known})")
        return self.models[name].obj

    def default_model(self, capability: str) -> str:
        """The model used when none is named: the first (by name, as ``writesmooth models``
        lists them) that has ``capability`` and bundled weights; else the first with the
        capability that needs no weights; else one clear error."""
        able = [(name, e.obj) for name, e in sorted(self.models.items())
                if capability in e.obj.capabilities]
        for name, cls in able:
            if cls.default_weights() is not None:
                return name
        if able:
            return able[0][0]
        raise WritesmoothError(f"no registered model can {capability} "
                               f"(registered: {', '.join(sorted(self.models)) or 'none'})")

    def model_by_alias(self, alias: str) -> str:
        """A model name for ``alias`` (a name, or one of a model's ``aliases``)."""
        if alias in self.models:
            return alias
        for name, e in sorted(self.models.items()):
            if alias in e.obj.aliases:
                return name
        raise WritesmoothError(f"unknown model '{alias}' (registered: "
                               f"{', '.join(sorted(self.models)) or 'none'})")

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

    def preset_style_files(self) -> list[tuple[Path, str]]:
        """``(path, plugin)`` of each preset style file plugins register (``register_styles``),
        in registration order; :meth:`writesmooth.StyleBank.open` reads them."""
        found: list[tuple[Path, str]] = []
        for impl in self.pm.hook.register_styles.get_hookimpls():
            info = self.infos.get(impl.plugin_name)
            if info is not None and info.error:
                continue
            try:
                impl.function(register=lambda path, _p=impl.plugin_name: found.append(
                    (Path(path), _p)))
            except Exception as exc:
                raise PluginError(f"plugin '{impl.plugin_name}' failed in register_styles: "
                                  f"{type(exc).__name__}: {exc}") from exc
        return found

    def failed(self) -> list[PluginInfo]:
        return [i for i in self.infos.values() if i.error]


def _describe_unknown(unknown: list[str]) -> str:
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, _spec_names(), n=1)
        parts.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    return (f"unknown hook{'s' if len(unknown) > 1 else ''} {', '.join(parts)}; "
            f"see docs/plugin-hooks.md for the hooks that exist")


_toolkit: Toolkit | None = None


def get_toolkit() -> Toolkit:
    """The process-wide toolkit, loaded from entry points on first use."""
    global _toolkit
    if _toolkit is None:
        tk = Toolkit()
        tk.load_entry_points()
        _toolkit = tk
    return _toolkit


def reset_toolkit() -> None:
    """Forget the loaded toolkit (tests, or after installing a plugin in-process)."""
    global _toolkit
    _toolkit = None


def find_model(name: str | None = None, capability: str = "write") -> type[Model]:
    """The registered model class ``name`` (default: :meth:`Toolkit.default_model` of
    ``capability``); one clear error when there is none or it lacks ``capability``."""
    tk = get_toolkit()
    cls = tk.model(name or tk.default_model(capability))
    if capability not in cls.capabilities:
        raise NotImplementedCapability(
            f"model '{cls.name}' cannot {capability} (its capabilities: "
            f"{', '.join(sorted(cls.capabilities)) or 'none'})")
    return cls


def load_model(name: str | None = None, capability: str = "write", *,
               weights: Path | None = None, device: str = "auto") -> Model:
    """:func:`find_model`, loaded from ``weights`` (default: its bundled ones) on ``device``
    (``auto``: a CUDA GPU where there is one)."""
    return find_model(name, capability).load(weights, device=resolve_device(device))
