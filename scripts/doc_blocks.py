"""Marked blocks in a Markdown page that a script owns: ``<!-- BEGIN name -->`` ...
``<!-- END name -->``. The scripts that measure something (exhaustive_f32.py, f32_margin.py)
rewrite their own block and leave the rest of the page as it is."""

from __future__ import annotations

from pathlib import Path


def put_block(doc: Path, name: str, lines: list[str]) -> None:
    """Replaces the block ``name`` in doc with its markers around lines (appended if absent)."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = "\n".join([begin, *lines, end])
    text = doc.read_text() if doc.exists() else ""
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text)
