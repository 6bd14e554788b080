#!/usr/bin/env python3
"""Prints a Markdown table of actcli's measured error, in ULP, against the mpmath oracle.

For every activation in the registry: the largest error of the value and of the derivative, in
float64 and in float32, over the big test grid (dense [-40, 40], a logspace of both signs over
every magnitude, each kink and its neighbours, +-0, +-inf, subnormals; float32 on the CI grid)
and over every parameter setting the tests use (tests/oracle.py: SETTINGS and SLOW_SETTINGS).
Axis-wise functions are measured on seeded random vectors and the edge rows of the tests.

    python3 scripts/ulp_report.py            # the big grid, all cores: a few minutes
    python3 scripts/ulp_report.py --quick    # the CI grid: seconds
    python3 scripts/ulp_report.py --write    # ... and write docs/ulp.md (keeping the
                                             # exhaustive float32 counts of exhaustive_f32.py)

Functions with a compiled kernel (actcli/core/_compiled, used for arrays of 4M elements and
more) get two more columns: the same float64 grid through the compiled kernels. Their float32
results are the NumPy path's bits (tests/test_compiled.py), so they need no column of their own.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import oracle  # noqa: E402

import actcli  # noqa: E402
from actcli.core import _compiled  # noqa: E402
from actcli.registry import REGISTRY  # noqa: E402

DOC = Path(__file__).resolve().parent.parent / "docs" / "ulp.md"
EXHAUSTIVE = ("<!-- BEGIN exhaustive -->", "<!-- END exhaustive -->")
# Blocks other scripts write into docs/ulp.md (exhaustive_f32.py, f32_margin.py): kept as they are.
KEPT = [EXHAUSTIVE, ("<!-- BEGIN f32-margin -->", "<!-- END f32-margin -->")]

DTYPES = (np.float64, np.float32)


def _settings(name: str) -> list[dict]:
    return list(oracle.SETTINGS.get(name, [{}])) + list(oracle.SLOW_SETTINGS.get(name, []))


def _has_compiled(name: str) -> bool:
    spec = REGISTRY.specs[name]
    return _compiled.usable() and all(
        getattr(f, "kernel", None) is not None and _compiled.covers(f.kernel)
        for f in (spec.fn, spec.prime)
    )


def _measure(task):
    """One (name, which, dtype, params, size, path): returns (task, worst ulp, worst x,
    problems); path "compiled" sends every array through the compiled kernels."""
    name, which, dtype, params, size, path = task
    _compiled.MIN_SIZE = 1 if path == "compiled" else 1 << 62
    ora = oracle.ELEMENTWISE[name]
    spec = REGISTRY.specs[name]
    try:
        kinks = tuple(float(k) for k in spec.kinks(spec.bind(params)))
    except Exception:
        kinks = ()
    xs = oracle.grid(
        dtype, ora.kinks(**params) + kinks, size=size, extra=oracle.HOT_SPOTS.get(name, ())
    )
    fn = actcli.get(name) if which == "value" else actcli.derivative(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = np.asarray(fn(xs, **params))
        except Exception as exc:
            return task, math.inf, None, {f"raised {type(exc).__name__}: {exc}"}
    problems = {"warnings leaked"} if caught else set()
    if got.dtype != np.dtype(dtype) or got.shape != xs.shape:
        return task, math.inf, None, {f"dtype/shape {got.dtype}{got.shape}"}
    info: dict = {}
    _, worst = oracle.compare(name, which, xs, got, params, dtype, info)
    if info["term_rule"]:
        problems.add("term")
    return task, worst, info["worst_x"] if worst > 0 else None, problems


def _axis_vectors(n_random: int):
    rng = np.random.default_rng(20240601)
    vecs = [
        rng.standard_normal(n) * s
        for n in (2, 4, 6, 8, 16)
        for s in (1.0, 10.0, 100.0)
        for _ in range(n_random)
    ]
    vecs += [
        np.array(v)
        for v in (
            [1000.0, 0.0, -1000.0, 5.0],
            [0.0, 0.5, 1.0, 0.25],
            [1.0, 1.0, 1.0, 1.0],
            [709.0, 710.0, 0.0, -745.0],
            [40.0, 0.0],
            [700.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [-5.0, 5.0, 0.1, -0.1],
        )
    ]
    return vecs


def _measure_axis(task):
    name, which, dtype, n_random = task
    ora = oracle.AXISWISE[name]
    fn = actcli.get(name) if which == "value" else actcli.derivative(name)
    want_of = ora.value if which == "value" else ora.diag
    worst, problems = 0.0, set()
    for v in _axis_vectors(n_random):
        x = v.astype(dtype)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = np.asarray(fn(x))
        if caught:
            problems.add("warnings leaked")
        want = want_of([float(t) for t in x.tolist()])
        for g, w in zip(got.tolist(), want, strict=True):
            worst = max(worst, oracle.ulp_error(g, w, dtype))
    return task, worst, None, problems


def _fmt(u: float) -> str:
    if math.isinf(u):
        return "**inf**"
    text = f"{u:.2f}" if u < 100 else f"{u:.3g}"
    return text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="use the small CI grid and settings")
    ap.add_argument("--write", action="store_true", help="write docs/ulp.md")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    args = ap.parse_args(argv)
    size = "ci" if args.quick else "slow"
    started = time.perf_counter()

    tasks = []
    for name, spec in REGISTRY.specs.items():
        if spec.axiswise or name not in oracle.ELEMENTWISE:
            continue
        settings = list(oracle.SETTINGS.get(name, [{}])) if args.quick else _settings(name)
        for params in settings:
            for which in ("value", "derivative"):
                for dtype in DTYPES:
                    # float32: computing in float64 and rounding once is the norm, so the
                    # CI grid (a few hundred points per setting) is enough to see a leak
                    grid = size if dtype == np.float64 else "ci"
                    tasks.append((name, which, dtype, params, grid, "numpy"))
                    if dtype == np.float64 and _has_compiled(name):
                        tasks.append((name, which, dtype, params, grid, "compiled"))
    axis_tasks = [
        (name, which, dtype, 1 if args.quick else 20)
        for name, spec in REGISTRY.specs.items()
        if spec.axiswise and name in oracle.AXISWISE
        for which in ("value", "derivative")
        for dtype in DTYPES
    ]
    # longest first, so the pool ends together
    tasks.sort(key=lambda t: t[0] not in ("gelu", "mish", "silu", "squareplus", "celu", "elu"))

    results: dict[tuple, list] = {}
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for (name, which, dtype, params, _, path), worst, x, problems in pool.map(
            _measure, tasks, chunksize=1
        ):
            key = (name, which, np.dtype(dtype).name + ("/compiled" if path == "compiled" else ""))
            old = results.get(key)
            if old is None or worst > old[0]:
                results[key] = [worst, params, x, old[3] if old else set()]
            results[key][3] |= problems
        for (name, which, dtype, _), worst, _, problems in pool.map(_measure_axis, axis_tasks):
            results[(name, which, np.dtype(dtype).name)] = [worst, None, None, problems]

    missing = [n for n in REGISTRY.specs if not oracle.has_oracle(n)]
    points = oracle.grid(np.float64, (), size=size).size
    points32 = oracle.grid(np.float32, (), size="ci").size
    lines: list[str] = []
    emit = lines.append
    emit(
        "| function | settings | value f64 | derivative f64 | value f32 | derivative f32 "
        "| worst float64 case | compiled value f64 | compiled derivative f64 |"
    )
    emit("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for name, spec in REGISTRY.specs.items():
        if name in missing:
            emit(f"| `{name}` | | no oracle | | | | | | |")
            continue
        n_set = len(oracle.SETTINGS.get(name, [{}])) if args.quick else len(_settings(name))
        cells, notes = [], set()
        for dt, which in (
            ("float64", "value"),
            ("float64", "derivative"),
            ("float32", "value"),
            ("float32", "derivative"),
        ):
            r = results.get((name, which, dt), [math.nan, None, None, set()])
            flags = r[3] - {"term"}
            cells.append(_fmt(r[0]) + (" †" if "term" in r[3] else "") + (" ⚠" if flags else ""))
            notes |= flags
        worst_case = ""
        if not spec.axiswise:
            cand = [(results[(name, w, "float64")], w) for w in ("value", "derivative")]
            (r, w) = max(cand, key=lambda c: c[0][0])
            if r[2] is not None:
                p = "".join(f", {k}={v!r}" for k, v in (r[1] or {}).items())
                worst_case = f"{'f' if w == 'value' else 'df'}({r[2]!r}{p})"
        else:
            n_set = "vectors"
        if notes:
            worst_case += " ⚠ " + "; ".join(sorted(notes))
        fast = []
        for which in ("value", "derivative"):
            r = results.get((name, which, "float64/compiled"))
            fast.append("—" if r is None else _fmt(r[0]) + (" †" if "term" in r[3] else ""))
        emit(
            f"| `{name}` | {n_set} | "
            + " | ".join(cells)
            + f" | {worst_case} | "
            + " | ".join(fast)
            + " |"
        )
    emit("")
    grid_name = "CI" if args.quick else "big"
    emit(
        f"Max error in ULP of the correctly rounded result, against mpmath at 200 bits "
        f"({grid_name} grid: {points} float64 points per setting: dense [-40, 40], |x| from "
        f"1e-300 to 1e300, kinks and neighbours, +-0, +-inf, subnormals; float32: {points32} "
        f"points per setting). Bar: 4 ULP in float64, 1 ULP in float32. † = some points of a "
        f"derivative that is a sum of opposite-signed terms (gelu, silu, mish near their zero) "
        f"are within the bar only as |error| <= 4 eps max|term| (float32: 1 eps); they count as "
        f"4 (1) here. Axis-wise rows: seeded random vectors and edge rows, raw ULP per element "
        f"(no allowance for the conditioning of x_i - max x, or of sparsemax's threshold sum). "
        f"⚠ = NumPy warnings leaked. compiled: the float64 grid through the compiled kernels "
        f"(— where a function has none). Regenerate: `python3 scripts/ulp_report.py --write` "
        f"({time.perf_counter() - started:.0f} s here)."
    )
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.write:
        old = DOC.read_text() if DOC.exists() else ""
        kept = ""
        for begin, end in KEPT:
            if begin in old and end in old:
                kept += "\n" + old[old.index(begin) : old.index(end) + len(end)] + "\n"
        DOC.write_text(text + kept)
    return 0


if __name__ == "__main__":
    sys.exit(main())
