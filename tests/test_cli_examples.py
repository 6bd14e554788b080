"""Every shell example in ``examples/`` runs, and prints what ``examples/README.md`` shows."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(ROOT / "scripts"))

from same_numbers import first_difference, other_simd_env, same_numbers  # noqa: E402

README = EXAMPLES / "README.md"

# "```console\n$ sh examples/NAME.sh\n<output>```"
_SHOWN = re.compile(r"```console\n\$ sh examples/(?P<name>[\w.-]+\.sh)\n(?P<output>.*?)```", re.S)


def _shown_outputs() -> dict[str, str]:
    return {m["name"]: m["output"] for m in _SHOWN.finditer(README.read_text())}


@pytest.mark.skipif(
    shutil.which("actcli") is None, reason="the actcli entry point is not installed"
)
@pytest.mark.parametrize("simd", ["native", "other"])
@pytest.mark.parametrize("name", sorted(_shown_outputs()))
def test_example_prints_what_the_readme_shows(name, simd):
    """Within the accuracy bar (scripts/same_numbers.py), on this CPU's SIMD paths and on
    NumPy's baseline ones, so the check holds on any machine."""
    env = None
    if simd == "other":
        env = other_simd_env()
        if env is None:
            pytest.skip("this CPU has no dispatched SIMD paths to turn off")
    result = subprocess.run(
        ["sh", str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=EXAMPLES.parent,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    shown = _shown_outputs()[name]
    assert same_numbers(shown, result.stdout), first_difference(shown, result.stdout)


def test_the_issue_examples_are_documented():
    shown = _shown_outputs()
    for name in ("logits_to_probs.sh", "range_table.sh", "npy_roundtrip.sh"):
        assert name in shown and (EXAMPLES / name).exists()
