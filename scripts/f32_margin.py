#!/usr/bin/env python3
"""How far the float32 first passes are from the float64 kernels, on every float32 input.

    python3 scripts/f32_margin.py                 # every first pass, all 2^32 inputs
    python3 scripts/f32_margin.py sigmoid gelu    # some of them
    python3 scripts/f32_margin.py --write         # all, and the table into docs/ulp.md

The compiled float32 loops (actcli/core/_compiled/_kernels.py, "float32 output") keep a lane's
cheap value y only where it lies more than _F32_NEAR float64 ULPs from every float32 midpoint;
that is sound if y is always within _F32_NEAR ULPs of the truth. This measures, for every
float32 x whose result is a normal float32, the distance in float64 ULPs (of y's binade)
between y and the float64 kernel's value r (itself within 4 ULPs of the truth, docs/ulp.md),
and prints the largest, where, and the margin: _F32_NEAR over (largest + 4). About a minute
per function on two cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit, prange

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from doc_blocks import put_block  # noqa: E402

from actcli.core._compiled import _kernels as k  # noqa: E402


def _make(first, exact):
    @njit(parallel=True, error_model="numpy")
    def worst(xs):
        n = xs.shape[0]
        span = np.zeros(n // 65536 + 1)
        where = np.zeros(n // 65536 + 1, np.int64)
        for c in prange(n // 65536 + 1):
            top = 0.0
            at = 0
            for j in range(c * 65536, min(c * 65536 + 65536, n)):
                x = np.float64(xs[j])
                r = exact(x)
                if not (abs(r) >= k._F32_TINY and abs(r) <= 3.4e38):
                    continue
                y = first(x)
                d = abs(np.float64(k.bits(y) - k.bits(r)))
                if d > top:
                    top = d
                    at = j
            span[c] = top
            where[c] = at
        i = np.argmax(span)
        return span[i], where[i]

    return worst


def _jit(f):
    return f if hasattr(f, "py_func") else njit(inline="always")(f)


FIRST = {
    "sigmoid": (k._sigmoid_f32, k.sigmoid),
    "silu": (k._silu_f32, k.silu),
    "softplus": (k._softplus_f32, k.softplus),
    "log_sigmoid": (k._log_sigmoid_f32, lambda x: k.log_sigmoid_narrow(x, False)),
    "gelu": (k._gelu_f32, lambda x: k.gelu(x, False)),
    "gelu_tanh": (k._gelu_tanh_f32, k.gelu_tanh),
}


DOC = Path(__file__).resolve().parent.parent / "docs" / "ulp.md"
HEAD = (
    "| first pass | largest distance (float64 ULPs) | at x | bound | margin | s |",
    "|---|---:|---:|---:|---:|---:|",
)
NOTE = (
    "The compiled float32 loops of these functions keep a cheap first-pass value only where "
    "it lies more than the bound (float64 ULPs) from every "
    "float32 midpoint, and give every other input to the float64 kernel; that gives the float64 "
    "kernel's float32 bits (so the exhaustive counts above, taken through the float64 kernels, "
    "hold for the first passes too), provided every first-pass value is within the bound of the "
    "truth. Measured on every float32 input whose result is a "
    "normal float32: the largest distance from the float64 kernel (itself within 4 ULP of the "
    "truth); margin = bound / (largest + 4). `python3 scripts/f32_margin.py --write` reruns it "
    "(a minute or two per function). glu's float32 rows use silu's construction on two inputs "
    "(2^64 pairs: checked on random rows in tests/test_compiled.py, not exhaustively); softmax "
    "and log_softmax rows use a tighter bound, 2^-42 (docs/bench.md)."
)


def write_block(rows: list[str]) -> None:
    """Puts the table into docs/ulp.md between its markers (appended if absent)."""
    put_block(
        DOC, "f32-margin", ["### float32 first passes: how close", "", *HEAD, *rows, "", NOTE]
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", default=list(FIRST))
    ap.add_argument("--write", action="store_true", help="update docs/ulp.md")
    args = ap.parse_args(argv)
    print("\n".join(HEAD))
    rows = []
    for name in args.names:
        first, exact = FIRST[name]
        worst = _make(_jit(first), _jit(exact))
        start = time.perf_counter()
        top, at = 0.0, 0
        step = 1 << 24
        for lo in range(0, 1 << 32, step):
            xs = np.arange(lo, lo + step, dtype=np.uint32).view(np.float32)
            d, w = worst(xs)
            if d > top:
                top, at = d, lo + w
        x = float(np.array([at], np.uint32).view(np.float32)[0])
        margin = k._F32_NEAR / (top + 4)
        rows.append(
            f"| {name} | {top:,.0f} | {x!r} | {k._F32_NEAR:,} | {margin:.1f} | "
            f"{time.perf_counter() - start:.0f} |"
        )
        print(rows[-1], flush=True)
    if args.write:
        write_block(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
