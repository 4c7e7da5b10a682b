"""The network's configuration: every size in one dataclass, overridable with ``--set``."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from writesmooth import WritesmoothError


@dataclass
class GravesConfig:
    hidden: int = 400            # LSTM cells per layer (Graves: 400)
    layers: int = 3              # stacked LSTM layers (Graves: 3)
    mixtures: int = 20           # M: bivariate Gaussians in the output mixture (Graves: 20)
    window: int = 10             # K: Gaussians of the attention window; 0 = unconditional (sec. 4)
    alphabet_size: int = 0       # V: one-hot classes of the text, set from the training alphabet
    min_char_count: int = 20     # a character seen fewer times in training shares the unknown class
    kappa_init: float = -3.0     # initial bias of log(kappa step): about 1/20 char per point
    output_clip: float = 100.0   # Graves clipped output derivatives to [-100, 100]
    lstm_clip: float = 10.0      # ... and LSTM derivatives to [-10, 10]: used as grad-norm clip

    @property
    def conditional(self) -> bool:
        return self.window > 0

    @property
    def output_size(self) -> int:
        return 1 + 6 * self.mixtures  # end-of-stroke logit, then pi, mu_x, mu_y, sd_x, sd_y, rho

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "GravesConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def with_overrides(self, overrides: dict[str, str]) -> "GravesConfig":
        """Apply ``--set FIELD=VALUE`` strings, converting to each field's type."""
        return with_overrides(self, overrides)


def with_overrides(config, overrides: dict[str, str], fixed: tuple[str, ...] = ()):
    """A copy of the dataclass ``config`` with ``--set FIELD=VALUE`` strings applied, each
    converted to its field's type; a field in ``fixed`` (set from the data) cannot be set."""
    types = {f.name: f.type for f in fields(config) if f.name not in fixed}
    data = asdict(config)
    for key, raw in overrides.items():
        if key not in types:
            raise WritesmoothError(f"unknown config field '{key}' for --set "
                                   f"(valid: {', '.join(sorted(types))})")
        kind = {"int": int, "float": float, "bool": _bool, "str": str}[str(types[key])]
        try:
            data[key] = kind(raw)
        except ValueError:
            raise WritesmoothError(f"--set {key}={raw}: expected {types[key]}") from None
    return type(config)(**data)


def _bool(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)
