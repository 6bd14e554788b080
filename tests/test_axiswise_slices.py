"""Axis-wise kernels on rows longer than a slice (issue 13).

A row longer than ``axiswise.SLICE`` entries is read in slices, in a few passes (its max, its
sums, then the result), so one long vector is held as its input and its result only. Here
SLICE is shrunk so that short rows cross many slices: the oracle, the special rows, the bits
under any blocking and thread count, and the memory a long row takes.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import oracle
import pytest
from test_chunks import assert_same_bits_nan_as_nan, mixed_input
from test_core_oracle import BAR, _axis_check, _axis_tolerance, abs_error

import actcli
from actcli.core import _array, axiswise

NAMES = ["softmax", "log_softmax", "glu", "sparsemax"]
SPECS = list(axiswise.SPECS)


@pytest.fixture(params=[2, 5], ids=lambda n: f"slice{n}")
def small_slices(request, monkeypatch):
    monkeypatch.setattr(axiswise, "SLICE", request.param)
    return request.param


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("which", ["value", "derivative"])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_sliced_rows_against_the_oracle(small_slices, spec, which, dtype):
    """The oracle vectors of test_core_oracle (up to 16 entries), each crossing slices."""
    _axis_check(spec, which, dtype)


def _longer_rows(name):
    rng = np.random.default_rng(7)
    rows = [rng.standard_normal(n) * s for n in (40, 121) for s in (0.01, 1.0, 30.0)]
    rows.append(np.linspace(-3.0, 3.0, 64))
    rows.append(np.repeat([0.5, 0.25, -0.75], 20))  # ties across slices
    return [r[: r.size - r.size % 2] if name == "glu" else r for r in rows]


@pytest.mark.parametrize("which", ["value", "derivative"])
@pytest.mark.parametrize("name", NAMES)
def test_longer_sliced_rows_against_the_oracle(monkeypatch, name, which):
    monkeypatch.setattr(axiswise, "SLICE", 16)
    fn = actcli.get(name) if which == "value" else actcli.derivative(name)
    ora = oracle.AXISWISE[name]
    want_of = ora.value if which == "value" else ora.diag
    bad = []
    for x in _longer_rows(name):
        got = np.asarray(fn(x))
        for i, (g, w) in enumerate(zip(got.tolist(), want_of(x.tolist()), strict=True)):
            if not abs_error(g, w) <= _axis_tolerance(name, x, w, np.float64, which):
                bad.append(f"{name} {which} n={x.size} [{i}]: got {g!r}, want {float(w)!r}")
    assert not bad, "\n".join(bad[:20])


@pytest.mark.parametrize("which", ["fn", "prime", "jvp"])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape,axis", [((30, 40), -1), ((40, 6), 0)], ids=["rows", "axis0"])
def test_sliced_rows_same_bits_any_blocking_and_threads(
    monkeypatch, small_slices, spec, which, dtype, shape, axis
):
    """Blocks of one row and threads against one kernel call on every row (as test_chunks)."""
    monkeypatch.setattr(_array, "CHUNK", 64)
    monkeypatch.setattr(_array, "PARALLEL_MIN", 128)
    fn = getattr(spec, which)
    x = mixed_input(dtype, n=int(np.prod(shape)), seed=11).reshape(shape)
    x[1] = 1.0  # some rows without specials at all
    args = (np.random.default_rng(4).standard_normal(shape),) if which == "jvp" else ()
    moved = np.moveaxis(x, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    extra = [np.moveaxis(a, axis, -1).reshape(rows.shape) for a in args]
    narrow = getattr(fn, "narrow", None) if x.dtype.itemsize <= 4 else None
    with np.errstate(all="ignore"):
        ref = np.asarray((narrow or fn.kernel)(rows, *extra)).astype(x.dtype)
    ref = np.moveaxis(ref.reshape(*moved.shape[:-1], ref.shape[-1]), -1, axis)
    for threads in (1, 2):
        with _array.threads(threads):
            assert_same_bits_nan_as_nan(fn(x, *args, axis=axis), ref, f"{spec.name} {which}")


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "sparsemax"])
def test_special_rows_across_slices(small_slices, name):
    inf, nan = np.inf, np.nan
    x = np.array(
        [
            [1.0, inf, 0.0, 2.0, inf, -inf, 3.0],  # +inf entries share the mass
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, nan],  # NaN anywhere: a NaN row
            [-inf] * 7,  # only -inf: NaN
            [0.0, -inf, 1.0, 2.0, -inf, 0.5, -1e300],  # -inf and far below: 0 (log: -inf)
        ]
    )
    with np.errstate(all="ignore"):
        got = actcli.get(name)(x)
    s = np.exp(got) if name == "log_softmax" else got
    np.testing.assert_allclose(s[0], [0, 0.5, 0, 0, 0.5, 0, 0], rtol=1e-15, atol=0)
    assert np.isnan(got[1]).all() and np.isnan(got[2]).all()
    assert s[3][[1, 4, 6]].tolist() == [0.0, 0.0, 0.0] and abs(s[3].sum() - 1) < 1e-15


def test_sparsemax_minus_inf_gives_zero_whole_and_sliced(monkeypatch):
    """-inf (or an entry so far below that x - max overflows) is 0, not NaN."""
    x = np.array([0.5, -np.inf, 0.25, -1.7e308, 1.7e308 / 2])
    want = [0.0, 0.0, 0.0, 0.0, 1.0]
    assert actcli.get("sparsemax")(x).tolist() == want
    assert actcli.get("sparsemax")(x[:3]).tolist() == [0.625, 0.0, 0.375]
    monkeypatch.setattr(axiswise, "SLICE", 2)
    assert actcli.get("sparsemax")(x).tolist() == want
    assert actcli.get("sparsemax")(x[:3]).tolist() == [0.625, 0.0, 0.375]


def _sparsemax_rows():
    """Rows that take each way to the threshold of a long row (see _long_threshold)."""
    rng = np.random.default_rng(1)
    n = 2000
    yield "few candidates above max - 1", rng.standard_normal(n), 1
    yield "all equal: every entry in the support", np.ones(n), 1
    yield "two tie groups", np.r_[np.zeros(1000), np.full(1000, -1e-3)], 2
    yield "Michelot steps", np.r_[0.0, -rng.uniform(0, 0.99, n - 1)], 8
    yield "halving", np.r_[0.0, -rng.uniform(0, 0.002, n - 1)], 20
    yield "a large support", -np.geomspace(1e-300, 0.999, n), 8
    yield "tiny spread", rng.standard_normal(n) * 1e-12, 1
    with_minus_inf = rng.standard_normal(n) * 1e-4
    with_minus_inf[rng.random(n) < 0.5] = -np.inf
    yield "-inf entries", with_minus_inf, 1


@pytest.mark.parametrize(
    "label,x,passes", [pytest.param(*row, id=row[0]) for row in _sparsemax_rows()]
)
def test_sparsemax_of_a_long_row_without_sorting_it(monkeypatch, label, x, passes):
    """Slices of 8 entries: gather at most max(8, n // 16) = 125 entries, else shrink."""
    monkeypatch.setattr(axiswise, "SLICE", 8)
    probes = []
    probe = axiswise._probe
    monkeypatch.setattr(axiswise, "_probe", lambda *a: probes.append(a[2]) or probe(*a))
    with np.errstate(all="ignore"):  # -inf - max
        got = actcli.get("sparsemax")(x)
    finite = np.isfinite(x)
    assert np.all(got[~finite] == 0.0)
    want = oracle.sparsemax(x[finite].tolist())
    bad = [
        (i, g, float(w))
        for i, (g, w) in enumerate(zip(got[finite].tolist(), want, strict=True))
        if oracle.ulp_error(g, w, np.float64) > BAR[np.dtype(np.float64)]
    ]
    assert not bad, f"{label}: {bad[:5]}"
    assert 1 <= len(probes) <= passes, f"{label}: {len(probes)} passes"


def test_sparsemax_large_support_threshold_is_double_double():
    """A support of more than 256 entries (a loop would be slow) gets a double-double sum too:
    a plain cumulative sum was 12,000 ULP off on this row."""
    x = np.random.default_rng(0).standard_normal(2000) * 1e-3
    got = actcli.get("sparsemax")(x)
    assert np.count_nonzero(got) > 256
    want = oracle.sparsemax(x.tolist())
    worst = max(oracle.ulp_error(g, w, np.float64) for g, w in zip(got.tolist(), want, strict=True))
    assert worst <= 1.0, worst


@pytest.mark.parametrize("name", NAMES)
def test_an_empty_axis_gives_an_empty_result(name):
    for shape in [(0,), (3, 0), (0, 4)]:
        x = np.zeros(shape)
        half = name == "glu"
        want = (*shape[:-1], shape[-1] // 2 if half else shape[-1])
        assert actcli.get(name)(x).shape == want
        assert actcli.derivative(name)(x).shape == want
        assert actcli.jvp(name)(x, x).shape == want
        assert actcli.jacobian(name)(x).shape == (*want, shape[-1])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("which", ["fn", "prime", "jvp"])
def test_a_long_row_takes_its_result_and_small_slices(name, which):
    """Python allocations while the core works on one row of 2^20 values (8 MB): the result
    and slices of SLICE entries (before: 6x the row for softmax, 13x for sparsemax)."""
    x = np.random.default_rng(2).standard_normal((1, 1 << 20))
    f = getattr(actcli, {"fn": "get", "prime": "derivative", "jvp": "jvp"}[which])(name)
    args = (x,) if which == "jvp" else ()
    f(x[:, :20000], *(a[:, :20000] for a in args))  # imports, the one-off malloc tuning
    tracemalloc.start()
    try:
        y = f(x, *args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < y.nbytes + 16 * 8 * axiswise.SLICE, (peak - y.nbytes) / x.nbytes
