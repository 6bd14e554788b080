"""pytest plugin: ``keras.src.activations`` replaced by actcli, so Keras 3's own
keras/src/activations/activations_test.py runs against actcli (scripts/conformance.py
--keras-tests loads it with ``-p actcli_keras_shim``).

Every Keras activation name becomes ``actcli.get(name)`` (the same object each call, as Keras's
``get`` returns the function itself), ``get`` is ``actcli.get`` and ``serialize`` /
``deserialize`` go through actcli's registry. Nothing of Keras's own activation code is used.
"""

from __future__ import annotations

import sys
import types

import actcli


def _shim() -> types.ModuleType:
    mod = types.ModuleType("keras.src.activations")
    mod.__doc__ = "keras.src.activations, served by actcli"
    for spec_name in actcli.names():
        spec = actcli.spec(spec_name)
        for name in (spec.name, *spec.aliases):
            if name.isidentifier():
                setattr(mod, name, actcli.get(name))
    mod.get = actcli.get
    mod.serialize = actcli.serialize
    mod.deserialize = actcli.get
    return mod


def pytest_configure(config):
    import keras.src

    shim = _shim()
    sys.modules["keras.src.activations"] = shim
    keras.src.activations = shim


def pytest_collection_modifyitems(session, config, items):
    """Fails the run unless every collected test module really uses the shim."""
    import pytest

    for item in items:
        used = getattr(item.module, "activations", None)
        if used is not sys.modules["keras.src.activations"] or not hasattr(used, "__doc__"):
            raise pytest.UsageError(f"{item.nodeid} does not use actcli's activations")
        if "actcli" not in (used.__doc__ or ""):
            raise pytest.UsageError(f"{item.nodeid}: keras.src.activations is not the shim")
