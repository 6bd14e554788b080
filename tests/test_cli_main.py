"""The ``actcli`` group: lazy commands, --version, help, the error boundary, completion, and the
``list`` / ``info`` commands."""

from __future__ import annotations

import csv
import io as std_io
import json

import click
import pytest
from click.testing import CliRunner

import actcli
from actcli import io
from actcli.cli import LAZY_COMMANDS, cli


def run(args: list[str], input: str | None = None, **kwargs):
    return CliRunner().invoke(cli, args, input=input, catch_exceptions=False, **kwargs)


def test_version():
    for flag in ("--version", "-V"):
        result = run([flag])
        assert result.exit_code == 0 and result.stdout == f"actcli, version {actcli.__version__}\n"


def test_group_help_lists_every_command():
    result = run(["-h"])
    assert result.exit_code == 0
    for name in ("eval", "list", "info"):
        assert f"  {name} " in result.stdout


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_every_command_has_help(name):
    if cli.get_command(click.Context(cli), name) is None:
        pytest.skip(f"{name} is not written yet")
    result = run([name, "--help"])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith(f"Usage: actcli {name} ")
    assert "Examples:" in result.stdout


def test_missing_command_module_is_tolerated(monkeypatch):
    monkeypatch.setitem(LAZY_COMMANDS, "later", "actcli.cli.not_written_yet:cmd")
    assert "later" not in cli.list_commands(click.Context(cli))
    result = run(["later"])
    assert result.exit_code == 2 and "No such command 'later'" in result.stderr


def test_unknown_command_is_one_line():
    result = run(["evl", "relu"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "No such command 'evl'" in result.stderr
    assert "Did you mean 'eval'" in result.stderr


# ---------------------------------------------------------------------------------------------
# The error boundary


def _broken(exc: BaseException):
    def write_output(*args, **kwargs):
        raise exc

    return write_output


def test_a_bug_is_one_line_without_traceback(monkeypatch):
    monkeypatch.setattr(io, "write_output", _broken(RuntimeError("boom\nsecond line")))
    result = run(["eval", "relu", "--", "1"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        "actcli: error: internal error: RuntimeError: boom second line "
        "(this is a bug in actcli; rerun with --debug for the traceback)\n"
    )


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setattr(io, "write_output", _broken(RuntimeError("boom")))
    result = run(["--debug", "eval", "relu", "--", "1"])
    assert result.exit_code == 1 and "Traceback" in result.stderr
    assert "RuntimeError: boom" in result.stderr


def test_debug_from_the_environment(monkeypatch):
    monkeypatch.setattr(io, "write_output", _broken(RuntimeError("boom")))
    result = run(["eval", "relu", "--", "1"], env={"ACTCLI_DEBUG": "1"})
    assert "Traceback" in result.stderr


def test_ctrl_c_exits_130_quietly(monkeypatch):
    monkeypatch.setattr(io, "write_output", _broken(KeyboardInterrupt()))
    result = run(["eval", "relu", "--", "1"])
    assert result.exit_code == 130 and result.stdout == ""
    assert "Traceback" not in result.stderr and "interrupted" in result.stderr


def test_broken_pipe_is_silent(monkeypatch):
    monkeypatch.setattr(io, "write_output", _broken(BrokenPipeError()))
    result = run(["eval", "relu", "--", "1"])
    assert result.exit_code == 141 and result.stderr == ""


def test_standalone_false_returns_the_code():
    assert cli.main(["eval", "relu", "--", "1", "x"], standalone_mode=False) == 2


# ---------------------------------------------------------------------------------------------
# Completion


def _complete(words: str) -> list[str]:
    env = {
        "_ACTCLI_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = CliRunner().invoke(cli, [], env=env, prog_name="actcli")
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


def test_completes_command_names():
    assert "eval" in _complete("actcli ev")


def test_completes_activation_names_and_aliases():
    assert _complete("actcli eval gel") == ["gelu"]
    assert "swish" in _complete("actcli eval sw")
    assert "softmax" in _complete("actcli info soft")


def _completion_items(words: str) -> list[tuple[str, str]]:
    """(type, value) pairs, as click's bash completion prints them."""
    env = {
        "_ACTCLI_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = CliRunner().invoke(cli, [], env=env, prog_name="actcli")
    return [tuple(line.split(",", 1)) for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    "words",
    [
        "actcli eval gelu -i mi",
        "actcli eval gelu --input mi",
        "actcli eval gelu -o mi",
        "actcli diff gelu -o mi",
        "actcli plot gelu -o mi",
        "actcli plot gelu --output mi",
        "actcli list -o mi",
        "actcli plot gelu --style ./mi",
    ],
)
def test_file_options_complete_as_file_paths(words):
    """Type "file": the shell lists the files (compgen -f), as for click.Path (issue 12)."""
    assert _completion_items(words) == [("file", words.split()[-1])]


@pytest.mark.parametrize(
    ("words", "want"),
    [
        ("actcli eval gelu --like ", ["keras", "tf_keras", "torch", "jax"]),
        ("actcli eval gelu --like t", ["tf_keras", "torch"]),
        ("actcli plot relu --approximate --like j", ["jax"]),
        ("actcli eval gelu -f js", ["json", "jsonl"]),
        ("actcli eval gelu --format n", ["npy"]),
        ("actcli diff gelu -f t", ["table", "tsv"]),
        ("actcli list -f c", ["csv"]),
        ("actcli info gelu -f ", ["text", "json"]),
        ("actcli plot gelu --layout p", ["panels"]),
        ("actcli plot gelu --style ggp", ["ggplot"]),
    ],
)
def test_choices_complete(words, want):
    assert _completion_items(words) == [("plain", w) for w in want]


def test_styles_complete_from_matplotlib():
    import matplotlib.style

    names = [v for _, v in _completion_items("actcli plot gelu --style ")]
    assert names == sorted(matplotlib.style.available) and "ggplot" in names


# ---------------------------------------------------------------------------------------------
# list


def test_list_names_one_per_line():
    result = run(["list", "--names"])
    assert result.exit_code == 0 and result.stdout.splitlines() == actcli.names()


def test_list_csv_by_default_when_piped():
    result = run(["list"])
    rows = list(csv.reader(std_io.StringIO(result.stdout)))
    assert rows[0] == ["name", "aliases", "parameters", "formula"]
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == set(actcli.names())
    assert by_name["relu"][2] == "negative_slope=0.0 max_value=None threshold=0.0"
    assert by_name["silu"][1] == "swish"
    assert by_name["threshold"][2] == "threshold default_value"


def test_list_json():
    records = json.loads(run(["list", "--format", "json"]).stdout)
    relu = next(r for r in records if r["name"] == "relu")
    assert relu["params"][0]["name"] == "negative_slope"
    assert relu["params"][0]["old_names"] == ["alpha"]
    assert relu["params"][1]["default"] is None
    assert [r["name"] for r in records] == actcli.names()


def test_list_table():
    out = run(["list", "-f", "table"]).stdout
    assert out.split()[:4] == ["name", "aliases", "parameters", "formula"]
    assert "\x1b[" not in out


# ---------------------------------------------------------------------------------------------
# info


def test_info_text():
    result = run(["info", "relu"])
    assert result.exit_code == 0 and result.stderr == ""
    out = result.stdout
    spec = actcli.spec("relu")
    assert out.startswith("relu\nsignature: relu(x, negative_slope=0.0, max_value=None,")
    for text in (spec.formula, spec.prime_formula, spec.kink_rule, spec.reference, spec.origin):
        assert text in out
    # sample values, by hand: relu and relu' at -2 .. 2
    table = [line.split() for line in out.splitlines()[-6:]]
    assert table[0] == ["x", "relu", "relu'"]
    assert table[1:] == [
        ["-2.0", "0.0", "0.0"],
        ["-1.0", "0.0", "0.0"],
        ["0.0", "0.0", "0.0"],
        ["1.0", "1.0", "1.0"],
        ["2.0", "2.0", "1.0"],
    ]


def test_info_with_parameters():
    out = run(["info", "leaky_relu:negative_slope=0.5"]).stdout
    assert "x  leaky_relu(negative_slope=0.5)  leaky_relu'(negative_slope=0.5)" in out
    assert "-2.0                            -1.0                              0.5" in out


def test_info_required_parameters_explains_how_to_see_values():
    out = run(["info", "threshold"]).stdout
    assert "values: give threshold, default_value to see values" in out


def test_info_json():
    record = json.loads(run(["info", "softmax", "--format", "json"]).stdout)
    assert record["name"] == "softmax" and record["axiswise"] is True
    assert sum(record["samples"]["y"]) == pytest.approx(1.0, rel=1e-15)


def test_info_unknown_name():
    result = run(["info", "sigmod"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "did you mean 'sigmoid'" in result.stderr


@pytest.mark.parametrize("name", actcli.names())
def test_info_every_activation(name):
    result = run(["info", name])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(name + "\n")


# ---------------------------------------------------------------------------------------------
# Hints that say how to fix it (issue 12)


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (
            ["eval", "gelu", "--alpha", "0.5", "--", "1"],
            "No such option '--alpha': gelu has no parameter 'alpha' (parameters: approximate)",
        ),
        (
            ["plot", "gelu", "--alpah", "0.5"],
            "No such option '--alpah': gelu has no parameter 'alpah' (parameters: approximate)",
        ),
        (
            ["eval", "relu6", "--negative-slope", "0.1", "--", "1"],
            "relu6 takes no parameters, got 'negative_slope'",
        ),
        (
            ["eval", "elu", "--alpah", "2", "--", "1"],
            "No such option '--alpah'. Did you mean '--alpha'? (elu's parameters: alpha)",
        ),
        (
            ["eval", "gelu", "-1", "2"],
            "No such option '-1': put negative numbers after -- (actcli eval gelu -- -1 2)",
        ),
        (
            ["diff", "gelu", "-2.5"],
            "No such option '-2.5': put negative numbers after -- (actcli diff gelu -- -2.5)",
        ),
        (["plot", "gelu", "-1", "2"], "No such option '-1': plot takes no values"),
        (
            ["gelu", "1"],
            "No such command 'gelu'. To evaluate gelu: actcli eval gelu 1; "
            "to plot it: actcli plot gelu",
        ),
        (["nn.GELU"], "To evaluate nn.GELU: actcli eval nn.GELU; to plot it: actcli plot nn.GELU"),
    ],
)
def test_hints_say_how_to_fix_it(argv, hint):
    result = run(argv)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and hint in result.stderr, result.stderr
    assert "'--help'?" not in result.stderr


def test_click_spelling_suggestions_stay_but_never_help():
    result = run(["eval", "gelu", "--linspac", "0", "1", "3"])
    assert result.exit_code == 2 and "'--linspace'" in result.stderr
    result = run(["eval", "--linspac", "0", "1", "3"])
    assert result.exit_code == 2 and "Did you mean one of: '--linspace'" in result.stderr
    for argv in (["eval", "gelu", "--hepl"], ["plot", "relu", "--hel"], ["eval", "x", "--hlp"]):
        result = run(argv)
        assert result.exit_code == 2 and "Did you mean '--help'" not in result.stderr, argv


@pytest.mark.parametrize(
    ("argv", "approximate"),
    [
        (["--approximate", "--"], True),
        (["--no-approximate", "--"], False),
        (["--no_approximate", "--"], False),
        (["--approximate", "true", "--"], True),
        (["--approximate", "FALSE", "--"], False),
        (["--approximate=1", "--"], True),
        (["--approximate=false", "--"], False),
        (["--approximate"], True),  # the values follow directly
        (["--"], False),
    ],
)
def test_bool_parameters_are_flags_and_take_values(argv, approximate):
    result = run(["eval", "gelu", *argv, "1", "2"])
    assert result.exit_code == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header == ("x,gelu(approximate=True)" if approximate else "x,gelu")
    assert [r.split(",")[0] for r in rows] == ["1.0", "2.0"]
    # gelu(1): 0.8411919906082768 with the tanh form, 0.8413447460685429 exact (hand-checked
    # digits of the two published formulas; 4 significant digits tell them apart).
    assert rows[0].split(",")[1][:6] == ("0.8411" if approximate else "0.8413")


def test_bool_flag_followed_by_another_option():
    result = run(["eval", "gelu", "--approximate", "--linspace", "0", "1", "2"])
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == "x,gelu(approximate=True)"
    result = run(["diff", "gelu", "--approximate", "-f", "csv"])
    assert result.exit_code == 0, result.stderr


def test_bool_parameters_show_both_flags_in_help():
    result = run(["eval", "gelu", "--help"])
    assert "--approximate / --no-approximate [true|false]" in result.stdout
    result = run(["diff", "gelu", "--help"])
    assert "--approximate / --no-approximate [true|false]" in result.stdout


def test_memory_error_is_one_line_not_a_bug(monkeypatch):
    def hungry(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("actcli.cli.list_cmd.list_cmd.callback", hungry)
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("actcli: error: out of memory: ")
    assert "internal error" not in result.stderr and result.stderr.count("\n") == 1
