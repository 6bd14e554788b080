"""Every float dtype actcli computes in: NumPy's three, bfloat16 and the float8 formats.

Machine learning also runs in bfloat16 and 8-bit floats, which NumPy lacks; the ``ml_dtypes``
package (the one JAX and TensorFlow use) defines them as NumPy dtypes. It is imported only when
one of them is asked for: its import costs about five times NumPy's.

A result in one of these formats is computed in float64 and rounded once by ``round_to``, to
nearest with ties to even, with the format's own rules beyond its range: overflow gives inf where
the format has one, else NaN (the ``fn`` formats), as ml_dtypes converts; the ``fnuz`` formats
have no -0 (it becomes +0). The
rounding is done here in float64 arithmetic (exact scaling by powers of two and one ``rint``),
so ml_dtypes only ever converts values it represents exactly: no double rounding, whatever its
own conversion does.

Not offered: ``float8_e8m0fnu`` (a scale format: powers of two only, no zero, ties rounded up),
the unsigned ``float8_e5m3fnu`` (every negative value, even -1e-30, is NaN there) and the
float6/float4 formats (no NaN: a NaN result has no code, and ml_dtypes turns it into 0).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .errors import UsageError

NUMPY_FLOATS = ("float16", "float32", "float64")
# ml_dtypes' formats that actcli rounds to, most used first.
LOW_PRECISION = (
    "bfloat16",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "float8_e4m3b11fnuz",
    "float8_e4m3",
    "float8_e3m4",
)
FLOAT_DTYPES = NUMPY_FLOATS + LOW_PRECISION

# Elements per block when a large low-precision array goes through float64 (8 MB of float64).
BLOCK = 1 << 20


class Format:
    """A binary floating-point format, as the rounding needs it.

    Attributes:
        name: the dtype's name (``bfloat16``); ``dtype`` (a property) is the NumPy dtype, which
            imports ml_dtypes for the low-precision formats.
        precision: significand bits, the implicit one included (float32: 24, bfloat16: 8).
        emin: exponent of the smallest normal number (float32: -126).
        max: the largest finite value.
        has_inf: whether it has infinities (else overflow gives NaN).
        has_negative_zero: whether -0.0 exists (not in the fnuz formats).

    A plain class, not a dataclass: this module is imported by every run that reads input, and a
    dataclass costs a millisecond of start-up to build.
    """

    __slots__ = ("name", "precision", "emin", "max", "has_inf", "has_negative_zero", "_dtype")

    def __init__(
        self,
        name: str,
        precision: int,
        emin: int,
        max: float,  # noqa: A002 - the format's largest value, as np.finfo names it
        has_inf: bool = True,
        has_negative_zero: bool = True,
    ):
        self.name = name
        self.precision = precision
        self.emin = emin
        self.max = max
        self.has_inf = has_inf
        self.has_negative_zero = has_negative_zero
        self._dtype: np.dtype | None = None

    def __repr__(self) -> str:
        return (
            f"Format({self.name!r}, precision={self.precision}, emin={self.emin}, "
            f"max={self.max!r}, has_inf={self.has_inf}, "
            f"has_negative_zero={self.has_negative_zero})"
        )

    @property
    def dtype(self) -> np.dtype:
        if self._dtype is None:
            self._dtype = self._numpy_dtype()
        return self._dtype

    def _numpy_dtype(self) -> np.dtype:
        if self.name in NUMPY_FLOATS:
            return np.dtype(self.name)
        module = ml_dtypes()
        scalar = getattr(module, self.name, None)
        if scalar is None:
            raise UsageError(
                f"{self.name} needs a newer ml_dtypes (installed: {module.__version__}); "
                "pip install -U ml_dtypes"
            )
        return np.dtype(scalar)

    @property
    def is_low_precision(self) -> bool:
        return self.name in LOW_PRECISION

    @property
    def smallest_subnormal(self) -> float:
        return math.ldexp(1.0, self.emin - self.precision + 1)

    @property
    def smallest_normal(self) -> float:
        return math.ldexp(1.0, self.emin)

    @property
    def overflow_threshold(self) -> float:
        """The smallest magnitude that rounds beyond ``max``: max + half its ULP (a tie rounds
        to the even neighbour, which is beyond max when max's last significand bit is odd)."""
        _, e = math.frexp(self.max)
        return self.max + math.ldexp(0.5, e - self.precision)

    def round(self, values: Any) -> np.ndarray:
        """``round_to(values, self)``."""
        return round_to(values, self)

    def cast(self, values: Any) -> np.ndarray:
        """``values`` rounded once to this format, as an array of its dtype."""
        return cast(values, self)

    def spacing(self, values: Any) -> np.ndarray:
        """The ULP at each value's magnitude: 2^(max(e, emin) - p + 1) for 2^e <= |v| < 2^(e+1),
        the smallest subnormal at 0, and the spacing at ``max`` beyond it (and at inf, NaN)."""
        v = np.abs(np.asarray(values, dtype=np.float64))
        v = np.where(np.isfinite(v) & (v <= self.max), v, self.max)
        _, e = np.frexp(np.maximum(v, self.smallest_normal))  # 0 has the subnormal spacing
        return np.ldexp(1.0, np.maximum(e - 1, self.emin) - (self.precision - 1))


def _numpy_format(name: str) -> Format:
    info = np.finfo(name)
    return Format(name, info.nmant + 1, info.minexp, float(info.max))


# (precision, emin, max, has_inf, has_negative_zero), from the format definitions (OCP 8-bit
# floating point, bfloat16, ml_dtypes' fnuz and b11 variants); tests/test_dtypes.py checks them
# against ml_dtypes. Kept here so rounding and limits need no ml_dtypes import.
_LOW_PRECISION_FORMATS = {
    "bfloat16": (8, -126, (2 - 2.0**-7) * 2.0**127, True, True),
    "float8_e4m3fn": (4, -6, 448.0, False, True),
    "float8_e5m2": (3, -14, 57344.0, True, True),
    "float8_e4m3fnuz": (4, -7, 240.0, False, False),
    "float8_e5m2fnuz": (3, -15, 57344.0, False, False),
    "float8_e4m3b11fnuz": (4, -10, 30.0, False, False),
    "float8_e4m3": (4, -6, 240.0, True, True),
    "float8_e3m4": (5, -2, 15.5, True, True),
}


@functools.cache
def ml_dtypes() -> Any:
    """The ml_dtypes module, imported on first use."""
    try:
        import ml_dtypes as module  # lazy: its import costs about five times NumPy's
    except ImportError:  # pragma: no cover - a dependency, but installs can be partial
        raise UsageError(
            "bfloat16 and float8 need the ml_dtypes package: pip install ml_dtypes"
        ) from None
    return module


@functools.cache
def format_named(name: str) -> Format:
    """The Format of a dtype name in ``FLOAT_DTYPES`` (without importing ml_dtypes).

    Raises:
        UsageError: an unknown name.
    """
    if name in NUMPY_FLOATS:
        return _numpy_format(name)
    if name in LOW_PRECISION:
        p, emin, top, has_inf, negative_zero = _LOW_PRECISION_FORMATS[name]
        return Format(name, p, emin, top, has_inf, negative_zero)
    raise UsageError(f"unknown dtype {name!r} (choose from {', '.join(FLOAT_DTYPES)})")


def dtype_named(name: str) -> np.dtype:
    """The NumPy dtype of a name in ``FLOAT_DTYPES``."""
    return format_named(name).dtype


def is_ml_dtype(dtype: Any) -> bool:
    """Whether ``dtype`` comes from ml_dtypes (checked without importing it)."""
    return isinstance(dtype, np.dtype) and getattr(dtype.type, "__module__", "") == "ml_dtypes"


def format_of(dtype: Any) -> Format:
    """The Format of a float dtype actcli computes in (NumPy's or ml_dtypes').

    Raises:
        UsageError: any other dtype, naming the ones that work.
    """
    dtype = np.dtype(dtype)
    name = dtype.name
    ours = is_ml_dtype(dtype) and name in LOW_PRECISION
    if ours or (dtype.kind == "f" and name in NUMPY_FLOATS):
        return format_named(name)
    if is_ml_dtype(dtype):
        why = {
            "float8_e8m0fnu": "a scale format (powers of two only, no zero)",
            "float6_e2m3fn": "a format without NaN",
            "float6_e3m2fn": "a format without NaN",
            "float4_e2m1fn": "a format without NaN",
            "float8_e5m3fnu": "unsigned (every negative value would be NaN)",
        }.get(name, "not a float format")
        raise UsageError(
            f"dtype {name} is {why}: actcli does not round to it "
            f"(float dtypes: {', '.join(FLOAT_DTYPES)})"
        )
    raise UsageError(f"dtype {name} is not a float dtype ({', '.join(FLOAT_DTYPES)})")


def round_to(values: Any, fmt: Format) -> np.ndarray:
    """float64 values rounded once to ``fmt`` (to nearest, ties to even), as float64.

    Every finite result is exactly representable in the format; beyond its largest finite value
    the result is +-inf (which ``cast`` turns into NaN where the format has no inf); NaN stays
    NaN. The significand is rounded at the
    bit the format keeps for the value's binade (fixed at the subnormal quantum below the
    smallest normal), after an exact scaling by a power of two.
    """
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        _, e = np.frexp(v)  # |v| = m 2^e with 1/2 <= m < 1 (e = 0 for 0, inf, NaN)
        quantum = np.maximum(e - 1, fmt.emin) - (fmt.precision - 1)
        r = np.ldexp(np.rint(np.ldexp(v, -quantum)), quantum)
        over = np.abs(r) > fmt.max
        if over.any():
            r[over] = np.copysign(math.inf, v[over])
    return r


def midpoints(values: np.ndarray, fmt: Format) -> np.ndarray:
    """Where a float64 value lies exactly halfway between two neighbours in ``fmt`` (or halfway
    between ``max`` and the next step beyond): there the rounding is decided by the bits float64
    dropped, which ``round_to`` cannot see."""
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        _, e = np.frexp(v)
        scaled = np.ldexp(v, (fmt.precision - 1) - np.maximum(e - 1, fmt.emin))
        return np.abs(scaled - np.trunc(scaled)) == 0.5


def cast(values: Any, fmt: Format) -> np.ndarray:
    """float64 values rounded once to ``fmt`` (see ``round_to``), as an array of its dtype."""
    if fmt.name == "float64":
        return np.asarray(values, dtype=np.float64)
    rounded = round_to(values, fmt)
    with np.errstate(over="ignore", invalid="ignore"):  # +-inf into a format without inf
        return rounded.astype(fmt.dtype)


def shortest_text(value: float, fmt: Format) -> str:
    """The shortest text that reads back (through float64, rounded once) to ``value`` in
    ``fmt``, written as Python writes floats: ``"0.334"`` for bfloat16's 0.333984375, ``"10.0"``,
    ``"1e-40"``, ``nan``, ``inf``, ``-0.0``.

    >>> shortest_text(0.333984375, format_named("float32"))
    '0.33398438'
    >>> shortest_text(0.333984375, format_named("bfloat16"))
    '0.334'
    >>> shortest_text(10.0, format_named("float8_e4m3fn"))
    '10.0'
    """
    value = float(value)
    if fmt.name == "float64" or not math.isfinite(value) or value == 0:
        return repr(value)
    if fmt.name in NUMPY_FLOATS:
        return str(fmt.dtype.type(value))
    for digits in range(1, 18):
        text = f"{value:.{digits}g}"
        if float(round_to(np.array([float(text)]), fmt)[0]) == value:
            return repr(float(text))  # "10.0", not "1e+01"; the same digits otherwise
    return repr(value)  # pragma: no cover - 17 digits always read back


def to_float64(values: np.ndarray) -> np.ndarray:
    """Values of any float dtype as float64 (exact: every format here widens exactly)."""
    return np.asarray(values).astype(np.float64)


# ---------------------------------------------------------------------------------------------
# Activations on low-precision arrays


def rounded_values(
    act: Any, x: np.ndarray, y: np.ndarray, params: dict[str, Any], fmt: Format
) -> np.ndarray:
    """The float64 results ``y = f(x)`` of an activation view ``act`` rounded once to ``fmt``
    (as float64 values; ``cast`` makes them an array of the format).

    Where ``y`` lies exactly halfway between two values of the format, the true f(x) is almost
    always not: float64 dropped the term that decides (silu(x) = x / 2 + x^2 / 4 at bfloat16's
    subnormals, tanh_shrink(-30) = -29 - 1.8e-26 in float8), and ties-to-even would be a coin
    toss. ``_tie_sides`` tells on which side f(x) lies for the shapes where that happens.
    """
    r = round_to(y, fmt)
    if act is None or act.which != "fn" or act.spec.axiswise or fmt.name == "float64":
        return r
    ties = midpoints(y, fmt)
    if ties.any():
        xb = np.broadcast_to(x, y.shape)
        side = _tie_sides(act.spec, xb[ties], y[ties], params)
        nudged = np.nextafter(y[ties], np.copysign(math.inf, side))  # one float64 step
        r[ties] = np.where(side != 0, round_to(nudged, fmt), r[ties])
    return r


def _tie_sides(spec: Any, x: np.ndarray, y: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """+1 / -1 where f(x) lies above / below its float64 value y (a midpoint of the target
    format), 0 where unknown (then ties-to-even stands)."""
    arrays = {k: v for k, v in params.items() if isinstance(v, np.ndarray)}
    if arrays:  # a per-channel PReLU slope: the lanes' own values are not at hand here
        return np.zeros(x.shape)

    def prime(t: np.ndarray) -> np.ndarray:
        return np.asarray(spec.prime(np.asarray(t, dtype=np.float64), **params), np.float64)

    from .core._stable import two_prod

    with np.errstate(all="ignore"):
        # 1. A linear piece through 0 with a slope inexact in the format (layers.LeakyReLU's
        # 0.3): y = fl(s x), and the product's own rounding error is the answer.
        slope = prime(x)
        linear = (prime(x / 2) == slope) & (slope * x == y)
        side = np.where(linear, np.sign(two_prod(slope, x)[1]), 0.0)
        # 2. |x| so small that f(x) = f'(0) x + f''(0) x^2 / 2 lost its second term in float64
        # (silu, gelu, hard_silu: x / 2 + c x^2 at bfloat16's subnormals): f''(0) decides.
        tiny = (side == 0) & (np.abs(x) < 2.0**-60)
        if tiny.any() and spec.fn(np.zeros(1), **params)[0] == 0:
            h = 2.0**-24
            below, above = prime(np.array([-h, h]))
            if abs(above - below) < 2.0**-8:  # smooth at 0 (a kink would jump)
                side[tiny] = np.sign(above - below)
        # 3. tanh_shrink where float64 lost its tail: x - tanh(x) = x -+ (1 - 2 / (exp(2|x|) + 1))
        # came out as x -+ 1 exactly (from |x| = 17 in float8), and the tail is on x's side.
        if spec.name.rsplit(".", 1)[-1].casefold().replace("_", "") == "tanhshrink":
            far = (side == 0) & (np.abs(x) >= 2) & (y == x - np.sign(x))
            side[far] = np.sign(x[far])
        # 4. A saturated tail, f(x) = L + r (elu(-40, alpha) = -alpha + alpha exp(-40)): f' > 0
        # puts f above its limit on the left and below it on the right.
        flat = (side == 0) & (np.abs(x) >= 1)
        if flat.any():
            slope = prime(x[flat])
            is_flat = np.abs(slope * x[flat]) < 2.0**-40 * np.abs(y[flat])
            side[flat] = np.where(is_flat, np.sign(slope) * -np.sign(x[flat]), 0.0)
    return side


def call_rounded(
    act: Any,
    x: np.ndarray,
    args: tuple[Any, ...],
    params: dict[str, Any],
    *,
    out: np.ndarray | None,
    blockwise: bool,
) -> Any:
    """``act(x, *args, **params)`` (an ``Activation`` view) for an array of an ml_dtypes dtype:
    computed in float64 and rounded once to x's format (``rounded_values``); ml_dtypes'
    integer types give float64, as NumPy's ints do.

    ``blockwise``: the result is elementwise in x, so a large x goes through float64 a block at a
    time (memory stays a few MB above the arrays themselves).
    """
    impl = getattr(act.spec, act.which)
    dtype = x.dtype
    if dtype.kind in "iub" or dtype.name.startswith(("int", "uint")):
        result = impl(x.astype(np.float64), *args, **params)
        return _store(out, np.asarray(result)) if out is not None else result
    fmt = format_of(dtype)
    args = tuple(to_float64(a) if isinstance(a, np.ndarray) else a for a in args)

    def compute(part: np.ndarray) -> np.ndarray:
        x64 = to_float64(part)
        y64 = np.asarray(impl(x64, *args, **params), dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):  # +-inf into a format without inf
            return rounded_values(act, x64, y64, params, fmt).astype(fmt.dtype)

    if not blockwise or x.size <= BLOCK:
        result = compute(np.asarray(x))
        if out is not None:
            return _store(out, result)
        return result[()] if result.ndim == 0 else result
    if out is not None:
        _check_out(out, x.shape, fmt.dtype)
        if not out.flags.c_contiguous or np.may_share_memory(out, x):
            # f(x, out=x) or a strided out: computed apart, then copied in (as elementwise does).
            np.copyto(out, call_rounded(act, x, args, params, out=None, blockwise=True))
            return out
        result = out
    else:
        result = np.empty(x.shape, fmt.dtype)
    flat_in = x.reshape(-1)
    flat_out = result.reshape(-1)  # a view: out is C-contiguous (checked), a new array too
    for start in range(0, flat_in.size, BLOCK):
        stop = min(start + BLOCK, flat_in.size)
        flat_out[start:stop] = compute(flat_in[start:stop])
    return result


def _check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype) -> None:
    from .core._array import check_out

    check_out(out, shape, dtype)


def _store(out: Any, result: np.ndarray) -> np.ndarray:
    from .core._array import store

    return store(out, result)
