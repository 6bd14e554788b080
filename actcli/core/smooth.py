"""Smooth activations: sigmoid, softplus, silu, gelu, mish, tanh and their relatives.

Each kernel is exact to a few ULP over the whole float range; the comments name the trap avoided.
"""

from __future__ import annotations

import math

import numpy as np

from actcli.spec_types import Param, Spec

from ._array import (
    GELU_SERIES,
    GELU_TANH_SERIES,
    above_half,
    elementwise,
    fix_nan,
    gelu_near_0,
    sigmoid_narrow,
    softplus_narrow,
)
from ._stable import (
    _INV_SQRT_2PI,
    _SQRT1_2,
    erfcx,
    gauss_exp,
    log1pexp,
    mul_exp,
    normal_tail,
    select,
    two_prod,
    two_sum,
)
from ._stable import (
    sigmoid as _sigmoid,
)
from ._stable import (
    sigmoid_prime as _sigmoid_prime,
)

_INF = math.inf
_SIGN_BIT = np.int64(-(2**63))


def _times_exp(a, z, exp_z):
    """mul_exp(a, z) for z <= 0 given exp(z): a * exp(z), and mul_exp itself on the lanes
    below -700 (its deep tail)."""
    y = a * exp_z
    deep = z < -700.0
    if deep.any():
        y[deep] = mul_exp(a[deep], z[deep])
    return y


def _sigmoid_narrow(x):
    return sigmoid_narrow(x, _sigmoid)


@elementwise(narrow=_sigmoid_narrow)
def sigmoid(x):
    return _sigmoid(x)


@elementwise
def sigmoid_prime(x):
    return _sigmoid_prime(x)


def _softplus_narrow(x):
    return softplus_narrow(x, log1pexp(x))


@elementwise(narrow=_softplus_narrow)
def softplus(x):
    return log1pexp(x)


@elementwise(narrow=_sigmoid_narrow)
def softplus_prime(x):
    return _sigmoid(x)


def _log_sigmoid_narrow(x):
    """-softplus(-x), the tie at a float32 midpoint broken as softplus's."""
    return np.negative(softplus_narrow(-x, log1pexp(-x)))


@elementwise(narrow=_log_sigmoid_narrow)
def log_sigmoid(x):
    """-softplus(-x): never log(0) or exp overflow."""
    return -log1pexp(-x)


def _sigmoid_minus_narrow(x):
    return sigmoid_narrow(-x, _sigmoid)


@elementwise(narrow=_sigmoid_minus_narrow)
def log_sigmoid_prime(x):
    return _sigmoid(-x)


_LN2 = 0.6931471805599453  # log(2) rounded to double: where log1mexp switches formula


@elementwise
def log1mexp(x):
    """log(1 - exp(-x)) for x >= 0, NaN below (Maechler 2012): log(-expm1(-x)) below log 2, where
    1 - exp(-x) would cancel, log1p(-exp(-x)) above, where expm1 would lose the small exp(-x)."""
    small = np.log(-np.expm1(-np.clip(x, 0.0, _LN2)))  # -inf at 0
    large = np.log1p(-np.exp(-np.maximum(x, _LN2)))
    return np.where(x < 0, np.nan, np.where(x < _LN2, small, large))


@elementwise
def log1mexp_prime(x):
    """1 / expm1(x), as exp(-x) / (1 - exp(-x)) above 1, where expm1 would overflow while the
    true value is still a subnormal; inf at 0, NaN below."""
    near = 1.0 / np.expm1(np.clip(x, 0.0, 1.0) + 0.0)  # + 0.0: -0.0 is 0, inf (not -inf)
    far = np.exp(-np.maximum(x, 1.0)) / -np.expm1(-np.maximum(x, 1.0))
    return np.where(x < 0, np.nan, np.where(x <= 1.0, near, far))


def _ufunc_native(ufunc):
    """A native path for a kernel that is one float64 ufunc: the ufunc itself with float64 as
    its loop dtype, writing the rounded result straight into the output (no Python chunks)."""

    def native(x, out):
        ufunc(x, out=out, dtype=np.float64)
        fix_nan(x, out)
        return True

    return native


@elementwise(native=_ufunc_native(np.exp))
def exponential(x):
    return np.exp(x)


def _softsign_narrow(x):
    """float32 (and float16) in: x / (1 + |x|) in float64. float64 has 29 more bits: the
    quotient's error (1.5 ULP of float64) cannot move the float32 rounding by more than 2^-28
    ULP, and adjacent float32 inputs below 2^25 are at least 2^-48 apart in value (above, every
    result rounds to +-1), so the result stays monotone without the float64 kernel's form.
    Clamped at +-2^26 (whose result also rounds to +-1), so +-inf gives +-1, not inf / inf."""
    y = np.clip(x, -(2.0**26), 2.0**26)
    d = np.abs(y)
    d += 1.0
    y /= d
    return y


@elementwise(narrow=_softsign_narrow)
def softsign(x):
    """sign(x) / (1 + 1 / |x|): a chain of correctly rounded monotone steps, so monotone in
    floating point, which x / (1 + |x|) is not (where 1 + |x| rounds, neighbours swap by an
    ULP: near 0.2, 0.3, 1.4, 2^53, ...); within 1.5 ULP; +-1 at +-inf, +-0 at +-0. Below 2^-60
    the result is x itself (1 / |x| would overflow for subnormals)."""
    a = np.abs(x)
    y = np.divide(1.0, a)
    y += 1.0
    np.divide(1.0, y, out=y)
    if a.size and not a.min() >= 2.0**-60:  # one quick pass finds no tiny lane (min of NaN: NaN)
        tiny = a < 2.0**-60
        y[tiny] = a[tiny]
    bits = y.view(np.int64)
    bits |= x.view(np.int64) & _SIGN_BIT  # copysign(y, x) for y >= 0, without its slow loop
    return y


@elementwise
def softsign_prime(x):
    """(1 / (1 + |x|))^2: squaring the reciprocal, so (1 + |x|)^2 cannot overflow first."""
    r = 1.0 / (1.0 + np.abs(x))
    return r * r


@elementwise(native=_ufunc_native(np.tanh))
def tanh(x):
    return np.tanh(x)


@elementwise
def tanh_prime(x):
    """sech^2 = 4 e / (1 + e)^2 with e = exp(-2|x|); 1 - tanh^2 underflows to 0 for |x| > 19."""
    ax = np.abs(x)
    e = np.exp(-2.0 * ax)
    return mul_exp(4.0 / ((1.0 + e) * (1.0 + e)), -2.0 * ax)


def _silu_narrow(x):
    """float32 (and float16) in: the float64 kernel, with x / 2 + x^2 / 4 rounded the right
    way at subnormal x (_array.above_half)."""
    return above_half(x, silu.kernel(x))


@elementwise(narrow=_silu_narrow)
def silu(x):
    """x * sigmoid(x): x / (1 + exp(-x)) above 0, x * e / (1 + e) below (e = exp(x))."""
    xc = np.clip(x, -800.0, 800.0)  # beyond, the result is x or -0; keeps inf * 0 out
    e = np.exp(-np.abs(xc))
    d = 1.0 + e
    # x / d above 0; below, mul_exp(xc / d, xc) = (xc / d) * e with xc = x (above -700, where
    # mul_exp has no deep tail). So one quotient times max(e, [x >= 0]), as in sigmoid, then
    # the deep lanes from mul_exp.
    y = np.divide(x, d)
    np.maximum(e, x >= 0, out=e)
    y *= e
    deep = xc < -700.0
    if deep.any():
        y[deep] = mul_exp(xc[deep] / d[deep], xc[deep])
    return y


@elementwise
def silu_prime(x):
    """s * (1 + x * (1 - s)), with s and 1 - s both from e = exp(-|x|)."""
    xc = np.clip(x, -800.0, 800.0)
    e = np.exp(-np.abs(xc))
    r = 1.0 / (1.0 + e)
    pos = r * (1.0 + xc * e * r)
    neg = _times_exp(r * (1.0 + xc * r), xc, e)
    return select(x >= 0, pos, neg)


# gelu ------------------------------------------------------------------------------------------


def _gelu_exact(x):
    """x * Phi(x): x * Phi(-|x|) below 0 and x - x * Phi(-|x|) above, the tail from normal_tail."""
    xc = np.clip(x, -1e10, 1e10)  # beyond, the result is x or -0; keeps inf * 0 out
    tail = normal_tail(xc, xc)
    return select(x <= 0, tail, x - tail)


def _gelu_exact_prime(x):
    """Phi(x) + x * phi(x) = e * (erfcx(t) / 2 + x / sqrt(2 pi)) below 0 and
    1 - e * (erfcx(t) / 2 - x / sqrt(2 pi)) above, with t = |x| / sqrt(2) and e = exp(-x^2/2)
    from an exact split: one erfcx and one exponential serve both terms and both sides."""
    xc = np.clip(x, -1e10, 1e10)
    hi, lo = gauss_exp(xc)
    half = 0.5 * erfcx(np.abs(xc) * _SQRT1_2)
    slope = xc * _INV_SQRT_2PI
    below = x < 0
    tail = mul_exp(select(below, half + slope, half - slope), hi, lo)
    return select(below, tail, 1.0 - tail)


# 2 * sqrt(2 / pi) and 2 * 0.044715 * sqrt(2 / pi) as double-doubles (hi, lo).
_K1 = (1.5957691216057308, -9.96930880911092e-17)
_K3 = (0.07135481627260025, -6.175149918155315e-19)


def _tanh_arg(x):
    """v = 2 sqrt(2/pi) (x + 0.044715 x^3) as a double-double (vh, vl), |x| <= 30.

    gelu's tanh form is x * sigmoid(v); sigmoid(v) ~ exp(v) in the left tail, where a rounding
    error in v of one ULP of |v| ~ 700 would cost hundreds of ULP, so v is carried to 2^-100.
    """
    s, se = two_prod(x, x)
    c, ce = two_prod(s, x)
    ce = ce + se * x
    a, ae = two_prod(np.full_like(x, _K3[0]), c)
    ae = ae + _K3[0] * ce + _K3[1] * c
    b, be = two_prod(np.full_like(x, _K1[0]), x)
    be = be + _K1[1] * x
    vh, vl = two_sum(a, b)
    vl = vl + ae + be
    vh, vl = two_sum(vh, vl)
    return vh, vl


def _gelu_tanh(x):
    xc = np.clip(x, -30.0, 30.0)  # beyond, the result is x or -0 in double precision
    vh, vl = _tanh_arg(xc)
    e = np.exp(-np.abs(vh)) * (1.0 - np.sign(vh) * vl)
    pos = x / (1.0 + e)
    neg = mul_exp(xc / (1.0 + e), vh, vl)
    return select(vh >= 0, pos, neg)


def _gelu_tanh_prime(x):
    """s + x s (1 - s) v', v' = 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2)."""
    xc = np.clip(x, -30.0, 30.0)
    vh, vl = _tanh_arg(xc)
    dv = _K1[0] + 3.0 * _K3[0] * xc * xc
    e = np.exp(-np.abs(vh)) * (1.0 - np.sign(vh) * vl)
    r = 1.0 / (1.0 + e)
    pos = r * (1.0 + xc * dv * e * r)
    neg = mul_exp(r * (1.0 + xc * dv * r), vh, vl)
    return select(vh >= 0, pos, neg)


def _gelu_narrow(x, approximate=False):
    """float32 (and float16) in: the float64 kernel, with x / 2 + x^2 / sqrt(2 pi) rounded
    the right way near 0 (_array.gelu_near_0) and at subnormal x (_array.above_half)."""
    y = gelu.kernel(x, approximate)
    y = gelu_near_0(x, y, GELU_TANH_SERIES if approximate else GELU_SERIES)
    return above_half(x, y)


@elementwise(narrow=_gelu_narrow)
def gelu(x, approximate=False):
    return _gelu_tanh(x) if approximate else _gelu_exact(x)


@elementwise
def gelu_prime(x, approximate=False):
    return _gelu_tanh_prime(x) if approximate else _gelu_exact_prime(x)


# mish ------------------------------------------------------------------------------------------


def _mish_narrow(x):
    """float32 (and float16) in: x * n / (n + 2), n = e (e + 2), e = exp(x), in float64; the
    float64 kernel's second form for x > 0 is not needed. With x clamped to [-200, 40] for e,
    the factor n / (n + 2) has a few ULP of float64 error (no cancellation: every term is
    positive), 2^-26 ULP of the float32 result; above 40 it is 1 to 1e-35, and below -200 the
    product with max(x, -200) is -0.0 as the float32 truth rounds to."""
    y = np.maximum(x, -200.0)  # -inf * 0 would be NaN; NaN stays NaN
    e = np.minimum(y, 40.0)
    np.exp(e, out=e)
    n = e + 2.0
    n *= e
    e = np.add(n, 2.0, out=e)
    n /= e
    n *= y
    return n


@elementwise(narrow=_mish_narrow)
def mish(x):
    """x * tanh(softplus(x)) = x * n / (n + 2), n = e (e + 2), e = exp(x); for x > 0 the form
    1 - 2 e'^2 / (1 + 2 e' + 2 e'^2) with e' = exp(-x), so nothing overflows or cancels."""
    # One exponential for both sides: exp(-|xc|) is e = exp(xn) below 0 (xc = xn there, -0.0
    # kept by clip) and e' = exp(-x) above (exp(-800) and exp(-x) are both 0 beyond 800).
    # In place where a temporary is done with: the same operations, a third of the memory.
    xc = np.clip(x, -800.0, 800.0)
    e = np.abs(xc)
    np.negative(e, out=e)
    np.exp(e, out=e)
    t = e + 2.0
    n2 = e * t
    n2 += 2.0
    t *= xc
    t /= n2  # xc * (e + 2) / n2
    neg = _times_exp(t, xc, e)
    two_e = np.multiply(e, 2.0, out=n2)
    d = e + 1.0
    d *= two_e
    d += 1.0  # 1 + 2e (1 + e)
    pos = np.multiply(two_e, e, out=t)
    pos /= d
    np.subtract(1.0, pos, out=pos)
    pos *= x  # x (1 - 2e^2 / d)
    return select(x > 0, pos, neg)


@elementwise
def mish_prime(x):
    """tanh(sp) + x sech^2(sp) sigmoid(x), written in e = exp(x) (x <= 0) or e' = exp(-x)."""
    xn = np.clip(x, -800.0, 0.0)
    e = np.exp(xn)
    n2 = e * (e + 2.0) + 2.0
    neg = _times_exp((e + 2.0) / n2 + 4.0 * xn * (1.0 + e) / (n2 * n2), xn, e)
    xp = np.clip(x, 0.0, 40.0)  # above 40 the second term is below 1e-33: the result is 1
    ep = np.exp(-xp)
    d = 1.0 + 2.0 * ep * (1.0 + ep)
    e2 = ep * ep
    pos = (1.0 - 2.0 * e2 / d) + 4.0 * xp * e2 * (1.0 + ep) / (d * d)
    return select(x > 0, pos, neg)


# squareplus ------------------------------------------------------------------------------------


def _root(a, b):
    """sqrt(a^2 + b) for a = |x| and b > 0: directly where a^2 + b can neither overflow nor
    lose b to underflow, np.hypot (about 20 ns a value) only on the lanes and parameters beyond."""
    if not 1e-250 < b < 1e250:
        return np.hypot(a, math.sqrt(b))
    h = a * a
    h += b
    np.sqrt(h, out=h)
    if a.size and not a.max() < 1e125:  # one pass finds no wide lane (inf and NaN included)
        wide = ~(a < 1e125)
        h[wide] = np.hypot(a[wide], math.sqrt(b))
    return h


def _squareplus_narrow(x, b=4.0):
    """float32 (and float16) in, 1e-30 < b < 1e30: the float64 kernel without its guards, as
    x^2 (exact: 48 bits) + b cannot overflow or lose b, nor h + |x| overflow, for such x.
    Other b: the float64 kernel."""
    if not 1e-30 < b < 1e30:
        return squareplus.kernel(x, b)
    a = np.abs(x)
    r = a * a
    r += b
    np.sqrt(r, out=r)
    r += a  # h + |x|: 2 * the value above 0
    neg = np.divide(0.5 * b, r, out=a)  # b / (2 (h + |x|)): the value below 0
    r *= 0.5
    return select(x >= 0, r, neg)


@elementwise(narrow=_squareplus_narrow)
def squareplus(x, b=4.0):
    """(x + sqrt(x^2 + b)) / 2; for x < 0 as b / (2 (sqrt(x^2 + b) - x)), which cannot cancel.
    Both are written in r = (sqrt(x^2 + b) + |x|) / 2, which cannot cancel either: r above 0,
    (b / 4) / r below (the halves keep r finite at |x| = 1.8e308)."""
    if b == 0.0:  # relu; the general form would divide 0 by 0 at subnormal x
        return np.maximum(x, 0.0)
    a = np.abs(x)
    r = _root(a, b)
    r *= 0.5
    a *= 0.5
    r += a
    neg = np.divide(b, r, out=a)  # b / r, then / 4: 0.25 * b would drop bits of a subnormal b
    neg *= 0.25
    return select(x >= 0, r, neg)


@elementwise
def squareplus_prime(x, b=4.0):
    """(1 + x / h) / 2; for x < 0 as (b / (4 h)) / ((h - x) / 2), which cannot cancel (and the
    halves keep h - x finite at x = -1.8e308)."""
    if b == 0.0:  # relu: the flat side at 0
        return select(x > 0, 1.0, 0.0)
    h = _root(np.abs(x), b)
    pos = select(np.isinf(x), 1.0, 0.5 + 0.5 * (x / h))
    # b scaled by 2^60 (exactly) when tiny: b / h would be subnormal, and lose bits, for a
    # subnormal b although the result b / (2 h (h - x)) is not; 0.25 * b would too.
    scale = 2.0**60 if b < 2.0**-960 else 1.0
    neg = ((b * scale) / h) * 0.25
    neg /= 0.5 * h - 0.5 * x
    if scale != 1.0:
        neg /= scale
    return select(x > 0, pos, neg)


# tanh_shrink -----------------------------------------------------------------------------------


def _tanh_shrink_narrow(x):
    """float32 (and float16) in: x - tanh(x) in float64. The subtraction loses about 3 / x^2
    of tanh's relative accuracy (2^-52): for |x| >= 0.01 that leaves 2^-37, far below
    float32's half ULP; below 0.01, x^3 / 3 - 2 x^5 / 15, whose next term is 5e-10 of the
    sum. The float64 kernel's continued fraction is not needed."""
    t = np.tanh(x)
    t -= x
    np.negative(t, out=t)  # x - tanh(x), with x - x = +0.0 kept for x = 0
    small = np.flatnonzero(np.abs(x) < 0.01)  # few lanes: a list of indices, not a mask
    if small.size:
        xs = x.take(small)
        x2 = xs * xs
        t[small] = xs * x2 * (1.0 / 3.0 - (2.0 / 15.0) * x2)
    return t


@elementwise(narrow=_tanh_shrink_narrow)
def tanh_shrink(x):
    """x - tanh(x); below |x| = 1.5, where the subtraction cancels (x - tanh(x) is 0 at 1e-8
    in floating point; the truth is 3.3e-25), from Lambert's continued fraction
    tanh(x) = x / (1 + t / (3 + t / (5 + ...))), t = x^2: x - tanh(x) = x t / (d + t) with
    d = 3 + t / (5 + t / (7 + ...)), every term positive, so nothing cancels. Nine levels
    reach 1e-18 at |x| = 1.5; within 2.5 ULP."""
    out = x - np.tanh(x)
    small = np.flatnonzero(np.abs(x) < 1.5)  # indices: faster than boolean masks here
    if small.size:
        xs = x.take(small)
        t = xs * xs
        d = np.full_like(t, 2.0 * _CF_LEVELS + 1.0)
        for k in range(_CF_LEVELS - 1, 0, -1):
            np.divide(t, d, out=d)
            d += 2.0 * k + 1.0
        d += t
        xs *= t
        xs /= d
        out[small] = xs
    return out


_CF_LEVELS = 9


@elementwise
def tanh_shrink_prime(x):
    t = np.tanh(x)
    return t * t


SPECS = (
    Spec(
        name="sigmoid",
        fn=sigmoid,
        prime=sigmoid_prime,
        formula="1 / (1 + exp(-x))",
        prime_formula="sigmoid(x) * (1 - sigmoid(x))",
        description="The logistic function: squashes any input into (0, 1).",
        monotone=True,
        bounds=(0.0, 1.0),
    ),
    Spec(
        name="softplus",
        fn=softplus,
        prime=softplus_prime,
        formula="log(1 + exp(x))",
        prime_formula="sigmoid(x)",
        description="A smooth ReLU: log(1 + exp(x)); softplus(-inf) = 0 and softplus(x) ~ x for large x.",
        reference="Dugas et al., Incorporating Second-Order Functional Knowledge for Better Option Pricing (NIPS 2000)",
        monotone=True,
        bounds=(0.0, _INF),
    ),
    Spec(
        name="log_sigmoid",
        fn=log_sigmoid,
        prime=log_sigmoid_prime,
        formula="log(1 / (1 + exp(-x))) = -softplus(-x)",
        prime_formula="1 - sigmoid(x) = sigmoid(-x)",
        description="The logarithm of the sigmoid, computed without overflow: log_sigmoid(-1000) = -1000.",
        monotone=True,
        bounds=(-_INF, 0.0),
    ),
    Spec(
        name="log1mexp",
        fn=log1mexp,
        prime=log1mexp_prime,
        formula="log(1 - exp(-x)) for x >= 0 (NaN for x < 0)",
        prime_formula="1 / (exp(x) - 1)",
        description=(
            "The logarithm of 1 - exp(-x), e.g. log(1 - p) for p = exp(-x); defined for x >= 0 "
            "(-inf at 0). Switches formula at log 2 so neither side cancels. Only JAX has it."
        ),
        reference=(
            "Maechler, Accurately Computing log(1 - exp(-|a|)) (2012), "
            "cran.r-project.org/web/packages/Rmpfr/vignettes/log1mexp-note.pdf"
        ),
        origin="jax.nn.log1mexp (JAX)",
        domain=(0.0, _INF),
        monotone=True,
        bounds=(-_INF, 0.0),
        plot_xlim=(0.05, 5.0),  # the derivative 1 / expm1(x) grows like 1 / x near 0
    ),
    Spec(
        name="exponential",
        fn=exponential,
        prime=exponential,
        formula="exp(x)",
        prime_formula="exp(x)",
        description="The exponential function.",
        monotone=True,
        bounds=(0.0, _INF),
        plot_xlim=(-4.0, 2.5),
    ),
    Spec(
        name="softsign",
        fn=softsign,
        prime=softsign_prime,
        formula="x / (|x| + 1)",
        prime_formula="1 / (|x| + 1)^2",
        description="A rational sigmoid-shaped function into (-1, 1) with polynomial tails.",
        monotone=True,
        bounds=(-1.0, 1.0),
    ),
    Spec(
        name="tanh",
        fn=tanh,
        prime=tanh_prime,
        formula="tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))",
        prime_formula="1 - tanh(x)^2",
        description="The hyperbolic tangent.",
        monotone=True,
        bounds=(-1.0, 1.0),
        plot_xlim=(-4.0, 4.0),
    ),
    Spec(
        name="silu",
        fn=silu,
        prime=silu_prime,
        aliases=("swish",),
        formula="x * sigmoid(x)",
        prime_formula="sigmoid(x) * (1 + x * (1 - sigmoid(x)))",
        description="Sigmoid linear unit (swish with beta = 1): smooth, non-monotone, minimum -0.2785 at x = -1.2785.",
        reference="Hendrycks & Gimpel, Gaussian Error Linear Units (2016); Ramachandran et al., Searching for Activation Functions (2017)",
        bounds=(-0.27846454276107380, _INF),
    ),
    Spec(
        name="gelu",
        fn=gelu,
        prime=gelu_prime,
        params=(
            Param(
                "approximate",
                False,
                "bool",
                help="use the tanh approximation instead of the exact erf form",
            ),
        ),
        formula="x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))); approximate: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))",
        prime_formula="Phi(x) + x * phi(x) (phi the normal density); approximate: by the chain rule",
        description=(
            "Gaussian error linear unit: x weighted by the probability that a standard normal is below "
            "x. Keras and PyTorch default to the exact form; JAX (and keras.ops.gelu) to the tanh "
            "approximation, which differs from the exact form by up to 4.73e-4 (at x = -2.699; "
            "1.53e-4 at x = 1). Both numbers are checked against mpmath by tests/test_properties.py."
        ),
        reference="Hendrycks & Gimpel, Gaussian Error Linear Units (GELUs) (2016), arXiv:1606.08415",
        bounds=(-0.17, _INF),
        plot_xlim=(-4.0, 4.0),
    ),
    Spec(
        name="mish",
        fn=mish,
        prime=mish_prime,
        formula="x * tanh(softplus(x))",
        prime_formula="tanh(softplus(x)) + x * sech(softplus(x))^2 * sigmoid(x)",
        description="A smooth, non-monotone self-gated activation; minimum about -0.3088 at x = -1.1924.",
        reference="Misra, Mish: A Self Regularized Non-Monotonic Activation Function (BMVC 2020), arXiv:1908.08681",
        bounds=(-0.30885, _INF),
    ),
    Spec(
        name="squareplus",
        fn=squareplus,
        prime=squareplus_prime,
        params=(Param("b", 4.0, rule="b >= 0", help="smoothness near 0 (b = 0 gives relu)"),),
        formula="(x + sqrt(x^2 + b)) / 2",
        prime_formula="(1 + x / sqrt(x^2 + b)) / 2",
        description="An algebraic softplus: smooth, positive, using only a square root.",
        reference="Barron, Squareplus: A Softplus-Like Algebraic Rectifier (2021), arXiv:2112.11687",
        kink_rule="with b = 0 (relu): squareplus'(0) = 0",
        kinks=lambda p: (0.0,) if p["b"] == 0 else (),
        monotone=True,
        bounds=(0.0, _INF),
    ),
    Spec(
        name="tanh_shrink",
        fn=tanh_shrink,
        prime=tanh_shrink_prime,
        formula="x - tanh(x)",
        prime_formula="tanh(x)^2",
        description="The residual of tanh: close to x^3 / 3 near 0 (computed without cancellation) and x -/+ 1 in the tails.",
        monotone=True,
        plot_xlim=(-4.0, 4.0),
    ),
)
