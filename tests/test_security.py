"""Hostile input never runs code, imports modules or opens files it names.

* ``.npy`` is always loaded with pickles refused: an object array whose unpickling would run a
  command is refused before anything is unpickled (a canary file proves nothing ran), and every
  ``np.load`` in the package passes ``allow_pickle=False`` (checked in the source and at run time).
* A Keras config dict (as it arrives from JSON) is resolved through the registry only: no module
  is imported, nothing outside the registry is called, whatever ``module``, ``class_name``,
  ``registered_name`` or ``config`` say.
* No user text reaches eval/exec/compile, pickle, a shell or an import: the package source is
  checked (``ast``), and a run with ``eval``/``exec``/``pickle`` booby-trapped stays clean.
* Cells of a CSV are data: names of files, options or shell commands in them are never opened or
  run (every ``open`` during a run is recorded).
"""

from __future__ import annotations

import ast
import builtins
import importlib
import io
import json
import os
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
from bad_inputs import npy, npy_header_only
from click.testing import CliRunner

import actcli
from actcli.cli import cli

PACKAGE = Path(actcli.__file__).resolve().parent
SOURCES = sorted(PACKAGE.rglob("*.py"))


def invoke(argv, stdin=None, cwd=None):
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, argv, input=stdin)
    finally:
        os.chdir(old)


# ---------------------------------------------------------------------------------------------
# .npy: pickles refused


class Canary:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def _booby_trapped_npy(canary: Path, dtype=object) -> bytes:
    array = np.empty(2, dtype=dtype)
    if dtype is object:
        array[0] = Canary(str(canary))
    else:
        array[0] = (Canary(str(canary)), 1.0)
    data = npy(array, allow_pickle=True)
    assert not canary.exists()
    np.load(io.BytesIO(data), allow_pickle=True)  # the trap works: loading it runs code
    assert canary.exists()
    canary.unlink()
    return data


@pytest.mark.parametrize(
    "dtype", [object, np.dtype([("o", object), ("f", "<f8")])], ids=["object", "struct"]
)
@pytest.mark.parametrize("how", ["file", "stdin", "forced-format"])
def test_pickled_npy_is_refused_and_never_unpickled(dtype, how, tmp_path):
    canary = tmp_path / "PWNED"
    data = _booby_trapped_npy(canary, dtype)
    (tmp_path / "evil.npy").write_bytes(data)
    argv, stdin = {
        "file": (["eval", "relu", "-i", "evil.npy"], None),
        "stdin": (["eval", "relu"], data),
        "forced-format": (["eval", "relu", "--input-format", "npy", "-i", "-"], data),
    }[how]
    result = invoke(argv, stdin, cwd=tmp_path)
    assert result.exit_code == 1 and result.stdout == ""
    assert "refused: loading them would unpickle" in result.stderr
    assert not canary.exists(), "the pickle ran"


def test_every_np_load_in_the_package_refuses_pickles():
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and _dotted(node.func) in ("np.load", "numpy.load"):
                keywords = {k.arg: k.value for k in node.keywords}
                value = keywords.get("allow_pickle")
                assert isinstance(value, ast.Constant) and value.value is False, (
                    f"{path.name}:{node.lineno}: np.load without allow_pickle=False"
                )


def test_no_load_at_run_time_ever_allows_pickles(tmp_path, monkeypatch):
    calls = []
    real_load = np.load

    def checked_load(*args, **kwargs):
        calls.append(kwargs.get("allow_pickle"))
        return real_load(*args, **kwargs)

    def no_unpickling(*args, **kwargs):
        raise AssertionError("something was unpickled")

    monkeypatch.setattr(np, "load", checked_load)
    monkeypatch.setattr(pickle, "load", no_unpickling)
    monkeypatch.setattr(pickle, "loads", no_unpickling)
    monkeypatch.setattr(pickle, "Unpickler", no_unpickling)
    arrays = [np.arange(3.0), np.arange(6, dtype=np.int8).reshape(2, 3), np.array([True])]
    for i, array in enumerate(arrays):
        (tmp_path / f"{i}.npy").write_bytes(npy(array))
        for argv, stdin in (
            (["eval", "relu", "-i", f"{i}.npy"], None),
            (["eval", "relu"], npy(array)),
        ):
            result = invoke(argv, stdin, cwd=tmp_path)
            assert result.exit_code == 0, result.stderr
    assert all(flag is False for flag in calls), calls


def test_npy_header_is_parsed_as_a_literal_never_evaluated(tmp_path):
    canary = tmp_path / "PWNED"
    header = f"{{'descr': __import__('pathlib').Path({str(canary)!r}).touch(), }}".encode()
    result = invoke(["eval", "relu"], npy_header_only(header) + b"\0" * 16)
    assert result.exit_code == 1 and "is not a readable .npy file" in result.stderr
    assert not canary.exists()


# ---------------------------------------------------------------------------------------------
# Keras config dicts: the registry only


HOSTILE_CONFIGS = [
    {"class_name": "function", "config": "os.system"},
    {"class_name": "function", "config": "__import__"},
    {"module": "os", "class_name": "system", "config": {"command": "touch PWNED"}},
    {"module": "builtins", "class_name": "eval", "config": {"source": "1"}},
    {"module": "subprocess", "class_name": "Popen", "registered_name": "Popen", "config": {}},
    {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {"function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}}},
    },
    {"module": "keras.activations", "class_name": "relu.__globals__", "config": {}},
    {"class_name": "__class__", "config": {"__init__": "x"}},
    {
        "class_name": "layers.ReLU",
        "config": {"max_value": {"class_name": "function", "config": "os.system"}},
    },
    {"class_name": "relu", "config": {"negative_slope": "__import__('os')"}},
    {"class_name": "relu", "config": {"negative_slope": [1, 2]}},
    {"class_name": None, "config": None},
    {"config": {"class_name": "relu"}},
    {"class_name": "../../etc/passwd"},
    {"class_name": "os.path:join"},
]


@pytest.mark.parametrize("config", HOSTILE_CONFIGS, ids=lambda c: json.dumps(c)[:40])
def test_hostile_keras_configs_import_nothing_and_call_nothing(config, monkeypatch, tmp_path):
    config = json.loads(json.dumps(config))  # as it arrives from a saved model
    imported = []
    real_import = builtins.__import__

    def watching_import(name, *args, **kwargs):
        imported.append(name)
        return real_import(name, *args, **kwargs)

    def refused(*args, **kwargs):
        raise AssertionError(f"called with {args!r}")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(importlib, "import_module", refused)
    monkeypatch.setattr(builtins, "eval", _text_refused(builtins.eval))
    monkeypatch.setattr(builtins, "exec", _text_refused(builtins.exec))
    monkeypatch.setattr(os, "system", refused)
    before = set(sys.modules)
    builtins.__import__ = watching_import  # only around the call: pytest imports as it reports
    try:
        actcli.get(config)
    except actcli.UsageError:
        refused_cleanly = True
    else:
        refused_cleanly = False
    finally:
        builtins.__import__ = real_import
    assert refused_cleanly
    assert imported == [] and set(sys.modules) == before
    assert os.listdir(tmp_path) == []


def test_good_configs_still_resolve_through_the_registry():
    f = actcli.get(
        {
            "module": "keras.layers",
            "class_name": "LeakyReLU",
            "config": {"negative_slope": 0.5, "name": "x", "trainable": True},
        }
    )
    assert f(np.array([-2.0, 2.0])).tolist() == [-1.0, 2.0]
    assert actcli.get({"class_name": "function", "config": "relu"})(np.array([-1.0])).tolist() == [
        0.0
    ]


def test_registry_source_imports_nothing_by_name():
    text = (PACKAGE / "registry.py").read_text()
    for word in (
        "import_module",
        "__import__",
        "importlib",
        "getattr(sys.modules",
        "eval(",
        "exec(",
    ):
        assert word not in text, word


# ---------------------------------------------------------------------------------------------
# No user text to eval/exec/compile, pickle, a shell, or an import


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + "." + node.attr
    return ""


FORBIDDEN_CALLS = {
    "eval",
    "exec",
    "compile",
    "__import__",
    "pickle.load",
    "pickle.loads",
    "marshal.loads",
    "os.system",
    "os.popen",
    "subprocess.run",
    "subprocess.Popen",
    "subprocess.call",
    "subprocess.check_output",
    "shelve.open",
    "yaml.load",
    "ast.literal_eval",
}
# The one dynamic import: the lazy command group, whose module names come from a fixed table.
ALLOWED = {("cli/__init__.py", "importlib.import_module")}


def test_package_source_never_evaluates_text():
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _dotted(node.func)
                rel = path.relative_to(PACKAGE).as_posix()
                if name in FORBIDDEN_CALLS or (
                    name.endswith("import_module") and (rel, name) not in ALLOWED
                ):
                    found.append(f"{rel}:{node.lineno}: {name}")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                for bad in ("pickle", "marshal", "shelve", "subprocess"):
                    if bad in names:
                        found.append(f"{path.name}:{node.lineno}: import {bad}")
    assert found == []


def test_lazy_import_targets_are_a_fixed_table():
    from actcli.cli import LAZY_COMMANDS

    assert all(t.startswith("actcli.cli.") for t in LAZY_COMMANDS.values())
    result = invoke(["os.path:join", "x"])
    assert result.exit_code == 2 and "No such command" in result.stderr


HOSTILE_TEXT = [
    "__import__('os').system('touch PWNED')",
    "eval('1')",
    "$(touch PWNED)",
    "`touch PWNED`",
    "; touch PWNED",
    "{{7*7}}",
    "%s%s%n",
    "../../../../etc/passwd",
]


def _text_refused(real):
    """eval/exec that refuse text; code objects still run (importing a module execs its code)."""

    def guarded(source, *args, **kwargs):
        if isinstance(source, (str, bytes)):
            raise AssertionError(f"{real.__name__} called on text: {source!r}")
        return real(source, *args, **kwargs)

    return guarded


def _runs(text: str) -> list[tuple[list[str], bytes | None]]:
    return [
        (["eval", text, "--", "1"], None),
        (["eval", "relu", "--alpha", text, "--", "1"], None),
        (["eval", f"relu:negative_slope={text}", "--", "1"], None),
        (["eval", "relu", "--", text], None),
        (["eval", "relu"], f"x\n{text}\n".encode()),
        (["eval", "relu", "-c", text], b"x\n1\n"),
        (["info", text], None),
        (["plot", text, "--term"], None),
    ]


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_hostile_text_anywhere_is_only_text(text, tmp_path, monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("os.system called")

    for argv, stdin in _runs("x") + [(["eval", "relu", "--like", "keras", "--", "1"], None)]:
        invoke(argv, stdin, cwd=tmp_path)  # import every lazy module first: dataclasses exec
    monkeypatch.setattr(builtins, "eval", _text_refused(builtins.eval))
    monkeypatch.setattr(builtins, "exec", _text_refused(builtins.exec))
    monkeypatch.setattr(os, "system", refused)
    for argv, stdin in _runs(text):
        result = invoke(argv, stdin, cwd=tmp_path)
        assert result.exit_code in (1, 2), (argv, result.stderr)
        assert "internal error" not in result.stderr and result.stdout == ""
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# File names inside a CSV are never opened


def test_file_names_in_csv_cells_and_headers_are_never_opened(tmp_path, monkeypatch):
    secret = tmp_path / "secret.npy"
    secret.write_bytes(npy(np.array([42.0])))
    (tmp_path / "other.csv").write_text("x\n7\n")
    cells = [
        str(secret),
        "secret.npy",
        "other.csv",
        "@other.csv",
        "file://" + str(secret),
        "/etc/passwd",
        "-",
        "/dev/stdin",
        "-i",
        "--output=pwned.csv",
    ]
    data = tmp_path / "data.csv"
    data.write_text("x,path,other.csv\n" + "".join(f"{i},{c},{c}\n" for i, c in enumerate(cells)))
    opened = []
    real_open, real_os_open = builtins.open, os.open

    def watching_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def watching_os_open(path, *args, **kwargs):
        opened.append(str(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching_open)
    monkeypatch.setattr(os, "open", watching_os_open)
    for argv in (
        ["eval", "relu", "-i", "data.csv"],
        ["eval", "relu", "-i", "data.csv", "-c", "x", "-f", "json"],
        ["eval", "softmax", "-i", "data.csv", "-o", "result.csv"],
    ):
        opened.clear()
        result = invoke(argv, cwd=tmp_path)
        assert result.exit_code == 0, result.stderr
        names = {Path(p).name for p in opened}
        assert names <= {"data.csv", "result.csv"} | {n for n in names if n.endswith(".tmp")}, (
            opened
        )
        for cell in cells:
            assert cell in result.stdout or argv[-1] == "result.csv"
    assert sorted(os.listdir(tmp_path)) == ["data.csv", "other.csv", "result.csv", "secret.npy"]
