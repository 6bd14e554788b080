"""``actcli diff``: every framework flavour of one activation evaluated on one grid, and where
they disagree (the largest gap, its x, and why: defaults, formula or convention at the kinks).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from actcli.errors import UsageError

from ._index import FRAMEWORKS, VARIANTS, _missing_message, flavours, resolve_name
from ._variant import Variant

# diff --------------------------------------------------------------------------------------------

# Values closer than this (relative) are the same up to rounding.
_SAME_REL = 64 * np.finfo(np.float64).eps


def _actcli_names(vs: Sequence[Variant], params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters with framework names turned into actcli's (torch's lambd -> threshold), so
    ``diff soft_shrink --lambd 0.3`` gives Keras its threshold too."""
    own = {p.name for p in vs[0].spec.params} if vs else set()
    to_actcli = {f: a for v in vs for f, a in v.rename.items() if f not in own}
    out: dict[str, Any] = {}
    for key, value in params.items():
        target = to_actcli.get(key, key)
        if target in out:
            raise UsageError(f"{key} and {target} name the same parameter: give one")
        out[target] = value
    return out


def _default_xs(vs: Sequence[Variant], bound: Mapping[str, Mapping[str, Any]]) -> np.ndarray:
    lo, hi = vs[0].spec.plot_xlim
    xs = [np.linspace(lo, hi, 4001), [0.0, 1.0, -1.0]]
    for v in vs:
        for k in v.kinks(bound[v.framework]):
            if np.isfinite(k):
                xs.append([k, np.nextafter(k, -np.inf), np.nextafter(k, np.inf)])
    return np.unique(np.concatenate([np.asarray(a, dtype=np.float64) for a in xs]))


def evaluate(
    name: str, xs: Any = None, params: Mapping[str, Any] | None = None, *, derivative: bool = False
) -> dict[str, Any]:
    """Evaluates ``name`` under every framework flavour that has it.

    Args:
        name: any name ``variant`` accepts.
        xs: points (default: the spec's plot range, 4001 points, plus every flavour's kinks).
        params: parameters for every flavour, in actcli's or a framework's names; a flavour that
            has no such parameter is skipped (and listed in ``skipped``).
        derivative: evaluate the derivatives instead.

    Returns:
        dict with x (1-D array), values ({framework: array}), variants ({framework: Variant}),
        bound ({framework: bound params}), skipped ([(framework, reason)]), derivative.
    """
    params = _actcli_names(flavours(name), params or {})
    vs, bound, skipped = [], {}, []
    for v in flavours(name):
        mapped, missing = v.from_actcli(params)
        if missing:
            skipped.append((v.framework, f"{v.qualname} has no parameter {', '.join(missing)}"))
            continue
        bound[v.framework] = v.bind(mapped)
        vs.append(v)
    form, _ = resolve_name(name)
    for fw in FRAMEWORKS:
        if (form, fw) not in VARIANTS:
            skipped.append((fw, _missing_message(form, fw, form)))
    if not vs:
        raise UsageError(f"no framework can evaluate {name} with {params}")
    x = _default_xs(vs, bound) if xs is None else np.asarray(xs, dtype=np.float64).reshape(-1)
    if vs[0].spec.name == "glu" and x.size % 2:
        x = x[:-1]  # glu splits its axis in halves
    values = {}
    for v in vs:
        impl = v.prime if derivative else v.fn
        if v.spec.axiswise:
            y = np.asarray(impl(x[None, :], **bound[v.framework]), dtype=np.float64)[0]
        else:
            y = np.asarray(impl(x, **bound[v.framework]), dtype=np.float64)
        values[v.framework] = y
    # glu: output i is the first half's x_i gated by the second half's.
    x = x[: len(next(iter(values.values())))]
    return {
        "x": x,
        "values": values,
        "variants": {v.framework: v for v in vs},
        "bound": bound,
        "skipped": skipped,
        "derivative": derivative,
    }


def _gaps(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(absolute, relative) differences; equal values (NaN and NaN, inf and inf) give 0."""
    with np.errstate(invalid="ignore", divide="ignore"):  # inf - inf, 0 / 0: handled below
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        gap = np.where(same, 0.0, np.abs(a - b))
        gap = np.where(np.isnan(gap), np.inf, gap)
        scale = np.maximum(np.abs(a), np.abs(b))
        rel = np.where(gap == 0, 0.0, gap / np.where(scale > 0, scale, 1.0))
    return gap, np.where(np.isnan(rel), np.inf, rel)


def _describe_params(v: Variant, bound: Mapping[str, Any], keys: Sequence[str]) -> str:
    back = {a: f for f, a in v.rename.items()}
    return ", ".join(f"{back.get(k, k)}={bound.get(back.get(k, k))!r}" for k in keys)


def diff(
    name: str, xs: Any = None, params: Mapping[str, Any] | None = None, *, derivative: bool = False
) -> list[dict[str, Any]]:
    """Where the framework flavours of ``name`` disagree, one row per pair.

    Each row: a, b (frameworks), a_name, b_name (qualified names), max_abs and x_max_abs,
    max_rel and x_max_rel, a_value and b_value (at x_max_abs), cause ("same", "defaults: ...",
    "formula: ...", "defaults and formula: ...", or for derivatives "convention at kinks: ...").

    >>> [r["cause"] for r in diff("relu6", [0.0, 3.0])]
    ['same', 'same', 'same']
    """
    return diff_rows(evaluate(name, xs, params, derivative=derivative))


def diff_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``diff``'s rows from an ``evaluate`` result (the CLI evaluates once, then tabulates and
    plots the same values)."""
    res = result
    derivative = res["derivative"]
    x, values, variants, bound = res["x"], res["values"], res["variants"], res["bound"]
    fws = list(values)
    rows = []
    for i, fa in enumerate(fws):
        for fb in fws[i + 1 :]:
            gap, rel = _gaps(values[fa], values[fb])
            row = {
                "a": fa,
                "b": fb,
                "a_name": variants[fa].qualname,
                "b_name": variants[fb].qualname,
                "max_abs": 0.0,
                "x_max_abs": math.nan,
                "max_rel": 0.0,
                "x_max_rel": math.nan,
                "a_value": math.nan,
                "b_value": math.nan,
                "cause": "same",
            }
            if x.size and np.max(rel) > _SAME_REL:
                # The first x within 1e-9 of the maximum: a constant ratio (two slopes) would
                # otherwise be reported wherever rounding happens to make it largest.
                ia = int(np.argmax(gap >= np.max(gap) * (1 - 1e-9)))
                ir = int(np.argmax(rel >= np.max(rel) * (1 - 1e-9)))
                row.update(
                    max_abs=float(gap[ia]),
                    x_max_abs=float(x[ia]),
                    max_rel=float(rel[ir]),
                    x_max_rel=float(x[ir]),
                    a_value=float(values[fa][ia]),
                    b_value=float(values[fb][ia]),
                    cause=_cause(variants[fa], variants[fb], bound, x, values, derivative),
                )
            rows.append(row)
    return rows


def _cause(va: Variant, vb: Variant, bound, x, values, derivative: bool) -> str:
    """Defaults if giving b the parameters of a removes the difference; else formula."""
    ba, bb = bound[va.framework], bound[vb.framework]
    aa, ab = va.to_actcli(ba), vb.to_actcli(bb)
    keys = [k for k in aa if k in ab and aa[k] != ab[k]]
    parts = []
    if keys:
        parts.append(
            f"{_describe_params(va, ba, keys)} ({va.framework}) vs "
            f"{_describe_params(vb, bb, keys)} ({vb.framework})"
        )
        aligned = dict(bb)
        back = {a: f for f, a in vb.rename.items()}
        for k in keys:
            aligned[back.get(k, k)] = aa[k]
        impl = vb.prime if derivative else vb.fn
        arr = x[None, :] if vb.spec.axiswise else x
        y = np.asarray(impl(arr, **vb.bind(aligned)), dtype=np.float64)
        y = y[0] if vb.spec.axiswise else y
        _, rel = _gaps(values[va.framework], y)
        if np.max(rel, initial=0.0) <= _SAME_REL:
            return "defaults: " + parts[0]
    rounders = [v for v in (va, vb) if v.rounding_note]
    _, rel = _gaps(values[va.framework], values[vb.framework])
    if rounders and not parts and np.max(rel, initial=0.0) < 1e-7:  # float32-sized
        return "parameter rounding: " + "; ".join(
            f"{v.framework}: {v.rounding_note}" for v in rounders
        )
    notes = [f"{v.framework}: {v.formula_note}" for v in (va, vb) if v.formula_note]
    if derivative and not notes:
        # Name the flavour whose convention departs from actcli's (the registry's kink_rule).
        own = [v for v in (va, vb) if v.kink_rule and v.kink_rule != v.spec.kink_rule]
        rules = [f"{v.framework}: {v.kink_rule}" for v in own or (va, vb) if v.kink_rule]
        notes = rules or ["derivative convention at kinks"]
        label = "convention at kinks"
    else:
        label = "formula"
    text = "; ".join(notes) or "different formulas"
    if parts:
        return f"defaults and {label}: {parts[0]}; {text}"
    return f"{label}: {text}"
