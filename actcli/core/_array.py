"""Array plumbing shared by every kernel: dtype in is dtype out, chunked float64 evaluation.

A kernel is written once, for a 1-D float64 array and scalar (or broadcast) parameters.
``elementwise`` turns it into the public function: the input's float dtype is kept (float16 and
float32 are computed in float64 and rounded once), ints and lists become float64, and the array
is walked in cache-sized chunks so temporaries stay small whatever the input size.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import UsageError

FloatArray = NDArray[np.floating]

# 64K elements: a few float64 temporaries of this size stay in L2 cache.
CHUNK = 1 << 16

_KEPT = (np.float16, np.float32, np.float64)


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


def elementwise(kernel: Callable[..., np.ndarray]) -> Callable[..., Any]:
    """Wraps a float64 1-D kernel into a dtype-preserving, chunked function ``f(x, **params)``.

    Array-valued parameters (a per-channel PReLU slope) are broadcast against x and chunked with it.
    """

    @functools.wraps(kernel)
    def run(x: ArrayLike, **params: Any) -> Any:
        arr, dtype = as_float(x)
        arrays = {k: v for k, v in params.items() if isinstance(v, np.ndarray)}
        if arrays:
            try:
                shape = np.broadcast_shapes(arr.shape, *(v.shape for v in arrays.values()))
            except ValueError as exc:
                raise UsageError(f"parameter shape does not fit input shape {arr.shape}") from exc
            arr = np.broadcast_to(arr, shape)
            arrays = {k: np.broadcast_to(v, shape).reshape(-1) for k, v in arrays.items()}
        flat = arr.reshape(-1)
        out = np.empty(flat.shape, dtype)
        for start in range(0, flat.size, CHUNK):
            stop = start + CHUNK
            chunk = flat[start:stop].astype(np.float64)
            kw = {**params, **{k: v[start:stop] for k, v in arrays.items()}}
            # Kernels select the right lane after computing every branch on clamped input;
            # a discarded lane may still overflow, so warnings are silenced for this one call.
            # ... and a float64 result may overflow the output dtype (inf is the right answer).
            with np.errstate(all="ignore"):
                y = kernel(chunk, **kw)
                nan = np.isnan(chunk)
                if nan.any():  # NaN in, NaN out (with its payload), whatever branch a kernel took
                    y[nan] = chunk[nan]
                out[start:stop] = y
        return _result(out.reshape(arr.shape))

    run.kernel = kernel  # type: ignore[attr-defined]
    return run


def rowwise(kernel: Callable[..., Any], *, outputs: str = "same") -> Callable[..., Any]:
    """Wraps a kernel on a 2-D float64 array of rows (the axis last) into ``f(x, axis=-1, ...)``.

    ``outputs``: "same" (rows keep their length n), "half" (n / 2, glu), "matrix" (an n x n
    Jacobian per row) or "half_matrix" (n / 2 x n). Rows are processed in blocks of about CHUNK
    elements; extra array arguments (a JVP's vector) are moved and blocked with x.
    """

    @functools.wraps(kernel)
    def run(x: ArrayLike, *args: Any, axis: int = -1, **params: Any) -> Any:
        arr, dtype = as_float(x)
        if arr.ndim == 0:
            raise UsageError(f"{kernel.__name__.split('_')[0]} needs at least one axis, got a scalar")
        try:
            moved = np.moveaxis(arr, axis, -1)
        except np.exceptions.AxisError as exc:
            raise UsageError(f"axis {axis} is out of range for input of shape {arr.shape}") from exc
        extra = [np.moveaxis(np.asarray(a, dtype=np.float64), axis, -1) for a in args]
        n = moved.shape[-1]
        rows = moved.reshape(-1, n)
        extra = [np.broadcast_to(a, moved.shape).reshape(-1, n) for a in extra]
        m = n // 2 if outputs.startswith("half") else n
        is_matrix = outputs.endswith("matrix")
        tail = (m, n) if is_matrix else (m,)
        out = np.empty((rows.shape[0], *tail), dtype)
        block = max(1, CHUNK // max(n, 1))
        for start in range(0, rows.shape[0], block):
            stop = start + block
            chunk = rows[start:stop].astype(np.float64)
            with np.errstate(all="ignore"):  # as in elementwise: discarded lanes may overflow
                out[start:stop] = kernel(chunk, *(a[start:stop] for a in extra), **params)
        out = out.reshape(*moved.shape[:-1], *tail)
        if not is_matrix:
            out = np.moveaxis(out, -1, axis)
        return _result(out)

    run.kernel = kernel  # type: ignore[attr-defined]
    return run
