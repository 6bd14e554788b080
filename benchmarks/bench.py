"""actcli speed benchmark: one run, medians and ratios (never a single absolute time).

    python benchmarks/bench.py            # everything, about 2 minutes on 2 cores
    python benchmarks/bench.py --quick    # 1M elements, small files: a smoke run
    python benchmarks/bench.py --only sigmoid,gelu --sections core

Sections: ``core`` (every elementwise function, float32 and float64, against the naive NumPy
formula, the np.copyto floor, PyTorch CPU with one thread and with every core and JAX jit when
they are importable; actcli with one thread and with every core), ``axis`` (softmax-like
rows), ``cli`` (start-up), ``plot``, ``csv`` (end to end through ``actcli eval``),
``stream`` (a 2 GB .npy through ``actcli eval``, with its peak RSS), ``table`` (100,000 rows
as a table against the same run as CSV, to a file and to a pseudo-terminal, with peak RSS). A
part whose feature is missing is skipped with a note, so the script can be rerun as features
land. Prints a Markdown report and writes it to docs/bench.md (included in README by
scripts/gen_readme.py) unless ``--no-write``.

Times are medians of ``--repeat`` or more interleaved runs (quick functions get up to 11), in ns
per element (or ms per command); targets are judged on ratios measured in the same run, on the
same arrays.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import actcli  # noqa: E402
from actcli.core import _array  # noqa: E402
from actcli.registry import REGISTRY  # noqa: E402

SQRT2 = math.sqrt(2.0)
SQRT_2_PI = math.sqrt(2.0 / math.pi)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

# Targets (issue 5).
RELU_FAMILY = {
    "relu",
    "leaky_relu",
    "relu6",
    "threshold",
    "hard_tanh",
    "layers.ReLU",
    "layers.LeakyReLU",
    "layers.PReLU",
    "layers.ThresholdedReLU",
}
EXPENSIVE = {
    "sigmoid",
    "softplus",
    "log_sigmoid",
    "silu",
    "gelu",
    "gelu(approximate)",
    "mish",
    "tanh_shrink",
    "tanh",
    "elu",
    "selu",
    "celu",
    "layers.ELU",
    "squareplus",
    "exponential",
}
THREAD_TARGET = 1.7  # speed-up on 2 cores for the expensive functions
COPY_TARGET = 2.0  # relu family: time / copy floor
STARTUP_TARGET = 1.5
PLOT_TARGET = 1.3
CSV_TARGET = 0.5  # end-to-end throughput / floor throughput
RSS_TARGET_MB = 300


def _erf():
    """scipy.special.erf for the naive exact-gelu baseline if SciPy is installed, else None."""
    try:
        from scipy.special import erf  # lazy: optional, only for the baseline
    except ImportError:
        return None
    return erf


def naive_formulas() -> dict[str, tuple[dict[str, Any], Callable[[np.ndarray], np.ndarray]]]:
    """name -> (actcli parameters, the textbook NumPy formula with the same parameters)."""
    erf = _erf()
    if erf is not None:

        def gelu(x):
            return 0.5 * x * (1 + erf(x / SQRT2))
    else:  # no SciPy: the tanh form is the cheapest textbook gelu in plain NumPy

        def gelu(x):
            return 0.5 * x * (1 + np.tanh(SQRT_2_PI * (x + 0.044715 * x**3)))

    def gelu_tanh(x):
        return 0.5 * x * (1 + np.tanh(SQRT_2_PI * (x + 0.044715 * x**3)))

    def elu(x):
        return np.where(x > 0, x, np.expm1(x))

    return {
        "sigmoid": ({}, lambda x: 1 / (1 + np.exp(-x))),
        "softplus": ({}, lambda x: np.log1p(np.exp(x))),
        "log_sigmoid": ({}, lambda x: -np.log1p(np.exp(-x))),
        "exponential": ({}, np.exp),
        "softsign": ({}, lambda x: x / (1 + np.abs(x))),
        "tanh": ({}, np.tanh),
        "silu": ({}, lambda x: x / (1 + np.exp(-x))),
        "gelu": ({}, gelu),
        "gelu(approximate)": ({"approximate": True}, gelu_tanh),
        "mish": ({}, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
        "squareplus": ({}, lambda x: (x + np.sqrt(x * x + 4)) / 2),
        "tanh_shrink": ({}, lambda x: x - np.tanh(x)),
        "relu": ({}, lambda x: np.maximum(x, 0)),
        "leaky_relu": ({}, lambda x: np.where(x >= 0, x, 0.2 * x)),
        "relu6": ({}, lambda x: np.minimum(np.maximum(x, 0), 6)),
        "threshold": ({"threshold": 0.0, "default_value": 0.0}, lambda x: np.where(x > 0, x, 0)),
        "elu": ({}, elu),
        "selu": ({}, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
        "celu": ({}, elu),
        "hard_sigmoid": ({}, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
        "hard_silu": ({}, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
        "hard_tanh": ({}, lambda x: np.clip(x, -1, 1)),
        "hard_shrink": ({}, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
        "soft_shrink": ({}, lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0)),
        "sparse_plus": ({}, lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4))),
        "sparse_sigmoid": ({}, lambda x: np.clip((x + 1) / 2, 0, 1)),
        "linear": ({}, np.copy),
        "hard_sigmoid_keras2": ({}, lambda x: np.clip(0.2 * x + 0.5, 0, 1)),
        "layers.ReLU": ({}, lambda x: np.maximum(x, 0)),
        "layers.LeakyReLU": ({}, lambda x: np.where(x >= 0, x, 0.3 * x)),
        "layers.PReLU": ({"alpha": 0.25}, lambda x: np.where(x >= 0, x, 0.25 * x)),
        "layers.ELU": ({}, elu),
        "layers.ThresholdedReLU": ({}, lambda x: np.where(x > 1, x, 0)),
    }


def torch_formulas() -> tuple[Any, dict[str, Callable[[Any], Any]]] | tuple[None, str]:
    """(torch, name -> torch function), or (None, why not)."""
    try:
        import torch  # lazy: optional, never a dependency
        import torch.nn.functional as F  # noqa: N812
    except ImportError:
        return None, "PyTorch is not installed: its columns are skipped"
    return torch, {
        "sigmoid": torch.sigmoid,
        "softplus": F.softplus,
        "log_sigmoid": F.logsigmoid,
        "exponential": torch.exp,
        "softsign": F.softsign,
        "tanh": torch.tanh,
        "silu": F.silu,
        "gelu": F.gelu,
        "gelu(approximate)": lambda x: F.gelu(x, approximate="tanh"),
        "mish": F.mish,
        "tanh_shrink": F.tanhshrink,
        "relu": torch.relu,
        "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
        "relu6": F.relu6,
        "threshold": lambda x: F.threshold(x, 0.0, 0.0),
        "elu": F.elu,
        "selu": F.selu,
        "celu": F.celu,
        "hard_sigmoid": F.hardsigmoid,
        "hard_silu": F.hardswish,
        "hard_tanh": F.hardtanh,
        "hard_shrink": F.hardshrink,
        "soft_shrink": F.softshrink,
        "linear": torch.clone,
        "layers.ReLU": torch.relu,
        "layers.LeakyReLU": lambda x: F.leaky_relu(x, 0.3),
        "layers.ELU": F.elu,
    }


def jax_formulas() -> tuple[Any, dict[str, Callable[[Any], Any]]] | tuple[None, str]:
    """(jax.numpy, name -> jitted JAX function, float64 enabled), or (None, why not). XLA's
    CPU thread pool is set when JAX starts, so JAX runs with every core (its default)."""
    try:
        import jax  # lazy: optional, never a dependency

        jax.config.update("jax_enable_x64", True)
        import jax.nn as jnn
        import jax.numpy as jnp
    except ImportError:
        return None, "JAX is not installed: its column is skipped"
    fns = {
        "sigmoid": jnn.sigmoid,
        "softplus": jnn.softplus,
        "log_sigmoid": jnn.log_sigmoid,
        "exponential": jnp.exp,
        "softsign": jnn.soft_sign,
        "tanh": jnp.tanh,
        "silu": jnn.silu,
        "gelu": lambda x: jnn.gelu(x, approximate=False),
        "gelu(approximate)": lambda x: jnn.gelu(x, approximate=True),
        "mish": lambda x: x * jnp.tanh(jnn.softplus(x)),
        "relu": jnn.relu,
        "leaky_relu": lambda x: jnn.leaky_relu(x, 0.2),
        "relu6": jnn.relu6,
        "elu": jnn.elu,
        "selu": jnn.selu,
        "celu": jnn.celu,
        "hard_sigmoid": jnn.hard_sigmoid,
        "hard_silu": jnn.hard_silu,
        "hard_tanh": jnn.hard_tanh,
        "sparse_plus": jnn.sparse_plus,
        "sparse_sigmoid": jnn.sparse_sigmoid,
        "squareplus": jnn.squareplus,
    }
    return jnp, {k: jax.jit(f) for k, f in fns.items()}


def _jax_call(jnp: Any, f: Callable[[Any], Any], x: Any) -> Callable[[], Any]:
    """f(x) on a JAX array already on the device, waiting for the result."""
    return lambda: f(x).block_until_ready()


# timing -----------------------------------------------------------------------------------------


def medians(
    fns: dict[str, Callable[[], Any]], repeat: int, budget: float = 1.0, most: int = 11
) -> dict[str, float]:
    """Median wall time of each function over at least ``repeat`` rounds, the functions
    interleaved so that a noisy neighbour slows all of them alike; quick ones get more rounds
    (up to ``most``, about ``budget`` seconds in all), as a blip weighs more on them."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    rounds = repeat
    done = 0
    while done < rounds:
        t_round = time.perf_counter()
        for key, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t0)
        if done == 0:
            rounds = max(repeat, min(most, int(budget / (time.perf_counter() - t_round))))
        done += 1
    return {k: statistics.median(v) for k, v in times.items()}


def thread_api() -> tuple[Callable[[int], Any] | None, int]:
    """(context manager selecting n threads, or None when the core has no thread knob; cores)."""
    cores = os.cpu_count() or 1
    return getattr(_array, "threads", None), cores


def _fmt_ratio(r: float) -> str:
    return "—" if not math.isfinite(r) else f"{r:.2f}"


def _fmt_ns(t: float) -> str:
    return "—" if not math.isfinite(t) else f"{t:.2f}"


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        for line in lines:
            print(line, flush=True)
            self.lines.append(line)

    def note(self, text: str) -> None:
        self.add(f"- {text}")


# core ---------------------------------------------------------------------------------------------


def bench_core(report: Report, args: argparse.Namespace) -> list[str]:
    """The elementwise table; returns the targets missed (one line each)."""
    n = args.n
    threads, cores = thread_api()
    torch, torch_fns = torch_formulas()
    jnp, jax_fns = jax_formulas()
    formulas = naive_formulas()
    missing = [s for s in REGISTRY.specs.values() if not s.axiswise and s.name not in formulas]
    report.add(
        "",
        f"### Elementwise core, {n:,} elements (ns/element, medians of {args.repeat} to 11 runs)",
        "",
    )
    if torch is None:
        report.note(str(torch_fns))
    if jnp is None:
        report.note(str(jax_fns))
    report.note(f"actcli: {_compiled_status()}")
    if threads is None:
        report.note("actcli has no thread knob yet (actcli.core._array.threads): one column only")
    if _erf() is None:
        report.note("SciPy is not installed: the naive exact gelu is the tanh form")
    for s in missing:
        report.note(f"no naive formula for {s.name}: skipped")
    ceiling = parallel_ceiling(cores) if cores >= 2 else 1.0
    report.add("")
    header = (
        "| function | dtype | copy | naive | actcli 1 thread | actcli "
        f"{cores} threads | out= 1 thread | out= {cores} threads | torch 1 thread | "
        f"torch {cores} threads | jax jit | "
        "actcli/naive | speed-up | out= speed-up | actcli/copy | out=/copy | "
        f"/torch 1 thread | /torch {cores} threads | /jax |"
    )
    report.add(header, "|---" * (header.count("|") - 1) + "|")
    rng = np.random.default_rng(0)
    base = rng.standard_normal(n) * 4.0
    names = [k for k in formulas if _wanted(k, args)]
    failed: list[str] = []
    fresh: dict[str, float] = {}
    versus: dict[tuple[str, str], tuple[float, float, float]] = {}
    for dtype in (np.float32, np.float64):
        x = base.astype(dtype)
        copy_out = np.empty_like(x)
        t = medians(
            {"copy": lambda x=x, o=copy_out: np.copyto(o, x), "fresh": x.copy}, max(args.repeat, 5)
        )
        floor = t["copy"]
        fresh[np.dtype(dtype).name] = t["fresh"] / floor
        tx = torch.from_numpy(x) if torch is not None else None
        jx = jnp.asarray(x) if jnp is not None else None
        for name in names:
            params, naive = formulas[name]
            spec_name = name.split("(")[0]
            f = actcli.get(spec_name)
            f(x[:1000], **params)  # first call: lazy imports, caches

            def run_naive(naive=naive, x=x):
                with np.errstate(all="ignore"):
                    return naive(x)

            fns: dict[str, Callable[[], Any]] = {
                "naive": run_naive,
                "all": lambda f=f, params=params, x=x: f(x, **params),
                "out": lambda f=f, params=params, x=x, o=copy_out: f(x, out=o, **params),
            }
            if threads is not None:

                def one(f=f, params=params, x=x):
                    with threads(1):
                        return f(x, **params)

                fns["one"] = one

                def one_out(f=f, params=params, x=x, o=copy_out):
                    with threads(1):
                        return f(x, out=o, **params)

                fns["one_out"] = one_out
            if tx is not None and name in torch_fns:
                fns["torch"] = _torch_call(torch, torch_fns[name], tx, 1)
                fns["torch_all"] = _torch_call(torch, torch_fns[name], tx, cores)
            if jx is not None and name in jax_fns:
                _jax_call(jnp, jax_fns[name], jx)()  # compile before timing
                fns["jax"] = _jax_call(jnp, jax_fns[name], jx)
            t = medians(fns, args.repeat)
            per = {k: v / n * 1e9 for k, v in t.items()}
            t_one = per.get("one", math.nan)
            ratio = per["all"] / per["naive"]
            speedup = t_one / per["all"]
            out_speedup = per.get("one_out", math.nan) / per["out"]
            vs_copy = per["all"] / (floor / n * 1e9)
            out_vs_copy = per["out"] / (floor / n * 1e9)
            dt = np.dtype(dtype).name
            r_t1 = t_one / per.get("torch", math.nan)
            r_tn = per["all"] / per.get("torch_all", math.nan)
            r_jax = per["all"] / per.get("jax", math.nan)
            versus[(name, dt)] = (r_t1, r_tn, r_jax)
            report.add(
                f"| {name} | {dt} | {floor / n * 1e9:.2f} | {per['naive']:.2f} | "
                f"{_fmt_ns(t_one)} | {per['all']:.2f} | {_fmt_ns(per.get('one_out', math.nan))} | "
                f"{per['out']:.2f} | {_fmt_ns(per.get('torch', math.nan))} | "
                f"{_fmt_ns(per.get('torch_all', math.nan))} | "
                f"{_fmt_ns(per.get('jax', math.nan))} | "
                f"{_fmt_ratio(ratio)} {_mark(ratio <= 1.0)} | {_fmt_ratio(speedup)} | "
                f"{_fmt_ratio(out_speedup)}"
                f"{' ' + _mark(out_speedup >= THREAD_TARGET) if name in EXPENSIVE else ''} | "
                f"{vs_copy:.2f} | {out_vs_copy:.2f}"
                f"{' ' + _mark(out_vs_copy <= COPY_TARGET) if name in RELU_FAMILY else ''} | "
                f"{_fmt_vs(r_t1)} | {_fmt_vs(r_tn)} | {_fmt_vs(r_jax)} |"
            )
            _slower(
                failed,
                f"{name} {dt}",
                [
                    ("PyTorch 1 thread", r_t1),
                    (f"PyTorch {cores} threads", r_tn),
                    ("JAX jit", r_jax),
                ],
            )
            if ratio > 1.0:
                failed.append(f"{name} {dt}: actcli/naive = {ratio:.2f} (> 1)")
            if name in RELU_FAMILY and out_vs_copy > COPY_TARGET:
                failed.append(
                    f"{name} {dt}: f(x, out=y) / np.copyto(y, x) = {out_vs_copy:.2f} "
                    f"(> {COPY_TARGET})"
                )
            if (
                name in EXPENSIVE
                and cores >= 2
                and threads is not None
                and out_speedup < THREAD_TARGET
            ):
                failed.append(
                    f"{name} {dt}: {cores}-thread speed-up {out_speedup:.2f} with out= and "
                    f"{speedup:.2f} without (< {THREAD_TARGET}; the machine's ceiling was "
                    f"{ceiling:.2f})"
                )
    report.add(
        "",
        "copy: np.copyto(out, x) into an existing array, the memory floor. naive: the textbook "
        "NumPy formula on the whole array in the input dtype. actcli/naive uses every core (the "
        "default); speed-up = 1 thread / all threads. ✓: actcli/naive <= 1. out=: "
        "f(x, out=y) into an existing array, compared with the copy floor like for like in "
        "out=/copy (the relu-family target, <= 2). out= speed-up: the thread target (>= "
        f"{THREAD_TARGET} for the expensive functions), measured without the page faults of a "
        "new array, which the operating system serialises in part, so that the plain speed-up "
        "is lower. actcli/copy is the plain call f(x), which returns a new array and so also "
        "pays for its first touch: x.copy() takes "
        + " and ".join(f"{r:.2f}x the copy floor in {d}" for d, r in fresh.items())
        + ". /torch, /jax: actcli's time over the framework's at the same thread count (JAX: "
        "every core), ✓ when <= 1; both return a new array, as actcli's plain call does.",
    )
    _summary(report, versus, cores, n)
    if cores >= 2:
        after = parallel_ceiling(cores)
        report.add(
            "",
            f"The machine's parallel ceiling: {cores} processes running an np.exp loop side by "
            f"side got {ceiling:.2f}x (before the table) and {after:.2f}x (after) the throughput "
            "of one alone. No thread speed-up can beat it; virtual cores may share a physical "
            "one, or other work may hold one.",
        )
    return failed


def _compiled_status() -> str:
    status = getattr(getattr(_array, "_compiled", None), "status", None)
    return status() if status else "NumPy kernels only"


def _torch_call(torch: Any, g: Callable[[Any], Any], tx: Any, n: int) -> Callable[[], Any]:
    def call() -> Any:
        torch.set_num_threads(n)
        return g(tx)

    return call


def _fmt_vs(r: float) -> str:
    return "—" if not math.isfinite(r) else f"{r:.2f} {_mark(r <= 1.0)}"


SUMMARY = (
    *("sigmoid", "tanh", "softplus", "silu", "gelu", "mish", "elu", "log_sigmoid", "exponential"),
)


def _summary(report: Report, versus: dict, cores: int, n_elements: int) -> None:
    """The issue-16 table: actcli / PyTorch with every core (JAX jit in brackets)."""
    names = [n for n in SUMMARY if any((n, d) in versus for d in ("float32", "float64"))]
    if not names or all(math.isnan(v[1]) for v in versus.values()):
        return
    report.add(
        "",
        "<!-- BEGIN summary -->",
        f"Time of actcli over PyTorch CPU with {cores} threads (JAX jit in brackets) on "
        f"{n_elements:,} elements, from one run of benchmarks/bench.py (<= 1: actcli is as fast "
        "or faster; its float32 results are correctly rounded, the frameworks' are not):",
        "",
        "| | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    )
    for dt in ("float32", "float64"):
        cells = []
        for n in names:
            _, r_tn, r_jax = versus.get((n, dt), (math.nan,) * 3)
            cells.append(f"{_fmt_ratio(r_tn)} ({_fmt_ratio(r_jax)})")
        report.add(f"| {dt} | " + " | ".join(cells) + " |")
    report.add("<!-- END summary -->")


_EXP_LOOP = r"""
import sys, time, numpy as np
x = np.random.default_rng(0).standard_normal(1 << 15)
o = np.empty_like(x)
np.exp(x, out=o)
while time.time() < float(sys.argv[1]):  # start together
    pass
t0 = time.perf_counter()
for _ in range(int(sys.argv[2])):
    np.exp(x, out=o)
print(time.perf_counter() - t0)
"""


def parallel_ceiling(cores: int, loops: int = 6000) -> float:
    """Throughput of ``cores`` processes running the same np.exp loop at once, relative to one
    alone (no GIL, no shared data): the best any thread speed-up can do right now."""

    def run(k: int) -> float:
        start = time.time() + 0.5
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _EXP_LOOP, str(start), str(loops)], stdout=subprocess.PIPE
            )
            for _ in range(k)
        ]
        return max(float(p.communicate()[0]) for p in procs)

    alone = statistics.median(run(1) for _ in range(3))
    together = statistics.median(run(cores) for _ in range(3))
    return cores * alone / together


def _wanted(name: str, args: argparse.Namespace) -> bool:
    return not args.only or any(part.lower() in name.lower() for part in args.only.split(","))


# axis-wise ----------------------------------------------------------------------------------------


def bench_derivatives(report: Report, args: argparse.Namespace) -> list[str]:
    """actcli.derivative(name)(x) against PyTorch's autograd (forward and backward, as a
    framework computes a derivative) and JAX's jit(vmap(grad(f))) (fused: the derivative
    alone), every core."""
    torch, torch_fns = torch_formulas()
    jnp, _ = jax_formulas()
    if torch is None and jnp is None:
        report.note("no PyTorch or JAX: the derivative table is skipped")
        return []
    jax_grads = _jax_grads() if jnp is not None else {}
    n = args.n
    _, cores = thread_api()
    names = [k for k in SUMMARY if _wanted(k, args)]
    report.add(
        "",
        f"### Derivatives, {n:,} elements, {cores} threads (ns/element, medians)",
        "",
        "| function | dtype | actcli | torch autograd | jax jit(vmap(grad)) | /torch | /jax |",
        "|---|---|---|---|---|---|---|",
    )
    rng = np.random.default_rng(0)
    base = rng.standard_normal(n) * 4.0
    failed = []
    for dtype in (np.float32, np.float64):
        x = base.astype(dtype)
        dt = np.dtype(dtype).name
        for name in names:
            d = actcli.derivative(name)
            d(x[:1000])
            fns: dict[str, Callable[[], Any]] = {"actcli": lambda d=d, x=x: d(x)}
            if torch is not None and name in torch_fns:
                fns["torch"] = _torch_grad(torch, torch_fns[name], x, cores)
            if name in jax_grads:
                jx = jnp.asarray(x)
                call = _jax_call(jnp, jax_grads[name], jx)
                call()
                fns["jax"] = call
            per = {k: v / n * 1e9 for k, v in medians(fns, args.repeat).items()}
            r_t = per["actcli"] / per.get("torch", math.nan)
            r_j = per["actcli"] / per.get("jax", math.nan)
            report.add(
                f"| {name} | {dt} | {per['actcli']:.2f} | "
                f"{_fmt_ns(per.get('torch', math.nan))} | {_fmt_ns(per.get('jax', math.nan))} | "
                f"{_fmt_vs(r_t)} | {_fmt_vs(r_j)} |"
            )
            _slower(failed, f"{name}' {dt}", [("PyTorch autograd", r_t), ("JAX grad", r_j)])
    return failed


def _slower(failed: list[str], what: str, ratios: list[tuple[str, float]]) -> None:
    """A "Targets not met" line for each framework whose time actcli's exceeds (NaN: absent)."""
    for label, r in ratios:
        if r > 1.0:
            failed.append(f"{what}: actcli / {label} = {r:.2f} (> 1)")


def _torch_grad(torch: Any, g: Callable[[Any], Any], x: np.ndarray, n: int) -> Callable[[], Any]:
    tx = torch.from_numpy(x)

    def call() -> Any:
        torch.set_num_threads(n)
        leaf = tx.detach().requires_grad_(True)
        y = g(leaf)
        (grad,) = torch.autograd.grad(y, leaf, torch.ones_like(y))
        return grad

    return call


def _jax_grads() -> dict[str, Callable[[Any], Any]]:
    import jax  # lazy: optional
    import jax.nn as jnn
    import jax.numpy as jnp

    scalar = {
        "sigmoid": jnn.sigmoid,
        "tanh": jnp.tanh,
        "softplus": jnn.softplus,
        "silu": jnn.silu,
        "gelu": lambda x: jnn.gelu(x, approximate=False),
        "mish": lambda x: x * jnp.tanh(jnn.softplus(x)),
        "elu": jnn.elu,
        "log_sigmoid": jnn.log_sigmoid,
        "exponential": jnp.exp,
    }
    return {k: jax.jit(jax.vmap(jax.grad(f))) for k, f in scalar.items()}


def bench_axis(report: Report, args: argparse.Namespace) -> list[str]:
    n = args.n
    width = 1000
    rows = max(1, n // width)
    rng = np.random.default_rng(1)
    base = rng.standard_normal((rows, width)) * 4.0

    def softmax(x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def log_softmax(x):
        z = x - x.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

    def glu(x):
        a, b = np.split(x, 2, axis=-1)
        return a / (1 + np.exp(-b))

    cases = {"softmax": softmax, "log_softmax": log_softmax, "glu": glu}
    threads, cores = thread_api()
    torch, _ = torch_formulas()
    jnp, _ = jax_formulas()
    frameworks = _axis_frameworks(torch, jnp)
    report.add(
        "",
        f"### Axis-wise, {rows:,} rows of {width} "
        f"(ns/element, medians of {args.repeat} to 11 runs)",
        "",
        f"| function | dtype | naive | actcli 1 thread | actcli {cores} threads | actcli/naive "
        f"| speed-up | torch 1 thread | torch {cores} threads | jax jit | /torch 1 thread "
        f"| /torch {cores} threads | /jax |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    )
    failed = []
    for dtype in (np.float32, np.float64):
        x = base.astype(dtype)
        for name, naive in cases.items():
            if not _wanted(name, args):
                continue
            f = actcli.get(name)
            f(x[:2])

            def run_naive(naive=naive, x=x):
                with np.errstate(all="ignore"):
                    return naive(x)

            fns: dict[str, Callable[[], Any]] = {"naive": run_naive, "all": lambda f=f, x=x: f(x)}
            if threads is not None:

                def one(f=f, x=x):
                    with threads(1):
                        return f(x)

                fns["one"] = one
            fw = frameworks.get(name)
            if fw is not None and torch is not None:
                tx = torch.from_numpy(x)
                fns["torch"] = _torch_call(torch, fw[0], tx, 1)
                fns["torch_all"] = _torch_call(torch, fw[0], tx, cores)
            if fw is not None and jnp is not None:
                call = _jax_call(jnp, fw[1], jnp.asarray(x))
                call()
                fns["jax"] = call
            per = {k: v / x.size * 1e9 for k, v in medians(fns, args.repeat).items()}
            t_one = per.get("one", math.nan)
            ratio = per["all"] / per["naive"]
            dt = np.dtype(dtype).name
            r_t1 = t_one / per.get("torch", math.nan)
            r_tn = per["all"] / per.get("torch_all", math.nan)
            r_j = per["all"] / per.get("jax", math.nan)
            report.add(
                f"| {name} | {dt} | {per['naive']:.2f} | {_fmt_ns(t_one)} | {per['all']:.2f} | "
                f"{_fmt_ratio(ratio)} {_mark(ratio <= 1.0)} | {_fmt_ratio(t_one / per['all'])} | "
                f"{_fmt_ns(per.get('torch', math.nan))} | "
                f"{_fmt_ns(per.get('torch_all', math.nan))} | "
                f"{_fmt_ns(per.get('jax', math.nan))} | {_fmt_vs(r_t1)} | {_fmt_vs(r_tn)} | "
                f"{_fmt_vs(r_j)} |"
            )
            _slower(
                failed,
                f"{name} {dt} (rows)",
                [("PyTorch 1 thread", r_t1), (f"PyTorch {cores} threads", r_tn), ("JAX jit", r_j)],
            )
            if ratio > 1.0:
                failed.append(f"{name} {dt} (rows): actcli/naive = {ratio:.2f} (> 1)")
    report.add(
        "",
        "sparsemax has no PyTorch or JAX function to compare with (nor a one-line NumPy "
        "formula); its rows run the NumPy kernel.",
    )
    return failed


def _axis_frameworks(torch: Any, jnp: Any) -> dict[str, tuple[Any, Any]]:
    """name -> (PyTorch function, jitted JAX function) along the last axis (None if absent)."""
    out: dict[str, list[Any]] = {k: [None, None] for k in ("softmax", "log_softmax", "glu")}
    if torch is not None:
        import torch.nn.functional as F  # noqa: N812  # lazy: optional

        out["softmax"][0] = lambda x: F.softmax(x, dim=-1)
        out["log_softmax"][0] = lambda x: F.log_softmax(x, dim=-1)
        out["glu"][0] = lambda x: F.glu(x, dim=-1)
    if jnp is not None:
        import jax  # lazy: optional
        import jax.nn as jnn

        out["softmax"][1] = jax.jit(lambda x: jnn.softmax(x, axis=-1))
        out["log_softmax"][1] = jax.jit(lambda x: jnn.log_softmax(x, axis=-1))
        out["glu"][1] = jax.jit(lambda x: jnn.glu(x, axis=-1))
    return {k: (v[0], v[1]) for k, v in out.items()}


# command line -------------------------------------------------------------------------------------


def actcli_command() -> list[str] | None:
    """The installed entry point next to this Python (not a pyenv shim, which adds its own
    start-up), else ``python -m actcli``."""
    exe = Path(sys.executable).parent / "actcli"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("actcli")
    return [found] if found else [sys.executable, "-m", "actcli"]


def _run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, **kw)


def _time_cmds(cmds: dict[str, list[str]], repeat: int, **kw: Any) -> dict[str, float]:
    """Median wall time (s) of each command, interleaved; raises if one fails."""
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(repeat):
        for key, cmd in cmds.items():
            t0 = time.perf_counter()
            done = _run(cmd, **kw)
            times[key].append(time.perf_counter() - t0)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr.decode()[-300:]}")
    return {k: statistics.median(v) for k, v in times.items()}


def _compile_package() -> None:
    """Writes actcli's bytecode, as a regular (non-editable) pip install does: with
    PYTHONDONTWRITEBYTECODE set (as on these machines) every run would otherwise recompile it."""
    import actcli

    _run([sys.executable, "-m", "compileall", "-q", str(Path(actcli.__file__).parent)])


def bench_cli(report: Report, args: argparse.Namespace) -> list[str]:
    act = actcli_command()
    repeat = max(args.repeat, 7)
    _compile_package()
    report.add(
        "",
        f"### Start-up (ms, medians of {repeat})",
        "",
        '| command | time | ratio to `python -c "import numpy"` | target |',
        "|---|---|---|---|",
    )
    cmds = {
        "floor": [sys.executable, "-c", "import numpy"],
        "actcli eval relu -- 1": [*act, "eval", "relu", "--", "1"],
        "actcli --help": [*act, "--help"],
        "actcli list": [*act, "list"],
    }
    try:
        t = _time_cmds(cmds, repeat)
    except (RuntimeError, OSError) as exc:
        report.note(f"skipped: {exc}")
        return []
    report.add(f'| `python -c "import numpy"` | {t["floor"] * 1e3:.0f} | 1.00 | |')
    failed = []
    for key in list(cmds)[1:]:
        r = t[key] / t["floor"]
        target = STARTUP_TARGET if key.startswith("actcli eval") else None
        mark = f"<= {target} {_mark(r <= target)}" if target else ""
        report.add(f"| `{key}` | {t[key] * 1e3:.0f} | {r:.2f} | {mark} |")
        if target and r > target:
            failed.append(f"start-up `{key}`: {r:.2f}x import numpy (> {target})")
    return failed


def bench_plot(report: Report, args: argparse.Namespace) -> list[str]:
    act = actcli_command()
    repeat = max(args.repeat, 3)
    report.add("", f"### Plot (ms, medians of {repeat})", "")
    try:
        import matplotlib  # noqa: F401  # lazy: only to know whether the floor can run
    except ImportError:
        report.note("matplotlib is not installed: skipped")
        return []
    with tempfile.TemporaryDirectory() as tmp:
        floor = (
            "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt; "
            f"plt.figure().savefig({str(Path(tmp) / 'empty.png')!r})"
        )
        cmds = {
            "floor": [sys.executable, "-c", floor],
            "plot": [*act, "plot", "gelu", "-o", str(Path(tmp) / "x.png")],
        }
        try:
            t = _time_cmds(cmds, repeat, env={**os.environ, "MPLBACKEND": "Agg"})
        except (RuntimeError, OSError) as exc:
            report.note(f"skipped: {exc}")
            return []
    r = t["plot"] / t["floor"]
    report.add(
        "| command | time | ratio to the matplotlib floor | target |",
        "|---|---|---|---|",
        f"| import matplotlib.pyplot, save an empty figure | {t['floor'] * 1e3:.0f} | 1.00 | |",
        f"| `actcli plot gelu -o x.png` | {t['plot'] * 1e3:.0f} | {r:.2f} | <= {PLOT_TARGET} "
        f"{_mark(r <= PLOT_TARGET)} |",
    )
    return [f"plot: {r:.2f}x the matplotlib floor (> {PLOT_TARGET})"] if r > PLOT_TARGET else []


_CSV_FLOOR = r"""
import sys, numpy as np
with open(sys.argv[1]) as f:
    header = f.readline()
    cells = f.read().split()
x = np.array(cells, dtype=np.float64)
y = x.tolist()
with open(sys.argv[2], "w") as out:
    out.write("x,y\n")
    chunk = 1 << 16
    for i in range(0, len(cells), chunk):
        out.write("".join(f"{c},{v!r}\n" for c, v in zip(cells[i:i + chunk], y[i:i + chunk])))
"""


def bench_csv(report: Report, args: argparse.Namespace) -> list[str]:
    act = actcli_command()
    rows = args.csv_rows
    repeat = max(1, min(args.repeat, 3))
    report.add("", f"### CSV end to end, {rows:,} rows (s, medians of {repeat})", "")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "x.csv"
        x = np.random.default_rng(2).standard_normal(rows) * 4.0
        with open(src, "w") as f:
            f.write("x\n")
            for i in range(0, rows, 1 << 16):
                f.write("".join(f"{v!r}\n" for v in x[i : i + (1 << 16)].tolist()))
        cmds = {
            "floor": [sys.executable, "-c", _CSV_FLOOR, str(src), str(Path(tmp) / "floor.csv")],
            "actcli": [*act, "eval", "sigmoid", "-i", str(src), "-o", str(Path(tmp) / "y.csv")],
        }
        try:
            t = _time_cmds(cmds, repeat)
        except (RuntimeError, OSError) as exc:
            report.note(f"skipped: {exc}")
            return []
    r = t["floor"] / t["actcli"]
    report.add(
        "| run | time | throughput relative to the floor | target |",
        "|---|---|---|---|",
        f"| floor: parse the column, format {rows:,} floats (shortest repr), write | "
        f"{t['floor']:.2f} | 1.00 | |",
        f"| `actcli eval sigmoid -i x.csv -o y.csv` | {t['actcli']:.2f} | {r:.2f} | "
        f">= {CSV_TARGET} {_mark(r >= CSV_TARGET)} |",
    )
    return [f"csv: {r:.2f} of the floor's throughput (< {CSV_TARGET})"] if r < CSV_TARGET else []


_RSS_WRAPPER = r"""
import resource, subprocess, sys, time
t0 = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True)
dt = time.perf_counter() - t0
sys.stderr.write(done.stderr.decode()[-300:])
print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)
"""


def bench_stream(report: Report, args: argparse.Namespace) -> list[str]:
    """A large .npy through the CLI in a fresh wrapper process whose only child is actcli, so
    RUSAGE_CHILDREN's peak is actcli's own."""
    act = actcli_command()
    nbytes = args.stream_mb * 2**20
    n = nbytes // 4
    report.add("", f"### Streaming a {args.stream_mb / 1024:.1f} GB float32 .npy", "")
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        src = Path(tmp) / "big.npy"
        if shutil.disk_usage(tmp).free < 3 * nbytes:
            report.note(f"skipped: not enough free disk space in {tmp}")
            return []
        big = np.lib.format.open_memmap(src, mode="w+", dtype=np.float32, shape=(n,))
        rng = np.random.default_rng(3)
        step = 1 << 24
        for i in range(0, n, step):
            big[i : i + step] = rng.standard_normal(min(step, n - i), dtype=np.float32) * 4
        big.flush()
        del big
        os.sync()
        with open(src, "rb") as warm:  # into the page cache, so that neither run times the disk
            while warm.read(1 << 26):
                pass
        rows = []
        for name in ("relu", "sigmoid"):
            dst = Path(tmp) / f"{name}.npy"
            cmd = [sys.executable, "-c", _RSS_WRAPPER, *act, "eval", name, "-i", str(src)]
            runs = []
            for _ in range(2):
                os.sync()  # the last run's writeback is not timed
                done = _run([*cmd, "-o", str(dst)])
                dst.unlink(missing_ok=True)
                try:
                    secs, rss_kb, code = done.stdout.decode().split()
                except ValueError:
                    report.note(f"skipped {name}: {done.stderr.decode()[-300:]}")
                    break
                if code != "0":
                    report.note(f"{name} failed: {done.stderr.decode()[-300:]}")
                    break
                runs.append((float(secs), int(rss_kb) / 1024))
            if len(runs) == 2:
                rows.append((name, [r[0] for r in runs], max(r[1] for r in runs)))
    if not rows:
        return []
    report.add(
        "Each command runs twice, the input already in the page cache. Both write 2 GB "
        "through the page cache, so the operating system's writeback of dirty pages sets much "
        "of the time, and it differs from run to run.",
        "",
        "| command | time (s), two runs | ns/element (faster run) | peak RSS (MB) | target |",
        "|---|---|---|---|---|",
    )
    failed = []
    for name, secs, rss in rows:
        ok = rss <= RSS_TARGET_MB
        report.add(
            f"| `actcli eval {name} -i big.npy -o y.npy` | {secs[0]:.1f}, {secs[1]:.1f} | "
            f"{min(secs) / n * 1e9:.2f} | {rss:.0f} | <= {RSS_TARGET_MB} MB {_mark(ok)} |"
        )
        if not ok:
            failed.append(f"stream {name}: peak RSS {rss:.0f} MB (> {RSS_TARGET_MB} MB)")
    return failed


# table --------------------------------------------------------------------------------------------

TABLE_TARGET = 2.0  # table time / CSV time, to a file and to a terminal

_PTY_WRAPPER = r"""
import fcntl, os, pty, resource, struct, subprocess, sys, termios, time
leader, follower = pty.openpty()
fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 120, 0, 0))
env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
t0 = time.perf_counter()
child = subprocess.Popen(
    sys.argv[1:], stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env
)
os.close(follower)
while True:  # drain the terminal as fast as a terminal emulator would, keeping nothing
    try:
        if not os.read(leader, 1 << 16):
            break
    except OSError:  # EIO: the child closed the terminal
        break
err = child.stderr.read()
child.wait()
dt = time.perf_counter() - t0
sys.stderr.write(err.decode()[-300:])
print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, child.returncode)
"""


def _timed_with_rss(
    cmds: dict[str, list[str]], repeat: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall time (s) and peak RSS (MB) of each wrapped command, interleaved."""
    times: dict[str, list[float]] = {k: [] for k in cmds}
    rss: dict[str, float] = dict.fromkeys(cmds, 0.0)
    for _ in range(repeat):
        for key, cmd in cmds.items():
            done = _run(cmd)
            try:
                secs, rss_kb, code = done.stdout.decode().split()
            except ValueError:
                raise RuntimeError(f"{key}: {done.stderr.decode()[-300:]}") from None
            if code != "0":
                raise RuntimeError(f"{key} failed: {done.stderr.decode()[-300:]}")
            times[key].append(float(secs))
            rss[key] = max(rss[key], int(rss_kb) / 1024)
    return {k: statistics.median(v) for k, v in times.items()}, rss


def bench_table(report: Report, args: argparse.Namespace) -> list[str]:
    """``-f table`` against CSV for the same run, to a file and to a pseudo-terminal (120
    columns, drained as fast as it fills), each in a fresh wrapper whose only child is actcli."""
    act = actcli_command()
    rows = args.table_rows
    repeat = max(1, min(args.repeat, 5))
    report.add("", f"### Tables, {rows:,} rows (s, medians of {repeat}; peak RSS in MB)", "")
    if not sys.platform.startswith("linux"):
        report.note("skipped: the terminal runs need Linux's pseudo-terminals")
        return []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "x.csv"
        x = np.random.default_rng(4).standard_normal(rows) * 4.0
        src.write_text("x\n" + "".join(f"{v!r}\n" for v in x.tolist()))
        run = [*act, "eval", "gelu", "-d", "-i", str(src)]
        to_file = [sys.executable, "-c", _RSS_WRAPPER, *run, "-o"]
        on_pty = [sys.executable, "-c", _PTY_WRAPPER, *run]
        cmds = {
            "file csv": [*to_file, str(Path(tmp) / "y.csv")],
            "file table": [*to_file, str(Path(tmp) / "y.txt"), "-f", "table"],
            "terminal csv": [*on_pty, "-f", "csv"],
            "terminal table": [*on_pty, "-q"],
        }
        try:
            t, rss = _timed_with_rss(cmds, repeat)
        except (RuntimeError, OSError) as exc:
            report.note(f"skipped: {exc}")
            return []
    report.add(
        "| destination | CSV (s) | table (s) | table / CSV | CSV RSS | table RSS | target |",
        "|---|---|---|---|---|---|---|",
    )
    failed = []
    for where, how in (("file", "`-o y.txt -f table`"), ("terminal", "a 120-column pty")):
        csv_t, table_t = t[f"{where} csv"], t[f"{where} table"]
        r = table_t / csv_t
        report.add(
            f"| {where} ({how}) | {csv_t:.2f} | {table_t:.2f} | {r:.2f} | "
            f"{rss[f'{where} csv']:.0f} | {rss[f'{where} table']:.0f} | "
            f"<= {TABLE_TARGET} {_mark(r <= TABLE_TARGET)} |"
        )
        if r > TABLE_TARGET:
            failed.append(f"table to a {where}: {r:.2f}x the CSV time (> {TABLE_TARGET})")
    report.add(
        "",
        f"The command is `actcli eval gelu -d -i x.csv` ({rows:,} rows, 3 columns), as CSV and "
        "as a table; the same run as CSV is the yardstick.",
    )
    return failed


SECTIONS = {
    "core": bench_core,
    "derivatives": bench_derivatives,
    "axis": bench_axis,
    "cli": bench_cli,
    "plot": bench_plot,
    "csv": bench_csv,
    "stream": bench_stream,
    "table": bench_table,
}


MARKER = "<!-- benchmarks/bench.py writes everything below this line -->"


def load() -> str:
    try:
        return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "load average unknown"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{today}; {os.cpu_count()} cores ({cpu}); Python {platform.python_version()}, "
        f"NumPy {np.__version__}, actcli {actcli.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000_000, help="elements per array (core)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per measurement (median)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated subset")
    parser.add_argument("--only", default="", help="comma-separated name fragments (core, axis)")
    parser.add_argument("--csv-rows", type=int, default=2_000_000)
    parser.add_argument("--table-rows", type=int, default=100_000, help="rows of the table runs")
    parser.add_argument("--stream-mb", type=int, default=2048, help="size of the streamed .npy")
    parser.add_argument("--tmp", default=None, help="folder for the large temporary files")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/bench.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.csv_rows, args.stream_mb = 1_000_000, 100_000, 64
    wanted = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {sorted(unknown)}; choose from {list(SECTIONS)}")
    report = Report()
    start = time.perf_counter()
    report.add(
        f"Measured {machine()}; {load()} at the start (other work on the machine slows "
        "everything, threads most). `python benchmarks/bench.py` reruns it."
    )
    failed: list[str] = []
    for name in wanted:
        failed += SECTIONS[name](report, args)
    report.add("", "### Targets not met", "")
    if failed:
        for line in failed:
            report.note(line)
    else:
        report.add("All measured targets are met.")
    elapsed = time.perf_counter() - start
    report.add("", f"The whole benchmark took {elapsed:.0f} s; {load()} at the end.")
    print(f"\n(benchmark took {elapsed:.0f} s)", file=sys.stderr)
    if not args.no_write and not args.quick:
        out = ROOT / "docs" / "bench.md"
        out.parent.mkdir(exist_ok=True)
        # The hand-written part above the marker (why the compiled kernels are numba) stays.
        text = out.read_text() if out.exists() else ""
        keep = text[: text.index(MARKER) + len(MARKER)] + "\n\n" if MARKER in text else ""
        out.write_text(keep + "\n".join(report.lines) + "\n")
        print(f"wrote {out.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
