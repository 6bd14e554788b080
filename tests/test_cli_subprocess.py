"""The installed ``actcli`` (and ``python -m actcli``) as a real process: pipes, stdin, exit codes,
signals, terminals, and what gets imported."""

from __future__ import annotations

import io as std_io
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from pty_run import on_a_terminal

ACTCLI = shutil.which("actcli")
pytestmark = pytest.mark.skipif(ACTCLI is None, reason="the actcli entry point is not installed")


def actcli(
    *args: str, input: bytes | str | None = None, env: dict | None = None, **kwargs
) -> subprocess.CompletedProcess:
    data = input.encode() if isinstance(input, str) else input
    return subprocess.run(
        [ACTCLI, *args],
        input=data,
        capture_output=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        **kwargs,
    )


def test_entry_point_through_a_pipe():
    result = actcli("eval", "relu", "--alpha", "0.5", "--", "-10", "-5", "0", "5", "10")
    assert result.returncode == 0 and result.stderr == b""
    assert result.stdout == (
        b"x,relu(negative_slope=0.5)\n-10.0,-5.0\n-5.0,-2.5\n0.0,0.0\n5.0,5.0\n10.0,10.0\n"
    )


def test_python_dash_m():
    result = subprocess.run(
        [sys.executable, "-m", "actcli", "eval", "relu", "--", "-1", "2"],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == b"x,relu\n-1.0,0.0\n2.0,2.0\n"
    result = subprocess.run(
        [sys.executable, "-m", "actcli", "--version"], capture_output=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.startswith(b"actcli, version ")


def test_stdin_is_read_when_nothing_else_is_given():
    result = actcli("eval", "relu", input="x\n-1\n3\n")
    assert result.returncode == 0 and result.stdout == b"x,relu\n-1,0.0\n3,3.0\n"


def test_npy_through_pipes():
    buffer = std_io.BytesIO()
    np.save(buffer, np.array([-1.0, 0.5, 2.0], dtype=np.float32))
    result = actcli("eval", "relu", "-f", "npy", input=buffer.getvalue())
    assert result.returncode == 0 and result.stderr == b""
    y = np.load(std_io.BytesIO(result.stdout))
    assert y.dtype == np.float32 and y.tolist() == [0.0, 0.5, 2.0]


@pytest.mark.parametrize(
    "args, input, code, message",
    [
        (["eval", "gelo", "--", "1"], None, 2, b"did you mean 'gelu'"),
        (["eval", "relu"], "x\n1\nabc\n", 1, b"stdin line 3, column 'x': 'abc' is not a number"),
        (["eval", "relu"], "", 1, b"stdin has no data rows"),
        (["eval", "relu", "--bogus", "1", "--", "1"], None, 2, b"No such option '--bogus'"),
    ],
)
def test_exit_codes_and_one_line_errors(args, input, code, message):
    result = actcli(*args, input=input)
    assert result.returncode == code and result.stdout == b""
    assert result.stderr.count(b"\n") == 1 and message in result.stderr
    assert b"Traceback" not in result.stderr


def test_head_ends_quietly():
    shell = (
        f"'{ACTCLI}' eval relu --linspace 0 1 300000 | head -1; echo \"status=${{PIPESTATUS[0]}}\""
    )
    result = subprocess.run(["bash", "-c", shell], capture_output=True, timeout=60)
    lines = result.stdout.decode().splitlines()
    assert lines[0] == "x,relu"
    assert lines[1] in ("status=141", "status=0")  # 141 = 128 + SIGPIPE, as `yes | head` reports
    assert result.stderr == b""


def test_disk_full():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [ACTCLI, "eval", "relu", "--", "1"], stdout=full, stderr=subprocess.PIPE, timeout=60
        )
    assert result.returncode == 1
    assert result.stderr == b"actcli: error: cannot write to stdout: No space left on device\n"


def _start_waiting_on_stdin(*args: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [ACTCLI, "eval", "relu", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.5)  # let it start and block reading stdin
    return process


def test_ctrl_c_exits_130_without_traceback():
    process = _start_waiting_on_stdin()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130 and out == b""
    assert b"Traceback" not in err and b"interrupted" in err


def test_sigterm_keeps_the_old_output_and_no_temporary_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(b"precious\n")
    process = _start_waiting_on_stdin("-o", str(target))
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    assert process.returncode == 143
    assert target.read_bytes() == b"precious\n" and os.listdir(tmp_path) == ["out.csv"]


def _imported_modules(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "actcli", *args], capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.decode().splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_eval_to_csv_imports_neither_matplotlib_nor_rich():
    modules = _imported_modules("eval", "relu", "--", "1", "2", "3")
    assert "numpy" in modules and "click" in modules  # the check itself works
    assert "matplotlib" not in modules and "rich" not in modules and "scipy" not in modules


def test_eval_to_stdout_imports_no_file_machinery():
    """tempfile and shutil (with bz2, lzma, random) are imported where a file is written or the
    terminal measured, not by every start (about 5 ms of `actcli eval relu -- 1`), unless
    NumPy or click import them on this machine anyway."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import numpy, click"],
        capture_output=True,
        timeout=60,
    )
    base = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }
    extra = _imported_modules("eval", "relu", "--", "1") - base
    assert "actcli" in extra  # the check itself works
    assert not extra & {"tempfile", "shutil"}, extra


def test_an_ascii_table_needs_no_rich():
    # Rows are laid out by actcli.io.table; rich only measures non-ASCII text.
    modules = _imported_modules("eval", "relu", "-f", "table", "--", "1")
    assert "numpy" in modules and "rich" not in modules


def test_core_imports_no_cli_modules():
    code = (
        "import sys, actcli; actcli.get('gelu')([1.0]); actcli.derivative('softmax')([1.0, 2.0]);"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'click', 'rich', 'matplotlib'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert result.stdout == b"[]\n"


def _on_a_terminal(*args: str, env: dict | None = None) -> bytes:
    """Runs actcli with stdout on a pseudo-terminal; returns what it printed there."""
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update({"COLUMNS": "100", **(env or {})})
    status, out, err = on_a_terminal([ACTCLI, *args], env=environment, timeout=30)
    assert status == 0, err
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty behaviour varies")
def test_terminal_gets_a_coloured_table_unless_no_color():
    out = _on_a_terminal("eval", "relu", "--", "-1", "2")
    assert b"\x1b[" in out and b"relu" in out and b"x,relu" not in out
    plain = _on_a_terminal("eval", "relu", "--", "-1", "2", env={"NO_COLOR": "1"})
    assert b"\x1b[" not in plain and b"relu" in plain and b"x,relu" not in plain


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty behaviour varies")
def test_npy_is_not_written_to_a_terminal():
    import pty

    leader, follower = pty.openpty()
    result = subprocess.run(
        [ACTCLI, "eval", "relu", "-f", "npy", "--", "1"],
        stdout=follower,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    os.close(follower)
    os.close(leader)
    assert (
        result.returncode == 2 and b"refusing to write binary .npy to a terminal" in result.stderr
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", "gelu", "--linspace", "-3", "3", "100000000"],
        ["diff", "gelu", "--linspace", "0", "1", "1500000", "--linspace", "2", "3", "1500000"],
        ["diff", "gelu", "--range", "0:1:1e-7"],
        ["diff", "gelu", "--plot", "--linspace", "-3", "3", "1000000"],
    ],
    ids=["one", "repeated", "range", "plot"],
)
def test_diff_refuses_more_points_than_it_holds_in_bounded_memory(argv, tmp_path):
    """10^8 points took 3.1 GB and ended in MemoryError (issue 13): one line, exit 2, and the
    peak resident size of the process stays small."""
    probe = (
        "import resource, subprocess, sys;"
        "run = subprocess.run(sys.argv[1:], capture_output=True);"
        "sys.stderr.buffer.write(run.stderr);"
        "print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, ACTCLI, *argv],
        capture_output=True,
        timeout=120,
        cwd=tmp_path,
    )
    code, peak_kb = map(int, result.stdout.split())
    lines = result.stderr.decode().splitlines()
    assert code == 2 and len(lines) == 1 and "more than" in lines[0], lines
    assert peak_kb < 200_000, f"peak RSS {peak_kb} KB"
    assert os.listdir(tmp_path) == []
