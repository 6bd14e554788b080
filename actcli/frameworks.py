"""Framework flavours: each activation as Keras 3, tf.keras, PyTorch or JAX define it.

A ``Variant`` is one framework's version of a registry entry: its name and parameter names, its
defaults, its formula where it differs (PyTorch softplus switches to x above ``threshold``, Keras 2
hard_sigmoid is ``0.2 x + 0.5``) and its derivative at the kinks (what its autograd returns).
Values are computed as carefully as the registry's own kernels: the flavours reproduce the
frameworks' definitions, not their rounding errors or their NaNs (those are listed in ``bugs``).

Facts come from the frameworks' sources (Keras 3.16 snapshot of 2026-08-21, tf-keras 2.21,
PyTorch ATen CPU kernels and torch/nn/functional.py, JAX 0.11): see ../shared/frameworks.md.

    >>> variant("hard_sigmoid", "tf_keras")(1.0).item()
    0.7
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .core import rectifiers
from .core._array import elementwise
from .core._stable import mul_exp, two_prod
from .errors import UsageError
from .registry import REGISTRY, Param, Spec

FRAMEWORKS = ("keras", "tf_keras", "torch", "jax")
"""The flavours, in display order; ``keras`` (Keras 3) is the default and is the registry itself."""

TITLES = {
    "keras": "Keras 3",
    "tf_keras": "tf.keras (Keras 2)",
    "torch": "PyTorch",
    "jax": "JAX",
}

# Other spellings accepted for a framework (``--like pytorch``).
_FRAMEWORK_SPELLINGS = {
    "keras": "keras",
    "keras3": "keras",
    "keras_3": "keras",
    "tf_keras": "tf_keras",
    "tf.keras": "tf_keras",
    "tfkeras": "tf_keras",
    "keras2": "tf_keras",
    "keras_2": "tf_keras",
    "tf": "tf_keras",
    "tensorflow": "tf_keras",
    "torch": "torch",
    "pytorch": "torch",
    "jax": "jax",
    "jax.nn": "jax",
}

_SOURCES = {
    "keras": "keras/src/activations/activations.py",
    "tf_keras": "tf_keras/activations.py, tf_keras/backend.py",
    "torch": "torch/nn/functional.py, aten/src/ATen/native/cpu/Activation.cpp",
    "jax": "jax/_src/nn/functions.py",
}

_PREFIXES = {
    "keras": "keras.activations.",
    "tf_keras": "tf_keras.activations.",
    "torch": "torch.nn.functional.",
    "jax": "jax.nn.",
}


def _norm(name: str) -> str:
    """The registry's name key: case-insensitive, '-' and '_' alike."""
    return name.strip().casefold().replace("-", "_")


# Framework-specific kernels ----------------------------------------------------------------------

# Inputs are clipped to +-2^995 before the exact product (two_prod needs |a| < 2^996); beyond,
# the result is x itself or 0, decided by the unclipped product as PyTorch does.
_DD_MAX = 2.0**995


def _beta_x(x, beta):
    """(t, tl): t + tl = beta * x exactly (t = fl(beta * x)) on the clipped input."""
    xc = np.clip(x, -_DD_MAX / max(beta, 1.0), _DD_MAX / max(beta, 1.0))
    t, tl = two_prod(xc, np.full_like(xc, beta))
    return t, np.where(np.isfinite(tl), tl, 0.0)


@elementwise
def _torch_softplus_kernel(x, beta, threshold):
    """log1p(exp(beta x)) / beta, or x where fl(beta x) > threshold (PyTorch's switch).

    beta x is carried as a double-double: exp amplifies its rounding by |beta x| (hundreds of ULP
    at beta x = -700). Above 0 as x + log1p(exp(-beta x)) / beta (x is exact); below -36, where
    log1p(e) = e to double precision, as exp(beta x) / beta without a subnormal intermediate.
    """
    t, tl = _beta_x(x, beta)
    e_pos = np.exp(-np.abs(t)) * (1.0 - np.sign(t) * tl)
    pos = x + np.log1p(e_pos) / beta
    neg = np.log1p(np.exp(np.minimum(t, 0.0)) * (1.0 + tl)) / beta
    deep = mul_exp(np.full_like(t, 1.0 / beta), np.minimum(t, 0.0), tl)
    soft = np.where(t > 0, pos, np.where(t < -36.0, deep, neg))
    return np.where(x * beta > threshold, x, soft)


@elementwise
def _torch_softplus_prime_kernel(x, beta, threshold):
    """1 where fl(beta x) > threshold, else sigmoid(beta x) (beta x as a double-double)."""
    t, tl = _beta_x(x, beta)
    e = np.exp(-np.abs(t)) * (1.0 - np.sign(t) * tl)
    r = 1.0 / (1.0 + e)
    neg = mul_exp(r, np.maximum(np.minimum(t, 0.0), -1e4), tl)
    soft = np.where(t >= 0, r, neg)
    return np.where(x * beta > threshold, 1.0, soft)


def torch_softplus(x, beta=1.0, threshold=20.0):
    """PyTorch ``softplus(input, beta=1, threshold=20)``."""
    return _torch_softplus_kernel(x, beta=beta, threshold=threshold)


def torch_softplus_prime(x, beta=1.0, threshold=20.0):
    return _torch_softplus_prime_kernel(x, beta=beta, threshold=threshold)


@elementwise
def _clip_kernel(x, min_val, max_val):
    return np.clip(x, min_val, max_val)


@elementwise
def _clip_prime_kernel(x, min_val, max_val):
    """PyTorch hardtanh backward: 0 at and beyond the bounds (x <= min_val or x >= max_val)."""
    return np.where((x > min_val) & (x < max_val), 1.0, 0.0)


def _check_hardtanh(min_val, max_val):
    # nn.Hardtanh asserts max_val > min_val; F.hardtanh would silently return max_val everywhere.
    if not max_val > min_val:
        raise UsageError(
            f"torch.hardtanh: max_val > min_val is required, got min_val={min_val!r}, "
            f"max_val={max_val!r}"
        )


def torch_hardtanh(x, min_val=-1.0, max_val=1.0):
    """PyTorch ``hardtanh(input, min_val=-1., max_val=1.)``: clip(x, min_val, max_val)."""
    _check_hardtanh(min_val, max_val)
    return _clip_kernel(x, min_val=min_val, max_val=max_val)


def torch_hardtanh_prime(x, min_val=-1.0, max_val=1.0):
    _check_hardtanh(min_val, max_val)
    return _clip_prime_kernel(x, min_val=min_val, max_val=max_val)


@elementwise
def torch_hardswish_prime(x):
    """PyTorch hardswish backward: 0 below -3, (2x + 3) / 6 on [-3, 3] (so -0.5 at -3 and 1.5 at
    3: one-sided from the quadratic, pytorch/pytorch #147801), 1 above 3."""
    return np.where(x < -3, 0.0, np.where(x <= 3, (2.0 * x + 3.0) / 6.0, 1.0))


def _rrelu_slope(lower, upper, training):
    if training:
        raise UsageError(
            "torch.rrelu: training=True draws a random slope per element; actcli evaluates the "
            "eval mode (training=False), where the slope is (lower + upper) / 2"
        )
    if not lower <= upper:
        raise UsageError(
            f"torch.rrelu: lower <= upper is required, got lower={lower!r}, upper={upper!r}"
        )
    return (lower + upper) / 2.0


def torch_rrelu(x, lower=1.0 / 8.0, upper=1.0 / 3.0, training=False):
    """PyTorch ``rrelu`` in eval mode: leaky_relu with slope (lower + upper) / 2 (11/48)."""
    return rectifiers.leaky_relu(x, negative_slope=_rrelu_slope(lower, upper, training))


def torch_rrelu_prime(x, lower=1.0 / 8.0, upper=1.0 / 3.0, training=False):
    return rectifiers.leaky_relu_prime(x, negative_slope=_rrelu_slope(lower, upper, training))


@elementwise
def jax_leaky_relu_prime(x, negative_slope=0.01):
    """JAX differentiates where(x >= 0, x, slope * x): 1 at 0."""
    return np.where(x >= 0, 1.0, negative_slope)


@elementwise
def jax_hard_tanh_prime(x):
    """JAX differentiates where(x > 1, 1, where(x < -1, -1, x)): 1 at +-1."""
    return np.where((x >= -1) & (x <= 1), 1.0, 0.0)


@elementwise
def jax_sparse_sigmoid_prime(x):
    """JAX: 0.5 * clip(x + 1, 0, 2); clip is max/min, whose JVP splits ties in half: 0.25 at +-1."""
    inside = np.where((x > -1) & (x < 1), 0.5, 0.0)
    return np.where((x == -1) | (x == 1), 0.25, inside)


@elementwise
def tf_selu_prime(x):
    """TensorFlow SeluGrad: scale where selu(x) >= 0, so scale (not scale * alpha) at 0."""
    neg = rectifiers._SELU_SCALE_ALPHA * np.exp(np.minimum(x, 0.0))
    return np.where(x >= 0, rectifiers.SELU_SCALE, neg)


def _torch_dim(x, dim):
    """PyTorch's deprecated implicit dim (dim=None): 0 for 0-, 1- and 3-D input, else 1."""
    if dim is not None:
        return dim
    ndim = np.ndim(x)
    return 0 if ndim in (0, 1, 3) else 1


def _axis_variant(spec: Spec, *, negate: bool = False, implicit: bool = False):
    """fn, prime, jacobian, jvp of an axis-wise spec called with PyTorch's ``dim`` (and for
    softmin, on -x: the Jacobian and JVP change sign by the chain rule)."""
    sign = -1.0 if negate else 1.0

    def axis_of(x, dim):
        return _torch_dim(x, dim) if implicit else dim

    def arg(x):
        return np.negative(x) if negate else x

    def fn(x, dim=None):
        return spec.fn(arg(np.asarray(x)), axis=axis_of(x, dim))

    def prime(x, dim=None):
        return sign * spec.prime(arg(np.asarray(x)), axis=axis_of(x, dim))

    def jacobian(x, dim=None):
        return sign * spec.jacobian(arg(np.asarray(x)), axis=axis_of(x, dim))

    def jvp(x, v, dim=None):
        return sign * spec.jvp(arg(np.asarray(x)), v, axis=axis_of(x, dim))

    return fn, prime, jacobian, jvp


def _tf_keras_rowwise(spec: Spec):
    """tf_keras softmax: rejects 1-D input (tf_keras/backend.py), otherwise Keras's softmax."""

    def check(x):
        if np.ndim(x) <= 1:
            raise UsageError(
                f"tf_keras.{spec.name} rejects 1-D input ('Cannot apply softmax to a tensor that "
                "is 1D', tf_keras/backend.py): give rows, e.g. shape (1, n)"
            )

    def fn(x, axis=-1):
        check(x)
        return spec.fn(x, axis=axis)

    def prime(x, axis=-1):
        check(x)
        return spec.prime(x, axis=axis)

    def jacobian(x, axis=-1):
        check(x)
        return spec.jacobian(x, axis=axis)

    def jvp(x, v, axis=-1):
        check(x)
        return spec.jvp(x, v, axis=axis)

    return fn, prime, jacobian, jvp


# Variant -----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared by identity: one object per flavour
class Variant:
    """One framework's version of an activation.

    ``fn(x, **params)`` and ``prime(x, **params)`` take the framework's parameter names with every
    parameter bound (``bind`` fills defaults and checks values); ``variant(x, **params)`` and
    ``variant.derivative(x, **params)`` do both. ``spec`` is the registry entry it is computed
    from; ``as_spec()`` is a Spec with the framework's names, defaults and kernels, ready for
    ``registry.Activation``.
    """

    framework: str
    name: str  # the framework's own spelling: "softshrink", "gelu", "layers.LeakyReLU"
    spec: Spec
    fn: Callable[..., Any]
    prime: Callable[..., Any]
    params: tuple[Param, ...] = ()
    rename: Mapping[str, str] = field(default_factory=dict)  # framework name -> actcli name
    signature: str = ""
    formula: str = ""
    formula_note: str = ""  # how the formula differs from Keras 3's ("" when it does not)
    differences: str = ""  # what bites when porting, for `info`
    kink_rule: str = ""
    kinks: Callable[[Mapping[str, Any]], tuple[float, ...]] = field(default=lambda p: ())
    bugs: str = ""
    source: str = ""
    jacobian: Callable[..., Any] | None = None
    jvp: Callable[..., Any] | None = None
    monotone: bool | None = None
    bounds: tuple[float, float] | None = None

    @property
    def qualname(self) -> str:
        """``torch.softshrink``; for Keras 3 the registry name itself."""
        return self.spec.name if self.framework == "keras" else f"{self.framework}.{self.name}"

    @property
    def title(self) -> str:
        return TITLES[self.framework]

    @functools.cached_property
    def _spec(self) -> Spec:
        if self.framework == "keras":
            return self.spec
        return dataclasses.replace(
            self.spec,
            name=self.qualname,
            fn=self.fn,
            prime=self.prime,
            jacobian=self.jacobian if self.spec.axiswise else None,
            jvp=self.jvp if self.spec.axiswise else None,
            params=self.params,
            aliases=(),
            formula=self.formula or self.spec.formula,
            kink_rule=self.kink_rule or self.spec.kink_rule,
            kinks=self.kinks,
            origin=f"{self.signature} ({self.title})",
            monotone=self.spec.monotone if self.monotone is None else self.monotone,
            bounds=self.spec.bounds if self.bounds is None else self.bounds,
            notes=self.differences,
        )

    def as_spec(self) -> Spec:
        """A registry-compatible Spec: ``registry.Activation(v.as_spec())`` behaves like ``get``."""
        return self._spec

    def bind(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Checks and completes parameters given in the framework's names (actcli's also work)."""
        return self._spec.bind(params)

    def __call__(self, x: Any, *args: Any, **params: Any) -> Any:
        return self.fn(x, *args, **self.bind(params))

    def derivative(self, x: Any, **params: Any) -> Any:
        return self.prime(x, **self.bind(params))

    def to_actcli(self, bound: Mapping[str, Any]) -> dict[str, Any]:
        """The bound parameters that have an actcli counterpart, under actcli's names."""
        out = {}
        spec_params = {p.name: p for p in self.spec.params}
        for name, value in bound.items():
            target = self.rename.get(name, name)
            if target in spec_params:
                try:
                    out[target] = spec_params[target].coerce(self.spec.name, value)
                except UsageError:  # no actcli counterpart for this value (PyTorch's dim=None)
                    continue
        return out

    def from_actcli(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Maps actcli-named (or framework-named) parameters to this flavour's names; returns
        (mapped, names this flavour does not have)."""
        back = {v: k for k, v in self.rename.items()}
        own = {p.name for p in self.params}
        old = {o: p.name for p in self.params for o in p.old_names}
        mapped, missing = {}, []
        for name, value in params.items():
            target = name if name in own else back.get(name, old.get(name, name))
            if target in own:
                if target in mapped:
                    raise UsageError(f"{self.qualname}: {target} is given twice ({name})")
                mapped[target] = value
            else:
                missing.append(name)
        return mapped, missing


def _renamed_params(
    spec: Spec,
    rename: Mapping[str, str],
    defaults: Mapping[str, Any],
    fixed: Mapping[str, Any],
    rules: Mapping[str, str] | None,
) -> tuple[Param, ...]:
    back = {v: k for k, v in rename.items()}
    out = []
    for p in spec.params:
        if p.name in fixed:
            continue
        name = back.get(p.name, p.name)
        rule = p.rule.replace(p.name, name, 1) if p.rule else ""
        if rules is not None and name in rules:
            rule = rules[name]
        old = tuple(o for o in (p.name, *p.old_names) if o != name)
        out.append(
            dataclasses.replace(
                p, name=name, default=defaults.get(name, p.default), rule=rule, old_names=old
            )
        )
    return tuple(out)


def _respell(text: str, rename: Mapping[str, str]) -> str:
    """A formula or kink rule with actcli's parameter names replaced by the framework's."""
    for framework_name, actcli_name in rename.items():
        text = re.sub(rf"\b{re.escape(actcli_name)}\b", framework_name, text)
    return text


def _calling(impl: Callable[..., Any], rename: Mapping[str, str], fixed: Mapping[str, Any]):
    """impl called with the framework's parameter names translated to actcli's."""
    if not rename and not fixed:
        return impl

    def call(x, *args, **params):
        kw = {rename.get(k, k): v for k, v in params.items()}
        return impl(x, *args, **fixed, **kw)

    call.__name__ = getattr(impl, "__name__", "variant")
    return call


def _signature(framework: str, name: str, params: Sequence[Param], shown: str = "") -> str:
    # Layers are constructors: their signature has no input argument.
    first = (
        [] if name.startswith(("layers.", "nn.")) else ["input" if framework == "torch" else "x"]
    )
    if shown:
        return f"{_PREFIXES[framework]}{name}({', '.join([*first, shown])})"
    parts = first + [p.name if p.required else f"{p.name}={p.default!r}" for p in params]
    return f"{_PREFIXES[framework]}{name}({', '.join(parts)})"


def _make(
    framework: str,
    spec_name: str,
    name: str | None = None,
    *,
    rename: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    fixed: Mapping[str, Any] | None = None,
    rules: Mapping[str, str] | None = None,
    params: tuple[Param, ...] | None = None,
    fn: Callable[..., Any] | None = None,
    prime: Callable[..., Any] | None = None,
    jacobian: Callable[..., Any] | None = None,
    jvp: Callable[..., Any] | None = None,
    signature: str = "",
    shown: str = "",
    prefix: str | None = None,
    kinks: Callable[[Mapping[str, Any]], tuple[float, ...]] | None = None,
    **facts: Any,
) -> Variant:
    """A variant of a registry spec; by default the spec's kernels under renamed parameters."""
    spec = REGISTRY.specs[spec_name]
    rename = dict(rename or {})
    fixed = dict(fixed or {})
    if params is None:
        params = _renamed_params(spec, rename, defaults or {}, fixed, rules)
    name = name or spec.name
    if not signature:
        signature = _signature(framework, name, params, shown)
        if prefix is not None:
            signature = prefix + signature[len(_PREFIXES[framework]) :]
    if kinks is None:

        def kinks(p, _spec=spec, _rename=rename, _fixed=fixed):
            merged = {**_fixed, **{_rename.get(k, k): v for k, v in p.items()}}
            return _spec.kinks(merged)

    if rename and fn is None:  # the registry's formula, in the framework's parameter names
        facts.setdefault("formula", _respell(spec.formula, rename))
        facts.setdefault("kink_rule", _respell(spec.kink_rule, rename))
    return Variant(
        framework=framework,
        name=name,
        spec=spec,
        fn=fn or _calling(spec.fn, rename, fixed),
        prime=prime or _calling(spec.prime, rename, fixed),
        jacobian=jacobian or (_calling(spec.jacobian, rename, fixed) if spec.jacobian else None),
        jvp=jvp or (_calling(spec.jvp, rename, fixed) if spec.jvp else None),
        params=params,
        rename=rename,
        signature=signature,
        kinks=kinks,
        source=facts.pop("source", _SOURCES[framework]),
        **facts,
    )


# The tables ---------------------------------------------------------------------------------------

_RELU_DEFAULTS = {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}


def _keras_variants() -> list[Variant]:
    bugs = {
        "relu": (
            "With a negative threshold and max_value, values in (threshold, 0) are clipped to 0, "
            "against the documented formula (tensorflow/tensorflow #48646, #28230). The function "
            "validates nothing; only the ReLU layer rejects negative parameters."
        ),
        "leaky_relu": (
            "The numpy and TensorFlow backends compute max(x, negative_slope * x): wrong for "
            "negative_slope > 1 (tensorflow/tensorflow #24566; keras/src/backend/numpy/nn.py)."
        ),
        "hard_sigmoid": (
            "The numpy backend computes x / 6 + 0.5, which cancels near x = -3 "
            "(5.55e-17 instead of 7.40e-17 at -3 + 2^-51)."
        ),
        "gelu": (
            "keras.activations.gelu defaults to approximate=False, but keras.ops.gelu and the "
            "backends default to True (keras/src/ops/nn.py). The numpy backend's exact form "
            "x * (1 + erf(x / sqrt(2))) / 2 gives -0.0 at x = -10 (true value -7.62e-23)."
        ),
        "sigmoid": "The numpy backend computes 1 / (1 + exp(-x)): overflow warnings for x << 0.",
        "squareplus": (
            "(x + sqrt(x^2 + b)) / 2 cancels for x << 0 (7.45e-09 instead of 1e-08 at x = -1e8) "
            "and overflows (inf at x = -1e200)."
        ),
        "tanh_shrink": "x - tanh(x) cancels for small x (0.0 at x = 1e-8; true value 3.33e-25).",
        "mish": "x * tanh(softplus(x)) is NaN at x = -inf.",
        "softmax": "No guard for non-finite input: a row containing +inf gives NaN.",
        "sparsemax": (
            "Wrong when more than one entry survives (keras-team/keras #23425; "
            "keras/src/backend/numpy/nn.py builds the threshold from a sum of partial sums): "
            "[0, 0.5, 1] gives [0, 0, 0.25] instead of [0, 0.25, 0.75]."
        ),
    }
    out = []
    for spec in REGISTRY.specs.values():
        legacy = spec.origin != "keras.activations (Keras 3)"
        if legacy and spec.name.startswith("hard_sigmoid_keras2"):
            continue  # a tf_keras function: listed under tf_keras below
        if legacy:  # layer forms: keras.layers.LeakyReLU(negative_slope=0.3)
            args = ", ".join(f"{p.name}={p.default!r}" for p in spec.params)
            signature = f"{spec.origin.split(' (')[0]}({args})"
        else:
            signature = "keras.activations." + spec.signature()
        out.append(
            Variant(
                framework="keras",
                name=spec.name,
                spec=spec,
                fn=spec.fn,
                prime=spec.prime,
                jacobian=spec.jacobian,
                jvp=spec.jvp,
                params=spec.params,
                signature=signature,
                kink_rule=spec.kink_rule,
                kinks=spec.kinks,
                bugs=bugs.get(spec.name, ""),
                source=_SOURCES["keras"] if not legacy else "keras/src/layers/activations/",
            )
        )
    return out


def _tf_keras_variants() -> list[Variant]:
    tf = "tf_keras"
    softmax_fn, softmax_prime, softmax_jac, softmax_jvp = _tf_keras_rowwise(
        REGISTRY.specs["softmax"]
    )
    layer_softmax = _tf_keras_rowwise(REGISTRY.specs["layers.Softmax"])
    return [
        _make(
            tf,
            "relu",
            rename={"alpha": "negative_slope"},
            differences="The slope is called alpha (Keras 3: negative_slope); same algorithm.",
            bugs=(
                "With threshold != 0 it computes x * (x > threshold): -0.0 below the "
                "threshold and NaN at x = -inf (tf_keras/backend.py relu)."
            ),
        ),
        _make(
            tf,
            "layers.LeakyReLU",
            "layers.LeakyReLU",
            rename={"alpha": "negative_slope"},
            rules={"alpha": ""},
            prefix="tf_keras.",
            differences=(
                "tf.keras has no leaky_relu function: the LeakyReLU layer's alpha "
                "defaults to 0.3 (Keras 3 function: 0.2; PyTorch and JAX: 0.01); "
                "relu(x, alpha=a) calls tf.nn.leaky_relu."
            ),
            bugs=(
                "Negative alpha is accepted (only None is rejected: tensorflow/tensorflow #61257)."
            ),
            source="tf_keras/layers/activation/leaky_relu.py",
        ),
        _make(
            tf, "elu", kink_rule="elu'(0) = alpha (tf.where(x > 0, elu, alpha * elu) on EluGrad)"
        ),
        _make(
            tf,
            "selu",
            prime=tf_selu_prime,
            kink_rule="selu'(0) = scale = 1.0507 (TensorFlow's SeluGrad; PyTorch and JAX: 1.7581)",
            differences="Derivative at 0 is scale (1.0507), not scale * alpha (1.7581).",
            source="tf_keras/activations.py (tf.nn.selu), tensorflow relu_op_functor.h",
        ),
        _make(tf, "softplus"),
        _make(tf, "softsign"),
        _make(
            tf, "silu", "swish", differences="Called swish (tf.nn.silu); Keras 3 has both names."
        ),
        _make(tf, "gelu", differences="Exact by default (tf.nn.gelu), like Keras 3."),
        _make(tf, "tanh"),
        _make(tf, "sigmoid"),
        _make(tf, "exponential"),
        _make(
            tf,
            "hard_sigmoid_keras2",
            "hard_sigmoid",
            formula="clip(0.2 * x + 0.5, 0, 1)",
            formula_note=(
                "0.2 * x + 0.5 clipped to [0, 1] (saturates at +-2.5; Keras 3: x / 6 + 0.5 at +-3)"
            ),
            differences=(
                "Keras 2's formula 0.2 * x + 0.5 (zero below -2.5, one above 2.5); "
                "Keras 3 changed it to x / 6 + 0.5 on [-3, 3]: x = 1 gives 0.7 vs "
                "0.6667 (tensorflow/tensorflow #65381, keras-team/keras PR #19477)."
            ),
            kink_rule=(
                "hard_sigmoid'(+-2.5): TensorFlow's clip_by_value gradient was not checked; "
                "actcli gives 0"
            ),
        ),
        _make(tf, "linear"),
        _make(tf, "mish"),
        _make(
            tf,
            "softmax",
            fn=softmax_fn,
            prime=softmax_prime,
            jacobian=softmax_jac,
            jvp=softmax_jvp,
            differences="Raises ValueError on 1-D input (tf_keras/backend.py softmax).",
            bugs="1-D input is rejected instead of treated as one vector.",
        ),
        _make(
            tf,
            "layers.ReLU",
            "layers.ReLU",
            prefix="tf_keras.",
            source="tf_keras/layers/activation/relu.py",
        ),
        _make(
            tf,
            "layers.PReLU",
            "layers.PReLU",
            prefix="tf_keras.",
            differences="Slopes start at zeros (PyTorch: 0.25).",
            source="tf_keras/layers/activation/prelu.py",
        ),
        _make(
            tf,
            "layers.ELU",
            "layers.ELU",
            prefix="tf_keras.",
            source="tf_keras/layers/activation/elu.py",
        ),
        _make(
            tf,
            "layers.ThresholdedReLU",
            "layers.ThresholdedReLU",
            prefix="tf_keras.",
            differences="Removed in Keras 3 (relu(x, threshold=theta) is the same).",
            source="tf_keras/layers/activation/thresholded_relu.py",
        ),
        _make(
            tf,
            "layers.Softmax",
            "layers.Softmax",
            prefix="tf_keras.",
            fn=layer_softmax[0],
            prime=layer_softmax[1],
            jacobian=layer_softmax[2],
            jvp=layer_softmax[3],
            differences="Has robust_masking=False; 1-D input is rejected.",
            source="tf_keras/layers/activation/softmax.py",
        ),
    ]


def _torch_variants() -> list[Variant]:
    pt = "torch"
    softmax = REGISTRY.specs["softmax"]
    log_softmax = REGISTRY.specs["log_softmax"]
    dim_param = (
        Param(
            "dim",
            None,
            "optional_int",
            help="the axis (None: PyTorch's deprecated implicit choice)",
            old_names=("axis",),
        ),
    )
    dim_note = (
        "dim=None (the default) is PyTorch's deprecated implicit choice: dim 0 for 0-, 1- "
        "and 3-D input, else 1 (Keras: axis=-1). Give dim explicitly."
    )
    sm = _axis_variant(softmax, implicit=True)
    lsm = _axis_variant(log_softmax, implicit=True)
    smin = _axis_variant(softmax, negate=True, implicit=True)

    def approximate_text(approximate):  # 'none' / 'tanh' (or an already coerced bool)
        return approximate is True or approximate == "tanh"

    def gelu(x, approximate="none"):
        return REGISTRY.specs["gelu"].fn(x, approximate=approximate_text(approximate))

    def gelu_prime(x, approximate="none"):
        return REGISTRY.specs["gelu"].prime(x, approximate=approximate_text(approximate))

    softplus_params = (
        Param("beta", 1.0, rule="beta > 0", help="sharpness: log1p(exp(beta * x)) / beta"),
        Param("threshold", 20.0, help="above beta * x = threshold the result is x itself"),
    )
    return [
        _make(
            pt,
            "relu",
            params=(),
            fixed=_RELU_DEFAULTS,
            kink_rule="relu'(0) = 0 (threshold_backward passes the gradient only where x > 0)",
            differences="No parameters (use threshold, hardtanh or relu6 instead).",
        ),
        _make(pt, "relu6", differences="= hardtanh(input, 0, 6)."),
        _make(
            pt,
            "leaky_relu",
            defaults={"negative_slope": 0.01},
            rules={"negative_slope": ""},
            differences="negative_slope defaults to 0.01 (Keras 3 function: 0.2).",
            bugs=(
                "The CPU kernel computes x * slope below 0, so negative_slope=0 gives NaN at "
                "x = -inf (aten/src/ATen/native/cpu/Activation.cpp)."
            ),
        ),
        _make(
            pt,
            "leaky_relu",
            "rrelu",
            params=(
                Param("lower", 1.0 / 8.0, help="lower bound of the random slope"),
                Param("upper", 1.0 / 3.0, help="upper bound of the random slope"),
                Param(
                    "training", False, "bool", help="random slopes (not supported: eval mode only)"
                ),
            ),
            fn=torch_rrelu,
            prime=torch_rrelu_prime,
            shown="lower=1/8, upper=1/3, training=False",
            kinks=lambda p: (0.0,),
            formula="x for x >= 0, (lower + upper) / 2 * x below (eval mode)",
            formula_note="slope (lower + upper) / 2 = 11/48 in eval mode",
            kink_rule="rrelu'(0) = (lower + upper) / 2 (leaky_relu backward)",
            differences=(
                "Randomized leaky ReLU; in eval mode (training=False) it is leaky_relu with "
                "slope (lower + upper) / 2 = 11/48 ~ 0.2292 (docs: torch.nn.RReLU)."
            ),
        ),
        _make(pt, "elu", bugs="Backward was wrong for negative alpha (pytorch/pytorch #47671)."),
        _make(pt, "selu"),
        _make(pt, "celu"),
        _make(
            pt,
            "gelu",
            params=(Param("approximate", "none", "bool", help="'none' (exact) or 'tanh'"),),
            fn=gelu,
            prime=gelu_prime,
            differences="approximate is a string: 'none' (exact, the default) or 'tanh'.",
        ),
        _make(pt, "silu", bugs="The CPU kernel's x / (1 + exp(-x)) is NaN at x = -inf."),
        _make(pt, "mish", bugs="x * tanh(log1p(exp(x))) is NaN at x = -inf."),
        _make(
            pt,
            "softplus",
            params=softplus_params,
            fn=torch_softplus,
            prime=torch_softplus_prime,
            kinks=lambda p: (p["threshold"] / p["beta"],),
            monotone=False,
            formula="log(1 + exp(beta * x)) / beta, or x where beta * x > threshold",
            formula_note="switches to x where beta * x > threshold",
            kink_rule="softplus' = 1 where beta * x > threshold, else sigmoid(beta * x)",
            differences=(
                "Extra parameters beta=1 and threshold=20; above beta * x = threshold it "
                "returns x, a jump of log1p(exp(-threshold)) / beta (2.1e-9 at x = 20 "
                "with the defaults; pytorch/pytorch #31110)."
            ),
            bugs=(
                "The switch is a small discontinuity (pytorch/pytorch #31110); with threshold "
                "> 709 / beta, exp(beta * x) overflows to inf before the switch."
            ),
        ),
        _make(pt, "softsign"),
        _make(
            pt,
            "sigmoid",
            signature="torch.sigmoid(input)",
            differences="torch.sigmoid (F.sigmoid is deprecated).",
        ),
        _make(
            pt, "hard_sigmoid", "hardsigmoid", differences="Spelled hardsigmoid; same as Keras 3."
        ),
        _make(
            pt,
            "hard_silu",
            "hardswish",
            prime=torch_hardswish_prime,
            kink_rule="hardswish'(-3) = -0.5, hardswish'(3) = 1.5 (actcli, JAX: 0 and 1)",
            differences="Spelled hardswish; its backward gives -0.5 at x = -3 and 1.5 at x = 3.",
            bugs=(
                "Backward is one-sided from the quadratic at +-3: -0.5 and 1.5 instead of "
                "0 and 1 (pytorch/pytorch #147801, open)."
            ),
        ),
        _make(
            pt,
            "hard_tanh",
            "hardtanh",
            params=(
                Param("min_val", -1.0, help="lower bound"),
                Param("max_val", 1.0, help="upper bound"),
            ),
            fn=torch_hardtanh,
            prime=torch_hardtanh_prime,
            kinks=lambda p: (p["min_val"], p["max_val"]),
            monotone=True,
            bounds=(-math.inf, math.inf),
            formula="clip(x, min_val, max_val)",
            kink_rule="hardtanh'(min_val) = hardtanh'(max_val) = 0 (JAX hard_tanh: 1 at +-1)",
            differences="Bounds are parameters min_val=-1, max_val=1.",
        ),
        _make(pt, "tanh", signature="torch.tanh(input)"),
        _make(
            pt,
            "tanh_shrink",
            "tanhshrink",
            bugs="input - input.tanh() cancels for small x (0.0 at x = 1e-8; true 3.33e-25).",
        ),
        _make(
            pt,
            "soft_shrink",
            "softshrink",
            rename={"lambd": "threshold"},
            differences="The half-width is called lambd (Keras 3: threshold); must be >= 0.",
        ),
        _make(
            pt,
            "hard_shrink",
            "hardshrink",
            rename={"lambd": "threshold"},
            differences="The half-width is called lambd (Keras 3: threshold).",
        ),
        _make(
            pt,
            "threshold",
            rename={"value": "default_value"},
            differences="The replacement is called value (Keras 3: default_value); both required.",
        ),
        _make(pt, "exponential", "exp", signature="torch.exp(input)"),
        _make(
            pt,
            "linear",
            "nn.Identity",
            signature="torch.nn.Identity()",
            differences="torch.nn.functional.linear is an affine layer, not the identity.",
        ),
        _make(pt, "log_sigmoid", "logsigmoid"),
        _make(
            pt,
            "softmax",
            params=dim_param,
            rename={"dim": "axis"},
            fn=sm[0],
            prime=sm[1],
            jacobian=sm[2],
            jvp=sm[3],
            shown="dim=None, dtype=None",
            differences=dim_note,
            bugs="A row containing +inf gives NaN (pytorch/pytorch #6864).",
        ),
        _make(
            pt,
            "log_softmax",
            params=dim_param,
            rename={"dim": "axis"},
            fn=lsm[0],
            prime=lsm[1],
            jacobian=lsm[2],
            jvp=lsm[3],
            shown="dim=None, dtype=None",
            differences=dim_note,
        ),
        _make(
            pt,
            "softmax",
            "softmin",
            params=dim_param,
            rename={"dim": "axis"},
            fn=smin[0],
            prime=smin[1],
            jacobian=smin[2],
            jvp=smin[3],
            shown="dim=None, dtype=None",
            formula="softmax(-x) along dim",
            formula_note="softmax of -x",
            differences="softmin(x) = softmax(-x); only in PyTorch. " + dim_note,
        ),
        _make(
            pt,
            "glu",
            rename={"dim": "axis"},
            differences="The axis is called dim; odd length raises RuntimeError.",
        ),
        _make(
            pt,
            "layers.ReLU",
            "nn.ReLU",
            params=(),
            fixed=_RELU_DEFAULTS,
            kink_rule="relu'(0) = 0 (threshold_backward passes the gradient only where x > 0)",
            signature="torch.nn.ReLU()",
            differences="No parameters.",
        ),
        _make(
            pt,
            "layers.LeakyReLU",
            "nn.LeakyReLU",
            defaults={"negative_slope": 0.01},
            rules={"negative_slope": ""},
            signature="torch.nn.LeakyReLU(negative_slope=0.01)",
            differences="negative_slope defaults to 0.01 (Keras layer: 0.3).",
        ),
        _make(
            pt,
            "layers.PReLU",
            "nn.PReLU",
            rename={"init": "alpha"},
            defaults={"init": 0.25},
            signature="torch.nn.PReLU(num_parameters=1, init=0.25)",
            differences="The slope starts at 0.25 (Keras: zeros, so an untrained PReLU is relu).",
        ),
        _make(pt, "layers.ELU", "nn.ELU", signature="torch.nn.ELU(alpha=1.0)"),
        _make(
            pt,
            "layers.Softmax",
            "nn.Softmax",
            params=dim_param,
            rename={"dim": "axis"},
            fn=sm[0],
            prime=sm[1],
            jacobian=sm[2],
            jvp=sm[3],
            signature="torch.nn.Softmax(dim=None)",
            differences=dim_note,
        ),
    ]


def _jax_variants() -> list[Variant]:
    jx = "jax"
    return [
        _make(
            jx,
            "relu",
            params=(),
            fixed=_RELU_DEFAULTS,
            kink_rule="relu'(0) = 0 (custom JVP; jnp.maximum alone would give 0.5)",
            differences="No parameters.",
        ),
        _make(jx, "relu6", kink_rule="relu6'(0) = relu6'(6) = 0 (custom JVP)"),
        _make(
            jx,
            "leaky_relu",
            defaults={"negative_slope": 0.01},
            rules={"negative_slope": ""},
            prime=jax_leaky_relu_prime,
            kink_rule="leaky_relu'(0) = 1 (where(x >= 0, ...); PyTorch and TensorFlow: the slope)",
            differences="negative_slope defaults to 0.01 (Keras 3: 0.2); its derivative at 0 is 1.",
        ),
        _make(jx, "elu"),
        _make(jx, "selu"),
        _make(jx, "celu", kink_rule="celu'(0) = 1 (jnp.maximum/minimum split the tie: 0.5 + 0.5)"),
        _make(
            jx,
            "gelu",
            defaults={"approximate": True},
            formula_note="tanh approximation by default",
            differences=(
                "approximate=True by default: the tanh form, 1.5e-4 below the exact "
                "value at x = 1 (0.8411920 vs 0.8413447). Keras, tf.keras and PyTorch "
                "default to exact."
            ),
        ),
        _make(jx, "silu", bugs="x * sigmoid(x) is NaN at x = -inf (from the formula)."),
        _make(jx, "mish", bugs="x * tanh(softplus(x)) is NaN at x = -inf (from the formula)."),
        _make(jx, "softplus"),
        _make(jx, "softsign", "soft_sign", differences="Spelled soft_sign."),
        _make(jx, "sigmoid"),
        _make(jx, "hard_sigmoid", kink_rule="hard_sigmoid'(+-3) = 0 (relu6's custom JVP)"),
        _make(jx, "hard_silu", differences="Also called hard_swish."),
        _make(
            jx,
            "hard_tanh",
            prime=jax_hard_tanh_prime,
            kink_rule="hard_tanh'(+-1) = 1 (where(x > 1, 1, where(x < -1, -1, x)); PyTorch: 0)",
            differences="Its derivative at +-1 is 1 (PyTorch and actcli: 0).",
        ),
        _make(jx, "tanh", signature="jax.nn.tanh(x)", differences="= jax.numpy.tanh."),
        _make(
            jx,
            "exponential",
            "exp",
            signature="jax.numpy.exp(x)",
            differences="Not in jax.nn: jax.numpy.exp.",
        ),
        _make(jx, "linear", "identity", differences="Spelled identity."),
        _make(jx, "log_sigmoid"),
        _make(jx, "sparse_plus"),
        _make(
            jx,
            "sparse_sigmoid",
            prime=jax_sparse_sigmoid_prime,
            kink_rule="sparse_sigmoid'(+-1) = 0.25 (0.5 * clip: clip's JVP splits ties)",
            differences="Its derivative at +-1 is 0.25 (jnp.clip splits the tie; actcli: 0).",
        ),
        _make(
            jx,
            "squareplus",
            bugs=(
                "(x + sqrt(x^2 + b)) / 2 cancels for x << 0 (7.45e-09 instead of 1e-08 at "
                "x = -1e8) and overflows (inf at x = -1e200)."
            ),
        ),
        _make(
            jx,
            "softmax",
            differences="axis may be a tuple of axes; where= masks entries.",
            bugs="A row containing +inf gives NaN (documented; jax-ml/jax #21495).",
        ),
        _make(jx, "log_softmax", bugs="A row containing +inf gives NaN (documented)."),
        _make(jx, "glu", bugs="Odd axis length fails an assert, not a proper error."),
    ]


# Forms that are not registry names: (form, framework) -> registry spec name.
_FORM_NAMES = {"rrelu": "torch", "softmin": "torch"}


def _form_of(v: Variant) -> str:
    return v.name if v.name in _FORM_NAMES else v.spec.name


def _build() -> dict[tuple[str, str], Variant]:
    table: dict[tuple[str, str], Variant] = {}
    for v in _keras_variants() + _tf_keras_variants() + _torch_variants() + _jax_variants():
        key = (_form_of(v), v.framework)
        if key in table:
            raise RuntimeError(f"two variants for {key}")
        table[key] = v
    # tf_keras's hard_sigmoid is also reachable as the legacy registry entry, and its leaky_relu
    # is the LeakyReLU layer (tf.keras has no leaky_relu function).
    table[("hard_sigmoid", "tf_keras")] = table[("hard_sigmoid_keras2", "tf_keras")]
    table[("leaky_relu", "tf_keras")] = table[("layers.LeakyReLU", "tf_keras")]
    return table


VARIANTS = _build()
"""(form, framework) -> Variant; a form is a registry name or framework-only (rrelu, softmin)."""

# Why a framework lacks a function, and what to use instead.
_HINTS = {
    ("relu6", "tf_keras"): "use relu(x, max_value=6)",
    ("hard_sigmoid_keras2", "keras"): "Keras 3's hard_sigmoid is x / 6 + 0.5: see hard_sigmoid",
    ("hard_sigmoid_keras2", "torch"): "torch's hardsigmoid is Keras 3's hard_sigmoid",
    ("hard_sigmoid_keras2", "jax"): "jax's hard_sigmoid is Keras 3's hard_sigmoid",
    ("layers.ThresholdedReLU", "keras"): "removed in Keras 3: relu(x, threshold=theta)",
    ("layers.ThresholdedReLU", "torch"): "use threshold(input, theta, 0)",
    ("exponential", "jax"): "use jax.numpy.exp",
    ("softmin", "jax"): "use softmax(-x)",
    ("softmin", "keras"): "use softmax(-x)",
    ("softmin", "tf_keras"): "use softmax(-x)",
    ("rrelu", "keras"): "in eval mode it is leaky_relu with slope (lower + upper) / 2",
    ("rrelu", "tf_keras"): "in eval mode it is leaky_relu with slope (lower + upper) / 2",
    ("rrelu", "jax"): "in eval mode it is leaky_relu with slope (lower + upper) / 2",
    ("threshold", "tf_keras"): "the ThresholdedReLU layer is threshold(x, theta, 0)",
}


def _missing_message(form: str, framework: str, shown: str) -> str:
    have = [fw for fw in FRAMEWORKS if (form, fw) in VARIANTS]
    hint = _HINTS.get((form, framework))
    if hint is None and form.startswith("layers.") and framework == "jax":
        hint = "JAX has no layer classes; use the function"
    extra = []
    if hint:
        extra.append(hint)
    if have:
        extra.append(f"it exists in: {', '.join(have)}")
    tail = f" ({'; '.join(extra)})" if extra else ""
    return f"{framework} has no {shown}{tail}"


# Aliases -----------------------------------------------------------------------------------------

# Framework spellings that are not registry names (the registry is case-insensitive, so PyTorch's
# module names carry the "nn." prefix: "Softplus" would be Keras's softplus).
_ALIAS_FORMS: tuple[tuple[str, str, str], ...] = (
    ("hardswish", "hard_silu", "torch"),
    ("hardsigmoid", "hard_sigmoid", "torch"),
    ("hardtanh", "hard_tanh", "torch"),
    ("logsigmoid", "log_sigmoid", "torch"),
    ("tanhshrink", "tanh_shrink", "torch"),
    ("softshrink", "soft_shrink", "torch"),
    ("hardshrink", "hard_shrink", "torch"),
    ("rrelu", "rrelu", "torch"),
    ("softmin", "softmin", "torch"),
    ("soft_sign", "softsign", "jax"),
    ("identity", "linear", "jax"),
    ("nn.Softplus", "softplus", "torch"),
    ("nn.Threshold", "threshold", "torch"),
    ("nn.Hardswish", "hard_silu", "torch"),
    ("nn.Hardsigmoid", "hard_sigmoid", "torch"),
    ("nn.Hardtanh", "hard_tanh", "torch"),
    ("nn.LogSigmoid", "log_sigmoid", "torch"),
    ("nn.Tanhshrink", "tanh_shrink", "torch"),
    ("nn.Softshrink", "soft_shrink", "torch"),
    ("nn.Hardshrink", "hard_shrink", "torch"),
    ("nn.RReLU", "rrelu", "torch"),
    ("nn.Softmin", "softmin", "torch"),
    ("nn.Softmax", "layers.Softmax", "torch"),
    ("nn.LogSoftmax", "log_softmax", "torch"),
    ("nn.GELU", "gelu", "torch"),
    ("nn.ELU", "layers.ELU", "torch"),
    ("nn.CELU", "celu", "torch"),
    ("nn.SELU", "selu", "torch"),
    ("nn.SiLU", "silu", "torch"),
    ("nn.Mish", "mish", "torch"),
    ("nn.ReLU", "layers.ReLU", "torch"),
    ("nn.ReLU6", "relu6", "torch"),
    ("nn.LeakyReLU", "layers.LeakyReLU", "torch"),
    ("nn.PReLU", "layers.PReLU", "torch"),
    ("nn.GLU", "glu", "torch"),
    ("nn.Sigmoid", "sigmoid", "torch"),
    ("nn.Tanh", "tanh", "torch"),
    ("nn.Softsign", "softsign", "torch"),
    ("nn.Identity", "linear", "torch"),
)


def _registry_keys() -> set[str]:
    return {_norm(n) for n in REGISTRY.all_names()}


def _build_aliases() -> tuple[dict[str, tuple[str, str, dict]], dict[str, tuple[str, str, str]]]:
    """FRAMEWORK_ALIASES and the case-insensitive index: key -> (alias, form, framework)."""
    entries = list(_ALIAS_FORMS)
    # Qualified names, e.g. torch.softshrink, jax.gelu, tf_keras.LeakyReLU.
    for (form, fw), v in VARIANTS.items():
        if fw != "keras":
            entries.append((v.qualname, form, fw))
    aliases: dict[str, tuple[str, str, dict]] = {}
    index: dict[str, tuple[str, str, str]] = {}
    taken = _registry_keys()
    for alias, form, fw in entries:
        if _norm(alias) in taken:
            # The registry wins (tf_keras.hard_sigmoid is its own legacy alias); if it ever takes
            # a name listed above, tests/test_frameworks.py says so instead of the import failing.
            continue
        key = _norm(alias)
        if key in index:
            if VARIANTS[index[key][1:]] is not VARIANTS[(form, fw)]:
                raise RuntimeError(f"framework alias {alias!r} names two variants")
            continue  # one variant under two forms (tf_keras LeakyReLU is also its leaky_relu)
        v = VARIANTS[(form, fw)]
        index[key] = (alias, form, fw)
        aliases[alias] = (v.spec.name, fw, dict(v.rename))
    return aliases, index


FRAMEWORK_ALIASES, _ALIAS_INDEX = _build_aliases()
"""Framework names -> (registry spec name, framework, {framework param name: actcli param name})."""


# Lookup ------------------------------------------------------------------------------------------


def framework(name: str) -> str:
    """The canonical framework name (``pytorch`` -> ``torch``); UsageError if unknown."""
    if not isinstance(name, str):
        raise UsageError(f"a framework name must be text, got {name!r}")
    key = _norm(name)
    if key in _FRAMEWORK_SPELLINGS:
        return _FRAMEWORK_SPELLINGS[key]
    close = difflib.get_close_matches(key, list(_FRAMEWORK_SPELLINGS), n=1, cutoff=0.6)
    hint = f"did you mean '{_FRAMEWORK_SPELLINGS[close[0]]}'? " if close else ""
    raise UsageError(f"unknown framework {name!r} ({hint}choose from {', '.join(FRAMEWORKS)})")


def resolve_name(name: str) -> tuple[str, str | None]:
    """(form, framework the name implies or None) for a registry name, alias or framework name."""
    if not isinstance(name, str):
        raise UsageError(f"an activation name must be text, got {name!r}")
    hit = _ALIAS_INDEX.get(_norm(name))
    if hit is not None:
        return hit[1], hit[2]
    return REGISTRY.lookup(name).name, None


def is_framework_name(name: str) -> bool:
    """True for names only this module knows (hardswish, nn.Softplus, torch.gelu, ...)."""
    return isinstance(name, str) and _norm(name) in _ALIAS_INDEX


def variant(name: str, like: str | None = None) -> Variant:
    """The activation ``name`` as framework ``like`` defines it.

    Args:
        name: a registry name or alias (``gelu``, ``hard_swish``), a framework name
            (``hardswish``, ``softshrink``, ``nn.Softplus``, ``soft_sign``) or a qualified one
            (``torch.softplus``, ``jax.gelu``).
        like: ``keras`` (Keras 3), ``tf_keras``, ``torch`` or ``jax``. None: the framework the
            name comes from (``hardswish`` -> torch), else Keras 3.

    Returns:
        A Variant: call it as ``v(x, **params)`` with the framework's parameter names.

    Raises:
        UsageError: unknown name or framework, or the framework has no such function
            ("torch has no sparse_plus (it exists in: keras, jax)").

    >>> variant("leaky_relu", "torch")(-1.0).item()
    -0.01
    """
    form, implied = resolve_name(name)
    fw = framework(like) if like is not None else (implied or "keras")
    v = VARIANTS.get((form, fw))
    if v is None:
        # "torch has no sparse_plus"; a framework's own spelling is named with its entry.
        own = [form, *(REGISTRY.specs[form].aliases if form in REGISTRY.specs else ())]
        shown = form if _norm(name) in map(_norm, own) else f"{name} ({form})"
        raise UsageError(_missing_message(form, fw, shown))
    return v


def forms() -> list[str]:
    """Every name with at least one flavour: the registry's (layers included) in registry order,
    then the framework-only ones (rrelu, softmin)."""
    have = {form for form, _ in VARIANTS}
    return [n for n in REGISTRY.specs if n in have] + [f for f in _FORM_NAMES if f in have]


def home_form(v: Variant) -> str:
    """The form a variant is listed under (tf_keras's LeakyReLU is also its leaky_relu)."""
    return _form_of(v)


def flavours(name: str) -> list[Variant]:
    """Every framework's variant of ``name``, in FRAMEWORKS order (those that have it)."""
    form, _ = resolve_name(name)
    return [VARIANTS[(form, fw)] for fw in FRAMEWORKS if (form, fw) in VARIANTS]


# Facts for `actcli info` ------------------------------------------------------------------------


def facts(name: str) -> list[dict[str, Any]]:
    """One row per framework for the "in other frameworks" section of ``actcli info``.

    Each row: framework, title, available, name (the framework's spelling), signature (with
    defaults), differences (from Keras 3; "" when none), derivative_at_kinks, bugs (known problems
    of that framework's implementation), source (file in the framework's repository).
    """
    form, _ = resolve_name(name)
    rows = []
    for fw in FRAMEWORKS:
        v = VARIANTS.get((form, fw))
        if v is None:
            rows.append(
                {
                    "framework": fw,
                    "title": TITLES[fw],
                    "available": False,
                    "name": "",
                    "signature": "—",
                    "differences": _missing_message(form, fw, form),
                    "derivative_at_kinks": "",
                    "bugs": "",
                    "source": "",
                }
            )
            continue
        kink = v.kink_rule or v.spec.kink_rule
        if fw == "keras" and kink:
            kink += " (Keras has no derivative API: gradients come from the backend)"
        rows.append(
            {
                "framework": fw,
                "title": TITLES[fw],
                "available": True,
                "name": v.name,
                "signature": v.signature,
                "differences": v.differences or ("" if fw == "keras" else "same as Keras 3"),
                "derivative_at_kinks": kink or "smooth",
                "bugs": v.bugs,
                "source": v.source,
            }
        )
    return rows


# diff --------------------------------------------------------------------------------------------

# Values closer than this (relative) are the same up to rounding.
_SAME_REL = 64 * np.finfo(np.float64).eps


def _actcli_names(vs: Sequence[Variant], params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters with framework names turned into actcli's (torch's lambd -> threshold), so
    ``diff soft_shrink --lambd 0.3`` gives Keras its threshold too."""
    own = {p.name for p in vs[0].spec.params} if vs else set()
    to_actcli = {f: a for v in vs for f, a in v.rename.items() if f not in own}
    out: dict[str, Any] = {}
    for key, value in params.items():
        target = to_actcli.get(key, key)
        if target in out:
            raise UsageError(f"{key} and {target} name the same parameter: give one")
        out[target] = value
    return out


def _default_xs(vs: Sequence[Variant], bound: Mapping[str, Mapping[str, Any]]) -> np.ndarray:
    lo, hi = vs[0].spec.plot_xlim
    xs = [np.linspace(lo, hi, 4001), [0.0, 1.0, -1.0]]
    for v in vs:
        for k in v.kinks(bound[v.framework]):
            if np.isfinite(k):
                xs.append([k, np.nextafter(k, -np.inf), np.nextafter(k, np.inf)])
    return np.unique(np.concatenate([np.asarray(a, dtype=np.float64) for a in xs]))


def evaluate(
    name: str, xs: Any = None, params: Mapping[str, Any] | None = None, *, derivative: bool = False
) -> dict[str, Any]:
    """Evaluates ``name`` under every framework flavour that has it.

    Args:
        name: any name ``variant`` accepts.
        xs: points (default: the spec's plot range, 4001 points, plus every flavour's kinks).
        params: parameters for every flavour, in actcli's or a framework's names; a flavour that
            has no such parameter is skipped (and listed in ``skipped``).
        derivative: evaluate the derivatives instead.

    Returns:
        dict with x (1-D array), values ({framework: array}), variants ({framework: Variant}),
        bound ({framework: bound params}), skipped ([(framework, reason)]), derivative.
    """
    params = _actcli_names(flavours(name), params or {})
    vs, bound, skipped = [], {}, []
    for v in flavours(name):
        mapped, missing = v.from_actcli(params)
        if missing:
            skipped.append((v.framework, f"{v.qualname} has no parameter {', '.join(missing)}"))
            continue
        bound[v.framework] = v.bind(mapped)
        vs.append(v)
    form, _ = resolve_name(name)
    for fw in FRAMEWORKS:
        if (form, fw) not in VARIANTS:
            skipped.append((fw, _missing_message(form, fw, form)))
    if not vs:
        raise UsageError(f"no framework can evaluate {name} with {params}")
    x = _default_xs(vs, bound) if xs is None else np.asarray(xs, dtype=np.float64).reshape(-1)
    if vs[0].spec.name == "glu" and x.size % 2:
        x = x[:-1]  # glu splits its axis in halves
    values = {}
    for v in vs:
        impl = v.prime if derivative else v.fn
        if v.spec.axiswise:
            y = np.asarray(impl(x[None, :], **bound[v.framework]), dtype=np.float64)[0]
        else:
            y = np.asarray(impl(x, **bound[v.framework]), dtype=np.float64)
        values[v.framework] = y
    # glu: output i is the first half's x_i gated by the second half's.
    x = x[: len(next(iter(values.values())))]
    return {
        "x": x,
        "values": values,
        "variants": {v.framework: v for v in vs},
        "bound": bound,
        "skipped": skipped,
        "derivative": derivative,
    }


def _gaps(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(absolute, relative) differences; equal values (NaN and NaN, inf and inf) give 0."""
    with np.errstate(invalid="ignore", divide="ignore"):  # inf - inf, 0 / 0: handled below
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        gap = np.where(same, 0.0, np.abs(a - b))
        gap = np.where(np.isnan(gap), np.inf, gap)
        scale = np.maximum(np.abs(a), np.abs(b))
        rel = np.where(gap == 0, 0.0, gap / np.where(scale > 0, scale, 1.0))
    return gap, np.where(np.isnan(rel), np.inf, rel)


def _describe_params(v: Variant, bound: Mapping[str, Any], keys: Sequence[str]) -> str:
    back = {a: f for f, a in v.rename.items()}
    return ", ".join(f"{back.get(k, k)}={bound.get(back.get(k, k))!r}" for k in keys)


def diff(
    name: str, xs: Any = None, params: Mapping[str, Any] | None = None, *, derivative: bool = False
) -> list[dict[str, Any]]:
    """Where the framework flavours of ``name`` disagree, one row per pair.

    Each row: a, b (frameworks), a_name, b_name (qualified names), max_abs and x_max_abs,
    max_rel and x_max_rel, a_value and b_value (at x_max_abs), cause ("same", "defaults: ...",
    "formula: ...", "defaults and formula: ...", or for derivatives "convention at kinks: ...").

    >>> [r["cause"] for r in diff("relu6", [0.0, 3.0])]
    ['same', 'same', 'same']
    """
    return diff_rows(evaluate(name, xs, params, derivative=derivative))


def diff_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``diff``'s rows from an ``evaluate`` result (the CLI evaluates once, then tabulates and
    plots the same values)."""
    res = result
    derivative = res["derivative"]
    x, values, variants, bound = res["x"], res["values"], res["variants"], res["bound"]
    fws = list(values)
    rows = []
    for i, fa in enumerate(fws):
        for fb in fws[i + 1 :]:
            gap, rel = _gaps(values[fa], values[fb])
            row = {
                "a": fa,
                "b": fb,
                "a_name": variants[fa].qualname,
                "b_name": variants[fb].qualname,
                "max_abs": 0.0,
                "x_max_abs": math.nan,
                "max_rel": 0.0,
                "x_max_rel": math.nan,
                "a_value": math.nan,
                "b_value": math.nan,
                "cause": "same",
            }
            if x.size and np.max(rel) > _SAME_REL:
                # The first x within 1e-9 of the maximum: a constant ratio (two slopes) would
                # otherwise be reported wherever rounding happens to make it largest.
                ia = int(np.argmax(gap >= np.max(gap) * (1 - 1e-9)))
                ir = int(np.argmax(rel >= np.max(rel) * (1 - 1e-9)))
                row.update(
                    max_abs=float(gap[ia]),
                    x_max_abs=float(x[ia]),
                    max_rel=float(rel[ir]),
                    x_max_rel=float(x[ir]),
                    a_value=float(values[fa][ia]),
                    b_value=float(values[fb][ia]),
                    cause=_cause(variants[fa], variants[fb], bound, x, values, derivative),
                )
            rows.append(row)
    return rows


def _cause(va: Variant, vb: Variant, bound, x, values, derivative: bool) -> str:
    """Defaults if giving b the parameters of a removes the difference; else formula."""
    ba, bb = bound[va.framework], bound[vb.framework]
    aa, ab = va.to_actcli(ba), vb.to_actcli(bb)
    keys = [k for k in aa if k in ab and aa[k] != ab[k]]
    parts = []
    if keys:
        parts.append(
            f"{_describe_params(va, ba, keys)} ({va.framework}) vs "
            f"{_describe_params(vb, bb, keys)} ({vb.framework})"
        )
        aligned = dict(bb)
        back = {a: f for f, a in vb.rename.items()}
        for k in keys:
            aligned[back.get(k, k)] = aa[k]
        impl = vb.prime if derivative else vb.fn
        arr = x[None, :] if vb.spec.axiswise else x
        y = np.asarray(impl(arr, **vb.bind(aligned)), dtype=np.float64)
        y = y[0] if vb.spec.axiswise else y
        _, rel = _gaps(values[va.framework], y)
        if np.max(rel, initial=0.0) <= _SAME_REL:
            return "defaults: " + parts[0]
    notes = [f"{v.framework}: {v.formula_note}" for v in (va, vb) if v.formula_note]
    if derivative and not notes:
        # Name the flavour whose convention departs from actcli's (the registry's kink_rule).
        own = [v for v in (va, vb) if v.kink_rule and v.kink_rule != v.spec.kink_rule]
        rules = [f"{v.framework}: {v.kink_rule}" for v in own or (va, vb) if v.kink_rule]
        notes = rules or ["derivative convention at kinks"]
        label = "convention at kinks"
    else:
        label = "formula"
    text = "; ".join(notes) or "different formulas"
    if parts:
        return f"defaults and {label}: {parts[0]}; {text}"
    return f"{label}: {text}"
