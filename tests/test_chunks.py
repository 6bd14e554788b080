"""Chunks, blocks, threads and fast paths never change a bit.

The core walks arrays in chunks (kernel calls), blocks (what a thread takes) and, for large
arrays, on several threads; some functions also have a native fast path that skips float64.
Every one of these must give exactly the bits of one kernel call on the whole array in float64,
rounded once: that is the reference here. The sizes are shrunk (monkeypatched) so that a few
thousand elements cross many chunk and block edges and start the thread pool.
"""

from __future__ import annotations

import os
import signal

import numpy as np
import oracle
import pytest

import actcli
from actcli.core import _array
from actcli.registry import REGISTRY

SPECS = list(REGISTRY.specs.values())
ELEMENTWISE = [s for s in SPECS if not s.axiswise]
AXISWISE = [s for s in SPECS if s.axiswise]
DTYPES = [np.float16, np.float32, np.float64]
UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 64, blocks of 256, threads from 512 elements."""
    monkeypatch.setattr(_array, "CHUNK", 64)
    monkeypatch.setattr(_array, "BLOCK", 256)
    monkeypatch.setattr(_array, "PARALLEL_MIN", 512)


def _bits(y: np.ndarray) -> np.ndarray:
    y = np.ascontiguousarray(y)
    return y.view(UINT[y.dtype.itemsize])


def assert_same_bits(got, want, label=""):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, label
    diff = np.flatnonzero(_bits(got).ravel() != _bits(want).ravel())
    assert diff.size == 0, (
        f"{label}: {diff.size} elements differ, first at {diff[:5].tolist()}: "
        f"got {got.ravel()[diff[:5]].tolist()} want {want.ravel()[diff[:5]].tolist()}"
    )


def assert_same_bits_nan_as_nan(got, want, label=""):
    """Bit for bit, except that any NaN equals any NaN (axis-wise kernels make NaN rows, and
    the sign of a NaN made by arithmetic depends on where a lane falls in a SIMD register)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, label
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan, err_msg=label)
    assert_same_bits(
        np.where(nan, 0, got).astype(got.dtype), np.where(nan, 0, want).astype(want.dtype), label
    )


def mixed_input(dtype, n=3001, seed=0) -> np.ndarray:
    """Ordinary values of every magnitude and sign with specials sprinkled in at random, some
    right at chunk edges: +-0, +-inf, NaNs with payloads and signs, subnormals, huge values."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    fi = np.finfo(dtype)
    with np.errstate(over="ignore"):
        x = np.concatenate(
            [
                rng.standard_normal(n // 3) * 4,
                rng.uniform(-40, 40, n // 3),
                rng.choice([-1.0, 1.0], n - 2 * (n // 3))
                * 10.0 ** rng.uniform(-320, 308, n - 2 * (n // 3)),
            ]
        ).astype(dtype)
    rng.shuffle(x)
    specials = np.array(
        [
            0.0,
            -0.0,
            np.inf,
            -np.inf,
            fi.smallest_subnormal,
            -fi.smallest_subnormal,
            fi.max,
            -fi.max,
        ],
        dtype=dtype,
    )
    nan_bits = {
        2: [0x7E00, 0xFE00, 0x7E05, 0x7D05],
        4: [0x7FC00000, 0xFFC00000, 0x7FC00123, 0x7FA00123],
        8: [0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000000123, 0x7FF4000000000123],
    }[dtype.itemsize]
    specials = np.concatenate(
        [specials, np.array(nan_bits, dtype=UINT[dtype.itemsize]).view(dtype)]
    )
    spots = np.concatenate([rng.integers(0, n, 40), [0, 63, 64, 255, 256, 511, 512, n - 1]])
    spots = spots[spots < n]
    x[spots] = specials[np.arange(spots.size) % specials.size]
    return x


def unchunked(fn, x: np.ndarray, params: dict) -> np.ndarray:
    """The reference: the kernel once on the whole array in float64, NaN inputs passed through,
    rounded once to the input dtype."""
    if getattr(fn, "keeps_bits", False):  # linear: a plain copy, signalling NaNs kept
        return x.copy()
    with np.errstate(all="ignore"):  # a signalling NaN warns as it is cast
        x64 = x.astype(np.float64).reshape(-1)
        narrow = getattr(fn, "narrow", None) if x.dtype.itemsize <= 4 else None
        y = np.array((narrow or fn.kernel)(x64, **params), dtype=np.float64)
        nan = np.isnan(x64)
        y[nan] = x64[nan]
        return y.astype(x.dtype).reshape(x.shape)


def _cases():
    for spec in ELEMENTWISE:
        for params in oracle.SETTINGS.get(spec.name, [{}]):
            yield pytest.param(spec, params, id=f"{spec.name}{params or ''}")


@pytest.mark.parametrize("spec,params", list(_cases()))
@pytest.mark.parametrize("which", ["fn", "prime"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_elementwise_same_bits_any_chunking_and_threads(small_chunks, spec, params, which, dtype):
    fn = getattr(spec, which)
    bound = spec.bind(params)
    x = mixed_input(dtype)
    want = unchunked(fn, x, bound)
    label = f"{spec.name}{params} {which} {np.dtype(dtype).name}"
    for threads in (1, 2, 3):
        with _array.threads(threads):
            assert_same_bits(fn(x, **bound), want, f"{label}, {threads} thread(s)")
    # a 2-D, non-contiguous view, and slices starting and ending inside chunks
    x2 = x[:2000].reshape(40, 50)[:, ::3]
    assert_same_bits(
        fn(x2, **bound), unchunked(fn, np.ascontiguousarray(x2), bound), label + " 2-D view"
    )
    for a, b in ((1, 300), (63, 65), (255, 1290)):
        assert_same_bits(fn(x[a:b], **bound), want[a:b], f"{label} x[{a}:{b}]")


@pytest.mark.parametrize(
    "spec", [s for s in ELEMENTWISE if s.fn.native or s.prime.native], ids=lambda s: s.name
)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_native_fast_paths_give_the_kernels_bits(spec, dtype):
    """At the real sizes too: every special value through each fast path (and past it)."""
    x = np.tile(mixed_input(dtype, seed=1), 3)
    for params in oracle.SETTINGS.get(spec.name, [{}]):
        bound = spec.bind(params)
        for fn in (spec.fn, spec.prime):
            assert_same_bits(fn(x, **bound), unchunked(fn, x, bound), f"{spec.name}{params}")


def test_real_sizes_use_threads_and_keep_bits():
    """Above PARALLEL_MIN the pool starts; the bits are those of one thread."""
    n = 2 * _array.PARALLEL_MIN + _array.CHUNK + 7
    for name, dtype in (
        ("sigmoid", np.float32),
        ("gelu", np.float64),
        ("relu", np.float32),
        ("mish", np.float64),
    ):
        x = np.resize(mixed_input(dtype, seed=2), n)
        f = actcli.get(name)
        with _array.threads(1):
            one = f(x)
        with _array.threads(2):
            assert_same_bits(f(x), one, name)
        assert_same_bits(one, unchunked(f.spec.fn, x, f.spec.bind({})), name)


def _row_cases():
    for spec in AXISWISE:
        for which in ("fn", "prime", "jvp", "jacobian"):
            yield pytest.param(spec, which, id=f"{spec.name}-{which}")


@pytest.mark.parametrize("spec,which", list(_row_cases()))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize(
    "shape,axis", [((300, 6), -1), ((8, 400), 0), ((30, 4, 10), 1)], ids=["rows", "axis0", "3d"]
)
def test_axiswise_same_bits_any_blocking_and_threads(small_chunks, spec, which, dtype, shape, axis):
    """Row blocks of a few rows (CHUNK = 64) against one kernel call on all rows."""
    fn = getattr(spec, which)
    if which == "jacobian" and len(shape) > 2:
        shape, axis = (60, 6), -1
    x = mixed_input(dtype, n=int(np.prod(shape)), seed=3).reshape(shape)
    x[1] = 1.0  # some rows without specials at all
    args = (np.random.default_rng(4).standard_normal(shape),) if which == "jvp" else ()
    moved = np.moveaxis(x, axis, -1)
    extra = [np.moveaxis(a, axis, -1).reshape(-1, moved.shape[-1]) for a in args]
    with np.errstate(all="ignore"):
        rows = np.ascontiguousarray(moved.reshape(-1, moved.shape[-1]), dtype=np.float64)
        narrow = getattr(fn, "narrow", None) if x.dtype.itemsize <= 4 else None
        ref = np.asarray((narrow or fn.kernel)(rows, *extra)).astype(x.dtype)
    tail = ref.shape[1:]
    ref = ref.reshape(*moved.shape[:-1], *tail)
    if which != "jacobian":
        ref = np.moveaxis(ref, -1, axis)
    for threads in (1, 2):
        with _array.threads(threads):
            assert_same_bits_nan_as_nan(
                fn(x, *args, axis=axis), ref, f"{spec.name} {which} {threads}"
            )


def test_errors_raised_in_a_worker_thread_reach_the_caller(small_chunks):
    with pytest.raises(actcli.UsageError, match="even"):
        actcli.get("glu")(np.zeros((4000, 3)))


def test_kernels_never_write_into_the_input(small_chunks):
    """float64 chunks and row blocks are views of the caller's array: a read-only one must do."""
    x = mixed_input(np.float64)
    x.setflags(write=False)
    keep = x.copy()
    for spec in ELEMENTWISE:
        params = spec.bind(oracle.SETTINGS.get(spec.name, [{}])[0])
        spec.fn(x, **params)
        spec.prime(x, **params)
    rows = x[:3000].reshape(-1, 6)
    for spec in AXISWISE:
        for which in ("fn", "prime", "jvp", "jacobian"):
            args = (np.ones_like(rows),) if which == "jvp" else ()
            getattr(spec, which)(rows[:60] if which == "jacobian" else rows, *args)
    assert_same_bits(x, keep, "input changed")


def test_thread_knob():
    cores = _array.get_threads()
    assert cores >= 1
    with _array.threads(1):
        assert _array.get_threads() == 1
        with _array.threads(3):
            assert _array.get_threads() == 3
        assert _array.get_threads() == 1
    assert _array.get_threads() == cores
    try:
        _array.set_threads(2)
        assert _array.get_threads() == 2
        with _array.threads(None):  # None: the default
            assert _array.get_threads() == 2
    finally:
        _array.set_threads(None)
    assert _array.get_threads() == cores
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(actcli.UsageError, match="threads"):
            _array.set_threads(bad)
        with pytest.raises(actcli.UsageError, match="threads"):
            with _array.threads(bad):
                pass


def test_runs_inside_dask_map_blocks():
    """Elementwise functions work on any chunk, so dask can spread them over blocks."""
    da = pytest.importorskip("dask.array")
    x = mixed_input(np.float64, n=10_000)
    f = actcli.get("gelu")
    got = da.from_array(x, chunks=777).map_blocks(f, dtype=x.dtype).compute()
    assert_same_bits(got, f(x), "dask")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_threads_work_in_a_forked_child():
    """A child forked after the pool started has the pool object but none of its threads."""
    x = mixed_input(np.float64, n=3 * _array.PARALLEL_MIN, seed=5)
    f = actcli.get("sigmoid")
    with _array.threads(2):
        want = f(x)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        signal.alarm(30)  # a hang would otherwise outlive the test run
        with _array.threads(2):
            os._exit(0 if np.array_equal(_bits(f(x)), _bits(want)) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
