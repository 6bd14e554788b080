"""Faults from outside, made to happen to real ``actcli`` processes (the installed entry point).

Disk full, unwritable folders, missing folders, device files and pipes as ``-o``, SIGINT and
SIGTERM in the middle of a large run, the reader going away (SIGPIPE), stdin closed or cut short.
The promise: the exit code says what happened, stderr says it in one line (or nothing, for a
reader that went away), the previous contents of ``-o FILE`` survive byte for byte and no
temporary file is left behind.

What is real and what is simulated: /dev/full, signals, pipes, closed descriptors, FIFOs and
device nodes (``mknod``, root only) are real. A full file system is a real 64 KiB tmpfs (root
only). An unwritable folder is real with ``chattr +i`` (root, ext4 and friends); as the tests
usually run as root, for whom permission bits mean nothing, the "permission denied" path is also
simulated in-process by making ``tempfile.mkstemp`` / ``os.replace`` / the write fail.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import bad_inputs
import numpy as np
import pytest
from bad_inputs import ERROR, FAULTS, OLD_OUTPUT, Fault, actcli_command, run_fault
from click.testing import CliRunner

from actcli.cli import cli

ACTCLI = actcli_command()
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(*args: str, cwd=None, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    return subprocess.run([*ACTCLI, *args], cwd=cwd, timeout=120, **kwargs)


def no_debris(folder) -> list[str]:
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


def _can_mount() -> bool:
    if not IS_ROOT or shutil.which("mount") is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        made = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", folder], capture_output=True
        )
        if made.returncode:
            return False
        subprocess.run(["umount", folder], check=False)
        return True


# ---------------------------------------------------------------------------------------------
# The published faults (tests/bad_inputs.py FAULTS), each made to happen for real


@pytest.mark.parametrize("fault", FAULTS, ids=[f.kind for f in FAULTS])
def test_fault_exit_code_and_message(fault: Fault, tmp_path):
    if fault.needs_root and not _can_mount():
        pytest.skip("needs root and mount (a full tmpfs)")
    if fault.kind.startswith("disk full (stdout)") and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    code, err = run_fault(fault, tmp_path)
    if fault.code == 130:
        err = err.removeprefix("\n")  # click ends the terminal's "^C" line first
    assert (code, err) == (fault.code, fault.line + "\n" if fault.line else ""), err[-2000:]
    assert no_debris(tmp_path) == []
    if (tmp_path / "out.csv").exists():  # the signal runs: -o out.csv held an earlier result
        assert (tmp_path / "out.csv").read_bytes() == OLD_OUTPUT


# ---------------------------------------------------------------------------------------------
# Disk full and unwritable places


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "tsv", "npy", "table"])
def test_dev_full_for_every_format(fmt):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as full:
        result = run(
            "eval",
            "relu",
            "-f",
            fmt,
            "--linspace",
            "0",
            "1",
            "3000",
            stdout=full,
            stderr=subprocess.PIPE,
            capture_output=False,
        )
    assert result.returncode == 1
    assert result.stderr == b"actcli: error: cannot write to stdout: No space left on device\n"


def test_unwritable_folder_for_real_with_chattr(tmp_path):
    """chattr +i: even root cannot create, rename or delete in that folder."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr")
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "out.csv").write_bytes(OLD_OUTPUT)
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("chattr +i not permitted here")
    try:
        result = run("eval", "relu", "-o", "locked/out.csv", "--", "1", cwd=tmp_path)
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    assert result.returncode == 1
    assert result.stderr.decode() in (
        ERROR + "cannot write locked/out.csv: Operation not permitted\n",
        ERROR + "cannot write locked/out.csv: Permission denied\n",
    )
    assert (folder / "out.csv").read_bytes() == OLD_OUTPUT and os.listdir(folder) == ["out.csv"]


def _invoke(argv, cwd):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, argv)
    finally:
        os.chdir(old)


@pytest.mark.parametrize("where", ["mkstemp", "replace", "write"])
@pytest.mark.parametrize("fmt", ["csv", "npy"])
def test_simulated_permission_and_space_errors_keep_the_old_file(where, fmt, tmp_path, monkeypatch):
    """Simulated (in-process): the folder refuses a new file, the rename, or the disk fills."""
    target = tmp_path / f"out.{fmt}"
    target.write_bytes(OLD_OUTPUT)
    reason = {"mkstemp": errno.EACCES, "replace": errno.EACCES, "write": errno.ENOSPC}[where]

    def refuse(*args, **kwargs):
        raise OSError(reason, os.strerror(reason))

    if where == "mkstemp":
        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    elif where == "replace":
        monkeypatch.setattr(os, "replace", refuse)
    else:
        real_fdopen = os.fdopen

        class Full:
            def __init__(self, stream):
                self.stream = stream

            def write(self, data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            def __getattr__(self, name):
                return getattr(self.stream, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.stream.close()

        monkeypatch.setattr(os, "fdopen", lambda *a, **k: Full(real_fdopen(*a, **k)))
    result = _invoke(["eval", "relu", "--linspace", "0", "1", "1000", "-o", target.name], tmp_path)
    assert result.exit_code == 1, result.stderr
    assert result.stderr == f"{ERROR}cannot write {target.name}: {os.strerror(reason)}\n"
    assert result.stdout == ""
    assert target.read_bytes() == OLD_OUTPUT
    assert sorted(os.listdir(tmp_path)) == [target.name]


def test_missing_parent_folder(tmp_path):
    result = run("eval", "relu", "-o", "no/such/out.csv", "--", "1", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == b""
    assert result.stderr.decode() == (
        f"{ERROR}cannot write no/such/out.csv: folder {tmp_path.resolve()}/no/such does not exist\n"
    )
    assert os.listdir(tmp_path) == []


def test_parent_is_a_file(tmp_path):
    (tmp_path / "a.csv").write_bytes(OLD_OUTPUT)
    result = run("eval", "relu", "-o", "a.csv/out.csv", "--", "1", cwd=tmp_path)
    assert result.returncode == 2 and b"does not exist" in result.stderr
    assert (tmp_path / "a.csv").read_bytes() == OLD_OUTPUT and os.listdir(tmp_path) == ["a.csv"]


# ---------------------------------------------------------------------------------------------
# -o naming something that is not a regular file: write into it, never replace it


def _mknod(path: Path, minor: int) -> None:
    if not IS_ROOT:
        pytest.skip("mknod needs root")
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except OSError as exc:
        pytest.skip(f"cannot make a device node here: {exc}")


def test_output_to_a_full_device_node_reports_it_and_keeps_the_node(tmp_path):
    """-o /dev/full used to be replaced by a regular file (as root) and reported as success."""
    node = tmp_path / "full"
    _mknod(node, 7)  # the same device as /dev/full, in a folder of our own
    result = run("eval", "relu", "-o", "full", "--", "1", cwd=tmp_path)
    assert stat.S_ISCHR(os.lstat(node).st_mode), "the device node was replaced"
    assert result.returncode == 1
    assert result.stderr == b"actcli: error: cannot write full: No space left on device\n"
    assert os.listdir(tmp_path) == ["full"]


def test_output_to_a_null_device_node_keeps_the_node(tmp_path):
    node = tmp_path / "null"
    _mknod(node, 3)  # like /dev/null
    result = run("eval", "relu", "-f", "csv", "-o", "null", "--", "1", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == b""
    assert stat.S_ISCHR(os.lstat(node).st_mode), "the device node was replaced"
    assert os.listdir(tmp_path) == ["null"]


@pytest.mark.parametrize("fmt", ["csv", "npy"])
def test_output_to_a_fifo_streams_into_it(fmt, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run("eval", "relu", "-f", fmt, "-o", "pipe", "--", "-1", "2", cwd=tmp_path)
    reader.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a file"
    if fmt == "csv":
        assert received == [b"x,relu\n-1.0,0.0\n2.0,2.0\n"]
    else:
        import io

        assert np.load(io.BytesIO(received[0])).tolist() == [0.0, 2.0]
    assert os.listdir(tmp_path) == ["pipe"]


# ---------------------------------------------------------------------------------------------
# Signals and pipes in the middle of a large run


@pytest.mark.parametrize("signum, code", [(2, 130), (15, 143)], ids=["SIGINT", "SIGTERM"])
def test_signal_during_large_npy_output_keeps_old_npy(signum, code, tmp_path):
    bad_inputs.make_big_input(tmp_path)
    old = bad_inputs.npy(np.arange(3.0))
    (tmp_path / "out.npy").write_bytes(old)
    process = subprocess.Popen(
        [*ACTCLI, "eval", "gelu", "relu", "silu", "-d", "-i", "big.npy", "-o", "out.npy"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    import time

    time.sleep(0.6)  # started, reading and computing (several seconds of work)
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    assert out == b"" and b"Traceback" not in err
    if signum == 2:
        assert err == b"actcli: error: interrupted\n"
    assert (tmp_path / "out.npy").read_bytes() == old
    assert no_debris(tmp_path) == []


def test_sigint_while_streaming_to_stdout(tmp_path):
    bad_inputs.make_big_input(tmp_path)
    process = subprocess.Popen(
        [*ACTCLI, "eval", "gelu", "-d", "-i", "big.npy"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = process.stdout.read(1000)  # it is writing
    process.send_signal(2)
    rest, err = process.communicate(timeout=60)
    assert first.startswith(b"x,gelu,gelu'\n")
    assert process.returncode == 130
    assert err == b"actcli: error: interrupted\n"  # one line (click used to add a blank one)


def test_head_c_10_on_every_format(tmp_path):
    bad_inputs.make_big_input(tmp_path)
    command = " ".join(ACTCLI)
    for fmt in ("csv", "json", "tsv", "npy"):
        shell = (
            f"{command} eval relu -f {fmt} -i big.npy | head -c 10 | wc -c; exit ${{PIPESTATUS[0]}}"
        )
        result = subprocess.run(
            ["bash", "-c", shell], cwd=tmp_path, capture_output=True, timeout=120
        )
        assert (result.returncode, result.stderr, result.stdout.strip()) == (141, b"", b"10"), fmt


# ---------------------------------------------------------------------------------------------
# stdin cut short


def test_stdin_closed_by_the_writer_after_some_rows():
    process = subprocess.Popen(
        [*ACTCLI, "eval", "relu"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # no final newline: the writer died mid-line; communicate closes stdin after writing
    out, err = process.communicate(b"x\n-1\n2", timeout=60)
    assert (process.returncode, out, err) == (0, b"x,relu\n-1,0.0\n2,2.0\n", b"")


def test_stdin_closed_in_the_middle_of_an_npy():
    data = bad_inputs.npy(np.linspace(-1, 1, 1000))
    process = subprocess.Popen(
        [*ACTCLI, "eval", "relu"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = process.communicate(data[:5000], timeout=60)  # then stdin closes
    assert process.returncode == 1 and out == b""
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(ERROR + "stdin is not a readable .npy file: ")


def test_stdin_closed_with_explicit_dash(tmp_path):
    result = run("eval", "relu", "-i", "-", preexec_fn=lambda: os.close(0))
    assert result.returncode == 1
    assert result.stderr == b"actcli: error: cannot read stdin: it is closed\n"


@pytest.mark.parametrize(
    "argv", [["list"], ["info", "relu"], ["eval", "relu", "-f", "npy", "--", "1"]]
)
def test_stdout_closed_for_every_command(argv):
    result = run(
        *argv,
        stdout=None,
        stderr=subprocess.PIPE,
        capture_output=False,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 1
    assert result.stderr == b"actcli: error: cannot write to stdout: it is closed\n"


# ---------------------------------------------------------------------------------------------
# -o through a symbolic link: the link stays, its target is replaced atomically


def test_output_through_a_symlink_keeps_the_link(tmp_path):
    (tmp_path / "real.csv").write_bytes(OLD_OUTPUT)
    os.symlink("real.csv", tmp_path / "link.csv")
    result = run("eval", "relu", "-o", "link.csv", "--", "-1", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert os.path.islink(tmp_path / "link.csv")
    assert (tmp_path / "real.csv").read_bytes() == b"x,relu\n-1.0,0.0\n2.0,2.0\n"
    failed = run("eval", "relu", "-o", "link.csv", "--", "abc", cwd=tmp_path)
    assert failed.returncode == 2
    assert (tmp_path / "real.csv").read_bytes() == b"x,relu\n-1.0,0.0\n2.0,2.0\n"
    assert sorted(os.listdir(tmp_path)) == ["link.csv", "real.csv"]


def test_output_to_a_link_to_stdout_keeps_the_link(tmp_path):
    """-o /dev/stdout with stdout a file: as root, the rename used to replace /dev/stdout itself
    (a symlink) by a regular file. Tested on a link of our own to /proc/self/fd/1."""
    if not os.path.exists("/proc/self/fd/1"):
        pytest.skip("no /proc/self/fd")
    os.symlink("/proc/self/fd/1", tmp_path / "stdout")
    with open(tmp_path / "captured.csv", "wb") as captured:
        result = run(
            "eval",
            "relu",
            "-o",
            "stdout",
            "--",
            "2",
            cwd=tmp_path,
            stdout=captured,
            stderr=subprocess.PIPE,
            capture_output=False,
        )
    assert result.returncode == 0, result.stderr
    assert os.path.islink(tmp_path / "stdout"), "the link was replaced by a regular file"
    assert (tmp_path / "captured.csv").read_bytes() == b"x,relu\n2.0,2.0\n"
    assert sorted(os.listdir(tmp_path)) == ["captured.csv", "stdout"]


# ---------------------------------------------------------------------------------------------
# Every terminating signal, at every stage: one line, exit 128 + N, no temporary file (issue 13)


def _signals() -> list[int]:
    from actcli_launcher import terminating_signals

    ignored = {s for s in terminating_signals() if signal.getsignal(s) == signal.SIG_IGN}
    return [s for s in terminating_signals() if s not in ignored]


def test_the_handled_signals_are_the_terminating_ones():
    from actcli_launcher import terminating_signals

    handled = set(terminating_signals())
    for name in ("SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGTERM"):
        if hasattr(signal, name):
            assert getattr(signal, name) in handled, name
    # Synchronous faults (a returning handler would rerun the faulting instruction), SIGPIPE and
    # SIGXFSZ (reported by the failing write itself), and the uncatchable ones are left alone.
    for name in ("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGPIPE", "SIGXFSZ", "SIGKILL"):
        if hasattr(signal, name):
            assert getattr(signal, name) not in handled, name
    if hasattr(signal, "SIGRTMIN"):
        assert {signal.SIGRTMIN, signal.SIGRTMAX} <= handled


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc (Linux)")
def test_every_terminating_signal_while_a_command_runs(tmp_path):
    """One process per signal, all at once, each blocked reading stdin with -o out.csv."""
    from actcli_launcher import signal_name

    (tmp_path / "out.csv").write_bytes(OLD_OUTPUT)
    running = {}
    for signum in _signals():
        running[signum] = subprocess.Popen(
            [*ACTCLI, "eval", "relu", "-o", "out.csv"],
            cwd=tmp_path,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    import time

    deadline = time.monotonic() + 90
    for process in running.values():
        while not bad_inputs.handlers_installed(process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
    time.sleep(1.0)  # past the imports: each one is blocked in the read
    for signum, process in running.items():
        process.send_signal(signum)
    for signum, process in running.items():
        out, err = process.communicate(timeout=60)
        name = signal_name(signum)
        want = "interrupted" if signum == signal.SIGINT else f"terminated by {name}"
        assert (process.returncode, err.decode(), out) == (128 + signum, ERROR + want + "\n", b"")
    assert (tmp_path / "out.csv").read_bytes() == OLD_OUTPUT
    assert no_debris(tmp_path) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP, signal.SIGUSR2])
def test_a_signal_while_starting_ends_with_one_line(signum):
    """The launcher's handler: nothing is written yet, so it says why and leaves at once."""
    code = (
        "import os, signal, sys, time; sys.path[:0] = [sys.argv[1]];"
        "import actcli_launcher; actcli_launcher.install(actcli_launcher.exit_now);"
        f"os.kill(os.getpid(), {int(signum)}); time.sleep(10); print('not ended')"
    )
    root = str(Path(__file__).resolve().parent.parent)
    result = subprocess.run([sys.executable, "-c", code, root], capture_output=True, timeout=60)
    from actcli_launcher import message

    assert (result.returncode, result.stdout) == (128 + signum, b"")
    assert result.stderr.decode() == ERROR + message(signum) + "\n"


def test_a_signal_raised_back_as_another_error_is_still_the_signal(monkeypatch):
    """A C extension being imported turns the handler's exception into "ImportError:
    initialization failed" (seen with matplotlib during a plot save): the signal decides."""
    import actcli.cli as cli_module

    def broken(*args, **kwargs):
        raise ImportError("initialization failed")

    monkeypatch.setattr(cli_module, "signal_received", signal.SIGHUP)
    monkeypatch.setattr("actcli.cli.list_cmd.list_cmd.callback", broken)
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 129
    assert result.stderr == ERROR + "terminated by SIGHUP\n"


def test_debug_zero_means_off(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("actcli.cli.list_cmd.list_cmd.callback", broken)
    for value, traced in [("0", False), ("", False), ("off", False), ("1", True), ("yes", True)]:
        result = CliRunner().invoke(cli, ["list"], env={"ACTCLI_DEBUG": value})
        assert result.exit_code == 1
        assert ("Traceback" in result.stderr) is traced, (value, result.stderr)
        assert result.stderr.splitlines()[-1].startswith(ERROR + "internal error: RuntimeError")


# ---------------------------------------------------------------------------------------------
# stdout and stderr closed or full (issue 13)

# The published faults (bad_inputs.FAULTS) cover `plot relu --term >&-`, `--help >&-` and
# `--version > /dev/full`; these are the other cases of the issue.
STDOUT_CASES = [
    ("closed", ["plot", "--all", "--term"]),
    ("closed", ["diff", "gelu", "--plot"]),
    ("closed", ["plot", "relu"]),  # the path of relu.png would be printed
    ("full", ["plot", "relu", "--term"]),
    ("full", ["eval", "relu", "--help"]),
    ("full", ["diff", "gelu", "--plot"]),
]


@pytest.mark.parametrize(
    ("how", "argv"), STDOUT_CASES, ids=lambda v: v if isinstance(v, str) else " ".join(v)
)
def test_stdout_closed_or_full_is_one_line_and_exit_1(argv, how, tmp_path):
    if how == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full" if how == "full" else os.devnull, "wb") as full:
        result = run(
            *argv,
            cwd=tmp_path,
            stdout=full if how == "full" else None,
            stderr=subprocess.PIPE,
            capture_output=False,
            preexec_fn=(lambda: os.close(1)) if how == "closed" else None,
        )
    reason = "it is closed" if how == "closed" else "No space left on device"
    assert (result.returncode, result.stderr.decode()) == (
        1,
        f"{ERROR}cannot write to stdout: {reason}\n",
    )
    if how == "closed":  # known before any work: no file written whose path cannot be told
        assert not any(n.endswith(".png") for n in os.listdir(tmp_path))
    assert no_debris(tmp_path) == []


@pytest.mark.parametrize("how", ["closed", "full"])
def test_stderr_closed_or_full_does_not_fail_a_good_run(how, tmp_path):
    """The warning (1e5 overflows float16) cannot be shown; the run still succeeds."""
    if how == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as full:
        result = run(
            *["eval", "relu", "--dtype", "float16", "-o", "o.csv", "--", "1e5"],
            cwd=tmp_path,
            stderr=full if how == "full" else None,
            capture_output=False,
            stdout=subprocess.PIPE,
            preexec_fn=(lambda: os.close(2)) if how == "closed" else None,
        )
    assert (result.returncode, result.stdout) == (0, b"")
    assert (tmp_path / "o.csv").read_text() == "x,relu\ninf,inf\n"


def test_stderr_closed_error_keeps_its_exit_code(tmp_path):
    result = run("eval", "nosuch", "--", "1", cwd=tmp_path, preexec_fn=lambda: os.close(2))
    assert (result.returncode, result.stdout) == (2, b"")


# ---------------------------------------------------------------------------------------------
# What a successful run prints on stderr: nothing (issue 13)


@pytest.mark.parametrize(
    "argv",
    [
        ["plot", "exponential", "--xlim", "0", "1e308", "-o", "e.png"],
        ["plot", "relu", "--title", "a\x01b", "-o", "t.png"],
        ["plot", "relu", "-o", "t.eps"],
        ["plot", "relu", "--size", "0.1", "0.1", "-o", "tiny.png"],
        ["plot", "relu", "--xlim", "-1.7e308", "1.7e308", "-o", "huge.png"],
        ["diff", "gelu", "--plot", "--range", "-1e308:1e308:1e307", "-o", "d.png"],
    ],
    ids=["exponential to 1e308", "title with \\x01", "eps", "tiny", "huge x", "diff --plot huge"],
)
def test_no_warning_reaches_the_user(argv, tmp_path):
    small = ["--points", "51"] if argv[0] == "plot" else []
    result = run(*argv, *small, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, b"")
    assert no_debris(tmp_path) == []


@pytest.mark.parametrize("where", ["style", "matplotlibrc"])
def test_usetex_without_latex_is_turned_off(where, tmp_path):
    (tmp_path / "tex.mplstyle").write_text("text.usetex: True\n")
    (tmp_path / "matplotlibrc").write_text("text.usetex: True\n")
    env = {**os.environ, "PATH": "/nonexistent"}  # no latex, whatever the machine has
    argv = ["plot", "gelu", "-o", "g.png"] + (
        ["--style", "./tex.mplstyle"] if where == "style" else []
    )
    result = run(*argv, cwd=tmp_path, env=env)
    assert (result.returncode, result.stderr) == (0, b""), result.stderr
    assert (tmp_path / "g.png").stat().st_size > 1000
