"""Axis-wise activations: softmax, log_softmax, glu, sparsemax; value, Jacobian and JVP.

Kernels see a 2-D array whose rows are the vectors along ``axis`` (see _array.rowwise), in any
float dtype and layout, and write their result into ``out`` (a new float64 array when None).
A row is read in column slices of at most SLICE entries, each converted to C-ordered float64,
so one long vector (10^7 values) is walked in a few passes (its max, its sums, then the result
slice by slice) with cache-sized temporaries: it is held as the input and the result only
(issue 13). A row's bits depend on its length alone, never on the blocking or the threads.
"""

from __future__ import annotations

import functools

import numpy as np

from actcli.errors import UsageError
from actcli.spec_types import Param, Spec

from ._array import rowwise
from ._stable import mul_exp, sigmoid, two_prod, two_sum

_AXIS = Param("axis", -1, "int", help="the axis along which the vectors lie")
_AXES = Param(
    "axis", -1, "axes", help="the axis along which the vectors lie, or a tuple of axes (e.g. 1,2)"
)

# Entries per column slice: 512 KB per float64 temporary. Rows up to this long are one slice,
# computed exactly as a whole row; longer ones take a pass per reduction (a max, a sum).
SLICE = 1 << 16


def _tuple_axes(run, outputs):
    """run(x, axis=...) that also takes a tuple of axes, as Keras 3's softmax and log_softmax do:
    those axes are moved last and flattened into one, so each vector is every entry they span;
    a Jacobian is then (..., n, n) over the flattened entries (n their count, C order)."""

    def call(x, *args, axis=-1, **params):
        if not isinstance(axis, tuple):
            return run(x, *args, axis=axis, **params)
        arr = np.asarray(x)
        if not all(-arr.ndim <= a < arr.ndim for a in axis):
            raise UsageError(f"axis {axis} is out of range for input of shape {arr.shape}")
        axes = tuple(sorted({a % arr.ndim for a in axis}))
        if len(axes) != len(axis):
            raise UsageError(f"axis {axis} repeats an axis")
        last = tuple(range(arr.ndim - len(axes), arr.ndim))
        moved = np.moveaxis(arr, axes, last)
        keep = moved.shape[: arr.ndim - len(axes)]
        flat = moved.reshape(*keep, -1)
        extra = [
            np.moveaxis(np.broadcast_to(np.asarray(a), arr.shape), axes, last).reshape(*keep, -1)
            for a in args
        ]
        out = np.asarray(run(flat, *extra, axis=-1, **params))
        if outputs == "matrix":
            return out
        return np.moveaxis(out.reshape(moved.shape), last, axes)

    call.__name__ = getattr(run, "__name__", "axiswise")
    call.__doc__ = run.__doc__
    call.__dict__.update({k: v for k, v in run.__dict__.items() if k != "takes_out"})
    return call


# slices ---------------------------------------------------------------------------------------


def _f64(a):
    # C order whatever the layout: a reduction along rows of another layout may sum in another
    # order, so a row's bits would depend on its neighbours.
    return np.ascontiguousarray(a, dtype=np.float64)


class _Cols:
    """The rows of ``x`` in column slices: iterating gives (j, k, columns j:k in C-ordered
    float64). Rows of at most SLICE entries are one slice, converted once and kept (``whole``)."""

    def __init__(self, x):
        n = x.shape[1]
        self.x = x
        self.spans = [(j, min(j + SLICE, n)) for j in range(0, n, SLICE)] or [(0, 0)]
        self.whole = _f64(x) if len(self.spans) == 1 else None

    def __iter__(self):
        for j, k in self.spans:
            yield j, k, (self.whole if self.whole is not None else _f64(self.x[:, j:k]))


class _Sum:
    """Per-row sums of slice sums: with one slice that slice's np.sum itself; with more, a
    double-double running sum (a plain one would add a rounding per slice)."""

    def __init__(self):
        self.hi = self.lo = None

    def add(self, part):
        if self.hi is None:
            self.hi = part
            return
        self.hi, err = two_sum(self.hi, part)
        self.lo = err if self.lo is None else self.lo + err

    def value(self):
        if self.lo is None:
            return self.hi
        with np.errstate(invalid="ignore"):  # inf - inf in the error term: the sum is hi
            return np.where(np.isfinite(self.hi), self.hi + self.lo, self.hi)


def _sliced(half=False):
    """Marks a kernel ``kernel(x, *vectors, out)`` that reads rows of any float dtype and layout
    slice by slice and writes every column of ``out``: rowwise hands it the rows as they are and
    its block of the result. Called as ``kernel(x, *vectors)`` it returns a new float64 array."""

    def wrap(kernel):
        @functools.wraps(kernel)
        def run(x, *vectors, out=None):
            if out is None:
                out = np.empty((x.shape[0], x.shape[1] // 2 if half else x.shape[1]))
            if x.shape[0] and x.shape[1]:  # an empty axis: nothing to compute
                kernel(x, *vectors, out=out)
            return out

        run.sliced = True
        return run

    return wrap


def _row_max(cols, *, top=True):
    """(m, first): each row's max as a column (NaN if the row holds one) and the index of its
    first maximum (None unless ``top``)."""
    m = first = None
    for j, _, xs in cols:
        sm = np.max(xs, axis=1, keepdims=True)
        si = np.argmax(xs, axis=1) + j if top else None
        if m is None:
            m, first = sm, si
            continue
        if top:
            first = np.where(sm[:, 0] > m[:, 0], si, first)
        m = np.maximum(m, sm)
    return m, first


def _shift(xs, ms):
    """z = xs - ms as a double-double (zh, zl); zl = 0 where x is infinite."""
    zh, zl = two_sum(xs, -ms)
    bad = ~np.isfinite(zl)
    if bad.any():
        zl[bad] = 0.0
    return zh, zl


class _Rows:
    """A block of rows, its max and its special rows (+inf, NaN or only -inf), which get the
    limits: the +inf entries share the mass equally (the limit as they grow together); a row
    with NaN or only -inf is NaN."""

    def __init__(self, x, *, top=True):
        self.cols = _Cols(x)
        self.one = self.cols.whole is not None
        m, self.top = _row_max(self.cols, top=top)
        self.special = ~np.isfinite(m[:, 0])
        self.ms = np.where(self.special[:, None], 0.0, m)  # the shift, 0 in special rows
        self.bad = np.flatnonzero(self.special)
        if self.bad.size:
            self.infs = sum(
                np.sum(np.isposinf(xs[self.bad]), axis=1, keepdims=True) for _, _, xs in self.cols
            )
            self.nans = np.isnan(m[self.bad])

    def fix(self, y, xs, *, log=False):
        """y (a slice of results) with the special rows' limits, from their entries xs."""
        if self.bad.size:
            inf = np.isposinf(xs[self.bad])
            s = np.where(self.infs > 0, inf / np.maximum(self.infs, 1), np.nan)
            s = np.where(self.nans, np.nan, s)
            y[self.bad] = np.log(s) if log else s
        return y


# softmax, log_softmax ---------------------------------------------------------------------------


class _Shifted(_Rows):
    """Rows for softmax and log_softmax: z = x - max(x) as a double-double (zh, zl) (the rounding
    of x - max would be amplified by exp), and rest = the sum of exp(z) over every entry but one
    maximum, so 1 + rest = sum exp(z) with rest kept to full relative precision."""

    def __init__(self, x):
        super().__init__(x)
        rest = _Sum()
        self.kept = None
        for j, k, _, zh, zl, exp_zh, one_zl in self.slices():
            e = exp_zh * one_zl
            rows = np.flatnonzero((self.top >= j) & (self.top < k))
            e[rows, self.top[rows] - j] = 0.0
            rest.add(np.sum(e, axis=1, keepdims=True))
            if self.one:  # a second pass reuses exp(zh) and 1 + zl
                self.kept = (zh, zl, exp_zh, one_zl)
        self.rest = rest.value()
        self.a = 1.0 / (1.0 + self.rest)
        self.lse = np.log1p(self.rest)

    def slices(self, exps=True):
        """(j, k, xs, zh, zl, exp(zh), 1 + zl) per slice (the last two None unless ``exps``)."""
        for j, k, xs in self.cols:
            if self.kept is not None:
                yield (j, k, xs, *self.kept)
                continue
            zh, zl = _shift(xs, self.ms)
            yield j, k, xs, zh, zl, np.exp(zh) if exps else None, 1.0 + zl if exps else None

    def softmax(self, xs, zh, zl, exp_zh, one_zl):
        """mul_exp(a, zh, zl) with a = 1 / (1 + rest), written out to reuse exp(zh) and 1 + zl:
        the same products, and mul_exp itself where zh < -700 (its deep tail)."""
        s = one_zl * self.a
        s *= exp_zh
        deep = zh < -700.0
        if deep.any():
            s[deep] = mul_exp(np.broadcast_to(self.a, zh.shape)[deep], zh[deep], zl[deep])
        return self.fix(s, xs)

    def log_softmax(self, xs, zh, zl):
        """z - log(1 + rest): log1p keeps the top entry's tiny negative value exact."""
        return self.fix((zh - self.lse) + zl, xs, log=True)

    def dot(self, v):
        """(sum_j s_j v_j per row, the slices of s if there is one)."""
        total, kept = _Sum(), None
        for (_, _, xs, zh, zl, e, o), (_, _, vs) in zip(self.slices(), _Cols(v), strict=True):
            s = self.softmax(xs, zh, zl, e, o)
            total.add(np.sum(s * vs, axis=1, keepdims=True))
            kept = s
        return total.value(), (kept if self.one else None)


@_sliced()
def softmax_kernel(x, out):
    rows = _Shifted(x)
    for j, k, xs, zh, zl, exp_zh, one_zl in rows.slices():
        out[:, j:k] = rows.softmax(xs, zh, zl, exp_zh, one_zl)


@_sliced()
def _log_softmax(x, out):
    rows = _Shifted(x)
    for j, k, xs, zh, zl, _, _ in rows.slices(exps=False):
        out[:, j:k] = rows.log_softmax(xs, zh, zl)


class _Narrow(_Rows):
    """float32/float16 rows: z = x - max(x) in float64 (exact wherever exp(z) can reach a
    float32 result: |z| < 2^7 and both terms have 24-bit significands, or within 2^-47 of it),
    and the sum of exp(z); for ``log``, over every entry but one maximum (log of the whole sum
    would lose a tiny result near 0)."""

    def __init__(self, x, *, log):
        super().__init__(x, top=log)
        self.log = log
        total = _Sum()
        self.kept = None
        for j, k, _, y in self.slices():
            e = np.exp(y) if log else y
            if log:
                rows = np.flatnonzero((self.top >= j) & (self.top < k))
                e[rows, self.top[rows] - j] = 0.0
            total.add(np.sum(e, axis=1, keepdims=True))
            if self.one:
                self.kept = y
        self.total = total.value()

    def slices(self):
        """(j, k, xs, z for ``log``, else exp(z)) per slice."""
        for j, k, xs in self.cols:
            if self.kept is not None:
                yield j, k, xs, self.kept
                continue
            y = xs - self.ms
            yield j, k, xs, (y if self.log else np.exp(y, out=y))


@_sliced()
def softmax_narrow(x, out):
    """softmax for float32/float16 input: exp(z) / sum exp(z) in float64, rounded once; the
    double-double shift and the deep tail of the float64 kernel are below float32's reach."""
    rows = _Narrow(x, log=False)
    for j, k, xs, e in rows.slices():
        e /= rows.total
        out[:, j:k] = rows.fix(e, xs)


@_sliced()
def log_softmax_narrow(x, out):
    """log_softmax for float32/float16 input: z - log1p(rest), rest = the sum of exp(z) over
    every entry but one maximum."""
    rows = _Narrow(x, log=True)
    lse = np.log1p(rows.total)
    for j, k, xs, z in rows.slices():
        z -= lse
        out[:, j:k] = rows.fix(z, xs, log=True)


@_sliced()
def softmax_prime_kernel(x, out):
    """s (1 - s) with 1 - s = -expm1(log_softmax) (no cancellation when s is near 1)."""
    rows = _Shifted(x)
    for j, k, xs, zh, zl, exp_zh, one_zl in rows.slices():
        s = rows.softmax(xs, zh, zl, exp_zh, one_zl)
        out[:, j:k] = s * -np.expm1(rows.log_softmax(xs, zh, zl))


def _with_diagonal(off, diag):
    n = diag.shape[1]
    off[:, np.arange(n), np.arange(n)] = diag
    return off


def softmax_jacobian_kernel(x):
    """-s_i s_j off the diagonal; the diagonal s_i (1 - s_i) from softmax_prime (no cancellation)."""
    s = softmax_kernel(x)
    return _with_diagonal(-s[:, :, None] * s[:, None, :], softmax_prime_kernel(x))


@_sliced()
def softmax_jvp_kernel(x, v, out):
    rows = _Shifted(x)
    dot, kept = rows.dot(v)
    for (j, k, xs, zh, zl, e, o), (_, _, vs) in zip(rows.slices(), _Cols(v), strict=True):
        s = kept if kept is not None else rows.softmax(xs, zh, zl, e, o)
        out[:, j:k] = s * (vs - dot)


@_sliced()
def log_softmax_prime_kernel(x, out):
    rows = _Shifted(x)
    for j, k, xs, zh, zl, _, _ in rows.slices(exps=False):
        out[:, j:k] = -np.expm1(rows.log_softmax(xs, zh, zl))


def log_softmax_jacobian_kernel(x):
    """delta_ij - s_j; the diagonal 1 - s_i as -expm1(log_softmax_i)."""
    s = softmax_kernel(x)
    off = np.broadcast_to(-s[:, None, :], (*s.shape, s.shape[1])).copy()
    return _with_diagonal(off, log_softmax_prime_kernel(x))


@_sliced()
def log_softmax_jvp_kernel(x, v, out):
    dot, _ = _Shifted(x).dot(v)
    for j, k, vs in _Cols(v):
        out[:, j:k] = vs - dot


# glu -------------------------------------------------------------------------------------------


def _half(x):
    n = x.shape[1]
    if n % 2:
        raise UsageError(f"glu splits its axis in two halves, so its length must be even, got {n}")
    return n // 2


def _halves(x, *vectors):
    """(j, k, a, b, *(va, vb) per vector) for slices j:k of the halves, in float64: glu is
    elementwise in the pairs (a_i, b_i), so any slicing gives the same bits."""
    h = _half(x)
    arrays = (x, *vectors)
    if h <= SLICE:
        whole = [_f64(a) for a in arrays]
        yield (0, h, *(p for w in whole for p in (w[:, :h], w[:, h:])))
        return
    for j in range(0, h, SLICE):
        k = min(j + SLICE, h)
        yield (j, k, *(_f64(p) for a in arrays for p in (a[:, j:k], a[:, h + j : h + k])))


def _glu(a, b):
    """a * sigmoid(b); for b < 0 as a * exp(b) / (1 + exp(b)) without a subnormal product."""
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


@_sliced(half=True)
def glu_kernel(x, out):
    for j, k, a, b in _halves(x):
        out[:, j:k] = _glu(a, b)


@_sliced(half=True)
def glu_narrow(x, out):
    """glu for float32/float16 input: a / (1 + exp(-b)) in float64 with b >= -700 (exp(700)
    does not overflow; a * sigmoid(-700) is 0 in float32 whatever a is, with a's sign)."""
    for j, k, a, b in _halves(x):
        e = np.maximum(b, -700.0)
        np.negative(e, out=e)
        np.exp(e, out=e)
        e += 1.0
        out[:, j:k] = np.divide(a, e, out=e)


@_sliced(half=True)
def glu_prime_kernel(x, out):
    """dy_i / da_i = sigmoid(b_i): the derivative along the first half."""
    for j, k, _, b in _halves(x):
        out[:, j:k] = sigmoid(b)


def _a_sigmoid_prime(a, b):
    """a * sigmoid'(b) = a * e / (1 + e)^2, e = exp(-|b|), without a subnormal intermediate
    (sigmoid'(-745) alone is subnormal and has lost bits before the product with a)."""
    bc = np.minimum(np.abs(b), 800.0)  # beyond, the product is 0 (and inf * 0 stays out)
    e = np.exp(-bc)
    out = mul_exp(a / ((1.0 + e) * (1.0 + e)), -bc)
    return np.where(np.isinf(b) & np.isfinite(a), 0.0 * a, out)


def glu_jacobian_kernel(x):
    m = _half(x)  # a Jacobian holds n^2 / 2 values: the halves are taken whole
    a, b = x[:, :m], x[:, m:]
    eye = np.eye(m)
    left = sigmoid(b)[:, :, None] * eye
    right = _a_sigmoid_prime(a, b)[:, :, None] * eye
    return np.concatenate([left, right], axis=2)


@_sliced(half=True)
def glu_jvp_kernel(x, v, out):
    for j, k, a, b, va, vb in _halves(x, v):
        out[:, j:k] = sigmoid(b) * va + _a_sigmoid_prime(a, b) * vb


# sparsemax -------------------------------------------------------------------------------------


# Supports up to this size get their threshold sum by a loop over the support; larger ones by
# _dd_sum. Both are double-doubles.
_EXACT_SUPPORT = 256


def _dd_sum(v):
    """(hi, lo) with hi + lo = the sum of v along its last axis to about twice float64's
    precision: pairwise two_sum, whose rounding errors (exact) are summed apart."""
    lo = np.zeros(v.shape[:-1])
    while v.shape[-1] > 1:
        if v.shape[-1] % 2:
            v = np.concatenate([v, np.zeros((*v.shape[:-1], 1))], axis=-1)
        v, err = two_sum(v[..., 0::2], v[..., 1::2])
        lo += np.sum(err, axis=-1)
    return (v[..., 0] if v.shape[-1] else np.zeros(v.shape[:-1])), lo


def _over(sh, sl, kf):
    """(th, tl) = (sh + sl) / kf as a double-double."""
    th = sh / kf
    prod, perr = two_prod(th, kf)
    return th, (((sh - prod) - perr) + sl) / kf


def _threshold(zh, zl):
    """(th, tl) per row (columns): the simplex projection's threshold tau = (sum of the k largest
    z - 1) / k as a double-double, for rows z = zh + zl whose largest zh is 0 (Martins &
    Astudillo 2016, Algorithm 1: sort, and k is the largest with 1 + k z_(k) > sum_{j<=k} z_(j)).
    p_i = z_i - tau cancels when p_i is small: a plain sum would leave errors of many ULP there."""
    order = np.argsort(-zh, axis=1, kind="stable")
    zs = np.take_along_axis(zh, order, axis=1)
    cums = np.cumsum(zs, axis=1)
    k = np.arange(1, zh.shape[1] + 1)
    kmax = np.maximum(np.sum(1.0 + k * zs > cums, axis=1, keepdims=True), 1)
    kf = kmax.astype(np.float64)
    largest = int(kmax.max()) if kmax.size else 0
    zls = np.take_along_axis(zl, order, axis=1)
    if largest <= _EXACT_SUPPORT:
        sh = np.full(kf.shape, -1.0)
        sl = np.zeros(kf.shape)
        for j in range(largest):
            inside = j < kmax
            sh, err = two_sum(sh, np.where(inside, zs[:, j : j + 1], 0.0))
            sl = sl + err + np.where(inside, zls[:, j : j + 1], 0.0)
    else:
        inside = k <= kmax
        hi, lo = _dd_sum(np.where(inside, zs, 0.0))
        sh, err = two_sum(hi[:, None], -1.0)
        sl = lo[:, None] + err + np.sum(np.where(inside, zls, 0.0), axis=1, keepdims=True)
    return _over(sh, sl, kf)


def _probe(cols, m, t):
    """Over z = x - m (rounded) of one row: (count and sum of the entries above t, the smallest
    of them, the largest entry at or below t)."""
    count, total, smallest, below = 0, _Sum(), np.inf, -np.inf
    for _, _, xs in cols:
        z = xs[0] - m
        chosen = z > t
        above, rest = z[chosen], z[~chosen]
        count += above.size
        if above.size:
            total.add(np.sum(above))
            smallest = min(smallest, float(above.min()))
        if rest.size:
            below = max(below, float(rest.max()))
    return count, float(total.value()) if count else 0.0, smallest, below


def _above(cols, m, t):
    """(zh, zl) of one row's entries with z = x - m above t, in index order."""
    parts = [_shift(xs[0][xs[0] - m > t], m) for _, _, xs in cols]
    return tuple(np.concatenate([p[i] for p in parts]) for i in (0, 1))


def _long_threshold(x, m):
    """(th, tl) for one row (1 x n) of many slices, with its finite max m, without sorting it.

    C(t) = {z > t} is the support exactly when the sorted rule holds at C's smallest entry and
    fails at the largest entry below t (a group of ties is wholly in or out). tau >= -1, so
    C(-1) holds the support: when it (or any C(t) known to hold it) has at most ``limit``
    entries, they are gathered and _threshold decides (the bits of sorting the whole row).
    Else C(t) shrinks: by Michelot's step t = (sum C - 1) / |C| (below tau), and when a step
    leaves more than 3/4 of C, by halving the interval between the t known to lie below and
    above. Each try is one pass over the row.
    """
    cols = _Cols(x)
    limit = max(SLICE, x.shape[1] // 16)
    low = None  # (t, count, sum of C(t)): C(t) holds the support
    high = (0.0, 0)  # (t, count): C(t) lies inside the support
    t, michelot = -1.0, False
    while True:
        count, total, smallest, below = _probe(cols, m, t)
        holds = count == 0 or 1.0 + count * smallest > total
        grows = 1.0 + count * below > total
        if low is None or not holds:  # t lies below tau
            if count <= limit or holds:
                return _finish(cols, m, t, count, limit)
        elif not grows:
            return _finish(cols, m, t, count, limit)
        if holds:
            high, step_next = (t, count), False
        else:
            step_next = not michelot or low is None or count <= low[1] * 3 // 4
            low = (t, count, total)
        step = (low[2] - 1.0) / low[1]
        if step_next and low[0] < step < high[0]:
            t, michelot = step, True
            continue
        # tau <= -1/n (the sum of C is <= 0), so halving [-1, 0] finds adjacent floats near
        # it in 53 + log2(n) steps.
        middle = low[0] + (high[0] - low[0]) / 2
        if not low[0] < middle < high[0]:  # no float between: C(high) is the support
            t, count = high if high[1] else low[:2]
            return _finish(cols, m, t, count, limit)
        t, michelot = middle, False


def _finish(cols, m, t, count, limit):
    """(th, tl) from C(t) = {z > t}, which holds the support: gathered and sorted if it has at
    most ``limit`` entries, else (it is the support) summed in slices."""
    if count <= limit:
        zh, zl = _above(cols, m, t)
        return tuple(float(v[0, 0]) for v in _threshold(zh[None], zl[None]))
    return _support_threshold(cols, m, t)


def _support_threshold(cols, m, t):
    """(th, tl) from the support {z > t} of one long row: (sum z - 1) / k in double-double."""
    sh, sl, k = np.array([-1.0]), np.zeros(1), 0
    for _, _, xs in cols:
        zh, zl = _shift(xs[0][xs[0] - m > t], m)
        hi, lo = _dd_sum(zh)
        sh, err = two_sum(sh, hi)
        sl = sl + err + lo + np.sum(zl)
        k += zh.size
    return tuple(float(v[0]) for v in _over(sh, sl, np.array([float(k)])))


class _Simplex(_Rows):
    """Rows for sparsemax: z = x - max(x) and the threshold tau, both as double-doubles
    (p_i = z_i - tau cancels when p_i is small, and plain sums would leave errors of many ULP
    there); p = max(z - tau, 0), the Euclidean projection onto the simplex."""

    def __init__(self, x):
        super().__init__(x, top=False)
        if self.one:
            self.kept = _shift(self.cols.whole, self.ms)
            self.th, self.tl = _threshold(*self.kept)
            return
        self.kept = None
        self.th, self.tl = np.zeros((2, x.shape[0], 1))
        for r in np.flatnonzero(~self.special):
            self.th[r], self.tl[r] = _long_threshold(x[r : r + 1], self.ms[r, 0])

    def slices(self):
        """(j, k, p) per slice."""
        for j, k, xs in self.cols:
            zh, zl = self.kept if self.kept is not None else _shift(xs, self.ms)
            # tau >= -1, so z < -1 gives 0: clamped there, z = -inf (x = -inf, or x - max
            # overflowing) gives 0 too, not the NaN of -inf - tau's rounding error. zl is at
            # most 2^-52 where zh > -2, so its clamp changes only the clamped lanes.
            ph, pl = two_sum(np.maximum(zh, -2.0), -self.th)
            p = ph + (pl + (np.clip(zl, -0.5, 0.5) - self.tl))
            yield j, k, self.fix(np.maximum(p, 0.0), xs)

    def support(self, v=None):
        """(the support's size per row, sum_j v_j over it if v is given, the slices of p if there
        is one)."""
        size, dot, first = 0, _Sum(), []  # first: kept for a second pass if one slice
        pairs = zip(self.slices(), _Cols(v) if v is not None else self.cols, strict=True)
        for (j, k, p), (_, _, vs) in pairs:
            inside = p > 0
            size = size + np.sum(inside, axis=1, keepdims=True)
            if v is not None:
                dot.add(np.sum(np.where(inside, vs, 0.0), axis=1, keepdims=True))
            if self.one:
                first.append((j, k, p))
        return size, dot.value() if v is not None else None, (first if self.one else None)


@_sliced()
def sparsemax_kernel(x, out):
    for j, k, p in _Simplex(x).slices():
        out[:, j:k] = p


@_sliced()
def sparsemax_prime_kernel(x, out):
    rows = _Simplex(x)
    size, _, kept = rows.support()
    for j, k, p in kept or rows.slices():
        d = np.where(p > 0, 1.0 - 1.0 / np.maximum(size, 1), 0.0)
        out[:, j:k] = np.where(np.isnan(p), np.nan, d)


def sparsemax_jacobian_kernel(x):
    s = (sparsemax_kernel(x) > 0).astype(np.float64)
    size = np.maximum(np.sum(s, axis=1), 1)[:, None, None]
    return s[:, :, None] * np.eye(x.shape[1]) - s[:, :, None] * s[:, None, :] / size


@_sliced()
def sparsemax_jvp_kernel(x, v, out):
    rows = _Simplex(x)
    size, dot, kept = rows.support(v)
    size = np.maximum(size, 1)
    for (j, k, p), (_, _, vs) in zip(kept or rows.slices(), _Cols(v), strict=True):
        s = (p > 0).astype(np.float64)
        out[:, j:k] = s * (vs - dot / size)


def _axis_spec(name, kernels, outputs="same", narrow=None, axes=False, **facts):
    """``axes``: the axis may be a tuple (Keras 3 takes one for softmax and log_softmax)."""
    fn, prime, jac, jvp = kernels
    half = "half" if outputs == "half" else ""
    made = (
        rowwise(fn, outputs=outputs, narrow=narrow),
        rowwise(prime, outputs=outputs),
        rowwise(jac, outputs=f"{half}_matrix" if half else "matrix"),
        rowwise(jvp, outputs=outputs),
    )
    if axes:
        made = tuple(
            _tuple_axes(f, kind)
            for f, kind in zip(made, ("same", "same", "matrix", "same"), strict=True)
        )
    return Spec(
        name=name,
        fn=made[0],
        prime=made[1],
        jacobian=made[2],
        jvp=made[3],
        params=(_AXES if axes else _AXIS,),
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
        axes=True,
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
        axes=True,
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
