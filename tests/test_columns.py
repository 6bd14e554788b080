"""Which columns are x, what a missing cell does (--missing), and the types JSON keeps."""

from __future__ import annotations

import csv
import io as std_io
import json
import math
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from actcli import io
from actcli.cli import cli


def run(args: list[str], stdin: str | None = None, code: int = 0):
    result = CliRunner().invoke(cli, args, input=stdin)
    assert result.exit_code == code, result.stderr
    assert "Traceback" not in result.stderr
    return result


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(std_io.StringIO(text)))


# ---------------------------------------------------------------------------------------------
# The x column does not depend on where a blank sits


@pytest.mark.parametrize(
    "first, later",
    [
        ("x,y\n,1\n2,3\n", "x,y\n2,3\n,1\n"),  # the issue's relu case: x, not y
        ("a,b\n1,\n2,3\n", "a,b\n2,3\n1,\n"),  # softmax: across a and b, not down a
        (
            "id,cat,dog,bird\nimg1,2.0,,0.1\nimg2,-1.0,3.0,0.5\n",
            "id,cat,dog,bird\nimg2,-1.0,3.0,0.5\nimg1,2.0,,0.1\n",
        ),
    ],
)
@pytest.mark.parametrize("name", ["relu", "softmax"])
def test_a_blank_in_the_first_row_picks_the_same_columns_as_in_a_later_row(first, later, name):
    a = rows(run(["eval", name], first).stdout)
    b = rows(run(["eval", name], later).stdout)
    assert a[0] == b[0]  # the same header: the same x columns
    assert sorted(a[1:]) == sorted(b[1:])  # the same rows, in the other order


def test_the_issue_cases_pick_what_a_reader_would():
    assert rows(run(["eval", "relu"], "x,y\n,1\n2,3\n").stdout) == [
        ["x", "y", "relu"],
        ["", "1", ""],
        ["2", "3", "2.0"],
    ]
    out = rows(run(["eval", "softmax"], "id,cat,dog,bird\nimg1,2.0,,0.1\nimg2,-1,3,0.5\n").stdout)
    assert out[0][4:] == ["softmax[cat]", "softmax[dog]", "softmax[bird]"]
    assert out[1][4:] == ["", "", ""]  # a vector with a missing cell: no results
    e = [math.exp(v) for v in (-1.0, 3.0, 0.5)]
    assert all(abs(float(c) - v / sum(e)) <= 2e-16 for c, v in zip(out[2][4:], e, strict=True))


def test_numeric_columns_reads_a_sample_not_the_first_row():
    table = io.read_text_table(std_io.BytesIO(b"id,x,y\nr1,,1\nr2,2,\nr3,NA,4\n"), "t.csv")
    assert io.numeric_columns([table]) == [1, 2]
    table = io.read_text_table(std_io.BytesIO(b"x\n1\nabc\n"), "t.csv")
    assert io.numeric_columns([table]) == [0]  # no clean column: the one with numbers
    table = io.read_text_table(std_io.BytesIO(b"name\nbob\n\n"), "t.csv")
    assert io.numeric_columns([table]) == []


def test_a_bad_cell_past_the_sample_is_named(monkeypatch):
    monkeypatch.setattr(io.columns, "SAMPLE_ROWS", 3)
    result = run(["eval", "relu"], "id,x\n" + "a,1\n" * 5 + "b,oops\n", code=1)
    assert result.stderr == "actcli: error: stdin line 7, column 'x': 'oops' is not a number\n"


# ---------------------------------------------------------------------------------------------
# --missing keep | skip | error


@pytest.mark.parametrize(
    "spelling", ["", " ", "NA", "N/A", "n/a", "null", "NULL", "None", "#N/A", "<NA>", "-1.#IND"]
)
def test_na_spellings_are_missing(spelling):
    assert io.is_missing(spelling)


@pytest.mark.parametrize("spelling", ["nan", "NaN", "-nan", "0", "inf", "abc", "NAN(1)"])
def test_numbers_and_text_are_not_missing(spelling):
    assert not io.is_missing(spelling)


SOURCES = {
    "csv": ("x,y\n1,2\nNA,3\n-4,\n", "csv"),
    "tsv": ("x\ty\n1\t2\nNA\t3\n-4\t\n", "tsv"),
    "text": ("x y\n1 2\nNA 3\n-4 null\n", "text"),
}


@pytest.fixture(params=["csv", "tsv", "text"])
def source(request, tmp_path):
    text, fmt = SOURCES[request.param]
    path = tmp_path / f"in.{'txt' if fmt == 'text' else fmt}"
    path.write_text(text)
    return text, str(path)


@pytest.mark.parametrize("via", ["file", "stdin"])
def test_missing_keep_is_the_default_and_keeps_every_row(source, via):
    text, path = source
    args = ["eval", "relu", "-c", "x,y", "-f", "csv"]
    out = rows(run([*args, "-i", path] if via == "file" else args, text).stdout)
    assert [r[2:] for r in out[1:]] == [["1.0", "2.0"], ["", "3.0"], ["0.0", ""]]
    assert len(out) == 4  # nothing lost


@pytest.mark.parametrize("via", ["file", "stdin"])
def test_missing_skip_drops_the_row(source, via):
    text, path = source
    args = ["eval", "relu", "-c", "x,y", "--missing", "skip", "-f", "csv"]
    out = rows(run([*args, "-i", path] if via == "file" else args, text).stdout)
    assert [r[2:] for r in out[1:]] == [["1.0", "2.0"]]


def test_missing_error_names_the_cell(source):
    _, path = source
    result = run(["eval", "relu", "-c", "x,y", "--missing", "error", "-i", path], code=1)
    assert "line 3, column 'x': 'NA' is a missing value" in result.stderr


def test_axiswise_rows_with_a_missing_cell_get_empty_results():
    text = "a,b,c\n1,2,3\n4,,6\n7,8,9\n"
    out = rows(run(["eval", "softmax", "-f", "csv"], text).stdout)
    assert out[2][3:] == ["", "", ""] and all(out[1][3:]) and all(out[3][3:])
    out = rows(run(["eval", "softmax", "--missing", "skip"], text).stdout)
    assert [r[:3] for r in out[1:]] == [["1", "2", "3"], ["7", "8", "9"]]
    result = run(["eval", "softmax", "--missing", "error"], text, code=1)
    assert result.stderr == "actcli: error: stdin line 3, column 'b': empty cell, not a number\n"


def test_one_vector_with_a_missing_cell_has_no_results_but_skip_drops_the_cell():
    out = rows(run(["eval", "softmax"], "x\n1\nNA\n1\n").stdout)
    assert [r[1] for r in out[1:]] == ["", "", ""]
    out = rows(run(["eval", "softmax", "--missing", "skip"], "x\n1\nNA\n1\n").stdout)
    assert [r[1] for r in out[1:]] == ["0.5", "0.5"]


def test_missing_results_are_null_in_json_and_nan_in_npy(tmp_path):
    out = json.loads(run(["eval", "relu", "-d", "-f", "json"], "x\n1\nNA\n").stdout)
    assert out == [{"x": 1, "relu": 1.0, "relu'": 1.0}, {"x": "NA", "relu": None, "relu'": None}]
    path = tmp_path / "y.npy"
    run(["eval", "relu", "-d", "-o", str(path)], "x\n1\nNA\n")
    got = np.load(path)
    assert got.shape == (2, 2) and got[0].tolist() == [1.0, 1.0] and np.isnan(got[1]).all()


def test_a_jacobian_with_a_missing_cell_is_empty():
    out = rows(run(["eval", "softmax", "--jacobian"], "x\n1\n\n2\nNA\n").stdout)
    assert out[0] == ["d/dx1", "d/dx2", "d/dx3"] and all(c == "" for r in out[1:] for c in r)


def test_values_on_the_command_line_are_never_missing():
    result = run(["eval", "relu", "--", "NA"], code=2)
    assert "value 'NA' is not a number" in result.stderr


# ---------------------------------------------------------------------------------------------
# JSON keeps the types of pass-through cells

JSON_INPUT = "id,code,x\n007,12345678901234567890,1\n1,2.50,-2\nabc,1e400,3\n"


def _check_json_records(records):
    assert [r["id"] for r in records] == ["007", 1, "abc"]
    assert [r["code"] for r in records] == [12345678901234567890, 2.5, math.inf]
    assert type(records[0]["code"]) is int and type(records[1]["id"]) is int
    assert [r["x"] for r in records] == [1, -2, 3]
    assert [r["relu"] for r in records] == [1.0, 0.0, 3.0]  # computed: floats
    assert all(type(r["relu"]) is float for r in records)


def test_json_keeps_strings_strings_and_integers_integers():
    out = run(["eval", "relu", "-c", "x", "-f", "json"], JSON_INPUT).stdout
    _check_json_records(json.loads(out))
    assert '"id": "007"' in out and "12345678901234567890" in out  # exactly as written
    lines = run(["eval", "relu", "-c", "x", "-f", "jsonl"], JSON_INPUT).stdout.splitlines()
    _check_json_records([json.loads(line) for line in lines])


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_jq_reads_the_json():
    out = run(["eval", "relu", "-c", "x", "-f", "json"], JSON_INPUT).stdout
    done = subprocess.run(["jq", "-c", "[.[].id]"], input=out.encode(), capture_output=True)
    assert done.returncode == 0 and done.stdout == b'["007",1,"abc"]\n'


def test_json_nan_and_infinities_are_strings_python_reads_back():
    out = run(["eval", "linear", "-f", "json", "--", "nan", "inf", "-inf", "-0"]).stdout
    assert '"linear": "NaN"' in out and '"linear": "Infinity"' in out
    assert '"linear": "-Infinity"' in out and '"linear": -0.0' in out
    records = json.loads(out, parse_constant=lambda c: pytest.fail(f"bare {c}"))
    values = [float(r["linear"]) for r in records]
    assert math.isnan(values[0]) and values[1:3] == [math.inf, -math.inf]
    assert math.copysign(1, values[3]) == -1
