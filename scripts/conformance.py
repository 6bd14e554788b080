"""Checks actcli's framework flavours against the real frameworks (the conformance harness).

For every installed framework (JAX, PyTorch, Keras 3 on each backend, tf_keras), every function
actcli has a flavour of is evaluated by the framework and by actcli (``like=`` that flavour) with
default and non-default parameters, in float32 and float64, on a grid with every kink and its
neighbours, +-0, +-inf, NaN and subnormals: values, autograd derivatives, and Jacobians of the
axis-wise functions. Each point is put in one class:

    identical   the same bits
    <=1 ULP     within one unit in the last place (also +0 against -0)
    <=4 ULP
    differs     further apart, or NaN against a number: then a reason is required

A difference is deliberate (and listed with its reason) when actcli is right and the framework is
not: the framework's value is NaN or inf where the true value is finite (actcli gives the limit),
or the mpmath oracle (tests/oracle.py) puts actcli within 4 ULP and the framework further away
(the framework's rounding error), or the pair is declared in ``DECLARED`` below. Anything else is
an undeclared difference: it is printed with x, parameters, both values and the oracle's, and the
exit status is 1.

Usage (from the repository, in a venv with actcli's test extra and the frameworks installed):

    python3 scripts/conformance.py                  # every framework that imports
    python3 scripts/conformance.py --only jax,keras/numpy
    python3 scripts/conformance.py --markdown       # the agreement table for docs/porting.md
    python3 scripts/conformance.py --keras-tests    # Keras's own activations_test.py on actcli

Keras reads its backend once per process, so each Keras backend runs in a subprocess
(KERAS_BACKEND=...). A framework that does not import is reported as skipped, not failed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import mpmath
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import oracle  # noqa: E402  (tests/oracle.py: mpmath, from the math)

import actcli  # noqa: E402
from actcli import frameworks as fw  # noqa: E402

FLAVOURS = (
    "jax",
    "torch",
    "keras/numpy",
    "keras/jax",
    "keras/torch",
    "keras/tensorflow",
    "tf_keras",
)
CLASSES = ("identical", "<=1 ULP", "<=4 ULP", "differs")
DTYPES = (np.float32, np.float64)

# Non-default parameter settings, in actcli's names (each flavour maps them to its own; a setting
# naming a parameter the flavour lacks is skipped for that flavour).
SETTINGS: dict[str, list[dict[str, Any]]] = {
    "relu": [
        {"negative_slope": 0.1},
        {"max_value": 2.5},
        {"threshold": 1.0},
        {"negative_slope": 0.1, "max_value": 6.0, "threshold": 1.0},
        {"negative_slope": 0.2, "max_value": 3.0, "threshold": 0.5},
    ],
    "layers.ReLU": [{"negative_slope": 0.2, "max_value": 3.0, "threshold": 0.5}],
    "leaky_relu": [{"negative_slope": 0.1}, {"negative_slope": 0.3}],
    "layers.LeakyReLU": [{"negative_slope": 0.1}],
    "layers.PReLU": [{"alpha": 0.25}],
    "elu": [{"alpha": 0.5}],
    "layers.ELU": [{"alpha": 0.5}],
    "celu": [{"alpha": 0.5}],
    "gelu": [{"approximate": True}, {"approximate": False}],
    "hard_shrink": [{"threshold": 0.3}],
    "soft_shrink": [{"threshold": 0.3}],
    "threshold": [{"threshold": 0.3, "default_value": -2.0}],
    "squareplus": [{"b": 1.0}],
    "layers.ThresholdedReLU": [{"theta": 0.5}],
    "softmax": [{"axis": 0}],
    "log_softmax": [{"axis": 0}],
    "glu": [{"axis": 0}],
}
# Framework-only parameters, in the framework's names.
OWN_SETTINGS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("torch", "softplus"): [{"beta": 2.0, "threshold": 10.0}],
    ("torch", "hardtanh"): [{"min_val": -2.0, "max_val": 0.5}],
    ("torch", "rrelu"): [{"lower": 0.1, "upper": 0.3}],
    ("torch", "softmax"): [{"dim": -1}],
    ("torch", "log_softmax"): [{"dim": -1}],
    ("torch", "softmin"): [{"dim": -1}],
    ("torch", "nn.Softmax"): [{"dim": -1}],
    ("torch", "prelu"): [{"weight": 0.25}, {"weight": 1.5}],
}
# Settings every call needs (required parameters, and PyTorch's implicit dim which actcli models
# but which warns): used instead of the defaults.
REQUIRED: dict[str, dict[str, Any]] = {
    "threshold": {"threshold": 0.5, "default_value": 0.0},
}


# Differences that are deliberate although no rule above recognises them: (flavour, form) ->
# (predicate on (x, params, dtype, which), reason). Kept short: each is a decision.
def _tf_selu_tiny(x, p, dtype, which):
    return which == "derivative" and -1e-6 < x < 0


_TF_SELU = (
    _tf_selu_tiny,
    "TensorFlow's SeluGrad branches on the output, and its exp(x) - 1 is 0 for tiny x < 0: "
    "scale (1.0507) there instead of scale * alpha",
)
DECLARED: dict[tuple[str, str], tuple[Callable[..., bool], str]] = {
    ("jax", "log1mexp"): (
        lambda x, p, dtype, which: which == "derivative" and (x < 0 or x == 0),
        "log1mexp' outside x >= 0 (JAX: 1 / expm1(x), -inf at -0; actcli: NaN, +inf at -0)",
    ),
    ("tf_keras", "selu"): _TF_SELU,
    ("keras/tensorflow", "selu"): _TF_SELU,
}
# Axis-wise: (flavour prefix, function) -> why every difference there is deliberate.
AXIS_DECLARED = {
    ("keras", "sparsemax"): (
        "Keras's sparsemax is wrong when more than one entry survives (keras-team/keras #23425); "
        "actcli computes the projection onto the simplex"
    ),
}


# ---------------------------------------------------------------------------------------------
# ULP classes


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in ULP (float); 0 for NaN and NaN or equal infinities, inf for NaN vs a number."""
    a = np.asarray(a)
    b = np.asarray(b, dtype=a.dtype)
    if a.dtype == np.float64:
        ia = a.view(np.int64).astype(object)
        ib = b.view(np.int64).astype(object)
        top = 1 << 63
    else:
        ia = a.view(np.int32).astype(np.int64).astype(object)
        ib = b.view(np.int32).astype(np.int64).astype(object)
        top = 1 << 31
    ia = np.array([(-(v + top) if v < 0 else v) for v in ia], dtype=object)
    ib = np.array([(-(v + top) if v < 0 else v) for v in ib], dtype=object)
    d = np.array([float(abs(p - q)) for p, q in zip(ia, ib, strict=True)])
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    d = np.where(nan_a & nan_b, 0.0, d)
    d = np.where(nan_a ^ nan_b, math.inf, d)
    return d


def classify(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Index into CLASSES per point."""
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b, dtype=a.dtype)
    same = (a.view(np.uint8).reshape(a.size, -1) == b.view(np.uint8).reshape(b.size, -1)).all(1)
    same |= np.isnan(a.reshape(-1)) & np.isnan(b.reshape(-1))
    d = ulp_distance(a.reshape(-1), b.reshape(-1))
    return np.where(same, 0, np.where(d <= 1, 1, np.where(d <= 4, 2, 3)))


# ---------------------------------------------------------------------------------------------
# Framework adapters: each turns (variant, params, dtype) into value and derivative functions on
# a NumPy array, computed by the framework.


class Adapter:
    flavour = ""
    version = ""
    backend_version = ""  # Keras 3: the backend's release ("PyTorch 2.14.1"); its autograd
    grads = True

    def obj(self, path: str) -> Any:
        mod, _, attr = path.rpartition(".")
        return getattr(importlib.import_module(mod), attr)

    def call(self, v: fw.Variant, params: Mapping[str, Any]) -> Callable[[Any], Any]:
        """The framework's function of one tensor argument."""
        target = self.obj(v.signature.partition("(")[0])
        if v.name.startswith(("layers.", "nn.")):
            layer = target(**self.layer_params(v, params))
            return layer
        return lambda t: target(t, **params)

    def layer_params(self, v: fw.Variant, params: Mapping[str, Any]) -> dict[str, Any]:
        return dict(params)


class JaxAdapter(Adapter):
    flavour = "jax"

    def __init__(self):
        import jax

        jax.config.update("jax_enable_x64", True)
        self.jax = jax
        self.jnp = importlib.import_module("jax.numpy")
        self.version = jax.__version__

    def value(self, f, x):
        return np.asarray(f(self.jnp.asarray(x)))

    def grad(self, f, x):
        g = self.jax.vmap(self.jax.grad(lambda t: f(t)))
        return np.asarray(g(self.jnp.asarray(x.reshape(-1)))).reshape(x.shape)

    def jacobian(self, f, row):
        return np.asarray(self.jax.jacobian(f)(self.jnp.asarray(row)))


class TorchAdapter(Adapter):
    flavour = "torch"

    def __init__(self):
        import torch

        self.torch = torch
        self.version = torch.__version__.split("+")[0]

    def call(self, v, params):
        if v.name == "nn.PReLU":
            m = self.torch.nn.PReLU(init=params.get("init", 0.25))
            return lambda t: m.to(t.dtype)(t)
        if v.name.startswith("nn."):
            m = self.obj("torch." + v.name)(**params)
            return m
        if v.name == "exp":
            return self.torch.exp
        if v.name == "prelu":
            w = np.atleast_1d(np.asarray(params["weight"], dtype=np.float64))
            return lambda t: self.torch.nn.functional.prelu(t, self.torch.from_numpy(w).to(t.dtype))
        if "approximate" in params and isinstance(params["approximate"], bool):
            params = {**params, "approximate": "tanh" if params["approximate"] else "none"}
        path = v.signature.partition("(")[0]
        target = self.obj(path)
        return lambda t: target(t, **params)

    def value(self, f, x):
        with self.torch.no_grad():
            return f(self.torch.from_numpy(np.array(x))).numpy()

    def grad(self, f, x):
        t = self.torch.from_numpy(np.array(x)).requires_grad_(True)
        y = f(t)
        (g,) = self.torch.autograd.grad(y.sum(), t, allow_unused=True)
        return np.zeros_like(x) if g is None else g.numpy()

    def jacobian(self, f, row):
        t = self.torch.from_numpy(np.array(row))
        return self.torch.autograd.functional.jacobian(f, t).numpy()


class KerasAdapter(Adapter):
    """Keras 3 on the backend KERAS_BACKEND names (set before keras is imported)."""

    def __init__(self, backend: str):
        import keras

        self.keras = keras
        self.backend = backend
        self.flavour = f"keras/{backend}"
        self.version = keras.__version__
        self.grads = backend != "numpy"  # the numpy backend has no autograd
        if backend == "jax":
            import jax

            jax.config.update("jax_enable_x64", True)
            self.jax = jax
            self.backend_version = f"JAX {jax.__version__}"
        elif backend == "torch":
            import torch

            self.torch = torch
            self.backend_version = f"PyTorch {torch.__version__.split('+')[0]}"
        elif backend == "tensorflow":
            import tensorflow as tf

            self.tf = tf
            self.backend_version = f"TensorFlow {tf.__version__}"

    def layer_params(self, v, params):
        if v.name == "layers.PReLU":
            return {"alpha_initializer": self.keras.initializers.Constant(params.get("alpha", 0))}
        return dict(params)

    def call(self, v, params):
        path = v.signature.partition("(")[0]
        target = self.obj(path)
        if v.name.startswith("layers."):
            return lambda t: target(
                **self.layer_params(v, params), dtype=self.keras.backend.standardize_dtype(t.dtype)
            )(t)
        return lambda t: target(t, **params)

    def _tensor(self, x):
        if self.backend == "jax":
            return self.jax.numpy.asarray(x)
        if self.backend == "torch":
            return self.torch.from_numpy(np.array(x))
        if self.backend == "tensorflow":
            return self.tf.constant(x)
        return np.array(x)

    def value(self, f, x):
        return np.asarray(self.keras.ops.convert_to_numpy(f(self._tensor(x))))

    def grad(self, f, x):
        if self.backend == "jax":
            g = self.jax.vmap(self.jax.grad(lambda t: f(t)))
            return np.asarray(g(self.jax.numpy.asarray(x.reshape(-1)))).reshape(x.shape)
        if self.backend == "torch":
            t = self.torch.from_numpy(np.array(x)).requires_grad_(True)
            (g,) = self.torch.autograd.grad(f(t).sum(), t, allow_unused=True)
            return np.zeros_like(x) if g is None else g.numpy()
        t = self.tf.constant(x)
        with self.tf.GradientTape() as tape:
            tape.watch(t)
            y = f(t)
        g = tape.gradient(y, t)
        return np.zeros_like(x) if g is None else g.numpy()

    def jacobian(self, f, row):
        if self.backend == "jax":
            return np.asarray(self.jax.jacobian(f)(self.jax.numpy.asarray(row)))
        if self.backend == "torch":
            t = self.torch.from_numpy(np.array(row))
            return self.torch.autograd.functional.jacobian(f, t).numpy()
        t = self.tf.constant(row)
        with self.tf.GradientTape() as tape:
            tape.watch(t)
            y = f(t)
        return tape.jacobian(y, t).numpy()


class TfKerasAdapter(KerasAdapter):
    def __init__(self):
        import tensorflow as tf
        import tf_keras

        self.keras = tf_keras
        self.tf = tf
        self.backend = "tensorflow"
        self.flavour = "tf_keras"
        self.version = tf_keras.__version__
        self.grads = True

    def call(self, v, params):
        path = v.signature.partition("(")[0]
        target = self.obj(path)
        if v.name.startswith("layers."):
            return lambda t: target(**self.layer_params(v, params), dtype=t.dtype)(t)
        return lambda t: target(t, **params)

    def value(self, f, x):
        return np.asarray(f(self.tf.constant(x)))


def make_adapter(flavour: str) -> Adapter:
    if flavour == "jax":
        return JaxAdapter()
    if flavour == "torch":
        return TorchAdapter()
    if flavour == "tf_keras":
        return TfKerasAdapter()
    return KerasAdapter(flavour.partition("/")[2])


# ---------------------------------------------------------------------------------------------
# The cases


def _framework_of(flavour: str) -> str:
    return "keras" if flavour.startswith("keras") else flavour


def cases(flavour: str) -> list[tuple[fw.Variant, dict[str, Any]]]:
    """(variant, framework-named params) for every function the flavour has, each setting."""
    out = []
    seen = set()
    for (form, framework), v in fw.VARIANTS.items():
        if framework != _framework_of(flavour) or id(v) in seen:
            continue
        seen.add(id(v))
        v = fw.variant(v.qualname if framework != "keras" else form, flavour)
        settings: list[dict[str, Any]] = [v.from_actcli(REQUIRED.get(v.spec.name, {}))[0]]
        for s in SETTINGS.get(v.spec.name, []) + OWN_SETTINGS.get((framework, v.name), []):
            mapped, missing = v.from_actcli(s)
            if not missing and mapped not in settings:
                settings.append(mapped)
        if framework == "torch" and v.spec.axiswise and v.name not in ("glu", "nn.Softmax2d"):
            settings = [s for s in settings if s.get("dim") is not None] or [{"dim": -1}]
        for s in settings:
            try:
                v.bind(s)
            except actcli.UsageError:  # a required parameter (F.prelu's weight) left out
                continue
            out.append((v, s))
    return out


def _oracle_value(v: fw.Variant, bound: Mapping[str, Any], x: float, which: str) -> Any:
    """The mpmath value of the flavour's function (or derivative) at x, or None if unknown."""
    name = v.spec.name
    own = v.to_actcli(bound)
    if v.framework == "torch" and v.name in ("softplus", "nn.Softplus"):
        beta, thr = bound["beta"], bound["threshold"]
        if x * beta > thr:
            return x if which == "value" else oracle.mpf(1)
        e = oracle.ELEMENTWISE["softplus"]
        bx = oracle.mpf(beta) * oracle.mpf(x)
        with oracle.mp.workprec(200):
            if which == "value":
                return oracle._softplus(bx) / beta
            return oracle._sig(bx)
        del e
    if v.name in ("rrelu", "nn.RReLU"):
        slope = (oracle.mpf(bound["lower"]) + oracle.mpf(bound["upper"])) / 2
        entry, own = oracle.ELEMENTWISE["leaky_relu"], {"negative_slope": slope}
    elif v.name in ("hardtanh", "nn.Hardtanh") and v.framework == "torch":
        lo, hi = bound["min_val"], bound["max_val"]
        if which == "value":
            return min(max(x, lo), hi) if not math.isnan(x) else x
        return oracle.mpf(1 if lo < x < hi else 0)
    elif name in oracle.ELEMENTWISE:
        entry = oracle.ELEMENTWISE[name]
    else:
        return None
    return entry.value(x, **own) if which == "value" else entry.derivative(x, **own)


def _kinks(v: fw.Variant, bound: Mapping[str, Any]) -> list[float]:
    ks = [k for k in v.kinks(bound) if math.isfinite(k)]
    return ks + [0.0, 1.0, -1.0, 3.0, -3.0, 2.5, -2.5, 6.0]


class Tally:
    def __init__(self):
        self.counts: dict[str, dict[str, int]] = {}
        self.reasons: dict[str, dict[str, int]] = {}
        self.undeclared: list[str] = []
        self.errors: list[str] = []

    def add(self, flavour: str, cls: np.ndarray) -> None:
        row = self.counts.setdefault(flavour, dict.fromkeys(CLASSES, 0))
        for i, name in enumerate(CLASSES):
            row[name] += int(np.sum(cls == i))

    def reason(self, flavour: str, why: str, n: int = 1) -> None:
        r = self.reasons.setdefault(flavour, {})
        r[why] = r.get(why, 0) + n


ROUNDING = "framework rounding error (actcli within 4 ULP of mpmath)"
BOTH = "both within 4 ULP of mpmath"


def _gross(b: float, want: Any, dtype: Any, size: float) -> bool:
    """b is too far from the true value to be a rounding error: more than max(1024 eps, 2^-20)
    times the magnitudes involved (|x| + |f| + 1). Cancellation and overflow inside a formula
    stay below (squareplus's 7.45e-9 for 1e-8 at x = -1e8), and so do float32 constants or
    arithmetic on float64 input (2^-20 > float32's eps); a different definition (another default,
    another formula) does not, so it is never passed off as the framework's rounding."""
    if not math.isfinite(b) or not mpmath.isfinite(want):
        return False
    bar = max(1024 * float(np.finfo(dtype).eps), 2.0**-20)
    return abs(oracle.mpf(b) - want) > bar * (1 + size + abs(want))


FLOAT32_SIZED = "framework computes float64 input with float32 constants or arithmetic"


def _rounding_kind(b: float, want: Any, dtype: Any, size: float) -> str:
    """ROUNDING, or FLOAT32_SIZED when a float64 result is off by a float32-sized amount."""
    if np.dtype(dtype) == np.float64 and math.isfinite(b) and mpmath.isfinite(want):
        if abs(oracle.mpf(b) - want) > 2.0**-40 * (1 + size + abs(want)):
            return FLOAT32_SIZED + " (actcli within 4 ULP of mpmath)"
    return ROUNDING


def judge(
    a: float, b: float, want: Any, dtype: Any, scale: float | None = None, x: float = 0.0
) -> str | None:
    """Why actcli's a and the framework's b may differ, given the oracle's value (None: no
    reason: actcli is not the closer one, both are off, or the framework is further off than
    rounding explains).

    ``scale``: for axis-wise results, the largest |x| of the vector: the bar is then the one
    tests/test_core_oracle.py holds actcli to, 8 eps (1 + 3 max|x|) |want| + 4 ULP (x_i - max
    is rounded before exp, so the condition number grows with |x|)."""
    if want is None:
        return None
    if _gross(b, want, dtype, abs(x) if scale is None else scale):
        return None
    finite = mpmath.isfinite(want)
    if not math.isfinite(b) and math.isfinite(a) and finite:
        return "framework NaN/inf where the true value is finite (actcli gives the limit)"
    if b == 0 and 0 < abs(a) < float(np.finfo(dtype).tiny):
        return "framework flushes a subnormal result to zero (actcli keeps it)"
    ea = oracle.ulp_error(a, want, dtype)
    eb = oracle.ulp_error(b, want, dtype)
    if scale is not None and finite:
        w = oracle.round_to(want, dtype)
        tol = 8 * float(np.finfo(dtype).eps) * (1 + 3 * scale) * abs(float(w))
        tol += 4 * oracle.spacing_at(w)
        ok_a = math.isfinite(a) and abs(oracle.mpf(a) - want) <= tol
        ok_b = math.isfinite(b) and abs(oracle.mpf(b) - want) <= tol
        if ok_a:
            return (
                "both within the axis-wise bar (8 eps (1 + 3 max|x|) + 4 ULP)" if ok_b else ROUNDING
            )
        return None
    if ea <= 4:
        return BOTH if eb <= 4 else _rounding_kind(b, want, dtype, abs(x))
    return None


FLOAT32_INPUT = "framework computes float64 input in float32 (Keras's floatx): its float32 value"
DAZ = "framework reads a subnormal input as 0 (denormals-are-zero): its value at 0"
NEXT_TO_KINK = "framework's x + c rounds onto a kink next to it (x + 3 = 6): its value there"


def _why(v, bound, x, a, b, dtype, which, mine=None, params=None) -> str | None:
    """Why actcli's a and the framework's b differ at x (None: undeclared). ``mine(x,
    **params)`` is actcli's flavour (value or derivative), to see whether the framework gave
    its value at another point: 0 for a subnormal x, or a kink next to x."""
    if math.isnan(x) and math.isnan(a):
        return "framework derivative at NaN is a number (actcli: NaN in, NaN out)"
    kinks = {float(np.asarray(k).astype(dtype)) for k in v.kinks(bound) if math.isfinite(k)}
    if which == "derivative" and x in kinks:
        return None  # at a kink the derivative is a convention: the flavour must model it

    def mine_at(t: float) -> float:
        return float(np.asarray(mine(np.asarray([t], dtype=dtype), **params))[0])

    def same(u: float, w: float) -> bool:
        return ulp_distance(np.asarray([u], dtype=dtype), np.asarray([w], dtype=dtype))[0] <= 4

    if mine is not None and 0 < abs(x) < float(np.finfo(dtype).tiny):
        if same(b, mine_at(math.copysign(0.0, x))):
            return DAZ
    if mine is not None and which == "derivative":
        t = np.dtype(dtype).type
        for k in kinks:
            near = ulp_distance(np.asarray([x], dtype=dtype), np.asarray([k], dtype=dtype))[0]
            if 0 < near <= 4 and same(b, mine_at(float(t(k)))):
                return NEXT_TO_KINK
    want = _oracle_value(v, bound, x, which)
    why = judge(a, b, want, dtype, x=x if math.isfinite(x) else 0.0)
    if why is not None:
        return why
    entry = oracle.ELEMENTWISE.get(v.spec.name)
    terms = entry.terms(x, **v.to_actcli(bound)) if entry and which == "derivative" else None
    if want is not None and terms is not None:
        # f' as a sum of terms of both signs near its zero: errors are measured against the
        # largest term (as tests/test_core_oracle.py does).
        sp = oracle.spacing_at(oracle.round_to(terms, dtype))
        ta = float(abs(oracle.mpf(a) - want) / sp)
        tb = float(abs(oracle.mpf(b) - want) / sp)
        if ta <= 4:
            return (
                "cancellation in f' near its zero: both within 4 ULP of the largest term"
                if tb <= 4
                else ROUNDING
            )
    hit = DECLARED.get((v.framework, v.name))
    if hit and hit[0](x, bound, dtype, which):
        return hit[1]
    # Last, as it explains only what nothing else does: a float64 result that is a float32
    # number, the flavour's float32 value at float32(x) (Keras's numpy backend, x = 1 + 2^-52
    # read as 1.0 against threshold 1).
    if mine is not None and np.dtype(dtype) == np.float64 and math.isfinite(x):
        x32 = float(np.float32(x))
        if math.isfinite(x32) and math.isfinite(b) and float(np.float32(b)) == b:
            at32 = float(np.asarray(mine(np.asarray([x32], dtype=np.float32), **params))[0])
            if ulp_distance(np.asarray([b], np.float32), np.asarray([at32], np.float32))[0] <= 1:
                return FLOAT32_INPUT
    return None


def run_elementwise(ad: Adapter, v: fw.Variant, params: dict[str, Any], tally: Tally) -> None:
    bound = v.bind(params)
    f = ad.call(v, params)
    act = actcli.get(v.qualname, like=ad.flavour)
    der = actcli.derivative(v.qualname, like=ad.flavour)
    for dtype in DTYPES:
        xs = oracle.grid(dtype, _kinks(v, bound))
        xs = np.concatenate([xs, np.asarray([np.nan], dtype=dtype)])
        todo = [("value", act, ad.value)]
        if ad.grads:
            todo.append(("derivative", der, ad.grad))
        for which, mine, theirs in todo:
            try:
                b = np.asarray(theirs(f, xs)).astype(dtype, copy=False)
            except Exception as exc:  # a framework refusing a setting is reported, not fatal
                tally.errors.append(f"{ad.flavour} {v.name} {params} {dtype.__name__}: {exc!r}")
                continue
            a = np.asarray(mine(xs, **params))
            if a.dtype != b.dtype:
                tally.errors.append(
                    f"{ad.flavour} {v.name} {params}: dtype {a.dtype} vs framework {b.dtype}"
                )
                b = b.astype(a.dtype)
            cls = classify(a, b)
            tally.add(ad.flavour, cls)
            for i in np.flatnonzero(cls == 3):
                x = float(xs[i])
                why = _why(v, bound, x, float(a[i]), float(b[i]), dtype, which, mine, params)
                if why is None:
                    want = _oracle_value(v, bound, x, which)
                    shown = "?" if want is None else float(oracle.round_to(want, np.float64))
                    tally.undeclared.append(
                        f"{ad.flavour} {v.name}{'′' if which == 'derivative' else ''} "
                        f"{params} {np.dtype(dtype).name} x={x!r}: actcli {float(a[i])!r}, "
                        f"framework {float(b[i])!r}, mpmath {shown!r}"
                    )
                else:
                    tally.reason(ad.flavour, why)


def _rows(dtype) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    rows = [
        rng.normal(size=6) * 3,
        np.array([1.0, 2.0, 3.0, 4.0]),
        np.array([0.0, 0.0, 0.0, 0.0]),
        np.array([1000.0, 0.0, -1000.0, 2.0]),
        np.array([0.5, 0.5, 1.0, -3.0]),
        np.array([-1e30, 1e-30, 5.0, 5.0]),
    ]
    return [r.astype(dtype) for r in rows]


_AXIS_ORACLE = {
    "softmax": (oracle.softmax, oracle.softmax_jacobian),
    "log_softmax": (oracle.log_softmax, oracle.log_softmax_jacobian),
    "glu": (oracle.glu, oracle.glu_jacobian),
    "sparsemax": (oracle.sparsemax, oracle.sparsemax_jacobian),
}
_AXIS_ORACLE["layers.Softmax"] = _AXIS_ORACLE["softmax"]


def _axis_truth(v: fw.Variant, x: np.ndarray, axis: int, negate: bool) -> list[Any] | None:
    """The oracle's values for x along axis, as a flat list in x's order (None: no oracle)."""
    fns = _AXIS_ORACLE.get(v.spec.name)
    if fns is None or not np.all(np.isfinite(x)):
        return None
    moved = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1)
    out = np.empty(
        moved.shape[:-1] + ((moved.shape[-1] // 2,) if v.spec.name == "glu" else moved.shape[-1:]),
        dtype=object,
    )
    for idx in np.ndindex(moved.shape[:-1]):
        row = [(-t if negate else t) for t in moved[idx].tolist()]
        out[idx] = fns[0](row)
    return np.moveaxis(out, -1, axis).reshape(-1).tolist()


def _judge_all(tally, flavour, label, a, b, wants, dtype, scale, v=None) -> None:
    cls = classify(a, b)
    tally.add(flavour, cls)
    declared = v is not None and AXIS_DECLARED.get((flavour.partition("/")[0], v.spec.name))
    for i in np.flatnonzero(cls == 3):
        if declared:
            tally.reason(flavour, declared)
            continue
        ai, bi = float(a.reshape(-1)[i]), float(b.reshape(-1)[i])
        why = judge(ai, bi, None if wants is None else wants[i], dtype, scale)
        if why is None:
            tally.undeclared.append(f"{label} [{i}]: actcli {ai!r}, framework {bi!r}")
        else:
            tally.reason(flavour, why)


def run_axiswise(ad: Adapter, v: fw.Variant, params: dict[str, Any], tally: Tally) -> None:
    f = ad.call(v, params)
    act = actcli.get(v.qualname, like=ad.flavour)
    jac = actcli.jacobian(v.qualname, like=ad.flavour)
    axis = -3 if v.name == "nn.Softmax2d" else params.get("axis", params.get("dim", -1))
    negate = v.name in ("softmin", "nn.Softmin")
    # tf_keras rejects 1-D input to softmax (a declared difference): give it one row;
    # nn.Softmax2d works on the channels of 3-D input: give it (C, 1, 1).
    as_rows = ad.flavour == "tf_keras"
    channels = v.name == "nn.Softmax2d"
    for dtype in DTYPES:
        for row in _rows(dtype):
            x = np.ascontiguousarray(row.reshape(2, -1).T) if axis == 0 else row
            x = x[None, :] if as_rows else x
            x = row.reshape(-1, 1, 1) if channels else x
            if v.spec.name == "glu" and x.shape[axis] % 2:
                continue
            try:
                b = np.asarray(ad.value(f, x)).astype(dtype, copy=False)
            except Exception as exc:
                tally.errors.append(f"{ad.flavour} {v.name} {params}: {exc!r}")
                break
            a = np.asarray(act(x, **params))
            scale = float(np.max(np.abs(row.astype(np.float64))))
            label = f"{ad.flavour} {v.name} {params} {np.dtype(dtype).name} x={x.tolist()}"
            _judge_all(
                tally, ad.flavour, label, a, b, _axis_truth(v, x, axis, negate), dtype, scale, v
            )
            if not ad.grads or (axis == 0 and not channels):
                continue
            jb = np.asarray(ad.jacobian(f, x)).astype(dtype, copy=False)
            ja = np.asarray(jac(x, **params))
            if as_rows or channels:
                ja, jb = ja.reshape(-1, row.size), jb.reshape(-1, row.size)
            fns = _AXIS_ORACLE.get(v.spec.name)
            wants = None
            if fns is not None and np.all(np.isfinite(row)):
                r = [(-t if negate else t) for t in row.astype(np.float64).tolist()]
                sign = -1 if negate else 1
                wants = [sign * w for line in fns[1](r) for w in line]
            _judge_all(tally, ad.flavour, label + " Jacobian", ja, jb, wants, dtype, scale, v)


def coverage(flavour: str) -> list[str]:
    """The framework's activations actcli neither has nor lists (as not supported, or as no
    activation in the framework module's NOT_ACTIVATIONS): names to add or to declare."""
    import inspect

    from actcli.frameworks import jax as fw_jax
    from actcli.frameworks import torch as fw_torch

    paths: list[str] = []
    if flavour.startswith("keras"):
        from keras.src.activations import ALL_OBJECTS

        paths = [f"keras.activations.{o.__name__}" for o in ALL_OBJECTS]
    elif flavour == "jax":
        import jax.nn as jnn

        names = [n for n in dir(jnn) if not n.startswith("_")]
        names = [n for n in names if callable(getattr(jnn, n))]
        names = [n for n in names if not inspect.isclass(getattr(jnn, n))]
        paths = [f"jax.nn.{n}" for n in names if n not in fw_jax.NOT_ACTIVATIONS]
    elif flavour == "torch":
        import torch.nn.modules.activation as modules

        paths = [
            f"torch.nn.{n}" for n in modules.__all__ if f"nn.{n}" not in fw_torch.NOT_ACTIVATIONS
        ]
    elif flavour == "tf_keras":
        import tf_keras.activations as tfa

        names = [n for n in dir(tfa) if not n.startswith("_") and callable(getattr(tfa, n))]
        paths = [
            f"tf_keras.activations.{n}"
            for n in names
            if n not in ("get", "serialize", "deserialize") and not inspect.isclass(getattr(tfa, n))
        ]
    missing = []
    for path in paths:
        try:
            actcli.spec(path)
        except actcli.UsageError as exc:
            if "is not supported" not in str(exc):
                missing.append(f"{path}: actcli has no counterpart ({exc})")
    return missing


def _on(version: str, backend: str) -> str:
    """The version, with the backend's release for a Keras backend: '3.15.1 on PyTorch 2.14.1'."""
    return f"{version} on {backend}" if backend else version


def run_flavour(flavour: str) -> dict[str, Any]:
    """Runs one flavour in this process; returns the tally as JSON-able data."""
    import warnings

    warnings.filterwarnings("ignore")
    tally = Tally()
    try:
        ad = make_adapter(flavour)
    except ImportError as exc:
        return {"flavour": flavour, "skipped": f"not installed ({exc.name})"}
    tally.errors += coverage(flavour)
    for v, params in cases(flavour):
        try:
            if v.spec.axiswise:
                run_axiswise(ad, v, params, tally)
            else:
                run_elementwise(ad, v, params, tally)
        except Exception as exc:
            tally.errors.append(f"{flavour} {v.name} {params}: {exc!r}")
    checked = fw.variant("relu", flavour)
    return {
        "flavour": flavour,
        "version": _on(ad.version, ad.backend_version),
        "checked": _on(checked.version, checked.backend_version),
        "counts": tally.counts.get(flavour, dict.fromkeys(CLASSES, 0)),
        "reasons": tally.reasons.get(flavour, {}),
        "undeclared": tally.undeclared,
        "errors": tally.errors,
        "functions": len({v.name for v, _ in cases(flavour)}),
    }


def run_in_subprocess(flavour: str) -> dict[str, Any]:
    env = dict(os.environ)
    if flavour.startswith("keras/"):
        env["KERAS_BACKEND"] = flavour.partition("/")[2]
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", flavour],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"flavour": flavour, "crashed": (proc.stderr or proc.stdout).strip()[-2000:]}
    return json.loads(lines[-1])


# ---------------------------------------------------------------------------------------------
# Keras's own test file, with keras.src.activations replaced by actcli


def run_keras_tests() -> tuple[int, str]:
    """Runs Keras's own keras/src/activations/activations_test.py with ``keras.src.activations``
    replaced by actcli (the pytest plugin scripts/keras_shim/actcli_keras_shim.py); returns
    pytest's exit status and its summary line. The test file is copied from the installed Keras
    into a temporary folder (inside the keras package pytest would import it as part of
    keras.src.activations)."""
    import shutil
    import tempfile

    try:
        import keras
    except ImportError:
        print("keras is not installed: Keras's own tests skipped", file=sys.stderr)
        return 0, "skipped: keras is not installed"
    test = Path(keras.__file__).parent / "src" / "activations" / "activations_test.py"
    shim = ROOT / "scripts" / "keras_shim"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shim), str(ROOT)]))
    env.setdefault("KERAS_BACKEND", "numpy")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    print(f"Keras {keras.__version__}: {test} against actcli", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "test_keras_activations.py"
        shutil.copyfile(test, copy)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "actcli_keras_shim",
                "-o",
                "addopts=",
                "--rootdir",
                tmp,
                "-p",
                "no:cacheprovider",
                "-W",
                "ignore::RuntimeWarning",  # Keras's own reference formulas overflow
                str(copy),
            ],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
            check=False,
        )
    print(proc.stdout, end="")
    lines = [line for line in proc.stdout.splitlines() if " passed" in line or " failed" in line]
    summary = lines[-1].strip("= ") if lines else f"pytest exited {proc.returncode}"
    summary = re.sub(r" in [0-9.]+s.*", "", summary)  # no timings in docs/conformance.json
    return proc.returncode, f"Keras {keras.__version__} activations_test.py: {summary}"


# ---------------------------------------------------------------------------------------------


def table(results: list[dict[str, Any]]) -> str:
    head = (
        "| flavour | version | functions | points | " + " | ".join(CLASSES) + " | why they differ |"
    )
    lines = [head, "|" + "---|" * (5 + len(CLASSES))]
    for r in results:
        if "counts" not in r:
            why = r.get("skipped") or "crashed"
            lines.append(
                f"| {r['flavour']} | — | — | — | "
                + " | ".join("—" for _ in CLASSES)
                + f" | {why} |"
            )
            continue
        total = sum(r["counts"].values())
        reasons = "; ".join(f"{n}: {why}" for why, n in sorted(r["reasons"].items()))
        if r["undeclared"]:
            reasons = f"**{len(r['undeclared'])} undeclared**; " + reasons
        cells = " | ".join(str(r["counts"][c]) for c in CLASSES)
        lines.append(
            f"| {r['flavour']} | {r['version']} | {r['functions']} | {total} | {cells} | "
            f"{reasons or '—'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated flavours (default: all)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--markdown", action="store_true", help="print the table only")
    ap.add_argument("--keras-tests", action="store_true", help="run Keras's activations_test.py")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--show", type=int, default=40, help="undeclared points shown per flavour")
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(run_flavour(args.worker)))
        return 0
    if args.keras_tests:
        return run_keras_tests()[0]
    flavours = args.only.split(",") if args.only else list(FLAVOURS)
    results = []
    for flavour in flavours:
        print(f"running {flavour} ...", file=sys.stderr, flush=True)
        results.append(run_in_subprocess(flavour))
    bad = 0
    if not args.only:  # the full run also runs Keras's own tests against actcli
        rc, summary = run_keras_tests()
        results.append({"flavour": "keras tests", "summary": summary})
        bad += rc != 0
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    print(table([r for r in results if "summary" not in r]))
    for r in results:
        if "summary" in r:
            print(r["summary"])
            continue
        if "crashed" in r:
            print(f"\n{r['flavour']} crashed:\n{r['crashed']}")
            bad += 1
            continue
        for line in r.get("errors", [])[:20]:
            print("error:", line)
        bad += len(r.get("errors", []))
        for line in r.get("undeclared", [])[: args.show]:
            print("undeclared:", line)
        bad += len(r.get("undeclared", []))
        if r.get("version") and r.get("checked") and r["version"] != r["checked"]:
            print(f"note: {r['flavour']} {r['version']} installed; actcli checked {r['checked']}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
