"""``actcli info NAME``: everything the registry says about one activation, its computed
properties, how the other frameworks define it (``actcli.frameworks.facts``), and sample values.
NAME may be a framework's name (``hardswish``): the entry is then shown as that framework
defines it.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from typing import Any

import click
import numpy as np

import actcli
from actcli import io
from actcli.cli.common import (
    CONTEXT_SETTINGS,
    Activated,
    complete_activation,
    like_option,
    make_label,
    param_help,
    split_spec,
)
from actcli.registry import REGISTRY, Activation, Spec

# Sample points: small integers, where every activation shows its shape.
SAMPLE_X = (-2.0, -1.0, 0.0, 1.0, 2.0)
SAMPLE_VECTOR = (1.0, 2.0, 3.0, 4.0)  # axis-wise functions: one vector (even length for glu)


def _samples(act: Activated) -> dict[str, list[float]]:
    x = np.array(SAMPLE_VECTOR if act.spec.axiswise else SAMPLE_X)
    # Through the spec itself: a framework's flavour (torch.hardswish) is not a registry name.
    # An axis-wise function gets the vector as one row: tf.keras's softmax rejects 1-D input.
    arg = x[None, :] if act.spec.axiswise else x
    y = np.asarray(Activation(act.spec)(arg, **act.params))
    dy = np.asarray(Activation(act.spec, "prime")(arg, **act.params))
    if act.spec.axiswise:
        y, dy = y[0], dy[0]
    return {"x": x.tolist(), "y": np.asarray(y).tolist(), "dy": np.asarray(dy).tolist()}


@dataclass(frozen=True)
class Resolved:
    """What NAME names: the spec to show, and for a framework's flavour, which one."""

    spec: Spec
    form: str  # the name frameworks.facts lists the frameworks under (hard_silu for hardswish)
    flavour: Any = None  # frameworks.Variant, when NAME is a framework's name or --like was given
    how: str = ""  # "hardswish is PyTorch's name for hard_silu"


def _resolve(name: str, like: str | None) -> Resolved:
    if like is None:
        try:
            spec = REGISTRY.lookup(name)
        except actcli.UsageError:
            from actcli import frameworks  # lazy: start-up time

            if not frameworks.is_framework_name(name):
                raise
        else:
            return Resolved(spec, spec.name)
    from actcli import frameworks  # lazy: start-up time

    v = frameworks.variant(name, like)
    form = frameworks.home_form(v)
    if v.framework == "keras":
        return Resolved(v.spec, form)
    entry = v.spec.name if form == v.spec.name else f"{form} ({v.spec.name})"
    if like is None:
        how = f"{name} is {v.title}'s name for actcli's {entry}; shown as {v.title} defines it"
    else:
        how = f"{v.title}'s version of actcli's {entry}"
    return Resolved(v.as_spec(), form, v, how + f" (see 'actcli info {form}' for Keras 3)")


def _describe(spec: Spec, flavour: Any = None) -> list[tuple[str, str]]:
    params = [f"{p.name}: {param_help(p)}" for p in spec.params]
    lines = [
        ("signature", flavour.signature if flavour is not None else spec.signature()),
        ("formula", spec.formula),
        ("derivative", spec.prime_formula),
        ("parameters", "; ".join(params) if params else "none"),
        ("aliases", ", ".join(spec.aliases) or "none"),
        ("kind", "axis-wise (works along axis)" if spec.axiswise else "elementwise"),
        ("kink convention", spec.kink_rule or "none (smooth)"),
        ("description", spec.description),
        ("reference", spec.reference or "none"),
        ("origin", spec.origin),
    ]
    if spec.notes:
        lines.append(("differences" if flavour is not None else "notes", spec.notes))
    return [(k, v) for k, v in lines if v]


def _bind(token: str, like: str | None = None) -> tuple[Resolved, Activated | None, str]:
    """What NAME names, and the bound activation when its parameters are complete (samples)."""
    name, raw = split_spec(token)
    resolved = _resolve(name, like)
    spec = resolved.spec
    missing = [p.name for p in spec.params if p.required and p.name not in raw]
    if missing:
        note = f"give {', '.join(missing)} to see values, e.g. actcli info {name}:" + ",".join(
            f"{m}=1" for m in missing
        )
        return resolved, None, note
    params = spec.bind(raw)
    return resolved, Activated(spec, params, make_label(spec, params)), ""


# Properties and other frameworks ------------------------------------------------------------------


def _num(value: float) -> str:
    if abs(value) < 1e-12:
        return "0"  # quadrature noise of an exact zero (odd functions' Gaussian mean)
    return f"{value:.6g}"


def _property_lines(props: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) lines for the "properties" block (computed, see actcli.properties)."""
    if props["range"] is None:
        return [("not computed", props["note"])]
    kinks = ", ".join(_num(k) for k in props["kinks"])
    lines = [
        ("range", props["range_text"] + "  ([ ] attained, ( ) approached)"),
        ("monotone", props["monotonicity"]),
        ("at 0", f"f(0) = {_num(props['f0'])}, f'(0) = {_num(props['fprime0'])}"),
        ("continuity", props["continuity"] + (f", kinks at x = {kinks}" if kinks else "")),
        ("symmetry", props["symmetry"] or "none"),
    ]
    if math.isfinite(props["gaussian_mean"]):
        lines.append(
            (
                "for z ~ N(0, 1)",
                f"E f(z) = {_num(props['gaussian_mean'])}, "
                f"Var f(z) = {_num(props['gaussian_var'])}",
            )
        )
    if props["self_normalizing"]:
        lines.append(
            ("self-normalizing", "yes: mean 0, variance 1 is an attracting fixed point (SELU)")
        )
    return lines


def _limits(spec: Spec, act: Activated | None) -> dict[str, str] | None:
    """Per dtype, where f saturates, underflows or becomes x (actcli.dtype_limits); None for
    axis-wise functions and unbound required parameters."""
    if act is None or spec.axiswise:
        return None
    from actcli.dtype_limits import all_limits  # lazy: start-up time

    return all_limits(spec, act.params)


def _framework_lines(form: str) -> list[tuple[int, str, str]]:
    """(indent, label, text) lines of the "in other frameworks" block."""
    from actcli import frameworks  # lazy: start-up time

    lines: list[tuple[int, str, str]] = []
    for row in frameworks.facts(form):
        if not row["available"]:
            lines.append((1, row["title"], row["differences"]))
            continue
        lines.append((1, row["title"], row["signature"]))
        for label, key in (
            ("differences", "differences"),
            ("derivative at kinks", "derivative_at_kinks"),
            ("known problems", "bugs"),
            ("source", "source"),
        ):
            if row[key]:
                lines.append((2, label, row[key]))
    return lines


def _json_safe(value: Any) -> Any:
    """inf and NaN as strings (JSON has no such numbers), tuples as lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [_json_safe(v) for v in value]
    return value


@click.command("info", context_settings=CONTEXT_SETTINGS, short_help="Describe one activation.")
@click.argument("name", metavar="NAME[:param=value,...]", shell_complete=complete_activation)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="text (default) or json.",
)
@like_option
def info_cmd(name: str, fmt: str, like: str | None) -> None:
    """Describe one activation: formula, parameters, derivative, kink convention, reference,
    origin, computed properties (range, monotonicity, continuity, kinks, symmetry, ...), how
    tf.keras, PyTorch and JAX define it, and a few values (with the parameters given as
    NAME:param=value,...). NAME may be a framework's name (hardswish, nn.Softplus,
    torch.softplus).

    \b
    Examples:
      actcli info gelu
      actcli info elu:alpha=0.5
      actcli info hardswish
      actcli info gelu --like jax
      actcli info softmax --format json
    """
    from actcli.properties import properties  # lazy: start-up time

    resolved, act, note = _bind(name, like)
    spec = resolved.spec
    samples = _samples(act) if act is not None else None
    props = properties(spec, act.params if act is not None else None)
    limits = _limits(spec, act)
    if fmt == "json":
        from actcli import frameworks  # lazy: start-up time
        from actcli.cli.list_cmd import spec_record

        record: dict[str, Any] = {
            **spec_record(spec),
            "description": spec.description,
            "kink_rule": spec.kink_rule,
            "reference": spec.reference,
            "notes": spec.notes,
            "entry": resolved.form,
            "framework": resolved.flavour.framework if resolved.flavour is not None else "keras",
            "properties": {k: _json_safe(v) for k, v in props.items()},
            "limits": limits,
            "frameworks": frameworks.facts(resolved.form),
            "samples": samples and {"label": act.label, **samples},  # type: ignore[union-attr]
        }
        text = json.dumps(
            record,
            ensure_ascii=False,
            indent=2,
            default=lambda v: v.tolist() if isinstance(v, np.ndarray) else str(v),
        )
        with io.atomic_output("-", binary=False) as stream:
            stream.write(text + "\n")
        return
    sections = _describe(spec, resolved.flavour)
    if resolved.how:
        sections.insert(0, ("flavour", resolved.how))
    blocks: list[tuple[int, str, str]] = [(0, "properties", "")]
    blocks += [(1, label, text) for label, text in _property_lines(props)]
    if limits:
        blocks.append((0, "in each float format (where the rounded value stops changing)", ""))
        blocks += [(1, dtype, text) for dtype, text in limits.items()]
    blocks += [(0, "in other frameworks", ""), *_framework_lines(resolved.form)]
    rows = []
    if samples is not None:
        label = act.label  # type: ignore[union-attr]
        names = ["x", label, label.replace(spec.name, spec.name + "'", 1)]
        if len(samples["y"]) != len(samples["x"]):  # glu halves the vector
            sections.append(("values", f"{label}({samples['x']}) = {samples['y']}"))
            names, samples = [], None
        else:
            rows = [io.format_floats(np.asarray(samples[k])) for k in ("x", "y", "dy")]
    else:
        sections.append(("values", note))
    to_tty = io.is_tty(sys.stdout)
    with io.atomic_output("-", binary=False) as stream:
        if to_tty:
            from actcli.io.table import render_rows
            from actcli.io.terminal import render_sections

            color = io.color_wanted(stream)
            render_sections(spec.name, sections, stream, color=color)
            _render_blocks(blocks, stream, color=color)
            if rows:
                stream.write("\n")
                render_rows(names, list(zip(*rows, strict=True)), [False] * 3, stream, color=color)
        else:
            stream.write(spec.name + "\n")
            stream.writelines(f"{k}: {v}\n" for k, v in sections)
            stream.writelines(_plain_block(*line) for line in blocks)
            if rows:
                stream.write("\n" + _plain_table(names, rows))


def _plain_block(indent: int, label: str, text: str) -> str:
    """``  label: text``; a heading (no text) after a blank line."""
    if not text:
        return f"\n{label}:\n"
    return "  " * indent + f"{label}: {text}\n"


def _render_blocks(blocks: list[tuple[int, str, str]], stream: Any, *, color: bool) -> None:
    """The properties and frameworks blocks on a terminal: bold labels, wrapped and indented."""
    from rich.padding import Padding  # lazy: start-up time
    from rich.text import Text

    from actcli.io.terminal import make_console

    console = make_console(stream, color=color)
    for indent, label, text in blocks:
        if not text:
            console.print()
            console.print(Text(f"{label}:", style="bold" if color else ""))
            continue
        line = Text()
        line.append(f"{label}: ", style="bold" if color else "")
        line.append(text)
        console.print(Padding(line, (0, 0, 0, 2 * indent), expand=False))


def _plain_table(names: list[str], columns: list[list[str]]) -> str:
    """Right-aligned columns separated by two spaces (no rich when piped)."""
    widths = [max(len(n), *map(len, col)) for n, col in zip(names, columns, strict=True)]
    lines = [names, *zip(*columns, strict=True)]
    return "".join(
        "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)) + "\n" for cells in lines
    )
