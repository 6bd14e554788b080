"""The ``actcli`` command: one click group whose commands are imported only when run.

Errors reach the user here, as one line on stderr: the group's ``invoke`` converts actcli errors
into click errors (``common.error_boundary``) and ``ActcliGroup.main`` prints every error, click's
own included, as ``actcli: error: ...``. Click's usual three-line usage block is not used: a
pipeline's stderr should say what went wrong in one line (the hint names the ``--help`` to run).
"""

from __future__ import annotations

import difflib
import gc
import importlib
import importlib.util
import os
import signal
import sys
import traceback
from typing import Any

import click

from actcli import __version__
from actcli.cli.common import CONTEXT_SETTINGS, ExitCode, error_boundary, one_line
from actcli.errors import printable

# name -> "module:attribute"; a module is imported only when its command runs (or for --help).
LAZY_COMMANDS = {
    "eval": "actcli.cli.eval_cmd:eval_cmd",
    "plot": "actcli.cli.plot_cmd:plot_cmd",
    "list": "actcli.cli.list_cmd:list_cmd",
    "info": "actcli.cli.info_cmd:info_cmd",
    "diff": "actcli.cli.diff_cmd:diff_cmd",
}

_debug = False


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
            close = difflib.get_close_matches(args[0], self.list_commands(ctx), n=1) if args else []
            if close and "No such command" in exc.message:
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
        _debug = bool(os.environ.get("ACTCLI_DEBUG"))
        code: int = ExitCode.OK
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            if isinstance(result, int):  # click returns the code of --help / --version exits
                code = result
            _flush_stdout()
        except click.exceptions.Abort:
            _error("interrupted")
            code = ExitCode.INTERRUPTED
        except click.ClickException as exc:
            code = exc.exit_code
            if code == ExitCode.BROKEN_PIPE:
                _silence_stdout()
            else:
                _error(_describe(exc))
        except BrokenPipeError:  # while flushing, after the command returned
            _silence_stdout()
            code = ExitCode.BROKEN_PIPE
        except KeyboardInterrupt:
            _error("interrupted")
            code = ExitCode.INTERRUPTED
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else ExitCode.DATA
        except MemoryError:  # what the work needs was refused by the system (io's limits aside)
            _error(
                "out of memory: this input or the work asked for does not fit; "
                "try a smaller input, fewer activations, or -f npy"
            )
            code = ExitCode.DATA
        except Exception as exc:  # a bug: a notice, and the traceback only with --debug
            if _debug:
                traceback.print_exc()
            _error(
                f"internal error: {type(exc).__name__}: {one_line(str(exc))} "
                "(this is a bug in actcli; rerun with --debug for the traceback)"
            )
            code = ExitCode.DATA
        if not standalone_mode:
            return code
        sys.exit(code)


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
    if _debug and sys.exc_info()[0] is not None:
        traceback.print_exc()
    try:
        # Escaped: a file name or a cell quoted in the message may hold terminal escapes.
        click.echo(f"actcli: error: {printable(message)}", err=True)
    except OSError:
        pass  # stderr gone too: nothing more we can say


def _flush_stdout() -> None:
    if sys.stdout is not None:
        sys.stdout.flush()


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file descriptor (CliRunner): nothing will flush to a pipe


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

    Shell completion (bash): eval "$(_ACTCLI_COMPLETE=bash_source actcli)"
    """


def _on_sigterm(signum: int, frame: Any) -> None:
    # Raised as an exception so open temporary files are removed on the way out.
    raise SystemExit(ExitCode.TERMINATED)


def main() -> None:
    """Console-script entry point (``actcli``) and ``python -m actcli``."""
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        cli.main()
    finally:
        # The process ends here and the OS takes its memory back whole: frozen objects are left
        # out of the interpreter's collections at exit (about 90 ms once matplotlib is loaded,
        # a sixth of a plot run). Only here, never in cli.main, which tests call in-process.
        gc.freeze()
