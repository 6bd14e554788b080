#!/usr/bin/env python3
"""Checks float32 results on every one of the 2^32 inputs: how many are not correctly rounded.

    python3 scripts/exhaustive_f32.py                      # sigmoid tanh silu gelu softplus
    python3 scripts/exhaustive_f32.py sigmoid --chunks 16  # a sixteenth of the inputs: a try
    python3 scripts/exhaustive_f32.py --write              # ... and update docs/ulp.md
    python3 scripts/exhaustive_f32.py log_sigmoid gelu_tanh --paths compiled   # two more

About 5 to 25 minutes per function on 2 busy cores (the NumPy path and the reference dominate).

Both paths are checked: the compiled kernels (numba) and the NumPy kernels (the fallback).

The reference. mpmath is far too slow for 2^32 points, so each chunk of inputs gets a float64
reference r(x) computed by NumPy from the function's definition, whose relative error is far
below BOUND = 2^-42 (the formulas below are a few correctly rounded or 1-ULP operations, each
2^-52 or so: r is within 2^-48 of the truth, 64x inside the bound). The truth then lies in
[r - BOUND |r|, r + BOUND |r|]; rounding to float32 is monotone, so when both ends round to
the same float32 that is the correctly rounded result, with no further work. Where they do not
(r lies within BOUND of a float32 rounding boundary: about one input in 2^16) the point is
decided by mpmath (tests/oracle.py, 200 bits). The sign of zero is part of the result: the
references keep it (x / (1 + exp(-x)) is -0.0 for x = -inf, ...). NaN inputs must give NaN.
gelu's reference is actcli's compiled float64 kernel (within 2.9 ULP of mpmath on the oracle
grids, 2^9 times inside the bound), as NumPy has no erfc and actcli's NumPy kernel is 50x
slower on huge inputs. That is sound, though not independent: a result is accepted without
mpmath only where the reference cannot be off by enough to change the float32 rounding.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import oracle  # noqa: E402
from doc_blocks import put_block  # noqa: E402

import actcli  # noqa: E402
from actcli.core import _compiled  # noqa: E402

BOUND = 2.0**-42
PATHS = ("compiled", "numpy")
DEFAULT = ("sigmoid", "tanh", "silu", "gelu", "softplus")


def _sigmoid(x):
    # Clipped to +-700: NumPy's exp leaves its SIMD loop for inputs whose result overflows or
    # underflows, 30x slower. Beyond +-104 every float32 result is 0 or 1 either way.
    return 1.0 / (1.0 + np.exp(-np.clip(x, -700.0, 700.0)))


def _gelu(x):
    out = np.empty_like(x)
    _compiled.load().gelu_loop(x, out, 0.0, False)
    return out


def _gelu_tanh(x):
    out = np.empty_like(x)
    _compiled.load().gelu_tanh_loop(x, out, 0.0, False)
    return out


REFERENCES = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "silu": lambda x: np.maximum(x, -800.0) * _sigmoid(x),  # -800 * 1e-304: -0.0 in float32
    "softplus": lambda x: np.logaddexp(x, 0.0),
    "gelu": _gelu,
    # beyond the default five (the float32 first passes of the compiled loops cover them too)
    "log_sigmoid": lambda x: -np.logaddexp(-x, 0.0),
    "gelu_tanh": _gelu_tanh,  # compiled float64 gelu(approximate=True), as for gelu
}
# name -> (actcli's name, parameters), where they differ
CALLS = {"gelu_tanh": ("gelu", {"approximate": True})}


# Where the reference is exact but the truth is a hair above it: gelu(x) = x / 2 + x^2 /
# sqrt(2 pi) - ... and silu(x) = x / 2 + x^2 / 4 - ... for |x| < 2^-60, where x^2 is below
# float64's resolution of x / 2 (x / 2 is exact); for a subnormal float32 x with an odd last
# bit, x / 2 is a float32 midpoint (2^24 such inputs), which the positive x^2 term decides:
# the truth rounds up. There want = float32(nextafter(r, +inf)).
ABOVE = {
    "gelu": lambda x: np.abs(x) < 2.0**-60,
    "silu": lambda x: np.abs(x) < 2.0**-60,
    "gelu_tanh": lambda x: np.abs(x) < 2.0**-60,
}


def check(
    name: str,
    chunks: int = 256,
    total: int = 256,
    log=print,
    first: int = 0,
    paths: tuple[str, ...] = ("compiled", "numpy"),
) -> dict[str, int]:
    """Counts the inputs whose float32 result is not correctly rounded, in each path, over
    ``chunks`` of ``total`` equal slices of the 2^32 bit patterns, from slice ``first`` on
    (slices 0-127 hold +0.0 to +inf and the positive NaNs, 128-255 the negative ones)."""
    actcli_name, params = CALLS.get(name, (name, {}))
    f = functools.partial(actcli.get(actcli_name), **params)
    ref_fn = REFERENCES[name]
    size = (1 << 32) // total
    counts = {"compiled": 0, "numpy": 0, "mpmath": 0, "inputs": 0}
    examples: dict[str, list] = {"compiled": [], "numpy": []}
    saved = _compiled.MIN_SIZE
    start = time.perf_counter()
    try:
        for c in range(first, first + chunks):
            x = np.arange(c * size, (c + 1) * size, dtype=np.uint64).astype(np.uint32)
            x = x.view(np.float32)
            got = {}
            for path in paths:
                _compiled.MIN_SIZE = 0 if path == "compiled" else 1 << 62
                got[path] = f(x)
            x64 = x.astype(np.float64)
            with np.errstate(all="ignore"):
                r = ref_fn(x64)
                lo = (r - np.abs(r) * BOUND).astype(np.float32)
                hi = (r + np.abs(r) * BOUND).astype(np.float32)
            want = r.astype(np.float32)
            nan = np.isnan(x)
            # by value: r = -0.0 gives lo = -0.0 and hi = +0.0, one result (the sign is r's)
            undecided = (lo != hi) & ~nan
            if name in ABOVE:
                above = ABOVE[name](x64) & (x64 != 0.0)
                want[above] = np.nextafter(r[above], np.inf).astype(np.float32)
                undecided &= ~above
            hard = np.flatnonzero(undecided)
            for i in hard.tolist():  # decided by mpmath, rounded once to float32
                truth = oracle.ELEMENTWISE[actcli_name].value(float(x64[i]), **params)
                want[i] = oracle.round_to(truth, np.float32)
            counts["mpmath"] += hard.size
            counts["inputs"] += x.size
            for path, y in got.items():
                bad = (y.view(np.uint32) != want.view(np.uint32)) & ~nan
                bad |= nan & ~np.isnan(y)
                idx = np.flatnonzero(bad)
                counts[path] += idx.size
                for i in idx[: max(0, 5 - len(examples[path]))].tolist():
                    examples[path].append((float(x[i]), float(y[i]), float(want[i])))
            if (c + 1 - first) % 8 == 0:
                done = time.perf_counter() - start
                log(
                    f"  {name}: slices {first}-{c} done, not correctly rounded so far: "
                    f"compiled {counts['compiled']}, NumPy {counts['numpy']}; {done:.0f} s"
                )
    finally:
        _compiled.MIN_SIZE = saved
    counts["seconds"] = round(time.perf_counter() - start)
    counts["examples"] = examples  # type: ignore[assignment]
    return counts


DOC = ROOT / "docs" / "ulp.md"
HEAD = (
    "| function | float32 inputs | not correctly rounded: compiled | NumPy | decided by mpmath "
    "| s |",
    "|---|---:|---:|---:|---:|---:|",
)
NOTE = (
    "Every float32 input (all 2^32 bit patterns, NaNs included) through both paths, compared "
    "with the correctly rounded result: a float64 reference within 2^-48 of the truth decides "
    "every input whose interval [r - 2^-42 |r|, r + 2^-42 |r|] rounds to one float32, mpmath "
    "the rest (scripts/exhaustive_f32.py says how; `python3 scripts/exhaustive_f32.py --write` "
    "reruns it, about an hour)."
)


def write_block(rows: list[str]) -> None:
    """Puts the table into docs/ulp.md between the exhaustive markers (appended if absent)."""
    put_block(DOC, "exhaustive", ["### float32, exhaustively", "", *HEAD, *rows, "", NOTE])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", default=list(DEFAULT))
    ap.add_argument("--chunks", type=int, default=256, help="how many of the 256 slices")
    ap.add_argument("--first", type=int, default=0, help="the first slice")
    ap.add_argument("--paths", default="compiled,numpy", help="compiled, numpy or both")
    ap.add_argument("--write", action="store_true", help="update docs/ulp.md")
    args = ap.parse_args(argv)
    print("\n".join(HEAD))
    rows = []
    for name in args.names:
        k = check(
            name,
            args.chunks,
            log=lambda s: print(s, file=sys.stderr, flush=True),
            first=args.first,
            paths=tuple(args.paths.split(",")),
        )
        cells = [str(k[p]) if p in args.paths.split(",") else "not run" for p in PATHS]
        rows.append(
            f"| {name} | {k['inputs']:,} | {cells[0]} | {cells[1]} | {k['mpmath']:,} | "
            f"{k['seconds']} |"
        )
        print(rows[-1], flush=True)
        for path, ex in k["examples"].items():
            for x, got, want in ex:
                print(f"  {path}: f({x!r}) = {got!r}, correctly rounded {want!r}", file=sys.stderr)
    if args.write and args.chunks == 256 and args.first == 0:
        write_block(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
