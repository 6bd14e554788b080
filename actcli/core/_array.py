"""Array plumbing shared by every kernel: dtype in is dtype out, chunked float64 evaluation.

A kernel is written once, for a 1-D float64 array and scalar (or broadcast) parameters.
``elementwise`` turns it into the public function: the input's float dtype is kept (float16 and
float32 are computed in float64 and rounded once), ints and lists become float64, and the array
is walked in cache-sized chunks so temporaries stay small whatever the input size. Large arrays
are shared out among threads (``threads``, ``set_threads``); a chunk's bits never depend on the
chunking, the blocking or the thread count (tests/test_chunks.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actcli.errors import UsageError

from . import _compiled

FloatArray = NDArray[np.floating]

# 128K elements (1 MB of float64): a kernel's temporaries stay in L2/L3 cache and are recycled by
# malloc (see _tune_malloc). Smaller chunks spend more time in Python between ufunc calls, and
# with threads that time is serialised by the GIL: on 2 cores, 2 threads ran sigmoid 0.7x as
# fast as 1 with 8K chunks, 1.3x with 32K, 1.8x with 128K.
CHUNK = 1 << 17

_KEPT = (np.float16, np.float32, np.float64)

# threads --------------------------------------------------------------------------------------
# Chunks are independent, so an array of at least PARALLEL_MIN elements is shared out among
# threads (NumPy releases the GIL inside each ufunc); every chunk is computed exactly as on one
# thread, so the bits do not depend on the thread count.

# Threads take BLOCK elements at a time; a native fast path sees a whole block, a kernel CHUNK
# elements at a time (the same, unless tests shrink them).
BLOCK = CHUNK
PARALLEL_MIN = 2 * BLOCK  # below, starting threads costs more than it saves

_default_threads: int | None = None  # None: every core this process may use
_override: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "actcli_threads", default=None
)
_local = threading.local()  # .in_worker: a call made inside a worker runs inline (no deadlock)
_pool: Any = None
_pool_size = 0
_pool_pid = 0
_pool_lock = threading.Lock()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _check_threads(n: Any) -> int | None:
    if n is None:
        return None
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise UsageError(f"threads must be a whole number >= 1 (or None: every core), got {n!r}")
    return int(n)


def set_threads(n: int | None) -> None:
    """Sets how many threads large arrays use from now on (None: every core, the default)."""
    global _default_threads
    _default_threads = _check_threads(n)


def get_threads() -> int:
    """The number of threads the next call on a large array will use."""
    n = _override.get()
    if n is None:
        n = _default_threads
    return n if n is not None else _cores()


@contextlib.contextmanager
def threads(n: int | None) -> Iterator[None]:
    """Uses ``n`` threads inside the ``with`` block, in this thread (or task) only:
    ``with threads(1): y = f(x)``. None: the default set by ``set_threads``."""
    token = _override.set(_check_threads(n))
    try:
        yield
    finally:
        _override.reset(token)


def _executor(workers: int) -> Any:
    global _pool, _pool_size, _pool_pid
    with _pool_lock:
        if _pool_pid != os.getpid():  # a forked child has the pool but not its threads
            _pool, _pool_size, _pool_pid = None, 0, os.getpid()
        if _pool is None or _pool_size < workers:
            from concurrent.futures import ThreadPoolExecutor  # lazy: start-up time

            old, _pool, _pool_size = _pool, ThreadPoolExecutor(workers, "actcli"), workers
            if old is not None:
                old.shutdown(wait=False)
        return _pool


_malloc_tuned = False


def _tune_malloc() -> None:
    """Frees one 16 MB mapped block, once. glibc returns heap memory to the system as soon as
    128 KB are free at its top, so every chunk's temporaries were mapped and page-faulted
    afresh (150,000 page faults for mish on 10M float32, four times the compute); freeing a
    mapped block raises both thresholds to its size (glibc's dynamic mmap threshold, see
    mallopt(3)), as any NumPy program that frees a large array does. Elsewhere: no effect."""
    global _malloc_tuned
    if not _malloc_tuned:
        _malloc_tuned = True
        np.empty(1 << 24, np.uint8)  # allocated (mapped, never touched) and freed at once


def run_chunks(count: int, size: int, work: Callable[[Iterator[int]], None]) -> None:
    """Calls ``work(indices)`` on one or more threads that share one iterator over
    ``range(count)``, so each chunk index is taken exactly once; ``size`` (elements) decides
    whether threads are worth starting. The first error is raised after every thread stops."""
    if size >= 1 << 14:  # temporaries of 128 KB and more: what glibc would map
        _tune_malloc()
    n = 1 if size < PARALLEL_MIN or getattr(_local, "in_worker", False) else get_threads()
    n = min(n, count)
    indices = iter(range(count))  # next() on a range iterator is atomic under the GIL
    if n <= 1:
        work(indices)
        return
    errors: list[BaseException] = []

    def guarded() -> None:
        def live() -> Iterator[int]:
            for i in indices:
                if errors:
                    return
                yield i

        try:
            work(live())
        except BaseException as exc:  # re-raised below, in the calling thread
            errors.append(exc)

    def worker() -> None:
        _local.in_worker = True
        try:
            guarded()
        finally:
            _local.in_worker = False

    futures = [_executor(n - 1).submit(worker) for _ in range(n - 1)]
    guarded()
    for future in futures:
        future.result()
    if errors:
        raise errors[0]


def as_float(x: ArrayLike) -> tuple[np.ndarray, np.dtype]:
    """Returns (array, output dtype): float16/32/64 kept, everything else real becomes float64."""
    arr = np.asarray(x)
    if arr.dtype.type in _KEPT:
        return arr, arr.dtype
    if arr.dtype.kind == "c":
        raise UsageError(f"complex input is not supported (dtype {arr.dtype})")
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"input must be numbers, got dtype {arr.dtype}") from exc
    return arr, np.dtype(np.float64)


def _result(out: np.ndarray) -> Any:
    # 0-d in, NumPy scalar out (as NumPy ufuncs do).
    return out[()] if out.ndim == 0 else out


# dtypes a native fast path may work in directly (NumPy's float16 max/min differ on signed zeros).
NATIVE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def exact_in(dtype: np.dtype, value: Any) -> np.ndarray | None:
    """``value`` (a number or an array) in ``dtype`` when every element is exactly
    representable there, else None. Compared in float64: NumPy 2 would round a Python float
    to float32 before comparing it with a float32 (NEP 50), so 0.1 would pass."""
    f = np.asarray(value, dtype=np.float64)
    native = f.astype(dtype)
    return native if np.array_equal(native, f) else None


def above(x: np.ndarray, threshold: float) -> np.ndarray:
    """x > threshold with the answer float64 would give: in x's dtype when the threshold is
    exactly representable there, else in float64."""
    native = exact_in(x.dtype, threshold)
    return np.greater(x, native if native is not None else np.float64(threshold))


def times(x: np.ndarray, factor: Any, out: np.ndarray) -> None:
    """out = x * factor rounded once to out's dtype, as the float64 product would be. In x's own
    dtype when every factor is exact there (two float32 factors have an exact float64 product,
    so the float32 product is that product rounded once); else through float64 with plain
    conversions (a mixed float32 x float64 multiply converts lane by lane, twice as slow)."""
    native = exact_in(x.dtype, factor)
    if native is not None:  # also every float64 x
        np.multiply(x, native, out=out)
    else:
        product = x.astype(np.float64)
        product *= factor
        np.copyto(out, product)


def fix_nan(x: np.ndarray, out: np.ndarray) -> None:
    """NaN in, NaN out, with its payload: out[i] = x[i] wherever x[i] is NaN, through float64
    (so a float32 signalling NaN comes back quiet, exactly as from the float64 kernels)."""
    if x.size and np.isnan(x.max()):  # max propagates NaN: one quick pass finds none
        nan = np.isnan(x)
        out[nan] = x[nan].astype(np.float64)


# Below this |x|, x^2 is under half an ULP of x / 2 in float64 (with room to spare).
_TINY_HALF = 2.0**-60


def above_half(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """For f(x) = x / 2 + c x^2 + ... with c > 0 (silu, gelu, hard_silu), computed in float64
    for float32 output: y (= x / 2 exactly) moved one float64 ULP up where 0 < |x| < 2^-60.
    There the truth is a hair above x / 2, which float64 cannot hold, and for a subnormal
    float32 x with an odd last bit x / 2 is a float32 midpoint: rounding y itself (ties to
    even) went down on 2^23 inputs of each sign (scripts/exhaustive_f32.py). One float64 ULP
    never moves y across a float32 rounding boundary, it only breaks that tie the right way."""
    tiny = np.flatnonzero((np.abs(x) < _TINY_HALF) & (x != 0.0))
    if tiny.size:
        y[tiny] = np.nextafter(y[tiny], np.inf)
    return y


# The float64 bits below a float32 (float16) result's last bit, and the pattern of a midpoint.
_F32_LOW, _F32_MID = np.int64((1 << 29) - 1), np.int64(1 << 28)
_F16_LOW, _F16_MID = np.int64((1 << 42) - 1), np.int64(1 << 41)


def break_ties(y: np.ndarray, lanes: np.ndarray, direction: np.ndarray) -> None:
    """For float64 results y bound for float32/float16: y[lanes] moved one float64 ULP
    toward the sign of direction (the truth minus y) where it is exactly a float32 or float16
    midpoint, so that the rounding to the narrow dtype goes the way the truth does (ties to
    even would pick a side blindly). Elsewhere one float64 ULP cannot change that rounding."""
    yl = y[lanes]
    bits = yl.view(np.int64)
    tie = ((bits & _F32_LOW) == _F32_MID) | ((bits & _F16_LOW) == _F16_MID)
    tie &= direction != 0.0
    if tie.any():
        yl[tie] = np.nextafter(yl[tie], np.where(direction[tie] > 0, np.inf, -np.inf))
        y[lanes] = yl


def sigmoid_narrow(x: np.ndarray, sigmoid64: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """sigmoid(x) for float32/float16 output: sigmoid64(x), and below |x| = 2^-10 the series
    0.5 + x / 4 - x^3 / 48 (error below 2^-62 relative), whose first two terms are exact for
    such x in float64: there 0.5 + x / 4 is often exactly a float32 midpoint with the truth a
    hair to one side (the x^3 term), which rounding the float64 value got wrong on 20 inputs
    (scripts/exhaustive_f32.py); the exact remainder breaks the tie."""
    y = sigmoid64(x)
    small = np.flatnonzero((np.abs(x) < 2.0**-10) & (x != 0.0))
    if small.size:
        xs = x[small]
        hi = 0.5 + 0.25 * xs
        lo = xs * xs * xs * (-1.0 / 48.0)
        ys = hi + lo
        bb = ys - hi
        err = (hi - (ys - bb)) + (lo - bb)  # hi + lo - ys, exactly
        y[small] = ys
        # truth - ys = err + x^5 / 480 - ... (lo's own rounding is 2^-30 below the x^5 term)
        break_ties(y, small, err + xs**5 / 480.0)
    return y


_LN2_HI = 0.69314718055994528623  # ln 2 to the nearest double, and the rest
_LN2_LO = 2.3190468138462996154e-17


def softplus_narrow(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """softplus(x) = y for float32/float16 output, and below |x| = 2^-5 the series
    ln 2 + x / 2 + x^2 / 8 - x^4 / 192 + x^6 / 2880 - 17 x^8 / 645120 (the next term is below
    2^-70) with its two-sum remainder, which breaks a tie at a float32 midpoint: at
    x = 4.468e-4 the truth is 0.04 float64 ULP above one, so even the correctly rounded float64
    value rounded the wrong way (scripts/exhaustive_f32.py)."""
    small = np.flatnonzero(np.abs(x) < 2.0**-5)
    if small.size:
        xs = x[small]
        t = xs * xs
        p = t * (-17.0 / 645120.0) + 1.0 / 2880.0
        p = p * t - 1.0 / 192.0
        p = p * t + 0.125
        w = t * p + _LN2_LO
        h = 0.5 * xs
        v = h + w
        ys = _LN2_HI + v
        b1 = ys - _LN2_HI
        b2 = v - h
        rem = ((_LN2_HI - (ys - b1)) + (v - b1)) + ((h - (v - b2)) + (w - b2))
        y[small] = ys
        break_ties(y, small, rem)
    return y


_INV_SQRT_2PI_HI, _INV_SQRT_2PI_LO = 0.3989422804014327, -2.49232720227773e-17


# x^4 ... x^10 coefficients of gelu(x) (and of the tanh form) over 1 / sqrt(2 pi), highest
# first: gelu's are -1/6, 1/40, -1/336, 1/3456; the tanh form's from mpmath.taylor of
# x / (1 + exp(-2 sqrt(2/pi) (x + 0.044715 x^3))).
GELU_SERIES = (1.0 / 3456.0, -1.0 / 336.0, 1.0 / 40.0, -1.0 / 6.0)
GELU_TANH_SERIES = (
    0.00029523883778214468962,
    -0.0031158115230661610801,
    0.025571511487830411681,
    -0.16749159078919378103,
)


def gelu_near_0(
    x: np.ndarray, y: np.ndarray, series: tuple[float, ...] = GELU_SERIES
) -> np.ndarray:
    """gelu(x) = y for float32/float16 output, and below |x| = 2^-5 the series
    x / 2 + (x^2 / sqrt(2 pi)) (1 - x^2 / 6 + x^4 / 40 - x^6 / 336 + x^8 / 3456) with its
    remainder carried (1 / sqrt(2 pi) as a double-double, x^2 exact for float32 x), which breaks
    a tie at a float32 midpoint: at x = 2.1057405e-05 the truth is so close to one that both
    kernels' float64 values rounded the wrong way (scripts/exhaustive_f32.py), for gelu and
    for its tanh form (``series=GELU_TANH_SERIES``: the same x^2 term, other terms after)."""
    small = np.flatnonzero((np.abs(x) < 2.0**-5) & (x != 0.0))  # +-0 keep their sign
    if small.size:
        xs = x[small]
        t = xs * xs
        p = t * series[0] + series[1]
        p = p * t + series[2]
        p = p * t + series[3]
        p *= t  # the series minus its leading 1
        qc = t * _INV_SQRT_2PI_HI
        qc_lo = _fma_lo(t, _INV_SQRT_2PI_HI, qc) + t * _INV_SQRT_2PI_LO
        h = 0.5 * xs
        s1 = h + qc
        tail = (qc_lo + qc * p) + _two_sum_lo(h, qc, s1)
        ys = s1 + tail
        y[small] = ys
        break_ties(y, small, _two_sum_lo(s1, tail, ys))
    return y


def _two_sum_lo(a: np.ndarray, b: np.ndarray, s: np.ndarray) -> np.ndarray:
    bb = s - a
    return (a - (s - bb)) + (b - bb)


def _fma_lo(a: np.ndarray, c: float, p: np.ndarray) -> np.ndarray:
    """a * c - p exactly for p = fl(a * c) (Dekker's product, c split once)."""
    split = 134217729.0
    tc = split * c
    ch = tc - (tc - c)
    cl = c - ch
    ta = split * a
    ah = ta - (ta - a)
    al = a - ah
    return ((ah * ch - p) + ah * cl + al * ch) + al * cl


def check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Checks a caller's ``out=`` array against the result it is to hold (as a ufunc would:
    the same shape, and here the same dtype too, since dtype in is dtype out)."""
    if not isinstance(out, np.ndarray):
        raise UsageError(f"out must be a NumPy array, got {type(out).__name__}")
    if out.shape != tuple(shape):
        raise UsageError(f"out has shape {out.shape}, the result has shape {tuple(shape)}")
    if out.dtype != dtype:
        raise UsageError(f"out has dtype {out.dtype}, the result has dtype {dtype}")
    if not out.flags.writeable:
        raise UsageError("out is read-only")
    return out


def store(out: Any, result: Any) -> np.ndarray:
    """``out=`` for functions that build a fresh result: checks ``out`` and copies it in."""
    result = np.asarray(result)
    np.copyto(check_out(out, result.shape, result.dtype), result)
    return out


def _sliced(
    params: dict[str, Any], arrays: dict[str, np.ndarray], start: int, stop: int
) -> dict[str, Any]:
    if not arrays:
        return params
    return {**params, **{k: v[start:stop] for k, v in arrays.items()}}


def elementwise(
    kernel: Callable[..., np.ndarray] | None = None,
    *,
    native: Callable[..., bool] | None = None,
    narrow: Callable[..., np.ndarray] | None = None,
) -> Any:
    """Wraps a float64 1-D kernel into a dtype-preserving, chunked function ``f(x, **params)``.

    Array-valued parameters (a per-channel PReLU slope) are broadcast against x and chunked with it.
    Kernels must not write into x: a float64 chunk is a view of the caller's array.

    ``native(x, out, **params) -> bool``, optional, is tried first on each block in the input's
    own dtype: it fills ``out`` and returns True where it can give the kernel's exact bits
    faster (a relu in float32 needs no float64), else returns False and the kernel runs.
    ``narrow``, optional, is the kernel for float16/float32 input (still on float64 chunks): a
    shorter formula that float64's 29 extra bits make exact there, without the float64
    kernel's guards against overflow and cancellation. The same rule: it must not write into x.
    Used as ``@elementwise`` or ``@elementwise(native=..., narrow=...)``.

    ``f(x, out=y)`` writes the result into ``y`` (same shape and dtype as the result) and
    returns it, as a ufunc does: no fresh array, so no first touch of new memory.
    """
    if kernel is None:
        return functools.partial(elementwise, native=native, narrow=narrow)

    @functools.wraps(kernel)
    def run(x: ArrayLike, out: np.ndarray | None = None, **params: Any) -> Any:
        arr, dtype = as_float(x)
        chosen = narrow if narrow is not None and dtype.itemsize <= 4 else kernel
        arrays = {k: v for k, v in params.items() if isinstance(v, np.ndarray)}
        if arrays:
            # One value (a PReLU alpha of shape (1,)) goes to the kernel as a scalar: broadcast
            # and flattened it would be a full-size copy.
            params = {
                **params,
                **{k: float(v.reshape(-1)[0]) for k, v in arrays.items() if v.size == 1},
            }
            try:
                shape = np.broadcast_shapes(arr.shape, *(v.shape for v in arrays.values()))
            except ValueError as exc:
                given = ", ".join(f"{k} has {v.size} values" for k, v in arrays.items())
                raise UsageError(
                    f"{kernel.__name__}: {given}, which does not fit input of shape {arr.shape} "
                    "(one per channel along the last axis)"
                ) from exc
            arr = np.broadcast_to(arr, shape)
            arrays = {
                k: np.broadcast_to(v, shape).reshape(-1) for k, v in arrays.items() if v.size > 1
            }
        dest = out
        if dest is not None:
            check_out(dest, arr.shape, dtype)
            if not dest.flags.c_contiguous or any(
                np.may_share_memory(dest, a) for a in (arr, *arrays.values())
            ):
                # f(x, out=x) or a strided out: a native path may read its input after writing
                # part of the output, so the result is made apart and copied in.
                np.copyto(dest, run(x, **params))
                return dest
        flat = arr.reshape(-1)
        out = np.empty(flat.shape, dtype) if dest is None else dest.reshape(-1)
        size = flat.size
        step = CHUNK
        # Large arrays: the compiled loop, if there is one (see _compiled: it imports numba).
        fast = None
        if size >= _compiled.MIN_SIZE and not arrays:
            fast = _compiled.lookup(kernel, flat, out, params)

        def work(indices: Iterator[int]) -> None:
            buf = None  # this thread's float64 copy of a float16/32 chunk
            # Kernels select the right lane after computing every branch on clamped input;
            # a discarded lane may still overflow, so warnings are silenced for these calls.
            # ... and a float64 result may overflow the output dtype (inf is the right answer).
            with np.errstate(all="ignore"):
                for i in indices:
                    first = i * BLOCK
                    last = min(first + BLOCK, size)
                    if fast is not None:  # NaN in, NaN out: the compiled kernels see to it
                        fast(flat[first:last], out[first:last])
                        continue
                    if native is not None:
                        kw = _sliced(params, arrays, first, last)
                        if native(flat[first:last], out[first:last], **kw):
                            continue
                    for start in range(first, last, step):
                        stop = min(start + step, last)
                        x64 = flat[start:stop]
                        if x64.dtype != np.float64:
                            if buf is None:
                                buf = np.empty(min(step, size))
                            np.copyto(buf[: stop - start], x64)
                            x64 = buf[: stop - start]
                        out[start:stop] = chosen(x64, **_sliced(params, arrays, start, stop))
                    # NaN in, NaN out (with its payload), whatever branch a kernel took.
                    fix_nan(flat[first:last], out[first:last])

        run_chunks(-(-size // BLOCK), size, work)
        if dest is not None:
            return dest
        return _result(out.reshape(arr.shape))

    run.kernel = kernel  # type: ignore[attr-defined]
    run.native = native  # type: ignore[attr-defined]
    run.narrow = narrow  # type: ignore[attr-defined]
    run.takes_out = True  # type: ignore[attr-defined]
    return run


def rowwise(
    kernel: Callable[..., Any],
    *,
    outputs: str = "same",
    narrow: Callable[..., Any] | None = None,
) -> Callable[..., Any]:
    """Wraps a kernel on a 2-D float64 array of rows (the axis last) into ``f(x, axis=-1, ...)``.

    ``outputs``: "same" (rows keep their length n), "half" (n / 2, glu), "matrix" (an n x n
    Jacobian per row) or "half_matrix" (n / 2 x n). Rows are processed in blocks of about CHUNK
    output elements, on several threads for large inputs; extra array arguments (a JVP's vector)
    are moved and blocked with x. ``narrow``, optional, is the kernel for float16/float32 input
    (still in float64): a shorter formula that float64's extra 29 bits make exact enough there.
    """

    @functools.wraps(kernel)
    def run(x: ArrayLike, *args: Any, axis: int = -1, **params: Any) -> Any:
        arr, dtype = as_float(x)
        chosen = narrow if narrow is not None and dtype.itemsize <= 4 else kernel
        if arr.ndim == 0:
            raise UsageError(
                f"{kernel.__name__.split('_')[0]} needs at least one axis, got a scalar"
            )
        try:
            moved = np.moveaxis(arr, axis, -1)
        except (np.exceptions.AxisError, OverflowError) as exc:  # an axis beyond any C long
            raise UsageError(f"axis {axis} is out of range for input of shape {arr.shape}") from exc
        extra = [np.moveaxis(np.asarray(a, dtype=np.float64), axis, -1) for a in args]
        n = moved.shape[-1]
        vectors = math.prod(moved.shape[:-1])  # not reshape(-1, n): ambiguous when n = 0
        rows = moved.reshape(vectors, n)
        extra = [np.broadcast_to(a, moved.shape).reshape(vectors, n) for a in extra]
        m = n // 2 if outputs.startswith("half") else n
        is_matrix = outputs.endswith("matrix")
        tail = (m, n) if is_matrix else (m,)
        out = np.empty((rows.shape[0], *tail), dtype)
        # Rows are independent, so blocks (and threads) never change a row's bits.
        block = max(1, CHUNK // max(n * (m if is_matrix else 1), 1))
        count = -(-rows.shape[0] // block) if n else 0  # an empty axis: an empty result
        # A kernel marked ``sliced`` converts its rows to float64 slice by slice and writes into
        # its block of out: a long row is never copied whole (axiswise.py).
        sliced = getattr(chosen, "sliced", False)

        fast = None  # large arrays: the compiled loop, if there is one (see elementwise)
        if rows.size >= _compiled.MIN_SIZE and not extra and not is_matrix and not params:
            fast = _compiled.lookup_rows(kernel, rows, out)

        def work(indices: Iterator[int]) -> None:
            with np.errstate(all="ignore"):  # as in elementwise: discarded lanes may overflow
                for i in indices:
                    start, stop = i * block, (i + 1) * block
                    if fast is not None:
                        chunk = np.ascontiguousarray(rows[start:stop])
                        special = fast(chunk, out[start:stop])
                        if not special.any():
                            continue
                        # +inf, NaN or only -inf in a row: the NumPy kernel's rules.
                        picked = np.flatnonzero(special) + start
                        if sliced:  # row by row into out: a long row is not copied
                            for r in picked:
                                chosen(rows[r : r + 1], out=out[r : r + 1], **params)
                            continue
                        rows64 = np.ascontiguousarray(rows[picked], dtype=np.float64)
                        out[picked] = chosen(rows64, **params)
                        continue
                    if sliced:
                        args = (a[start:stop] for a in extra)
                        chosen(rows[start:stop], *args, out=out[start:stop], **params)
                        continue
                    # C order whatever the axis: a reduction along rows of another layout may
                    # sum in another order, so a row's bits would depend on its neighbours.
                    chunk = np.ascontiguousarray(rows[start:stop], dtype=np.float64)
                    out[start:stop] = chosen(chunk, *(a[start:stop] for a in extra), **params)

        run_chunks(count, rows.size * (m if is_matrix else 1), work)
        out = out.reshape(*moved.shape[:-1], *tail)
        if not is_matrix:
            out = np.moveaxis(out, -1, axis)
        return _result(out)

    run.kernel = kernel  # type: ignore[attr-defined]
    run.narrow = narrow  # type: ignore[attr-defined]
    return run
