"""actcli: activation functions and their derivatives, exact, from NumPy or the command line.

    >>> import actcli
    >>> actcli.get("relu")([-2.0, 0.5]).tolist()
    [0.0, 0.5]
    >>> actcli.derivative("relu")([-2.0, 0.5]).tolist()
    [0.0, 1.0]

``like=`` evaluates a function as another framework defines it ("keras", the default, "tf_keras",
"torch", "jax"): its parameter names and defaults, its formula, its derivative at the kinks.
Framework names (``hardswish``, ``nn.Softplus``, ``torch.softplus``) imply their framework.

    >>> actcli.get("leaky_relu", like="torch")([-1.0]).tolist()
    [-0.01]
    >>> actcli.derivative("hardtanh")([1.0]).tolist()  # PyTorch: 0 at its bounds (JAX: 1)
    [0.0]
"""

from __future__ import annotations

from typing import Any

from .core._array import get_threads, set_threads, threads
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
    "check",
    "derivative",
    "get",
    "get_threads",
    "jacobian",
    "jvp",
    "names",
    "serialize",
    "set_threads",
    "spec",
    "threads",
]


def _resolve(identifier: Any, like: str | None) -> Any:
    """The registry's entry, or a framework's flavour of it (see ``actcli.frameworks``)."""
    if like is None:
        try:
            return REGISTRY.resolve(identifier)
        except UsageError:
            if not isinstance(identifier, str):
                raise
            from . import frameworks  # lazy: ~15 ms, paid only by names the registry lacks

            if not frameworks.is_framework_name(identifier):
                raise
            return Activation(frameworks.variant(identifier).as_spec())
    if identifier is None:
        identifier = "linear"
    if not isinstance(identifier, str):
        raise UsageError(f"like= needs an activation name, got {identifier!r}")
    from . import frameworks  # lazy: start-up time

    return Activation(frameworks.variant(identifier, like).as_spec())


def get(identifier: Any, like: str | None = None) -> Activation:
    """Returns the activation named by ``identifier``, called as ``f(x, **params)``.

    Args:
        identifier: a name or alias (any case), ``None`` (linear), a Keras config dict, or a
            callable (returned as it is). Also a framework's own name (``hardswish``,
            ``softshrink``, ``nn.Softplus``, ``torch.softplus``, ``jax.gelu``), which takes that
            framework's parameter names and implies ``like``.
        like: ``"keras"`` (Keras 3), ``"tf_keras"``, ``"torch"`` or ``"jax"``: the function as
            that framework defines it (parameter names, defaults, formula, derivative at the
            kinks). None: Keras 3, or the framework a framework name comes from.

    Raises:
        UsageError: unknown name (the message suggests the closest ones) or bad config;
            unknown framework, or one that lacks the function.

    >>> get("LeakyReLU")([-2.0]).tolist()  # the layer's negative_slope=0.3: fl(0.3) * -2
    [-0.6]
    >>> get("gelu", like="jax")  # tanh approximation by default
    <actcli jax.gelu>
    >>> get("softshrink")([-1.0, 0.25, 2.0], lambd=0.5).tolist()
    [-0.5, 0.0, 1.5]
    """
    return _resolve(identifier, like)


def _view(identifier: Any, which: str, like: str | None = None) -> Activation:
    act = _resolve(identifier, like)
    if not isinstance(act, Activation):
        raise UsageError(f"{identifier!r} is not an actcli activation")
    if getattr(act.spec, which) is None:
        raise UsageError(f"{act.spec.name} is elementwise: it has no {which} (see derivative)")
    return Activation(act.spec, which, act.bound)


def derivative(identifier: Any, like: str | None = None) -> Activation:
    """Returns the analytic derivative ``df(x, **params)`` (the Jacobian diagonal for axis-wise
    functions); ``like`` as in ``get`` (a framework's convention at the kinks).

    >>> derivative("hard_sigmoid")([0.0, 4.0]).tolist()
    [0.16666666666666666, 0.0]
    >>> derivative("leaky_relu", like="jax")([0.0]).tolist()  # JAX: 1 at 0
    [1.0]
    """
    return _view(identifier, "prime", like)


def jacobian(identifier: Any, like: str | None = None) -> Activation:
    """Returns ``J(x, **params)`` of an axis-wise function: shape ``(..., m, n)`` along ``axis``
    (``like`` as in ``get``: PyTorch's takes ``dim``)."""
    return _view(identifier, "jacobian", like)


def jvp(identifier: Any, like: str | None = None) -> Activation:
    """Returns ``jvp(x, v, **params)``: the Jacobian-vector product, without forming J
    (``like`` as in ``get``)."""
    return _view(identifier, "jvp", like)


def spec(identifier: Any, like: str | None = None) -> Spec:
    """Returns the registry entry (a ``Spec``) for a name, config dict or actcli function; with
    ``like`` or a framework name, that framework's version of it (``spec("hardswish").name`` is
    ``"torch.hardswish"``)."""
    act = _resolve(identifier, like)
    if not isinstance(act, Activation):
        raise UsageError(f"{identifier!r} is not an actcli activation")
    return act.spec


def serialize(fn: Any) -> str:
    """Returns the canonical name of an activation: ``serialize(get("swish")) == "silu"``."""
    if isinstance(fn, Activation):
        return fn.spec.name
    if isinstance(fn, str):
        return REGISTRY.lookup(fn).name
    raise UsageError(f"{fn!r} is not an actcli activation, so it has no name to serialize")


def names() -> list[str]:
    """The canonical names of every activation, in registry order."""
    return REGISTRY.names()


def check(name: Any, x: Any, y: Any, **options: Any) -> Any:
    """Grades an implementation's values ``y`` at ``x`` in ULP against actcli's exact values:
    ``actcli.check("gelu", x, y)`` returns a ``CheckReport`` (max / mean / percentile ULP, how
    many are not correctly rounded, the worst inputs, totals by region). Options:
    ``derivative``, ``like``, ``dtype``, ``worst`` and the activation's parameters; see
    ``actcli.checker.check``."""
    from .checker import check as _check  # lazy: start-up time

    return _check(name, x, y, **options)
