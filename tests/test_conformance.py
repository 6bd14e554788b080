"""The conformance harness against the real frameworks (scripts/conformance.py), as tests.

Marked ``frameworks`` and left out of the default run (pyproject's addopts): the frameworks are
not in the test extra. ``python3 -m pytest -m frameworks`` runs them; each flavour is skipped
when its framework does not import. The harness's own classification is tested by default.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import conformance  # noqa: E402

NEEDS = {
    "jax": ("jax",),
    "torch": ("torch",),
    "keras/numpy": ("keras",),
    "keras/jax": ("keras", "jax"),
    "keras/torch": ("keras", "torch"),
    "keras/tensorflow": ("keras", "tensorflow"),
    "tf_keras": ("tensorflow", "tf_keras"),
}


def _have(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


@pytest.mark.frameworks
@pytest.mark.parametrize("flavour", conformance.FLAVOURS)
def test_flavour_agrees_with_its_framework(flavour):
    if not _have(*NEEDS[flavour]):
        pytest.skip(f"{', '.join(NEEDS[flavour])} not installed")
    result = conformance.run_in_subprocess(flavour)
    assert "crashed" not in result, result.get("crashed")
    assert not result["errors"], "\n".join(result["errors"][:20])
    assert not result["undeclared"], "\n".join(result["undeclared"][:40])
    assert sum(result["counts"].values()) > 1000


@pytest.mark.frameworks
def test_keras_own_activation_tests_pass_on_actcli():
    if not _have("keras"):
        pytest.skip("keras not installed")
    rc, summary = conformance.run_keras_tests()
    assert rc == 0, summary


# The harness itself (no framework needed) ------------------------------------------------------


def test_ulp_classes():
    a = np.array([1.0, 1.0, 0.0, 1.0, np.nan, 1.0])
    b = np.array([1.0, np.nextafter(1.0, 2), -0.0, 1.0 + 8e-16, np.nan, np.nan])
    assert conformance.classify(a, b).tolist() == [0, 1, 1, 2, 0, 3]
    assert conformance.classify(np.float32([1.0]), np.float32([1.001])).tolist() == [3]


def test_judge_reasons():
    import oracle

    want = oracle.mpf(1) / 3
    third = float(oracle.round_to(want, np.float64))
    assert conformance.judge(third, third + 1e-14, want, np.float64) == conformance.ROUNDING
    assert conformance.judge(third + 1e-14, third, want, np.float64) is None  # actcli worse
    assert "NaN/inf" in conformance.judge(third, float("nan"), want, np.float64)
    tiny = 5e-324
    assert "flushes" in conformance.judge(tiny, 0.0, oracle.mpf(tiny), np.float64)
    # Another default (0.3 for 0.2) is no rounding error, however close actcli is.
    assert conformance.judge(-0.2, -0.3, oracle.mpf("-0.2"), np.float64, x=-1.0) is None
    # squareplus at x = -1e8 as Keras computes it: cancellation, within the magnitudes involved.
    assert conformance.judge(1e-8, 7.45e-9, oracle.mpf("1e-8"), np.float64, x=-1e8) == (
        conformance.ROUNDING
    )


def test_harness_runs_without_frameworks():
    """With no framework importable the harness reports skips and exits 0 (CI-safe)."""
    code = (
        "import sys; sys.modules.update(dict.fromkeys(['jax', 'torch', 'keras', 'tensorflow',"
        " 'tf_keras'])); sys.argv = ['conformance.py', '--worker', 'jax'];"
        f" sys.path.insert(0, {str(ROOT / 'scripts')!r}); import conformance;"
        " sys.exit(conformance.main())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '"skipped": "not installed' in out.stdout
