"""Where an activation stops changing in a float format (actcli.dtype_limits), against mpmath:
at the threshold (and at sampled points beyond it) the true value rounds to the limit; at the
value of the format just inside it, it does not."""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import oracle
import pytest
from click.testing import CliRunner
from formats import round_exact

import actcli
from actcli import dtype_limits
from actcli.cli import cli


def _round(v, dtype: str) -> float:
    if dtype in ("float32", "float64", "float16"):
        return float(oracle.round_to(v, np.dtype(dtype)))
    return round_exact(v, dtype)


def _inward(at: float, dtype: str) -> float:
    """The value of the format next to ``at``, towards 0."""
    if dtype in ("float32", "float64", "float16"):
        t = np.dtype(dtype).type
        return float(np.nextafter(t(at), t(0)))
    t = getattr(ml_dtypes, dtype)
    bits = np.array([at], dtype=t).view(np.uint8 if dtype != "bfloat16" else np.uint16)
    return float((bits - 1).view(t)[0])


CASES = [
    (name, dtype)
    for name in ("sigmoid", "tanh", "gelu", "exponential", "softplus", "elu")
    for dtype in ("float32", "bfloat16", "float16", "float8_e4m3fn", "float8_e5m2")
]


@pytest.mark.parametrize("name, dtype", CASES)
def test_thresholds_against_mpmath(name, dtype):
    spec = actcli.spec(name)
    entry = oracle.ELEMENTWISE[name]
    found = dtype_limits.limits(spec, None, dtype)
    assert found, f"{name} has limits in {dtype}"
    for limit in found:
        beyond = [limit.at * f for f in (1.0, 1.01, 1.5, 3.0)]
        for x in [_round(v, dtype) for v in beyond]:
            if not math.isfinite(x):
                continue
            got = _round(entry.value(x), dtype)
            want = x if limit.value == "x" else float(limit.value)
            assert got == want or (math.isnan(want) and math.isnan(got)), (limit, x, got)
        inside = _inward(limit.at, dtype)
        got = _round(entry.value(inside), dtype)
        want = inside if limit.value == "x" else float(limit.value)
        assert got != want, (limit, inside, got)


def test_no_threshold_where_the_definition_says_so():
    assert dtype_limits.limits(actcli.spec("relu"), None, "bfloat16") == ()
    assert dtype_limits.limits(actcli.spec("hard_tanh"), None, "float32") == ()
    assert dtype_limits.limits(actcli.spec("layers.LeakyReLU"), None, "float16") == ()
    assert dtype_limits.limits(actcli.spec("softmax"), None, "float32") == ()


def test_info_and_list_show_them():
    runner = CliRunner()
    info = runner.invoke(cli, ["info", "sigmoid"]).stdout
    assert "bfloat16: 1.0 for x >= 6.25; 0 (underflow) for x <= -93.0" in info
    listed = runner.invoke(
        cli, ["list", "--properties", "--dtype", "float8_e4m3fn", "-f", "json"]
    ).stdout
    assert '"float8_e4m3fn": "1.0 for x >= 2.2; -1.0 for x <= -2.2"' in listed  # tanh
    refused = runner.invoke(cli, ["list", "--dtype", "bfloat16"])
    assert refused.exit_code == 2 and "--properties" in refused.stderr
