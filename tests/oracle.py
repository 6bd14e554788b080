"""The high-precision oracle: every activation in mpmath, from the math in notes/semantics.md.

Nothing here is derived from actcli's code. Values are computed with 200-bit mpmath numbers (about
60 digits) and rounded once, exactly, to the output dtype (``round_to``). Formulas are arranged so
that mpmath itself never cancels catastrophically (expm1, log1p, rationalised square roots, a
series for tanh_shrink near 0), and exponentials beyond |a| > 10000 are replaced by 2**(+-20000):
both the true value and the stand-in are then far outside every float format and negligible next
to any O(1) term, so the rounded results are the same.

An oracle value is an ``mpf`` or, where the result is exact and its sign matters (a signed zero,
an infinite limit, x itself), a Python ``float``. ``round_to`` takes either.

Also here, so the tests and ``scripts/ulp_report.py`` share them: the parameter settings, the
point grids, and the ULP measure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
from mpmath import mpf

mp = mpmath.mp
mp.prec = 200

INF = math.inf
_CUT = 10000  # |a| beyond which exp(a) is replaced by a stand-in
_TINY = mpf(2) ** -20000
_BIG = mpf(2) ** 20000
SQRT2 = mp.sqrt(2)
SQRT_2PI = mp.sqrt(2 * mp.pi)
SQRT_2_OVER_PI = mp.sqrt(2 / mp.pi)
GELU_K = mpf("0.044715")
SELU_ALPHA = mpf("1.6732632423543772848170429916717")
SELU_SCALE = mpf("1.0507009873554804934193349852946")


# ---------------------------------------------------------------------------------------------
# mpmath helpers (accurate over the whole real line)


def _exp(a: mpf) -> mpf:
    if a > _CUT:
        return _BIG
    if a < -_CUT:
        return _TINY
    return mp.exp(a)


def _expm1(a: mpf) -> mpf:
    if a < -_CUT:
        return _TINY - 1
    return mp.expm1(a)


def _sig(a: mpf) -> mpf:
    """sigmoid(a) = 1 / (1 + exp(-a)), no cancellation on either side."""
    if a >= 0:
        return 1 / (1 + _exp(-a))
    e = _exp(a)
    return e / (1 + e)


def _softplus(a: mpf) -> mpf:
    """log(1 + exp(a))."""
    if a > 0:
        return a + mp.log1p(_exp(-a))
    return mp.log1p(_exp(a))


def _tanh(a: mpf) -> mpf:
    if abs(a) > _CUT / 2:
        return mp.sign(a) * (1 - 2 * _TINY)
    return mp.tanh(a)


def _sech2(a: mpf) -> mpf:
    """sech(a)^2 = 4 e / (1 + e)^2 with e = exp(-2|a|): no 1 - tanh^2 cancellation."""
    e = _exp(-2 * abs(a))
    return 4 * e / (1 + e) ** 2


def _Phi(a: mpf) -> mpf:
    """Standard normal CDF, erfc(-a / sqrt 2) / 2."""
    if a < -10000:
        return _TINY
    if a > 10000:
        return 1 - _TINY
    return mp.erfc(-a / SQRT2) / 2


def _phi(a: mpf) -> mpf:
    return _exp(-a * a / 2) / SQRT_2PI


def _signed_zero_like(x: float) -> float:
    return math.copysign(0.0, x)


def _prec_for(x: float) -> int:
    """Working precision for the point x: 200 bits, plus twice the binary exponent of a tiny x.

    For tiny x, f(x) = c x + O(x^2) and c x can be exactly halfway between two subnormals (gelu,
    silu, hard_silu: x / 2); the x^2 term decides the rounding, so it must not be lost."""
    x = float(x)
    if x == 0 or math.isinf(x) or math.isnan(x) or abs(x) >= 2.0**-60:
        return 200
    return 200 + 2 * (1 - math.frexp(x)[1])


# ---------------------------------------------------------------------------------------------
# Oracle entries


@dataclass(frozen=True)
class Elementwise:
    """value(x, **p) and derivative(x, **p) take a Python float x (may be +-0, +-inf) and every
    parameter (defaults filled in by ``value``/``derivative`` below).

    ``terms(x, **p)``: for derivatives that are sums of opposite-signed terms, the largest term
    magnitude (the error may be measured against it instead of the ULP of the result).
    ``kinks(p)``: abscissae where the function or its derivative is not smooth.
    """

    value_fn: Callable[..., Any]
    derivative_fn: Callable[..., Any]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    kinks_fn: Callable[..., Sequence[float]] = lambda **p: ()
    terms_fn: Callable[..., Any] | None = None
    old_names: Mapping[str, str] = field(default_factory=dict)

    def params(self, given: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(self.defaults)
        for k, v in given.items():
            out[self.old_names.get(k, k)] = v
        return out

    def value(self, x: float, **given: Any) -> Any:
        with mp.workprec(_prec_for(x)):
            return self.value_fn(float(x), **self.params(given))

    def derivative(self, x: float, **given: Any) -> Any:
        with mp.workprec(_prec_for(x)):
            return self.derivative_fn(float(x), **self.params(given))

    def terms(self, x: float, **given: Any) -> Any:
        if self.terms_fn is None:
            return None
        with mp.workprec(_prec_for(x)):
            return self.terms_fn(float(x), **self.params(given))

    def kinks(self, **given: Any) -> tuple[float, ...]:
        return tuple(self.kinks_fn(**self.params(given)))


# celu ----------------------------------------------------------------------------------------
def celu(x, alpha):
    if x >= 0:
        return x
    if x == -INF:
        return -mpf(alpha)
    return mpf(alpha) * _expm1(mpf(x) / mpf(alpha))


def celu_d(x, alpha):
    if x >= 0:
        return mpf(1)
    if x == -INF:
        return mpf(0)
    return _exp(mpf(x) / mpf(alpha))


# elu -----------------------------------------------------------------------------------------
def elu(x, alpha):
    if x > 0:
        return x
    if x == -INF:
        return -mpf(alpha)
    return mpf(alpha) * _expm1(mpf(x))


def elu_d(x, alpha):
    if x > 0:
        return mpf(1)
    if x == -INF:
        return mpf(0)
    return mpf(alpha) * _exp(mpf(x))


# selu ----------------------------------------------------------------------------------------
def selu(x):
    if x > 0:
        return x * SELU_SCALE if x != INF else INF
    return SELU_SCALE * elu(x, SELU_ALPHA)


def selu_d(x):
    if x > 0:
        return SELU_SCALE
    return SELU_SCALE * elu_d(x, SELU_ALPHA)


# exponential ---------------------------------------------------------------------------------
def exponential(x):
    if x == INF:
        return INF
    if x == -INF:
        return 0.0
    return _exp(mpf(x))


# gelu ----------------------------------------------------------------------------------------
def _gelu_u(X):
    return SQRT_2_OVER_PI * (X + GELU_K * X**3)


def gelu(x, approximate):
    if x == 0:
        return x * 0.5  # keeps the sign of zero
    if x == INF:
        return INF
    if x == -INF:
        return mpf(0)
    X = mpf(x)
    if approximate:
        return X * _sig(2 * _gelu_u(X))  # 0.5 x (1 + tanh u) = x sigmoid(2u)
    return X * _Phi(X)


def _gelu_d_terms(x, approximate):
    X = mpf(x)
    if approximate:
        u = _gelu_u(X)
        du = SQRT_2_OVER_PI * (1 + 3 * GELU_K * X**2)
        return _sig(2 * u), X * _sech2(u) * du / 2
    return _Phi(X), X * _phi(X)


def gelu_d(x, approximate):
    if x == INF:
        return mpf(1)
    if x == -INF:
        return mpf(0)
    a, b = _gelu_d_terms(x, approximate)
    return a + b


def gelu_terms(x, approximate):
    if math.isinf(x):
        return mpf(0)
    return max(abs(t) for t in _gelu_d_terms(x, approximate))


# hard_shrink / soft_shrink -------------------------------------------------------------------
def hard_shrink(x, threshold):
    return x if abs(x) > threshold else mpf(0)


def hard_shrink_d(x, threshold):
    return mpf(1) if abs(x) > threshold else mpf(0)


def soft_shrink(x, threshold):
    if math.isinf(x):
        return x
    if x > threshold:
        return mpf(x) - mpf(threshold)
    if x < -threshold:
        return mpf(x) + mpf(threshold)
    return mpf(0)


soft_shrink_d = hard_shrink_d


# hard_sigmoid / hard_silu / hard_tanh --------------------------------------------------------
def hard_sigmoid(x):
    if x <= -3:
        return mpf(0)
    if x >= 3:
        return mpf(1)
    return (mpf(x) + 3) / 6


def hard_sigmoid_d(x):
    return mpf(1) / 6 if -3 < x < 3 else mpf(0)


def hard_silu(x):
    if x <= -3:
        return mpf(0)
    if x >= 3:
        return x
    if x == 0:
        return x  # x (x + 3) / 6 keeps the sign of zero
    X = mpf(x)
    return X * (X + 3) / 6


def hard_silu_d(x):
    if x <= -3:
        return mpf(0)
    if x >= 3:
        return mpf(1)
    return (2 * mpf(x) + 3) / 6


def hard_tanh(x):
    if x <= -1:
        return mpf(-1)
    if x >= 1:
        return mpf(1)
    return x


def hard_tanh_d(x):
    return mpf(1) if -1 < x < 1 else mpf(0)


# leaky_relu / PReLU --------------------------------------------------------------------------
def _slope_times(slope, x):
    """slope * x for x < 0, with the limit at -inf (0 if slope == 0)."""
    if slope == 0:
        return mpf(0)
    if x == -INF:
        return -INF if slope > 0 else INF
    return mpf(slope) * mpf(x)


def leaky_relu(x, negative_slope):
    if x >= 0:
        return x
    return _slope_times(negative_slope, x)


def leaky_relu_d(x, negative_slope):
    return mpf(1) if x > 0 else mpf(negative_slope)


def prelu(x, alpha):
    return leaky_relu(x, alpha)


def prelu_d(x, alpha):
    return leaky_relu_d(x, alpha)


# linear --------------------------------------------------------------------------------------
def linear(x):
    return x


def one(x, **_):
    return mpf(1)


# log_sigmoid / sigmoid / softplus ------------------------------------------------------------
def log_sigmoid(x):
    if x == INF:
        return mpf(0)
    if x == -INF:
        return -INF
    return -_softplus(-mpf(x))


def log_sigmoid_d(x):
    if math.isinf(x):
        return mpf(0) if x > 0 else mpf(1)
    return _sig(-mpf(x))


def sigmoid(x):
    if math.isinf(x):
        return mpf(1) if x > 0 else mpf(0)
    return _sig(mpf(x))


def sigmoid_d(x):
    if math.isinf(x):
        return mpf(0)
    return _sig(mpf(x)) * _sig(-mpf(x))


def softplus(x):
    if x == INF:
        return INF
    if x == -INF:
        return mpf(0)
    return _softplus(mpf(x))


softplus_d = sigmoid


# mish ----------------------------------------------------------------------------------------
def mish(x):
    if x == 0:
        return x
    if x == INF:
        return INF
    if x == -INF:
        return mpf(0)
    X = mpf(x)
    return X * _tanh(_softplus(X))


def _mish_d_terms(x):
    X = mpf(x)
    sp = _softplus(X)
    return _tanh(sp), X * _sech2(sp) * _sig(X)


def mish_d(x):
    if math.isinf(x):
        return mpf(1) if x > 0 else mpf(0)
    a, b = _mish_d_terms(x)
    return a + b


def mish_terms(x):
    if math.isinf(x):
        return mpf(0)
    return max(abs(t) for t in _mish_d_terms(x))


# relu ----------------------------------------------------------------------------------------
def relu(x, negative_slope, max_value, threshold):
    if x > threshold:
        if max_value is not None and x >= max_value:
            return mpf(max_value)
        return x
    if negative_slope == 0:
        return 0.0 if threshold == 0 else _signed_zero_like(x)
    if x == -INF:
        return -INF if negative_slope > 0 else INF
    return mpf(negative_slope) * (mpf(x) - mpf(threshold))


def relu_d(x, negative_slope, max_value, threshold):
    if x > threshold:
        return mpf(1) if (max_value is None or x < max_value) else mpf(0)
    return mpf(negative_slope)


def relu6(x):
    if x <= 0:
        return mpf(0)
    return x if x < 6 else mpf(6)


def relu6_d(x):
    return mpf(1) if 0 < x < 6 else mpf(0)


# silu ----------------------------------------------------------------------------------------
def silu(x):
    if x == 0:
        return x * 0.5
    if x == INF:
        return INF
    if x == -INF:
        return mpf(0)
    X = mpf(x)
    return X * _sig(X)


def _silu_d_terms(x):
    X = mpf(x)
    s = _sig(X)
    return s, X * s * _sig(-X)


def silu_d(x):
    if math.isinf(x):
        return mpf(1) if x > 0 else mpf(0)
    a, b = _silu_d_terms(x)
    return a + b


def silu_terms(x):
    if math.isinf(x):
        return mpf(0)
    return max(abs(t) for t in _silu_d_terms(x))


# softsign ------------------------------------------------------------------------------------
def softsign(x):
    if x == 0:
        return x
    if math.isinf(x):
        return mpf(1) if x > 0 else mpf(-1)
    X = mpf(x)
    return X / (1 + abs(X))


def softsign_d(x):
    if math.isinf(x):
        return mpf(0)
    return 1 / (1 + abs(mpf(x))) ** 2


# sparse_plus / sparse_sigmoid ----------------------------------------------------------------
def sparse_plus(x):
    if x <= -1:
        return mpf(0)
    if x >= 1:
        return x
    return (mpf(x) + 1) ** 2 / 4


def sparse_plus_d(x):
    if x <= -1:
        return mpf(0)
    if x >= 1:
        return mpf(1)
    return (mpf(x) + 1) / 2


def sparse_sigmoid(x):
    if x <= -1:
        return mpf(0)
    if x >= 1:
        return mpf(1)
    return (mpf(x) + 1) / 2


def sparse_sigmoid_d(x):
    return mpf(1) / 2 if -1 < x < 1 else mpf(0)


# squareplus ----------------------------------------------------------------------------------
def squareplus(x, b):
    if x == INF:
        return INF
    if x == -INF:
        return mpf(0)
    if b == 0:
        return x if x > 0 else mpf(0)
    X, B = mpf(x), mpf(b)
    r = mp.sqrt(X * X + B)
    if x >= 0:
        return (X + r) / 2
    return B / (2 * (r - X))  # rationalised: no cancellation for x << 0


def squareplus_d(x, b):
    if math.isinf(x):
        return mpf(1) if x > 0 else mpf(0)
    if b == 0:
        return mpf(1) if x > 0 else mpf(0)
    X, B = mpf(x), mpf(b)
    r = mp.sqrt(X * X + B)
    if x >= 0:
        return (1 + X / r) / 2
    return B / (2 * r * (r - X))


# tanh / tanh_shrink --------------------------------------------------------------------------
def tanh(x):
    if x == 0:
        return x
    if math.isinf(x):
        return mpf(1) if x > 0 else mpf(-1)
    return _tanh(mpf(x))


def tanh_d(x):
    if math.isinf(x):
        return mpf(0)
    return _sech2(mpf(x))


def tanh_shrink(x):
    if math.isinf(x):
        return x
    if x == 0:
        return mpf(0)
    X = mpf(x)
    if abs(X) < mpf(2) ** -30:
        # x - tanh x = x^3/3 - 2x^5/15 + 17x^7/315 - 62x^9/2835 + ... (next term ~ x^11)
        x2 = X * X
        return (
            X * x2 * (mpf(1) / 3 - x2 * (mpf(2) / 15 - x2 * (mpf(17) / 315 - x2 * mpf(62) / 2835)))
        )
    with mp.workprec(mp.prec + 80):
        return +(X - _tanh(X))


def tanh_shrink_d(x):
    if math.isinf(x):
        return mpf(1)
    return _tanh(mpf(x)) ** 2


# threshold / ThresholdedReLU / Keras 2 hard_sigmoid ------------------------------------------
def threshold(x, threshold, default_value):
    return x if x > threshold else mpf(default_value)


def threshold_d(x, threshold, default_value):
    return mpf(1) if x > threshold else mpf(0)


def thresholded_relu(x, theta):
    return x if x > theta else _signed_zero_like(x)


def thresholded_relu_d(x, theta):
    return mpf(1) if x > theta else mpf(0)


def hard_sigmoid_keras2(x):
    if x <= -2.5:
        return mpf(0)
    if x >= 2.5:
        return mpf(1)
    return (mpf(x) + mpf("2.5")) / 5


def hard_sigmoid_keras2_d(x):
    return mpf(1) / 5 if -2.5 < x < 2.5 else mpf(0)


# log1mexp ------------------------------------------------------------------------------------


def log1mexp(x):
    """log(1 - exp(-x)) for x >= 0 (NaN below), as log(-expm1(-x)): no cancellation either side."""
    if math.isnan(x) or x < 0:
        return math.nan
    if x == 0:
        return -INF
    if math.isinf(x):
        return -0.0
    if x < 0.5:
        return mp.log(-_expm1(-mpf(x)))
    return mp.log1p(-_exp(-mpf(x)))  # 1 - exp(-x) would round to 1 at 200 bits for x > 139


def log1mexp_d(x):
    """exp(-x) / (1 - exp(-x)) = 1 / (exp(x) - 1)."""
    if math.isnan(x) or x < 0:
        return math.nan
    if x == 0:
        return INF
    if math.isinf(x):
        return 0.0
    return 1 / mp.expm1(mpf(x)) if x < _CUT else _TINY


def _relu_kinks(negative_slope, max_value, threshold):
    return (threshold, 0.0) + (() if max_value is None else (max_value,))


_RELU_DEFAULTS = {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}

ELEMENTWISE: dict[str, Elementwise] = {
    "celu": Elementwise(celu, celu_d, {"alpha": 1.0}, lambda alpha: (0.0,)),
    "elu": Elementwise(elu, elu_d, {"alpha": 1.0}, lambda alpha: (0.0,)),
    "exponential": Elementwise(exponential, exponential),
    "gelu": Elementwise(gelu, gelu_d, {"approximate": False}, terms_fn=gelu_terms),
    "hard_shrink": Elementwise(
        hard_shrink, hard_shrink_d, {"threshold": 0.5}, lambda threshold: (threshold, -threshold)
    ),
    "hard_sigmoid": Elementwise(hard_sigmoid, hard_sigmoid_d, kinks_fn=lambda: (-3.0, 3.0)),
    "hard_silu": Elementwise(hard_silu, hard_silu_d, kinks_fn=lambda: (-3.0, 3.0, -1.5)),
    "hard_tanh": Elementwise(hard_tanh, hard_tanh_d, kinks_fn=lambda: (-1.0, 1.0)),
    "leaky_relu": Elementwise(
        leaky_relu, leaky_relu_d, {"negative_slope": 0.2}, lambda negative_slope: (0.0,)
    ),
    "linear": Elementwise(linear, one),
    "log1mexp": Elementwise(log1mexp, log1mexp_d, kinks_fn=lambda: (0.0, math.log(2.0))),
    "log_sigmoid": Elementwise(log_sigmoid, log_sigmoid_d),
    "mish": Elementwise(mish, mish_d, terms_fn=mish_terms),
    "relu": Elementwise(
        relu, relu_d, _RELU_DEFAULTS, _relu_kinks, old_names={"alpha": "negative_slope"}
    ),
    "relu6": Elementwise(relu6, relu6_d, kinks_fn=lambda: (0.0, 6.0)),
    "selu": Elementwise(selu, selu_d, kinks_fn=lambda: (0.0,)),
    "sigmoid": Elementwise(sigmoid, sigmoid_d),
    "silu": Elementwise(silu, silu_d, terms_fn=silu_terms),
    "soft_shrink": Elementwise(
        soft_shrink, soft_shrink_d, {"threshold": 0.5}, lambda threshold: (threshold, -threshold)
    ),
    "softplus": Elementwise(softplus, softplus_d),
    "softsign": Elementwise(softsign, softsign_d),
    "sparse_plus": Elementwise(sparse_plus, sparse_plus_d, kinks_fn=lambda: (-1.0, 1.0)),
    "sparse_sigmoid": Elementwise(sparse_sigmoid, sparse_sigmoid_d, kinks_fn=lambda: (-1.0, 1.0)),
    "squareplus": Elementwise(squareplus, squareplus_d, {"b": 4.0}, lambda b: (0.0,)),
    "tanh": Elementwise(tanh, tanh_d),
    "tanh_shrink": Elementwise(tanh_shrink, tanh_shrink_d),
    "threshold": Elementwise(
        threshold, threshold_d, {}, lambda threshold, default_value: (threshold,)
    ),
    "hard_sigmoid_keras2": Elementwise(
        hard_sigmoid_keras2, hard_sigmoid_keras2_d, kinks_fn=lambda: (-2.5, 2.5)
    ),
    "layers.ReLU": Elementwise(relu, relu_d, _RELU_DEFAULTS, _relu_kinks),
    "layers.LeakyReLU": Elementwise(
        leaky_relu,
        leaky_relu_d,
        {"negative_slope": 0.3},
        lambda negative_slope: (0.0,),
        old_names={"alpha": "negative_slope"},
    ),
    "layers.PReLU": Elementwise(prelu, prelu_d, {"alpha": 0.0}, lambda alpha: (0.0,)),
    "layers.ELU": Elementwise(elu, elu_d, {"alpha": 1.0}, lambda alpha: (0.0,)),
    "layers.ThresholdedReLU": Elementwise(
        thresholded_relu, thresholded_relu_d, {"theta": 1.0}, lambda theta: (theta,)
    ),
}

# Where the true derivative crosses zero or the value has its minimum (cancellation traps).
HOT_SPOTS = {
    "gelu": (-0.7517916, -0.751791524693564457457904, -0.3),
    "silu": (-1.2784645427610738, -1.27846454276107379510935873902),
    "mish": (-1.1924, -1.19237763),
    "hard_silu": (-1.5, -1.4999999999999998),
    "tanh_shrink": (1e-8, -1e-8, 2.0**-30, 1e-3, 0.5),
    "squareplus": (-1e154, -1.4e154, -1e160, -3e7),
}


# ---------------------------------------------------------------------------------------------
# Axis-wise functions (one finite vector of Python floats; results are lists of mpf)


def _lse_parts(xs: Sequence[float]):
    """(m, i_max, S') with sum_j exp(x_j) = exp(m) (1 + S'), S' excluding one argmax."""
    i_max = max(range(len(xs)), key=lambda i: xs[i])
    m = mpf(xs[i_max])
    rest = mp.fsum(_exp(mpf(v) - m) for j, v in enumerate(xs) if j != i_max)
    return m, i_max, rest


def softmax(xs):
    m, _, rest = _lse_parts(xs)
    return [_exp(mpf(v) - m) / (1 + rest) for v in xs]


def log_softmax(xs):
    m, _, rest = _lse_parts(xs)
    lse1 = mp.log1p(rest)
    return [(mpf(v) - m) - lse1 for v in xs]


def _one_minus_softmax(xs):
    s = softmax(xs)
    return [mp.fsum(s[j] for j in range(len(xs)) if j != i) for i in range(len(xs))]


def softmax_diag(xs):
    s = softmax(xs)
    return [si * oi for si, oi in zip(s, _one_minus_softmax(xs), strict=True)]


def log_softmax_diag(xs):
    return _one_minus_softmax(xs)


def softmax_jacobian(xs):
    # The diagonal s_i (1 - s_i) with 1 - s_i summed from the other entries: s_i - s_i^2 would
    # cancel to nothing when s_i is within 1e-50 of 1, even at 200 bits.
    s, diag = softmax(xs), softmax_diag(xs)
    n = len(xs)
    return [[diag[i] if i == j else -s[i] * s[j] for j in range(n)] for i in range(n)]


def log_softmax_jacobian(xs):
    s, diag = softmax(xs), log_softmax_diag(xs)
    n = len(xs)
    return [[diag[i] if i == j else -s[j] for j in range(n)] for i in range(n)]


def glu(xs):
    h = len(xs) // 2
    return [mpf(a) * _sig(mpf(b)) for a, b in zip(xs[:h], xs[h:], strict=True)]


def glu_diag(xs):
    h = len(xs) // 2
    return [_sig(mpf(b)) for b in xs[h:]]


def glu_jacobian(xs):
    h = len(xs) // 2
    rows = []
    for i in range(h):
        a, b = mpf(xs[i]), mpf(xs[h + i])
        row = [mpf(0)] * len(xs)
        row[i] = _sig(b)
        row[h + i] = a * _sig(b) * _sig(-b)
        rows.append(row)
    return rows


def _sparsemax_exact(xs):
    """Euclidean projection onto the simplex, in exact rational arithmetic."""
    z = [Fraction(v) for v in xs]
    zs = sorted(z, reverse=True)
    k, cum, cum_k = 0, Fraction(0), Fraction(0)
    for j, v in enumerate(zs, start=1):
        cum += v
        if 1 + j * v > cum:
            k, cum_k = j, cum
    tau = (cum_k - 1) / k
    return [max(v - tau, Fraction(0)) for v in z]


def _frac_to_mpf(f: Fraction) -> mpf:
    return mpf(f.numerator) / mpf(f.denominator)


def sparsemax(xs):
    return [_frac_to_mpf(p) for p in _sparsemax_exact(xs)]


def sparsemax_support(xs):
    return [p > 0 for p in _sparsemax_exact(xs)]


def sparsemax_diag(xs):
    sup = sparsemax_support(xs)
    k = sum(sup)
    return [1 - mpf(1) / k if s else mpf(0) for s in sup]


def sparsemax_jacobian(xs):
    sup = sparsemax_support(xs)
    k = sum(sup)
    n = len(xs)
    return [
        [
            (1 if (i == j and sup[i]) else 0) - (mpf(1) / k if (sup[i] and sup[j]) else 0)
            for j in range(n)
        ]
        for i in range(n)
    ]


@dataclass(frozen=True)
class Axiswise:
    value: Callable[[Sequence[float]], list]
    diag: Callable[[Sequence[float]], list]
    jacobian: Callable[[Sequence[float]], list]
    halves: bool = False  # glu: output length n/2


AXISWISE: dict[str, Axiswise] = {
    "softmax": Axiswise(softmax, softmax_diag, softmax_jacobian),
    "log_softmax": Axiswise(log_softmax, log_softmax_diag, log_softmax_jacobian),
    "glu": Axiswise(glu, glu_diag, glu_jacobian, halves=True),
    "sparsemax": Axiswise(sparsemax, sparsemax_diag, sparsemax_jacobian),
    "layers.Softmax": Axiswise(softmax, softmax_diag, softmax_jacobian),
}


def has_oracle(name: str) -> bool:
    return name in ELEMENTWISE or name in AXISWISE


# ---------------------------------------------------------------------------------------------
# Exact rounding to a binary floating-point format

_FORMATS = {  # precision p (bits, incl. the implicit one), emin, emax
    np.dtype(np.float64): (53, -1022, 1023),
    np.dtype(np.float32): (24, -126, 127),
    np.dtype(np.float16): (11, -14, 15),
}


def round_to(v: Any, dtype: Any) -> np.floating:
    """The value v (mpf, Fraction-free exact float, int) rounded once, to nearest, ties to even,
    to ``dtype``; subnormals and overflow to +-inf handled exactly (no double rounding)."""
    dtype = np.dtype(dtype)
    t = dtype.type
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v) or v == 0:
            return t(v)
        v = mpf(v)
    if not isinstance(v, mpf):
        v = mpf(v)  # ints, Fractions-free exact values; an mpf is used as it is (no re-rounding)
    if mp.isnan(v):
        return t(math.nan)
    if mp.isinf(v):
        return t(math.inf if v > 0 else -math.inf)
    sign, man, exp, bc = v._mpf_
    if man == 0:
        return t(0.0)
    p, emin, emax = _FORMATS[dtype]
    k = exp + bc - 1  # 2**k <= |v| < 2**(k+1)
    if k > emax + 1:
        return t(-math.inf if sign else math.inf)
    if k < emin - p - 1:
        return t(-0.0 if sign else 0.0)
    q = max(k - (p - 1), emin - (p - 1))  # exponent of the last kept bit
    if exp >= q:
        m = man << (exp - q)
    else:
        shift = q - exp
        m, r = divmod(man, 1 << shift)
        half = 1 << (shift - 1)
        if r > half or (r == half and m & 1):
            m += 1
    if m == 0:
        return t(-0.0 if sign else 0.0)
    if m.bit_length() + q - 1 > emax:
        return t(-math.inf if sign else math.inf)
    out = math.ldexp(m, q)
    return t(-out if sign else out)


def spacing_at(r: np.floating) -> float:
    """ULP used to measure errors: np.spacing(|r|) (the gap to the next larger number, also for
    the largest finite number), the smallest subnormal for r == 0, and the spacing of the largest
    finite number for r == +-inf."""
    p, emin, emax = _FORMATS[np.dtype(r.dtype)]
    r = float(r)
    if r == 0:
        k = emin
    elif math.isinf(r):
        k = emax
    else:
        k = max(math.frexp(abs(r))[1] - 1, emin)
    return math.ldexp(1.0, k - (p - 1))


def ulp_error(got: Any, want: Any, dtype: Any) -> float:
    """|got - want| / spacing(want rounded to dtype); 0 or inf for infinities and NaN."""
    got = float(got)
    if math.isnan(got):  # right only where the true value is undefined (log1mexp below 0)
        undefined = math.isnan(want) if isinstance(want, float) else mp.isnan(want)
        return 0.0 if undefined else math.inf
    if (
        isinstance(want, float)
        and math.isinf(want)
        or (not isinstance(want, float) and mp.isinf(want))
    ):
        return 0.0 if got == float(want) else math.inf
    r = round_to(want, dtype)
    if math.isinf(got):
        return 0.0 if float(r) == got else math.inf
    sp = spacing_at(r)
    return float(abs(mpf(got) - mpf(want)) / mpf(sp))


def abs_error(got: Any, want: Any) -> mpf:
    got = float(got)
    if math.isnan(got):
        return mpf("inf")
    if (isinstance(want, float) and math.isinf(want)) or (
        not isinstance(want, float) and mp.isinf(want)
    ):
        return mpf(0) if got == float(want) else mpf("inf")
    if math.isinf(got):
        return mpf("inf")
    return abs(mpf(got) - mpf(want))


# ---------------------------------------------------------------------------------------------
# Parameter settings and point grids (shared by the tests and scripts/ulp_report.py)

SETTINGS: dict[str, list[dict[str, Any]]] = {
    "celu": [{}, {"alpha": 0.3}, {"alpha": 2.5}],
    "elu": [{}, {"alpha": 0.5}, {"alpha": 2.0}],
    "exponential": [{}],
    "gelu": [{}, {"approximate": True}, {"approximate": False}],
    "hard_shrink": [{}, {"threshold": 0.0}, {"threshold": 1.7}],
    "hard_sigmoid": [{}],
    "hard_silu": [{}],
    "hard_tanh": [{}],
    "leaky_relu": [{}, {"negative_slope": 0.01}, {"negative_slope": 0.0}, {"negative_slope": 1.5}],
    "linear": [{}],
    "log1mexp": [{}],
    "log_sigmoid": [{}],
    "mish": [{}],
    "relu": [
        {},
        {"negative_slope": 0.1},
        {"alpha": 0.5},
        {"max_value": 6.0},
        {"max_value": 0.0},
        {"threshold": 0.5},
        {"threshold": -1.5},
        {"threshold": -1.5, "max_value": 3.0},
        {"negative_slope": 0.2, "threshold": -1.0},
        {"negative_slope": 0.3, "threshold": 2.0, "max_value": 5.0},
        {"negative_slope": 0.5, "max_value": 1.0},
    ],
    "relu6": [{}],
    "selu": [{}],
    "sigmoid": [{}],
    "silu": [{}],
    "soft_shrink": [{}, {"threshold": 0.0}, {"threshold": 2.25}],
    "softplus": [{}],
    "softsign": [{}],
    "sparse_plus": [{}],
    "sparse_sigmoid": [{}],
    "squareplus": [{}, {"b": 0.0}, {"b": 0.01}, {"b": 100.0}, {"b": 2.225073858507203e-309}],
    "tanh": [{}],
    "tanh_shrink": [{}],
    "threshold": [
        {"threshold": 0.0, "default_value": 0.0},
        {"threshold": 1.0, "default_value": -1.0},
        {"threshold": -2.5, "default_value": 3.0},
    ],
    "hard_sigmoid_keras2": [{}],
    "layers.ReLU": [
        {},
        {"max_value": 6.0},
        {"negative_slope": 0.1, "threshold": 1.0},
        {"max_value": 2.0, "threshold": 0.5, "negative_slope": 0.05},
    ],
    "layers.LeakyReLU": [{}, {"negative_slope": 0.01}, {"alpha": 0.2}],
    "layers.PReLU": [{}, {"alpha": 0.25}, {"alpha": 1.5}],
    "layers.ELU": [{}, {"alpha": 0.7}],
    "layers.ThresholdedReLU": [{}, {"theta": 0.0}, {"theta": 2.5}],
}

# More settings for the slow run and the ULP report.
SLOW_SETTINGS: dict[str, list[dict[str, Any]]] = {
    "celu": [{"alpha": 1e-3}, {"alpha": 100.0}, {"alpha": 0.1}, {"alpha": 1e300}],
    "elu": [{"alpha": 1e-3}, {"alpha": 3.7}],
    "hard_shrink": [{"threshold": 1e-300}, {"threshold": 30.0}],
    "soft_shrink": [{"threshold": 1e-300}, {"threshold": 0.1}, {"threshold": 30.0}],
    "leaky_relu": [{"negative_slope": 1e-300}, {"negative_slope": -0.5}],
    "relu": [
        {"negative_slope": s, "max_value": m, "threshold": t}
        for s in (0.0, 0.01, 0.7)
        for m in (None, 0.5, 6.0)
        for t in (-3.0, 0.0, 1e-300, 2.5, 1e300)
    ],
    "squareplus": [{"b": 1e-300}, {"b": 1e-10}, {"b": 1.0}, {"b": 1e10}, {"b": 1e300}],
    "threshold": [
        {"threshold": 1e-300, "default_value": -0.0},
        {"threshold": 30.0, "default_value": 1e300},
    ],
    "layers.PReLU": [{"alpha": 1e-300}, {"alpha": 0.99}],
    "layers.ReLU": [{"negative_slope": 0.5, "threshold": 1e300}, {"max_value": 1e300}],
    "layers.ThresholdedReLU": [{"theta": 1e-300}, {"theta": 30.0}],
}

_EDGES = (
    # exp underflow/overflow and subnormal results in float64
    -1e3,
    -745.2,
    -745.1,
    -744.44,
    -740.0,
    -720.0,
    -709.0,
    -708.4,
    -700.0,
    700.0,
    709.0,
    709.78,
    709.79,
    710.0,
    1e3,
    # x*x overflow, sqrt(x*x) trouble, gelu / silu tails
    -1.4e154,
    -1e154,
    1e154,
    1.4e154,
    -1e155,
    1e155,
    -38.6,
    -38.4,
    -37.5,
    -36.0,
    -27.0,
    -19.5,
    -8.3,
    -5.5,
    -5.0,
    5.0,
    # float32 / float16 exp limits (also useful in float64)
    -103.97,
    -87.34,
    -88.72,
    88.72,
    -17.33,
    -9.7,
    11.09,
    # around 2**53, where x + 1 rounds (softsign, 1 / (1 + |x|) and friends)
    4503599627370496.0,
    6004799503160661.0,
    9007199254740992.0,
    9007199254740994.0,
    -9007199254740994.0,
    1.8014398509481984e16,
)


def _neighbours(values: Sequence[float], dtype: Any, steps: int = 2) -> list[float]:
    t = np.dtype(dtype).type
    out = []
    for v in values:
        with np.errstate(over="ignore"):
            v = t(v)  # a kink beyond the format's range becomes inf and is skipped
        if not np.isfinite(v):
            continue
        out.append(v)
        up = dn = v
        for _ in range(steps):
            up = np.nextafter(up, t(np.inf))
            dn = np.nextafter(dn, t(-np.inf))
            out += [up, dn]
    return out


def grid(
    dtype: Any, kinks: Sequence[float] = (), *, size: str = "ci", extra: Sequence[float] = ()
) -> np.ndarray:
    """Points in ``dtype``: a dense grid on [-40, 40], a logspace of both signs over every
    magnitude, each kink and its nextafter neighbours, +-0, +-inf, subnormals and edge cases.
    ``size``: "ci" (a few hundred points) or "slow" (about 22000). NaN is tested separately."""
    dtype = np.dtype(dtype)
    fi = np.finfo(dtype)
    big = size == "slow"
    n_dense, n_fine, n_log = {
        (np.float64, False): (321, 161, 60),
        (np.float64, True): (20001, 4001, 1000),
        (np.float32, False): (241, 81, 40),
        (np.float32, True): (20001, 4001, 500),
        (np.float16, False): (161, 81, 20),
        (np.float16, True): (8001, 2001, 200),
    }[(dtype.type, big)]
    lo, hi = math.log10(float(fi.smallest_subnormal)), math.log10(float(fi.max))
    if dtype == np.float64:
        lo, hi = -300.0, 300.0
    mags = np.logspace(lo, hi, n_log)
    pts = [
        np.linspace(-40, 40, n_dense),
        np.linspace(-4, 4, n_fine) + 1.0 / 3.0 * 1e-3,
        mags,
        -mags,
    ]
    specials = [
        0.0,
        -0.0,
        math.inf,
        -math.inf,
        float(fi.smallest_subnormal),
        -float(fi.smallest_subnormal),
        float(fi.tiny),
        -float(fi.tiny),
        float(fi.max),
        -float(fi.max),
        1.0,
        -1.0,
        0.5,
        -0.5,
    ]
    if dtype == np.float64:
        specials += [5e-324, -5e-324, 1e-310, -1e-310, 2.2e-308]
    with np.errstate(over="ignore"):
        pts.append(np.asarray(list(_EDGES) + list(extra), dtype=np.float64).astype(dtype))
        pts.append(np.asarray(specials, dtype=np.float64).astype(dtype))
    pts.append(np.asarray(_neighbours(list(kinks) + [0.0], dtype), dtype=dtype))
    with np.errstate(over="ignore"):
        allp = np.concatenate([np.asarray(p, dtype=np.float64).astype(dtype) for p in pts])
    # unique, but keep -0.0 next to 0.0
    seen, out = set(), []
    for v in allp.tolist():
        key = (v, math.copysign(1.0, v))
        if key not in seen and not math.isnan(v):
            seen.add(key)
            out.append(v)
    return np.asarray(out, dtype=dtype)


BAR = {np.dtype(np.float64): 4.0, np.dtype(np.float32): 1.0, np.dtype(np.float16): 1.0}


def compare(
    name: str,
    which: str,
    xs: np.ndarray,
    got: np.ndarray,
    params: Mapping[str, Any],
    dtype: Any,
    info: dict | None = None,
):
    """Compares got = f(xs) or f'(xs) with the oracle, point by point.

    Returns (rows, worst): rows = [(x, got, want rounded to dtype, ulp)] for every point over the
    bar (4 ULP in float64, 1 ULP in float32/float16); worst = the largest error in ULP. For
    derivatives with an oracle ``terms``, |got - true| <= bar * eps * max|term| also passes (and
    then counts as at most ``bar`` in ``worst``). ``info``, if given, receives "term_rule": how
    many points passed by that bound only, and "worst_x": where ``worst`` was reached.
    """
    dtype = np.dtype(dtype)
    ora = ELEMENTWISE[name]
    bar = BAR[dtype]
    eps = float(np.finfo(dtype).eps)
    want_of = ora.value if which == "value" else ora.derivative
    rows, worst, by_terms, worst_x = [], 0.0, 0, None
    for x, g in zip(np.ravel(xs).tolist(), np.ravel(got).tolist(), strict=True):
        want = want_of(x, **params)
        err = ulp_error(g, want, dtype)
        if err > bar and which == "derivative" and ora.terms_fn is not None:
            if abs_error(g, want) <= bar * eps * ora.terms(x, **params):
                err = bar  # accepted by the max-term bound
                by_terms += 1
        if err > worst or worst_x is None:
            worst, worst_x = max(err, worst), x
        worst = max(worst, err)
        if err > bar:
            rows.append((x, g, round_to(want, dtype), err))
    if info is not None:
        info["term_rule"] = by_terms
        info["worst_x"] = worst_x
    return rows, worst


def failures_table(rows: Sequence[tuple], limit: int | None = None) -> str:
    """Formats (x, got, want, ulp[, note]) rows, one per line."""
    lines = []
    for row in rows[: limit or len(rows)]:
        x, got, want, err = row[:4]
        note = f"  {row[4]}" if len(row) > 4 else ""
        lines.append(
            f"  x={float(x)!r:<26} got={float(got)!r:<26} want={float(want)!r:<26}"
            f" ulp={err:.3g}{note}"
        )
    if limit and len(rows) > limit:
        lines.append(f"  ... and {len(rows) - limit} more")
    return "\n".join(lines)
