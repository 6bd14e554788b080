"""Keras 3 (``keras.activations``, ``keras.layers``): its table and known problems.

The ``keras`` flavour is the registry itself: actcli's names, defaults and formulas are Keras 3's.
Facts from keras/src/activations/activations.py and the backends' nn.py; checked against the
release in ``FRAMEWORK.version`` by scripts/conformance.py.
"""

from __future__ import annotations

from actcli.registry import REGISTRY

from ._variant import Framework, Variant

FRAMEWORK = Framework(
    name="keras",
    title="Keras 3",
    prefix="keras.activations.",
    source="keras/src/activations/activations.py",
    version="3.15.1",
)
SPELLINGS = ("keras", "keras3", "keras_3")


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
        if spec.origin.startswith("tf_keras"):
            continue  # Keras 2 forms (hard_sigmoid_keras2, ThresholdedReLU): tf_keras has them
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
    "rrelu": "in eval mode it is leaky_relu with slope (lower + upper) / 2",
}

ALIASES: tuple[tuple[str, str], ...] = ()
