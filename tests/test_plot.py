"""actcli.plot and `actcli plot`: the figures themselves, the files they make, the command's errors.

Plotted data are read back from the Line2D objects of the returned figure and compared with the
core's own values (a plot must show exactly what `actcli eval` prints); image files are read back
byte by byte (PNG chunks, SVG/PDF headers), not compared as pixels.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import actcli
from actcli import plot
from actcli.cli import cli

os.environ.setdefault("MPLBACKEND", "Agg")

NAMES = actcli.names()


@pytest.fixture(autouse=True)
def _headless(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


@pytest.fixture
def runner():
    return CliRunner()


def lines_by_gid(fig):
    return {line.get_gid(): line for ax in fig.axes for line in ax.get_lines() if line.get_gid()}


def drawn(line):
    """(x, y) of a line without the NaN points that break it at jumps."""
    x, y = (np.asarray(v, dtype=float) for v in line.get_data())
    keep = ~np.isnan(y)
    return x[keep], y[keep]


def core_values(name, params, x):
    """f(x), f'(x) from the public API; axis-wise: the documented slice, slope by the Jacobian."""
    spec = actcli.spec(name)
    cut = plot.slice_of(spec)
    if cut is None:
        return actcli.get(name)(x, **params), actcli.derivative(name)(x, **params)
    vectors = np.tile(np.asarray(cut.base, dtype=float), (x.size, 1))
    vectors[:, cut.vary] = x
    y = actcli.get(name)(vectors)[:, cut.out]
    dy = actcli.jacobian(name)(vectors)[:, cut.out, cut.vary]
    return y, dy


# --- the plotted data ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_lines_hold_the_core_values(name):
    spec = actcli.spec(name)
    params = plot.example_params(spec)
    fig = plot.figure(plot.curves([(name, params)], points=301))
    lines = lines_by_gid(fig)
    x, y = drawn(lines["f:0"])
    xd, dy = drawn(lines["df:0"])
    lo, hi = spec.plot_xlim
    kinks = plot.slice_of(spec).kinks if spec.axiswise else spec.kinks(spec.bind(params))
    want_x = np.unique(np.r_[np.linspace(lo, hi, 301), [k for k in kinks if lo <= k <= hi]])
    np.testing.assert_array_equal(x, want_x)
    np.testing.assert_array_equal(xd, want_x)
    want_y, want_dy = core_values(name, params, want_x)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_allclose(dy, want_dy, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_every_kink_is_sampled(name):
    spec = actcli.spec(name)
    params = plot.example_params(spec)
    c = plot.curve(name, params, points=100)
    lo, hi = spec.plot_xlim
    kinks = plot.slice_of(spec).kinks if spec.axiswise else spec.kinks(spec.bind(params))
    for k in kinks:
        if lo <= k <= hi:
            assert k in c.x.tolist()


def test_relu6_corners_are_exact():
    fig = plot.figure(plot.curves([("relu6", None)], points=100))
    x, y = drawn(lines_by_gid(fig)["f:0"])
    assert 0.0 in x.tolist() and 6.0 in x.tolist()
    assert y[x.tolist().index(0.0)] == 0.0 and y[x.tolist().index(6.0)] == 6.0
    # Only the kinks are added: 100 grid points in [-3, 9] miss 0 and 6 by themselves.
    assert x.size == 102


def test_kinks_follow_the_parameters():
    c = plot.curve("hard_shrink", {"threshold": 0.3}, points=50)
    assert -0.3 in c.x.tolist() and 0.3 in c.x.tolist()


def test_jumps_are_broken_and_smooth_lines_are_not():
    c = plot.curve("threshold", {"threshold": 1.0, "default_value": -1.0}, points=101)
    x, y = c.line("y")
    gap = np.flatnonzero(np.isnan(y))
    assert gap.size == 1 and x[gap[0]] == 1.0  # the break sits at the threshold
    assert y[gap[0] - 1] == -1.0 and y[gap[0] + 1] > 1.0  # f(1) = default_value, then x
    assert not np.isnan(plot.curve("relu").line("y")[1]).any()  # continuous: no break
    assert np.isnan(plot.curve("relu").line("dy")[1]).sum() == 1  # relu' steps at 0
    assert not np.isnan(plot.curve("gelu").line("dy")[1]).any()


def test_break_on_the_side_of_the_jump():
    # hard_silu' is 0 at -3 (as on the left) and 1 at 3 (as on the right): semantics.md's rule.
    x, dy = plot.curve("hard_silu", points=121).line("dy")
    gaps = np.flatnonzero(np.isnan(dy)).tolist()
    assert [x[i] for i in gaps] == [-3.0, 3.0]
    left, right = gaps
    assert x[left - 1] == -3.0 and dy[left - 1] == 0.0  # -3 drawn with the left piece
    assert x[right + 1] == 3.0 and dy[right + 1] == 1.0  # 3 drawn with the right piece


def test_softmax_slice_is_the_sigmoid():
    # softmax([x, 0])[0] = 1 / (1 + exp(-x)); its slope s(1 - s) (hand formulas).
    c = plot.curve("softmax", points=41)
    s = 1.0 / (1.0 + np.exp(-c.x))
    np.testing.assert_allclose(c.y, s, rtol=1e-14)
    np.testing.assert_allclose(c.dy, s * (1 - s), rtol=1e-12, atol=1e-18)
    assert c.label == "softmax([x, 0])[0]"


def test_glu_slice_varies_the_gate():
    # glu([1, x])[0] = 1 * sigmoid(x); d/dx = sigmoid'(x) (not the Jacobian diagonal sigmoid(x)).
    c = plot.curve("glu", points=41)
    s = 1.0 / (1.0 + np.exp(-c.x))
    np.testing.assert_allclose(c.y, s, rtol=1e-14)
    np.testing.assert_allclose(c.dy, s * (1 - s), rtol=1e-12, atol=1e-18)


def test_sparsemax_slice_has_corners():
    c = plot.curve("sparsemax", points=13)
    np.testing.assert_allclose(c.y, np.clip((c.x + 1) / 2, 0, 1), atol=1e-15)
    assert {-1.0, 1.0} <= set(c.x.tolist())


def test_axiswise_rejects_another_axis():
    with pytest.raises(actcli.UsageError, match="axis does not apply"):
        plot.curve("softmax", {"axis": 0})


def test_labels_tell_parameters_apart():
    fig = plot.figure(plot.curves([("elu", {"alpha": 0.5}), ("elu", {"alpha": 2}), ("elu", None)]))
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == [
        "elu(alpha=0.5)",
        "elu(alpha=2.0)",
        "elu",
        "elu′(alpha=0.5)",
        "elu′(alpha=2.0)",
        "elu′",
    ]
    same = plot.curves([("gelu", None), ("gelu", None)])
    assert [c.label for c in same] == ["gelu", "gelu #2"]


def test_no_derivative_and_panels():
    curves = plot.curves([("sigmoid", None), ("tanh", None)])
    fig = plot.figure(curves, derivative=False)
    assert sorted(lines_by_gid(fig)) == ["f:0", "f:1"]
    fig = plot.figure(curves, layout="panels")
    assert len(fig.axes) == 2
    right = {line.get_gid() for line in fig.axes[1].get_lines() if line.get_gid()}
    assert right == {"df:0", "df:1"}
    assert lines_by_gid(fig)["df:0"].get_linestyle() == "--"
    assert lines_by_gid(fig)["df:0"].get_color() == lines_by_gid(fig)["f:0"].get_color()


def test_ranges_title_and_formula():
    fig = plot.figure(
        plot.curves([("gelu", None)], xlim=(-2, 3)), ylim=(-1, 2), title="T", formula=True
    )
    ax = fig.axes[0]
    assert ax.get_xlim() == (-2.0, 3.0) and ax.get_ylim() == (-1.0, 2.0)
    heading = fig.get_suptitle()
    assert heading.startswith("T\ngelu(x) = ") and "gelu′(x) = " in heading


def test_common_range_is_the_union():
    lo = min(actcli.spec("relu6").plot_xlim[0], actcli.spec("tanh").plot_xlim[0])
    hi = max(actcli.spec("relu6").plot_xlim[1], actcli.spec("tanh").plot_xlim[1])
    relu6, tanh = plot.curves([("relu6", None), ("tanh", None)])
    assert tanh.x.tolist() == np.linspace(lo, hi, plot.DEFAULT_POINTS).tolist()  # no kinks
    assert (relu6.x[0], relu6.x[-1]) == (lo, hi)


def test_gallery_has_a_panel_per_activation():
    fig = plot.gallery(points=101)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(NAMES)
    assert [ax.get_title().split("\n")[0] for ax in visible] == [
        plot.slice_of(actcli.spec(n)).text(n) if actcli.spec(n).axiswise else n for n in NAMES
    ]
    lines = lines_by_gid(fig)
    assert all(f"df:{i}" in lines for i in range(len(NAMES)))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: plot.curve("gelo"), "did you mean 'gelu'"),
        (lambda: plot.curve("relu", xlim=(6, -6)), "low to high"),
        (lambda: plot.curve("relu", xlim=(1, 1)), "low < high"),
        (lambda: plot.curve("relu", points=1), "points"),
        (lambda: plot.curve("squareplus", {"b": -1}), "b >= 0"),
        (lambda: plot.curve("threshold"), "required"),
        (lambda: plot.output_format("a.bmp"), "unknown image format '.bmp'"),
        (lambda: plot.output_format("a"), "extension"),
        (lambda: plot.figure(plot.curves([("relu", None)]), style="no-such-style"), "style"),
        (lambda: plot.figure(plot.curves([("relu", None)]), size=(0, 3)), "size"),
        (lambda: plot.figure(plot.curves([("relu", None)]), ylim=(2, 1)), "ylim"),
        (lambda: plot.figure(plot.curves([("relu", None)]), layout="grid"), "layout"),
    ],
)
def test_library_errors_are_usage_errors(call, message):
    with pytest.raises(actcli.UsageError, match=message.replace("(", r"\(").replace(".", r"\.")):
        call()


# --- files --------------------------------------------------------------------------------------


def png_chunks(data: bytes) -> dict[bytes, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = {}, 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks.setdefault(kind, body)
        pos += 12 + length
    assert kind == b"IEND"
    return chunks


def nonblank_fraction(path: Path) -> float:
    import matplotlib.image

    pixels = matplotlib.image.imread(path)[..., :3]
    background = pixels[0, 0]
    return float(np.mean(np.any(np.abs(pixels - background) > 0.1, axis=-1)))


@pytest.fixture(scope="module")
def small_figure():
    return plot.figure(
        plot.curves([("gelu", None), ("elu", {"alpha": 2})], points=201), size=(3, 2), dpi=100
    )


def test_png_has_the_size_and_dpi(small_figure, tmp_path):
    out = plot.save(small_figure, tmp_path / "f.png", dpi=150)
    chunks = png_chunks(out.read_bytes())
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert (width, height) == (450, 300)
    ppm_x, ppm_y, unit = struct.unpack(">IIB", chunks[b"pHYs"])
    assert unit == 1 and round(ppm_x * 0.0254) == 150 == round(ppm_y * 0.0254)
    assert 0.02 < nonblank_fraction(out) < 0.6


def test_svg_is_valid_and_sized(small_figure, tmp_path):
    out = plot.save(small_figure, tmp_path / "f.svg")
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == ("216pt", "144pt")  # 3 x 2 in at 72 pt/in
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 10


def test_pdf_and_eps_are_valid_and_sized(small_figure, tmp_path):
    pdf = plot.save(small_figure, tmp_path / "f.PDF").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/MediaBox [ 0 0 216 144 ]" in pdf
    eps = plot.save(small_figure, tmp_path / "f.eps").read_bytes()
    assert eps.startswith(b"%!PS-Adobe") and b"%%BoundingBox:" in eps


def test_save_is_atomic(small_figure, tmp_path, monkeypatch):
    target = tmp_path / "keep.png"
    target.write_bytes(b"old")

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(small_figure, "savefig", boom)
    with pytest.raises(RuntimeError):
        plot.save(small_figure, target)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.png"]  # no temp file left


def test_write_failure_is_a_data_error(small_figure, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(small_figure, "savefig", full)
    with pytest.raises(actcli.DataError, match="No space left on device"):
        plot.save(small_figure, tmp_path / "f.png")
    assert list(tmp_path.iterdir()) == []


def test_save_errors(small_figure, tmp_path):
    with pytest.raises(actcli.UsageError, match="does not exist"):
        plot.save(small_figure, tmp_path / "missing" / "f.png")
    (tmp_path / "d.png").mkdir()
    with pytest.raises(actcli.UsageError, match="it is a folder"):
        plot.save(small_figure, tmp_path / "d.png")
    with pytest.raises(actcli.UsageError, match="unknown image format"):
        plot.save(small_figure, tmp_path / "f.gif")


# --- the command --------------------------------------------------------------------------------


def assert_one_line_error(result, code, text):
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert text in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_default_output_is_name_png(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["plot", "gelu", "--points", "101", "--size", "4", "3", "--dpi", "50"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == "gelu.png\n" and result.stderr == ""
    header = png_chunks((tmp_path / "gelu.png").read_bytes())[b"IHDR"]
    width, height = struct.unpack(">II", header[:8])
    assert (width, height) == (200, 150)


def test_show_without_display_writes_the_file(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["plot", "relu", "gelu", "--show", "--points", "51"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "relu_gelu.png\n" and "no display" in result.stderr
    assert (tmp_path / "relu_gelu.png").stat().st_size > 1000


def test_show_falls_back_when_the_backend_cannot_open_windows(runner, tmp_path, monkeypatch):
    # A $DISPLAY but no GUI toolkit: matplotlib ends up on Agg; the file is written instead.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plot, "has_display", lambda: True)
    result = runner.invoke(cli, ["plot", "tanh", "--show", "--points", "51"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "tanh.png\n"
    assert (tmp_path / "tanh.png").stat().st_size > 1000


def test_pdf_and_eps_embed_truetype_not_type3_fonts(small_figure, tmp_path):
    """pdf.fonttype/ps.fonttype 42 must be in force when the file is written, not only while
    the figure is built (journals reject Type 3 fonts)."""
    pdf = plot.save(small_figure, tmp_path / "f.pdf").read_bytes()
    assert b"/Type3" not in pdf and b"/CIDFontType2" in pdf
    eps = plot.save(small_figure, tmp_path / "f.eps").read_bytes()
    assert b"/FontType 3" not in eps and b"/FontType 42" in eps


@pytest.mark.parametrize("suffix", ["svg", "pdf", "png"])
def test_the_same_plot_gives_the_same_bytes(tmp_path, suffix):
    """No dates or random ids in the files: two runs of one plot write identical files."""

    def made(name):
        fig = plot.figure(plot.curves([("gelu", None)], points=101), size=(3, 2), dpi=50)
        return plot.save(fig, tmp_path / f"{name}.{suffix}").read_bytes()

    assert made("a") == made("b")


def test_style_colours_apply():
    import matplotlib.style

    want = matplotlib.style.library["ggplot"]["axes.prop_cycle"].by_key()["color"][:2]
    fig = plot.figure(plot.curves([("relu", None), ("tanh", None)], points=11), style="ggplot")
    lines = lines_by_gid(fig)
    assert [lines["f:0"].get_color(), lines["f:1"].get_color()] == want


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_output_formats(runner, tmp_path, suffix):
    out = tmp_path / f"elu.{suffix}"
    args = [
        "plot",
        "elu:alpha=0.5",
        "elu:alpha=2",
        "--layout",
        "panels",
        "--formula",
        "--title",
        "ELU",
        "--style",
        "ggplot",
        "--points",
        "101",
        "-o",
        str(out),
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and out.stat().st_size > 1000


def test_single_name_options(runner, tmp_path):
    out = tmp_path / "lr.svg"
    result = runner.invoke(
        cli,
        [
            "plot",
            "leaky_relu",
            "--negative-slope",
            "0.1",
            "-o",
            str(out),
            "--xlim",
            "-2",
            "2",
            "--no-derivative",
        ],
    )
    assert result.exit_code == 0, result.output
    svg = out.read_text()
    assert "leaky_relu(negative_slope=0.1)" in svg and "leaky_relu′" not in svg


def test_all_writes_a_gallery(runner, tmp_path):
    out = tmp_path / "g.png"
    result = runner.invoke(cli, ["plot", "--all", "--points", "51", "--dpi", "40", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert nonblank_fraction(out) > 0.02


def test_term_output(runner):
    result = runner.invoke(cli, ["plot", "sigmoid", "--term", "--width", "50", "--formula"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("sigmoid(x) = ")
    assert all(len(line) == 50 for line in lines)
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["plot", "gelo"], 2, "unknown activation 'gelo' (did you mean 'gelu'?"),
        (["plot", "relu", "--xlim", "6", "-6"], 2, "--xlim must go from low to high, got 6 -6"),
        (["plot", "relu", "--ylim", "1", "0"], 2, "--ylim must go from low to high"),
        (["plot", "relu", "-o", "nowhere/x.png"], 2, "nowhere does not exist"),
        (["plot", "relu", "-o", "x.bmp"], 2, "unknown image format '.bmp'"),
        (["plot", "relu", "--style", "nope"], 2, "unknown matplotlib style 'nope'"),
        (["plot", "relu", "--term", "-o", "x.png"], 2, "--term draws text in the terminal"),
        (["plot", "--all", "relu"], 2, "--all plots every activation"),
        (["plot"], 2, "no activation given"),
        (["plot", "relu", "1", "2"], 2, "not values"),
        (["plot", "softmax:axis=0"], 2, "axis does not apply"),
        (["plot", "elu", "gelu", "--alpha", "2"], 2, "NAME:param=value"),
        (["plot", "relu", "--points", "1"], 2, "--points"),
    ],
)
def test_bad_input_is_one_line(runner, tmp_path, monkeypatch, args, code, text):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, args)
    assert_one_line_error(result, code, text)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_unwritable_folder(runner, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        result = runner.invoke(cli, ["plot", "relu", "-o", str(folder / "x.png")])
        assert_one_line_error(result, 1, "is not writable")
    finally:
        folder.chmod(0o700)


def test_unwritable_folder_message(runner, tmp_path, monkeypatch):
    # The same path as above for any user: the check asks os.access.
    monkeypatch.setattr(plot.os, "access", lambda path, mode: False)
    result = runner.invoke(cli, ["plot", "relu", "-o", str(tmp_path / "x.png")])
    assert_one_line_error(result, 1, f"folder {tmp_path} is not writable")


def test_term_never_imports_matplotlib():
    code = (
        "import sys\n"
        "from actcli.cli import cli\n"
        "args = ['plot', 'relu6', 'softmax', '--term', '--width', '60']\n"
        "code = cli.main(args, standalone_mode=False)\n"
        "assert code == 0, code\n"
        "print('matplotlib' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stderr.strip() == "False"
    assert "relu6" in result.stdout


def test_example_images_script(tmp_path):
    script = Path(__file__).parent.parent / "examples" / "make_images.sh"
    exe = shutil.which("actcli") or shutil.which("actcli", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("the actcli console script is not installed")
    env = {**os.environ, "ACTCLI": exe, "MPLBACKEND": "Agg"}
    subprocess.run(["sh", str(script), str(tmp_path)], check=True, env=env, capture_output=True)
    for name in ("gallery.png", "compare.png"):
        assert nonblank_fraction(tmp_path / name) > 0.02


@pytest.mark.parametrize("option", ["--width", "--height"])
def test_terminal_plot_size_is_bounded(option):
    """--term --width 100000 used to build a huge canvas (MemoryError or the OOM killer)."""
    from actcli.cli import cli

    result = CliRunner().invoke(cli, ["plot", "relu", "--term", option, "100000"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "100000 is not in the range" in result.stderr and "Traceback" not in result.stderr
