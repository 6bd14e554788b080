"""actcli: activation functions and their derivatives, exact, from NumPy or the command line.

    >>> import actcli
    >>> actcli.get("relu")([-2.0, 0.5]).tolist()
    [0.0, 0.5]
    >>> actcli.derivative("relu")([-2.0, 0.5]).tolist()
    [0.0, 1.0]
"""

from __future__ import annotations

from typing import Any

from .errors import ActcliError, DataError, UsageError
from .registry import REGISTRY, Activation, Param, Spec

__version__ = "0.1.0"

__all__ = [
    "ActcliError",
    "Activation",
    "DataError",
    "Param",
    "Spec",
    "UsageError",
    "derivative",
    "get",
    "jacobian",
    "jvp",
    "names",
    "serialize",
    "spec",
]


def get(identifier: Any) -> Activation:
    """Returns the activation named by ``identifier``, called as ``f(x, **params)``.

    Args:
        identifier: a name or alias (any case), ``None`` (linear), a Keras config dict, or a
            callable (returned as it is).

    Raises:
        UsageError: unknown name (the message suggests the closest ones) or bad config.

    >>> get("LeakyReLU")([-2.0]).tolist()
    [-0.6000000000000001]
    """
    return REGISTRY.resolve(identifier)


def _view(identifier: Any, which: str) -> Activation:
    act = REGISTRY.resolve(identifier)
    if not isinstance(act, Activation):
        raise UsageError(f"{identifier!r} is not an actcli activation")
    if getattr(act.spec, which) is None:
        raise UsageError(f"{act.spec.name} is elementwise: it has no {which} (see derivative)")
    return Activation(act.spec, which, act.bound)


def derivative(identifier: Any) -> Activation:
    """Returns the analytic derivative ``df(x, **params)`` (the Jacobian diagonal for axis-wise
    functions).

    >>> derivative("hard_sigmoid")([0.0, 4.0]).tolist()
    [0.16666666666666666, 0.0]
    """
    return _view(identifier, "prime")


def jacobian(identifier: Any) -> Activation:
    """Returns ``J(x, **params)`` of an axis-wise function: shape ``(..., m, n)`` along ``axis``."""
    return _view(identifier, "jacobian")


def jvp(identifier: Any) -> Activation:
    """Returns ``jvp(x, v, **params)``: the Jacobian-vector product, without forming J."""
    return _view(identifier, "jvp")


def spec(identifier: Any) -> Spec:
    """Returns the registry entry (a ``Spec``) for a name, config dict or actcli function."""
    act = REGISTRY.resolve(identifier)
    if not isinstance(act, Activation):
        raise UsageError(f"{identifier!r} is not an actcli activation")
    return act.spec


def serialize(fn: Any) -> str:
    """Returns the canonical name of an actcli activation (``serialize(get("swish")) == "silu"``)."""
    if isinstance(fn, Activation):
        return fn.spec.name
    if isinstance(fn, str):
        return REGISTRY.lookup(fn).name
    raise UsageError(f"{fn!r} is not an actcli activation, so it has no name to serialize")


def names() -> list[str]:
    """The canonical names of every activation, in registry order."""
    return REGISTRY.names()
