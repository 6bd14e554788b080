"""Every float32 input: sigmoid, tanh, softplus, silu and gelu correctly rounded in both paths.

About an hour on two cores (scripts/exhaustive_f32.py says how it decides each input), so only
in the slow profile: ``python3 -m pytest -m slow tests/test_exhaustive_f32.py``. The counts of
the last full run are in docs/ulp.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import exhaustive_f32  # noqa: E402

pytest.importorskip("numba")


@pytest.mark.slow
@pytest.mark.parametrize("name", exhaustive_f32.DEFAULT)
def test_every_float32_input_correctly_rounded(name):
    counts = exhaustive_f32.check(name, log=lambda _: None)
    assert counts["inputs"] == 2**32
    assert counts["compiled"] == 0 and counts["numpy"] == 0, counts["examples"]
