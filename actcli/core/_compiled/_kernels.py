"""Compiled kernels: one scalar float64 function per activation (or derivative) and its loop.

Each scalar kernel follows the NumPy kernel of the same name in actcli/core (the same formulas
and guards, written per lane with selects instead of masks), computed in float64 whatever the
input dtype and rounded once on the store, so float32 results are those of the float64 value.
The loops take (x, out, a): a 1-D input block, an output block of the same length and dtype,
and the activation's one scalar parameter (alpha, b; ignored where there is none). They run
without the GIL (nogil), so actcli's own threads share a large array as for the NumPy kernels,
and are compiled once per input dtype, then cached on disk (cache=True; see __init__.py).
"""

from __future__ import annotations

from numba import njit

from ._math import bits, erfcx, exp, exp_parts, expm1_neg, fma, from_bits, log1p_pos, prim

loop = njit(nogil=True, cache=True, error_model="numpy")

_SIGN = -(2**63)
_SQRT1_2 = 0.70710678118654752440
_INV_SQRT_2PI = 0.39894228040143267794
SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SCALE_ALPHA = 1.7580993408473768599402175208123
# 2 sqrt(2 / pi) and 2 * 0.044715 * sqrt(2 / pi) as double-doubles (as in core/smooth.py).
_K1_HI, _K1_LO = 1.5957691216057308, -9.96930880911092e-17
_K3_HI, _K3_LO = 0.07135481627260025, -6.175149918155315e-19


@prim
def _copysign(y, x):
    """|y| with the sign of x, by bits."""
    return from_bits((bits(y) & ~_SIGN) | (bits(x) & _SIGN))


# sigmoid family ---------------------------------------------------------------------------------


@prim
def sigmoid(x):
    """1 / (1 + e) above 0 and e / (1 + e) below, e = exp(-|x|): one division either way."""
    e = exp(-abs(x))
    y = (1.0 if x >= 0.0 else e) / (1.0 + e)
    return y if x == x else x


@prim
def sigmoid_prime(x):
    e = exp(-abs(x))
    d = 1.0 + e
    y = e / (d * d)
    return y if x == x else x


@prim
def softplus(x):
    """max(x, 0) + log1p(exp(-|x|)): both terms >= 0, nothing cancels or overflows."""
    y = max(x, 0.0) + log1p_pos(exp(-abs(x)))
    return y if x == x else x


@prim
def log_sigmoid(x):
    """-softplus(-x), negated last: -0.0 where the result underflows (x > 745)."""
    y = -(max(-x, 0.0) + log1p_pos(exp(-abs(x))))
    return y if x == x else x


@prim
def log_sigmoid_prime(x):
    return sigmoid(-x)


@prim
def tanh(x):
    """sign(x) * -e / (2 + e), e = expm1(-2|x|): no cancellation near 0 (|x| clamped at 20,
    where the result is 1 in float64)."""
    e = expm1_neg(-2.0 * min(abs(x), 20.0))
    y = _copysign(-e / (2.0 + e), x)
    return y if x == x else x


@prim
def tanh_prime(x):
    """4 e / (1 + e)^2, e = exp(-2|x|), with the one exponential folded in last (no
    subnormal intermediate)."""
    p, s1, s2 = exp_parts(-2.0 * abs(x), 0.0)
    d = 1.0 + (p * s1) * s2
    y = (((4.0 / (d * d)) * p) * s1) * s2
    return y if x == x else x


# silu -------------------------------------------------------------------------------------------


@prim
def silu(x):
    """x / (1 + e) above 0, (x / (1 + e)) e below, e = exp(-|x|) (x clamped at -800, where the
    result is -0.0: -inf * 0 would be NaN)."""
    xc = max(x, -800.0)
    p, s1, s2 = exp_parts(-abs(xc), 0.0)
    q = xc / (1.0 + (p * s1) * s2)
    y = q if x >= 0.0 else ((q * p) * s1) * s2
    return y if x == x else x


@prim
def silu_prime(x):
    """s (1 + x (1 - s)) with s and 1 - s from e = exp(-|x|)."""
    xc = min(max(x, -800.0), 800.0)
    p, s1, s2 = exp_parts(-abs(xc), 0.0)
    e = (p * s1) * s2
    r = 1.0 / (1.0 + e)
    pos = r * (1.0 + xc * e * r)
    neg = (((r * (1.0 + xc * r)) * p) * s1) * s2
    y = pos if x >= 0.0 else neg
    return y if x == x else x


# gelu -------------------------------------------------------------------------------------------


@prim
def gelu(x):
    """x Phi(x): the tail x Phi(-|x|) = x erfcx(|x| / sqrt(2)) / 2 * exp(-x^2 / 2) below 0 and
    x minus it above, -x^2 / 2 split exactly by an FMA (x clamped at +-40, where the tail is 0)."""
    xc = min(max(x, -40.0), 40.0)
    sq = xc * xc
    sq_lo = fma(xc, xc, -sq)
    a = (0.5 * xc) * erfcx(abs(xc) * _SQRT1_2)
    tail = mul_exp_parts(a, -0.5 * sq, -0.5 * sq_lo)
    y = tail if x <= 0.0 else x - tail
    return y if x == x else x


@prim
def mul_exp_parts(a, hi, lo):
    p, s1, s2 = exp_parts(hi, lo)
    return ((a * p) * s1) * s2


@prim
def gelu_prime(x):
    """Phi(x) + x phi(x) = e (erfcx(t) / 2 + x / sqrt(2 pi)) below 0 and
    1 - e (erfcx(t) / 2 - x / sqrt(2 pi)) above (t = |x| / sqrt(2), e = exp(-x^2 / 2))."""
    xc = min(max(x, -40.0), 40.0)
    sq = xc * xc
    sq_lo = fma(xc, xc, -sq)
    half = 0.5 * erfcx(abs(xc) * _SQRT1_2)
    slope = xc * _INV_SQRT_2PI
    below = x < 0.0
    tail = mul_exp_parts(half + slope if below else half - slope, -0.5 * sq, -0.5 * sq_lo)
    y = tail if below else 1.0 - tail
    return y if x == x else x


@prim
def _tanh_arg(x):
    """v = 2 sqrt(2/pi) (x + 0.044715 x^3) as a double-double (as core/smooth.py's)."""
    s = x * x
    se = fma(x, x, -s)
    c = s * x
    ce = fma(s, x, -c) + se * x
    a = _K3_HI * c
    ae = fma(_K3_HI, c, -a) + _K3_HI * ce + _K3_LO * c
    b = _K1_HI * x
    be = fma(_K1_HI, x, -b) + _K1_LO * x
    vh = a + b
    bb = vh - a
    vl = ((a - (vh - bb)) + (b - bb)) + (ae + be)
    h = vh + vl
    return h, vl - (h - vh)


@prim
def gelu_tanh(x):
    """x sigmoid(v): x / (1 + e) for v >= 0, (x / (1 + e)) exp(v) below, e = exp(-|v|)."""
    xc = min(max(x, -30.0), 30.0)
    vh, vl = _tanh_arg(xc)
    neg = vh < 0.0
    p, s1, s2 = exp_parts(-abs(vh), vl if neg else -vl)
    q = (xc if neg else x) / (1.0 + (p * s1) * s2)  # x: +inf gives +inf
    y = ((q * p) * s1) * s2 if neg else q
    return y if x == x else x


@prim
def gelu_tanh_prime(x):
    """s + x s (1 - s) v', v' = 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2)."""
    xc = min(max(x, -30.0), 30.0)
    vh, vl = _tanh_arg(xc)
    dv = _K1_HI + 3.0 * _K3_HI * xc * xc
    neg = vh < 0.0
    p, s1, s2 = exp_parts(-abs(vh), vl if neg else -vl)
    e = (p * s1) * s2
    r = 1.0 / (1.0 + e)
    pos = r * (1.0 + xc * dv * e * r)
    y = (((r * (1.0 + xc * dv * r)) * p) * s1) * s2 if neg else pos
    return y if x == x else x


# mish -------------------------------------------------------------------------------------------


@prim
def mish(x):
    """x n / (n + 2), n = e (e + 2), e = exp(x) below 0; x (1 - 2 e^2 / (1 + 2 e (1 + e))),
    e = exp(-x), above: one exponential of -|x| for both (x clamped at +-800)."""
    xc = min(max(x, -800.0), 800.0)
    p, s1, s2 = exp_parts(-abs(xc), 0.0)
    e = (p * s1) * s2
    t = xc * (e + 2.0) / fma(e, e + 2.0, 2.0)
    neg = ((t * p) * s1) * s2
    two_e = 2.0 * e
    d = fma(two_e, 1.0 + e, 1.0)
    pos = x * (1.0 - two_e * e / d)
    y = pos if x > 0.0 else neg
    return y if x == x else x


@prim
def mish_prime(x):
    """tanh(sp) + x sech^2(sp) sigmoid(x) in e = exp(-|x|) (as core/smooth.py's)."""
    xc = min(max(x, -800.0), 800.0)
    p, s1, s2 = exp_parts(-abs(xc), 0.0)
    e = (p * s1) * s2
    n2 = fma(e, e + 2.0, 2.0)
    a = (e + 2.0) / n2 + 4.0 * xc * (1.0 + e) / (n2 * n2)
    neg = ((a * p) * s1) * s2
    d = 1.0 + 2.0 * e * (1.0 + e)
    e2 = e * e
    pos = (1.0 - 2.0 * e2 / d) + 4.0 * xc * e2 * (1.0 + e) / (d * d)
    y = pos if x > 0.0 else neg
    return y if x == x else x


# exponential linear units -----------------------------------------------------------------------


@prim
def _nonpositive(x):
    return x if x <= 0.0 else 0.0  # keeps -0.0


@prim
def elu(x, alpha):
    y = x if x > 0.0 else alpha * expm1_neg(_nonpositive(x))
    return y if x == x else x


@prim
def elu_prime(x, alpha):
    y = 1.0 if x > 0.0 else alpha * exp(_nonpositive(x))
    return y if x == x else x


@prim
def selu(x):
    y = SELU_SCALE * x if x > 0.0 else _SELU_SCALE_ALPHA * expm1_neg(_nonpositive(x))
    return y if x == x else x


@prim
def selu_prime(x):
    y = SELU_SCALE if x > 0.0 else _SELU_SCALE_ALPHA * exp(_nonpositive(x))
    return y if x == x else x


# loops ------------------------------------------------------------------------------------------
# One per kernel: numba caches a function by its own name, so they are written out.


@loop
def sigmoid_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = sigmoid(float(x[i]))


@loop
def sigmoid_prime_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = sigmoid_prime(float(x[i]))


@loop
def softplus_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = softplus(float(x[i]))


@loop
def log_sigmoid_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = log_sigmoid(float(x[i]))


@loop
def log_sigmoid_prime_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = log_sigmoid_prime(float(x[i]))


@loop
def exp_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = exp(float(x[i]))


@loop
def tanh_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = tanh(float(x[i]))


@loop
def tanh_prime_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = tanh_prime(float(x[i]))


@loop
def silu_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = silu(float(x[i]))


@loop
def silu_prime_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = silu_prime(float(x[i]))


@loop
def gelu_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = gelu(float(x[i]))


@loop
def gelu_prime_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = gelu_prime(float(x[i]))


@loop
def gelu_tanh_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = gelu_tanh(float(x[i]))


@loop
def gelu_tanh_prime_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = gelu_tanh_prime(float(x[i]))


@loop
def mish_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = mish(float(x[i]))


@loop
def mish_prime_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = mish_prime(float(x[i]))


@loop
def elu_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = elu(float(x[i]), a)


@loop
def elu_prime_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = elu_prime(float(x[i]), a)


@loop
def selu_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = selu(float(x[i]))


@loop
def selu_prime_loop(x, out, a):
    for i in range(x.shape[0]):
        out[i] = selu_prime(float(x[i]))
