"""The ``actcli`` command's first code, and how the process ends when a signal arrives.

This module sits outside the ``actcli`` package on purpose: importing anything under ``actcli``
runs ``actcli/__init__.py``, which imports NumPy (a third of a second on a slow machine), and a
Ctrl-C in that time used to print a traceback from the middle of NumPy's import. The console
script imports this module (the standard library only), and ``main`` installs handlers before it
imports the command. Every signal whose default action ends the process then ends it with one
line on stderr and the exit code 128 + N, in three phases:

* starting (imports; no output and no temporary file exists yet) and finishing (the result is
  written and flushed): ``exit_now`` says so and leaves at once with ``os._exit``;
* running (``actcli.cli.main``): the handler raises ``Signalled``, so ``finally`` blocks and
  ``actcli.io.atomic_output`` remove temporary files on the way out; the CLI's error boundary
  prints the line. A second signal while that happens is ignored (the first one's exit stands).

Left alone: signals a parent set to be ignored (``nohup`` and SIGHUP, a background job and
SIGINT), SIGPIPE and SIGXFSZ (Python ignores them, so a reader that went away is a quiet
BrokenPipeError, exit 141, and a file over the size limit an EFBIG error naming the file), the
synchronous faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS: a handler that returns would
run the faulting instruction again), and SIGKILL and SIGSTOP, which no process can catch.

Before ``main`` runs, the interpreter's own start-up and the console script's first lines (a few
milliseconds) are beyond reach: a signal there gets Python's default behaviour.
"""

from __future__ import annotations

import os
import signal
import sys

TYPE_CHECKING = False  # typing itself costs ~5 ms, and this module runs before everything
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any, NoReturn

# Signals that end a process by default and arrive from outside (kill, the terminal, timers).
_TERMINATING = (
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGABRT",
    "SIGUSR1",
    "SIGUSR2",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGXCPU",
    "SIGVTALRM",
    "SIGPROF",
    "SIGIO",
    "SIGPWR",
    "SIGBREAK",  # Windows' Ctrl-Break
)


class Signalled(BaseException):
    """A terminating signal arrived while a command ran (raised by the handler).

    A BaseException, like KeyboardInterrupt: ``except Exception`` in a library does not swallow
    it. Not a KeyboardInterrupt: click turns those into an extra blank line and "Aborted!".
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def message(self) -> str:
        return message(self.signum)


def terminating_signals() -> list[int]:
    """The signals ``main`` handles, present on this platform."""
    found = {int(getattr(signal, name)) for name in _TERMINATING if hasattr(signal, name)}
    if hasattr(signal, "SIGRTMIN") and hasattr(signal, "SIGRTMAX"):
        found.update(range(signal.SIGRTMIN, signal.SIGRTMAX + 1))
    return sorted(found)


def signal_name(signum: int) -> str:
    """``SIGHUP``; ``SIGRTMIN+3`` for a real-time signal without a name of its own."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        low = getattr(signal, "SIGRTMIN", None)
        return (
            f"SIGRTMIN+{signum - low}" if low is not None and signum > low else f"signal {signum}"
        )


def message(signum: int) -> str:
    """The one line (without the ``actcli: error:`` prefix): Ctrl-C is "interrupted"."""
    if signum == getattr(signal, "SIGINT", None):
        return "interrupted"
    return f"terminated by {signal_name(signum)}"


def exit_now(signum: int, frame: FrameType | None = None) -> NoReturn:
    """Says why in one line and ends the process at once (nothing is half-written)."""
    try:
        os.write(2, f"actcli: error: {message(signum)}\n".encode())
    except OSError:
        pass  # stderr closed or gone with the terminal: the exit code still tells
    os._exit(128 + signum)


def install(handler: Callable[[int, FrameType | None], Any]) -> list[int]:
    """Sets ``handler`` for every terminating signal not ignored by our parent; returns them."""
    done = []
    for signum in terminating_signals():
        try:
            if signal.getsignal(signum) == signal.SIG_IGN:
                continue  # nohup, or a background job: the parent asked for it to be ignored
            signal.signal(signum, handler)
        except (OSError, ValueError, RuntimeError):
            continue  # reserved on this platform (or not the main thread)
        done.append(signum)
    return done


def main() -> None:
    """The console script's entry point: handlers first, then the (slow) imports, then the run."""
    install(exit_now)
    from actcli.cli import main as run  # NumPy, click: a signal here ends the process cleanly

    run()


if __name__ == "__main__":
    sys.exit(main())
