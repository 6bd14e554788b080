"""The Variant type and the helpers every framework module builds its table with.

A ``Variant`` is one framework's version of a registry entry: its name and parameter names, its
defaults, its formula where it differs and its derivative at the kinks (what its autograd
returns). ``make`` builds one from a registry spec, by default the spec's kernels under the
framework's parameter names.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actcli.errors import UsageError
from actcli.registry import REGISTRY
from actcli.spec_types import Param, Spec


def float32(value: Any) -> Any:
    """A float parameter as a float32 holds it (arrays too); None and bools as they are."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.ndarray):
        return value.astype(np.float32).astype(np.float64)
    return float(np.float32(value))


def rounding(
    impl: Callable[..., Any],
    names: Sequence[str],
    *,
    always: bool = False,
    when: Callable[[Mapping[str, Any]], bool] | None = None,
):
    """impl with the parameters ``names`` rounded to float32: for float32 (and float16) input,
    where the framework computes in float32 with float32 parameters, or ``always`` (TensorFlow's
    leaky_relu takes its slope as a float32 attribute even for float64 tensors); ``when``, if
    given, says for which parameter values the rounding happens."""
    if not names:
        return impl

    def call(x, *args, **params):
        dtype = getattr(x, "dtype", None)
        if when is not None and not when(params):
            return impl(x, *args, **params)
        if always or dtype in (np.float32, np.float16):
            params = {k: float32(v) if k in names else v for k, v in params.items()}
        return impl(x, *args, **params)

    call.__name__ = getattr(impl, "__name__", "variant")
    call.rounds = tuple(names)  # type: ignore[attr-defined]
    return call


def float_params(params: Sequence[Param]) -> tuple[str, ...]:
    """The names of the float-valued parameters (what a float32 computation rounds)."""
    return tuple(p.name for p in params if p.type in ("float", "optional_float", "float_array"))


def norm(name: str) -> str:
    """The registry's name key: case-insensitive, '-' and '_' alike."""
    return name.strip().casefold().replace("-", "_")


@dataclass(frozen=True)
class Framework:
    """What a framework module says about itself."""

    name: str  # "torch": the flavour's key (--like torch)
    title: str  # "PyTorch"
    prefix: str  # "torch.nn.functional.": how its functions are spelled in signatures
    source: str  # the files the facts come from
    version: str  # the release the flavour was checked against (scripts/conformance.py)
    # Parameter rounding: float32 input meets float32 parameters (the framework computes in the
    # input's dtype).
    float32_input: bool = True


@dataclass(frozen=True, eq=False)  # compared by identity: one object per flavour
class Variant:
    """One framework's version of an activation.

    ``fn(x, **params)`` and ``prime(x, **params)`` take the framework's parameter names with every
    parameter bound (``bind`` fills defaults and checks values); ``variant(x, **params)`` and
    ``variant.derivative(x, **params)`` do both. ``spec`` is the registry entry it is computed
    from; ``as_spec()`` is a Spec with the framework's names, defaults and kernels, ready for
    ``registry.Activation``.
    """

    framework: str
    name: str  # the framework's own spelling: "softshrink", "gelu", "layers.LeakyReLU"
    spec: Spec
    fn: Callable[..., Any]
    prime: Callable[..., Any]
    params: tuple[Param, ...] = ()
    rename: Mapping[str, str] = field(default_factory=dict)  # framework name -> actcli name
    signature: str = ""
    formula: str = ""
    formula_note: str = ""  # how the formula differs from Keras 3's ("" when it does not)
    differences: str = ""  # what bites when porting, for `info`
    kink_rule: str = ""
    kinks: Callable[[Mapping[str, Any]], tuple[float, ...]] = field(default=lambda p: ())
    bugs: str = ""
    source: str = ""
    jacobian: Callable[..., Any] | None = None
    jvp: Callable[..., Any] | None = None
    monotone: bool | None = None
    bounds: tuple[float, float] | None = None
    title: str = ""  # "PyTorch", "Keras 3 (jax backend)"
    rounding_note: str = ""  # parameters rounded to float32 whatever the input's dtype
    version: str = ""  # the release it was checked against
    backend_version: str = ""  # keras/<backend>: the backend release too ("PyTorch 2.14.1")

    @property
    def is_keras(self) -> bool:
        """Keras 3, with or without a backend (``keras``, ``keras/jax``)."""
        return self.framework.partition("/")[0] == "keras"

    @property
    def qualname(self) -> str:
        """``torch.softshrink``, ``keras/jax.leaky_relu``; for Keras 3 the registry name."""
        if self.framework == "keras":
            return self.spec.name
        return f"{self.framework}.{self.spec.name if self.is_keras else self.name}"

    @functools.cached_property
    def _spec(self) -> Spec:
        if self.framework == "keras":
            return self.spec
        return dataclasses.replace(
            self.spec,
            name=self.qualname,
            fn=self.fn,
            prime=self.prime,
            jacobian=self.jacobian if self.spec.axiswise else None,
            jvp=self.jvp if self.spec.axiswise else None,
            params=self.params,
            aliases=(),
            formula=self.formula or self.spec.formula,
            kink_rule=self.kink_rule or self.spec.kink_rule,
            kinks=self.kinks,
            origin=f"{self.signature} ({self.title})",
            monotone=self.spec.monotone if self.monotone is None else self.monotone,
            bounds=self.spec.bounds if self.bounds is None else self.bounds,
            notes=self.differences,
            label_defaults=self._label_defaults(),
        )

    def _label_defaults(self) -> tuple[tuple[str, Any], ...]:
        """The Keras 3 family's defaults under this flavour's parameter names (softshrink's
        lambd against soft_shrink's threshold); framework-only parameters keep their own."""
        keras = {p.name: p.default for p in self.spec.params}
        keras.update(dict(self.spec.label_defaults))
        out = []
        for p in self.params:
            actcli_name = self.rename.get(p.name, p.name)
            if actcli_name not in keras or p.required:
                continue
            try:  # the same meaning in another spelling ('none' for False) is not a difference
                same = p.coerce(self.qualname, p.default) == keras[actcli_name]
            except UsageError:
                same = False
            out.append((p.name, p.default if same else keras[actcli_name]))
        return tuple(out)

    def as_spec(self) -> Spec:
        """A registry-compatible Spec: ``registry.Activation(v.as_spec())`` behaves like ``get``."""
        return self._spec

    def bind(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Checks and completes parameters given in the framework's names (actcli's also work)."""
        return self._spec.bind(params)

    def __call__(self, x: Any, *args: Any, **params: Any) -> Any:
        return self.fn(x, *args, **self.bind(params))

    def derivative(self, x: Any, **params: Any) -> Any:
        return self.prime(x, **self.bind(params))

    def to_actcli(self, bound: Mapping[str, Any]) -> dict[str, Any]:
        """The bound parameters that have an actcli counterpart, under actcli's names."""
        out = {}
        spec_params = {p.name: p for p in self.spec.params}
        for name, value in bound.items():
            target = self.rename.get(name, name)
            if target in spec_params:
                try:
                    out[target] = spec_params[target].coerce(self.spec.name, value)
                except UsageError:  # no actcli counterpart for this value (PyTorch's dim=None)
                    continue
        return out

    def from_actcli(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Maps actcli-named (or framework-named) parameters to this flavour's names; returns
        (mapped, names this flavour does not have)."""
        back = {v: k for k, v in self.rename.items()}
        own = {p.name for p in self.params}
        old = {o: p.name for p in self.params for o in p.old_names}
        mapped, missing = {}, []
        for name, value in params.items():
            target = name if name in own else back.get(name, old.get(name, name))
            if target in own:
                if target in mapped:
                    raise UsageError(f"{self.qualname}: {target} is given twice ({name})")
                mapped[target] = value
            else:
                missing.append(name)
        return mapped, missing


def renamed_params(
    spec: Spec,
    rename: Mapping[str, str],
    defaults: Mapping[str, Any],
    fixed: Mapping[str, Any],
    rules: Mapping[str, str] | None,
) -> tuple[Param, ...]:
    back = {v: k for k, v in rename.items()}
    out = []
    for p in spec.params:
        if p.name in fixed:
            continue
        name = back.get(p.name, p.name)
        rule = p.rule.replace(p.name, name, 1) if p.rule else ""
        if rules is not None and name in rules:
            rule = rules[name]
        old = tuple(o for o in (p.name, *p.old_names) if o != name)
        out.append(
            dataclasses.replace(
                p, name=name, default=defaults.get(name, p.default), rule=rule, old_names=old
            )
        )
    return tuple(out)


def _respell(text: str, rename: Mapping[str, str]) -> str:
    """A formula or kink rule with actcli's parameter names replaced by the framework's."""
    for framework_name, actcli_name in rename.items():
        text = re.sub(rf"\b{re.escape(actcli_name)}\b", framework_name, text)
    return text


def calling(impl: Callable[..., Any], rename: Mapping[str, str], fixed: Mapping[str, Any]):
    """impl called with the framework's parameter names translated to actcli's."""
    if not rename and not fixed:
        return impl

    def call(x, *args, **params):
        kw = {rename.get(k, k): v for k, v in params.items()}
        return impl(x, *args, **fixed, **kw)

    call.__name__ = getattr(impl, "__name__", "variant")
    return call


def _signature(fw: Framework, name: str, params: Sequence[Param], shown: str = "") -> str:
    # Layers are constructors: their signature has no input argument.
    first = [] if name.startswith(("layers.", "nn.")) else ["input" if fw.name == "torch" else "x"]
    if shown:
        return f"{fw.prefix}{name}({', '.join([*first, shown])})"
    parts = first + [p.name if p.required else f"{p.name}={p.default!r}" for p in params]
    return f"{fw.prefix}{name}({', '.join(parts)})"


def make(
    fw: Framework,
    spec_name: str,
    name: str | None = None,
    *,
    rename: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    fixed: Mapping[str, Any] | None = None,
    rules: Mapping[str, str] | None = None,
    params: tuple[Param, ...] | None = None,
    fn: Callable[..., Any] | None = None,
    prime: Callable[..., Any] | None = None,
    jacobian: Callable[..., Any] | None = None,
    jvp: Callable[..., Any] | None = None,
    signature: str = "",
    shown: str = "",
    prefix: str | None = None,
    kinks: Callable[[Mapping[str, Any]], tuple[float, ...]] | None = None,
    prime_rule: Callable[..., Any] | None = None,
    always_float32: Sequence[str] = (),
    always_when: Callable[[Mapping[str, Any]], bool] | None = None,
    **facts: Any,
) -> Variant:
    """A variant of a registry spec; by default the spec's kernels under renamed parameters."""
    spec = REGISTRY.specs[spec_name]
    rename = dict(rename or {})
    fixed = dict(fixed or {})
    if params is None:
        params = renamed_params(spec, rename, defaults or {}, fixed, rules)
    name = name or spec.name
    if not signature:
        signature = _signature(fw, name, params, shown)
        if prefix is not None:
            signature = prefix + signature[len(fw.prefix) :]
    if kinks is None:

        def kinks(p, _spec=spec, _rename=rename, _fixed=fixed):
            merged = {**_fixed, **{_rename.get(k, k): v for k, v in p.items()}}
            return _spec.kinks(merged)

    if rename and fn is None:  # the registry's formula, in the framework's parameter names
        facts.setdefault("formula", _respell(spec.formula, rename))
        facts.setdefault("kink_rule", _respell(spec.kink_rule, rename))
    fn = fn or calling(spec.fn, rename, fixed)
    prime = prime or calling(spec.prime, rename, fixed)
    if prime_rule is not None:
        prime = patched(prime, prime_rule)
    if always_float32:
        facts.setdefault(
            "rounding_note",
            f"{', '.join(always_float32)} rounded to float32, also for float64 input",
        )
        fn = rounding(fn, always_float32, always=True, when=always_when)
        prime = rounding(prime, always_float32, always=True, when=always_when)
    names = float_params(params)
    if fw.float32_input:
        fn, prime = rounding(fn, names), rounding(prime, names)
    return Variant(
        framework=fw.name,
        name=name,
        spec=spec,
        fn=fn,
        prime=prime,
        jacobian=jacobian or (calling(spec.jacobian, rename, fixed) if spec.jacobian else None),
        jvp=jvp or (calling(spec.jvp, rename, fixed) if spec.jvp else None),
        params=params,
        rename=rename,
        signature=signature,
        kinks=kinks,
        source=facts.pop("source", fw.source),
        title=fw.title,
        version=fw.version,
        **facts,
    )


def patched(impl: Callable[..., Any], rule: Callable[..., Any]):
    """impl with the values at its kinks replaced: ``rule(x, **params)`` returns (mask, value)
    pairs, and where a mask holds (exact equality with a kink) the value replaces impl's. Used for
    derivatives, where the framework's autograd picks a value at a kink that actcli does not."""

    def call(x, *args, **params):
        out = impl(x, *args, **params)
        arr = np.asarray(x)
        for mask, value in rule(arr, **params):
            if np.any(mask):
                out = np.where(mask, np.asarray(value, dtype=np.float64), out).astype(
                    np.result_type(out), copy=False
                )
        return out

    call.__name__ = getattr(impl, "__name__", "variant")
    return call


def relu_kinks(*, leaky_at_zero: float | None, at_max: float | None):
    """The kink rule of Keras's relu (keras/src/activations/activations.py ReLU.static_call) under
    an autograd: with a slope, no threshold and no max_value it is the backend's leaky_relu
    (``leaky_at_zero``: its derivative at 0, None for the slope); otherwise x * (x > threshold) and
    relu(threshold - x), whose derivatives are 0 at the threshold; max_value clips (``at_max``:
    the clip's derivative at max_value, None for 0), except max_value = 6 with threshold 0, which
    is relu6 (0 at 6)."""

    def rule(x, **p):
        max_value, threshold = p.get("max_value"), p.get("threshold", 0.0)
        out = []
        if leaky_path(p):
            if leaky_at_zero is not None:
                out.append((x == 0, leaky_at_zero))
        else:
            out.append((x == threshold, 0.0))
        if max_value is not None and at_max is not None and not (max_value == 6 and threshold == 0):
            out.append((x == max_value, at_max))
        return out

    return rule


def at_points(points: Sequence[float], value: float):
    """A kink rule: ``value`` at each of ``points``."""

    def rule(x, **_):
        return [(x == p, value) for p in points]

    return rule


def leaky_path(params: Mapping[str, Any]) -> bool:
    """Keras's relu calls the backend's leaky_relu: a slope, no threshold, no max_value."""
    slope = params.get("negative_slope", params.get("alpha", 0.0))
    return slope != 0 and params.get("max_value") is None and params.get("threshold", 0.0) == 0
