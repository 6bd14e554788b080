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
sys.path.insert(0, str(ROOT / "scripts"))

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


# Tour commands shown as run in an 80-column terminal (a pseudo-terminal), not through a pipe.
TERMINAL_PREFIX = "[tty] "


# The README tour: (what it shows, shell command run in a copy of examples/); outputs are real.
# No command may write a file that examples/ tracks (a reader runs them in examples/).
TOUR = [
    (
        "Evaluate at a few values (a table on a terminal; `--format table` forces it):",
        "actcli eval relu --alpha 0.5 --format table -- -10 -5 0 5 10",
    ),
    (
        "Piped, the default is CSV; several activations side by side, with derivatives:",
        "actcli eval relu gelu silu --linspace -3 3 7 | head -4",
    ),
    ("", "actcli eval gelu -d --range -1:1:0.5"),
    (
        "A CSV column through a function; every input column is kept:",
        "printf 'name,logit\\na,1.5\\nb,-2\\n' | actcli eval sigmoid --column logit",
    ),
    (
        "Missing cells (empty, `NA`, `null`, ...) keep their row with an empty result "
        "(`--missing skip` drops the row, `--missing error` refuses it):",
        "printf 'id,x\\na,1\\nb,NA\\nc,-2\\n' | actcli eval relu",
    ),
    (
        "A table wider than the terminal comes in blocks of columns, each repeating x; "
        "nothing is cut (to a file or pipe, `-f table` has no width limit):",
        TERMINAL_PREFIX
        + "actcli eval squareplus softsign hard_silu sparse_plus -d --linspace -2 2 5",
    ),
    (
        "Rows of a CSV as vectors for an axis-wise function, and a full Jacobian:",
        "actcli eval softmax -i logits.csv --precision 6",
    ),
    ("", "actcli eval softmax --jacobian -- 0 0"),
    (
        "Parameters per activation (`NAME:param=value`); JSON, JSONL, TSV and NPY out too:",
        "actcli eval leaky_relu:negative_slope=0.1 elu:alpha=2 --format json -- -1 1",
    ),
    (
        "JSON keeps the cells it passes through as they were (text stays text, integers stay "
        'integers); a missing result is `null`, NaN and ±inf are `"NaN"`, `"Infinity"`, '
        '`"-Infinity"`:',
        "printf 'id,x\\n007,1\\n008,NA\\n' | actcli eval sigmoid -c x -f json",
    ),
    (
        "Porting: a function as another framework defines it, and where the frameworks differ:",
        "actcli eval gelu --like jax -- 1",
    ),
    (
        "The same name, three defaults, told apart in the headers; and a Keras backend's own "
        "derivative at a kink:",
        "actcli eval nn.LeakyReLU LeakyReLU leaky_relu -- -1",
    ),
    ("", "actcli eval leaky_relu -d --like keras/jax -- 0"),
    ("", "actcli diff gelu --linspace -3 3 61 | cut -d, -f1-4,9"),
    ("Everything about one activation:", "actcli info hard_swish"),
    (
        "Grade your kernel: every bfloat16 input, your kernel's outputs, and each one's error in "
        "ULP against the exact value; `--max-ulp` makes it a CI gate (exit 1; see "
        "[docs/check.md](docs/check.md)). `hard_silu_bf16.py` is a naive kernel, "
        "x * (x + 3) / 6 in bfloat16:",
        "actcli check hard_silu --exhaustive --dtype bfloat16 --save-inputs x.npy",
    ),
    ("", "python3 hard_silu_bf16.py x.npy y.npy"),
    (
        "",
        "actcli check hard_silu --exhaustive --dtype bfloat16 --values y.npy --worst 3 "
        '--max-ulp 1; echo "exit $?"',
    ),
    ("Every activation, for scripts:", "actcli list --names | head -5"),
    (
        "Plots: a PNG (or SVG/PDF) of the function and its derivative, or a terminal plot:",
        "actcli plot gelu silu -o gelu-silu.png && ls gelu-silu.png",
    ),
    ("", "NO_COLOR=1 actcli plot sigmoid --term --width 50 --height 10"),
    (
        "Bad input gets one line on stderr and a non-zero exit code:",
        'actcli eval gelo -- 1; echo "exit $?"',
    ),
    ("", "printf 'x\\n1\\nabc\\n' | actcli eval relu; echo \"exit $?\""),
]


def _run_in_terminal(command: str, cwd: str, env: dict[str, str]) -> str:
    """Output of ``command`` with stdout and stderr on an 80 x 40 pseudo-terminal."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 0, 0))
    env = {k: v for k, v in env.items() if k != "COLUMNS"}
    process = subprocess.Popen(
        command, shell=True, cwd=cwd, env=env, stdout=follower, stderr=follower
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not data:
            break
        chunks.append(data)
    process.wait()
    os.close(leader)
    return b"".join(chunks).decode().replace("\r\n", "\n")


def tour() -> str:
    import os
    import subprocess
    import tempfile

    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    blocks = []
    with tempfile.TemporaryDirectory() as tmp:
        for src in (ROOT / "examples").iterdir():
            if src.suffix in (".csv", ".py"):
                (Path(tmp) / src.name).write_bytes(src.read_bytes())
        for text, command in TOUR:
            if command.startswith(TERMINAL_PREFIX):
                command = command.removeprefix(TERMINAL_PREFIX)
                out = _run_in_terminal(command, tmp, env).rstrip()
            else:
                run = subprocess.run(
                    command,
                    shell=True,
                    cwd=tmp,
                    env=env,
                    text=True,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
                out = run.stdout.rstrip()
            out = f"$ {command}\n{out}" if out else f"$ {command}"
            if text:
                blocks.append(text + "\n")
            blocks.append(f"```console\n{out}\n```\n")
    return "\n".join(blocks).rstrip()


def docs_block(name: str, block: str) -> str:
    """The block between ``<!-- BEGIN block -->`` and ``<!-- END block -->`` in docs/NAME.md
    (the script that writes that file writes the block: a summary for the README)."""
    path = ROOT / "docs" / f"{name}.md"
    text = path.read_text() if path.exists() else ""
    found = re.search(rf"<!-- BEGIN {block} -->\n(.*?)<!-- END {block} -->", text, re.DOTALL)
    return found.group(1).strip() if found else f"(docs/{name}.md has no {block} block yet)"


def _ulp_cell(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text) or "nan")


def ulp_summary() -> str:
    """The worst value and derivative errors over docs/ulp.md's table, one line per dtype."""
    rows = []
    for line in (ROOT / "docs" / "ulp.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and cells[0].startswith("`"):
            rows.append((cells[0].strip("`"), [_ulp_cell(c) for c in cells[2:6]], "†" in line))
    if not rows:
        return "(docs/ulp.md has no table yet)"
    lines = [f"Worst error over all {len(rows)} functions and their settings (ULP):", ""]
    lines += ["| | value | derivative |", "|---|---:|---:|"]
    for dtype, first in (("float64", 0), ("float32", 2)):
        cells = []
        for k in (first, first + 1):
            worst = max(values[k] for _, values, _ in rows)
            names = [name for name, values, _ in rows if values[k] == worst]
            where = f"`{names[0]}`" if len(names) == 1 else f"{len(names)} functions"
            cells.append(f"{worst:.2f} ({where})")
        lines.append(f"| {dtype} | {cells[0]} | {cells[1]} |")
    dagger = sorted(name for name, _, marked in rows if marked)
    if dagger:
        lines += [
            "",
            f"The derivatives of {', '.join(f'`{n}`' for n in dagger)} are sums of opposite-signed "
            "terms near their zero; there the bar is 4 ULP of the largest term (counted as 4).",
        ]
    return "\n".join(lines)


SECTIONS = {
    "activations": activations_table,
    "tour": tour,
    "ulp-summary": ulp_summary,
    "porting-summary": lambda: docs_block("porting", "flavours"),
    "bench-summary": lambda: docs_block("bench", "summary"),
}


def render(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(<!-- END {name} -->)", re.DOTALL)
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def stale_sections(old: str, new: str) -> list[str]:
    """The sections that differ; the Tour's numbers may differ within the accuracy bar (the
    last bits of NumPy's exp, log and tanh depend on the CPU: see scripts/same_numbers.py)."""
    from same_numbers import first_difference, same_numbers

    stale = []
    for name in SECTIONS:
        pattern = re.compile(rf"<!-- BEGIN {name} -->\n(.*?)<!-- END {name} -->", re.DOTALL)
        a, b = pattern.search(old), pattern.search(new)
        if a is None or b is None:
            if (a is None) != (b is None):
                stale.append(f"{name}: section missing")
            continue
        if a.group(1) == b.group(1):
            continue
        if name == "tour" and same_numbers(a.group(1), b.group(1)):
            continue
        stale.append(f"{name}: {first_difference(a.group(1), b.group(1))}")
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args()
    readme = ROOT / "README.md"
    old = readme.read_text()
    new = render(old)
    if args.check:
        stale = stale_sections(old, new)
        if stale:
            print("README.md is stale: run python3 scripts/gen_readme.py", file=sys.stderr)
            for line in stale:
                print(f"  {line}", file=sys.stderr)
            return 1
        return 0
    readme.write_text(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
