"""``actcli list``: every activation, generated from the registry (``--properties``: with the
properties ``actcli.properties`` computes from each one's kernels)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from typing import Any

import click

from actcli import io
from actcli.cli.common import output_options, show_value
from actcli.dtypes import FLOAT_DTYPES
from actcli.registry import REGISTRY, Spec

LIST_FORMATS = ("table", "csv", "tsv", "json", "jsonl")


def params_text(spec: Spec) -> str:
    """``negative_slope=0.0 max_value=None threshold=0.0`` (required ones without a default)."""
    return " ".join(
        p.name if p.required else f"{p.name}={show_value(p.default)}" for p in spec.params
    )


def spec_record(spec: Spec) -> dict[str, Any]:
    """Everything ``list --format json`` says about one activation."""
    return {
        "name": spec.name,
        "aliases": list(spec.aliases),
        "params": [
            {
                "name": p.name,
                "type": p.type,
                "required": p.required,
                "default": None if p.required else p.default,
                "rule": p.rule,
                "help": p.help,
                "old_names": list(p.old_names),
            }
            for p in spec.params
        ],
        "axiswise": spec.axiswise,
        "formula": spec.formula,
        "derivative": spec.prime_formula,
        "origin": spec.origin,
    }


# list --properties: (column, key of actcli.properties.properties, how a value is shown)
PROPERTY_COLUMNS = (
    ("range", "range_text"),
    ("monotone", "monotonicity"),
    ("f(0)", "f0"),
    ("f'(0)", "fprime0"),
    ("continuity", "continuity"),
    ("kinks", "kinks"),
    ("symmetry", "symmetry"),
    ("self-norm.", "self_normalizing"),
)


def _cell(value: Any) -> str:
    """A property as a table cell: numbers short, tuples space-separated, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, tuple):
        return " ".join(_cell(v) for v in value)
    return str(value)


def _short_note(note: str) -> str:
    """Why a row has no properties: "axis-wise" or "needs threshold, default_value"."""
    if note.startswith("axis-wise"):
        return "axis-wise"
    marker = "required parameters "
    return "needs " + note.split(marker, 1)[1] if marker in note else note


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no inf or NaN
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    return value


def _properties(specs: list[Spec]) -> list[dict[str, Any]]:
    from actcli.properties import properties  # lazy: start-up time

    return [properties(s) for s in specs]


@click.command("list", short_help="List every activation.")
@click.option("--names", "names_only", is_flag=True, help="Only the names, one per line.")
@click.option(
    "--properties",
    "with_properties",
    is_flag=True,
    help="Add computed properties: range ([ ] attained, ( ) approached), monotonicity, f(0), "
    "f'(0), continuity class, kinks, symmetry, self-normalizing (defaults of each function).",
)
@click.option(
    "--dtype",
    "limit_dtypes",
    multiple=True,
    type=click.Choice(FLOAT_DTYPES),
    metavar="DTYPE",
    help="With --properties: also where each function saturates, underflows to 0 or becomes x "
    "in DTYPE (repeatable): " + ", ".join(FLOAT_DTYPES) + ".",
)
@output_options(LIST_FORMATS)
def list_cmd(
    names_only: bool,
    with_properties: bool,
    limit_dtypes: tuple[str, ...],
    fmt: str | None,
    output: str,
) -> None:
    """List every activation: name, aliases, parameters with defaults, formula.

    \b
    Examples:
      actcli list
      actcli list --names
      actcli list --properties
      actcli list --properties --dtype bfloat16 --dtype float8_e4m3fn
      actcli list --format json
    """
    specs = list(REGISTRY.specs.values())
    if names_only:
        if fmt is not None:
            raise click.UsageError("give --names or --format, not both")
        if with_properties:
            raise click.UsageError("give --names or --properties, not both")
        with io.atomic_output(output, binary=False) as stream:
            stream.writelines(f"{s.name}\n" for s in specs)
        return
    chosen = io.output_format_for(fmt, output, stdout_is_tty=_stdout_is_tty(output))
    if chosen == "npy":
        raise click.UsageError("list writes text: table, csv, tsv, json or jsonl")
    if limit_dtypes and not with_properties:
        raise click.UsageError("--dtype adds to --properties: give both")
    props = _properties(specs) if with_properties else None
    if props is not None and limit_dtypes:
        from actcli.dtype_limits import limits_text  # lazy: start-up time

        for spec, p in zip(specs, props, strict=True):
            usable = not spec.axiswise and not any(q.required for q in spec.params)
            p["limits"] = {d: limits_text(spec, None, d) if usable else "" for d in limit_dtypes}
    if chosen in ("json", "jsonl"):
        records = [
            json.dumps(
                {**spec_record(s), **({"properties": _json_record(props[i])} if props else {})},
                ensure_ascii=False,
            )
            for i, s in enumerate(specs)
        ]
        with io.atomic_output(output, binary=False) as stream:
            if chosen == "jsonl":
                stream.writelines(r + "\n" for r in records)
            else:
                stream.write("[\n  " + ",\n  ".join(records) + "\n]\n")
        return
    names = ["name", "aliases", "parameters", "formula"]
    rows = [[s.name, " ".join(s.aliases), params_text(s), s.formula] for s in specs]
    limit_names = [f"in {d}" for d in limit_dtypes]
    if props is not None:
        # The property columns follow the name; formulas and aliases stay at the end.
        names = ["name", *(c for c, _ in PROPERTY_COLUMNS), *limit_names, "note", *names[1:]]
        rows = [
            [
                r[0],
                *(_cell(p[k]) for _, k in PROPERTY_COLUMNS),
                *(p["limits"][d] for d in limit_dtypes),
                p["note"],
                *r[1:],
            ]
            for r, p in zip(rows, props, strict=True)
        ]
    if chosen == "table":
        from actcli.io.terminal import render_records

        if props is not None:
            # A terminal cannot hold properties and formulas side by side (csv and json have
            # both): name, properties and a short note.
            keep = len(PROPERTY_COLUMNS) + len(limit_dtypes) + 1
            names = [*names[:keep], "note"]
            rows = [[*r[:keep], _short_note(p["note"])] for r, p in zip(rows, props, strict=True)]
        to_tty = _stdout_is_tty(output)
        with io.atomic_output(output, binary=False) as stream:
            render_records(
                names,
                rows,
                stream,
                color=to_tty and io.color_wanted(stream),
                # To a file or pipe, no width limit: as wide as the widest cells need.
                width=None if to_tty else _natural_width(names, rows),
                wrap=("aliases", "parameters", "formula", "symmetry", "note", *limit_names),
            )
        return
    columns = [io.Column(n, [r[j] for r in rows]) for j, n in enumerate(names)]
    io.write_output(io.OutputTable(columns), fmt=chosen, output=output)


def _json_record(props: dict[str, Any]) -> dict[str, Any]:
    return {k: _json_value(v) for k, v in props.items() if k != "name"}


def _stdout_is_tty(output: str) -> bool:
    return output in (None, "-") and io.is_tty(sys.stdout)


def _natural_width(names: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """The width of a table whose cells never wrap (three characters between columns)."""
    widths = [max(len(n), *(len(r[j]) for r in rows)) for j, n in enumerate(names)]
    return sum(widths) + 3 * len(widths)
