"""``actcli list`` on a terminal never cuts a word: a table while the words fit, else one block
per activation (issue 11: names like 'approximate=False' were folded mid-word at 80 columns)."""

from __future__ import annotations

import io

import pytest

from actcli.io.terminal import render_records
from actcli.registry import REGISTRY


def _records():
    columns = ["name", "aliases", "parameters", "formula"]
    records = []
    for spec in REGISTRY.specs.values():
        params = " ".join(p.name if p.required else f"{p.name}={p.default!r}" for p in spec.params)
        records.append([spec.name, " ".join(spec.aliases), params, spec.formula])
    return columns, records


@pytest.mark.parametrize("width", [20, 40, 80, 120, 200, 400])
def test_every_word_of_every_cell_is_shown_whole(width):
    columns, records = _records()
    out = io.StringIO()
    render_records(columns, records, out, width=width, wrap=columns[1:])
    shown = out.getvalue().split()
    for record in records:
        for cell in record:
            for word in cell.split():
                assert word in shown, (width, word)
    if width >= 200:
        assert out.getvalue().splitlines()[0].split() == columns  # a table, header first


def test_a_narrow_terminal_gets_one_block_per_record():
    columns, records = _records()
    out = io.StringIO()
    render_records(columns, records, out, width=80, wrap=columns[1:])
    text = out.getvalue()
    assert "\nlayers.ReLU\n  aliases:    keras.layers.ReLU\n" in text
    assert all(len(line) <= 80 for line in text.splitlines() if " " in line.strip())
