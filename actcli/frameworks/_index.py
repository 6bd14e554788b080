"""The name index over every framework module: lookup, aliases, missing-function hints, facts."""

from __future__ import annotations

import difflib
from typing import Any

from actcli.errors import UsageError
from actcli.registry import REGISTRY

from . import jax, keras, tf_keras, torch
from ._variant import Variant, norm

_MODULES = (keras, tf_keras, torch, jax)

FRAMEWORKS = tuple(m.FRAMEWORK.name for m in _MODULES)
"""The flavours, in display order; ``keras`` (Keras 3) is the default and is the registry itself."""

TITLES = {m.FRAMEWORK.name: m.FRAMEWORK.title for m in _MODULES}

FLAVOURS = FRAMEWORKS + tuple(f"keras/{b}" for b in keras.BACKENDS)
"""Every ``like=``: the frameworks, and Keras 3 on each backend (``keras/jax``)."""
TITLES.update({f"keras/{b}": f"Keras 3 ({b} backend)" for b in keras.BACKENDS})


# Other spellings accepted for a framework (``--like pytorch``).
_FRAMEWORK_SPELLINGS = {norm(s): m.FRAMEWORK.name for m in _MODULES for s in m.SPELLINGS}
_FRAMEWORK_SPELLINGS.update(
    {
        norm(f"{k}{sep}{b}"): f"keras/{b}"
        for b in keras.BACKENDS
        for k in ("keras", "keras3")
        for sep in "/:"
    }
)

_norm = norm

# Forms that are not registry names: (form, framework) -> registry spec name.
_FORM_NAMES = {form: m.FRAMEWORK.name for m in _MODULES for form in getattr(m, "FORMS", ())}


def _form_of(v: Variant) -> str:
    return v.name if v.name in _FORM_NAMES else v.spec.name


def _build() -> dict[tuple[str, str], Variant]:
    table: dict[tuple[str, str], Variant] = {}
    made = [v for m in _MODULES for v in m.variants()]
    made += keras.backend_variants([v for v in made if v.framework == "keras"])
    for v in made:
        key = (_form_of(v), v.framework)
        if key in table:
            raise RuntimeError(f"two variants for {key}")
        table[key] = v
    # tf_keras's hard_sigmoid is also reachable as the legacy registry entry, and its leaky_relu
    # is the LeakyReLU layer (tf.keras has no leaky_relu function).
    table[("hard_sigmoid", "tf_keras")] = table[("hard_sigmoid_keras2", "tf_keras")]
    table[("leaky_relu", "tf_keras")] = table[("layers.LeakyReLU", "tf_keras")]
    return table


VARIANTS = _build()
"""(form, framework) -> Variant; a form is a registry name or framework-only (rrelu, softmin)."""

# Why a framework lacks a function, and what to use instead.
_HINTS = {(form, m.FRAMEWORK.name): hint for m in _MODULES for form, hint in m.HINTS.items()}


def _missing_message(form: str, framework: str, shown: str) -> str:
    have = [fw for fw in FRAMEWORKS if (form, fw) in VARIANTS]
    hint = _HINTS.get((form, framework))
    if hint is None and form.startswith("layers.") and framework == "jax":
        hint = "JAX has no layer classes; use the function"
    extra = []
    if hint:
        extra.append(hint)
    if have:
        extra.append(f"it exists in: {', '.join(have)}")
    tail = f" ({'; '.join(extra)})" if extra else ""
    return f"{framework} has no {shown}{tail}"


# Aliases -----------------------------------------------------------------------------------------

# Framework spellings that are not registry names: (alias, form, framework).
_ALIAS_FORMS = tuple((alias, form, m.FRAMEWORK.name) for m in _MODULES for alias, form in m.ALIASES)


def _registry_keys() -> set[str]:
    return {_norm(n) for n in REGISTRY.all_names()}


def _build_aliases() -> tuple[dict[str, tuple[str, str, dict]], dict[str, tuple[str, str, str]]]:
    """FRAMEWORK_ALIASES and the case-insensitive index: key -> (alias, form, framework)."""
    entries = list(_ALIAS_FORMS)
    # Qualified names, e.g. torch.softshrink, jax.gelu, tf_keras.LeakyReLU.
    for (form, fw), v in VARIANTS.items():
        if fw != "keras":
            entries.append((v.qualname, form, fw))
    aliases: dict[str, tuple[str, str, dict]] = {}
    index: dict[str, tuple[str, str, str]] = {}
    taken = _registry_keys()
    for alias, form, fw in entries:
        if _norm(alias) in taken:
            # The registry wins (tf_keras.hard_sigmoid is its own legacy alias); if it ever takes
            # a name listed above, tests/test_frameworks.py says so instead of the import failing.
            continue
        key = _norm(alias)
        if key in index:
            if VARIANTS[index[key][1:]] is not VARIANTS[(form, fw)]:
                raise RuntimeError(f"framework alias {alias!r} names two variants")
            continue  # one variant under two forms (tf_keras LeakyReLU is also its leaky_relu)
        v = VARIANTS[(form, fw)]
        index[key] = (alias, form, fw)
        if fw in FRAMEWORKS:  # keras/jax.relu resolves, but is not offered (completion, docs)
            aliases[alias] = (v.spec.name, fw, dict(v.rename))
    return aliases, index


FRAMEWORK_ALIASES, _ALIAS_INDEX = _build_aliases()
"""Framework names -> (registry spec name, framework, {framework param name: actcli param name})."""


# Lookup ------------------------------------------------------------------------------------------


def framework(name: str) -> str:
    """The canonical framework name (``pytorch`` -> ``torch``); UsageError if unknown."""
    if not isinstance(name, str):
        raise UsageError(f"a framework name must be text, got {name!r}")
    key = _norm(name)
    if key in _FRAMEWORK_SPELLINGS:
        return _FRAMEWORK_SPELLINGS[key]
    close = difflib.get_close_matches(key, list(_FRAMEWORK_SPELLINGS), n=1, cutoff=0.6)
    hint = f"did you mean '{_FRAMEWORK_SPELLINGS[close[0]]}'? " if close else ""
    raise UsageError(f"unknown framework {name!r} ({hint}choose from {', '.join(FLAVOURS)})")


# Import paths people paste from their code: prefix -> (framework, what the rest is spelled with).
# ``torch.nn.GELU`` is the module ``nn.GELU``; ``keras.layers.ReLU`` the layer ``layers.ReLU``.
_PATHS = {
    "torch.nn.functional.": ("torch", ""),
    "f.": ("torch", ""),
    "torch.nn.": ("torch", "nn."),
    "torch.": ("torch", ""),
    "jax.nn.": ("jax", ""),
    "jax.numpy.": ("jax", ""),
    "jnp.": ("jax", ""),
    "jax.": ("jax", ""),
    "keras.activations.": ("keras", ""),
    "keras.layers.": ("keras", "layers."),
    "keras.": ("keras", ""),
    "tf.keras.activations.": ("tf_keras", ""),
    "tf.keras.layers.": ("tf_keras", "layers."),
    "tf.keras.": ("tf_keras", ""),
    "tf_keras.activations.": ("tf_keras", ""),
    "tf_keras.layers.": ("tf_keras", "layers."),
    "tf_keras.": ("tf_keras", ""),
}
_PATH_ORDER = sorted(_PATHS, key=len, reverse=True)


def _own_names(fw: str) -> dict[str, str]:
    """A framework's own spellings (variant names and its aliases) -> form."""
    out = {norm(v.name): form for (form, f), v in VARIANTS.items() if f == fw}
    out.update({norm(a): form for a, form, f in _ALIAS_FORMS if f == fw})
    return out


_OWN = {fw: _own_names(fw) for fw in FRAMEWORKS}


def _from_path(name: str) -> tuple[str, str] | None:
    """(form, framework) for an import path (``torch.nn.functional.gelu``, ``F.gelu``,
    ``tf.keras.layers.LeakyReLU``), or None if ``name`` has no known prefix."""
    key = norm(name)
    for prefix in _PATH_ORDER:
        if not key.startswith(prefix):
            continue
        fw, inner = _PATHS[prefix]
        rest = key[len(prefix) :]
        for candidate in (inner + rest, rest):
            if candidate in _OWN[fw]:
                return _OWN[fw][candidate], fw
        for candidate in (inner + rest, rest):
            try:
                return REGISTRY.lookup(candidate).name, fw
            except UsageError:
                continue
    return None


# Functions a framework has that actcli does not evaluate: norm(name) -> (framework, why).
UNSUPPORTED = {
    norm(name): (m.FRAMEWORK.name, why)
    for m in _MODULES
    for name, why in getattr(m, "UNSUPPORTED", {}).items()
}


def _unsupported(name: str) -> str | None:
    key = norm(name)
    for prefix in _PATH_ORDER:
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    hit = UNSUPPORTED.get(key)
    if hit is None:
        return None
    fw, why = hit
    return f"{name} ({TITLES[fw]}) is not supported: {why}"


def resolve_name(name: str) -> tuple[str, str | None]:
    """(form, framework the name implies or None) for a registry name, alias, framework name or
    import path (``torch.nn.functional.gelu``, ``keras.layers.LeakyReLU``, ``jax.nn.gelu``)."""
    if not isinstance(name, str):
        raise UsageError(f"an activation name must be text, got {name!r}")
    hit = _ALIAS_INDEX.get(_norm(name))
    if hit is not None:
        return hit[1], hit[2]
    try:
        return REGISTRY.lookup(name).name, None
    except UsageError:
        found = _from_path(name)
        if found is None:
            why = _unsupported(name)
            if why is not None:
                raise UsageError(why) from None
            raise
        return found


def is_framework_name(name: str) -> bool:
    """True for names only this module knows (hardswish, nn.Softplus, torch.gelu,
    torch.nn.functional.gelu, keras.activations.gelu, ...)."""
    return isinstance(name, str) and (
        _norm(name) in _ALIAS_INDEX
        or _from_path(name) is not None
        or _unsupported(name) is not None  # so its message, not "unknown activation", is shown
    )


def variant(name: str, like: str | None = None) -> Variant:
    """The activation ``name`` as framework ``like`` defines it.

    Args:
        name: a registry name or alias (``gelu``, ``hard_swish``), a framework name
            (``hardswish``, ``softshrink``, ``nn.Softplus``, ``soft_sign``) or a qualified one
            (``torch.softplus``, ``jax.gelu``).
        like: ``keras`` (Keras 3), ``tf_keras``, ``torch`` or ``jax``. None: the framework the
            name comes from (``hardswish`` -> torch), else Keras 3.

    Returns:
        A Variant: call it as ``v(x, **params)`` with the framework's parameter names.

    Raises:
        UsageError: unknown name or framework, or the framework has no such function
            ("torch has no sparse_plus (it exists in: keras, jax)").

    >>> variant("leaky_relu", "torch")(-1.0).item()
    -0.01
    """
    form, implied = resolve_name(name)
    home = [f for f in FRAMEWORKS if (form, f) in VARIANTS][:1] or ["keras"]  # log1mexp: jax
    fw = framework(like) if like is not None else (implied or home[0])
    v = VARIANTS.get((form, fw))
    if v is None:
        # "torch has no sparse_plus"; a framework's own spelling is named with its entry.
        own = [form, *(REGISTRY.specs[form].aliases if form in REGISTRY.specs else ())]
        shown = form if _norm(name) in map(_norm, own) else f"{name} ({form})"
        raise UsageError(_missing_message(form, fw, shown))
    return v


def forms() -> list[str]:
    """Every name with at least one flavour: the registry's (layers included) in registry order,
    then the framework-only ones (rrelu, softmin)."""
    have = {form for form, _ in VARIANTS}
    return [n for n in REGISTRY.specs if n in have] + [f for f in _FORM_NAMES if f in have]


def home_form(v: Variant) -> str:
    """The form a variant is listed under (tf_keras's LeakyReLU is also its leaky_relu)."""
    return _form_of(v)


def flavours(name: str) -> list[Variant]:
    """Every framework's variant of ``name``, in FRAMEWORKS order (those that have it)."""
    form, _ = resolve_name(name)
    return [VARIANTS[(form, fw)] for fw in FRAMEWORKS if (form, fw) in VARIANTS]


# Facts for `actcli info` ------------------------------------------------------------------------


_PACKAGE = {"keras": "Keras", "tf_keras": "tf_keras"}  # the package the version is of


def _keras_backends() -> str:
    """Keras 3's backends, each with the release its autograd was checked on: 'numpy, jax (JAX
    0.10.2), torch (PyTorch 2.14.1) and tensorflow (TensorFlow 2.21.0)'."""
    named = [
        f"{b} ({keras.BACKEND_VERSIONS[b]})" if b in keras.BACKEND_VERSIONS else b
        for b in keras.BACKENDS
    ]
    return ", ".join(named[:-1]) + " and " + named[-1]


def facts(name: str) -> list[dict[str, Any]]:
    """One row per framework for the "in other frameworks" section of ``actcli info``.

    Each row: framework, title, available, name (the framework's spelling), signature (with
    defaults), differences (from Keras 3; "" when none), derivative_at_kinks, backends (Keras 3:
    the kink rules of the backends that differ from actcli's), bugs (known problems of that
    framework's implementation), source (file in the framework's repository), checked (the
    release scripts/conformance.py compared it with).
    """
    form, _ = resolve_name(name)
    rows = []
    for fw in FRAMEWORKS:
        v = VARIANTS.get((form, fw))
        if v is None:
            rows.append(
                {
                    "framework": fw,
                    "title": TITLES[fw],
                    "available": False,
                    "name": "",
                    "signature": "—",
                    "differences": _missing_message(form, fw, form),
                    "derivative_at_kinks": "",
                    "backends": "",
                    "bugs": "",
                    "source": "",
                    "checked": "",
                }
            )
            continue
        kink = v.kink_rule or v.spec.kink_rule
        backends = ""
        if fw == "keras":
            if kink:
                kink += " (Keras has no derivative API: gradients come from the backend)"
            backends = "; ".join(
                f"{b}: {VARIANTS[(form, b)].kink_rule}"
                for b in FLAVOURS
                if b.startswith("keras/")
                and (form, b) in VARIANTS
                and VARIANTS[(form, b)].kink_rule not in (v.kink_rule, "")
                and "no autograd" not in VARIANTS[(form, b)].kink_rule
            )
        versions = {"keras": f"{v.version} on the {_keras_backends()} backends"}
        rows.append(
            {
                "framework": fw,
                "title": TITLES[fw],
                "available": True,
                "name": v.name,
                "signature": v.signature,
                "differences": v.differences or ("" if fw == "keras" else "same as Keras 3"),
                "derivative_at_kinks": kink or "smooth",
                "backends": backends,
                "bugs": v.bugs,
                "source": v.source,
                "checked": f"{_PACKAGE.get(fw, v.title)} {versions.get(fw, v.version)} "
                "(scripts/conformance.py)",
            }
        )
    return rows
