"""Scalar float64 primitives of the compiled kernels: exp, expm1, log1p and erfcx, branch-free.

Written as plain arithmetic on float64 (range reduction, polynomials fitted by
scripts/fit_compiled.py, FMA, and bit manipulation through the small intrinsics below) with
selects instead of branches, so that LLVM inlines them into a kernel's loop and vectorizes it
(AVX2: four lanes; libm calls would stop that). Each is within about 1 ULP on its domain;
tests/test_compiled.py checks them and the kernels built from them against mpmath.

Importing this module imports numba: only actcli.core._compiled.load() does, for large arrays.
"""

from __future__ import annotations

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


prim = njit(cache=True, error_model="numpy")

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
