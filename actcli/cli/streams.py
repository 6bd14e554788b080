"""stdout and stderr as a command sees them: closed, full or gone, each told apart.

``guarded_streams()`` wraps ``sys.stdout`` and ``sys.stderr`` for the length of a command:

* stdout: a write or flush that fails raises ``OutputError`` ("cannot write to stdout: No space
  left on device", exit 1), a reader that went away ``BrokenPipe`` (quiet, exit 141), and a
  stdout closed before the start (``>&-``, ``sys.stdout is None``) fails at the first write with
  "cannot write to stdout: it is closed" instead of click dropping the text (``--help >&-``
  exited 0 with the help lost). After a failure, descriptor 1 is pointed at /dev/null so the
  interpreter's last flush at exit has nowhere to fail.
* stderr: warnings and the error line are all that go there, so a stderr that is closed, full or
  gone drops them and the run goes on: the exit code still tells how it went.

``protect_descriptors()`` puts /dev/null on descriptors 0-2 when the process starts without
them, so a file the command opens never becomes "stderr" by taking the free number 2.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from typing import Any

import click

from .common import BrokenPipe, ExitCode

CLOSED = "cannot write to stdout: it is closed"


class OutputError(click.ClickException):
    """stdout failed (closed, full, an I/O error): one line, exit 1."""

    exit_code = ExitCode.DATA


def _null_onto(fd: int) -> None:
    """Points descriptor ``fd`` at /dev/null (writes vanish, the last flush succeeds)."""
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    try:
        if null != fd:
            os.dup2(null, fd)
    except OSError:
        pass
    finally:
        if null != fd:
            os.close(null)


def protect_descriptors() -> None:
    """Opens /dev/null on each of descriptors 0, 1 and 2 that is closed (``>&-``).

    Python has already noted them as closed (``sys.stdout is None``), which is what the commands
    report; this only keeps later ``open`` calls from taking those numbers.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError as exc:
            if exc.errno == errno.EBADF:
                _null_onto(fd)


def silence(stream: Any) -> None:
    """After ``stream`` failed or its reader left: its descriptor to /dev/null, so the final
    flush at exit (of what is still buffered) neither fails nor writes half a line."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a real descriptor (CliRunner's): nothing will be flushed to it
    _null_onto(fd)


class _GuardedStdout:
    """A proxy of ``sys.stdout`` (or its ``.buffer``) that reports failed writes in one line.

    A failure sticks: once descriptor 1 points at /dev/null, later writes would "succeed" there
    (click probes a stream with an empty write, which already fails on /dev/full).
    """

    def __init__(self, stream: Any, parent: _GuardedStdout | None = None):
        self._stream = stream
        self._parent = parent
        self._buffer: _GuardedStdout | None = None
        self._error: click.ClickException | None = None

    def _fail(self, error: click.ClickException) -> click.ClickException:
        owner = self._parent or self
        owner._error = error
        silence(self._stream)
        return error

    def _call(self, name: str, *args: Any) -> Any:
        error = (self._parent or self)._error
        if error is not None:
            raise error
        try:
            return getattr(self._stream, name)(*args)
        except BrokenPipeError:
            raise self._fail(BrokenPipe()) from None
        except OSError as exc:
            message = f"cannot write to stdout: {exc.strerror or exc}"
            raise self._fail(OutputError(message)) from None

    def write(self, data: Any) -> int:
        return self._call("write", data)

    def writelines(self, lines: Any) -> None:
        self._call("writelines", lines)

    def flush(self) -> None:
        self._call("flush")

    @property
    def buffer(self) -> _GuardedStdout:
        if self._buffer is None:
            self._buffer = _GuardedStdout(self._stream.buffer, self._parent or self)
        return self._buffer

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, ...
        return getattr(self._stream, name)


class _ClosedStdout:
    """Stands for a stdout closed before the start: any write fails with ``CLOSED``.

    Even an empty write fails: click probes streams with ``write(b"")`` and would otherwise take
    this one for a binary stream and wrap it.
    """

    encoding = "utf-8"
    errors = "strict"
    closed = False

    @property
    def buffer(self) -> _ClosedStdout:
        return self

    def write(self, data: Any) -> int:
        raise OutputError(CLOSED)

    def writelines(self, lines: Any) -> None:
        raise OutputError(CLOSED)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "stdout is closed")


class _QuietStderr:
    """A proxy of ``sys.stderr`` that drops what it cannot write (closed, full, gone)."""

    def __init__(self, stream: Any):
        self._stream = stream
        self._failed = stream is None

    def _call(self, name: str, *args: Any) -> Any:
        if self._failed:
            return len(args[0]) if name == "write" else None
        try:
            return getattr(self._stream, name)(*args)
        except (OSError, ValueError):
            self._failed = True
            silence(self._stream)  # so the interpreter's last flush succeeds
            return len(args[0]) if name == "write" else None

    def write(self, data: Any) -> int:
        return self._call("write", data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._call("flush")

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:
        return getattr(self._stream, "errors", None) or "strict"

    def isatty(self) -> bool:
        try:
            return not self._failed and bool(self._stream.isatty())
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


def require_stdout() -> None:
    """Fails now, before any work, when stdout was closed from the start (``>&-``) and the
    command will print to it (the path of the file a plot wrote)."""
    if isinstance(sys.stdout, _ClosedStdout) or sys.stdout is None:
        raise OutputError(CLOSED)


@contextlib.contextmanager
def guarded_streams() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` guarded (see the module docstring) while it lasts."""
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout = _ClosedStdout() if old_out is None else _GuardedStdout(old_out)  # type: ignore[assignment]
    sys.stderr = _QuietStderr(old_err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = old_out, old_err
