"""Streaming ``actcli eval``: chunk boundaries, bounded memory, CSV speed, the progress bar,
--threads, and dask.

Chunked results are compared bit for bit with one call of the core on the whole array (the
property under test is that chunking changes nothing); text parsing is compared with the csv
module reading the whole text at once, with the documented skipping rules.
"""

from __future__ import annotations

import contextlib
import csv
import inspect
import io as std_io
import os
import resource
import shutil
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import actcli
from actcli import io
from actcli.cli import cli

ACTCLI = shutil.which("actcli")
needs_entry_point = pytest.mark.skipif(ACTCLI is None, reason="actcli is not installed")


def run(args: list[str], input: str | bytes | None = None):
    return CliRunner().invoke(cli, args, input=input, catch_exceptions=False)


def ok(args: list[str], input: str | bytes | None = None):
    result = run(args, input)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result


def _npy(array: np.ndarray) -> bytes:
    buffer = std_io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Chunks of a few elements / characters, so every test crosses many chunk edges."""
    monkeypatch.setattr(io.inputs, "ARRAY_CHUNK_ELEMENTS", 7)
    monkeypatch.setattr(io.text, "TEXT_BLOCK_CHARS", 23)
    monkeypatch.setattr(io.text, "QUOTED_CHUNK_ROWS", 3)


def _specials(dtype) -> np.ndarray:
    rng = np.random.default_rng(5)
    x = np.concatenate(
        [rng.standard_normal(150) * 8, [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, -40, 40]]
    )
    return x.astype(dtype)


# ---------------------------------------------------------------------------------------------
# Chunk edges: the same bits as one call on the whole array


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_npy_file_elementwise_chunks_are_bit_identical(tmp_path, tiny_chunks, dtype):
    x = _specials(dtype)
    np.save(tmp_path / "x.npy", x)
    ok(["eval", "gelu", "silu", "-d", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy")])
    y = np.load(tmp_path / "y.npy")
    want = np.stack(
        [
            actcli.get("gelu")(x),
            actcli.derivative("gelu")(x),
            actcli.get("silu")(x),
            actcli.derivative("silu")(x),
        ],
        axis=-1,
    )
    assert _same_bits(y, want)


def test_npy_3d_elementwise_from_stdin_in_chunks(tiny_chunks):
    x = np.random.default_rng(1).standard_normal((5, 4, 3)).astype(np.float32)
    result = ok(["eval", "mish", "-f", "npy"], input=_npy(x))
    assert _same_bits(np.load(std_io.BytesIO(result.stdout_bytes)), actcli.get("mish")(x))


@pytest.mark.parametrize(
    "name, shape, axis",
    [
        ("softmax", (40, 6), None),
        ("log_softmax", (40, 6), None),
        ("sparsemax", (40, 6), None),
        ("glu", (40, 6), None),
        ("softmax", (9, 5, 4), 1),  # along a middle axis: blocks of the first axis still work
        ("log_softmax", (9, 5, 4), -1),
    ],
)
def test_npy_axiswise_row_blocks_are_bit_identical(tmp_path, tiny_chunks, name, shape, axis):
    x = np.random.default_rng(2).standard_normal(shape) * 30
    np.save(tmp_path / "x.npy", x)
    args = ["eval", name, "-d", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy")]
    params = {} if axis is None else {"axis": axis}
    if axis is not None:
        args += ["--axis", str(axis)]
    if name == "glu":  # its derivative is half as wide as its input: no stacking
        args.remove("-d")
    ok(args)
    y = np.load(tmp_path / "y.npy")
    want = actcli.get(name)(x, **params)
    if name != "glu":
        want = np.stack([want, actcli.derivative(name)(x, **params)], axis=-1)
    assert _same_bits(y, want)


def test_per_channel_parameters_chunk_only_across_channels(tiny_chunks):
    alpha = ["--alpha", "0.1,0.2,0.3"]
    rows = np.random.default_rng(7).standard_normal((20, 3))
    text = "a,b,c\n" + "".join(",".join(map(repr, r)) + "\n" for r in rows.tolist())
    out = ok(["eval", "layers.PReLU", "-c", "a,b,c", *alpha, "-f", "npy"], input=text)
    want = actcli.get("layers.PReLU")(rows, alpha=np.array([0.1, 0.2, 0.3]))
    assert _same_bits(np.load(std_io.BytesIO(out.stdout_bytes)), want)
    # one column: the slope runs along the rows, so the column is evaluated whole
    out = ok(["eval", "layers.PReLU", *alpha, "-f", "npy"], input="x\n-1\n-1\n-1\n")
    assert np.load(std_io.BytesIO(out.stdout_bytes)).tolist() == [-0.1, -0.2, -0.3]
    result = run(["eval", "layers.PReLU", *alpha], input="x\n-1\n-1\n-1\n-1\n")
    assert result.exit_code == 2 and "input of shape (4,)" in result.stderr


def test_softmax_along_the_first_axis_is_evaluated_whole(tmp_path, tiny_chunks):
    x = np.random.default_rng(3).standard_normal((30, 3))
    np.save(tmp_path / "x.npy", x)
    ok(
        [
            "eval",
            "softmax",
            "--axis",
            "0",
            "-i",
            str(tmp_path / "x.npy"),
            "-o",
            str(tmp_path / "y.npy"),
        ]
    )
    assert _same_bits(np.load(tmp_path / "y.npy"), actcli.get("softmax")(x, axis=0))


def test_csv_chunks_give_the_same_text_as_one_block(tiny_chunks):
    x = _specials(np.float64)
    text = "id,x\n" + "".join(f"r{i},{v!r}\n" for i, v in enumerate(x.tolist()))
    out = ok(["eval", "sigmoid", "-d"], input=text).stdout
    y, dy = actcli.get("sigmoid")(x), actcli.derivative("sigmoid")(x)
    want = "id,x,sigmoid,sigmoid'\n" + "".join(
        f"r{i},{v!r},{a!r},{b!r}\n"
        for i, (v, a, b) in enumerate(zip(x.tolist(), y.tolist(), dy.tolist(), strict=True))
    )
    assert out == want


def test_csv_rows_as_vectors_in_chunks(tiny_chunks):
    x = np.random.default_rng(4).standard_normal((25, 3))
    text = "a,b,c\n" + "".join(",".join(map(repr, row)) + "\n" for row in x.tolist())
    out = ok(["eval", "softmax"], input=text).stdout
    got = np.array([[float(c) for c in line.split(",")[3:]] for line in out.splitlines()[1:]])
    assert _same_bits(got, actcli.get("softmax")(x))


@pytest.mark.parametrize("to_file", [True, False])
def test_csv_to_npy_in_chunks_patches_the_header(tmp_path, tiny_chunks, to_file):
    x = _specials(np.float64)
    text = "x\n" + "".join(f"{v!r}\n" for v in x.tolist())
    if to_file:
        ok(["eval", "elu", "-d", "-o", str(tmp_path / "y.npy")], input=text)
        y = np.load(tmp_path / "y.npy")
        assert os.listdir(tmp_path) == ["y.npy"]
    else:
        y = np.load(std_io.BytesIO(ok(["eval", "elu", "-d", "-f", "npy"], input=text).stdout_bytes))
    want = np.stack([actcli.get("elu")(x), actcli.derivative("elu")(x)], axis=-1)
    assert _same_bits(y, want)


def test_range_in_chunks(tiny_chunks):
    result = ok(["eval", "tanh", "-f", "npy", "--linspace", "-3", "3", "101"])
    want = actcli.get("tanh")(np.linspace(-3.0, 3.0, 101))
    assert _same_bits(np.load(std_io.BytesIO(result.stdout_bytes)), want)


def test_npy_column_selection_in_chunks(tmp_path, tiny_chunks):
    x = np.arange(60, dtype=np.int32).reshape(20, 3) - 30  # ints become float64
    np.save(tmp_path / "x.npy", x)
    out = ok(["eval", "relu", "-i", str(tmp_path / "x.npy"), "-c", "x2"]).stdout
    lines = out.splitlines()
    assert lines[0] == "x2,relu" and len(lines) == 21
    assert lines[1] == "-29.0,0.0" and lines[-1] == "28.0,28.0"


# ---------------------------------------------------------------------------------------------
# Text blocks: the cells the csv module gives, whatever the block size


def _reference_rows(text: str, fmt: str) -> tuple[list[list[str]], list[int]]:
    """The rows of the whole text as the docs define them: csv module (or str.split for
    whitespace text) over universal-newline lines; blank rows and rows whose first cell starts
    with # (after spaces) are skipped."""
    lines = std_io.StringIO(text, newline="")
    rows, numbers = [], []
    if fmt == "text":
        pairs = ((n, line.split()) for n, line in enumerate(lines, start=1))
    else:
        reader = csv.reader(lines, delimiter="," if fmt == "csv" else "\t")
        pairs = ((reader.line_num, cells) for cells in reader)
    for number, cells in pairs:
        if all(not c.strip() for c in cells) or (cells and cells[0].lstrip().startswith("#")):
            continue
        rows.append(cells)
        numbers.append(number)
    return rows, numbers


TRICKY = {
    "csv": (
        "\ufeff# comment\r\nname,x\r\n\r\nb,-2\r\n c,+3\r\n#x,1\r\n,\r\n"
        'q,"4"\r\n"multi\nline",5\r\n"a,b",6\r\nz,\u22127\r\nlast,8'
    ),
    "tsv": "name\tx\na\t1\n\n  \nb\t-2\n# c\t3\n+d\t4\ne\t\u22125\n",
    "text": "# comment\n1 2\n\n   \n 3   4\n5\t6\n\x0c7 8\n9 10\n11\u00a012\n",
    "csv_plain": "x\n" + "".join(f"{i * 0.25 - 3}\n" for i in range(40)),
    "csv_lone_cr": "x\r1\r2\r\n3\n4",
}


@pytest.mark.parametrize("case", sorted(TRICKY))
@pytest.mark.parametrize("block", [1, 2, 5, 16, 1 << 20])
def test_text_blocks_read_what_the_csv_module_reads(monkeypatch, case, block):
    text = TRICKY[case]
    fmt = case.split("_")[0]
    monkeypatch.setattr(io.text, "TEXT_BLOCK_CHARS", block)
    monkeypatch.setattr(io.text, "QUOTED_CHUNK_ROWS", 2)
    stream = std_io.BufferedReader(std_io.BytesIO(text.encode()))
    table = io.read_text_table(stream, "t", fmt=fmt, header=False)
    rows, numbers = _reference_rows(text.removeprefix("\ufeff"), fmt)
    assert table.rows == rows
    assert list(table.line_numbers) == numbers


def test_bad_cell_far_into_a_file_names_its_line_and_writes_nothing(tmp_path, tiny_chunks):
    lines = ["x"] + [str(i) for i in range(200)]
    lines[150] = "oops"
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    target = tmp_path / "out.csv"
    target.write_text("precious\n")
    for output in ("-", str(target)):
        result = run(["eval", "relu", "-i", str(path), "-o", output])
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr == (
            f"actcli: error: {path} line 151, column 'x': 'oops' is not a number\n"
        )
    assert target.read_text() == "precious\n"
    assert sorted(os.listdir(tmp_path)) == ["data.csv", "out.csv"]


def test_ragged_row_after_the_first_block(tiny_chunks):
    result = run(["eval", "relu"], input="a,b\n" + "1,2\n" * 30 + "3\n")
    assert result.exit_code == 1 and result.stdout == ""
    assert "stdin line 32: 1 columns, but the first row has 2" in result.stderr


def test_long_output_streams_before_a_late_error(monkeypatch, tiny_chunks):
    monkeypatch.setattr(io.atomic, "HOLD_STDOUT", 40)
    result = run(["eval", "relu"], input="x\n" + "1\n" * 50 + "bad\n")
    assert result.exit_code == 1 and "line 52" in result.stderr
    assert result.stdout.startswith("x,relu\n1,1.0\n")  # beyond HOLD_STDOUT, data streams


def test_truncated_npy_file_is_a_data_error(tmp_path):
    (tmp_path / "x.npy").write_bytes(_npy(np.arange(10.0))[:-9])
    result = run(["eval", "relu", "-i", str(tmp_path / "x.npy")])
    assert result.exit_code == 1 and result.stdout == ""
    assert "is not a readable .npy file: its data ends after 71 of 80 bytes" in result.stderr


def test_truncated_npy_on_stdin_is_a_data_error(tiny_chunks):
    result = run(["eval", "relu", "-f", "npy"], input=_npy(np.arange(10.0))[:-9])
    assert result.exit_code == 1 and result.stdout_bytes == b""
    assert "stdin is not a readable .npy file: its data ends after" in result.stderr


# ---------------------------------------------------------------------------------------------
# Memory: peak RSS does not grow with the input


_PEAK_RSS = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
if done.returncode:
    sys.exit(done.stderr.decode())
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_rss_mb(*args: str) -> float:
    """Peak RSS of one actcli run, measured in a fresh process whose only child it is."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, ACTCLI, *args], capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return int(done.stdout) / 1024  # ru_maxrss is in KiB on Linux


def _write_npy(path, megabytes: int) -> np.ndarray:
    n = megabytes * 2**20 // 8
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n,))
    rng = np.random.default_rng(9)
    for start in range(0, n, 1 << 22):
        out[start : start + (1 << 22)] = rng.standard_normal(min(1 << 22, n - start)) * 4
    out.flush()
    return out


@needs_entry_point
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss units")
def test_npy_streaming_peak_rss_is_flat(tmp_path, monkeypatch):
    # The NumPy kernels on both sides: the whole 6.5M-element array would take the compiled
    # path, whose float64 bits may differ in the last place (docs/bench.md, "Same bits").
    monkeypatch.setenv("ACTCLI_PURE_NUMPY", "1")
    peaks = {}
    for megabytes in (50, 200):
        src, dst = tmp_path / f"x{megabytes}.npy", tmp_path / "y.npy"
        x = _write_npy(src, megabytes)
        peaks[megabytes] = _peak_rss_mb("eval", "sigmoid", "-i", str(src), "-o", str(dst))
        if megabytes == 50:  # and the streamed bits are those of one call
            assert _same_bits(np.load(dst), actcli.get("sigmoid")(np.asarray(x)))
        del x
        src.unlink()
    assert max(peaks.values()) <= 300, peaks
    # Loading the input, or mapping it whole, would add 150 MB (+150 MB of output) here.
    assert peaks[200] - peaks[50] < 25, peaks


@needs_entry_point
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss units")
def test_csv_streaming_peak_rss_is_flat(tmp_path):
    peaks = {}
    rng = np.random.default_rng(10)
    for rows in (100_000, 400_000):
        src = tmp_path / f"x{rows}.csv"
        with open(src, "w") as f:
            f.write("id,x\n")
            for start in range(0, rows, 50_000):
                values = (rng.standard_normal(50_000) * 4).tolist()
                f.write("".join(f"r{start + i},{v!r}\n" for i, v in enumerate(values)))
        peaks[rows] = _peak_rss_mb("eval", "sigmoid", "-i", str(src), "-o", str(tmp_path / "y.csv"))
    # 300,000 more rows held as Python strings would take well over 50 MB.
    assert peaks[400_000] - peaks[100_000] < 20, peaks


# ---------------------------------------------------------------------------------------------
# CSV speed against the floor


def _cpu_seconds(*argv: str) -> float:
    """User + system CPU time of one child process (robust to a busy machine, unlike wall time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, capture_output=True, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@needs_entry_point
def test_csv_end_to_end_is_at_least_half_the_floor_throughput(tmp_path):
    rows = 400_000
    src = tmp_path / "x.csv"
    values = (np.random.default_rng(2).standard_normal(rows) * 4).tolist()
    src.write_text("x\n" + "".join(f"{v!r}\n" for v in values))
    floor_code = inspect.getsource(io.csv_floor) + "\nimport sys\ncsv_floor(*sys.argv[1:])\n"
    floor = [sys.executable, "-c", floor_code, str(src), str(tmp_path / "f.csv")]
    act = [ACTCLI, "eval", "sigmoid", "-i", str(src), "-o", str(tmp_path / "y.csv")]
    floor_s = min(_cpu_seconds(*floor) for _ in range(2))
    act_s = min(_cpu_seconds(*act) for _ in range(2))
    assert floor_s / act_s >= 0.5, (floor_s, act_s)
    # and the output is exact: x passed through as written, sigmoid in shortest repr
    lines = (tmp_path / "y.csv").read_text().splitlines()
    y = actcli.get("sigmoid")(np.array(values)).tolist()
    assert lines[0] == "x,sigmoid" and lines[1] == f"{values[0]!r},{y[0]!r}"
    assert lines[-1] == f"{values[-1]!r},{y[-1]!r}" and len(lines) == rows + 1


def test_csv_floor_writes_what_it_parses(tmp_path):
    (tmp_path / "x.csv").write_text("x\n0.1\n-2\n1e-320\n")
    io.csv_floor(str(tmp_path / "x.csv"), str(tmp_path / "y.csv"))
    assert (tmp_path / "y.csv").read_text() == "x,y\n0.1,0.1\n-2,-2.0\n1e-320,1e-320\n"


# ---------------------------------------------------------------------------------------------
# Progress bar: long work, a terminal, no --quiet


class _Tty(std_io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "quiet, tty, seconds, env, shown",
    [
        (False, True, 5.0, {}, True),
        (True, True, 5.0, {}, False),  # --quiet
        (False, False, 5.0, {}, False),  # a pipe or a file
        (False, True, 0.1, {}, False),  # short work
        (False, True, 5.0, {"CI": "true"}, False),  # a CI log, even on a pseudo-terminal
        (False, True, 5.0, {"TERM": "dumb"}, False),
    ],
)
def test_progress_bar_rules(monkeypatch, quiet, tty, seconds, env, shown):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    stream = _Tty() if tty else std_io.StringIO()
    assert io.progress_wanted(quiet=quiet, stream=stream, seconds=seconds) is shown


def _eval_with_fake_terminal(monkeypatch, args: list[str], input: str):
    """Runs eval in-process with stderr pretending to be a terminal."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(io.terminal, "PROGRESS_MIN_SECONDS", 0.0)  # any work counts as long
    real = io.is_tty
    monkeypatch.setattr(io.terminal, "is_tty", lambda stream: stream is sys.stderr or real(stream))
    return CliRunner().invoke(cli, args, input=input, catch_exceptions=False)


def test_progress_bar_on_a_terminal_and_quiet_turns_it_off(monkeypatch, tmp_path, tiny_chunks):
    path = tmp_path / "x.csv"
    path.write_text("x\n" + "1\n" * 100)
    result = _eval_with_fake_terminal(monkeypatch, ["eval", "relu", "-i", str(path)], "")
    assert result.exit_code == 0
    assert (
        "actcli eval: x.csv" in result.stderr and "━" in result.stderr and "100%" in result.stderr
    )
    assert result.stdout == "x,relu\n" + "1,1.0\n" * 100  # data untouched
    args = ["eval", "relu", "-q", "-i", str(path)]
    result = _eval_with_fake_terminal(monkeypatch, args, "")
    assert result.exit_code == 0 and result.stderr == ""


def test_no_progress_bar_when_the_size_is_unknown(monkeypatch):
    result = _eval_with_fake_terminal(monkeypatch, ["eval", "relu"], "x\n1\n")  # a pipe
    assert result.exit_code == 0 and result.stderr == ""


@needs_entry_point
def test_no_progress_bar_in_a_pipe(tmp_path):
    x = tmp_path / "x.npy"
    np.save(x, np.zeros(1_200_000))  # over a second of text output: long enough for a bar
    assert io.terminal.PROGRESS_MIN_SECONDS <= 1_200_000 * io.inputs.SECONDS_PER_TEXT_VALUE
    done = subprocess.run(
        [ACTCLI, "eval", "relu", "-i", str(x), "-o", str(tmp_path / "y.csv")],
        capture_output=True,
        timeout=120,
        env={**os.environ, "TERM": "xterm"},
    )
    assert done.returncode == 0 and done.stderr == b"" and done.stdout == b""


# ---------------------------------------------------------------------------------------------
# --threads


def test_threads_option_reaches_the_core(monkeypatch):
    from actcli.cli import eval_cmd

    seen = []

    @contextlib.contextmanager
    def threads(n):
        seen.append(n)
        yield

    monkeypatch.setattr(eval_cmd, "core_threads", threads)
    ok(["eval", "relu", "--threads", "3", "--", "1"])
    ok(["eval", "relu", "--", "1"])
    assert seen == [3, None]  # None: every core


def test_threads_do_not_change_the_bits(tmp_path):
    x = np.random.default_rng(6).standard_normal(1 << 20)
    np.save(tmp_path / "x.npy", x)
    outputs = []
    for n in ("1", "2"):
        target = tmp_path / f"y{n}.npy"
        ok(["eval", "gelu", "--threads", n, "-i", str(tmp_path / "x.npy"), "-o", str(target)])
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


def test_threads_must_be_positive():
    result = run(["eval", "relu", "--threads", "0", "--", "1"])
    assert result.exit_code == 2 and "--threads" in result.stderr


# ---------------------------------------------------------------------------------------------
# dask: actcli functions work on any block of an array


def test_dask_map_blocks():
    da = pytest.importorskip("dask.array")
    x = np.random.default_rng(8).standard_normal((1000, 16)).astype(np.float32)
    lazy = da.from_array(x, chunks=(128, 16))
    gelu = actcli.get("gelu")
    meta = np.empty((0, 0), np.float32)  # so dask need not call the function to guess it
    got = da.map_blocks(gelu, lazy, meta=meta).compute()
    assert _same_bits(got, gelu(x))
    # axis-wise functions too, when a block holds whole rows (chunks span the last axis)
    got = da.map_blocks(actcli.get("softmax"), lazy, meta=meta).compute()
    assert _same_bits(got, actcli.get("softmax")(x))
