"""actcli.plot and `actcli plot`: the figures themselves, the files they make, the command's errors.

Plotted data are read back from the Line2D objects of the returned figure and compared with the
core's own values (a plot must show exactly what `actcli eval` prints); image files are read back
byte by byte (PNG chunks, SVG/PDF headers), not compared as pixels.
"""

from __future__ import annotations

import math
import os
import shutil
import struct
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import actcli
from actcli import plot
from actcli.cli import cli
from actcli.plot import sampling

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
    legend = fig.axes[1].get_legend()
    assert legend is not None, "the derivative panel has no legend"
    assert [t.get_text() for t in legend.get_texts()] == ["sigmoid′", "tanh′"]


def test_derivatives_have_their_own_colours_and_are_drawn_on_top():
    """relu' is 0 left of 0, where relu and the zero line are: it must be drawn over both, in a
    colour of its own (issue 12)."""
    from matplotlib.colors import to_hex

    for layout in ("overlay", "panels"):
        fig = plot.figure(plot.curves([("relu", None), ("elu", None)]), layout=layout)
        lines = lines_by_gid(fig)
        colours = [to_hex(lines[g].get_color()) for g in ("f:0", "df:0", "f:1", "df:1")]
        assert len(set(colours)) == 4, colours
        zero = [ln for ax in fig.axes for ln in ax.get_lines() if not ln.get_gid()]
        assert zero and all(z.get_zorder() < lines["f:0"].get_zorder() for z in zero)
        assert lines["df:0"].get_zorder() > lines["f:0"].get_zorder()
        for ax in fig.axes:
            grid = ax.xaxis.get_zorder()  # gridlines are drawn with their axis
            assert all(z.get_zorder() > grid for z in zero if z.axes is ax)


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

    want = matplotlib.style.library["ggplot"]["axes.prop_cycle"].by_key()["color"][:4]
    fig = plot.figure(plot.curves([("relu", None), ("tanh", None)], points=11), style="ggplot")
    lines = lines_by_gid(fig)
    assert [lines[g].get_color() for g in ("f:0", "df:0", "f:1", "df:1")] == want


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
    monkeypatch.setattr(os, "access", lambda path, mode: False)
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


# --- ranges that show the parameters, names that tell plots apart (issue 12) --------------------


def test_default_range_shows_the_cap_and_the_threshold():
    curve = plot.curve("relu", {"max_value": "6", "threshold": "1", "negative_slope": "0.1"})
    lo, hi = curve.x[0], curve.x[-1]
    assert lo == -4.0 and hi >= 6 + 0.1 * (hi - lo)  # the cap at 6, and flat beyond it
    assert 1.0 in curve.x and 6.0 in curve.x
    assert curve.y[-1] == 6.0 and curve.dy[-1] == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_default_range_holds_every_kink_with_a_margin(name):
    spec = actcli.spec(name)
    params = plot.example_params(spec)
    for p in spec.params:  # move each numeric parameter far out: its kinks must follow
        if p.type == "float" and not p.required and isinstance(p.default, float):
            params = {**params, p.name: 25.0}
    try:
        kinks = sampling._kinks_of(spec, sampling._plot_params(spec, params))
    except actcli.UsageError:
        pytest.skip(f"{name}: 25 is not a valid value of its parameters")
    lo, hi = plot.default_xlim(spec, params)
    assert (lo, hi)[0] <= spec.plot_xlim[0] and spec.plot_xlim[1] <= hi
    for k in kinks:
        assert lo + 0.1 * (hi - lo) <= k <= hi - 0.1 * (hi - lo) or (
            spec.plot_xlim[0] <= k <= spec.plot_xlim[1]
        ), (name, k, lo, hi)


def test_curves_share_a_range_holding_every_kink():
    relu, sig = plot.curves([("relu", {"max_value": "20"}), ("sigmoid", None)])
    assert relu.x[-1] > 20 and sig.x[-1] == relu.x[-1]


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["plot", "elu:alpha=0.5"], "elu-alpha=0.5.png"),
        (["plot", "elu", "--alpha", "0.5"], "elu-alpha=0.5.png"),
        (["plot", "elu"], "elu.png"),
        (["plot", "elu:alpha=0.5", "elu:alpha=2", "gelu"], "elu-alpha=0.5_elu-alpha=2.0_gelu.png"),
        (["plot", "leaky_relu", "--negative-slope", "-0.5"], "leaky_relu-negative_slope=-0.5.png"),
        (
            ["diff", "leaky_relu", "--negative-slope", "0.1", "--plot"],
            "leaky_relu-negative_slope=0.1_diff.png",
        ),
    ],
)
def test_default_file_name_names_the_parameters(runner, tmp_path, monkeypatch, argv, name):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        cli, [*argv, "--size", "2", "2", "--dpi", "50"] if argv[0] == "plot" else argv
    )
    assert (result.exit_code, result.stdout, result.stderr) == (0, name + "\n", "")
    assert os.listdir(tmp_path) == [name]


@pytest.mark.parametrize(
    ("stems", "want"),
    [
        (["elu-alpha=0.5"], "elu-alpha=0.5.png"),
        (["a/b c:d"], "a_b_c_d.png"),
        ([".hidden"], "hidden.png"),
        (["-x"], "x.png"),
        (["é"], "_.png"),
        ([], "plot.png"),
        (["relu", "relu"], "relu.png"),
    ],
)
def test_default_file_names_are_safe(stems, want):
    assert plot.default_file_name(stems) == want


def test_long_default_file_names_are_cut_and_kept_apart():
    a = plot.default_file_name([f"elu-alpha={i}" for i in range(60)])
    b = plot.default_file_name([f"elu-alpha={i}" for i in range(61)])
    assert a != b and len(a) <= 124 and len(b) <= 124 and a.endswith(".png")


# --- extreme but finite options (issue 13) -------------------------------------------------------


def _drawn_png(fig, tmp_path) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return plot.save(fig, tmp_path / "x.png").stat().st_size


@pytest.mark.parametrize(
    ("xlim", "ylim"),
    [
        ((-1.7e308, 1.7e308), None),
        ((-sys.float_info.max, sys.float_info.max), None),
        (None, (-1e308, 1e308)),
        ((0.0, 1e308), (0.0, 1.0)),
        ((-1e308, 5e-324), None),
        ((0.0, 5e-324), (0.0, 5e-324)),
        ((1.0, 1.0 + 2**-52), None),
    ],
)
@pytest.mark.parametrize("layout", ["overlay", "panels"])
def test_extreme_but_finite_ranges_are_drawn(xlim, ylim, layout, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curves = plot.curves([("relu", None), ("exponential", None)], xlim=xlim, points=51)
        fig = plot.figure(curves, ylim=ylim, layout=layout, size=(3, 2), dpi=50)
    assert _drawn_png(fig, tmp_path) > 0
    for ax in fig.axes:
        lo, hi = ax.get_xlim()
        assert math.isfinite(lo) and math.isfinite(hi) and abs(hi) < 1e3 + 1 and lo < hi


def test_huge_axes_are_drawn_in_named_units():
    curves = plot.curves([("relu", None)], xlim=(-1.7e308, 1.7e308), points=5)
    fig = plot.figure(curves, derivative=False)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "x (\u00d71e308)" and ax.get_ylabel() == "\u00d71e308"
    x, y = drawn(lines_by_gid(fig)["f:0"])
    np.testing.assert_allclose(x, [-1.7, -0.85, 0.0, 0.85, 1.7], rtol=1e-15)
    np.testing.assert_allclose(y, [0, 0, 0, 0.85, 1.7], rtol=1e-15)
    plain = plot.figure(plot.curves([("relu", None)], points=5), derivative=False)
    assert plain.axes[0].get_xlabel() == "x" and plain.axes[0].get_ylabel() == ""


def test_diff_figure_of_a_huge_range(tmp_path):
    x = plot.grid(-1e308, 1e308, 201)
    y = np.where(x > 0, x, 0.0)
    fig = plot.flavours_figure(x, [("a", y), ("b", y * 0.5)], size=(3, 3), dpi=50)
    assert _drawn_png(fig, tmp_path) > 0
    assert fig.axes[1].get_xlabel() == "x (\u00d71e308)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dpi", "1", "--size", "0.01", "0.01"], "'--dpi': 1.0 is not in the range x>=10"),
        (["--size", "1e-300", "1e-300"], "is 2e-298 x 2e-298 px: too small (10 px min each way)"),
        (["--size", "0.01", "0.01", "--dpi", "100"], "is 1 x 1 px: too small"),
        (["--size", "1e300", "1"], "too large (30000 px max)"),
        (
            ["--size", "100", "100", "--dpi", "290"],
            "29000 x 29000 px: too large (64 million px max",
        ),
    ],
)
def test_figure_sizes_out_of_reach_are_one_line(runner, tmp_path, args, message):
    result = runner.invoke(cli, ["plot", "relu", *args, "-o", str(tmp_path / "s.png")])
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr
    assert os.listdir(tmp_path) == []


def test_tiny_figures_still_draw(tmp_path):
    fig = plot.figure(plot.curves([("gelu", None)], points=21), size=(0.1, 0.1), dpi=100)
    assert _drawn_png(fig, tmp_path) > 0
    gallery = plot.gallery(["relu", "tanh"], points=21, dpi=plot.MIN_DPI)
    assert _drawn_png(gallery, tmp_path) > 0


def test_control_characters_in_a_title_are_shown_escaped(tmp_path):
    fig = plot.figure(plot.curves([("relu", None)], points=11), title="a\x01b\x1b[2J $x$")
    assert fig.get_suptitle() == "a\\x01b\\x1b[2J \\$x\\$"
    assert _drawn_png(fig, tmp_path) > 0
    # An undecodable byte of an argument arrives as a lone surrogate: SVG (UTF-8) cannot hold it.
    fig = plot.figure(plot.curves([("relu", None)], points=11), title="a\udcffb\u202ec")
    assert fig.get_suptitle() == "a\\udcffb\\u202ec"
    assert plot.save(fig, tmp_path / "u.svg").stat().st_size > 0


def test_eps_says_nothing_about_transparency(small_figure, tmp_path, caplog):
    with caplog.at_level("DEBUG"):
        plot.save(small_figure, tmp_path / "f.eps")
    assert [r.getMessage() for r in caplog.records if r.levelno >= 30] == []


def test_usetex_from_a_style_is_turned_off(tmp_path):
    (tmp_path / "tex.mplstyle").write_text("text.usetex: True\n")
    fig = plot.figure(
        plot.curves([("gelu", None)], points=21), style=str(tmp_path / "tex.mplstyle")
    )
    assert _drawn_png(fig, tmp_path) > 0
