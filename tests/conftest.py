"""Shared test configuration: hypothesis profiles.

``ci`` (default) keeps the run short; ``ACTCLI_PROFILE=thorough`` selects many more examples.
The big oracle grids are marked ``slow`` and deselected by default; run them with
``ACTCLI_PROFILE=thorough python3 -m pytest -m slow``.
"""

from __future__ import annotations

import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("thorough" if os.environ.get("ACTCLI_PROFILE") == "thorough" else "ci")


@pytest.fixture(autouse=True)
def _mpmath_precision():
    """Some tests set mpmath's global precision; each test starts from the oracle's 200 bits."""
    mpmath.mp.prec = 200
    yield
    mpmath.mp.prec = 200
