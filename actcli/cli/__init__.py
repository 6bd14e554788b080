"""The ``actcli`` command: one click group whose commands are imported only when run.

Errors reach the user here, as one line on stderr: the group's ``invoke`` converts actcli errors
into click errors (``common.error_boundary``) and ``ActcliGroup.main`` prints every error, click's
own included, as ``actcli: error: ...``. Click's usual three-line usage block is not used: a
pipeline's stderr should say what went wrong in one line (the hint names the ``--help`` to run).

``main`` is the process around the group (``actcli_launcher`` explains the phases): the signal
handlers that raise ``Signalled`` while a command runs, stdout/stderr guarded for closed and
full streams (``streams``), library warnings kept from the user.
"""

from __future__ import annotations

import difflib
import gc
import importlib
import importlib.util
import os
import sys
import traceback
import warnings
from types import FrameType
from typing import Any

import click

from actcli import __version__
from actcli.cli.common import CONTEXT_SETTINGS, BrokenPipe, ExitCode, error_boundary, one_line
from actcli.cli.streams import guarded_streams, protect_descriptors, silence
from actcli.errors import printable
from actcli_launcher import Signalled, exit_now, install
from actcli_launcher import message as signal_message

# name -> "module:attribute"; a module is imported only when its command runs (or for --help).
LAZY_COMMANDS = {
    "eval": "actcli.cli.eval_cmd:eval_cmd",
    "plot": "actcli.cli.plot_cmd:plot_cmd",
    "list": "actcli.cli.list_cmd:list_cmd",
    "info": "actcli.cli.info_cmd:info_cmd",
    "diff": "actcli.cli.diff_cmd:diff_cmd",
    "check": "actcli.cli.check_cmd:check_cmd",
}

_debug = False


def _is_activation(word: str) -> bool:
    """Whether ``word`` names an activation (``gelu``, ``nn.GELU``, ``elu:alpha=0.5``)."""
    import actcli  # the package is loaded already; only an error gets here

    try:
        actcli.spec(word.partition(":")[0])
    except (actcli.ActcliError, TypeError, ValueError):
        return False
    return True


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


class ActcliGroup(click.Group):
    """The "lazy group" recipe from click's docs, plus the one error boundary."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        present = [n for n, t in LAZY_COMMANDS.items() if _module_exists(t.split(":")[0])]
        return present + sorted(super().list_commands(ctx))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = target.split(":")
        if not _module_exists(module_name):
            return None  # e.g. plot before its module exists: "No such command"
        return getattr(importlib.import_module(module_name), attribute)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            if "No such command" not in exc.message or not args:
                raise
            if _is_activation(args[0]):
                # `actcli gelu 1`: the word is an activation, the command was left out.
                rest = " ".join(args[1:4]) + (" ..." if len(args) > 4 else "")
                evaluate = " ".join(["actcli eval", args[0], rest]).strip()
                exc.message += (
                    f" To evaluate {args[0]}: {evaluate}; to plot it: actcli plot {args[0]}"
                )
                raise
            close = difflib.get_close_matches(args[0], self.list_commands(ctx), n=1)
            if close:
                exc.message += f" Did you mean '{close[0]}'?"
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with error_boundary():
                return super().invoke(ctx)
        except KeyboardInterrupt:
            # Handled here: click's own handler would print a blank line to stderr first.
            _error("interrupted")
            raise click.exceptions.Exit(ExitCode.INTERRUPTED) from None

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Runs the command and exits with ``ExitCode``; errors print one line on stderr."""
        global _debug
        _debug = debug_wanted(os.environ.get("ACTCLI_DEBUG"))
        with guarded_streams():
            code, message = self._outcome(args, prog_name, complete_var, **extra)
            if signal_received is not None:
                # The signal's exception may have come back as another one (a C extension that
                # was being imported says "ImportError: initialization failed"), or been
                # swallowed by a library: the signal is what happened.
                code, message = 128 + signal_received, signal_message(signal_received)
            if message:
                _error(message)
            if code == ExitCode.BROKEN_PIPE:
                silence(sys.stdout)  # the interpreter's last flush must not fail again
        if not standalone_mode:
            return code
        sys.exit(code)

    def _outcome(self, *args: Any, **extra: Any) -> tuple[int, str]:
        """(exit code, the error line or "") of running the command."""
        try:
            result = super().main(*args, standalone_mode=False, **extra)
            _flush_stdout()
        except SystemExit as exc:
            return (exc.code if isinstance(exc.code, int) else ExitCode.DATA), ""
        except BaseException as exc:
            if _debug:
                traceback.print_exc()
            return _classify(exc)
        # click returns the code of --help / --version exits
        return (result if isinstance(result, int) else ExitCode.OK), ""


def _classify(exc: BaseException) -> tuple[int, str]:
    """(exit code, error line) for an exception that ended a command."""
    if isinstance(exc, Signalled):  # raised by the handlers main() installs
        return exc.exit_code, exc.message
    if isinstance(exc, (KeyboardInterrupt, click.exceptions.Abort)):
        return ExitCode.INTERRUPTED, "interrupted"
    if isinstance(exc, (BrokenPipeError, BrokenPipe)):  # the reader went away: quietly
        return ExitCode.BROKEN_PIPE, ""
    if isinstance(exc, click.ClickException):
        return exc.exit_code, _describe(exc)
    if isinstance(exc, MemoryError):  # what the work needed was refused by the system
        return ExitCode.DATA, (
            "out of memory: this input or the work asked for does not fit; "
            "try a smaller input, fewer activations, or -f npy"
        )
    if not isinstance(exc, Exception):
        raise exc  # GeneratorExit and other interpreter-level exits are not ours to report
    return ExitCode.DATA, (  # a bug: a notice, and the traceback only with --debug
        f"internal error: {type(exc).__name__}: {one_line(str(exc))} "
        "(this is a bug in actcli; rerun with --debug for the traceback)"
    )


def debug_wanted(value: str | None) -> bool:
    """``ACTCLI_DEBUG``: set to 1, true, yes or on (any case); unset, empty, 0, false, no, off
    leave it off (``ACTCLI_DEBUG=0`` used to turn tracebacks on)."""
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def _describe(exc: click.ClickException) -> str:
    message = one_line(exc.format_message())
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None and exc.__cause__ is None:
        # click's own parsing errors: point at the help of the command that was parsing.
        names = ctx.meta.get("actcli.names") or []
        path = ctx.command_path + (f" {names[0].partition(':')[0]}" if len(names) == 1 else "")
        message += f" (see '{path} --help')"
    return message


def _error(message: str) -> None:
    try:
        # Escaped: a file name or a cell quoted in the message may hold terminal escapes.
        click.echo(f"actcli: error: {printable(message)}", err=True)
    except OSError:
        pass  # stderr gone too: nothing more we can say


def _flush_stdout() -> None:
    if sys.stdout is not None:
        sys.stdout.flush()


def _debug_callback(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    global _debug
    if value:
        _debug = True


@click.group("actcli", cls=ActcliGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="actcli")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_debug_callback,
    help="Show the traceback of an unexpected error (also ACTCLI_DEBUG=1).",
)
def cli() -> None:
    """Evaluate and plot neural-network activation functions and their derivatives, exactly.

    \b
    Examples:
      actcli eval relu --negative-slope 0.5 -- -10 -5 0 5 10
      actcli eval relu gelu silu --linspace -3 3 7
      actcli eval softmax -i logits.csv -o probs.csv
      actcli list
      actcli info gelu
      actcli diff gelu
      actcli check gelu -i x.npy --values y.npy

    Shell completion (bash): eval "$(_ACTCLI_COMPLETE=bash_source actcli)"
    """


# -- the process: signals, warnings, the end ---------------------------------------------------

_running = False  # a command runs: a signal raises Signalled (else it ends the process at once)
signal_received: int | None = None  # the first terminating signal, once one arrived


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """Raised as an exception while a command runs, so temporary files are removed on the way
    out; a second signal while that happens is ignored, a third ends the process at once."""
    global signal_received, _signals_seen
    _signals_seen += 1
    if not _running or _signals_seen > 2:
        exit_now(signum)
    if signal_received is None:
        signal_received = signum
        raise Signalled(signum)


_signals_seen = 0


def _unraisable(info: Any) -> None:
    """Errors Python cannot raise (in ``__del__``, at exit) are shown only with --debug; a
    ``Signalled`` that lands there still decides the exit (``signal_received``)."""
    if _debug and not isinstance(info.exc_value, Signalled):
        sys.__unraisablehook__(info)


def main() -> None:
    """Console-script entry point (``actcli``, through ``actcli_launcher``) and
    ``python -m actcli``: the process around ``cli.main`` (see ``actcli_launcher``)."""
    global _running
    protect_descriptors()
    install(_on_signal)
    sys.unraisablehook = _unraisable
    if not debug_wanted(os.environ.get("ACTCLI_DEBUG")) and "--debug" not in sys.argv[1:2]:
        # Library warnings (NumPy, matplotlib) are not for the user of a command; the in-process
        # tests turn them into errors instead, so each one is fixed where it starts.
        warnings.simplefilter("ignore")
    code: int = ExitCode.DATA
    try:
        _running = True
        code = cli.main(standalone_mode=False)
    except Signalled as exc:  # in the instants around the group's own boundary
        code = exc.exit_code
        _error(exc.message)
    finally:
        _running = False
        # The process ends here and the OS takes its memory back whole: frozen objects are left
        # out of the interpreter's collections at exit (about 90 ms once matplotlib is loaded,
        # a sixth of a plot run). Only here, never in cli.main, which tests call in-process.
        gc.freeze()
    sys.exit(code)
