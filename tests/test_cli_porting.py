"""The porting features on the command line: --like, framework names, ``diff``, ``info``'s new
sections and ``list --properties``.

Expected numbers come from the frameworks' documentation (../shared/frameworks.md), from mpmath,
or from hand formulas written here; never from actcli.
"""

from __future__ import annotations

import csv
import io as std_io
import json
import math
import subprocess
import sys

import mpmath
import numpy as np
import pytest
from click.testing import CliRunner

from actcli.cli import cli

SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def run(args: list[str], input: str | None = None):
    return CliRunner().invoke(cli, args, input=input, catch_exceptions=False)


def ok(args: list[str]) -> str:
    result = run(args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def fails(args: list[str], code: int, message: str) -> None:
    result = run(args)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("actcli: error: "), result.stderr
    assert message in lines[0], lines[0]


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(std_io.StringIO(text)))


def _no_special_numbers(text: str) -> None:
    def reject(token):
        raise AssertionError(f"not JSON: {token}")

    json.loads(text, parse_constant=reject)


# eval --like and framework names ----------------------------------------------------------------


def test_eval_like_jax_gelu():
    out = rows(ok(["eval", "gelu", "--like", "jax", "--", "1"]))
    assert list(out[0]) == ["x", "jax.gelu(approximate=True)"]  # Keras 3's gelu: False
    assert float(out[0]["jax.gelu(approximate=True)"]) == pytest.approx(
        0.8411920, abs=5e-8
    )  # frameworks.md


def test_eval_like_spellings_and_default():
    torch = rows(ok(["eval", "leaky_relu", "--like", "pytorch", "--", "-1"]))
    assert torch[0]["torch.leaky_relu(negative_slope=0.01)"] == "-0.01"  # -1 * 0.01
    keras = rows(ok(["eval", "leaky_relu", "--", "-1"]))
    assert keras[0]["leaky_relu"] == repr(-1.0 * 0.2)
    assert rows(ok(["eval", "leaky_relu", "--like", "keras", "--", "-1"])) == keras


def test_eval_framework_name_with_its_parameter_names():
    out = rows(ok(["eval", "softshrink", "--lambd", "0.3", "--", "-1", "0.2", "1"]))
    column = "torch.softshrink(lambd=0.3)"
    # x + lambd below -lambd, 0 between, x - lambd above.
    assert [r[column] for r in out] == [repr(-1.0 + 0.3), "0.0", repr(1.0 - 0.3)]


def test_eval_framework_name_derivative_convention():
    out = rows(ok(["eval", "hardtanh", "-d", "--", "-1", "1"]))
    assert [r["torch.hardtanh'"] for r in out] == ["0.0", "0.0"]  # PyTorch: 0 at its bounds


def test_eval_qualified_and_module_names():
    out = rows(ok(["eval", "nn.Softplus", "--beta", "2", "--", "1"]))
    assert float(out[0]["torch.softplus(beta=2.0)"]) == pytest.approx(
        math.log1p(math.exp(2.0)) / 2, rel=1e-15
    )
    out = rows(ok(["eval", "torch.softplus", "--threshold", "1", "--", "1.5"]))
    assert out[0]["torch.softplus(threshold=1.0)"] == "1.5"  # beta * x > threshold: x itself


def test_eval_like_hard_sigmoid_keras2():
    out = rows(ok(["eval", "hard_sigmoid", "--like", "tf_keras", "--", "1", "-2.5"]))
    assert float(out[0]["tf_keras.hard_sigmoid"]) == pytest.approx(0.7, abs=1e-15)
    assert float(out[1]["tf_keras.hard_sigmoid"]) == 0.0


def test_eval_like_several_names():
    out = rows(ok(["eval", "relu", "gelu", "--like", "jax", "--", "1"]))
    assert list(out[0]) == ["x", "jax.relu", "jax.gelu(approximate=True)"]


def test_eval_like_torch_softmax_implicit_dim():
    out = rows(ok(["eval", "softmax", "--like", "torch", "--", "0", "1"]))
    e = math.exp(1.0)
    assert float(out[1]["torch.softmax(dim=None)"]) == pytest.approx(e / (1 + e), rel=1e-15)


def test_eval_help_lists_framework_parameters():
    text = ok(["eval", "torch.softplus", "--help"])
    assert "torch.softplus parameters:" in text
    assert "--beta" in text and "--threshold" in text
    assert "--like keras[/BACKEND]|tf_keras|torch|jax" in ok(["eval", "--help"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "gelu", "--like", "jx", "--", "1"], "unknown framework 'jx'"),
        (["eval", "sparse_plus", "--like", "torch", "--", "1"], "torch has no sparse_plus"),
        (["eval", "softmax", "--like", "tf_keras", "--", "1", "2"], "rejects 1-D input"),
        (["eval", "relu:negative_slope=1", "--like", "torch", "--", "1"], "takes no parameters"),
        (["eval", "hardswsh", "--", "1"], "unknown activation 'hardswsh'"),
    ],
)
def test_eval_like_errors(args, message):
    fails(args, 2, message)


# plot --like ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin", "glu", "hardswish"])
def test_plot_term_like_torch(name):
    text = ok(["plot", name, "--like", "torch", "--term", "--width", "40", "--height", "8"])
    assert f"torch.{name}" in text


def test_plot_curve_of_a_flavour():
    import actcli
    from actcli import plot

    c = plot.curve(actcli.spec("hardtanh"), xlim=(-2.0, 2.0), points=5)
    at = dict(zip(c.x.tolist(), c.dy.tolist(), strict=True))
    assert at[-1.0] == 0.0 and at[1.0] == 0.0  # PyTorch's backward (JAX's hard_tanh: 1)
    c = plot.curve(actcli.spec("glu", like="torch"), xlim=(-1.0, 1.0), points=3)
    # glu([1, x])[0] = sigmoid(x), the torch flavour sliced like Keras's glu.
    assert c.y.tolist()[1] == 0.5


def test_plot_all_rejects_like():
    fails(["plot", "--all", "--like", "torch", "--term"], 2, "--like")


# diff ------------------------------------------------------------------------------------------


def _pair(table: list[dict[str, str]], a: str, b: str) -> dict[str, str]:
    return next(r for r in table if {r["a"], r["b"]} == {a, b})


def test_diff_gelu_exact_vs_tanh_at_one():
    mpmath.mp.prec = 100
    one = mpmath.mpf(1)
    exact = one * mpmath.ncdf(one)
    tanh_form = 0.5 * (1 + mpmath.tanh(mpmath.sqrt(2 / mpmath.pi) * (1 + mpmath.mpf("0.044715"))))
    table = rows(ok(["diff", "gelu", "--precision", "17", "--", "1"]))
    assert {(r["a"], r["b"]) for r in table} == {
        ("keras", "tf_keras"),
        ("keras", "torch"),
        ("keras", "jax"),
        ("tf_keras", "torch"),
        ("tf_keras", "jax"),
        ("torch", "jax"),
    }
    r = _pair(table, "keras", "jax")
    assert float(r["max_abs"]) == pytest.approx(float(exact - tanh_form), rel=1e-9)  # ~1.5e-4
    assert float(r["x_max_abs"]) == 1.0
    assert r["cause"] == "defaults: approximate=False (keras) vs approximate=True (jax)"
    same = _pair(table, "keras", "torch")
    assert same["cause"] == "same" and float(same["max_abs"]) == 0.0
    assert same["x_max_abs"] == "nan"


def test_diff_gelu_default_range_is_larger_in_the_tails():
    r = _pair(rows(ok(["diff", "gelu"])), "keras", "jax")
    assert float(r["max_abs"]) > 1.5e-4 and float(r["max_rel"]) > 0.1
    assert float(r["x_max_rel"]) < -3


def test_diff_leaky_relu_slope_defaults():
    table = rows(ok(["diff", "leaky_relu", "--range", "-4:4:0.5"]))
    r = _pair(table, "keras", "torch")
    assert float(r["max_abs"]) == pytest.approx((0.2 - 0.01) * 4, rel=1e-12)
    assert float(r["x_max_abs"]) == -4.0
    assert r["cause"] == "defaults: negative_slope=0.2 (keras) vs negative_slope=0.01 (torch)"
    assert "alpha=0.3 (tf_keras)" in _pair(table, "tf_keras", "jax")["cause"]
    assert _pair(table, "torch", "jax")["cause"] == "same"


@pytest.mark.parametrize("flag", ["--negative-slope", "--alpha", "--negative_slope"])
def test_diff_parameters_under_any_name(flag):
    table = rows(ok(["diff", "leaky_relu", flag, "0.1", "--", "-1", "1"]))
    assert len(table) == 6
    for r in table:  # tf.nn.leaky_relu takes its slope as a float32 (TF 2.21, run here)
        want = "same" if "tf_keras" not in (r["a"], r["b"]) else "parameter rounding"
        assert r["cause"].startswith(want), r


def test_diff_framework_only_parameter_warns():
    result = run(["diff", "relu", "--max-value", "6", "--", "-1", "7"])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "actcli: warning: torch.relu has no parameter max_value: left out",
        "actcli: warning: jax.relu has no parameter max_value: left out",
    ]
    assert [(r["a"], r["b"]) for r in rows(result.stdout)] == [("keras", "tf_keras")]


def test_diff_derivative_selu_convention():
    table = rows(ok(["diff", "selu", "-d", "--precision", "17", "--", "0"]))
    r = _pair(table, "tf_keras", "torch")
    values = sorted([float(r["a_value"]), float(r["b_value"])])
    assert values == pytest.approx([SELU_SCALE, SELU_SCALE * SELU_ALPHA], rel=1e-15)
    assert r["cause"].startswith("convention at kinks: tf_keras: selu'(0) = scale")
    assert _pair(table, "keras", "torch")["cause"] == "same"


def test_diff_hard_sigmoid_formula():
    r = _pair(rows(ok(["diff", "hard_sigmoid", "--precision", "17"])), "keras", "tf_keras")
    assert float(r["max_abs"]) == pytest.approx(1 / 12, rel=1e-12)  # at -2.5: 0 vs 1/12
    assert r["cause"].startswith("formula: tf_keras: 0.2 * x + 0.5")


def test_diff_table_and_json_formats():
    text = ok(["diff", "hardswish", "--format", "table"])
    assert text.split()[:3] == ["a", "b", "max_abs"]
    records = json.loads(ok(["diff", "hard_tanh", "-d", "--format", "json"]))
    torch_jax = next(r for r in records if (r["a"], r["b"]) == ("torch", "jax"))
    assert torch_jax["max_abs"] == 1 and torch_jax["x_max_abs"] == -1  # 0 vs 1 at -1


def test_diff_help_lists_every_framework_name_and_default():
    text = ok(["diff", "softshrink", "--help"])
    assert "--threshold, --lambd" in text
    assert "defaults: keras 0.5, torch 0.5 (lambd)" in " ".join(text.split())
    assert "PyTorch: torch.nn.functional.softshrink(input, lambd=0.5)" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diff", "softmin"], "only torch has softmin: nothing to compare"),
        (["diff", "softplus", "--beta", "2"], "only torch has softplus with beta"),
        (["diff", "relu", "gelu"], "diff compares one activation"),
        (["diff"], "diff compares one activation"),
        (["diff", "gelo"], "did you mean 'gelu'"),
        (["diff", "gelu", "--range", "0:1", "--", "1"], "not both"),
    ],
)
def test_diff_errors(args, message):
    fails(args, 2, message)


def test_diff_plot(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    out = tmp_path / "gelu.png"
    text = ok(["diff", "gelu", "--plot", "-o", str(out)])
    assert text == f"{out}\n"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.chdir(tmp_path)
    assert ok(["diff", "hardswish", "-d", "--plot"]) == "hard_silu_diff.png\n"
    assert (tmp_path / "hard_silu_diff.png").stat().st_size > 0


def test_flavours_figure_draws_the_differences():
    from actcli import plot

    x = np.linspace(-1.0, 1.0, 5)
    a, b = x * 0.2, x * 0.01
    fig = plot.flavours_figure(x, [("keras.leaky_relu", a), ("torch.leaky_relu", b)])
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["f:1"].get_ydata(), b)
    np.testing.assert_array_equal(lines["d:1"].get_ydata(), b - a)


# info ------------------------------------------------------------------------------------------


def test_info_framework_name():
    text = ok(["info", "hardswish"])
    assert text.startswith("torch.hardswish\n")
    assert "flavour: hardswish is PyTorch's name for actcli's hard_silu" in text
    assert "signature: torch.nn.functional.hardswish(input)" in text
    assert "\nproperties:\n" in text and "\nin other frameworks:\n" in text
    # The samples are PyTorch's: hardswish'(x) = (2x + 3) / 6 on [-3, 3].
    last = text.splitlines()[-6:]
    assert last[0].split() == ["x", "torch.hardswish", "torch.hardswish'"]
    assert last[3].split() == ["0.0", "0.0", "0.5"]


def test_info_other_frameworks_section():
    text = ok(["info", "gelu"])
    block = text.split("\nin other frameworks:\n", 1)[1]
    assert "  JAX: jax.nn.gelu(x, approximate=True)\n" in block
    assert "1.5e-4" in block
    assert "  PyTorch: torch.nn.functional.gelu(input, approximate='none')\n" in block
    assert "#23425" in ok(["info", "sparsemax"])  # Keras's sparsemax bug
    assert "pytorch/pytorch #147801" in ok(["info", "hard_silu"])  # named as reported before
    assert "torch has no sparse_plus" in ok(["info", "sparse_plus"])


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("relu", ["range: [0, inf)", "monotone: non-decreasing", "continuity: C0, kinks at x = 0"]),
        ("sigmoid", ["range: (0, 1)", "at 0: f(0) = 0.5, f'(0) = 0.25", "continuity: C-inf"]),
        ("tanh", ["symmetry: odd", "monotone: increasing"]),
        ("selu", ["self-normalizing: yes"]),
        ("hard_shrink", ["continuity: discontinuous, kinks at x = -0.5, 0.5"]),
        ("softmax", ["not computed: axis-wise"]),
    ],
)
def test_info_properties_section(name, lines):
    block = ok(["info", name]).split("\nproperties:\n", 1)[1].split("\nin other frameworks:")[0]
    for line in lines:
        assert f"  {line}" in block, block


def test_info_like():
    text = ok(["info", "gelu", "--like", "jax"])
    assert text.startswith("jax.gelu\n")
    assert "flavour: JAX's version of actcli's gelu" in text
    assert "signature: jax.nn.gelu(x, approximate=True)" in text
    # torch's softplus jumps by log1p(exp(-20)) at x = 20: not monotone.
    block = ok(["info", "softplus", "--like", "torch"]).split("\nproperties:\n", 1)[1]
    assert "monotone: no" in block and "kinks at x = 20" in block


def test_info_json_has_properties_and_frameworks():
    text = ok(["info", "relu", "--format", "json"])
    _no_special_numbers(text)
    record = json.loads(text)
    assert record["properties"]["range"] == [0.0, "inf"]
    assert record["properties"]["kinks"] == [0.0]
    assert [r["framework"] for r in record["frameworks"]] == ["keras", "tf_keras", "torch", "jax"]
    record = json.loads(ok(["info", "hardswish", "--format", "json"]))
    assert record["framework"] == "torch" and record["entry"] == "hard_silu"


# list --properties -------------------------------------------------------------------------------


def test_list_properties_csv():
    table = {r["name"]: r for r in rows(ok(["list", "--properties", "--format", "csv"]))}
    assert list(next(iter(table.values())))[:10] == [
        "name",
        "range",
        "monotone",
        "f(0)",
        "f'(0)",
        "continuity",
        "kinks",
        "symmetry",
        "self-norm.",
        "note",
    ]
    assert table["relu6"]["range"] == "[0, 6]" and table["relu6"]["kinks"] == "0 6"
    assert table["sigmoid"]["f(0)"] == "0.5" and table["sigmoid"]["f'(0)"] == "0.25"
    assert table["softplus"]["f(0)"] == f"{math.log(2):.6g}"
    assert table["selu"]["self-norm."] == "yes" and table["elu"]["self-norm."] == "no"
    assert table["tanh"]["symmetry"] == "odd"
    assert table["elu"]["continuity"] == "C1"
    assert table["softmax"]["range"] == "" and "axis-wise" in table["softmax"]["note"]
    assert table["threshold"]["note"].startswith("depends on the required parameters")
    assert table["relu"]["formula"]  # the usual columns are kept


def test_list_properties_json_and_table():
    text = ok(["list", "--properties", "--format", "json"])
    _no_special_numbers(text)
    records = {r["name"]: r for r in json.loads(text)}
    assert records["sigmoid"]["properties"]["range"] == [0.0, 1.0]
    assert records["linear"]["properties"]["range"] == ["-inf", "inf"]
    assert "properties" not in json.loads(ok(["list", "--format", "json"]))[0]
    table = ok(["list", "--properties", "--format", "table"])
    assert table.split()[:3] == ["name", "range", "monotone"]


def test_list_names_and_properties_conflict():
    fails(["list", "--names", "--properties"], 2, "not both")


# Start-up cost and completion ------------------------------------------------------------------


def test_eval_of_a_registry_name_does_not_load_frameworks():
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('actcli.frameworks' in sys.modules, file=sys.stderr))\n"
        "from actcli.cli import main\n"
        "sys.argv = ['actcli', 'eval', 'gelu', '--', '1']\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "False"


def test_completion_offers_framework_names():
    from actcli.cli.common import complete_activation

    names = [item.value for item in complete_activation(None, None, "hards")]  # type: ignore[arg-type]
    assert "hardswish" in names and "hardsigmoid" in names and "hard_swish" not in names
    assert "nn.Softplus" in [item.value for item in complete_activation(None, None, "nn.S")]  # type: ignore[arg-type]


# Names actcli prints are names actcli accepts ---------------------------------------------------

# Import paths people paste from their code (issue 12), each with the flavour it must give.
PASTED = [
    ("keras.activations.gelu", "gelu"),
    ("torch.nn.functional.gelu", "torch.gelu"),
    ("F.gelu", "torch.gelu"),
    ("jax.nn.gelu", "jax.gelu"),
    ("torch.nn.GELU", "torch.gelu"),
    ("torch.nn.SiLU", "torch.silu"),
    ("nn.SiLU", "torch.silu"),
    ("torch.nn.LeakyReLU", "torch.nn.LeakyReLU"),
    ("tf.keras.layers.LeakyReLU", "tf_keras.layers.LeakyReLU"),
    ("tf_keras.layers.LeakyReLU", "tf_keras.layers.LeakyReLU"),
    ("tf.keras.activations.relu", "tf_keras.relu"),
    ("keras.layers.LeakyReLU", "layers.LeakyReLU"),
    ("jax.numpy.exp", "jax.exp"),
    ("torch.nn.functional.softshrink", "torch.softshrink"),
]


@pytest.mark.parametrize(("name", "want"), PASTED)
def test_pasted_import_paths_resolve(name, want):
    import actcli

    assert actcli.spec(name).name == want
    assert ok(["eval", name, "--", "1"]).splitlines()[0].split(",")[1].startswith(want)


def test_keras_3_has_no_thresholded_relu():
    result = run(["eval", "keras.layers.ThresholdedReLU", "--", "1"])
    assert result.exit_code == 2
    assert "keras has no" in result.stderr and "removed in Keras 3" in result.stderr
    assert ok(["eval", "tf.keras.layers.ThresholdedReLU", "--", "2"])  # tf.keras has it


def _printed_names(text: str) -> list[str]:
    """Every activation name an `info` text shows: its name, its aliases, the origin's callable
    and each framework's signature (the part before '(')."""
    lines = text.splitlines()
    names = [lines[0].strip()]
    for line in lines:
        if line.startswith("aliases:") and line != "aliases: none":
            names += [a.strip() for a in line.partition(":")[2].split(",")]
        if line.startswith("origin:"):
            head = line.partition(":")[2].strip().split(" ")[0]
            if head not in ("keras.activations", "tf_keras.activations"):
                names.append(head.partition("(")[0])
    block = text.split("\nin other frameworks:\n", 1)[1].split("\n\n")[0]
    for line in block.splitlines():
        head = line.partition(": ")[2].partition("(")[0]
        if line.startswith("  ") and not line.startswith("    ") and " " not in head:
            names.append(head)  # not "tf_keras has no relu6 (...)"
    return names


def test_every_name_info_prints_resolves():
    import actcli
    from actcli import frameworks as fw

    walked = 0
    for form in fw.forms():
        text = ok(["info", form])
        for name in _printed_names(text):
            spec = actcli.spec(name)  # raises UsageError for a name actcli does not accept
            assert spec.name.endswith(name.rpartition(".")[2]) or name in (
                spec.name,
                *spec.aliases,
            ), (form, name, spec.name)
            walked += 1
    assert walked > 150


def test_headers_tell_the_leaky_relus_apart():
    """Every parameter value that differs from the Keras 3 function of the family is shown."""
    headers = [
        ok(["eval", name, "--", "-1"]).splitlines()[0].split(",", 1)[1]
        for name in ("leakyrelu", "leaky_relu", "nn.LeakyReLU", "tf.keras.layers.LeakyReLU")
    ]
    assert headers == [
        "layers.LeakyReLU(negative_slope=0.3)",
        "leaky_relu",
        "torch.nn.LeakyReLU(negative_slope=0.01)",
        "tf_keras.layers.LeakyReLU(alpha=0.3)",
    ]
    # The same meaning in another spelling is no difference: PyTorch's approximate='none'.
    assert ok(["eval", "torch.gelu", "--", "1"]).splitlines()[0] == "x,torch.gelu"


def test_like_a_keras_backend():
    out = rows(ok(["eval", "leaky_relu", "-d", "--like", "keras/jax", "--", "0"]))
    assert out == [{"x": "0.0", "keras/jax.leaky_relu": "0.0", "keras/jax.leaky_relu'": "1.0"}]
    out = rows(ok(["eval", "leaky_relu", "-d", "--like", "keras/torch", "--", "0"]))
    assert out[0]["keras/torch.leaky_relu'"] == "0.2"
    text = ok(["info", "relu"])
    assert "checked against: PyTorch 2.14.1" in text and "checked against: JAX 0.10.2" in text
    assert "torch (PyTorch 2.14.1) and tensorflow (TensorFlow 2.21.0) backends" in text
    assert "per backend: keras/jax: relu'(threshold) = 0" in text
    result = run(["eval", "relu", "--like", "keras/mxnet", "--", "1"])
    assert result.exit_code == 2 and "unknown framework 'keras/mxnet'" in result.stderr


def test_like_in_python_takes_a_backend():
    import actcli

    assert actcli.derivative("hard_tanh", like="keras/tensorflow")([1.0]).tolist() == [1.0]
    assert actcli.derivative("hard_tanh", like="keras/torch")([1.0]).tolist() == [0.0]
    assert actcli.spec("relu", like="keras/jax").name == "keras/jax.relu"
