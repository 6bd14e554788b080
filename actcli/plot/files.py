"""Plot files: default names, the format from the suffix, and writing a figure atomically."""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actcli.errors import DataError, UsageError
from actcli.io import atomic_output

from .figures import _Look

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = ("png", "svg", "pdf", "eps")
# Deflate's run-length strategy for PNG: the same pixels, a file ~4% larger, and encoding a
# 1280 x 800 plot (mostly flat colour) takes ~22 ms instead of ~30 ms of a ~0.55 s `plot` run.
# No dates in SVG and PDF: the same plot gives the same bytes (with svg.hashsalt's fixed ids).
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "png": {"pil_kwargs": {"compress_type": zlib.Z_RLE}},
    "svg": {"metadata": {"Date": None}},
    "pdf": {"metadata": {"CreationDate": None}},
}


# Longer default names are cut and given a hash: well inside NAME_MAX (255 bytes) with the
# temporary file's affixes.
_NAME_LIMIT = 120


def file_stem(name: str, changed: Sequence[str] = ()) -> str:
    """``elu-alpha=0.5``: an activation and its non-default parameters, for a file name."""
    return "-".join([name, *changed])


def default_file_name(stems: Sequence[str], suffix: str = ".png") -> str:
    """A safe file name from ``file_stem`` parts: ``elu-alpha=0.5_gelu.png``.

    Letters, digits and ``. _ = + , -`` are kept, anything else becomes ``_``; the name never
    starts with ``.`` or ``-`` (a hidden file, an option), and a long one is cut and ends in a
    hash of the whole, so two different plots still get two different files.
    """
    stem = "_".join(dict.fromkeys(stems)) or "plot"
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._=+,-") else "_" for ch in stem)
    safe = safe.lstrip(".-") or "plot"
    if len(safe) > _NAME_LIMIT:
        import hashlib  # lazy: only for long names

        digest = hashlib.sha1(stem.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        safe = safe[: _NAME_LIMIT - 11] + "-" + digest
    return safe + suffix


def output_format(path: str | os.PathLike[str]) -> str:
    """The format named by a file's extension; UsageError for anything but FORMATS."""
    suffix = Path(path).suffix.lower().lstrip(".")
    shown = ", ".join("." + f for f in FORMATS)
    if not suffix:
        raise UsageError(f"cannot tell the format of '{path}': give it an extension ({shown})")
    if suffix not in FORMATS:
        raise UsageError(f"unknown image format '.{suffix}' in '{path}' (use {shown})")
    return suffix


def check_output(path: str | os.PathLike[str]) -> str:
    """Checks, before anything is computed, that ``path`` can be written; returns its format.

    Same rules and exit codes as ``actcli.io.atomic_output``, which does the writing: a missing
    folder or a folder given as the file is a usage error, an unwritable folder a data error.
    """
    fmt = output_format(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"cannot write {path}: it is a folder")
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataError(f"cannot write {path}: folder {folder} is not writable")
    return fmt


def save(fig: Figure, path: str | os.PathLike[str], *, dpi: float | None = None) -> Path:
    """Writes ``fig`` to ``path`` atomically (``actcli.io.atomic_output``: a temp file in the same
    folder, then os.replace), in the format its extension names (FORMATS).

    A reader never sees a half-written image, and a failed write leaves an existing file as it was.

    Raises:
        UsageError: unknown extension, missing folder. DataError: the write failed.
    """
    fmt = check_output(path)
    # The writers read rcParams when they write (pdf.fonttype, svg.hashsalt, a style's
    # savefig.*), so the figure's look is active again here, not only while it was built.
    with _Look(getattr(fig, "_actcli_style", None)):
        with atomic_output(os.fspath(path), binary=True) as stream:
            options = _SAVE_OPTIONS.get(fmt, {})
            fig.savefig(stream, format=fmt, dpi=dpi if dpi is not None else "figure", **options)
    return Path(path)
