"""Regenerates the generated sections of README.md from the registry (and saved reports).

Each section sits between `<!-- BEGIN name -->` and `<!-- END name -->`; run
`python3 scripts/gen_readme.py` after changing a spec, or `--check` to fail when README is stale
(tests/test_readme.py does that).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actcli.registry import REGISTRY  # noqa: E402


def _params(spec) -> str:
    if not spec.params:
        return "—"
    parts = []
    for p in spec.params:
        text = p.name if p.required else f"{p.name}={p.default!r}"
        if p.rule:
            text += f" ({p.rule.split(' ', 1)[1]})"
        parts.append(text)
    return ", ".join(parts)


def activations_table() -> str:
    rows = [
        "| name | aliases | parameters | formula | f'(x) at kinks | origin |",
        "|---|---|---|---|---|---|",
    ]
    for spec in REGISTRY.specs.values():
        aliases = ", ".join(spec.aliases) or "—"
        formula = spec.formula.replace("|", "\\|")
        kink = (spec.kink_rule or "smooth").replace("|", "\\|")
        origin = spec.origin.split(" (")[0]
        rows.append(
            f"| `{spec.name}` | {aliases} | {_params(spec)} | {formula} | {kink} | {origin} |"
        )
    return "\n".join(rows)


def saved(name: str) -> str:
    path = ROOT / "docs" / f"{name}.md"
    return path.read_text().strip() if path.exists() else "(not generated yet)"


SECTIONS = {
    "activations": activations_table,
    "ulp": lambda: saved("ulp"),
    "bad-input": lambda: saved("bad-input"),
    "porting": lambda: saved("porting"),
    "bench": lambda: saved("bench"),
}


def render(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(
            rf"(<!-- BEGIN {name} -->\n).*?(<!-- END {name} -->)", re.DOTALL
        )
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args()
    readme = ROOT / "README.md"
    old = readme.read_text()
    new = render(old)
    if args.check:
        if new != old:
            print("README.md is stale: run python3 scripts/gen_readme.py", file=sys.stderr)
            return 1
        return 0
    readme.write_text(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
