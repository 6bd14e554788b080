"""``f(x, out=y)``: the result written into the caller's array, the same bits as ``f(x)``.

Also the float32 fast paths whose parameter is not exactly representable in float32 (a
threshold or slope of 0.1): they must decide and multiply as float64 would, so their bits are
those of the float64 kernel rounded once. Expected values come from Python floats (float64)
rounded with ``np.float32``.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_chunks import assert_same_bits, mixed_input

import actcli
from actcli.errors import UsageError
from actcli.registry import REGISTRY

ELEMENTWISE = [s for s in REGISTRY.specs.values() if not s.axiswise]
DTYPES = (np.float16, np.float32, np.float64)


def _params(spec):
    return {p.name: 0.5 for p in spec.params if p.required}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("which", ["get", "derivative"])
@pytest.mark.parametrize("spec", ELEMENTWISE, ids=lambda s: s.name)
def test_out_gets_the_same_bits_and_is_returned(spec, which, dtype):
    f = getattr(actcli, which)(spec.name)
    x = mixed_input(dtype, n=700)
    want = f(x, **_params(spec))
    out = np.full_like(x, 7.0)
    got = f(x, out=out, **_params(spec))
    assert got is out
    assert_same_bits(out, want, spec.name)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "gelu", "layers.PReLU"])
def test_out_that_is_the_input_or_a_strided_view(name):
    f = actcli.get(name)
    x = mixed_input(np.float32, n=601)
    want = f(x)
    inplace = x.copy()
    assert f(inplace, out=inplace) is inplace  # overlapping: computed apart, then copied in
    assert_same_bits(inplace, want, "in place")
    wide = np.zeros((x.size, 2), np.float32)
    f(x, out=wide[:, 1])  # not contiguous
    assert_same_bits(wide[:, 1], want, "strided")
    assert not wide[:, 0].any()


def test_out_for_axiswise_and_framework_flavours():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    out = np.empty_like(x)
    assert actcli.get("softmax")(x, out=out) is out
    np.testing.assert_array_equal(out, actcli.get("softmax")(x))
    torch_relu = actcli.get("relu", like="torch")
    np.testing.assert_array_equal(torch_relu(x, out=out), torch_relu(x))


def test_out_must_fit_the_result():
    f = actcli.get("relu")
    x = np.ones(4, np.float32)
    with pytest.raises(UsageError, match="dtype float64, the result has dtype float32"):
        f(x, out=np.empty(4))
    with pytest.raises(UsageError, match=r"shape \(5,\), the result has shape \(4,\)"):
        f(x, out=np.empty(5, np.float32))
    with pytest.raises(UsageError, match="NumPy array"):
        f(x, out=[0.0] * 4)
    ro = np.empty(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises(UsageError, match="read-only"):
        f(x, out=ro)


def _around(value: float) -> np.ndarray:
    """float32 values on both sides of float32(value), and float32(value) itself."""
    v = np.float32(value)
    return np.array(
        [np.nextafter(v, np.float32(-np.inf)), v, np.nextafter(v, np.float32(np.inf))], np.float32
    )


@pytest.mark.parametrize("t", [0.1, 1 / 3, 0.7])
@pytest.mark.parametrize(
    "name,key,extra",
    [
        ("threshold", "threshold", {"default_value": -1.0}),
        ("layers.ThresholdedReLU", "theta", {}),
    ],
)
def test_float32_threshold_not_representable_in_float32(name, key, extra, t):
    # float32(0.1) > 0.1 in float64 (and in the real numbers): the input passes the threshold.
    x = _around(t)
    want = [float(v) if float(v) > t else extra.get("default_value", 0.0) for v in x]
    got = actcli.get(name)(x, **{key: t}, **extra)
    assert got.tolist() == np.array(want, np.float32).tolist()


@pytest.mark.parametrize("slope", [0.2, 0.3, 0.1, 0.25, 1 / 3])
def test_float32_leaky_slope_rounded_once(slope):
    x = np.array([-35.67, -3.5375438, -0.2791, -1e-40, -3e38, 5.0], np.float32)
    want = [float(v) * slope if v < 0 else float(v) for v in x]  # float64 product
    got = actcli.get("leaky_relu")(x, negative_slope=slope)
    assert got.tobytes() == np.array(want, np.float32).tobytes()
