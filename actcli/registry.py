"""The registry: one Spec per activation, the name index, parameter binding and Keras lookup.

Everything about an activation is written once, in its Spec (in the ``core`` module of its
family); help texts, ``list``, ``info``, plot labels and the README table are generated from it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import numpy as np

from .core import axiswise, legacy, rectifiers, smooth
from .errors import UsageError
from .spec_types import PARAM_TYPES, REQUIRED, Param, Spec, show_value

__all__ = [
    "PARAM_TYPES",
    "REGISTRY",
    "REQUIRED",
    "Activation",
    "Param",
    "Registry",
    "Spec",
    "show_value",
]


class Activation:
    """A callable view of a spec: the function, or its derivative, with optional bound params.

    ``actcli.get`` and ``actcli.derivative`` return these; they are called as ``f(x, **params)``.
    """

    def __init__(self, spec: Spec, which: str = "fn", bound: Mapping[str, Any] | None = None):
        self.spec = spec
        self.which = which
        self.bound = dict(bound or {})
        suffix = {"fn": "", "prime": "_prime", "jacobian": "_jacobian", "jvp": "_jvp"}[which]
        self.__name__ = spec.name + suffix
        self.__doc__ = f"{spec.signature()}: {spec.formula}"

    def __call__(self, x: Any, *args: Any, out: Any = None, **params: Any) -> np.ndarray:
        """``f(x, **params)``; ``out=y`` writes the result into the array ``y`` (its shape and
        dtype must be the result's) and returns ``y``, as NumPy's ufuncs do."""
        merged = {**self.bound, **params}
        bound = self.spec.bind(merged)
        impl = getattr(self.spec, self.which)
        if getattr(getattr(x, "dtype", None), "type", int).__module__ == "ml_dtypes":
            from actcli import dtypes  # lazy: bfloat16 and float8 only (see actcli.dtypes)

            blockwise = self.which in ("fn", "prime") and not self.spec.axiswise
            blockwise = blockwise and not any(isinstance(v, np.ndarray) for v in bound.values())
            return dtypes.call_rounded(self, x, args, bound, out=out, blockwise=blockwise)
        if out is None:
            return impl(x, *args, **bound)
        if getattr(impl, "takes_out", False):
            return impl(x, *args, out=out, **bound)
        from actcli.core._array import store

        return store(out, impl(x, *args, **bound))

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.bound.items())
        return f"<actcli {self.__name__}{extra}>"


def _key(name: str) -> str:
    return name.strip().casefold().replace("-", "_")


class Registry:
    """The name index over all specs: canonical names and aliases, case-insensitive."""

    def __init__(self, specs: tuple[Spec, ...]):
        self.specs: dict[str, Spec] = {}
        self._index: dict[str, Spec] = {}
        for s in specs:
            if s.name in self.specs:
                raise RuntimeError(f"two specs named {s.name!r}")
            self.specs[s.name] = s
            for name in (s.name, *s.aliases):
                key = _key(name)
                if key in self._index and self._index[key] is not s:
                    raise RuntimeError(
                        f"name {name!r} names both {self._index[key].name!r} and {s.name!r}"
                    )
                self._index[key] = s

    def names(self) -> list[str]:
        return list(self.specs)

    def all_names(self) -> list[str]:
        """Canonical names and aliases (for completion)."""
        return [n for s in self.specs.values() for n in (s.name, *s.aliases)]

    def lookup(self, name: str) -> Spec:
        if not isinstance(name, str):
            raise UsageError(f"an activation name must be text, got {name!r}")
        spec = self._index.get(_key(name))
        if spec is None:
            raise UsageError(self._unknown_message(name))
        return spec

    def _unknown_message(self, name: str) -> str:
        keys = {_key(n): n for n in self.all_names()}
        close = difflib.get_close_matches(_key(name), list(keys), n=3, cutoff=0.6)
        if close:
            options = " or ".join(f"'{keys[c]}'" for c in close)
            return f"unknown activation {name!r} (did you mean {options}? see 'actcli list')"
        return f"unknown activation {name!r} (see 'actcli list')"

    def resolve(self, identifier: Any) -> Activation:
        """Keras-style lookup: None, a name, a config dict, or a callable."""
        if identifier is None:
            return Activation(self.lookup("linear"))
        if isinstance(identifier, Activation):
            return identifier
        if isinstance(identifier, str):
            return Activation(self.lookup(identifier))
        if isinstance(identifier, Mapping):
            return self._from_config(identifier)
        if callable(identifier):
            return identifier  # a user's own function passes through, as in Keras
        raise UsageError(f"cannot interpret {identifier!r} as an activation")

    def _from_config(self, config: Mapping[str, Any]) -> Activation:
        """Reads a Keras config dict; looks names up in the registry only, never imports."""
        class_name = config.get("class_name")
        inner = config.get("config")
        if class_name == "function" or (class_name is None and isinstance(inner, str)):
            if not isinstance(inner, str):
                raise UsageError(
                    f"Keras config of a function needs a name in 'config', got {inner!r}"
                )
            return Activation(self.lookup(inner))
        if not isinstance(class_name, str):
            raise UsageError(f"Keras config needs 'class_name', got {dict(config)!r}")
        module = str(config.get("module") or "")
        spec = None
        if "layers" in module or class_name[:1].isupper():
            try:
                spec = self.lookup(f"layers.{class_name}")
            except UsageError:
                spec = None
        if spec is None:
            spec = self.lookup(class_name)
        params = dict(inner) if isinstance(inner, Mapping) else {}
        known = {p.name for p in spec.params} | {o for p in spec.params for o in p.old_names}
        # Layer configs also carry name, trainable, dtype, ...: keep only the activation's own.
        bound = {k: v for k, v in params.items() if k in known}
        spec.bind(bound)  # validate now, so a bad config fails at lookup
        return Activation(spec, bound=bound)


def _build() -> Registry:
    return Registry(rectifiers.SPECS + smooth.SPECS + axiswise.SPECS + legacy.SPECS)


REGISTRY = _build()
