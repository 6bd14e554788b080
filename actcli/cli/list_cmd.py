"""``actcli list``: every activation, generated from the registry."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from actcli import io
from actcli.cli.common import output_options, show_value
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


@click.command("list", short_help="List every activation.")
@click.option("--names", "names_only", is_flag=True, help="Only the names, one per line.")
@output_options(LIST_FORMATS)
def list_cmd(names_only: bool, fmt: str | None, output: str) -> None:
    """List every activation: name, aliases, parameters with defaults, formula.

    \b
    Examples:
      actcli list
      actcli list --names
      actcli list --format json
    """
    specs = list(REGISTRY.specs.values())
    if names_only:
        if fmt is not None:
            raise click.UsageError("give --names or --format, not both")
        with io.atomic_output(output, binary=False) as stream:
            stream.writelines(f"{s.name}\n" for s in specs)
        return
    chosen = io.output_format_for(fmt, output, stdout_is_tty=_stdout_is_tty(output))
    if chosen == "npy":
        raise click.UsageError("list writes text: table, csv, tsv, json or jsonl")
    if chosen in ("json", "jsonl"):
        records = [json.dumps(spec_record(s), ensure_ascii=False) for s in specs]
        with io.atomic_output(output, binary=False) as stream:
            if chosen == "jsonl":
                stream.writelines(r + "\n" for r in records)
            else:
                stream.write("[\n  " + ",\n  ".join(records) + "\n]\n")
        return
    names = ["name", "aliases", "parameters", "formula"]
    rows = [[s.name, " ".join(s.aliases), params_text(s), s.formula] for s in specs]
    if chosen == "table":
        from actcli.table import render_records

        to_tty = _stdout_is_tty(output)
        with io.atomic_output(output, binary=False) as stream:
            render_records(
                names,
                rows,
                stream,
                color=to_tty and io.color_wanted(stream),
                width=None if to_tty else 200,
                wrap=("aliases", "parameters", "formula"),
            )
        return
    columns = [io.Column(n, [r[j] for r in rows]) for j, n in enumerate(names)]
    io.write_output(io.OutputTable(columns), fmt=chosen, output=output)


def _stdout_is_tty(output: str) -> bool:
    return output in (None, "-") and io.is_tty(sys.stdout)
