"""actcli.io.table: tables that never cut, fold or drop a cell, on terminals and in files.

The property test renders random tables on a real pseudo-terminal of random width (and to a
file), parses every cell back and compares it with the CSV output of the same run.
"""

from __future__ import annotations

import csv
import io as std_io
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pty_run import on_a_terminal

from actcli.cli import cli
from actcli.io import is_number
from actcli.io.table import TableRenderer, cell_width, render_rows

ACTCLI = shutil.which("actcli") or "actcli"
on_linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty behaviour varies")


def _render(names, columns, text_columns=None, **kwargs) -> str:
    stream = std_io.StringIO()
    renderer = TableRenderer(names, text_columns or [False] * len(names), stream, **kwargs)
    renderer.block(columns)
    renderer.close()
    return stream.getvalue()


def run_on_a_terminal(args: list[str], *, width: int, stdin: bytes | None = None) -> str:
    """Runs actcli with stdout on a pseudo-terminal ``width`` columns wide (no $COLUMNS);
    returns what it wrote there, with the terminal's \\r\\n turned back into \\n."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["NO_COLOR"] = "1"
    status, out, err = on_a_terminal([ACTCLI, *args], env=env, width=width, stdin=stdin)
    assert status == 0, err
    return out.decode().replace("\r\n", "\n")


def parse_table(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """(header cells, rows of cells) per block of columns; cells hold no spaces here."""
    blocks = []
    for part in text.strip("\n").split("\n\n"):
        lines = part.split("\n")
        assert set(lines[1]) <= {"\u2500", "-"}, lines[:2]  # the rule under the header
        blocks.append((lines[0].split(), [line.split() for line in lines[2:]]))
    return blocks


def cells_by_name(text: str) -> dict[str, list[str]]:
    """Every column of a table of one block of rows, by header; the key column, repeated in
    each block of columns, must read the same in each."""
    columns: dict[str, list[str]] = {}
    for names, rows in parse_table(text):
        assert all(len(row) == len(names) for row in rows), names
        for j, name in enumerate(names):
            cells = [row[j] for row in rows]
            assert columns.setdefault(name, cells) == cells, name
    return columns


def wide_blocks_fit(text: str, width: int) -> bool:
    """Blocks of three or more columns fit the terminal (only the key column and one other,
    too wide together, may pass its edge: the terminal wraps them, nothing is cut)."""
    for part in text.strip("\n").split("\n\n"):
        lines = part.split("\n")
        if len(lines[0].split()) > 2 and max(map(cell_width, lines)) > width:
            return False
    return True


# ---------------------------------------------------------------------------------------------
# The renderer


def test_cells_and_headers_are_never_cut():
    out = _render(["x", "exponential'"], [["-20.0"], ["2.061153622438558e-09"]], width=20)
    assert "2.061153622438558e-09" in out and "exponential'" in out


def test_a_table_wider_than_the_terminal_comes_in_blocks_that_repeat_x():
    names = ["x", "a", "b", "c"]
    columns = [["1.0", "2.0"], ["10.5"] * 2, ["20.25"] * 2, ["30.125"] * 2]
    out = _render(names, columns, width=18)  # x, a, b: 3 + 3 + 4 + 3 + 5
    blocks = parse_table(out)
    assert [b[0] for b in blocks] == [["x", "a", "b"], ["x", "c"]]
    assert [row[0] for row in blocks[1][1]] == ["1.0", "2.0"]
    assert max(len(line) for line in out.splitlines()) <= 18


def test_a_terminal_one_column_wide_still_shows_every_value():
    names = ["x", "relu", "gelu"]
    columns = [["-1.0"], ["0.0"], ["-0.15865525393145705"]]
    blocks = parse_table(_render(names, columns, width=1))
    assert [b[0] for b in blocks] == [["x", "relu"], ["x", "gelu"]]
    assert blocks[1][1] == [["-1.0", "-0.15865525393145705"]]


def test_the_key_column_leads_each_block():
    names = ["id", "x", "relu"]
    columns = [["r1"], ["5.0"], ["5.0"]]
    out = _render(names, columns, [True, False, False], width=8, key=1)
    assert [b[0] for b in parse_table(out)] == [["x", "id"], ["x", "relu"]]


def test_no_width_limit_without_a_terminal():
    names = [f"c{j}" for j in range(400)]
    columns = [["4.248354255291581e-05"]] * 400
    out = _render(names, columns)
    assert out.count("\n") == 3 and out.splitlines()[2].split() == columns[0] * 400


def test_numbers_right_text_left_and_no_trailing_spaces():
    out = _render(["name", "x"], [["a", "bob"], ["1.5", "-10.25"]], [True, False])
    assert out.splitlines() == ["name        x", "\u2500" * 13, "a         1.5", "bob    -10.25"]
    out = _render(["x", "name"], [["1.5"], ["a"]], [False, True])
    assert out.splitlines()[2] == "1.5   a"


def test_widths_grow_block_by_block_and_the_header_comes_again():
    stream = std_io.StringIO()
    renderer = TableRenderer(["x"], [False], stream)
    renderer.block([["1.0"]])
    renderer.block([["2.0"]])  # same width: rows continue under the header
    renderer.block([["-0.001953125"]])
    lines = stream.getvalue().splitlines()
    assert lines == ["  x", "\u2500" * 3, "1.0", "2.0", "", "           x", "\u2500" * 12,
                     "-0.001953125"]  # fmt: skip


def test_control_characters_are_escaped_only_on_a_terminal():
    names, columns = ["n\x1b[2Jame", "x"], [["\x1b]0;PWNED\x07"], ["1.0"]]
    shown = _render(names, columns, [True, False], escape=True)
    assert "\x1b" not in shown and "\x07" not in shown
    assert "n\\x1b[2Jame" in shown and "\\x1b]0;PWNED\\x07" in shown
    kept = _render(names, columns, [True, False])
    assert "\x1b]0;PWNED\x07" in kept


def test_wide_characters_take_two_columns():
    assert cell_width("中文") == 4 and cell_width("abc") == 3
    out = _render(["name", "x"], [["中文", "ab"], ["1.0", "2.0"]], [True, False])
    rows = out.splitlines()[2:]
    assert [cell_width(r) for r in rows] == [cell_width(rows[0])] * 2


def test_an_empty_table_shows_its_header():
    assert _render(["x", "relu"], [[], []]).splitlines()[0].split() == ["x", "relu"]


def test_render_rows_takes_rows():
    stream = std_io.StringIO()
    render_rows(["x", "y"], [("1.0", "2.0"), ("3.0", "4.0")], [False, False], stream)
    assert [line.split() for line in stream.getvalue().splitlines()[2:]] == [
        ["1.0", "2.0"],
        ["3.0", "4.0"],
    ]


# ---------------------------------------------------------------------------------------------
# Through the command line


def _run(args: list[str], stdin: str | None = None):
    result = CliRunner().invoke(cli, args, input=stdin)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_the_issue_examples_lose_nothing(tmp_path):
    out = _run(["eval", "exponential", "sigmoid", "softplus", "-d", "-f", "table", "--", "-20"])
    assert "2.061153622438558e-09" in out and out.splitlines()[0].split()[0] == "x"
    path = tmp_path / "out.txt"
    _run(["eval", "linear", "-f", "table", "-o", str(path), "--linspace", "-3", "3", "400"])
    assert "3.0" in path.read_text().splitlines()[-1]


@on_linux
def test_on_an_80_column_terminal_every_value_and_x_are_shown():
    args = ["eval", "gelu", "silu", "-d", "--linspace", "-3", "3", "7"]
    columns = cells_by_name(run_on_a_terminal(args, width=80))
    csv_rows = list(csv.reader(std_io.StringIO(_run(args))))
    assert list(columns) == csv_rows[0]
    for j, name in enumerate(csv_rows[0]):
        assert columns[name] == [row[j] for row in csv_rows[1:]]


@on_linux
def test_escapes_in_a_header_a_cell_and_a_file_name_never_reach_a_terminal(tmp_path):
    path = tmp_path / "evil\x1b[2J.csv"
    path.write_text("na\x1b]0;PWNED\x07me,x\n\x1b[31mred\u009b,1\n", encoding="utf-8")
    out = run_on_a_terminal(["eval", "relu", "-i", str(path)], width=80)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "na\\x1b]0;PWNED\\x07me" in out and "\\x1b[31mred\\x9b" in out
    # The file name, in an error line on stderr (escaped wherever stderr goes).
    result = subprocess.run(
        [ACTCLI, "eval", "relu", "-c", "nosuch", "-i", str(path)], capture_output=True
    )
    assert result.returncode == 2 and b"\x1b" not in result.stderr
    assert b"evil\\x1b[2J.csv" in result.stderr


def test_a_table_to_a_pipe_keeps_the_bytes_of_its_cells():
    out = _run(["eval", "relu", "-f", "table"], "name,x\n\x1b[31mred,1\n")
    assert "\x1b[31mred" in out


# ---------------------------------------------------------------------------------------------
# The property: parse the table back, get the CSV

# Headers without spaces (the test splits lines at spaces), quotes, commas or a leading #.
HEADER_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Cf", "Mn", "Me"),
    blacklist_characters=',"#',
)
HEADERS = st.sampled_from([3, 12, 80]).flatmap(
    lambda n: st.text(HEADER_CHARS, min_size=1, max_size=n).filter(lambda h: not is_number(h))
)


@st.composite
def random_table(draw):
    """A CSV of k numeric columns (unique headers of random length, values over the whole
    float range), and the options of one run."""
    k = draw(st.integers(1, 250))  # k inputs and k results: 2 to 500 columns
    headers = draw(st.lists(HEADERS, min_size=k, max_size=k, unique=True))
    rows = draw(st.integers(1, 4))
    floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
    values = draw(st.lists(st.lists(floats, min_size=k, max_size=k), min_size=rows, max_size=rows))
    precision = draw(st.one_of(st.none(), st.integers(1, 17)))
    text = ",".join(headers) + "\n" + "".join(",".join(map(repr, r)) + "\n" for r in values)
    args = ["eval", "linear", "-c", ",".join(str(j + 1) for j in range(k))]
    if precision is not None:
        args += ["--precision", str(precision)]
    return text, args, draw(st.integers(20, 300))


def _check_against_csv(table: str, csv_text: str) -> None:
    csv_rows = list(csv.reader(std_io.StringIO(csv_text)))
    header, body = csv_rows[0], csv_rows[1:]
    columns = cells_by_name(table)
    assert sorted(columns) == sorted(header)  # every header whole
    for j, name in enumerate(header):
        want = [row[j] for row in body]
        assert columns[name] == want, name  # the same text, so the same value


@on_linux
@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=random_table())
def test_tables_on_a_terminal_read_back_as_the_csv(case, tmp_path_factory):
    text, args, width = case
    path = tmp_path_factory.mktemp("t") / "in.csv"
    path.write_text(text)
    table = run_on_a_terminal([*args, "-i", str(path)], width=width)
    assert wide_blocks_fit(table, width)
    _check_against_csv(table, _run([*args, "-i", str(path), "-f", "csv"]))


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=random_table())
def test_tables_in_a_file_read_back_as_the_csv(case):
    text, args, _ = case
    table = _run([*args, "-f", "table"], text)
    assert "\n\n" not in table.strip("\n")  # one block: no width limit
    _check_against_csv(table, _run([*args, "-f", "csv"], text))


def test_table_and_csv_agree_on_float32_and_float16():
    for dtype in ("float16", "float32"):
        args = ["eval", "gelu", "--dtype", dtype, "--linspace", "-3", "3", "13"]
        _check_against_csv(_run([*args, "-f", "table"]), _run([*args, "-f", "csv"]))


def test_several_key_columns_lead_each_block():
    names = ["a", "b", "max_abs", "cause"]
    columns = [["keras"], ["jax"], ["0.000473235"], ["defaults: approximate=False"]]
    out = _render(names, columns, [True, True, False, True], width=30, key=(0, 1))
    assert [b[0][:3] for b in parse_table(out)] == [["a", "b", "max_abs"], ["a", "b", "cause"]]


def test_the_progress_bar_shows_a_file_name_escaped():
    from actcli.io.terminal import progress_bar

    stream = std_io.StringIO()
    with progress_bar(10, "actcli eval: evil\x1b]0;PWNED\x07.csv", stream, color=False) as advance:
        advance(5)
    assert "\x1b]0;" not in stream.getvalue() and "\x07" not in stream.getvalue()
    assert "evil\\x1b]0;PWNED\\x07.csv" in stream.getvalue()
