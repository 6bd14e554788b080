"""README's generated sections (activation table, tour outputs, reports) match the code."""

import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_readme_is_current():
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_readme.py"), "--check"],
        capture_output=True,
        text=True,
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
    assert actcli.get("gelu", like="jax")(1.0) == 0.8411919906082768
    assert actcli.spec("hard_swish").name == "hard_silu"
    assert actcli.serialize(actcli.get("swish")) == "silu"
    y = namespace["y"]
    assert y.dtype == np.float32 and y.min() == 0.0 and y.max() == 3.0
