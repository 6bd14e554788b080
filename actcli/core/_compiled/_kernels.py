"""Compiled kernels: one scalar float64 function per activation (or derivative) and its loop.

Each scalar kernel follows the NumPy kernel of the same name in actcli/core (the same formulas
and guards, written per lane with selects instead of masks), computed in float64 whatever the
input dtype and rounded once on the store, so float32 results are those of the float64 value
(the float32 loops of the section "float32 output" compute a cheaper first pass and give the
lanes it cannot decide to these kernels: the same results).
The loops take (x, out, a, narrow): a 1-D input block, an output block of the same length and
dtype, the activation's one scalar parameter (alpha; ignored where there is none), and whether
the output is float32 (NaN quieting and _above_half depend on it). They run
without the GIL (nogil), so actcli's own threads share a large array as for the NumPy kernels,
and are compiled once per input dtype, then cached on disk (cache=True; see __init__.py).

The primitives come first: exp, expm1, log1p and erfcx as plain arithmetic on float64 (range
reduction, polynomials fitted by scripts/fit_compiled.py, FMA, and bit manipulation through the
small intrinsics below) with selects instead of branches, inlined into each loop (numba's
inline="always": LLVM alone left erfcx as a call in gelu, which stops vectorization), so that
LLVM vectorizes it (AVX2: four lanes; a libm call would stop that). Each is within about 1 ULP
on its domain; tests/test_compiled.py checks them and the kernels against mpmath. They live in
this one file because numba's disk cache checks only the timestamp of the file that defines a
cached loop: a primitive edited in another file would leave stale machine code behind.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

# intrinsics -----------------------------------------------------------------------------------


@intrinsic
def fma(typingctx, a, b, c):
    """a * b + c rounded once (llvm.fma: one instruction with FMA, a libm call without; the
    same bits either way)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(d, [d, d, d]), "llvm.fma.f64"
        )
        return builder.call(fn, args)

    return sig, codegen


@intrinsic
def bits(typingctx, a):
    """The bits of a float64 as an int64."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return sig, codegen


@intrinsic
def from_bits(typingctx, a):
    """The float64 whose bits are the int64 a."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


prim = njit(inline="always", error_model="numpy")

# exp ------------------------------------------------------------------------------------------

# 1.5 * 2^52: adding it rounds a float of magnitude < 2^51 to an integer, held in the low bits.
_SHIFTER = 6755399441055744.0
_LOG2E = 1.4426950408889634074
# ln 2 split as hi + lo (hi to the nearest double, lo the rest), for r = x - k ln 2 by two FMAs.
_LN2_HI = 0.69314718055994528623
_LN2_LO = 2.3190468138462996154e-17
_SIGN = -(2**63)


@prim
def exp_parts(hi, lo):
    """(p, s1, s2) with exp(hi + lo) = p * s1 * s2 (|lo| <= ulp(hi)): p in [0.7, 1.42] and s1, s2
    powers of two (normal), so that a * exp(z) = ((a * p) * s1) * s2 rounds once into the
    subnormal range and overflows only when the result does. hi is clamped to [-1400, 1400],
    beyond which the result is 0 or inf anyway; a NaN gives garbage the caller replaces."""
    z = min(max(hi, -1400.0), 1400.0)
    t = fma(z, _LOG2E, _SHIFTER)  # k + 1.5 * 2^52: k = round(z / ln 2)
    k = t - _SHIFTER
    r = fma(-k, _LN2_HI, z)
    r = fma(-k, _LN2_LO, r) + lo
    # exp(r) = 1 + r + r^2 q(r), |r| <= ln(2) / 2 (plus lo)
    p = 2.0914679376583935100e-9
    p = fma(p, r, 2.5105206373957011116e-8)
    p = fma(p, r, 2.7557273661348636219e-7)
    p = fma(p, r, 2.7557255425746434282e-6)
    p = fma(p, r, 2.4801587325533363819e-5)
    p = fma(p, r, 1.9841269874800491981e-4)
    p = fma(p, r, 1.3888888888883752417e-3)
    p = fma(p, r, 8.3333333333261408840e-3)
    p = fma(p, r, 4.1666666666666669752e-2)
    p = fma(p, r, 1.6666666666666670986e-1)
    p = fma(p, r, 5.0000000000000000000e-1)
    p = 1.0 + fma(r * r, p, r)
    ki = bits(t) - bits(_SHIFTER)
    k1 = ki >> 1
    s1 = from_bits((k1 + 1023) << 52)
    s2 = from_bits((ki - k1 + 1023) << 52)
    return p, s1, s2


@prim
def exp(x):
    """exp(x) within 1 ULP, for every float64 (NaN: a NaN)."""
    p, s1, s2 = exp_parts(x, 0.0)
    return (p * s1) * s2 if x == x else x


@prim
def mul_exp(a, hi, lo):
    """a * exp(hi + lo), one rounding into the subnormal range (see exp_parts)."""
    p, s1, s2 = exp_parts(hi, lo)
    return ((a * p) * s1) * s2


@prim
def expm1_neg(x):
    """expm1(x) for x <= 0 (and NaN), to about 1 ULP: 2^k (exp(r) - 1) + (2^k - 1), where
    exp(r) - 1 = r + r^2 q(r) keeps its relative accuracy. Below -40 the result is -1."""
    z = max(x, -40.0)
    t = fma(z, _LOG2E, _SHIFTER)
    k = t - _SHIFTER
    r = fma(-k, _LN2_HI, z)
    r = fma(-k, _LN2_LO, r)
    p = 2.0914679376583935100e-9
    p = fma(p, r, 2.5105206373957011116e-8)
    p = fma(p, r, 2.7557273661348636219e-7)
    p = fma(p, r, 2.7557255425746434282e-6)
    p = fma(p, r, 2.4801587325533363819e-5)
    p = fma(p, r, 1.9841269874800491981e-4)
    p = fma(p, r, 1.3888888888883752417e-3)
    p = fma(p, r, 8.3333333333261408840e-3)
    p = fma(p, r, 4.1666666666666669752e-2)
    p = fma(p, r, 1.6666666666666670986e-1)
    p = fma(p, r, 5.0000000000000000000e-1)
    em1 = fma(r * r, p, r)
    s = from_bits((bits(t) - bits(_SHIFTER) + 1023) << 52)
    y = fma(s, em1, s - 1.0)
    return y if x != 0.0 else x  # -0.0 kept (and NaN: t, k and y are NaN)


# log ------------------------------------------------------------------------------------------

# fdlibm's split of ln 2: hi has 32 significant bits, so m * hi is exact for |m| < 2^21.
_LN2_HI32 = 6.93147180369123816490e-01
_LN2_LO32 = 1.90821492927058770002e-10
_SQRT1_2_BITS = 0x3FE6A09E667F3BCD  # sqrt(2) / 2


@prim
def log_hi(s):
    """log(s) for finite s >= 2^-1022 (no checks): s = 2^m f with f in [sqrt(2)/2, sqrt(2)),
    f = (1 + z) / (1 - z), log f = 2 z + z^3 P(z^2)."""
    d = bits(s) - _SQRT1_2_BITS
    m = d >> 52
    f = from_bits(bits(s) - (m << 52))
    z = (f - 1.0) / (f + 1.0)  # f - 1 exact (Sterbenz)
    w = z * z
    p = 1.3086626147840102138e-1
    p = fma(p, w, 1.3268773138656885185e-1)
    p = fma(p, w, 1.5386239702814658188e-1)
    p = fma(p, w, 1.8181795640132906276e-1)
    p = fma(p, w, 2.2222222391713917442e-1)
    p = fma(p, w, 2.8571428570803611811e-1)
    p = fma(p, w, 4.0000000000000876983e-1)
    p = fma(p, w, 6.6666666666666666465e-1)
    logf = fma(z * w, p, 2.0 * z)
    mf = float(m)
    return fma(mf, _LN2_HI32, fma(mf, _LN2_LO32, logf))


@prim
def log1p_pos(u):
    """log(1 + u) for u >= 0 (u <= 2^1000), to about 1 ULP: s = 1 + u and its rounding error c
    (Knuth's two-sum), then log(s) + c / s."""
    s = 1.0 + u
    bb = s - u
    c = (1.0 - bb) + (u - (s - bb))
    d = bits(s) - _SQRT1_2_BITS
    m = d >> 52
    f = from_bits(bits(s) - (m << 52))
    z = (f - 1.0) / (f + 1.0)
    w = z * z
    p = 1.3086626147840102138e-1
    p = fma(p, w, 1.3268773138656885185e-1)
    p = fma(p, w, 1.5386239702814658188e-1)
    p = fma(p, w, 1.8181795640132906276e-1)
    p = fma(p, w, 2.2222222391713917442e-1)
    p = fma(p, w, 2.8571428570803611811e-1)
    p = fma(p, w, 4.0000000000000876983e-1)
    p = fma(p, w, 6.6666666666666666465e-1)
    logf = fma(z * w, p, 2.0 * z)
    mf = float(m)
    return fma(mf, _LN2_HI32, fma(mf, _LN2_LO32, logf) + c / s)


# erfcx ----------------------------------------------------------------------------------------

_ERFCX_L = 4.0
_TWO_OVER_SQRT_PI = 1.1283791670955125739


@prim
def erfcx(t):
    """exp(t^2) erfc(t) for 0 <= t <= 30, to about 1 ULP: g(u) = erfcx(t) (L + t) is one
    polynomial in u = (L - t) / (L + t) on (-1, 1] (scripts/fit_compiled.py). u is carried as
    a double-double (uh + ul): near u = -1 one ULP of u is t / (2 L) ULP of t, which would cost
    that many ULP of the result at large t; ul is applied through g'(u) from the relation
    erfcx'(t) = 2 t erfcx(t) - 2 / sqrt(pi)."""
    L = _ERFCX_L
    dh = L + t
    dl = (L - dh) + t if t <= L else (t - dh) + L  # L + t = dh + dl exactly (fast two-sum)
    nh = L - t
    nl = (L - nh) - t if t <= L else L - (t + nh)  # L - t = nh + nl exactly
    inv = 1.0 / dh
    u = nh * inv  # u need not be correctly rounded: ul is its exact residual
    ul = (fma(-u, dh, nh) + nl - u * dl) * inv
    p = -1.8622648765726154635e-10
    p = fma(p, u, 7.6465399724615499788e-11)
    p = fma(p, u, 2.3248139490706371302e-9)
    p = fma(p, u, -7.0512188777569884858e-10)
    p = fma(p, u, -1.8208760359519016992e-8)
    p = fma(p, u, 2.7536809568350587707e-10)
    p = fma(p, u, 1.2695266200282158986e-7)
    p = fma(p, u, 7.4402642676920183273e-8)
    p = fma(p, u, -8.4788228464485284594e-7)
    p = fma(p, u, -1.4235449439501220380e-6)
    p = fma(p, u, 4.6950561815361894433e-6)
    p = fma(p, u, 1.8860655851650423109e-5)
    p = fma(p, u, -3.6353297565084959563e-6)
    p = fma(p, u, -1.7681276807153314862e-4)
    p = fma(p, u, -4.5505265938176727588e-4)
    p = fma(p, u, 2.8095885918830791531e-4)
    p = fma(p, u, 6.1120556534863923866e-3)
    p = fma(p, u, 2.6370053340693670930e-2)
    p = fma(p, u, 7.6381514909405082297e-2)
    p = fma(p, u, 1.7401093723993291437e-1)
    p = fma(p, u, 3.3085158787801073566e-1)
    p = fma(p, u, 5.4085383131323450734e-1)
    p = fma(p, u, 7.7320870226523709211e-1)
    p = fma(p, u, 9.7654872908088200493e-1)
    p = fma(p, u, 1.0959956610004911191)
    e0 = p * inv
    dg_dt = fma(dh, fma(2.0 * t, e0, -_TWO_OVER_SQRT_PI), e0)
    g = fma(ul * (-0.5 / L) * dh * dh, dg_dt, p)
    q = g / dh
    return fma(-q, dl * inv, q)  # g / (dh + dl)


_INV_SQRT_PI = 0.56418958354775628695


@prim
def erfcx_wide(t, narrow):
    """erfcx(t) for float64 results: above t = 12 the asymptotic series
    1 / (t sqrt(pi)) * sum (-1)^k (2k - 1)!! / (2 t^2)^k, 14 terms (the next is below 1e-20):
    the polynomial in u loses up to 2.3 ULP there (Horner at u near -0.7), which took gelu
    to 4.8 ULP at x = -30. float32 output (narrow) never needs it: its tail is below 1e-60."""
    inv = 1.0 / max(t, 12.0)
    w = 0.5 * inv * inv
    s = 213458046676875.0  # 27!!, then (-1)^k (2k - 1)!! down to k = 0
    s = fma(s, w, -7905853580625.0)
    s = fma(s, w, 316234143225.0)
    s = fma(s, w, -13749310575.0)
    s = fma(s, w, 654729075.0)
    s = fma(s, w, -34459425.0)
    s = fma(s, w, 2027025.0)
    s = fma(s, w, -135135.0)
    s = fma(s, w, 10395.0)
    s = fma(s, w, -945.0)
    s = fma(s, w, 105.0)
    s = fma(s, w, -15.0)
    s = fma(s, w, 3.0)
    s = fma(s, w, -1.0)
    s = fma(s, w, 1.0)
    tail = (inv * _INV_SQRT_PI) * s
    return erfcx(t) if (narrow or t < 12.0) else tail


loop = njit(nogil=True, cache=True, error_model="numpy")
rows_loop = njit(nogil=True, cache=True, error_model="numpy")

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


_LN2_HI53 = 0.69314718055994528623  # ln 2 to the nearest double, and the rest
_LN2_LO53 = 2.3190468138462996154e-17


@prim
def _softplus_near_0(x):
    """(y, rem): ln 2 + x / 2 + x^2 / 8 - x^4 / 192 + x^6 / 2880 - 17 x^8 / 645120 for
    |x| < 2^-5 (the next term is below 2^-70 there) rounded to y, within 1 ULP (where
    log1p(exp(-|x|)) lost up to 2.8), and rem = the sum minus y (two-sum errors), whose sign
    breaks a tie when y is exactly a float32 midpoint: at x = 4.468e-4 the truth is 0.04
    float64 ULP above one (scripts/exhaustive_f32.py), so even the correctly rounded float64
    value rounds the wrong way."""
    t = x * x
    p = fma(-17.0 / 645120.0, t, 1.0 / 2880.0)
    p = fma(p, t, -1.0 / 192.0)
    p = fma(p, t, 0.125)
    w = fma(t, p, _LN2_LO53)
    h = 0.5 * x
    v = h + w
    y = _LN2_HI53 + v
    return y, _two_sum_lo(_LN2_HI53, v, y) + _two_sum_lo(h, w, v)


@prim
def _tie_narrow(y, rem, narrow):
    """y moved one float64 ULP toward the sign of rem where y is exactly a float32 midpoint
    and the output is float32 (_array.break_ties)."""
    tie = narrow and rem != 0.0 and (bits(y) & _F32_LOW) == _F32_MID
    return from_bits(bits(y) + (1 if (rem > 0.0) == (y > 0.0) else -1)) if tie else y


@prim
def softplus_narrow(x, narrow):
    """max(x, 0) + log1p(exp(-|x|)): both terms >= 0, nothing cancels or overflows; the series
    near 0, with its tie broken for float32 output."""
    y = max(x, 0.0) + log1p_pos(exp(-abs(x)))
    ys, rem = _softplus_near_0(x)
    y = _tie_narrow(ys, rem, narrow) if abs(x) < 0.03125 else y
    return y if x == x else x


@prim
def softplus(x):
    return softplus_narrow(x, False)


@prim
def log_sigmoid_narrow(x, narrow):
    """-softplus(-x), negated last: -0.0 where the result underflows (x > 745)."""
    y = -softplus_narrow(-x, narrow)
    return y if x == x else x


@prim
def log_sigmoid_prime(x):
    y = sigmoid(-x)
    return y if x == x else x  # the NaN itself, not its negation


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
def gelu(x, narrow):
    """x Phi(x): the tail x Phi(-|x|) = x erfcx(|x| / sqrt(2)) / 2 * exp(-x^2 / 2) below 0 and
    x minus it above, -x^2 / 2 split exactly by an FMA (x clamped at +-40, where the tail is 0)."""
    xc = min(max(x, -40.0), 40.0)
    sq = xc * xc
    sq_lo = fma(xc, xc, -sq)
    a = (0.5 * xc) * erfcx_wide(abs(xc) * _SQRT1_2, narrow)
    tail = mul_exp_parts(a, -0.5 * sq, -0.5 * sq_lo)
    y = tail if x <= 0.0 else x - tail
    return y if x == x else x


@prim
def mul_exp_parts(a, hi, lo):
    p, s1, s2 = exp_parts(hi, lo)
    return ((a * p) * s1) * s2


_INV_SQRT_2PI_HI, _INV_SQRT_2PI_LO = 0.3989422804014327, -2.49232720227773e-17


@prim
def _gelu_near_0(x, y, narrow):
    """_array.gelu_near_0 for one lane, where narrow (float32 output) is true."""
    return _near_0_series(x, y, narrow, 1.0 / 3456.0, -1.0 / 336.0, 1.0 / 40.0, -1.0 / 6.0)


@prim
def _gelu_tanh_near_0(x, y, narrow):
    """_array.gelu_near_0 with GELU_TANH_SERIES (gelu's tanh form) for one lane."""
    return _near_0_series(
        x,
        y,
        narrow,
        0.00029523883778214468962,
        -0.0031158115230661610801,
        0.025571511487830411681,
        -0.16749159078919378103,
    )


@prim
def _near_0_series(x, y, narrow, c4, c3, c2, c1):
    """x / 2 + (x^2 / sqrt(2 pi)) (1 + c1 x^2 + ... + c4 x^8) below |x| = 2^-5 for float32
    output, its remainder breaking a tie at a float32 midpoint (_array.gelu_near_0); else y."""
    t = x * x
    p = fma(t, c4, c3)
    p = fma(p, t, c2)
    p = fma(p, t, c1)
    p = p * t
    qc = t * _INV_SQRT_2PI_HI
    qc_lo = fma(t, _INV_SQRT_2PI_HI, -qc) + t * _INV_SQRT_2PI_LO
    h = 0.5 * x
    s1 = h + qc
    tail = (qc_lo + qc * p) + _two_sum_lo(h, qc, s1)
    ys = s1 + tail
    ys = _tie_narrow(ys, _two_sum_lo(s1, tail, ys), True)
    return ys if narrow and abs(x) < 0.03125 and x != 0.0 else y  # +-0 keep their sign


@prim
def gelu_prime(x, narrow):
    """Phi(x) + x phi(x) = e (erfcx(t) / 2 + x / sqrt(2 pi)) below 0 and
    1 - e (erfcx(t) / 2 - x / sqrt(2 pi)) above (t = |x| / sqrt(2), e = exp(-x^2 / 2))."""
    xc = min(max(x, -40.0), 40.0)
    sq = xc * xc
    sq_lo = fma(xc, xc, -sq)
    half = 0.5 * erfcx_wide(abs(xc) * _SQRT1_2, narrow)
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


@prim
def celu(x, alpha):
    """x for x >= 0 (or |x / alpha| < 1e-20, where alpha expm1(x / alpha) = x), else
    alpha expm1(x / alpha)."""
    q = _nonpositive(x) / alpha
    y = x if (x >= 0.0 or abs(q) < 1e-20) else alpha * expm1_neg(q)
    return y if x == x else x


@prim
def celu_prime(x, alpha):
    """exp(x / alpha) below 0 with the rounding of q = x / alpha undone: exp(q + r), r the
    exact remainder (x - q alpha) / alpha (an FMA), which exp amplifies by |q|."""
    xm = min(x, 0.0)
    q = xm / alpha
    r = fma(-q, alpha, xm) / alpha
    r = r if abs(r) < 1.0 else 0.0  # inf - inf at x = -inf
    p, s1, s2 = exp_parts(q, r)
    y = 1.0 if x > 0.0 else (p * s1) * s2
    return y if x == x else x


# softsign ---------------------------------------------------------------------------------------


@prim
def softsign(x):
    """sign(x) / (1 + 1 / |x|), monotone (see core/smooth.py); x itself below 2^-60."""
    a = abs(x)
    y = 1.0 / (1.0 + 1.0 / a)
    y = a if a < 2.0**-60 else y
    return _copysign(y, x) if x == x else x


@prim
def softsign_prime(x):
    r = 1.0 / (1.0 + abs(x))
    y = r * r
    return y if x == x else x


@prim
def _above_half(x, y, narrow):
    """_array.above_half for one lane, where narrow (the output is float32) is true."""
    nudge = narrow and abs(x) < 2.0**-60 and x != 0.0
    return from_bits(bits(y) + (1 if y > 0.0 else -1)) if nudge else y


_QUIET = 1 << 51
_F32_LOW, _F32_MID = (1 << 29) - 1, 1 << 28


@prim
def _sigmoid_narrow(x, y, narrow):
    """_array.sigmoid_narrow for one lane, where narrow (float32 output) is true: below
    |x| = 2^-10 the series 0.5 + x / 4 - x^3 / 48 with its exact remainder breaking a tie at
    a float32 midpoint."""
    hi = 0.5 + 0.25 * x
    lo = x * x * x * (-1.0 / 48.0)
    ys = hi + lo
    err = _two_sum_lo(hi, lo, ys) + x * x * x * x * x / 480.0
    tie = (bits(ys) & _F32_LOW) == _F32_MID and err != 0.0
    ys = from_bits(bits(ys) + (1 if (err > 0.0) == (ys > 0.0) else -1)) if tie else ys
    return ys if narrow and abs(x) < 2.0**-10 and x != 0.0 else y


@prim
def _store(y, narrow):
    """y as the loop stores it: a NaN made quiet for float32 output, as NumPy's float64 to
    float32 cast does (LLVM folds the round trip float32 -> float64 -> float32 of a NaN
    passed through, which would keep a signalling NaN signalling)."""
    return from_bits(bits(y) | _QUIET) if narrow and y != y else y


# loops ------------------------------------------------------------------------------------------
# One per kernel: numba caches a function by its own name, so they are written out. Each lane is
# read as np.float64(x[i]): numba's float() keeps a float32 a float32 (x * x was then a float32
# product), np.float64() converts.


@loop
def sigmoid_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        xi = np.float64(x[i])
        out[i] = _store(_sigmoid_narrow(xi, sigmoid(xi), narrow), narrow)


@loop
def sigmoid_prime_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(sigmoid_prime(np.float64(x[i])), narrow)


@loop
def softplus_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(softplus_narrow(np.float64(x[i]), narrow), narrow)


@loop
def log_sigmoid_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(log_sigmoid_narrow(np.float64(x[i]), narrow), narrow)


@loop
def log_sigmoid_prime_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        xi = np.float64(x[i])
        out[i] = _store(_sigmoid_narrow(-xi, log_sigmoid_prime(xi), narrow), narrow)


@loop
def exp_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(exp(np.float64(x[i])), narrow)


@loop
def tanh_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(tanh(np.float64(x[i])), narrow)


@loop
def tanh_prime_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(tanh_prime(np.float64(x[i])), narrow)


@loop
def silu_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        xi = np.float64(x[i])
        out[i] = _store(_above_half(xi, silu(xi), narrow), narrow)


@loop
def silu_prime_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(silu_prime(np.float64(x[i])), narrow)


@loop
def gelu_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        xi = np.float64(x[i])
        y = _gelu_near_0(xi, gelu(xi, narrow), narrow)
        out[i] = _store(_above_half(xi, y, narrow), narrow)


@loop
def gelu_prime_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(gelu_prime(np.float64(x[i]), narrow), narrow)


@loop
def gelu_tanh_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        xi = np.float64(x[i])
        y = _gelu_tanh_near_0(xi, gelu_tanh(xi), narrow)
        out[i] = _store(_above_half(xi, y, narrow), narrow)


@loop
def gelu_tanh_prime_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(gelu_tanh_prime(np.float64(x[i])), narrow)


@loop
def mish_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(mish(np.float64(x[i])), narrow)


@loop
def mish_prime_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(mish_prime(np.float64(x[i])), narrow)


@loop
def elu_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(elu(np.float64(x[i]), a), narrow)


@loop
def elu_prime_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(elu_prime(np.float64(x[i]), a), narrow)


@loop
def selu_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(selu(np.float64(x[i])), narrow)


@loop
def selu_prime_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(selu_prime(np.float64(x[i])), narrow)


@loop
def celu_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(celu(np.float64(x[i]), a), narrow)


@loop
def celu_prime_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(celu_prime(np.float64(x[i]), a), narrow)


@loop
def softsign_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(softsign(np.float64(x[i])), narrow)


@loop
def softsign_prime_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(softsign_prime(np.float64(x[i])), narrow)


# hard_silu, squareplus: IEEE operations only --------------------------------------------------
# The NumPy kernel's operations in its order (max, subtract, divide, multiply, sqrt: each
# correctly rounded, so the same bits in both paths and both dtypes).


@prim
def hard_silu(x):
    """max(-3 - xc, -6) / -6 * xc, xc = max(x, -3), as core/rectifiers.py (-inf -> -3)."""
    xc = max(x, -3.0)
    y = (max(-3.0 - xc, -6.0) / -6.0) * xc
    return y if x == x else x


@prim
def squareplus_narrow(x, b):
    """float32 input, 1e-30 < b < 1e30 (core/smooth.py's _squareplus_narrow): r = sqrt(x^2 + b)
    + |x| (x^2 exact), r / 2 above 0 and (b / 2) / r below."""
    a = abs(x)
    r = math.sqrt(a * a + b) + a
    y = 0.5 * r if x >= 0.0 else (0.5 * b) / r
    return y if x == x else x


# float32 output: a cheap first pass, checked -------------------------------------------------
# A float32 result needs the true value only to about 2^-38 (relative), not float64's 2^-52, to
# be rounded correctly, except where the truth lies that close to a float32 rounding boundary
# (a midpoint between two float32 values). So the *_f32_loop kernels compute each lane with
# shorter polynomials (fitted by scripts/fit_compiled.py, "float32 first pass") and division-
# and branch-free where they can, and keep a lane only where its float64 value y is farther
# than _F32_NEAR float64 ULPs from every float32 midpoint (so that the truth, within 2^-38 |y|
# < _F32_NEAR ULPs of y, rounds the same way) and is a normal float32 (no subnormal or zero
# result, no NaN). Every other lane, about one in 2^13 on any input, is written as a NaN
# and, after the vectorized pass over a sub-block, computed again by the float64 kernel that
# the float64 loops use (the same bits as before: correctly rounded). The error bounds are
# the fits' plus the arithmetic's, and scripts/exhaustive_f32.py checks the results on every
# float32 input.

_F32_NEAR = 1 << 15  # float64 ULPs: a relative error bound of 2^-38 (2^15 / 2^53)
_F32_TINY = 2.0**-126  # the smallest normal float32
_SUB = 256  # lanes per look for flagged (NaN) lanes in the second pass

# exp(r) on |r| <= ln(2) / 2, degree 8, highest first: within 2^-39.6 (relative).
_E8 = (
    2.4876164022625968286e-5,
    1.9915866926782682413e-4,
    1.3888821677630363105e-3,
    8.3332660979496143503e-3,
    4.1666666890956999221e-2,
    1.6666666891045776596e-1,
    4.9999999999797934406e-1,
    9.9999999997978516702e-1,
    1.0,
)
# (log((1 + z) / (1 - z)) - 2 z) / z^3 in w = z^2 <= (3 - 2 sqrt(2))^2: within 2^-36.4 of it,
# which is at most 1% of the logarithm: 2^-43 of the result.
_L4 = (
    1.9362653714202007739e-1,
    2.2191400830308503612e-1,
    2.8571754535914488959e-1,
    3.9999998797337585647e-1,
    6.6666666667375090079e-1,
)
# erfcx(t) (4 + t) as a polynomial in u = (4 - t) / (4 + t) for t in [0, 14.5 / sqrt(2)],
# degree 15, highest first: within 2^-42.9 (relative).
_G15 = (
    -1.9968319380380251738e-6,
    3.2969958992373004263e-6,
    2.0931295210992180656e-5,
    -3.9076199629257451894e-6,
    -1.7778515107691458712e-4,
    -4.5461928023779075927e-4,
    2.8112449011789436631e-4,
    6.1119353329891532838e-3,
    2.6370043504701118319e-2,
    7.6381529327588358500e-2,
    1.7401093715319367116e-1,
    3.3085158708825017783e-1,
    5.4085383133249377537e-1,
    7.7320870228158187499e-1,
    9.7654872908066211587e-1,
    1.0959956610004348357,
)


@prim
def exp_f32(z):
    """exp(z) for -700 <= z <= 700 within 2^-39.4: k = round(z / ln 2), r = z - k ln 2 (ln 2's
    rounding costs k 2^-54 < 2^-44), the degree-8 polynomial by Estrin's scheme (a short
    dependency chain, so that more loop iterations overlap), 2^k added to the exponent bits."""
    t = fma(z, _LOG2E, _SHIFTER)
    k = t - _SHIFTER
    r = fma(-k, _LN2_HI, z)
    r2 = r * r
    r4 = r2 * r2
    a = fma(_E8[7], r, _E8[8])
    b = fma(_E8[5], r, _E8[6])
    c = fma(_E8[3], r, _E8[4])
    d = fma(_E8[1], r, _E8[2])
    lo = fma(b, r2, a)
    hi = fma(fma(_E8[0], r2, d), r2, c)
    p = fma(hi, r4, lo)
    return from_bits(bits(p) + (bits(t) << 52))


@prim
def _near_mid(y):
    """Whether y lies within _F32_NEAR float64 ULPs of a float32 midpoint of its binade (the
    low 29 bits of its significand within _F32_NEAR of 2^28). Across a power of two there is
    no float32 rounding boundary closer than 2^-25 relative, far beyond 2^-38."""
    return ((bits(y) + (_F32_NEAR - _F32_MID)) & _F32_LOW) <= 2 * _F32_NEAR


@prim
def _again(y):
    """Whether a lane's first-pass value y may not round to the correctly rounded float32:
    below the smallest normal float32 (zero, subnormal), NaN, or near a midpoint. Infinities
    pass (their low bits are 0). `|`, not `or`: no branch in the vectorized loop."""
    return (not abs(y) >= _F32_TINY) | _near_mid(y)


@prim
def _sigmoid_f32(x):
    """1 / (1 + e) or e / (1 + e), e = exp(-|x|) (-|x| clamped at -110, where NaN goes too:
    such lanes give a result below _F32_TINY and are done again)."""
    e = exp_f32(max(-110.0, -abs(x)))
    return (1.0 if x >= 0.0 else e) / (1.0 + e)


@prim
def _silu_f32(x):
    """x / (1 + e) or x e / (1 + e), e = exp(-|x|) (x clamped at -120: -inf would give -inf
    times 0; NaN passes)."""
    e = exp_f32(max(-110.0, -abs(x)))
    xc = max(x, -120.0)
    return (xc if x >= 0.0 else xc * e) / (1.0 + e)


@prim
def _log1p_exp_f32(x):
    """log1p(exp(-|x|)): s = 1 + e rounded, its exact error c = e - (s - 1), then
    log(s) + c / s with c / s as c (1 - e) (c is below 2^-53 s; the difference c e^2 is
    far below it), log(s) = m ln 2 + 2 z + z^3 P(z^2), z = (f - 1) / (f + 1), s = 2^m f."""
    e = exp_f32(max(-700.0, -abs(x)))
    s = 1.0 + e
    c = e - (s - 1.0)
    big = s >= 1.4142135623730951
    f = 0.5 * s if big else s
    z = (f - 1.0) / (f + 1.0)
    w = z * z
    w2 = w * w
    p = fma(fma(_L4[0], w, _L4[1]), w2, fma(_L4[2], w, _L4[3]))
    p = fma(p, w, _L4[4])
    logf = fma(z * w, p, 2.0 * z)
    return ((logf + _LN2_HI53) if big else logf) + fma(-c, e, c)


@prim
def _gelu_tanh_f32(x):
    """x sigmoid(v), v = 2 sqrt(2/pi) (x + 0.044715 x^3) (relative error about 2^-51 |v|, and
    |v| <= 110 where it matters): as silu with exp(-|v|)."""
    v = x * fma(_K3_HI, x * x, _K1_HI)
    e = exp_f32(max(-110.0, -abs(v)))
    xc = max(x, -120.0)
    return (xc if x >= 0.0 else xc * e) / (1.0 + e)


@prim
def _poly15(u, c):
    """c[0] u^15 + ... + c[15] by Estrin's scheme."""
    u2 = u * u
    u4 = u2 * u2
    u8 = u4 * u4
    a0 = fma(c[14], u, c[15])
    a1 = fma(c[12], u, c[13])
    a2 = fma(c[10], u, c[11])
    a3 = fma(c[8], u, c[9])
    a4 = fma(c[6], u, c[7])
    a5 = fma(c[4], u, c[5])
    a6 = fma(c[2], u, c[3])
    a7 = fma(c[0], u, c[1])
    b0 = fma(a1, u2, a0)
    b1 = fma(a3, u2, a2)
    b2 = fma(a5, u2, a4)
    b3 = fma(a7, u2, a6)
    return fma(fma(b3, u4, b2), u8, fma(b1, u4, b0))


@prim
def _gelu_f32(x):
    """x Phi(x) = x - tail above 0 and tail below, tail = x erfcx(t) exp(-t^2) / 2,
    t = |x| / sqrt(2): erfcx from _G15 (one division for u and the 1 / (4 + t)), and
    -t^2 = -x^2 / 2 exact for a float32 x. x is clamped to +-14.5: beyond, the tail is below
    1e-46 (a lane below 0 gives a result below _F32_TINY and is done again)."""
    xc = min(max(x, -14.5), 14.5)
    t = abs(xc) * _SQRT1_2
    inv = 1.0 / (4.0 + t)
    g = _poly15((4.0 - t) * inv, _G15)
    tail = ((0.5 * xc) * (g * inv)) * exp_f32(-0.5 * (xc * xc))
    return tail if x < 0.0 else x - tail


@prim
def _softplus_f32(x):
    return max(x, 0.0) + _log1p_exp_f32(x)


@prim
def _log_sigmoid_f32(x):
    return -(max(-x, 0.0) + _log1p_exp_f32(x))


@prim
def _first(y):
    """y, or NaN where _again(y) (y + NaN: a select in float64, before the rounding to
    float32, takes fewer instructions than one after it; y = +-0 is flagged anyway)."""
    return y + (np.nan if _again(y) else 0.0)


@prim
def _any_nan(out, start, stop):
    """Whether out[start:stop] holds a NaN (a vectorized reduction)."""
    seen = False
    for i in range(start, stop):
        seen |= out[i] != out[i]
    return seen


# One loop per function (numba caches each by its own name): the first pass on four
# independent streams (the quarters of the block) per iteration, each vectorized (four lanes):
# the passes are long dependency chains (exp, a division), and four in flight keep the
# vector units busier than one (about 20% faster here; only with the four computed before
# any of them is stored, else LLVM keeps them in order). A flagged lane stores NaN; a NaN
# result only comes from a flagged lane or a NaN input, which the float64 kernel handles, so
# the second pass looks for NaNs, _SUB lanes at a time.


@loop
def sigmoid_f32_loop(x, out, a, narrow):
    n = x.shape[0]
    q = n // 4
    for i in range(q):
        y0 = _sigmoid_f32(np.float64(x[i]))
        y1 = _sigmoid_f32(np.float64(x[q + i]))
        y2 = _sigmoid_f32(np.float64(x[2 * q + i]))
        y3 = _sigmoid_f32(np.float64(x[3 * q + i]))
        out[i] = _first(y0)
        out[q + i] = _first(y1)
        out[2 * q + i] = _first(y2)
        out[3 * q + i] = _first(y3)
    for i in range(4 * q, n):
        out[i] = _first(_sigmoid_f32(np.float64(x[i])))
    for s in range(0, n, _SUB):
        stop = min(s + _SUB, n)
        if _any_nan(out, s, stop):
            for i in range(s, stop):
                if out[i] != out[i]:
                    xi = np.float64(x[i])
                    out[i] = _store(_sigmoid_narrow(xi, sigmoid(xi), True), True)


@loop
def silu_f32_loop(x, out, a, narrow):
    n = x.shape[0]
    q = n // 4
    for i in range(q):
        y0 = _silu_f32(np.float64(x[i]))
        y1 = _silu_f32(np.float64(x[q + i]))
        y2 = _silu_f32(np.float64(x[2 * q + i]))
        y3 = _silu_f32(np.float64(x[3 * q + i]))
        out[i] = _first(y0)
        out[q + i] = _first(y1)
        out[2 * q + i] = _first(y2)
        out[3 * q + i] = _first(y3)
    for i in range(4 * q, n):
        out[i] = _first(_silu_f32(np.float64(x[i])))
    for s in range(0, n, _SUB):
        stop = min(s + _SUB, n)
        if _any_nan(out, s, stop):
            for i in range(s, stop):
                if out[i] != out[i]:
                    xi = np.float64(x[i])
                    out[i] = _store(_above_half(xi, silu(xi), True), True)


@loop
def softplus_f32_loop(x, out, a, narrow):
    n = x.shape[0]
    q = n // 4
    for i in range(q):
        y0 = _softplus_f32(np.float64(x[i]))
        y1 = _softplus_f32(np.float64(x[q + i]))
        y2 = _softplus_f32(np.float64(x[2 * q + i]))
        y3 = _softplus_f32(np.float64(x[3 * q + i]))
        out[i] = _first(y0)
        out[q + i] = _first(y1)
        out[2 * q + i] = _first(y2)
        out[3 * q + i] = _first(y3)
    for i in range(4 * q, n):
        out[i] = _first(_softplus_f32(np.float64(x[i])))
    for s in range(0, n, _SUB):
        stop = min(s + _SUB, n)
        if _any_nan(out, s, stop):
            for i in range(s, stop):
                if out[i] != out[i]:
                    xi = np.float64(x[i])
                    out[i] = _store(softplus_narrow(xi, True), True)


@loop
def log_sigmoid_f32_loop(x, out, a, narrow):
    n = x.shape[0]
    q = n // 4
    for i in range(q):
        y0 = _log_sigmoid_f32(np.float64(x[i]))
        y1 = _log_sigmoid_f32(np.float64(x[q + i]))
        y2 = _log_sigmoid_f32(np.float64(x[2 * q + i]))
        y3 = _log_sigmoid_f32(np.float64(x[3 * q + i]))
        out[i] = _first(y0)
        out[q + i] = _first(y1)
        out[2 * q + i] = _first(y2)
        out[3 * q + i] = _first(y3)
    for i in range(4 * q, n):
        out[i] = _first(_log_sigmoid_f32(np.float64(x[i])))
    for s in range(0, n, _SUB):
        stop = min(s + _SUB, n)
        if _any_nan(out, s, stop):
            for i in range(s, stop):
                if out[i] != out[i]:
                    xi = np.float64(x[i])
                    out[i] = _store(log_sigmoid_narrow(xi, True), True)


@loop
def gelu_f32_loop(x, out, a, narrow):
    n = x.shape[0]
    q = n // 4
    for i in range(q):
        y0 = _gelu_f32(np.float64(x[i]))
        y1 = _gelu_f32(np.float64(x[q + i]))
        y2 = _gelu_f32(np.float64(x[2 * q + i]))
        y3 = _gelu_f32(np.float64(x[3 * q + i]))
        out[i] = _first(y0)
        out[q + i] = _first(y1)
        out[2 * q + i] = _first(y2)
        out[3 * q + i] = _first(y3)
    for i in range(4 * q, n):
        out[i] = _first(_gelu_f32(np.float64(x[i])))
    for s in range(0, n, _SUB):
        stop = min(s + _SUB, n)
        if _any_nan(out, s, stop):
            for i in range(s, stop):
                if out[i] != out[i]:
                    xi = np.float64(x[i])
                    out[i] = _store(
                        _above_half(xi, _gelu_near_0(xi, gelu(xi, True), True), True), True
                    )


@loop
def gelu_tanh_f32_loop(x, out, a, narrow):
    n = x.shape[0]
    q = n // 4
    for i in range(q):
        y0 = _gelu_tanh_f32(np.float64(x[i]))
        y1 = _gelu_tanh_f32(np.float64(x[q + i]))
        y2 = _gelu_tanh_f32(np.float64(x[2 * q + i]))
        y3 = _gelu_tanh_f32(np.float64(x[3 * q + i]))
        out[i] = _first(y0)
        out[q + i] = _first(y1)
        out[2 * q + i] = _first(y2)
        out[3 * q + i] = _first(y3)
    for i in range(4 * q, n):
        out[i] = _first(_gelu_tanh_f32(np.float64(x[i])))
    for s in range(0, n, _SUB):
        stop = min(s + _SUB, n)
        if _any_nan(out, s, stop):
            for i in range(s, stop):
                if out[i] != out[i]:
                    xi = np.float64(x[i])
                    y = _gelu_tanh_near_0(xi, gelu_tanh(xi), True)
                    out[i] = _store(_above_half(xi, y, True), True)


@loop
def hard_silu_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        xi = np.float64(x[i])
        out[i] = _store(_above_half(xi, hard_silu(xi), narrow), narrow)


@loop
def squareplus_loop(x, out, a, narrow):
    for i in range(x.shape[0]):
        out[i] = _store(squareplus_narrow(np.float64(x[i]), a), narrow)


# axis-wise: rows of a 2-D block -----------------------------------------------------------------
# (x, out, special, narrow): x and out of shape (rows, n) (glu: out (rows, n / 2)); special[r]
# is set to 1 for a row with +inf, NaN or only -inf entries, which the caller recomputes with the NumPy
# kernel (+inf entries share the mass: _special_softmax), and the loop leaves alone.


@prim
def _two_sum_lo(a, b, s):
    """The rounding error of s = a + b (Knuth)."""
    bb = s - a
    return (a - (s - bb)) + (b - bb)


@prim
def _shift_lo(v, m, zh):
    """The rounding error of zh = v - m, 0 where v is infinite (inf - inf)."""
    lo = _two_sum_lo(v, -m, zh)
    return lo if abs(lo) <= 1.0 else 0.0


@prim
def _row_max(x, r):
    """(max, index of the first maximum, whether the row is special) for row r of x."""
    m = np.float64(x[r, 0])
    top = 0
    nan = False
    for j in range(x.shape[1]):
        v = np.float64(x[r, j])
        nan = nan or v != v
        if v > m:
            m, top = v, j
    return m, top, nan or not abs(m) <= 1.7976931348623157e308


@prim
def _row_exp(x, r, m, top, buf):
    """buf[j] = exp(x_j - m), the difference as a double-double (its rounding would be
    amplified by exp); returns rest = the sum over every entry but the maximum at top (a
    fixed order: the same bits on every run)."""
    n = x.shape[1]
    for j in range(n):
        v = np.float64(x[r, j])
        zh = v - m
        p, s1, s2 = exp_parts(zh, _shift_lo(v, m, zh))
        buf[j] = (p * s1) * s2
    buf[top] = 0.0
    # Four compensated (two-sum) accumulators, interleaved: a plain running sum of 1000
    # terms was 10 ULP off in float64, NumPy's pairwise sum about 2.
    s0 = s1_ = s2_ = s3 = 0.0
    c0 = c1 = c2 = c3 = 0.0
    k = 0
    while k + 4 <= n:
        t0 = s0 + buf[k]
        c0 += _two_sum_lo(s0, buf[k], t0)
        s0 = t0
        t1 = s1_ + buf[k + 1]
        c1 += _two_sum_lo(s1_, buf[k + 1], t1)
        s1_ = t1
        t2 = s2_ + buf[k + 2]
        c2 += _two_sum_lo(s2_, buf[k + 2], t2)
        s2_ = t2
        t3 = s3 + buf[k + 3]
        c3 += _two_sum_lo(s3, buf[k + 3], t3)
        s3 = t3
        k += 4
    while k < n:
        t0 = s0 + buf[k]
        c0 += _two_sum_lo(s0, buf[k], t0)
        s0 = t0
        k += 1
    return ((s0 + s1_) + (s2_ + s3)) + ((c0 + c1) + (c2 + c3))


@rows_loop
def softmax_rows(x, out, special, narrow):
    """s_i = exp(z_i) / (1 + rest), rest = the sum of exp(z) over every entry but one maximum,
    as the NumPy kernel (core/axiswise.py: _shifted and _softmax); in float64 the product is
    formed again from the exponential's parts, so a subnormal result is rounded once."""
    n = x.shape[1]
    buf = np.empty(n)
    for r in range(x.shape[0]):
        m, top, bad = _row_max(x, r)
        special[r] = bad
        if bad:
            continue
        total = 1.0 + _row_exp(x, r, m, top, buf)
        a = 1.0 / total
        if narrow:  # float32: exp(z) / total, one rounding, as NumPy's narrow kernel
            buf[top] = 1.0
            for j in range(n):
                out[r, j] = buf[j] / total
        else:
            for j in range(n):
                v = np.float64(x[r, j])
                zh = v - m
                p, s1, s2 = exp_parts(zh, _shift_lo(v, m, zh))
                out[r, j] = ((a * p) * s1) * s2


@rows_loop
def log_softmax_rows(x, out, special, narrow):
    """(z_i - log1p(rest)) + zl_i, as the NumPy kernel (log1p keeps the top entry exact)."""
    n = x.shape[1]
    buf = np.empty(n)
    for r in range(x.shape[0]):
        m, top, bad = _row_max(x, r)
        special[r] = bad
        if bad:
            continue
        lse = log1p_pos(_row_exp(x, r, m, top, buf))
        for j in range(n):
            v = np.float64(x[r, j])
            zh = v - m
            out[r, j] = (zh - lse) + _shift_lo(v, m, zh)


@rows_loop
def glu_rows(x, out, special, narrow):
    """a sigmoid(b) for the halves [a, b]: a / (1 + e) for b >= 0, (a / (1 + e)) exp(b) below
    (e = exp(-|b|), b clamped at -800 where the product is a's signed zero)."""
    h = x.shape[1] // 2
    for r in range(x.shape[0]):
        special[r] = False
        for j in range(h):
            a = np.float64(x[r, j])
            b = np.float64(x[r, h + j])
            bc = max(b, -800.0)
            p, s1, s2 = exp_parts(-abs(bc), 0.0)
            q = a / (1.0 + (p * s1) * s2)
            y = q if b >= 0.0 else ((q * p) * s1) * s2
            out[r, j] = _store(y if b == b else _glu_nan(a, b, narrow), narrow)


@prim
def _glu_nan(a, b, narrow):
    """The NaN the NumPy kernels give where b is NaN: a's if a is NaN too (the first operand
    of their product or division), else b's negated (float32: a / (1 + exp(-b))) or with its
    sign bit set (float64: exp(-|b|))."""
    return a if a != a else (-b if narrow else -abs(b))


@prim
def _glu_f32(a, b):
    """a sigmoid(b) for float32 output, first pass (as _silu_f32; b clamped at -700, not -110:
    a may be as large as 3.4e38, and a e^-700 is still below _F32_TINY)."""
    e = exp_f32(max(-700.0, -abs(b)))
    y = (a if b >= 0.0 else a * e) / (1.0 + e)
    return y if b == b else b


@rows_loop
def glu_f32_rows(x, out, special, narrow):
    """glu_rows for float32: the first pass on each row, then its flagged entries again (four
    interleaved streams, as in the elementwise loops, measured 3x slower in this loop)."""
    h = x.shape[1] // 2
    for r in range(x.shape[0]):
        special[r] = False
        again = False
        for j in range(h):
            y = _glu_f32(np.float64(x[r, j]), np.float64(x[r, h + j]))
            bad = _again(y)
            out[r, j] = np.nan if bad else y
            again |= bad
        if again:
            for j in range(h):
                if out[r, j] != out[r, j]:
                    a = np.float64(x[r, j])
                    b = np.float64(x[r, h + j])
                    p, s1, s2 = exp_parts(-abs(max(b, -800.0)), 0.0)
                    q = a / (1.0 + (p * s1) * s2)
                    y = q if b >= 0.0 else ((q * p) * s1) * s2
                    out[r, j] = _store(y if b == b else _glu_nan(a, b, True), True)


# softmax and log_softmax rows in float32: a first pass as the elementwise loops', more
# accurate (exp to 2^-45.5, not 2^-39.6), because a flagged entry costs its whole row again
# (the float64 sum that its fallback needs): the bound is 2^-42 (_ROWS_NEAR), about one entry
# in 2^17 is flagged, and a row of 1000 is done again about once in 130.
_ROWS_NEAR = 1 << 11
# exp(r) on |r| <= ln(2) / 2, degree 9, highest first: within 2^-45.5 (relative).
_E9 = (
    2.7632640675430235707e-6,
    2.4884459751751114690e-5,
    1.9841190647544239661e-4,
    1.3888801749656542519e-3,
    8.3333333673116036897e-3,
    4.1666667040551906489e-2,
    1.6666666666615647036e-1,
    4.9999999999438589236e-1,
    1.0000000000000012256,
    1.0000000000000134868,
)


@prim
def _exp_rows(z):
    """exp(z) for z <= 0 within 2^-45.3 (ln 2 as two parts: k reaches 1010), 0 below -700."""
    zc = max(z, -700.0)
    t = fma(zc, _LOG2E, _SHIFTER)
    k = t - _SHIFTER
    r = fma(-k, _LN2_LO, fma(-k, _LN2_HI, zc))
    r2 = r * r
    r4 = r2 * r2
    lo = fma(fma(_E9[6], r, _E9[7]), r2, fma(_E9[8], r, _E9[9]))
    hi = fma(fma(_E9[2], r, _E9[3]), r2, fma(_E9[4], r, _E9[5]))
    p = fma(fma(fma(_E9[0], r, _E9[1]), r4, hi), r4, lo)
    e = from_bits(bits(p) + (bits(t) << 52))
    return e if z > -700.0 else 0.0


@prim
def _sum_blocks(buf, n):
    """The sum of buf[:n] (>= 0) within 2^-47 for any n: eight accumulators over blocks of
    256 (each adds 32 terms), the blocks' sums added with their rounding errors kept."""
    total = 0.0
    comp = 0.0
    for s in range(0, n, 256):
        stop = min(s + 256, n)
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        j = s
        while j + 8 <= stop:
            a0 += buf[j]
            a1 += buf[j + 1]
            a2 += buf[j + 2]
            a3 += buf[j + 3]
            a4 += buf[j + 4]
            a5 += buf[j + 5]
            a6 += buf[j + 6]
            a7 += buf[j + 7]
            j += 8
        while j < stop:
            a0 += buf[j]
            j += 1
        part = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
        t = total + part
        comp += _two_sum_lo(total, part, t)
        total = t
    return total + comp


@prim
def _again_rows(y, zero):
    """_again for the rows' first pass (error below 2^-44, bound _ROWS_NEAR = 2^-42): NaN, a
    normal result near a float32 midpoint, a result below _F32_TINY but 0, and 0 if
    ``zero``. (An exact 0 comes from entries 700 below the maximum, -inf among them: 0 in
    float32 either way.)"""
    a = abs(y)
    near = ((bits(y) + (_ROWS_NEAR - _F32_MID)) & _F32_LOW) <= 2 * _ROWS_NEAR
    tiny = (not a >= _F32_TINY) & (zero | (a != 0.0))
    return tiny | near


@prim
def _row_exps(x, r, m, buf):
    """buf[j] = _exp_rows(x[r, j] - m), on four streams (the quarters of the row), as the
    elementwise first passes."""
    n = x.shape[1]
    q = n // 4
    for j in range(q):
        e0 = _exp_rows(np.float64(x[r, j]) - m)
        e1 = _exp_rows(np.float64(x[r, q + j]) - m)
        e2 = _exp_rows(np.float64(x[r, 2 * q + j]) - m)
        e3 = _exp_rows(np.float64(x[r, 3 * q + j]) - m)
        buf[j] = e0
        buf[q + j] = e1
        buf[2 * q + j] = e2
        buf[3 * q + j] = e3
    for j in range(4 * q, n):
        buf[j] = _exp_rows(np.float64(x[r, j]) - m)


@rows_loop
def softmax_f32_rows(x, out, special, narrow):
    """softmax_rows for float32: exp(z) / total from _exp_rows and _sum_blocks, checked; a row
    with a flagged entry gets softmax_rows' sum, and its flagged entries that row's values."""
    n = x.shape[1]
    buf = np.empty(n)
    for r in range(x.shape[0]):
        m, top, bad = _row_max(x, r)
        special[r] = bad
        if bad:
            continue
        _row_exps(x, r, m, buf)
        buf[top] = 0.0
        total = 1.0 + _sum_blocks(buf, n)
        buf[top] = 1.0
        inv = 1.0 / total
        again = False
        for j in range(n):
            y = buf[j] * inv
            b = _again_rows(y, False)
            out[r, j] = y + (np.nan if b else 0.0)
            again |= b
        if again:
            total = 1.0 + _row_exp(x, r, m, top, buf)
            buf[top] = 1.0
            for j in range(n):
                if out[r, j] != out[r, j]:
                    out[r, j] = buf[j] / total


@rows_loop
def log_softmax_f32_rows(x, out, special, narrow):
    """log_softmax_rows for float32: log1p of the rest from _exp_rows and _sum_blocks, checked
    (zero results too: the sign of a zero depends on the exact rest); a row with a flagged
    entry gets log_softmax_rows' rest, and its flagged entries that row's values."""
    n = x.shape[1]
    buf = np.empty(n)
    for r in range(x.shape[0]):
        m, top, bad = _row_max(x, r)
        special[r] = bad
        if bad:
            continue
        _row_exps(x, r, m, buf)
        buf[top] = 0.0
        lse = log1p_pos(_sum_blocks(buf, n))
        again = False
        for j in range(n):
            v = np.float64(x[r, j])
            zh = v - m
            y = (zh - lse) + _shift_lo(v, m, zh)
            b = _again_rows(y, True)
            out[r, j] = y + (np.nan if b else 0.0)
            again |= b
        if again:
            lse = log1p_pos(_row_exp(x, r, m, top, buf))
            for j in range(n):
                if out[r, j] != out[r, j]:
                    v = np.float64(x[r, j])
                    zh = v - m
                    out[r, j] = (zh - lse) + _shift_lo(v, m, zh)
