"""The compiled kernels (actcli.core._compiled): same bits as the NumPy path in float32, within
the accuracy bar in float64, used only where they should be.

Compiling a kernel costs about half a second per input dtype (then it is cached on disk), so the
default profile compiles a few representative kernels; every kernel is checked under
``-m slow`` (or ACTCLI_PROFILE=thorough).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import oracle
import pytest

import actcli
from actcli.core import _array, _compiled, axiswise, rectifiers, smooth

numba = pytest.importorskip("numba")

# (name, params): every compiled kernel, value and derivative.
COVERED = [
    ("sigmoid", {}),
    ("softplus", {}),
    ("log_sigmoid", {}),
    ("exponential", {}),
    ("tanh", {}),
    ("silu", {}),
    ("gelu", {}),
    ("gelu", {"approximate": True}),
    ("mish", {}),
    ("elu", {}),
    ("elu", {"alpha": 3.7}),
    ("selu", {}),
    ("celu", {}),
    ("celu", {"alpha": 100.0}),
    ("softsign", {}),
    ("hard_silu", {}),
    ("squareplus", {}),
    ("squareplus", {"b": 0.25}),
]
# The default profile: an exp-based kernel, the erfcx one, a parameter, a float32 narrow flag.
QUICK = [("sigmoid", {}), ("gelu", {}), ("elu", {"alpha": 3.7})]
SLOW = [c for c in COVERED if c not in QUICK]


def _ids(cases):
    return [f"{n}{'-' + '-'.join(f'{k}={v}' for k, v in p.items()) if p else ''}" for n, p in cases]


@pytest.fixture
def compiled(monkeypatch):
    """Compiled kernels for arrays of any size (the threshold is for start-up, not accuracy)."""
    monkeypatch.delenv("ACTCLI_PURE_NUMPY", raising=False)
    monkeypatch.setattr(_compiled, "MIN_SIZE", 1)
    assert _compiled.usable()


def _both(fn, xs, params, monkeypatch):
    """(compiled result, NumPy result) for the same call."""
    monkeypatch.setattr(_compiled, "MIN_SIZE", 1)
    fast = np.asarray(fn(xs, **params))
    monkeypatch.setattr(_compiled, "MIN_SIZE", 1 << 62)
    slow = np.asarray(fn(xs, **params))
    monkeypatch.setattr(_compiled, "MIN_SIZE", 1)
    return fast, slow


def _check(name, params, monkeypatch):
    for which in ("value", "derivative"):
        fn = actcli.get(name) if which == "value" else actcli.derivative(name)
        for dtype in (np.float64, np.float32):
            xs = oracle.grid(dtype, oracle.ELEMENTWISE[name].kinks(**params), size="ci")
            fast, slow = _both(fn, xs, params, monkeypatch)
            assert fast.dtype == dtype and fast.shape == xs.shape
            rows, worst = oracle.compare(name, which, xs, fast, params, dtype)
            assert not rows, f"{name} {which} {np.dtype(dtype).name}: {rows[:5]} (worst {worst})"
            if dtype == np.float32:  # both correctly rounded: the same bits, NaN payloads too
                differ = fast.view(np.uint32) != slow.view(np.uint32)
                assert not differ.any(), (xs[differ][:5], fast[differ][:5], slow[differ][:5])


@pytest.mark.parametrize(("name", "params"), QUICK, ids=_ids(QUICK))
def test_compiled_matches_oracle_and_numpy(name, params, compiled, monkeypatch):
    _check(name, params, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "params"), SLOW, ids=_ids(SLOW))
def test_compiled_matches_oracle_and_numpy_all(name, params, compiled, monkeypatch):
    _check(name, params, monkeypatch)


def test_every_table_entry_names_a_kernel():
    """A renamed NumPy kernel would silently lose its compiled path: the table must follow."""
    kernels = {
        f"{f.kernel.__module__}.{f.kernel.__qualname__}"
        for module in (smooth, rectifiers)
        for f in vars(module).values()
        if callable(f) and getattr(f, "kernel", None) is not None
    }
    assert set(_compiled._TABLE) <= kernels
    rows = {f"axiswise.{k.rsplit('.', 1)[1]}" for k in _compiled._ROWS}
    assert all(callable(getattr(axiswise, k.split(".")[1], None)) for k in rows)
    assert {f"{n}" for n, _ in COVERED} >= {
        k.rsplit(".", 1)[1].removesuffix("_prime") for k in _compiled._TABLE
    } - {"softplus_prime"}


def test_special_values_same_bits_float32(compiled, monkeypatch):
    """+-0, +-inf, NaN with payloads, subnormals, huge values: identical float32 bits in both
    paths (signalling NaNs come back quiet in both, through float64)."""
    bits = np.array(
        [0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00001, 0xFFC12345, 0x7F800001, 1, 0x80000001,
         0x00800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000, 0xC2C80000, 0x42C80000],
        dtype=np.uint32,
    )  # fmt: skip
    xs = bits.view(np.float32)
    for name, params in QUICK:
        for fn in (actcli.get(name), actcli.derivative(name)):
            fast, slow = _both(fn, xs, params, monkeypatch)
            assert np.array_equal(fast.view(np.uint32), slow.view(np.uint32)), (name, fast, slow)


def test_nan_payload_float64(compiled):
    x = np.array([1.0, np.nan, -2.0]).repeat(3)
    x.view(np.uint64)[4] = 0x7FF0000000000123  # a signalling NaN: kept as it is
    y = actcli.get("sigmoid")(x)
    assert y.view(np.uint64)[4] == 0x7FF0000000000123
    assert np.isnan(y[3]) and not np.isnan(y[0])


def test_bits_do_not_depend_on_threads_or_blocks(compiled, monkeypatch):
    x = np.random.default_rng(5).standard_normal(50_000) * 10
    monkeypatch.setattr(_array, "BLOCK", 4096)
    f = actcli.get("gelu")
    with _array.threads(1):
        one = f(x)
    with _array.threads(2):
        two = f(x)
    out = np.empty_like(x)
    f(x, out=out)
    assert np.array_equal(one.view(np.uint64), two.view(np.uint64))
    assert np.array_equal(one.view(np.uint64), out.view(np.uint64))


def test_read_only_and_strided_input(compiled):
    x = np.linspace(-30, 30, 2001)
    x.flags.writeable = False
    f = actcli.get("sigmoid")
    assert np.array_equal(f(x), f(x.copy()))
    strided = np.linspace(-30, 30, 4002)[::2]
    assert np.array_equal(f(strided), f(strided.copy()))


def test_pure_numpy_and_small_arrays_never_load(monkeypatch):
    monkeypatch.setenv("ACTCLI_PURE_NUMPY", "1")
    x = np.zeros(8)
    assert _compiled.lookup(smooth.sigmoid.kernel, x, x.copy(), {}) is None
    assert "ACTCLI_PURE_NUMPY" in _compiled.status()
    monkeypatch.delenv("ACTCLI_PURE_NUMPY")
    # float16, array parameters and kernels without a compiled form take the NumPy path.
    h = np.zeros(8, np.float16)
    assert _compiled.lookup(smooth.sigmoid.kernel, h, h.copy(), {}) is None
    assert _compiled.lookup(smooth.tanh_shrink.kernel, x, x.copy(), {}) is None


def test_small_arrays_do_not_import_numba():
    """Start-up: evaluating below MIN_SIZE (and the CLI) never imports numba."""
    code = (
        "import sys, numpy as np, actcli\n"
        "actcli.get('gelu')(np.linspace(-5, 5, 100_000))\n"
        "from actcli.cli import main\n"
        "print('numba' in sys.modules)\n"
    )
    env = {**os.environ}
    env.pop("ACTCLI_PURE_NUMPY", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "glu"])
def test_axiswise_compiled(name, compiled, monkeypatch):
    """Rows through the compiled loops: float32 the NumPy path's bits, float64 within 4 ULP of
    mpmath; rows with +inf, NaN or only -inf follow the NumPy kernel's rules."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((40, 16)) * np.array([1.0, 10.0, 100.0, 700.0]).repeat(10)[:, None]
    x[3, 5] = np.inf
    x[4, :] = -np.inf
    x[6, 2] = np.nan
    x[8, :3] = [709.0, 710.0, -745.0]
    f = actcli.get(name)
    for dtype in (np.float32, np.float64):
        xd = x.astype(dtype)
        for axis in (-1, 0):
            fast, slow = _both(f, xd, {"axis": axis}, monkeypatch)
            if dtype == np.float32:
                assert np.array_equal(fast.view(np.uint32), slow.view(np.uint32)), (name, axis)
            else:
                assert np.array_equal(np.isnan(fast), np.isnan(slow))
                assert np.array_equal(fast[np.isinf(fast)], slow[np.isinf(fast)])
    want_of = oracle.AXISWISE[name].value
    got = _both(f, x, {}, monkeypatch)[0]
    for row, g in zip(x[10:], got[10:], strict=True):  # finite rows
        want = want_of([float(t) for t in row.tolist()])
        pairs = zip(g.tolist(), want, strict=True)
        worst = max(oracle.ulp_error(a, b, np.float64) for a, b in pairs)
        assert worst <= 4.0, (row, worst)


def test_glu_nan_gates_give_the_numpy_paths_bits(compiled, monkeypatch):
    """float32 glu rows with NaN halves (quiet and signalling, either sign, in a, in b, in
    both): the NumPy kernels' NaN, a's where a is NaN, else b's with its sign bit set (before:
    the compiled rows passed b through, a signalling NaN still signalling)."""
    nans = np.array([0x7FC00000, 0xFFC00000, 0x7FB4E94D, 0xFFA00001], np.uint32)
    finite = np.array([3.0, -2.5, 0.0, -1e30], np.float32).view(np.uint32)
    cells = np.concatenate([nans, finite])
    a, b = np.meshgrid(cells, cells)
    x = np.concatenate([a.reshape(-1, 8), b.reshape(-1, 8)], axis=1).view(np.float32)
    x = np.ascontiguousarray(x)
    fast, slow = _both(actcli.get("glu"), x, {}, monkeypatch)
    assert np.isnan(fast).sum() == 48
    assert np.array_equal(fast.view(np.uint32), slow.view(np.uint32)), (
        [hex(v) for v in fast.view(np.uint32).ravel()],
        [hex(v) for v in slow.view(np.uint32).ravel()],
    )
    # float64 (finite results may differ in their last bits; the NaNs may not)
    with np.errstate(invalid="ignore"):  # the cast of a signalling NaN
        wide = x.astype(np.float64)
    fast, slow = _both(actcli.get("glu"), wide, {}, monkeypatch)
    nan = np.isnan(slow)
    assert np.array_equal(np.isnan(fast), nan)
    assert np.array_equal(fast[nan].view(np.uint64), slow[nan].view(np.uint64))


@pytest.mark.parametrize(
    ("platform", "machine", "wanted"),
    [
        ("linux", "x86_64", True),
        ("linux", "aarch64", True),
        ("win32", "AMD64", True),
        ("darwin", "arm64", True),
        ("darwin", "x86_64", False),  # numba has no wheels there: NumPy kernels only
        ("win32", "ARM64", False),
    ],
)
def test_numba_is_a_dependency_only_where_it_has_wheels(platform, machine, wanted):
    tomllib = pytest.importorskip("tomllib")
    requirements = pytest.importorskip("packaging.requirements")
    path = Path(__file__).resolve().parent.parent / "pyproject.toml"
    deps = tomllib.loads(path.read_text())["project"]["dependencies"]
    numba_req = requirements.Requirement(next(d for d in deps if d.startswith("numba")))
    env = {"sys_platform": platform, "platform_machine": machine, "python_version": "3.12"}
    assert numba_req.marker.evaluate(env) is wanted


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "log_sigmoid", "silu", "gelu", "tanh"])
def test_near_zero_series_keep_signed_zeros_and_ties(name, compiled, monkeypatch):
    """The float32 near-0 forms (series with a tie-breaking remainder): +-0 keep their sign,
    and the inputs scripts/exhaustive_f32.py found rounded the wrong way are right in both
    paths (the truth is a hair from a float32 midpoint there)."""
    hard = {
        "softplus": [0.00044680992141366005],
        "gelu": [2.1057405319879763e-05],
        "sigmoid": [9.894371032714844e-06, -7.808208465576172e-06, 2.2649765014648438e-06],
    }
    xs = np.array([0.0, -0.0, *hard.get(name, []), 1e-40, -1e-40], np.float32)
    for fast_or_slow in _both(actcli.get(name), xs, {}, monkeypatch):
        for x, got in zip(xs.tolist(), fast_or_slow.tolist(), strict=True):
            want = oracle.round_to(oracle.ELEMENTWISE[name].value(x), np.float32)
            if x == 0.0:
                want = np.float32(actcli.get(name)(np.float64(x)))  # the float64 kernel's zero
            assert np.float32(got).tobytes() == np.float32(want).tobytes(), (name, x, got, want)


# float32 loops with a cheap first pass (_kernels.py, "float32 output") -> the loop whose
# float64 kernel they fall back to.
F32_QUICK = ["sigmoid_loop", "gelu_loop"]
F32_SLOW = [n for n in _compiled._F32 if n not in F32_QUICK]


def _first_pass_check(name):
    """The first pass and its fallback give the float64 kernel's float32 bits on random bit
    patterns (every binade, NaNs, subnormals) and on data-like values; a first pass whose
    error exceeded its bound, or a flag test letting a lane through, would show here."""
    module = _compiled.load()
    rng = np.random.default_rng(16)
    n = 1 << 17
    xs = np.concatenate(
        [
            rng.integers(0, 1 << 32, n, dtype=np.uint64).astype(np.uint32).view(np.float32),
            (rng.standard_normal(n) * 4).astype(np.float32),
            (rng.standard_normal(n) * 1e-3).astype(np.float32),
        ]
    )
    want = np.empty_like(xs)
    got = np.empty_like(xs)
    getattr(module, name)(xs, want, 0.0, True)
    getattr(module, _compiled._F32[name])(xs, got, 0.0, True)
    differ = want.view(np.uint32) != got.view(np.uint32)
    assert not differ.any(), (xs[differ][:5], got[differ][:5], want[differ][:5])


@pytest.mark.parametrize("name", F32_QUICK)
def test_f32_first_pass_same_bits(name):
    _first_pass_check(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", F32_SLOW)
def test_f32_first_pass_same_bits_all(name):
    _first_pass_check(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(_compiled._F32_ROWS))
def test_f32_rows_same_bits(name):
    """The float32 rows with a first pass give the float64-kernel rows' float32 bits: random
    bit patterns (huge glu halves with very negative gates, NaN and infinite entries,
    subnormals), wide spreads (subnormal and zero results), masked rows (-inf entries) and
    rows wider than a summation block."""
    module = _compiled.load()
    rng = np.random.default_rng(17)
    bits = rng.integers(0, 1 << 32, (256, 1000), dtype=np.uint64).astype(np.uint32)
    normal = rng.standard_normal((256, 1000))
    masked = np.where(rng.random((256, 1000)) < 0.3, -np.inf, normal * 4)
    cases = [bits.view(np.float32), normal * 30, normal * 300, masked, normal.reshape(8, -1)]
    for x in cases:
        x = np.ascontiguousarray(x, dtype=np.float32)
        width = x.shape[1] // 2 if name == "glu_rows" else x.shape[1]
        want = np.empty((x.shape[0], width), np.float32)
        got = np.empty_like(want)
        special = np.zeros(x.shape[0], np.bool_)
        getattr(module, name)(x, want, special, True)
        getattr(module, _compiled._F32_ROWS[name])(x, got, special.copy(), True)
        differ = (want.view(np.uint32) != got.view(np.uint32)) & ~special[:, None]
        assert not differ.any(), (name, np.flatnonzero(differ)[:5], got[differ][:5])


def test_gelu_tanh_near_zero_tie(compiled, monkeypatch):
    """gelu(approximate=True) at x = -2.1057405e-05 (found by scripts/exhaustive_f32.py): the
    truth is a hair from a float32 midpoint and the float64 kernel's value rounded the wrong
    way; the near-0 series with its remainder (as for gelu) fixes both paths."""
    xs = np.array([-2.1057405319879763e-05, 2.1057405319879763e-05, -0.0, 0.0], np.float32)
    f = actcli.get("gelu")
    for got in _both(f, xs, {"approximate": True}, monkeypatch):
        for x, y in zip(xs.tolist(), got.tolist(), strict=True):
            truth = oracle.ELEMENTWISE["gelu"].value(x, approximate=True)
            want = oracle.round_to(truth, np.float32)
            if x == 0.0:
                want = np.float32(x)  # +-0 keep their sign
            assert np.float32(y).tobytes() == np.float32(want).tobytes(), (x, y, want)


_ROW_RSS = """
import resource, sys
import numpy as np
import actcli
x = np.random.default_rng(0).standard_normal((1, (1 << 23) + 2))
actcli.get(sys.argv[1])(x[:, :20000])  # imports, the one-off malloc tuning
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
y = actcli.get(sys.argv[1])(x)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024 / x.nbytes)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss units")
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_a_long_row_is_not_held_twice_on_the_compiled_path(name):
    """One row of 2^23 values (above the compiled path's threshold): the result and slices,
    as on the NumPy path (before: a probe run on the whole row and a float64 buffer as long as
    the row, 3.6x the input)."""
    env = {**os.environ, "ACTCLI_PURE_NUMPY": ""}
    env.pop("ACTCLI_PURE_NUMPY")
    run = subprocess.run(
        [sys.executable, "-c", _ROW_RSS, name], capture_output=True, text=True, env=env, check=True
    )
    assert float(run.stdout) < 1.4, run.stdout


def test_long_rows_go_to_the_sliced_numpy_kernels():
    long = np.zeros((1, axiswise.SLICE + 1))
    assert _compiled.lookup_rows(axiswise.softmax_kernel, long, np.empty_like(long)) is None
    short = np.zeros((2, axiswise.SLICE))
    assert _compiled.lookup_rows(axiswise.softmax_kernel, short, np.empty_like(short)) is not None
