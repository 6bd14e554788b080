"""Axis-wise activations: softmax, log_softmax, glu, sparsemax; value, Jacobian and JVP.

Kernels see a 2-D float64 array whose rows are the vectors along ``axis`` (see _array.rowwise).
"""

from __future__ import annotations

import numpy as np

from actcli.errors import UsageError
from actcli.spec_types import Param, Spec

from ._array import rowwise
from ._stable import mul_exp, sigmoid, two_prod, two_sum

_AXIS = Param("axis", -1, "int", help="the axis along which the vectors lie")


def _shifted(x):
    """(zh, zl, rest, special, exp_zh, one_zl) for the rows of x.

    z = x - max(x) as a double-double (the rounding of x - max would be amplified by exp),
    rest = sum of exp(z) over every entry but one maximum (so 1 + rest = sum exp(z) with rest
    kept to full relative precision), special = rows with +inf, NaN or only -inf; exp(zh) and
    1 + zl are passed on so that softmax need not compute them again.
    """
    m = np.max(x, axis=1, keepdims=True)
    finite_max = np.isfinite(m)
    ms = np.where(finite_max, m, 0.0)
    zh, zl = two_sum(x, -ms)
    bad = ~np.isfinite(zl)
    if bad.any():
        zl[bad] = 0.0
    exp_zh = np.exp(zh)
    one_zl = 1.0 + zl
    e = exp_zh * one_zl
    top = np.argmax(x, axis=1)
    rows = np.arange(x.shape[0])
    e[rows, top] = 0.0
    rest = np.sum(e, axis=1, keepdims=True)
    special = ~finite_max[:, 0]
    return zh, zl, rest, special, exp_zh, one_zl


def _special_softmax(x):
    """Rows with +inf: the +inf entries share the mass equally (the limit as they grow
    together); rows with NaN or only -inf: NaN."""
    inf = np.isposinf(x)
    count = np.sum(inf, axis=1, keepdims=True)
    out = np.where(count > 0, inf / np.maximum(count, 1), np.nan)
    return np.where(np.any(np.isnan(x), axis=1, keepdims=True), np.nan, out)


def _softmax(x, shifted=None):
    """mul_exp(1 / (1 + rest), zh, zl), written out to reuse exp(zh) and 1 + zl: the same
    products, and mul_exp itself where zh < -700 (its deep tail)."""
    zh, zl, rest, special, exp_zh, one_zl = shifted or _shifted(x)
    a = 1.0 / (1.0 + rest)
    s = one_zl * a
    s *= exp_zh
    deep = zh < -700.0
    if deep.any():
        s[deep] = mul_exp(np.broadcast_to(a, x.shape)[deep], zh[deep], zl[deep])
    if np.any(special):
        s[special] = _special_softmax(x[special])
    return s


def _log_softmax(x, shifted=None):
    """z - log(1 + rest): log1p keeps the top entry's tiny negative value exact."""
    zh, zl, rest, special, _, _ = shifted or _shifted(x)
    out = (zh - np.log1p(rest)) + zl
    if np.any(special):
        sp = _special_softmax(x[special])
        out[special] = np.log(sp)
    return out


def softmax_kernel(x):
    return _softmax(x)


def _narrow_rows(x):
    """(z, special) for float32/float16 rows: z = x - max(x) in float64 (exact wherever
    exp(z) can reach a float32 result: |z| < 2^7 and both terms have 24-bit significands, or
    within 2^-47 of it), and the rows with +inf, NaN or only -inf."""
    m = np.max(x, axis=1, keepdims=True)
    special = ~np.isfinite(m[:, 0])
    if special.any():
        m[special] = 0.0
    return x - m, special


def softmax_narrow(x):
    """softmax for float32/float16 input: exp(z) / sum exp(z) in float64, rounded once; the
    double-double shift and the deep tail of the float64 kernel are below float32's reach."""
    e, special = _narrow_rows(x)
    np.exp(e, out=e)
    e /= np.sum(e, axis=1, keepdims=True)
    if special.any():
        e[special] = _special_softmax(x[special])
    return e


def log_softmax_narrow(x):
    """log_softmax for float32/float16 input: z - log1p(rest), rest = the sum of exp(z) over
    every entry but one maximum (log of the whole sum would lose a tiny result near 0)."""
    z, special = _narrow_rows(x)
    e = np.exp(z)
    e[np.arange(x.shape[0]), np.argmax(z, axis=1)] = 0.0
    rest = np.sum(e, axis=1, keepdims=True)
    z -= np.log1p(rest)
    if special.any():
        z[special] = np.log(_special_softmax(x[special]))
    return z


def softmax_prime_kernel(x):
    """s (1 - s) with 1 - s = -expm1(log_softmax) (no cancellation when s is near 1)."""
    shifted = _shifted(x)
    return _softmax(x, shifted) * -np.expm1(_log_softmax(x, shifted))


def _with_diagonal(off, diag):
    n = diag.shape[1]
    off[:, np.arange(n), np.arange(n)] = diag
    return off


def softmax_jacobian_kernel(x):
    """-s_i s_j off the diagonal; the diagonal s_i (1 - s_i) from softmax_prime (no cancellation)."""
    s = _softmax(x)
    return _with_diagonal(-s[:, :, None] * s[:, None, :], softmax_prime_kernel(x))


def softmax_jvp_kernel(x, v):
    s = _softmax(x)
    return s * (v - np.sum(s * v, axis=1, keepdims=True))


def log_softmax_prime_kernel(x):
    return -np.expm1(_log_softmax(x))


def log_softmax_jacobian_kernel(x):
    """delta_ij - s_j; the diagonal 1 - s_i as -expm1(log_softmax_i)."""
    s = _softmax(x)
    off = np.broadcast_to(-s[:, None, :], (*s.shape, s.shape[1])).copy()
    return _with_diagonal(off, log_softmax_prime_kernel(x))


def log_softmax_jvp_kernel(x, v):
    s = _softmax(x)
    return v - np.sum(s * v, axis=1, keepdims=True)


# glu -------------------------------------------------------------------------------------------


def _halves(x):
    n = x.shape[1]
    if n % 2:
        raise UsageError(f"glu splits its axis in two halves, so its length must be even, got {n}")
    return x[:, : n // 2], x[:, n // 2 :]


def glu_kernel(x):
    """a * sigmoid(b); for b < 0 as a * exp(b) / (1 + exp(b)) without a subnormal product."""
    a, b = _halves(x)
    bc = np.maximum(b, -800.0)
    e = np.exp(-np.abs(bc))
    r = 1.0 / (1.0 + e)
    # a r for b >= 0; below, mul_exp(a r, bc) = (a r) e (exp(bc) is e there): a r times
    # max(e, [b >= 0]), no branch per lane; then mul_exp's deep tail and b = -inf by index.
    y = a * r
    deep = bc < -700.0
    tail = mul_exp(y[deep], bc[deep]) if deep.any() else None
    np.maximum(e, b >= 0, out=e)
    y *= e
    if tail is not None:
        y[deep] = tail
        zero = np.isneginf(b) & np.isfinite(a)
        y[zero] = 0.0 * a[zero]
    return y


def glu_narrow(x):
    """glu for float32/float16 input: a / (1 + exp(-b)) in float64 with b >= -700 (exp(700)
    does not overflow; a * sigmoid(-700) is 0 in float32 whatever a is, with a's sign)."""
    a, b = _halves(x)
    e = np.maximum(b, -700.0)
    np.negative(e, out=e)
    np.exp(e, out=e)
    e += 1.0
    return np.divide(a, e, out=e)


def glu_prime_kernel(x):
    """dy_i / da_i = sigmoid(b_i): the derivative along the first half."""
    _, b = _halves(x)
    return sigmoid(b)


def _a_sigmoid_prime(a, b):
    """a * sigmoid'(b) = a * e / (1 + e)^2, e = exp(-|b|), without a subnormal intermediate
    (sigmoid'(-745) alone is subnormal and has lost bits before the product with a)."""
    bc = np.minimum(np.abs(b), 800.0)  # beyond, the product is 0 (and inf * 0 stays out)
    e = np.exp(-bc)
    out = mul_exp(a / ((1.0 + e) * (1.0 + e)), -bc)
    return np.where(np.isinf(b) & np.isfinite(a), 0.0 * a, out)


def glu_jacobian_kernel(x):
    a, b = _halves(x)
    m = a.shape[1]
    eye = np.eye(m)
    left = sigmoid(b)[:, :, None] * eye
    right = _a_sigmoid_prime(a, b)[:, :, None] * eye
    return np.concatenate([left, right], axis=2)


def glu_jvp_kernel(x, v):
    a, b = _halves(x)
    va, vb = _halves(v)
    return sigmoid(b) * va + _a_sigmoid_prime(a, b) * vb


# sparsemax -------------------------------------------------------------------------------------


# Supports up to this size get a double-double threshold sum (the loop runs over the support).
_EXACT_SUPPORT = 256


def _sparsemax_support(x):
    """(p, support) for each row: the Euclidean projection onto the simplex (Martins & Astudillo
    2016, Algorithm 1): sort, find the largest k with 1 + k z_(k) > sum_{j<=k} z_(j), then
    p = max(z - tau, 0) with tau = (sum of the k largest z - 1) / k.

    z = x - max(x) and tau are carried as double-doubles: p_i = z_i - tau cancels when p_i is
    small, and plain sums would leave errors of many ULP there.
    """
    m = np.max(x, axis=1, keepdims=True)
    zh, zl = two_sum(x, -np.where(np.isfinite(m), m, 0.0))
    zl = np.where(np.isfinite(zl), zl, 0.0)
    order = np.argsort(-zh, axis=1, kind="stable")
    zs = np.take_along_axis(zh, order, axis=1)
    cums = np.cumsum(zs, axis=1)
    k = np.arange(1, x.shape[1] + 1)
    kmax = np.maximum(np.sum(1.0 + k * zs > cums, axis=1, keepdims=True), 1)
    kf = kmax.astype(np.float64)
    largest = int(kmax.max()) if kmax.size else 0
    if largest <= _EXACT_SUPPORT:
        zls = np.take_along_axis(zl, order, axis=1)
        sh = np.full(kf.shape, -1.0)
        sl = np.zeros(kf.shape)
        for j in range(largest):
            inside = j < kmax
            sh, err = two_sum(sh, np.where(inside, zs[:, j : j + 1], 0.0))
            sl = sl + err + np.where(inside, zls[:, j : j + 1], 0.0)
        th = sh / kf
        prod, perr = two_prod(th, kf)
        tl = (((sh - prod) - perr) + sl) / kf
    else:
        th = (np.take_along_axis(cums, kmax - 1, axis=1) - 1.0) / kf
        tl = 0.0
    ph, pl = two_sum(zh, -th)
    p = np.maximum(ph + (pl + (zl - tl)), 0.0)
    special = ~np.isfinite(m[:, 0])
    if np.any(special):
        p[special] = _special_softmax(x[special])
    support = p > 0
    return p, support


def sparsemax_kernel(x):
    return _sparsemax_support(x)[0]


def sparsemax_prime_kernel(x):
    p, support = _sparsemax_support(x)
    size = np.sum(support, axis=1, keepdims=True)
    out = np.where(support, 1.0 - 1.0 / np.maximum(size, 1), 0.0)
    return np.where(np.isnan(p), np.nan, out)


def sparsemax_jacobian_kernel(x):
    _, support = _sparsemax_support(x)
    s = support.astype(np.float64)
    size = np.maximum(np.sum(s, axis=1), 1)[:, None, None]
    return s[:, :, None] * np.eye(x.shape[1]) - s[:, :, None] * s[:, None, :] / size


def sparsemax_jvp_kernel(x, v):
    _, support = _sparsemax_support(x)
    s = support.astype(np.float64)
    size = np.maximum(np.sum(s, axis=1, keepdims=True), 1)
    return s * (v - np.sum(s * v, axis=1, keepdims=True) / size)


def _axis_spec(name, kernels, outputs="same", narrow=None, **facts):
    fn, prime, jac, jvp = kernels
    half = "half" if outputs == "half" else ""
    return Spec(
        name=name,
        fn=rowwise(fn, outputs=outputs, narrow=narrow),
        prime=rowwise(prime, outputs=outputs),
        jacobian=rowwise(jac, outputs=f"{half}_matrix" if half else "matrix"),
        jvp=rowwise(jvp, outputs=outputs),
        params=(_AXIS,),
        axiswise=True,
        **facts,
    )


_SOFTMAX_KERNELS = (
    softmax_kernel,
    softmax_prime_kernel,
    softmax_jacobian_kernel,
    softmax_jvp_kernel,
)

SPECS = (
    _axis_spec(
        "softmax",
        _SOFTMAX_KERNELS,
        narrow=softmax_narrow,
        formula="exp(x_i) / sum_j exp(x_j)",
        prime_formula="diagonal of the Jacobian: s_i * (1 - s_i); J = diag(s) - s s^T",
        description=(
            "Turns a vector into probabilities. Computed from x - max(x), so rows like "
            "[1000, 0, -1000] are fine; entries equal to +inf share the mass equally (frameworks "
            "return NaN)."
        ),
        bounds=(0.0, 1.0),
    ),
    _axis_spec(
        "log_softmax",
        (
            _log_softmax,
            log_softmax_prime_kernel,
            log_softmax_jacobian_kernel,
            log_softmax_jvp_kernel,
        ),
        narrow=log_softmax_narrow,
        formula="x_i - log(sum_j exp(x_j))",
        prime_formula="diagonal of the Jacobian: 1 - softmax_i; J = I - 1 softmax^T",
        description="The logarithm of softmax, computed without forming softmax (exact for tiny probabilities).",
        bounds=(-np.inf, 0.0),
    ),
    _axis_spec(
        "glu",
        (glu_kernel, glu_prime_kernel, glu_jacobian_kernel, glu_jvp_kernel),
        outputs="half",
        narrow=glu_narrow,
        formula="a * sigmoid(b), where x = [a, b] is split in halves along the axis",
        prime_formula="d y_i / d a_i = sigmoid(b_i) (the derivative along the first half)",
        description="Gated linear unit: the first half of the vector gated by the sigmoid of the second half.",
        reference="Dauphin et al., Language Modeling with Gated Convolutional Networks (ICML 2017)",
    ),
    _axis_spec(
        "sparsemax",
        (sparsemax_kernel, sparsemax_prime_kernel, sparsemax_jacobian_kernel, sparsemax_jvp_kernel),
        formula="argmin_{p in simplex} ||p - x||^2",
        prime_formula="diagonal of the Jacobian: 1 - 1/|S| on the support S, 0 off it",
        description=(
            "Euclidean projection onto the probability simplex: like softmax but with exact zeros. "
            "Keras 3's implementation is wrong when more than one entry survives ([0, 0.5, 1] gives "
            "[0, 0, 0.25] there); actcli computes the projection: [0, 0.25, 0.75]."
        ),
        reference="Martins & Astudillo, From Softmax to Sparsemax (ICML 2016), arXiv:1602.02068",
        bounds=(0.0, 1.0),
    ),
)
