"""Param and Spec: what an activation is, below both the registry and the ``core`` modules.

``core/`` modules build their ``SPECS`` from these types and ``registry.py`` joins them into the
name index; neither imports the other for the types, so there is no import circle.
"""

from __future__ import annotations

import difflib
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import UsageError


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()

# Parameter types: how a value given by a user (a Python value or CLI text) is coerced.
PARAM_TYPES = ("float", "optional_float", "bool", "int", "optional_int", "float_array")

_RULE_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@dataclass(frozen=True)
class Param:
    """One parameter of an activation.

    Args:
        name: Keras spelling (``negative_slope``, ``max_value``, ``b``, ``axis``).
        default: the default value, or ``REQUIRED``.
        type: one of ``PARAM_TYPES``.
        rule: a constraint ``"NAME OP NUMBER"`` (e.g. ``"b >= 0"``), checked on every call and
            quoted in the error; a ``float`` is always required to be finite.
        help: one line saying what it means.
        old_names: legacy spellings accepted in its place (tf.keras ``alpha`` for relu's slope).
    """

    name: str
    default: Any = REQUIRED
    type: str = "float"
    rule: str = ""
    help: str = ""
    old_names: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def coerce(self, owner: str, value: Any) -> Any:
        """Converts and checks one value; raises UsageError naming the parameter."""
        where = f"{owner}: {self.name}"
        try:
            value = _COERCE[self.type](value)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{where} must be {_TYPE_WORDS[self.type]}, got {value!r}") from exc
        if self.type == "float" and not math.isfinite(value):
            raise UsageError(f"{where} must be finite, got {value!r}")
        if self.type == "optional_float" and value is not None and not math.isfinite(value):
            raise UsageError(f"{where} must be finite or None, got {value!r}")
        if self.type == "float_array" and not np.all(np.isfinite(value)):
            raise UsageError(f"{where} must be finite, got {value!r}")
        if self.rule and value is not None:
            _, op, bound = self.rule.split()
            ok = _RULE_OPS[op](np.asarray(value), float(bound))
            if not np.all(ok):
                shown = value if np.ndim(value) == 0 else value.tolist()
                raise UsageError(f"{owner}: {self.rule} is required, got {self.name}={shown!r}")
        return value


def _to_float(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        raise TypeError(value)
    return float(value)


def _to_optional_float(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "")):
        return None
    return _to_float(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1", "yes", "on", "tanh"):
            return True
        if text in ("false", "0", "no", "off", "none"):
            return False
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    raise ValueError(value)


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(value)


def _to_optional_int(value: Any) -> int | None:
    # PyTorch's softmax(dim=None): None is a value of its own (the implicit dim), not "unset".
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "")):
        return None
    return _to_int(value)


def _to_float_array(value: Any) -> Any:
    if isinstance(value, str):
        parts = [p for p in value.replace(",", " ").split() if p]
        if not parts:
            raise ValueError(value)
        value = [float(p) for p in parts]
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim > 1 or arr.size == 0:
        raise ValueError(value)
    return float(arr) if arr.ndim == 0 else arr


_COERCE: dict[str, Callable[[Any], Any]] = {
    "float": _to_float,
    "optional_float": _to_optional_float,
    "bool": _to_bool,
    "int": _to_int,
    "optional_int": _to_optional_int,
    "float_array": _to_float_array,
}
_TYPE_WORDS = {
    "float": "a number",
    "optional_float": "a number or None",
    "bool": "true or false",
    "int": "an integer",
    "optional_int": "an integer or None",
    "float_array": "a number or a list of numbers",
}


def show_value(value: Any) -> str:
    """A parameter value as labels and help show it: ``0.5``, ``None``, ``[0.1, 0.2]``."""
    if isinstance(value, np.ndarray):
        return "[" + ", ".join(show_value(v) for v in value.tolist()) + "]"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _is_default(value: Any, default: Any) -> bool:
    if default is REQUIRED:
        return False
    if isinstance(value, np.ndarray) or isinstance(default, np.ndarray):
        return bool(np.array_equal(np.asarray(value, float), np.asarray(default, float)))
    if isinstance(value, float) and isinstance(default, float):
        # -0.0 is not the default 0.0
        return value == default and math.copysign(1, value) == math.copysign(1, default)
    return value is default or bool(value == default)


@dataclass(frozen=True)
class Spec:
    """Everything about one activation.

    ``fn`` and ``prime`` take ``(x, **params)`` with every parameter bound (see ``Spec.bind``);
    axis-wise specs also have ``jacobian`` and ``jvp``. ``kinks(params)`` lists the abscissae
    where the function or its derivative is not smooth (plots sample them, tests probe them).
    """

    name: str
    fn: Callable[..., np.ndarray]
    prime: Callable[..., np.ndarray]
    params: tuple[Param, ...] = ()
    aliases: tuple[str, ...] = ()
    axiswise: bool = False
    jacobian: Callable[..., np.ndarray] | None = None
    jvp: Callable[..., np.ndarray] | None = None
    formula: str = ""
    prime_formula: str = ""
    description: str = ""
    reference: str = ""
    origin: str = "keras.activations (Keras 3)"
    kink_rule: str = ""
    kinks: Callable[[Mapping[str, Any]], tuple[float, ...]] = field(default=lambda p: ())
    monotone: bool = False
    bounds: tuple[float, float] = (-math.inf, math.inf)
    plot_xlim: tuple[float, float] = (-6.0, 6.0)
    notes: str = ""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def bind(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Resolves old names, checks and coerces every value, and fills in the defaults."""
        params = dict(params or {})
        by_name = {p.name: p for p in self.params}
        for p in self.params:
            for old in p.old_names:
                if old in params:
                    if p.name in params:
                        raise UsageError(
                            f"{self.name}: give {p.name} or its old name {old}, not both"
                        )
                    params[p.name] = params.pop(old)
        bound: dict[str, Any] = {}
        for key, value in params.items():
            if key not in by_name:
                raise UsageError(self._unknown_param_message(key))
            bound[key] = by_name[key].coerce(self.name, value)
        for p in self.params:
            if p.name not in bound:
                if p.required:
                    raise UsageError(f"{self.name}: parameter {p.name} is required ({p.help})")
                bound[p.name] = p.default
        return bound

    def _unknown_param_message(self, key: str) -> str:
        names = [p.name for p in self.params] + [o for p in self.params for o in p.old_names]
        if not names:
            return f"{self.name} takes no parameters, got {key!r}"
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        listed = ", ".join(p.name for p in self.params)
        return f"{self.name} has no parameter {key!r} ({hint}parameters: {listed})"

    def changed_params(self, params: Mapping[str, Any]) -> list[str]:
        """``["alpha=0.5"]``: the given parameters that differ from their defaults, in spec
        order (what labels, legends and column names show)."""
        return [
            f"{p.name}={show_value(params[p.name])}"
            for p in self.params
            if p.name in params and not _is_default(params[p.name], p.default)
        ]

    def signature(self) -> str:
        """``relu(x, negative_slope=0.0, max_value=None, threshold=0.0)``."""
        parts = ["x"] + [p.name if p.required else f"{p.name}={p.default!r}" for p in self.params]
        return f"{self.name}({', '.join(parts)})"
