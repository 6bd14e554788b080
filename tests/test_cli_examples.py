"""Every shell example in ``examples/`` runs, and prints what ``examples/README.md`` shows."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
README = EXAMPLES / "README.md"

# "```console\n$ sh examples/NAME.sh\n<output>```"
_SHOWN = re.compile(r"```console\n\$ sh examples/(?P<name>[\w.-]+\.sh)\n(?P<output>.*?)```", re.S)


def _shown_outputs() -> dict[str, str]:
    return {m["name"]: m["output"] for m in _SHOWN.finditer(README.read_text())}


@pytest.mark.skipif(
    shutil.which("actcli") is None, reason="the actcli entry point is not installed"
)
@pytest.mark.parametrize("name", sorted(_shown_outputs()))
def test_example_prints_what_the_readme_shows(name):
    result = subprocess.run(
        ["sh", str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=EXAMPLES.parent,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == _shown_outputs()[name]


def test_the_issue_examples_are_documented():
    shown = _shown_outputs()
    for name in ("logits_to_probs.sh", "range_table.sh", "npy_roundtrip.sh"):
        assert name in shown and (EXAMPLES / name).exists()
