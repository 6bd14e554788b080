"""Numbers from text and from the command line: cells, values after --, --range, --linspace."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from actcli.errors import DataError, UsageError

# Largest --linspace / --range we build in memory (a user typo like 1e12 should not swap).
MAX_RANGE_SIZE = 100_000_000


def parse_number(text: str) -> float:
    """``float(text)``, also accepting a unicode minus sign; raises ValueError otherwise."""
    try:
        return float(text)
    except ValueError:
        if "\u2212" in text:
            return float(text.replace("\u2212", "-"))
        raise


def is_number(text: str) -> bool:
    try:
        parse_number(text)
    except (ValueError, TypeError):
        return False
    return True


def parse_numbers(cells: Sequence[str], where: Any) -> np.ndarray:
    """Text cells -> float64 array. ``where(i, cell)`` builds the message for a bad cell i."""
    try:  # Python's float() is the parser, so "1_000", " 2 " and "Infinity" read as it reads them
        return np.fromiter(map(float, cells), dtype=np.float64, count=len(cells))
    except ValueError:
        pass  # find the bad cell (or accept unicode minus signs) on the slow path
    out = np.empty(len(cells), dtype=np.float64)
    for i, cell in enumerate(cells):
        try:
            out[i] = parse_number(cell)
        except ValueError:
            raise DataError(where(i, cell)) from None
    return out


def values_from_args(texts: Sequence[str]) -> np.ndarray:
    """Numbers given on the command line (a bad one is a usage error: the command is wrong)."""
    try:
        return parse_numbers(
            texts,
            lambda i, cell: f"value {cell!r} is not a number (argument {i + 1} of the values)",
        )
    except DataError as exc:
        raise UsageError(str(exc)) from None


@dataclass(frozen=True)
class _Planned:
    """A range checked and counted, not built yet: limits apply before any memory is taken."""

    what: str  # "--range -5:5:0.5", for messages
    count: int
    build: Callable[[], np.ndarray]


def parse_range(text: str) -> np.ndarray:
    """``START:STOP[:STEP]`` -> start, start + step, ... up to STOP inclusive (step 1 by default).

    STOP is included when it is a whole number of steps from START (within 1e-9 of a step), so
    ``-5:5:0.5`` gives 21 values; each value is computed as ``start + i * step`` (no accumulated
    rounding).
    """
    return _built([_plan_range(text)])


def linspace(start: str, stop: str, num: str) -> np.ndarray:
    """``--linspace START STOP NUM``: NUM evenly spaced values, both ends included."""
    return _built([_plan_linspace(start, stop, num)])


_LARGER = "write them to a .npy file and use --input for larger inputs"


def range_values(
    ranges: Sequence[str],
    linspaces: Sequence[Sequence[str]],
    *,
    limit: int | None = None,
    hint: str = _LARGER,
) -> np.ndarray:
    """One --range or --linspace: its values in order; several: their sorted union.

    Raises:
        UsageError: a bad range, or more than ``limit`` values (``MAX_RANGE_SIZE``) in all:
            the limit holds for the total, however many options are repeated; the message
            ends with ``hint``.
    """
    plans = [_plan_range(r) for r in ranges] + [_plan_linspace(*spec) for spec in linspaces]
    return _built(plans, limit, hint)


def _built(plans: Sequence[_Planned], limit: int | None = None, hint: str = _LARGER) -> np.ndarray:
    limit = MAX_RANGE_SIZE if limit is None else limit
    total = sum(p.count for p in plans)
    if total > limit:
        what = plans[0].what if len(plans) == 1 else f"{len(plans)} --range/--linspace options"
        made = "makes" if len(plans) == 1 else "make"
        raise UsageError(f"{what} {made} {total} values, more than {limit}; {hint}")
    parts = [p.build() for p in plans]
    if len(parts) == 1:
        return parts[0]
    return np.unique(np.concatenate(parts))


def _plan_range(text: str) -> _Planned:
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise UsageError(f"--range expects START:STOP[:STEP] (e.g. -5:5:0.5), got {text!r}")
    try:
        start, stop, *rest = (parse_number(p) for p in parts)
    except ValueError:
        raise UsageError(f"--range {text!r}: START, STOP and STEP must be numbers") from None
    step = rest[0] if rest else 1.0
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise UsageError(f"--range {text!r}: START, STOP and STEP must be finite")
    if step == 0 or (stop - start) * step < 0:
        raise UsageError(
            f"--range {text!r}: STEP must be non-zero and point from START towards STOP"
        )
    wide = not math.isfinite(stop - start)  # -1e308:1e308:1e307: finite values, infinite width
    steps = stop / step - start / step if wide else (stop - start) / step
    if not math.isfinite(steps) or steps > 2**62:
        raise UsageError(
            f"--range {text} makes more than {MAX_RANGE_SIZE} values; "
            "write them to a .npy file and use --input for larger inputs"
        )
    count = math.floor(steps + 1e-9) + 1

    def build() -> np.ndarray:
        if wide:  # the same sum on halves, which cannot overflow, doubled exactly
            return 2 * (start / 2 + step / 2 * np.arange(count, dtype=np.float64))
        return start + step * np.arange(count, dtype=np.float64)

    return _Planned(f"--range {text}", count, build)


def _plan_linspace(start: str, stop: str, num: str) -> _Planned:
    what = f"--linspace {start} {stop} {num}"
    try:
        lo, hi = parse_number(start), parse_number(stop)
    except ValueError:
        raise UsageError(f"{what}: START and STOP must be numbers") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise UsageError(f"{what}: START and STOP must be finite")
    try:
        count = int(num)
    except ValueError:
        raise UsageError(f"{what}: NUM must be a whole number") from None
    if count < 1:
        raise UsageError(f"{what}: NUM must be at least 1")

    def build() -> np.ndarray:
        if not math.isfinite(hi - lo):  # the width overflows (-1e308 1e308): space the halves
            values = 2 * np.linspace(lo / 2, hi / 2, count)
            values[-1], values[0] = hi, lo  # exact ends (lo last: NUM=1 gives START)
            return values
        return np.linspace(lo, hi, count)

    return _Planned(what, count, build)
