"""``actcli info NAME``: everything the registry says about one activation, and sample values."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
import numpy as np

import actcli
from actcli import io
from actcli.cli.common import (
    CONTEXT_SETTINGS,
    Activated,
    complete_activation,
    make_label,
    param_help,
    split_spec,
)
from actcli.registry import REGISTRY, Spec

# Sample points: small integers, where every activation shows its shape.
SAMPLE_X = (-2.0, -1.0, 0.0, 1.0, 2.0)
SAMPLE_VECTOR = (1.0, 2.0, 3.0, 4.0)  # axis-wise functions: one vector (even length for glu)


def _samples(act: Activated) -> dict[str, list[float]]:
    x = np.array(SAMPLE_VECTOR if act.spec.axiswise else SAMPLE_X)
    y = actcli.get(act.spec.name)(x, **act.params)
    dy = actcli.derivative(act.spec.name)(x, **act.params)
    return {"x": x.tolist(), "y": np.asarray(y).tolist(), "dy": np.asarray(dy).tolist()}


def _describe(spec: Spec) -> list[tuple[str, str]]:
    params = [f"{p.name}: {param_help(p)}" for p in spec.params]
    lines = [
        ("signature", spec.signature()),
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
        lines.append(("notes", spec.notes))
    return [(k, v) for k, v in lines if v]


def _bind(token: str) -> tuple[Spec, Activated | None, str]:
    """The spec, and the bound activation when its parameters are complete (for samples)."""
    name, raw = split_spec(token)
    spec = REGISTRY.lookup(name)
    missing = [p.name for p in spec.params if p.required and p.name not in raw]
    if missing:
        note = f"give {', '.join(missing)} to see values, e.g. actcli info {spec.name}:" + ",".join(
            f"{m}=1" for m in missing
        )
        return spec, None, note
    params = spec.bind(raw)
    return spec, Activated(spec, params, make_label(spec, params)), ""


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
def info_cmd(name: str, fmt: str) -> None:
    """Describe one activation: formula, parameters, derivative, kink convention, reference,
    origin, and a few values (with the parameters given as NAME:param=value,...).

    \b
    Examples:
      actcli info gelu
      actcli info elu:alpha=0.5
      actcli info softmax --format json
    """
    spec, act, note = _bind(name)
    samples = _samples(act) if act is not None else None
    if fmt == "json":
        from actcli.cli.list_cmd import spec_record

        record: dict[str, Any] = {
            **spec_record(spec),
            "description": spec.description,
            "kink_rule": spec.kink_rule,
            "reference": spec.reference,
            "notes": spec.notes,
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
    sections = _describe(spec)
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
            from actcli.table import render_rows, render_sections

            color = io.color_wanted(stream)
            render_sections(spec.name, sections, stream, color=color)
            if rows:
                stream.write("\n")
                render_rows(names, list(zip(*rows, strict=True)), [False] * 3, stream, color=color)
        else:
            stream.write(spec.name + "\n")
            stream.writelines(f"{k}: {v}\n" for k, v in sections)
            if rows:
                stream.write("\n" + _plain_table(names, rows))


def _plain_table(names: list[str], columns: list[list[str]]) -> str:
    """Right-aligned columns separated by two spaces (no rich when piped)."""
    widths = [max(len(n), *map(len, col)) for n, col in zip(names, columns, strict=True)]
    lines = [names, *zip(*columns, strict=True)]
    return "".join(
        "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)) + "\n" for cells in lines
    )
