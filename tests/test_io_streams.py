"""Output that must not be lost or misreported (issue 13): a closed or full stderr, a narrow
stdout encoding, running out of memory. Real processes where the streams matter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from actcli.cli import cli

ACTCLI = shutil.which("actcli") or "actcli"


@pytest.mark.parametrize("stderr", ["closed", "full"])
def test_a_good_run_writes_its_file_whatever_stderr_is(stderr, tmp_path):
    """The float16 overflow warning goes to stderr; stderr being gone loses the warning only."""
    if stderr == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    out = tmp_path / "o.csv"
    args = [ACTCLI, "eval", "relu", "--dtype", "float16", "-o", str(out), "--", "1e5", "1"]
    if stderr == "closed":
        done = subprocess.run(args, preexec_fn=lambda: os.close(2))  # as `2>&-` does
    else:
        with open("/dev/full", "w") as full:
            done = subprocess.run(args, stderr=full)
    assert done.returncode == 0
    assert out.read_text() == "x,relu\ninf,inf\n1.0,1.0\n"
    assert os.listdir(tmp_path) == ["o.csv"]


@pytest.mark.parametrize("fmt", ["csv", "table", "json"])
def test_a_narrow_stdout_encoding_is_one_line_and_nothing_else(fmt):
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [ACTCLI, "eval", "relu", "-f", fmt],
        input="name,x\nok,1\n\u00e9lan,2\n".encode(),
        capture_output=True,
        env=env,
    )
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().startswith("actcli: error: stdout's encoding (ascii")
    assert done.stderr.count(b"\n") == 1


def test_an_ascii_table_without_box_drawing_under_ascii():
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [ACTCLI, "eval", "relu", "-f", "table", "--", "1"], capture_output=True, env=env
    )
    assert done.returncode == 0 and done.stdout.splitlines()[1] == b"-" * 10


def test_memory_error_anywhere_is_one_line(monkeypatch):
    import actcli

    def exhausted(name, **kwargs):
        def evaluate(x, **params):
            raise MemoryError

        return evaluate

    monkeypatch.setattr(actcli, "get", exhausted)
    result = CliRunner().invoke(cli, ["eval", "relu", "--", "1"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("actcli: error: out of memory: ")
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's Python start-up")
def test_stdin_a_folder_stops_python_itself():
    """`actcli eval relu < .`: CPython refuses a folder as stdin before any actcli code runs
    ("Fatal Python error: init_sys_streams"), so actcli cannot word it; pinned so a change in
    CPython (or a launcher that could catch it) is noticed."""
    folder = os.open(".", os.O_RDONLY)
    try:
        done = subprocess.run([ACTCLI, "eval", "relu"], stdin=folder, capture_output=True)
    finally:
        os.close(folder)
    assert done.returncode != 0 and done.stdout == b""
    assert b"is a directory" in done.stderr
