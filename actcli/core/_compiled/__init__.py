"""Compiled inner loops (numba) for large arrays; the NumPy kernels stay the reference.

``lookup(kernel, x, out, params)`` gives ``elementwise`` a function ``fast(x_block, out_block)``
that fills the block in one vectorized pass (``lookup_rows`` does the same for softmax,
log_softmax and glu in ``rowwise``), or None: then the NumPy kernel runs, as it always
does for float16, for parameters given as arrays, for functions without a compiled kernel, for
arrays smaller than ``MIN_SIZE`` elements, where numba is not installed (no wheel for the
platform), and under ``ACTCLI_PURE_NUMPY=1``.

Why a size threshold: importing numba costs about 0.3 s and each kernel's machine code is loaded
from the disk cache once per process (a few ms); the first call after an install also compiles
(about 1 s per kernel and dtype). Nothing here imports numba until an array of MIN_SIZE
elements comes; the start-up of ``actcli eval`` is unchanged.

What is the same and what may differ (docs/bench.md, tests/test_compiled.py): the compiled
kernels compute in float64 whatever the input dtype, like the NumPy ones, and round once; a
float32 result is the correctly rounded value in both paths, so the bits agree. (For float32,
some loops first compute every lane to about 2^-38 and redo with the float64 kernel only the
lanes that this cannot round correctly: _kernels.py, "float32 output".) In float64 the
two paths use different exp/log implementations (NumPy's SIMD loops, and the polynomials of
_math.py), so a result may differ in its last bits, both within the 4 ULP bar.

The disk cache: numba writes next to the package's sources (``__pycache__``), or, where that
folder is read-only (a system-wide install), under the user's cache folder (~/.cache/numba,
or NUMBA_CACHE_DIR). The cache is keyed by the source file, numba's version and the CPU, so a
new machine or an upgrade compiles again, once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

# Below this many elements the NumPy kernels run. 4M elements: for sigmoid the compiled loop
# saves about 1-2 ns an element, a few ms a call, so the 0.3 s of numba's import is repaid over
# a run of such calls (a training loop, a large file), not by one small call.
MIN_SIZE = 1 << 22

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_lock = threading.Lock()
_state: dict[str, Any] = {"module": None, "error": None}


def usable() -> bool:
    """Whether compiled kernels may be used at all: numba is installed (looked up without
    importing it), ACTCLI_PURE_NUMPY is not set, and loading did not fail before."""
    if os.environ.get("ACTCLI_PURE_NUMPY", "") not in ("", "0"):
        return False
    if _state["error"] is not None:
        return False
    if "found" not in _state:
        import importlib.util  # lazy: start-up time (only large arrays ask)

        _state["found"] = importlib.util.find_spec("numba") is not None
    return _state["found"]


def load() -> Any:
    """The kernels module (imports numba on first use), or None if that fails."""
    if _state["module"] is None and _state["error"] is None:
        with _lock:
            if _state["module"] is None and _state["error"] is None:
                try:
                    from . import _kernels  # lazy: numba costs 0.3 s to import
                except Exception as exc:  # a broken numba install: NumPy from now on
                    _state["error"] = exc
                else:
                    _state["module"] = _kernels
    return _state["module"]


def status() -> str:
    """One line for users and bug reports: which path large arrays take, and why."""
    if os.environ.get("ACTCLI_PURE_NUMPY", "") not in ("", "0"):
        return "NumPy kernels only (ACTCLI_PURE_NUMPY is set)"
    if _state["error"] is not None:
        return f"NumPy kernels only (numba failed to load: {_state['error']})"
    if not usable():
        return "NumPy kernels only (numba is not installed)"
    return f"compiled kernels (numba) for arrays of {MIN_SIZE:,} elements and more"


# kernel (module.qualname of the NumPy kernel) -> params -> (loop name, scalar parameter), or
# None where the parameters are outside what the compiled kernel covers.
_TABLE: dict[str, Callable[..., tuple[str, float] | None]] = {
    "actcli.core.smooth.sigmoid": lambda: ("sigmoid_loop", 0.0),
    "actcli.core.smooth.sigmoid_prime": lambda: ("sigmoid_prime_loop", 0.0),
    "actcli.core.smooth.softplus": lambda: ("softplus_loop", 0.0),
    "actcli.core.smooth.softplus_prime": lambda: ("sigmoid_loop", 0.0),
    "actcli.core.smooth.log_sigmoid": lambda: ("log_sigmoid_loop", 0.0),
    "actcli.core.smooth.log_sigmoid_prime": lambda: ("log_sigmoid_prime_loop", 0.0),
    "actcli.core.smooth.exponential": lambda: ("exp_loop", 0.0),
    "actcli.core.smooth.tanh": lambda: ("tanh_loop", 0.0),
    "actcli.core.smooth.tanh_prime": lambda: ("tanh_prime_loop", 0.0),
    "actcli.core.smooth.silu": lambda: ("silu_loop", 0.0),
    "actcli.core.smooth.silu_prime": lambda: ("silu_prime_loop", 0.0),
    "actcli.core.smooth.gelu": lambda approximate=False: (
        ("gelu_tanh_loop" if approximate else "gelu_loop"),
        0.0,
    ),
    "actcli.core.smooth.gelu_prime": lambda approximate=False: (
        ("gelu_tanh_prime_loop" if approximate else "gelu_prime_loop"),
        0.0,
    ),
    "actcli.core.smooth.mish": lambda: ("mish_loop", 0.0),
    "actcli.core.smooth.mish_prime": lambda: ("mish_prime_loop", 0.0),
    "actcli.core.rectifiers.elu": lambda alpha=1.0: ("elu_loop", float(alpha)),
    "actcli.core.rectifiers.elu_prime": lambda alpha=1.0: ("elu_prime_loop", float(alpha)),
    "actcli.core.rectifiers.selu": lambda: ("selu_loop", 0.0),
    "actcli.core.rectifiers.celu": lambda alpha=1.0: ("celu_loop", float(alpha)),
    "actcli.core.rectifiers.celu_prime": lambda alpha=1.0: ("celu_prime_loop", float(alpha)),
    "actcli.core.smooth.softsign": lambda: ("softsign_loop", 0.0),
    "actcli.core.smooth.softsign_prime": lambda: ("softsign_prime_loop", 0.0),
    "actcli.core.rectifiers.selu_prime": lambda: ("selu_prime_loop", 0.0),
    "actcli.core.rectifiers.hard_silu": lambda: ("hard_silu_loop", 0.0),
    # float32 only (_FLOAT32_ONLY), and only for the b that the NumPy narrow kernel covers
    "actcli.core.smooth.squareplus": lambda b=4.0: (
        ("squareplus_loop", float(b)) if 1e-30 < b < 1e30 else None
    ),
}
# Loops for float32 input only: the float64 kernel has guards (np.hypot) they leave out.
_FLOAT32_ONLY = {"squareplus_loop"}


# float32 loops with a cheap first pass and the float64 kernel for the lanes it cannot decide
# (_kernels.py, "float32 output"): the same bits as the loop they stand for.
_F32 = {
    name: name.replace("_loop", "_f32_loop")
    for name in (
        "sigmoid_loop",
        "silu_loop",
        "softplus_loop",
        "log_sigmoid_loop",
        "gelu_loop",
        "gelu_tanh_loop",
    )
}


def covers(kernel: Callable[..., Any]) -> bool:
    """Whether a NumPy kernel has a compiled counterpart."""
    return f"{kernel.__module__}.{kernel.__qualname__}" in _TABLE


def lookup(
    kernel: Callable[..., Any], x: np.ndarray, out: np.ndarray, params: dict[str, Any]
) -> Callable[[np.ndarray, np.ndarray], Any] | None:
    """``fast(x_block, out_block)`` for a 1-D ``x`` and ``out`` of one float32/float64 dtype, or
    None (see the module docstring). The first call compiles (or loads from the disk cache)
    the loop for these array types, here in the calling thread; a failure there means NumPy."""
    if x.dtype not in _DTYPES or out.dtype != x.dtype or not usable():
        return None
    entry = _TABLE.get(f"{kernel.__module__}.{kernel.__qualname__}")
    if entry is None:
        return None
    try:
        chosen = entry(**params)
    except (TypeError, ValueError):  # a parameter the table does not take: NumPy decides
        return None
    narrow = x.dtype.itemsize == 4
    if chosen is None or (chosen[0] in _FLOAT32_ONLY and not narrow):
        return None
    module = load()
    if module is None:
        return None
    name, a = chosen
    compiled = getattr(module, _F32.get(name, name) if narrow else name)
    try:
        compiled(x[:0], out[:0], a, narrow)  # compiles or loads for these types, first
    except Exception as exc:  # numba could not compile it here: NumPy from now on
        _state["error"] = exc
        return None

    def fast(xb: np.ndarray, ob: np.ndarray) -> None:
        compiled(xb, ob, a, narrow)

    return fast


# Axis-wise kernels (rows of a 2-D block) -> loop name.
_ROWS: dict[str, str] = {
    "actcli.core.axiswise.softmax_kernel": "softmax_rows",
    "actcli.core.axiswise._log_softmax": "log_softmax_rows",
    "actcli.core.axiswise.glu_kernel": "glu_rows",
}


# float32 rows with a first pass (as _F32)
_F32_ROWS = {
    "glu_rows": "glu_f32_rows",
    "softmax_rows": "softmax_f32_rows",
    "log_softmax_rows": "log_softmax_f32_rows",
}


def lookup_rows(
    kernel: Callable[..., Any], rows: np.ndarray, out: np.ndarray
) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    """``fast(x_rows, out_rows) -> special`` for an axis-wise kernel on C-contiguous 2-D
    blocks of one float32/float64 dtype, or None; ``special`` flags the rows (+inf, NaN, only
    -inf) the caller must compute with the NumPy kernel."""
    name = _ROWS.get(f"{kernel.__module__}.{kernel.__qualname__}")
    if name is None or rows.dtype not in _DTYPES or out.dtype != rows.dtype or not usable():
        return None
    if name == "glu_rows" and rows.shape[1] % 2:
        return None  # the NumPy kernel says why
    from actcli.core.axiswise import SLICE

    if rows.shape[1] > SLICE:
        # The row loops keep a float64 buffer as long as the row (a (1, 10^7) softmax held
        # 3.6x its input); the NumPy kernels convert a long row slice by slice.
        return None
    module = load()
    if module is None:
        return None
    narrow = rows.dtype.itemsize == 4
    compiled = getattr(module, _F32_ROWS.get(name, name) if narrow else name)
    # Compiled for the dtype and layout on a tiny row, not on the first (maybe long) row.
    probe = np.zeros((1, 2), rows.dtype)
    try:
        compiled(
            probe,
            np.empty((1, 1 if name == "glu_rows" else 2), out.dtype),
            np.zeros(1, np.bool_),
            narrow,
        )
    except Exception as exc:  # numba could not compile it here: NumPy from now on
        _state["error"] = exc
        return None

    def fast(xb: np.ndarray, ob: np.ndarray) -> np.ndarray:
        special = np.zeros(xb.shape[0], np.bool_)
        compiled(xb, ob, special, narrow)
        return special

    return fast
