"""The one error type for "the user asked for something we cannot do"."""

from __future__ import annotations


class ActcliError(ValueError):
    """A request actcli cannot carry out; the message says what and how to fix it."""

    exit_code = 1


class UsageError(ActcliError):
    """The request itself is wrong: unknown name, bad parameter, conflicting sources (exit 2)."""

    exit_code = 2


class DataError(ActcliError):
    """The data is wrong: a bad cell, empty input, a pickled .npy (exit 1)."""

    exit_code = 1
