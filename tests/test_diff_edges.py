"""``actcli diff`` at awkward x: one value, an odd count for glu, NaN or infinities only, none.

Each is either a normal run or one line on stderr with exit code 2 (issue 13: `diff glu -- nan`
was "internal error: ValueError: cannot reshape array of size 0 into shape (0)", and
`diff gelu --plot -- nan` "internal error: ValueError: Axis limits cannot be NaN or Inf").
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_fuzz_cli import check_invariants, invoke

import actcli
from actcli import frameworks
from actcli.errors import UsageError

ODD = "glu splits its axis in two halves, so its length must be even, got {}"
NOTHING_TO_DRAW = "nothing to draw: every x is NaN or infinite (give finite values)"

VALUES = [["nan"], ["1"], ["inf"], ["nan", "nan"], ["-inf", "-inf"], ["inf", "1"], ["1", "2", "3"]]
OPTIONS = [[], ["-d", "-f", "json", "--precision", "17"]]


@pytest.mark.parametrize(
    "name,values,options",
    [
        *itertools.product(["softmax", "glu", "softmin", "gelu"], VALUES, OPTIONS),
        *itertools.product(["softmax", "glu"], VALUES, [["--plot", "-o", "d.png"]]),
    ],
)
def test_diff_at_awkward_x_is_a_result_or_one_line(tmp_path, name, values, options):
    argv = ["diff", name, *options, "--", *values]
    result = invoke(argv, cwd=str(tmp_path))
    check_invariants(result, argv, str(tmp_path))
    n = len(values) // 2 if name == "glu" else len(values)
    if name == "glu" and len(values) % 2:
        want = ODD.format(len(values))
    elif "--plot" in options and not any(np.isfinite(float(v)) for v in values[:n]):
        want = NOTHING_TO_DRAW
    elif name == "softmin":  # only PyTorch has it
        want = "only torch has softmin: nothing to compare (see 'actcli info softmin')"
    else:
        assert result.exit_code == 0, result.stderr
        return
    assert (result.exit_code, result.stderr) == (2, f"actcli: error: {want}\n")


def test_evaluate_refuses_odd_glu_and_no_x_but_evens_its_own_grid():
    with pytest.raises(UsageError, match=ODD.format(1)):
        frameworks.evaluate("glu", [np.nan])
    with pytest.raises(UsageError, match="no x to compare relu at"):
        frameworks.diff("relu", [])
    grid = frameworks.evaluate("glu")  # the default grid, trimmed to an even length
    assert all(y.shape == grid["x"].shape for y in grid["values"].values())
    rows = frameworks.diff("softmax", [np.nan, np.nan])
    assert {r["cause"] for r in rows} == {"same"}  # NaN everywhere agrees with NaN


def test_flavours_figure_spans_the_finite_x():
    from actcli import plot

    x = np.array([3.0, np.nan, -1.0, np.inf, 1.0])
    series = [("a", np.zeros_like(x)), ("b", np.ones_like(x))]
    fig = plot.flavours_figure(x, series)
    assert tuple(fig.axes[0].get_xlim()) == (-1.0, 3.0)
    with pytest.raises(UsageError, match="nothing to draw"):
        plot.flavours_figure(np.array([np.nan, np.inf]), series[:1] * 2)


def test_axiswise_functions_of_an_empty_vector_are_empty():
    assert actcli.get("softmax")(np.zeros(0)).shape == (0,)
    assert actcli.get("glu")(np.zeros((2, 0))).shape == (2, 0)
