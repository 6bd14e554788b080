"""Memory stays bounded whatever the input's shape or size (issue 13).

Each case runs the installed ``actcli`` in a subprocess under ``resource.setrlimit`` (1 GB of
address space: a run that tried to hold everything would fail, not swap), reaps it with
``os.wait4`` and asserts its peak RSS, measured against ``actcli eval relu -- 1`` run the same
way. Work that cannot fit must be refused up front in one line.
"""

from __future__ import annotations

import os
import resource
import shutil
import struct
import subprocess
import sys
import threading

import numpy as np
import pytest

ACTCLI = shutil.which("actcli") or "actcli"
LIMIT = 1 << 30
MB = 1 << 20

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="RLIMIT_AS and ru_maxrss in KB are Linux's"
)


def run(args: list[str], *, stdin=None, feed=None) -> tuple[int, int, str]:
    """(exit code, peak RSS in bytes, stderr) of actcli under a 1 GB address-space limit;
    ``feed`` (bytes) is written to stdin over and over until actcli stops reading."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))

    process = subprocess.Popen(
        [ACTCLI, *args],
        stdin=subprocess.PIPE if feed is not None else stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=limit,
    )
    if feed is not None:

        def write() -> None:
            try:
                while True:
                    process.stdin.write(feed)
            except (BrokenPipeError, OSError, ValueError):
                pass

        threading.Thread(target=write, daemon=True).start()
    err = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss * 1024, err


@pytest.fixture(scope="module")
def base_rss() -> int:
    code, rss, err = run(["eval", "relu", "--", "1"])
    assert code == 0, err
    return rss


@pytest.fixture(scope="module")
def arrays(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bounded")
    x = np.random.default_rng(13).standard_normal(VALUES)
    paths = {"row": folder / "row.npy", "column": folder / "column.npy"}
    np.save(paths["row"], x.reshape(1, -1))
    np.save(paths["column"], x.reshape(-1, 1))
    np.save(folder / "short_row.npy", x[:2_000_000].reshape(1, -1))
    return paths


VALUES = 6_000_000
VECTOR = VALUES * 8  # 48 MB


@pytest.mark.parametrize("shape", ["row", "column"])
def test_a_row_or_column_of_values_streams(shape, arrays, base_rss, tmp_path):
    out = tmp_path / "y.npy"
    code, rss, err = run(["eval", "relu", "-i", str(arrays[shape]), "-o", str(out)])
    assert (code, err) == (0, "")
    # Streamed: 8 MB chunks in and out, less than the vector itself (whole, x and y: 2x).
    assert rss - base_rss < VECTOR, (rss - base_rss) / MB
    got = np.load(out)
    assert got.shape == ((1, VALUES) if shape == "row" else (VALUES, 1))
    assert np.array_equal(got, np.maximum(np.load(arrays[shape]), 0))


def test_a_row_of_values_as_text_is_a_list_written_in_chunks(base_rss, tmp_path):
    path, out = tmp_path / "row.npy", tmp_path / "y.csv"
    np.save(path, np.linspace(-1, 1, 500_000).reshape(1, -1))  # 4 MB in, 20 MB of text out
    code, rss, err = run(["eval", "relu", "-i", str(path), "-o", str(out)])
    assert (code, err) == (0, "")
    assert rss - base_rss < 40 * MB, (rss - base_rss) / MB
    with open(out) as f:
        assert f.readline() == "x,relu\n" and f.readline() == "-1.0,0.0\n"
        assert sum(1 for _ in f) == 500_000 - 1  # one value per row


def test_softmax_of_one_long_row_holds_a_few_copies_of_it(arrays, base_rss, tmp_path):
    out = tmp_path / "s.npy"
    row = arrays["row"].parent / "short_row.npy"  # 2,000,000 values: 16 MB
    code, rss, err = run(["eval", "softmax", "-i", str(row), "-o", str(out)])
    assert (code, err) == (0, "")
    # x and the result here; the core's softmax keeps about six more while it works.
    assert rss - base_rss < 10 * 16_000_000, (rss - base_rss) / MB
    assert abs(np.load(out).sum() - 1) < 1e-9


def _one_line(err: str, start: str) -> None:
    assert err.count("\n") == 1 and err.startswith("actcli: error: " + start), err
    assert "Traceback" not in err and "internal error" not in err


def test_repeated_linspaces_are_refused_by_their_total(base_rss):
    args = ["eval", "relu", "--linspace", "0", "1", "60000000", "--linspace", "0", "1", "60000000"]
    code, rss, err = run(args)
    assert code == 2 and rss - base_rss < 20 * MB
    _one_line(err, "2 --range/--linspace options make 120000000 values, more than 100000000")


def test_a_big_jacobian_is_refused_with_its_size(base_rss):
    code, rss, err = run(["eval", "softmax", "--jacobian", "--linspace", "0", "1", "20000"])
    assert code == 2 and rss - base_rss < 20 * MB
    _one_line(err, "--jacobian of 20,000 values needs 20,000² × 8 bytes = 3.2 GB")


def _npy_header(shape: str) -> bytes:
    text = f"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}".encode()
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


@pytest.mark.parametrize("shape", ["(536870912,)", "(1, 536870912)"])
@pytest.mark.parametrize("name", ["relu", "softmax"])
def test_a_header_claiming_4_gb_over_20_bytes(shape, name, base_rss, tmp_path):
    path = tmp_path / "claim.npy"
    path.write_bytes(_npy_header(shape) + b"\0" * 20)
    for args, stdin in (([], open(path, "rb")), (["-i", str(path)], None)):
        code, rss, err = run(["eval", name, *args], stdin=stdin)
        assert code == 1 and rss - base_rss < 100 * MB, (args, (rss - base_rss) / MB)
        _one_line(err, "")
        # Or, on stdin, where its size is not known: the claim is too big for memory.
        assert "its data ends after 20 of 4294967296 bytes" in err or (
            not args and name == "softmax" and "of data, read as one array" in err
        ), err


def test_a_line_that_never_ends(base_rss):
    code, rss, err = run(["eval", "softmax", "-i", "/dev/zero"])
    assert code == 1 and rss - base_rss < 300 * MB, (rss - base_rss) / MB
    _one_line(err, "/dev/zero line 1 is longer than 16,777,216 characters")


def test_yes_1_into_softmax_ends_in_one_line(base_rss):
    code, rss, err = run(["eval", "softmax"], feed=b"1\n" * 65536)
    assert code == 1 and rss - base_rss < 500 * MB, (rss - base_rss) / MB
    _one_line(err, "stdin has more than 2,000,000 cells, and this work takes the whole input")


def test_one_long_line_of_values_is_refused_before_it_is_split(base_rss):
    line = b",".join([b"0.25"] * 3_000_000) + b"\n"  # 15 MB, 3 million cells
    code, rss, err = run(["eval", "softmax"], feed=line)
    assert code == 1 and rss - base_rss < 200 * MB, (rss - base_rss) / MB
    _one_line(err, "stdin line 1 has more than 100,000 columns")


def test_a_text_table_too_wide_to_print_is_refused_before_its_columns(base_rss, tmp_path):
    path = tmp_path / "wide.npy"
    np.save(path, np.zeros((2, 1_000_000)))
    code, rss, err = run(["eval", "relu", "-i", str(path), "-f", "csv"])
    assert code == 2 and rss - base_rss < 100 * MB, (rss - base_rss) / MB
    _one_line(err, f"{path}: rows of 2,000,000 cells (inputs and results), more than the 250,000")
