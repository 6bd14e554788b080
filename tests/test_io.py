"""actcli.io: sources, text and .npy readers, number formatting, writers, atomic files."""

from __future__ import annotations

import errno
import io as std_io
import json
import os
import stat
import struct

import numpy as np
import pytest

from actcli import io
from actcli.errors import DataError, UsageError


def _stream(text: str | bytes) -> std_io.BufferedReader:
    data = text.encode() if isinstance(text, str) else text
    return std_io.BufferedReader(std_io.BytesIO(data))


# ---------------------------------------------------------------------------------------------
# Sources


@pytest.mark.parametrize(
    "kwargs, want",
    [
        ({"values": ["1"]}, "values"),
        ({"ranges": ["0:1"]}, "ranges"),
        ({"linspaces": [("0", "1", "3")]}, "ranges"),
        ({"ranges": ["0:1"], "linspaces": [("0", "1", "3")]}, "ranges"),
        ({"input_path": "a.csv"}, "file"),
        ({"input_path": "-"}, "stdin"),
        ({}, "stdin"),  # data piped in, no other source
    ],
)
def test_choose_source(kwargs, want):
    args = {"values": [], "ranges": [], "linspaces": [], "input_path": None, **kwargs}
    assert io.choose_source(**args, stdin_is_tty=False) == want


def test_choose_source_conflict_names_both():
    with pytest.raises(UsageError, match="give one input source, got values and --input"):
        io.choose_source(
            values=["1"], ranges=[], linspaces=[], input_path="a.csv", stdin_is_tty=False
        )


def test_choose_source_nothing_on_a_terminal():
    with pytest.raises(UsageError, match="no input: give values after --"):
        io.choose_source(values=[], ranges=[], linspaces=[], input_path=None, stdin_is_tty=True)


def test_range_includes_stop_and_has_no_accumulated_rounding():
    got = io.parse_range("-5:5:0.5")
    assert got.size == 21
    assert got[0] == -5.0 and got[-1] == 5.0
    assert got.tolist() == [-5.0 + 0.5 * i for i in range(21)]
    # 0.1 steps: start + i * step, so 0.30000000000000004 appears as in Python's 3 * 0.1.
    assert io.parse_range("0:0.3:0.1").tolist() == [0.0, 0.1, 0.2, 0.1 * 3]


@pytest.mark.parametrize(
    "text, want",
    [
        ("0:3", [0.0, 1.0, 2.0, 3.0]),
        ("3:0:-1", [3.0, 2.0, 1.0, 0.0]),
        ("0:1:0.4", [0.0, 0.4, 0.8]),
        ("\u22121:1", [-1.0, 0.0, 1.0]),
    ],
)
def test_range_forms(text, want):
    assert io.parse_range(text).tolist() == want


@pytest.mark.parametrize(
    "text, message",
    [
        ("1", "START:STOP"),
        ("a:b", "must be numbers"),
        ("0:1:0", "non-zero"),
        ("0:1:-1", "towards STOP"),
        ("0:inf", "finite"),
        ("0:1e12:1e-3", "more than"),
    ],
)
def test_range_errors(text, message):
    with pytest.raises(UsageError, match=message):
        io.parse_range(text)


def test_linspace():
    assert io.linspace("-1", "1", "5").tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert io.linspace("2", "2", "1").tolist() == [2.0]
    for bad, message in [
        (("0", "1", "0"), "at least 1"),
        (("0", "1", "2.5"), "whole number"),
        (("x", "1", "3"), "must be numbers"),
        (("0", "nan", "3"), "finite"),
    ]:
        with pytest.raises(UsageError, match=message):
            io.linspace(*bad)


def test_several_ranges_give_their_sorted_union():
    got = io.range_values(["0:2"], [("0.5", "1.5", "3")])
    assert got.tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]


def test_values_from_args_names_the_bad_one():
    assert io.values_from_args(["1", "-2.5", "1e3", "nan", "-inf", "\u22123"]).tolist()[:3] == [
        1.0,
        -2.5,
        1000.0,
    ]
    with pytest.raises(UsageError, match=r"value 'abc' is not a number \(argument 2"):
        io.values_from_args(["1", "abc"])


# ---------------------------------------------------------------------------------------------
# Text tables


def test_csv_with_header_crlf_bom_comments_blank_lines_and_quotes():
    text = '\ufeff# a comment\r\nname,x\r\n\r\n"a","1.5"\r\nb,-2\r\n'
    table = io.read_text_table(_stream(text), "t.csv")
    assert table.names == ["name", "x"] and table.has_header
    assert table.rows == [["a", "1.5"], ["b", "-2"]]
    assert list(table.line_numbers) == [4, 5]


def test_headerless_single_column_text():
    table = io.read_text_table(_stream("1\n2\n 3 \n"), "stdin")
    assert table.names == ["x"] and not table.has_header
    assert table.rows == [["1"], ["2"], ["3"]]


def test_one_quoted_column_without_a_file_name_is_csv():
    """From stdin nothing names the format: a quoted first cell says CSV, comma or not."""
    table = io.read_text_table(_stream('"x"\n"1.5"\n"-2"\n'), "stdin")
    assert table.names == ["x"] and table.has_header
    assert table.rows == [["1.5"], ["-2"]]


def test_whitespace_text_several_columns_and_tsv():
    table = io.read_text_table(_stream("1  2\n3\t4\n"), "t", fmt="text")
    assert table.rows == [["1", "2"], ["3", "4"]] and table.names == ["x1", "x2"]
    table = io.read_text_table(_stream("a\tb\n1\t2\n"), "t.tsv")
    assert table.names == ["a", "b"] and table.rows == [["1", "2"]]


@pytest.mark.parametrize(
    "text, has_header",
    [
        ("a,b\n1,2\n", True),
        ("1,2\n3,4\n", False),
        ("id,x\nr1,2\n", True),
        ("r0,1\nr1,2\n", False),
        ("x\n", True),
        ("-1,nan\n1,2\n", False),
    ],
)
def test_header_detection(text, has_header):
    if text == "x\n":
        with pytest.raises(DataError, match="no data rows"):
            io.read_text_table(_stream(text), "t.csv")
        return
    assert io.read_text_table(_stream(text), "t.csv").has_header is has_header


def test_header_can_be_forced():
    assert io.read_text_table(_stream("1,2\n3,4\n"), "t", header=True).names == ["1", "2"]
    table = io.read_text_table(_stream("a,b\n1,2\n"), "t", header=False)
    assert table.rows[0] == ["a", "b"]


def test_ragged_row_names_its_line():
    with pytest.raises(DataError, match=r"t.csv line 3: 1 columns, but the first row has 2"):
        io.read_text_table(_stream("a,b\n1,2\n3\n"), "t.csv")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_input(text):
    with pytest.raises(DataError, match="no data rows"):
        io.read_text_table(_stream(text), "stdin")


def test_binary_garbage_is_a_data_error():
    with pytest.raises(DataError, match="not UTF-8 text"):
        io.read_text_table(_stream(b"\xff\xfe\x00\x81garbage"), "g.bin")
    table = io.read_text_table(_stream(b"a,b\n1,\x002\n"), "nul.csv")
    with pytest.raises(DataError, match=r"nul.csv line 2, column 'b': '\\x002' is not a number"):
        io.table_columns_as_array(table, [1])


def test_select_columns_by_name_index_and_errors():
    names = ["id", "logit", "2"]
    assert io.select_columns(names, ["logit"], "d.csv") == [1]
    assert io.select_columns(names, ["LOGIT"], "d.csv") == [1]
    assert io.select_columns(names, ["1,logit"], "d.csv") == [0, 1]
    assert io.select_columns(names, ["2"], "d.csv") == [2]  # a name wins over an index
    with pytest.raises(
        UsageError,
        match=r"--column 'nope': d.csv has no such column "
        r"\(columns: 'id', 'logit', '2'; or a number from 1 to 3\)",
    ):
        io.select_columns(names, ["nope"], "d.csv")
    with pytest.raises(UsageError, match="no such column"):
        io.select_columns(names, ["4"], "d.csv")


def test_bad_cell_names_file_line_and_column():
    table = io.read_text_table(_stream("id,logit\na,1\nb,abc\n"), "data.csv")
    with pytest.raises(DataError, match=r"data.csv line 3, column 'logit': 'abc' is not a number"):
        io.table_columns_as_array(table, [1])
    table = io.read_text_table(_stream("id,logit\na,1\nb,\n"), "data.csv")
    with pytest.raises(DataError, match=r"line 3, column 'logit': empty cell"):
        io.table_columns_as_array(table, [1])


def test_numbers_parse_exactly_including_specials():
    table = io.read_text_table(_stream("x\n0.1\n-0.0\n1e-320\n1e999\n-inf\nnan\n\u22122.5\n"), "t")
    got = io.table_columns_as_array(table, [0])
    assert got[0] == 0.1 and np.signbit(got[1]) and got[2] == 1e-320
    assert got[3] == np.inf and got[4] == -np.inf and np.isnan(got[5]) and got[6] == -2.5


# ---------------------------------------------------------------------------------------------
# .npy


def _npy_bytes(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = std_io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def test_npy_file_is_read_not_mapped_and_dtype_kept(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.array([1.5, -2.0], dtype=np.float32))
    with open(path, "rb") as f:
        got = io.read_npy(f, "x.npy", str(path))
    # Read into memory: a file truncated while mapped would kill the process with SIGBUS.
    assert not isinstance(got, np.memmap) and got.dtype == np.float32
    assert got.tolist() == [1.5, -2.0]


@pytest.mark.parametrize(
    "array, dtype",
    [
        (np.array([1, 2], dtype=np.int8), np.float64),
        (np.array([True, False]), np.float64),
        (np.array([1.0, 2.0], dtype=">f8"), np.float64),
        (np.array([1.0], dtype=np.float16), np.float16),
    ],
)
def test_npy_dtypes_from_stdin(array, dtype):
    got = io.read_npy(_stream(_npy_bytes(array)), "stdin")
    assert got.dtype == dtype and got.dtype.isnative
    assert got.tolist() == array.astype(np.float64).tolist()


def test_pickled_npy_is_refused_without_unpickling():
    data = _npy_bytes(np.array([1, "a"], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"holds Python objects \(dtype object\); refused"):
        io.read_npy(_stream(data), "evil.npy")


@pytest.mark.parametrize(
    "data, message",
    [
        (_npy_bytes(np.arange(4.0))[:-5], "not a readable .npy"),
        (_npy_bytes(np.arange(4.0))[:20], "not a readable .npy"),
        (_npy_bytes(np.array([1 + 2j])), "complex numbers are not supported"),
        (_npy_bytes(np.array(["a"])), "holds no numbers"),
    ],
)
def test_bad_npy(data, message):
    with pytest.raises(DataError, match=message):
        io.read_npy(_stream(data), "x.npy")


# ---------------------------------------------------------------------------------------------
# Formatting


def test_shortest_round_trip_float64():
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2**63, size=5000, dtype=np.int64).view(np.float64)
    values = np.concatenate([bits, [0.1, -0.0, 5e-324, 1e300, np.inf, -np.inf]])
    texts = io.format_floats(values)
    back = np.array([float(t) for t in texts])
    same = (back == values) | (np.isnan(back) & np.isnan(values))
    assert same.all() and (np.signbit(back) == np.signbit(values)).all()
    assert texts[-6:] == ["0.1", "-0.0", "5e-324", "1e+300", "inf", "-inf"]


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_shortest_round_trip_small_floats(dtype):
    rng = np.random.default_rng(3)
    width = np.dtype(dtype).itemsize * 8
    ints = rng.integers(0, 2 ** (width - 1), size=3000).astype(f"u{width // 8}")
    values = ints.view(dtype)
    values = values[np.isfinite(values)]
    texts = io.format_floats(values)
    assert (np.array(texts, dtype=np.float64).astype(dtype) == values).all()
    assert io.format_floats(np.array([0.1], dtype=dtype)) == ["0.1"]  # not 0.10000000149...


def test_precision_is_significant_digits():
    got = io.format_floats(np.array([0.123456, 123456.0, 1e-7, -0.0]), precision=3)
    assert got == ["0.123", "1.23e+05", "1e-07", "-0"]


def test_json_numbers():
    assert [io.json_number(t) for t in ["1.5", "nan", "inf", "-inf", "-0.0"]] == [
        "1.5",
        '"NaN"',
        '"Infinity"',
        '"-Infinity"',
        "-0.0",
    ]


# ---------------------------------------------------------------------------------------------
# Writers


def _table() -> io.OutputTable:
    return io.OutputTable(
        [
            io.Column("id", ["a", "b,c"]),
            io.Column("x", ["1.50", "-2"]),
            io.Column("relu", np.array([1.5, 0.0])),
        ]
    )


@pytest.mark.parametrize(
    "fmt, want",
    [
        ("csv", 'id,x,relu\na,1.50,1.5\n"b,c",-2,0.0\n'),
        ("tsv", "id\tx\trelu\na\t1.50\t1.5\nb,c\t-2\t0.0\n"),
        ("jsonl", '{"id": "a", "x": 1.50, "relu": 1.5}\n{"id": "b,c", "x": -2, "relu": 0.0}\n'),
    ],
)
def test_text_writers(fmt, want, capsys):
    io.write_output(_table(), fmt=fmt)
    assert capsys.readouterr().out == want


def test_json_writer_is_valid_json(capsys):
    io.write_output(_table(), fmt="json")
    assert json.loads(capsys.readouterr().out) == [
        {"id": "a", "x": 1.5, "relu": 1.5},
        {"id": "b,c", "x": -2.0, "relu": 0.0},
    ]


def test_table_writer_without_colour(capsys):
    io.write_output(_table(), fmt="table")
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    lines = out.splitlines()
    assert lines[0].split() == ["id", "x", "relu"]
    assert lines[2].split() == ["a", "1.50", "1.5"]


@pytest.mark.parametrize(
    "fmt, output, tty, want",
    [
        (None, "-", True, "table"),
        (None, "-", False, "csv"),
        (None, "o.json", False, "json"),
        (None, "o.NPY", True, "npy"),
        (None, "/dev/stdout", False, "csv"),  # no suffix: csv
        ("csv", "o.unknown", False, "csv"),
        ("tsv", "o.csv", False, "tsv"),
    ],
)
def test_output_format_for(fmt, output, tty, want):
    assert io.output_format_for(fmt, output, stdout_is_tty=tty) == want


@pytest.mark.parametrize("output", ["plot.png", "s.xlsx", "out.CSVX"])
def test_an_unknown_output_suffix_is_a_usage_error_naming_the_known_ones(output):
    with pytest.raises(UsageError, match=r"unknown suffix .* \(known: \.csv, \.tsv, .*--format"):
        io.output_format_for(None, output, stdout_is_tty=False)


def test_color_only_on_a_terminal_without_no_color(monkeypatch):
    class Tty(std_io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert io.color_wanted(Tty()) and not io.color_wanted(std_io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not io.color_wanted(Tty())


# ---------------------------------------------------------------------------------------------
# Atomic output


def test_atomic_output_replaces_on_success_keeps_mode(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    os.chmod(path, 0o640)
    with io.atomic_output(str(path), binary=False) as f:
        f.write("new\n")
        assert path.read_text() == "old\n"  # not visible until done
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert os.listdir(tmp_path) == ["out.csv"]


def test_atomic_output_new_file_gets_umask_mode(tmp_path):
    path = tmp_path / "new.npy"
    with io.atomic_output(str(path), binary=True) as f:
        f.write(b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask


def test_atomic_output_failure_keeps_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "out.csv"
    path.write_bytes(b"precious\n")
    with pytest.raises(KeyboardInterrupt), io.atomic_output(str(path), binary=False) as f:
        f.write("half")
        raise KeyboardInterrupt
    assert path.read_bytes() == b"precious\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_atomic_output_bad_targets(tmp_path):
    with (
        pytest.raises(UsageError, match="does not exist"),
        io.atomic_output(str(tmp_path / "no" / "x.csv"), binary=False),
    ):
        pass
    with (
        pytest.raises(UsageError, match="it is a folder"),
        io.atomic_output(str(tmp_path), binary=False),
    ):
        pass


def test_disk_full_is_a_data_error(monkeypatch):
    class Full(std_io.StringIO):
        def flush(self) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("sys.stdout", Full())
    with pytest.raises(DataError, match="cannot write to stdout: No space left"):
        with io.atomic_output("-", binary=False) as f:
            f.write("x" * 100)


def test_struct_sanity():
    # The bit patterns used above are IEEE doubles (guards the test itself).
    assert struct.pack("<d", 0.1) == np.array([0.1]).tobytes()


# ---------------------------------------------------------------------------------------------
# Odd inputs and outputs (issue 13)


def _npy_file(header: bytes, data: bytes = b"") -> bytes:
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data


def test_a_python_2_npy_header_reads_without_a_warning(recwarn):
    data = _npy_file(
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }", struct.pack("<2d", 1, -2)
    )
    assert io.read_npy(_stream(data), "old.npy").tolist() == [1.0, -2.0]
    assert not recwarn.list


def test_a_deeply_nested_npy_shape_is_one_line():
    data = _npy_file(
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (" + b"-" * 3000 + b"1,), }"
    )
    with pytest.raises(DataError, match="evil.npy is not a readable .npy file: its header does"):
        io.read_npy(_stream(data), "evil.npy")


def test_a_file_that_shrinks_while_it_is_read_is_one_line(tmp_path, monkeypatch):
    # Read, never mapped: a mapped file cut under the reader kills the process with SIGBUS.
    monkeypatch.setattr(io.inputs, "ARRAY_CHUNK_ELEMENTS", 4)
    path = tmp_path / "x.npy"
    np.save(path, np.arange(12.0))
    with io.open_input(input_path=str(path)) as source:
        chunks = source.chunks()
        next(chunks)
        os.truncate(path, os.path.getsize(path) - 8 * 6)
        with pytest.raises(DataError, match="x.npy became shorter while it was read"):
            list(chunks)


def test_a_whole_npy_larger_than_memory_is_refused_up_front(tmp_path, monkeypatch):
    path = tmp_path / "big.npy"
    np.save(path, np.zeros(1000))
    monkeypatch.setattr(io.npy, "_available_memory", lambda: 16_000)
    with io.open_input(input_path=str(path)) as source:
        with pytest.raises(DataError, match=r"its 8 KB of data, read as one array .* need about"):
            source.read_all()
        assert next(source.chunks()).x.size == 1000  # streaming needs no such room


def test_a_1_mb_cell_in_the_first_data_row_reads():
    table = io.read_text_table(_stream("name,x\n" + "a" * 1_000_000 + ",1\n"), "t.csv")
    assert len(table.rows[0][0]) == 1_000_000
    quoted = io.read_text_table(_stream('name,x\n"' + "b" * 1_000_000 + '",1\n'), "t.csv")
    assert len(quoted.rows[0][0]) == 1_000_000


@pytest.mark.parametrize("column", ["\u00b2", "\u0661", "1\u00b2"])
def test_a_column_number_in_other_digits_is_a_usage_error(column):
    with pytest.raises(UsageError, match="has no such column"):
        io.select_columns(["x", "y"], [column], "stdin")


def test_a_250_character_output_name_works(tmp_path):
    path = tmp_path / ("a" * 246 + ".csv")
    with io.atomic_output(str(path), binary=False) as f:
        f.write("x\n")
    assert path.read_text() == "x\n" and os.listdir(tmp_path) == [path.name]


@pytest.mark.parametrize("exit_with", [SystemExit(129), KeyboardInterrupt(), MemoryError()])
def test_the_temporary_file_goes_whenever_the_run_ends_in_an_exception(tmp_path, exit_with):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    with pytest.raises(type(exit_with)):
        with io.atomic_output(str(path), binary=False) as f:
            f.write("new\n")
            raise exit_with  # what a signal handler raising SystemExit does mid-write
    assert os.listdir(tmp_path) == ["out.csv"] and path.read_text() == "old\n"


def test_a_narrow_stdout_encoding_is_one_line_before_anything_is_written(monkeypatch):
    raw = std_io.BytesIO()
    ascii_out = std_io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    monkeypatch.setattr("sys.stdout", ascii_out)
    table = io.OutputTable([io.Column("name", ["ok", "\u00e9lan"]), io.Column("x", ["1", "2"])])
    with pytest.raises(DataError, match=r"stdout's encoding \(ascii.*cannot write '\u00e9'"):
        io.write_output(table, fmt="csv")
    ascii_out.flush()
    assert raw.getvalue() == b""  # nothing half-written
