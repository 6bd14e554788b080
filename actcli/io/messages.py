"""Pieces of messages: exceptions on one line, cells and names quoted and cut, warnings."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence

from actcli.errors import printable


def one_line(exc: object) -> str:
    return " ".join(str(exc).split())


def shown(text: str, limit: int = 60) -> str:
    """repr(text) for a message, cut to about ``limit`` characters (a 50 MB cell stays short)."""
    quoted = repr(text)
    return quoted if len(quoted) <= limit else quoted[: limit - 4] + "..." + quoted[-1]


def listed(names: Sequence[str], limit: int = 20) -> str:
    """Column names for a message: the first ``limit``, then how many there are in all."""
    text = ", ".join(shown(n) for n in names[:limit])
    return text if len(names) <= limit else f"{text}, ... ({len(names)} columns)"


def warn(message: str) -> None:
    """A warning on stderr (data stays on stdout). A closed or full stderr loses the warning,
    never the run: the output is what was asked for."""
    with contextlib.suppress(OSError, AttributeError, ValueError):  # None, closed, full
        sys.stderr.write(f"actcli: warning: {printable(message)}\n")
        sys.stderr.flush()


def size_text(nbytes: float) -> str:
    """A size for a message, in decimal units: ``3.2 GB``, ``250 MB``, ``64 bytes``."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if nbytes < 1000 or unit == "TB":
            return f"{nbytes:.3g} {unit}" if unit != "bytes" else f"{nbytes:.0f} bytes"
        nbytes /= 1000
    raise AssertionError("unreachable")
