"""Figures of activation functions and their derivatives.

Three parts, each importing only the ones before it: ``sampling`` (NumPy only), ``figures``
(matplotlib, imported inside its functions) and ``files`` (names, formats, atomic writes).
``curve`` samples one activation from the registry (the function and its analytic
derivative, with the spec's kink abscissae inserted into the sample so corners are drawn
exactly); it needs only NumPy, so ``actcli.termplot`` draws the same curves in a terminal without
matplotlib. ``figure``, ``gallery`` and ``save`` turn curves into matplotlib figures; matplotlib
is imported inside them only (``actcli eval`` never pays for it) and figures are plain
``matplotlib.figure.Figure`` objects, so no GUI backend is touched unless ``interactive=True``.

Axis-wise functions (softmax, log_softmax, sparsemax, glu) map vectors to vectors, so a plot
shows one coordinate of a 2-vector as the other stays fixed (see ``slice_of``):

    softmax([x, 0])[0]      = sigmoid(x)
    log_softmax([x, 0])[0]  = log_sigmoid(x)
    sparsemax([x, 0])[0]    = clip((x + 1) / 2, 0, 1)
    glu([1, x])[0]          = sigmoid(x)     (the gate b varies, the value a is 1)

and the dashed curve is the slope of that curve, d/dx, from the spec's Jacobian-vector product
(for glu this is dy/db, not the Jacobian diagonal dy/da that ``actcli.derivative`` returns).

    >>> c = curve("relu6", xlim=(-1.0, 7.0), points=5)
    >>> c.x.tolist()
    [-1.0, 0.0, 1.0, 3.0, 5.0, 6.0, 7.0]
    >>> c.dy.tolist()
    [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0]
"""

from __future__ import annotations

from .figures import (
    DEFAULT_DPI,
    DEFAULT_SIZE,
    DRAWABLE,
    GALLERY_DPI,
    GALLERY_POINTS,
    MAX_AREA,
    MAX_PIXELS,
    MIN_DPI,
    MIN_PIXELS,
    axis_scale,
    check_figure_size,
    figure,
    flavours_figure,
    formula_lines,
    gallery,
    has_display,
    show,
)
from .files import FORMATS, check_output, default_file_name, file_stem, output_format, save
from .sampling import (
    DEFAULT_POINTS,
    EXAMPLE_PARAMS,
    KINK_MARGIN,
    PRIME,
    Curve,
    Slice,
    changed_params,
    check_range,
    curve,
    curves,
    default_xlim,
    example_params,
    grid,
    label,
    prime_label,
    slice_of,
    staircase,
)

__all__ = [
    "DEFAULT_DPI",
    "DEFAULT_POINTS",
    "DEFAULT_SIZE",
    "DRAWABLE",
    "EXAMPLE_PARAMS",
    "FORMATS",
    "GALLERY_DPI",
    "GALLERY_POINTS",
    "KINK_MARGIN",
    "MAX_AREA",
    "MAX_PIXELS",
    "MIN_DPI",
    "MIN_PIXELS",
    "PRIME",
    "Curve",
    "Slice",
    "axis_scale",
    "changed_params",
    "check_figure_size",
    "check_output",
    "check_range",
    "curve",
    "curves",
    "default_file_name",
    "default_xlim",
    "example_params",
    "figure",
    "file_stem",
    "flavours_figure",
    "formula_lines",
    "gallery",
    "grid",
    "has_display",
    "label",
    "output_format",
    "prime_label",
    "save",
    "show",
    "slice_of",
    "staircase",
]
