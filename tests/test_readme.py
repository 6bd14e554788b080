"""README's generated sections (activation table, tour outputs, reports) match the code."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
sys.path.insert(0, str(ROOT / "scripts"))

from same_numbers import other_simd_env, same_numbers  # noqa: E402


def test_readme_is_current():
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_readme.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize(
    "expected, actual, same",
    [
        ("-0.5,0.13250487534383712", "-0.5,0.13250487534383715", True),  # 3 ULP
        ("0.13250487534383712", "0.13250487534384712", False),  # 1e-14 relative
        ("x,gelu", "x,gelu'", False),
        ("0.0166445,0.90876", "0.0166446,0.90876", True),  # --precision 6: last digit
        ("0.0166445", "0.0166447", False),
        ("-0.0", "0.0", False),
        ("1.0", "1", True),
        ("inf", "nan", False),
        (" x   relu\n───────\n-3      0", " x    relu\n────────\n-3       0", True),
        ("1 2", "1 2 3", False),
    ],
)
def test_same_numbers_allows_the_last_bits_and_nothing_else(expected, actual, same):
    assert same_numbers(expected, actual) is same


def test_readme_is_current_on_another_simd_path():
    """The Tour reproduces within the accuracy bar when NumPy takes other SIMD code (as on a CPU
    with or without AVX-512), so the README check does not depend on the machine."""
    env = other_simd_env()
    if env is None:
        pytest.skip("this CPU has no dispatched SIMD paths to turn off")
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_readme.py"), "--check"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 0, run.stderr


def test_readme_has_exactly_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    setup = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in setup.splitlines() if line.startswith("    python3")]
    assert commands == [
        "python3 -m pip install -e . && actcli eval gelu --linspace -3 3 7",
        "python3 -m pip install -e '.[test]' && python3 -m pytest",
    ]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 -m pip install -e '.[test]' && python3 -m pytest\n" in ci


def test_python_api_block_runs_and_its_printed_values_hold():
    """README's Python API block runs as written, and the values its comments print are what
    the calls return (those comments are hand-written, so this keeps them honest)."""
    text = README.read_text()
    block = text.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    import actcli

    np.testing.assert_array_equal(
        actcli.get("relu")([-10, -5, 0, 5, 10], negative_slope=0.5), [-5.0, -2.5, 0.0, 5.0, 10.0]
    )
    # The tanh form at 1, from mpmath at 50 digits: 0.841191990608276704781995777...; the value
    # the README prints must be within the accuracy bar of it and of what this CPU computes.
    tanh_gelu_1 = 0.8411919906082767
    got = float(actcli.get("gelu", like="jax")(1.0))
    printed = float(block.split('like="jax")(1.0)', 1)[1].split("# ", 1)[1].split()[0])
    for value in (got, printed):
        assert abs(value - tanh_gelu_1) <= 4 * np.spacing(tanh_gelu_1)
    assert actcli.spec("hard_swish").name == "hard_silu"
    assert actcli.serialize(actcli.get("swish")) == "silu"
    y = namespace["y"]
    assert y.dtype == np.float32 and y.min() == 0.0 and y.max() == 3.0
