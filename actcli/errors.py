"""The one error type for "the user asked for something we cannot do", and ``printable`` for
the text from outside that messages quote."""

from __future__ import annotations

import re


class ActcliError(ValueError):
    """A request actcli cannot carry out; the message says what and how to fix it."""

    exit_code = 1


class UsageError(ActcliError):
    """The request itself is wrong: unknown name, bad parameter, conflicting sources (exit 2)."""

    exit_code = 2


class DataError(ActcliError):
    """The data is wrong: a bad cell, empty input, a pickled .npy (exit 1)."""

    exit_code = 1


# C0 controls, DEL, C1 controls (ESC and CSI among them) and the bidirectional overrides that
# reorder what a terminal shows: never written raw to a terminal (as ls and git do).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\x1b``, ``\\n``, ``\\u202e``), for a terminal
    or a message: file names, headers and cells come from outside and may hold escape sequences.
    """
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
