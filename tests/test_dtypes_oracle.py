"""Every elementwise activation and derivative on every input of bfloat16 and the float8 formats,
against mpmath's value rounded to the format (``formats.round_exact``): bit for bit.

The float8 formats have at most 256 inputs; bfloat16 has 65,536, and the oracle costs about
0.1 ms a point, so the default profile runs every function on every float8_e4m3fn and
float8_e5m2 input and on a sample of bfloat16 inputs (every binade's edges and a seeded random
draw); the other float8 formats and every bfloat16 input run in the slow profile
(``ACTCLI_PROFILE=thorough python3 -m pytest -m slow tests/test_dtypes_oracle.py``, ~20 min).
"""

from __future__ import annotations

import functools
import math

import mpmath
import numpy as np
import oracle
import pytest
from formats import NAMES, dtype, inputs, is_midpoint, round_exact, same

import actcli
from actcli.registry import REGISTRY

ELEMENTWISE = [s for s in REGISTRY.specs.values() if not s.axiswise]
FAST_FORMATS = ["float8_e4m3fn", "float8_e5m2"]
SLOW_FORMATS = [n for n in NAMES if n not in FAST_FORMATS]


def _params(spec) -> dict:
    """The defaults, and the first oracle setting for required parameters (threshold)."""
    if any(p.required for p in spec.params):
        return dict(oracle.SETTINGS[spec.name][0])
    return {}


@functools.cache
def _want(name: str, which: str, x_hex: str, params: tuple, fmt: str) -> object:
    # Keyed by float.hex: -0.0 == 0.0 (and hashes alike), so a float key would mix them up.
    entry = oracle.ELEMENTWISE[name]
    x = float.fromhex(x_hex)
    value = getattr(entry, which)(x, **dict(params))
    if is_midpoint(value, fmt) and math.isfinite(x) and abs(x) < 5000:
        # Exactly halfway at 200 bits: a tail like exp(-2|x|) in tanh_shrink(258) = 257 + 2e-224
        # was below the precision. Again with enough bits for any exp(-3|x|) term (beyond
        # |x| = 5000 the oracle's stand-ins keep the tail's sign).
        raw = entry.value_fn if which == "value" else entry.derivative_fn
        with mpmath.mp.workprec(400 + int(5 * abs(x))):
            value = raw(x, **entry.params(dict(params)))
    return value


def _bfloat16_sample(size: int) -> np.ndarray:
    """The first and last value of every 4th binade and of the lowest and highest two (where
    subnormal results and overflow are), zeros, infinities, and ``size`` random codes."""
    rng = np.random.default_rng(15)
    codes = np.arange(1 << 16, dtype=np.uint16)
    exponent, mantissa = (codes >> 7) & 0xFF, codes & 0x7F
    ends = (mantissa <= 1) | (mantissa >= 0x7E)
    wanted = (exponent % 4 == 0) | (exponent <= 1) | (exponent >= 0xFD)
    picked = np.unique(
        np.concatenate([codes[ends & wanted], rng.choice(codes, size, replace=False)])
    )
    with np.errstate(invalid="ignore"):  # NaN codes
        x = picked.view(dtype("bfloat16")).astype(np.float64)
    return np.concatenate([x[~np.isnan(x)], [math.nan]])


def _check(spec, which: str, fmt: str, x: np.ndarray) -> None:
    params = _params(spec)
    f = actcli.get(spec.name) if which == "value" else actcli.derivative(spec.name)
    got = f(x.astype(dtype(fmt)), **params)
    assert got.dtype == dtype(fmt)
    got = got.astype(np.float64)
    key = tuple(sorted(params.items()))
    bad = []
    for xi, gi in zip(x.tolist(), got.tolist(), strict=True):
        if math.isnan(xi):
            ok = math.isnan(gi)
            want = math.nan
        else:
            exact = _want(spec.name, which, xi.hex(), key, fmt)
            want = round_exact(exact, fmt)
            # mpmath has no -0: where the oracle's value is an mpf that is (or rounds to) zero,
            # either zero passes (signed zeros are tested in test_core_oracle.test_signed_zeros).
            ok = same(gi, want) or (gi == 0 and want == 0 and not isinstance(exact, float))
        if not ok:
            bad.append((xi, gi, want))
    assert not bad, (
        f"{spec.name} {which} in {fmt}: {len(bad)} of {x.size} inputs not correctly rounded, "
        f"e.g. (x, got, want): {bad[:6]}"
    )


@pytest.mark.parametrize("which", ["value", "derivative"])
@pytest.mark.parametrize("fmt", FAST_FORMATS)
@pytest.mark.parametrize("spec", ELEMENTWISE, ids=lambda s: s.name)
def test_float8_every_input(spec, fmt, which):
    _check(spec, which, fmt, inputs(fmt))


@pytest.mark.parametrize("which", ["value", "derivative"])
@pytest.mark.parametrize("spec", ELEMENTWISE, ids=lambda s: s.name)
def test_bfloat16_sample(spec, which):
    _check(spec, which, "bfloat16", _bfloat16_sample(200))


@pytest.mark.slow
@pytest.mark.parametrize("which", ["value", "derivative"])
@pytest.mark.parametrize("fmt", SLOW_FORMATS)
@pytest.mark.parametrize("spec", ELEMENTWISE, ids=lambda s: s.name)
def test_every_input_of_every_format(spec, fmt, which):
    _check(spec, which, fmt, inputs(fmt))
