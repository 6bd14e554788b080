"""Keras 3 (``keras.activations``, ``keras.layers``): its table and known problems.

The ``keras`` flavour is the registry itself: actcli's names, defaults and formulas are Keras 3's.
Facts from keras/src/activations/activations.py and the backends' nn.py; checked against the
release in ``FRAMEWORK.version`` by scripts/conformance.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from actcli.core.rectifiers import SELU_SCALE
from actcli.registry import REGISTRY

from . import jax as _jax
from . import tf_keras as _tf_keras
from . import torch as _torch
from ._variant import (
    Framework,
    Variant,
    at_points,
    float_params,
    leaky_path,
    patched,
    relu_kinks,
    rounding,
)

FRAMEWORK = Framework(
    name="keras",
    title="Keras 3",
    prefix="keras.activations.",
    source="keras/src/activations/activations.py",
    version="3.15.1",
    float32_input=False,  # the plain keras flavour is the registry: exact in every dtype
)
SPELLINGS = ("keras", "keras3", "keras_3")

# Keras 3 computes with the backend's ops, so the derivative at a kink is the backend's autograd
# (the numpy backend has none) and parameters meet the input in its dtype.
BACKENDS = ("numpy", "jax", "torch", "tensorflow")
# The backend releases the kink rules below were checked with: an autograd's choice at a kink can
# change between releases (PyTorch 2.14 changed clip's at its bounds). numpy has no autograd.
BACKEND_VERSIONS = {
    "jax": f"JAX {_jax.FRAMEWORK.version}",
    "torch": f"PyTorch {_torch.FRAMEWORK.version}",
    "tensorflow": f"TensorFlow {_tf_keras.TENSORFLOW_VERSION}",
}


def variants() -> list[Variant]:
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
        if not spec.origin.startswith("keras"):
            continue  # tf.keras forms (hard_sigmoid_keras2, ThresholdedReLU), JAX's log1mexp
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
                source=FRAMEWORK.source if not legacy else "keras/src/layers/activations/",
                title=FRAMEWORK.title,
                version=FRAMEWORK.version,
            )
        )
    return out


# Why Keras 3 lacks a function, and what to use instead: form -> hint.
HINTS = {
    "hard_sigmoid_keras2": "Keras 3's hard_sigmoid is x / 6 + 0.5: see hard_sigmoid",
    "layers.ThresholdedReLU": "removed in Keras 3: relu(x, threshold=theta)",
    "softmin": "use softmax(-x)",
    "log1mexp": "use keras.ops.log(-keras.ops.expm1(-x))",
    "rrelu": "in eval mode it is leaky_relu with slope (lower + upper) / 2",
}

ALIASES: tuple[tuple[str, str], ...] = ()


# What each backend's autograd gives at the kinks, where it is not actcli's rule (checked by
# scripts/conformance.py): (form, backend) -> (kink rule, what info says). numpy has no autograd.
_JAX, _TORCH, _TF = "jax", "torch", "tensorflow"
_ONE_AT_ZERO = at_points((0.0,), 1.0)
_BACKEND_RULES: dict[tuple[str, str], tuple[Callable[..., Any], str]] = {
    ("relu", _JAX): (
        relu_kinks(leaky_at_zero=1.0, at_max=0.5),
        "relu'(threshold) = 0; relu'(max_value) = 0.5 (clip splits the tie); "
        "with a slope only, 1 at 0 (jax.nn.leaky_relu)",
    ),
    ("relu", _TORCH): (
        relu_kinks(leaky_at_zero=None, at_max=0.5),
        "relu'(threshold) = 0; relu'(max_value) = 0.5 (torch.clip with tensor bounds splits the "
        "tie since PyTorch 2.14; 2.13 gave 1)",
    ),
    ("relu", _TF): (
        relu_kinks(leaky_at_zero=None, at_max=1.0),
        "relu'(threshold) = 0; relu'(max_value) = 1 (clip_by_value)",
    ),
    ("leaky_relu", _JAX): (_ONE_AT_ZERO, "leaky_relu'(0) = 1 (where(x >= 0, ...))"),
    ("layers.LeakyReLU", _JAX): (_ONE_AT_ZERO, "LeakyReLU'(0) = 1 (jax.nn.leaky_relu)"),
    ("hard_tanh", _JAX): (at_points((-1.0, 1.0), 1.0), "hard_tanh'(+-1) = 1"),
    ("hard_tanh", _TF): (at_points((-1.0, 1.0), 1.0), "hard_tanh'(+-1) = 1"),
    ("sparse_sigmoid", _JAX): (at_points((-1.0, 1.0), 0.25), "sparse_sigmoid'(+-1) = 0.25"),
    ("selu", _TF): (at_points((0.0,), SELU_SCALE), "selu'(0) = scale = 1.0507 (SeluGrad)"),
    ("celu", _TF): (at_points((0.0,), 2.0), "celu'(0) = 2 (both branches pass the gradient)"),
}
for _b in (_JAX, _TORCH, _TF):
    _BACKEND_RULES[("layers.ReLU", _b)] = _BACKEND_RULES[("relu", _b)]
    _BACKEND_RULES[("layers.PReLU", _b)] = (at_points((0.0,), 0.0), "PReLU'(0) = 0")


# On TensorFlow, leaky_relu (and relu with a slope only) is tf.nn.leaky_relu, whose slope is a
# float32 attribute also for float64 input: form -> when that path is taken (None: always).
_TF_LEAKY: dict[str, Callable[..., bool] | None] = {
    "leaky_relu": None,
    "layers.LeakyReLU": None,
    "relu": leaky_path,
    "layers.ReLU": leaky_path,
}


def backend_variants(base: list[Variant]) -> list[Variant]:
    """``keras/numpy``, ``keras/jax``, ``keras/torch``, ``keras/tensorflow``: Keras 3's flavour
    with the backend's derivative at the kinks and its parameter rounding (float32 input meets
    float32 parameters on every backend; TensorFlow's leaky_relu rounds its slope to float32 for
    float64 input too)."""
    out = []
    for backend in BACKENDS:
        for v in base:
            fn, prime, kink_rule, note = v.fn, v.prime, v.kink_rule, ""
            rule = _BACKEND_RULES.get((v.spec.name, backend))
            if rule is not None:
                prime, kink_rule = patched(prime, rule[0]), rule[1]
            if backend == "numpy" and kink_rule:
                kink_rule += " (the numpy backend has no autograd: actcli's rule)"
            if backend == _TF and v.spec.name in _TF_LEAKY:
                when = _TF_LEAKY[v.spec.name]
                fn = rounding(fn, ("negative_slope",), always=True, when=when)
                prime = rounding(prime, ("negative_slope",), always=True, when=when)
                note = "negative_slope rounded to float32, also for float64 input"
            names = float_params(v.params)
            out.append(
                dataclasses.replace(
                    v,
                    framework=f"keras/{backend}",
                    title=f"Keras 3 ({backend} backend)",
                    rounding_note=note,
                    fn=rounding(fn, names),
                    prime=rounding(prime, names),
                    kink_rule=kink_rule,
                    backend_version=BACKEND_VERSIONS.get(backend, ""),
                )
            )
    return out
