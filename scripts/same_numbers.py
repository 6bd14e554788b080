"""Compare two texts that show computed numbers, allowing the last bits a CPU may change.

NumPy sends exp, log, tanh and friends to different SIMD code on different CPUs (AVX-512, AVX2,
SSE), and their last bits differ. actcli's values are all within a few ULP of the true value, so
a README or example output written on one machine may show ...712 where another prints ...715.
``same_numbers(a, b)`` accepts such pairs and nothing else:

- the texts must match exactly once every number is taken out and runs of spaces and of the
  table rule character are collapsed (a longer number widens a table column);
- each pair of numbers must be the same text, or differ by at most ``ULP_BAR`` float64 ULP (two
  results each within the accuracy bar of the truth), or, when a number is printed with fewer
  digits than it takes to read it back exactly (``--precision 6``), by one unit in its last
  printed digit.

Imported by scripts/gen_readme.py, tests/test_readme.py and tests/test_cli_examples.py.
"""

from __future__ import annotations

import math
import os
import re

# Two values each within the 4-ULP accuracy bar of the same true value are at most 8 ULP apart.
ULP_BAR = 8

_NUMBER = re.compile(r"(?<![\w.])[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")
_SPACES = re.compile(r"[ \t]+")
_RULES = re.compile(r"[─━]+")


def _skeleton(text: str) -> tuple[list[str], list[str]]:
    """The text with every number replaced by a marker (spaces and rules collapsed), and the
    numbers in order."""
    numbers = _NUMBER.findall(text)
    rest = _NUMBER.sub("\0", text)
    rest = _RULES.sub("─", _SPACES.sub(" ", rest))
    lines = [line.strip() for line in rest.splitlines()]
    return lines, numbers


def _last_digit_unit(text: str) -> float:
    """One unit in the last printed digit of ``text`` ("0.0166445" -> 1e-7)."""
    mantissa, _, exponent = text.lower().replace("−", "-").partition("e")
    digits = mantissa.split(".")[1] if "." in mantissa else ""
    return 10.0 ** (int(exponent or 0) - len(digits))


def _close(a: str, b: str) -> bool:
    if a == b:
        return True
    x, y = (float(t.replace("−", "-")) for t in (a, b))
    if not (math.isfinite(x) and math.isfinite(y)):
        return x == y
    if x == y:
        return math.copysign(1, x) == math.copysign(1, y)  # "1.0" is "1"; "-0.0" is not "0.0"
    if (x < 0) != (y < 0):
        return False
    if abs(x - y) <= ULP_BAR * math.ulp(max(abs(x), abs(y))):
        return True
    # Printed short: the true values may straddle a rounding point of the shown digits.
    return abs(x - y) <= max(_last_digit_unit(a), _last_digit_unit(b)) * (1 + 1e-9)


def same_numbers(expected: str, actual: str) -> bool:
    """Whether ``actual`` shows what ``expected`` shows, within the accuracy bar."""
    if expected == actual:
        return True
    lines_a, numbers_a = _skeleton(expected)
    lines_b, numbers_b = _skeleton(actual)
    if lines_a != lines_b or len(numbers_a) != len(numbers_b):
        return False
    return all(_close(a, b) for a, b in zip(numbers_a, numbers_b, strict=True))


def first_difference(expected: str, actual: str) -> str:
    """A one-line description of the first difference (for a failing check's message)."""
    lines_a, numbers_a = _skeleton(expected)
    lines_b, numbers_b = _skeleton(actual)
    for i, (a, b) in enumerate(zip(lines_a, lines_b, strict=False)):
        if a != b:
            return f"line {i + 1}: {a!r} != {b!r}"
    if len(lines_a) != len(lines_b):
        return f"{len(lines_a)} lines != {len(lines_b)} lines"
    for a, b in zip(numbers_a, numbers_b, strict=True):
        if not _close(a, b):
            return f"{a} != {b} (beyond {ULP_BAR} ULP and the last printed digit)"
    return "the same"


def other_simd_env() -> dict[str, str] | None:
    """An environment in which NumPy uses none of its dispatched SIMD paths (AVX2, AVX-512,
    ...): the last bits of exp, log and tanh then differ from this CPU's usual ones, as they do
    on another machine. None when this CPU runs only the baseline anyway."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # NumPy 1.x
        from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    present = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    if not present:
        return None
    return {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(present)}
