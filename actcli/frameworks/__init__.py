"""Framework flavours: each activation as Keras 3, tf.keras, PyTorch or JAX define it.

One module per framework (``keras``, ``tf_keras``, ``torch``, ``jax``) holds that framework's
table of ``Variant``s, its own kernels, its spellings and its known problems, and the release it
was checked against; updating a framework after a release touches its module only. This package
joins them: the name index (``variant``, ``resolve_name``), the facts ``actcli info`` shows
(``facts``) and the comparison ``actcli diff`` makes (``evaluate``, ``diff``, in ``compare``).

Values are computed as carefully as the registry's own kernels: the flavours reproduce the
frameworks' definitions, not their rounding errors or their NaNs (those are listed in ``bugs``).

    >>> variant("hard_sigmoid", "tf_keras")(1.0).item()
    0.7
"""

from __future__ import annotations

from ._index import (
    FRAMEWORK_ALIASES,
    FRAMEWORKS,
    TITLES,
    VARIANTS,
    facts,
    flavours,
    forms,
    framework,
    home_form,
    is_framework_name,
    resolve_name,
    variant,
)
from ._variant import Framework, Variant
from .compare import diff, diff_rows, evaluate

__all__ = [
    "FRAMEWORKS",
    "FRAMEWORK_ALIASES",
    "TITLES",
    "VARIANTS",
    "Framework",
    "Variant",
    "diff",
    "diff_rows",
    "evaluate",
    "facts",
    "flavours",
    "forms",
    "framework",
    "home_form",
    "is_framework_name",
    "resolve_name",
    "variant",
]
