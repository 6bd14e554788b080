"""Writes docs/porting.md, the "Porting between frameworks" page, from actcli.frameworks.

Every table is generated: names and defaults from the variants, value gaps and derivative
conventions by evaluating the flavours (actcli.frameworks.diff), aliases from FRAMEWORK_ALIASES,
the agreement table from docs/conformance.json (written by `scripts/conformance.py --json
docs/conformance.json` on a machine with the frameworks installed). The block between
`<!-- BEGIN flavours -->` and `<!-- END flavours -->` is what scripts/gen_readme.py shows in the
README. Run `python3 scripts/gen_porting.py` after changing a variant, `--check` to fail when it
is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actcli import frameworks as fw  # noqa: E402

OUT = ROOT / "docs" / "porting.md"
RESULTS = ROOT / "docs" / "conformance.json"
CLASSES = ("identical", "<=1 ULP", "<=4 ULP", "differs")

# Values for required parameters when comparing flavours.
EXAMPLE_PARAMS = {"threshold": {"threshold": 0.5, "default_value": -1.0}}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _short(v: fw.Variant) -> str:
    """``softshrink(lambd=0.5)``: the framework's spelling and its parameters."""
    inside = v.signature.split("(", 1)[1].rstrip(")")
    args = [a for a in inside.split(", ") if a and a not in ("x", "input")]
    return f"`{v.name}({', '.join(args)})`"


def _forms() -> list[str]:
    """Functions (not layer classes), framework-only ones last."""
    return [f for f in fw.forms() if not f.startswith("layers.")]


def names_table() -> list[str]:
    head = "| activation | " + " | ".join(fw.TITLES[f] for f in fw.FRAMEWORKS) + " |"
    rows = [head, "|---" * (len(fw.FRAMEWORKS) + 1) + "|"]
    for form in _forms():
        cells = []
        for f in fw.FRAMEWORKS:
            v = fw.VARIANTS.get((form, f))
            cells.append(_cell(_short(v)) if v else "—")
        rows.append(f"| `{form}` | " + " | ".join(cells) + " |")
    return rows


def _gap_rows(derivative: bool) -> list[str]:
    out = []
    for form in _forms():
        if len(fw.flavours(form)) < 2:
            continue
        groups: dict[tuple, list[dict]] = {}
        for r in fw.diff(form, params=EXAMPLE_PARAMS.get(form), derivative=derivative):
            if r["cause"] == "same" or (derivative and "convention" not in r["cause"]):
                continue
            # Pairs with the same gap at the same x are one disagreement (keras and torch vs jax).
            groups.setdefault((r["max_abs"], r["x_max_abs"], r["max_rel"]), []).append(r)
        for rows in groups.values():
            r = rows[0]
            pairs = "; ".join(f"{q['a']} vs {q['b']}" for q in rows)
            out.append(
                f"| `{form}` | {pairs} | {r['max_abs']:.3g} at x = {r['x_max_abs']:.4g} "
                f"| {r['max_rel']:.3g} | {_cell(r['cause'])} |"
            )
    return out


def value_table() -> list[str]:
    head = [
        "| activation | flavours | max abs. difference | max rel. difference | why |",
        "|---|---|---|---|---|",
    ]
    return head + _gap_rows(derivative=False)


def derivative_table() -> list[str]:
    head = [
        "| activation | flavours | derivative gap | rel. | convention |",
        "|---|---|---|---|---|",
    ]
    return head + _gap_rows(derivative=True)


def alias_table() -> list[str]:
    rows = ["| name | actcli entry | flavour | parameters renamed |", "|---|---|---|---|"]
    for alias, (spec_name, f, rename) in fw.FRAMEWORK_ALIASES.items():
        if alias.startswith(tuple(f"{x}." for x in fw.FRAMEWORKS)):
            continue  # qualified names (torch.softplus, jax.gelu) are listed in one line below
        renamed = ", ".join(f"{a} → {b}" for a, b in rename.items()) or "—"
        rows.append(f"| `{alias}` | `{spec_name}` | {f} | {renamed} |")
    return rows


def bug_list() -> list[str]:
    out = []
    for form in _forms():
        for v in fw.flavours(form):
            if v.bugs and fw.home_form(v) == form:
                out.append(f"- **{fw.TITLES[v.framework]} `{v.name}`** — {v.bugs} ({v.source})")
    return out


def _flavour_row(flavour: str) -> str:
    v = fw.variant("relu", flavour)
    backend = flavour.partition("/")[2]
    if flavour == "keras":
        rounding = "no: exact in every dtype"
        kinks = "actcli's rule (gradients come from a backend: see keras/*)"
    else:
        rounding = "float32 input meets float32 parameters"
        if flavour in ("tf_keras", "keras/tensorflow"):
            rounding += "; leaky_relu's slope is a float32 also for float64 input"
        kinks = "no autograd: actcli's rule" if backend == "numpy" else "its autograd's"
    package = {"tf_keras": "tf_keras"}.get(flavour, v.title.split(" (")[0])
    version = (
        f"{package.split(' ')[0]} {v.version}"
        if flavour.startswith("keras")
        else (f"{package} {v.version}")
    )
    if v.backend_version:  # the backend's autograd decides the kinks: its release too
        version += f" on {v.backend_version}"
    return (
        f"| `{flavour}` | {version} | yes | yes | {rounding} | {kinks} | "
        "no: the true limits | no: correctly rounded or within a few ULP |"
    )


def flavour_table() -> list[str]:
    """Which parts of each framework's behaviour a flavour reproduces (the README shows this)."""
    return [
        "| `--like` | checked against | formula | names, defaults | parameter rounding | "
        "derivative at kinks | special values (±inf, NaN) | rounding error |",
        "|---|---|---|---|---|---|---|---|",
        *(_flavour_row(f) for f in fw.FLAVOURS),
        "",
        "A flavour reproduces what the framework *defines*; where the framework's own "
        "computation is wrong (NaN at ±inf, cancellation, overflow) actcli stays exact. Checked "
        "by `python3 scripts/conformance.py` against the installed frameworks: see "
        "[Conformance](/docs/porting.md#conformance-against-the-real-frameworks) for the "
        "agreement table, every difference with its reason, and how to run it.",
    ]


def conformance_table() -> list[str]:
    if not RESULTS.exists():
        return ["(no docs/conformance.json yet: run the harness as below)"]
    results = json.loads(RESULTS.read_text())
    lines = [
        "| flavour | version | functions | points | " + " | ".join(CLASSES) + " | undeclared |",
        "|---|---|---:|---:|" + "---:|" * (len(CLASSES) + 1),
    ]
    reasons: dict[str, dict[str, int]] = {}
    extra = []
    for r in results:
        if "summary" in r:
            extra.append(f"Keras's own tests against actcli: {r['summary']}.")
            continue
        if "counts" not in r:
            lines.append(
                f"| {r['flavour']} | — | — | — | {' | '.join('—' for _ in CLASSES)} | "
                f"{r.get('skipped', 'crashed')} |"
            )
            continue
        total = sum(r["counts"].values())
        cells = " | ".join(str(r["counts"][c]) for c in CLASSES)
        lines.append(
            f"| `{r['flavour']}` | {r['version']} | {r['functions']} | {total} | {cells} | "
            f"{len(r['undeclared'])} |"
        )
        for why, n in r["reasons"].items():
            reasons.setdefault(why, {})[r["flavour"]] = n
    lines += ["", "Why the points in the last column differ (points per flavour):", ""]
    for why, per in sorted(reasons.items(), key=lambda kv: -sum(kv[1].values())):
        shown = ", ".join(f"{f} {n}" for f, n in per.items())
        lines.append(f"- {why}: {shown}")
    return lines + ([""] + extra if extra else [])


def unsupported_list() -> list[str]:
    from actcli.frameworks import jax, torch

    left_out = [f"`jax.nn.{n}`" for n in jax.NOT_ACTIVATIONS]
    left_out += [f"`torch.{n}`" for n in torch.NOT_ACTIVATIONS]
    return [
        f"- `{name}` ({fw.TITLES[f]}): {why}" for name, (f, why) in sorted(fw.UNSUPPORTED.items())
    ] + [
        f"- no activation functions, so left out: {', '.join(left_out)}",
        "",
        "scripts/conformance.py checks that every other function of `keras.activations`, "
        "`tf_keras.activations`, `jax.nn` and `torch.nn`'s activation modules has a flavour.",
    ]


def release_changes() -> list[str]:
    """What changed between two releases a flavour was checked against (RELEASE_CHANGES in the
    framework modules), for readers on the older one."""
    from actcli.frameworks import _index

    rows = [
        f"- {m.FRAMEWORK.title} {old} → {new}: {what}"
        for m in _index._MODULES
        for old, new, what in getattr(m, "RELEASE_CHANGES", ())
    ]
    if not rows:
        return []
    return ["What changed between the releases checked:", "", *rows, ""]


HOW_TO_RUN = [
    "The harness runs the real frameworks; they are not in the `test` extra, so default CI "
    "never needs them. In a separate venv (this machine: Python 3.11, CPU; PyPI's torch 2.14.1 "
    "is a CUDA build of about 5.5 GB, and runs on the CPU):",
    "",
    "```sh",
    "python3 -m venv /tmp/fw && . /tmp/fw/bin/activate",
    "python3 -m pip install -e '.[test]' torch==2.14.1 jax==0.10.2 jaxlib==0.10.2 \\",
    "    keras==3.15.1 tensorflow-cpu==2.21.0 tf-keras==2.21.0",
    "python3 scripts/conformance.py                  # every installed flavour + Keras's tests",
    "python3 scripts/conformance.py --only jax,keras/numpy,keras/jax",
    "python3 scripts/conformance.py --keras-tests    # keras/src/activations/activations_test.py",
    "python3 -m pytest -m frameworks                 # the same, as tests (skipped if absent)",
    "python3 scripts/conformance.py --json docs/conformance.json && python3 scripts/gen_porting.py",
    "```",
    "",
    "Each Keras backend runs in its own process (`KERAS_BACKEND`); a framework that does not "
    "import is reported as skipped. The exit status is 1 on any undeclared difference: a "
    "point where the framework and actcli differ by more than 4 ULP and actcli is not the one "
    "within 4 ULP of mpmath (tests/oracle.py), the framework's value not a NaN or inf where the "
    "true value is finite, not a subnormal the framework flushes to zero, and not declared in "
    "`DECLARED` in scripts/conformance.py. At a kink the derivative is a convention, so there "
    "a difference is always undeclared: the flavour must model it.",
]


def render() -> str:
    gelu = next(r for r in fw.diff("gelu", [1.0]) if (r["a"], r["b"]) == ("keras", "jax"))
    lines = [
        "## Porting between frameworks",
        "",
        "<!-- generated by scripts/gen_porting.py from actcli/frameworks/: do not edit -->",
        "",
        "<!-- BEGIN flavours -->",
        *flavour_table(),
        "<!-- END flavours -->",
        "",
        "The same activation name does not mean the same function everywhere. `--like "
        "keras|tf_keras|torch|jax` (and `like=` in Python) evaluates a function as that "
        "framework defines it: its parameter names and defaults, its formula where it differs, "
        "and the derivative its autograd returns at the kinks. The default is Keras 3; "
        "`keras/jax`, `keras/torch`, `keras/tensorflow` and `keras/numpy` are Keras 3 with that "
        "backend's derivative at the kinks and parameter rounding. "
        f"For example JAX's `gelu` is the tanh approximation unless told otherwise: at x = 1 it "
        f"gives {gelu['b_value']:.7f} where Keras, tf.keras and PyTorch give "
        f"{gelu['a_value']:.7f}. `actcli diff NAME` shows every such gap.",
        "",
        "### Names and defaults",
        "",
        *names_table(),
        "",
        "### Where the values differ (defaults of each flavour, over the plot range)",
        "",
        *value_table(),
        "",
        "### Where the derivatives differ at the kinks",
        "",
        *derivative_table(),
        "",
        "### Framework names actcli understands",
        "",
        *alias_table(),
        "",
        "Qualified names work too: "
        + ", ".join(
            f"`{a}`"
            for a in (
                "torch.softplus",
                "torch.nn.LeakyReLU",
                "jax.gelu",
                "tf_keras.layers.LeakyReLU",
            )
        )
        + ", ... (`framework.name` for every flavour).",
        "",
        "### Known problems in the frameworks' own implementations",
        "",
        "actcli computes the functions exactly; these are what you may see from the frameworks.",
        "",
        *bug_list(),
        "",
        "### Not supported",
        "",
        *unsupported_list(),
        "",
        "### Conformance against the real frameworks",
        "",
        "`scripts/conformance.py` evaluates every function each framework has (as actcli knows "
        "it), with default and non-default parameters, in float32 and float64, on a grid with "
        "every kink and its neighbours, ±0, ±inf, NaN and subnormals: values, autograd "
        "derivatives, and Jacobians of the axis-wise functions. Each point is identical, within "
        "1 ULP, within 4 ULP, or differs; every difference needs a reason.",
        "",
        *conformance_table(),
        "",
        *release_changes(),
        *HOW_TO_RUN,
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/porting.md is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print("docs/porting.md is stale: run python3 scripts/gen_porting.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
