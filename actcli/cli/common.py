"""Shared command-line machinery: activation specs, per-activation options, the error boundary.

Public helpers (the ``eval`` and ``plot`` commands both use them):

``parse_activations(names, single_params=None, *, like=None) -> list[Activated]``
    Turns ``NAME`` / ``NAME:param=value,...`` tokens into validated ``Activated(spec, params,
    label)`` triples (a NamedTuple, so it unpacks as ``spec, params, label``). ``params`` is the
    full bound dict (``Spec.bind``); ``label`` names the non-default parameters, e.g.
    ``"elu(alpha=0.5)"``. ``single_params`` holds raw option values (``{"negative_slope": "0.5"}``)
    for the single-name form; giving a parameter both ways is a usage error. ``like`` (the
    ``--like`` option) picks a framework's flavour (``resolve_spec``).

``resolve_spec(name, like=None) -> Spec``
    A registry name or alias, or a framework's name (``hardswish``, ``nn.Softplus``,
    ``torch.softplus``): the Spec to evaluate, as ``like`` (or the name's own framework) defines
    it, with that framework's parameter names (``torch.softshrink`` takes ``lambd``).

``like_option``
    Decorator adding ``--like FRAMEWORK`` (the callback receives ``like: str | None``).

``derivative_label(activated) -> str``
    ``"elu'(alpha=0.5)"``: the label of the derivative column/curve.

``param_options(spec) -> list[click.Option]``
    One option per ``spec.params`` entry: ``--max-value`` (``--max_value`` also works, through the
    command's ``token_normalize_func``), old names (``--alpha`` for relu), help with the default
    and the rule. Values stay text; ``Spec.bind`` converts and checks them, so the messages come
    from the registry. A bool parameter is also a flag: ``--approximate`` / ``--no-approximate``
    (``BoolParamOption``; ``--approximate true|false`` still works).

``ActivationCommand`` (a ``click.Command`` subclass) and ``activation_command(**attrs)``
    A command whose leading arguments name activations. Before parsing, it finds the names among
    the arguments; if there is exactly one, that activation's options are added, so
    ``actcli eval relu --help`` lists relu's parameters. The callback receives
    ``activations: tuple[str, ...]`` (every positional token, names first, then anything else
    such as values) and ``activation_params: dict[str, str]`` (the per-activation options given).
    Use ``split_tokens(tokens)`` to separate names from numeric values. A subclass that sets
    ``trailing_param`` receives the tokens after ``--`` in that parameter (eval: always values).
    Both ``--max-value`` and ``--max_value`` spellings work for every option of such a command.
    An unknown option gets a hint that says how to fix it: the activation's parameters, a
    negative number to put after ``--``; never click's '--help' as a spelling.

``split_spec(token) -> (name, {param: text})``
    The syntax alone: ``"leaky_relu:negative_slope=0.1"`` -> ``("leaky_relu", {...})``.

``output_options(formats)``
    Decorator adding ``-f/--format`` (one choice) and ``-o/--output`` (default ``-``).

``complete_activation``, ``complete_like``, ``complete_path``
    ``shell_complete`` callbacks: activation names and aliases, ``--like``'s frameworks, a file
    name (the shell lists the files, as for ``click.Path``).

``error_boundary()``
    Context manager: ``actcli.UsageError`` -> ``click.UsageError`` (exit 2), ``actcli.DataError`` /
    other ``ActcliError`` -> ``click.ClickException`` (exit 1), ``BrokenPipeError`` ->
    ``BrokenPipe`` (quiet exit 141). The group's ``invoke`` wraps every command in it, and the
    group's ``main`` prints any error as one line on stderr (see ``actcli.cli.ActcliGroup``).

``ExitCode``: named exit codes (0 ok, 1 data, 2 usage, 130 Ctrl-C, 141 broken pipe, 143 SIGTERM;
any signal N ends a run with 128 + N, see ``actcli_launcher``).
``number_or_none(text)``: float or None (no exception).
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import click

from actcli.errors import ActcliError, UsageError
from actcli.registry import REGISTRY, Param, Spec, show_value


class ExitCode(enum.IntEnum):
    OK = 0
    DATA = 1  # bad data, failed I/O, or a bug (with a notice)
    USAGE = 2
    INTERRUPTED = 130  # 128 + SIGINT
    BROKEN_PIPE = 141  # 128 + SIGPIPE, what `yes | head -1` reports for `yes`
    TERMINATED = 143  # 128 + SIGTERM


CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


def normalize_token(token: str) -> str:
    """Option names: ``--max_value`` is read as ``--max-value``."""
    return token.replace("_", "-")


# Commands with generated options accept both spellings of every flag.
ACTIVATION_CONTEXT_SETTINGS: dict[str, Any] = {
    **CONTEXT_SETTINGS,
    "token_normalize_func": normalize_token,
}


# ---------------------------------------------------------------------------------------------
# Activation specs: NAME or NAME:param=value,...


class Activated(NamedTuple):
    spec: Spec
    params: dict[str, Any]
    label: str


def number_or_none(text: str) -> float | None:
    """``float(text)`` (also with a unicode minus), or None when it is not a number."""
    try:
        return float(text.replace("\u2212", "-"))
    except (ValueError, AttributeError):
        return None


def split_spec(token: str) -> tuple[str, dict[str, str]]:
    """``"leaky_relu:negative_slope=0.1"`` -> ``("leaky_relu", {"negative_slope": "0.1"})``.

    A piece without ``=`` continues the previous value, so array parameters read naturally:
    ``prelu:alpha=0.1,0.2``.
    """
    name, sep, rest = token.partition(":")
    params: dict[str, str] = {}
    if not sep:
        return name, params
    last = None
    for piece in rest.split(","):
        key, eq, value = piece.partition("=")
        if eq:
            last = key.strip().replace("-", "_")
            if not last:
                raise UsageError(f"bad activation spec {token!r}: a parameter name is empty")
            if last in params:
                raise UsageError(f"bad activation spec {token!r}: {last} is given twice")
            params[last] = value.strip()
        elif last is not None and piece.strip():
            params[last] += "," + piece.strip()
        else:
            raise UsageError(
                f"bad activation spec {token!r}: expected NAME:param=value,... "
                "(e.g. leaky_relu:negative_slope=0.1)"
            )
    return name, params


def make_label(spec: Spec, params: Mapping[str, Any], *, suffix: str = "") -> str:
    """``elu`` or ``elu(alpha=0.5)``: the name plus every parameter that differs from its default.

    ``suffix`` goes right after the name (``"'"`` for the derivative: ``elu'(alpha=0.5)``).
    """
    shown = spec.changed_params(params)
    return spec.name + suffix + (f"({', '.join(shown)})" if shown else "")


def derivative_label(activated: Activated) -> str:
    """The label of the derivative: ``elu'(alpha=0.5)``."""
    return make_label(activated.spec, activated.params, suffix="'")


def resolve_spec(name: str, like: str | None = None) -> Spec:
    """The spec for a name: the registry's, or a framework flavour's (see ``actcli.get``)."""
    import actcli  # the package's API: one place decides what a name and --like mean

    return actcli.spec(name, like=like)


def complete_like(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Shell completion of ``--like``: the frameworks actcli has flavours of."""
    from click.shell_completion import CompletionItem

    from actcli.frameworks import FRAMEWORKS  # lazy: only completion needs them

    return [CompletionItem(f) for f in FRAMEWORKS if f.startswith(incomplete.lower())]


def complete_path(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Shell completion of a file name: the shell lists the files (as for click.Path)."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def like_option(f: Callable) -> Callable:
    """``--like keras[/BACKEND]|tf_keras|torch|jax``: a framework's flavour of the activations."""
    return click.option(
        "--like",
        metavar="keras[/BACKEND]|tf_keras|torch|jax",
        default=None,
        shell_complete=complete_like,
        help="Evaluate as this framework defines the function: its parameter names, defaults, "
        "formula and derivative at kinks. Default: keras (Keras 3), or the framework a name "
        "comes from (hardswish: torch). keras/jax, keras/torch, keras/tensorflow, keras/numpy: "
        "Keras 3 with that backend's derivative at the kinks and parameter rounding. "
        "See 'actcli diff NAME'.",
    )(f)


def parse_activations(
    names: Sequence[str],
    single_params: Mapping[str, Any] | None = None,
    *,
    like: str | None = None,
) -> list[Activated]:
    """Resolves and validates activation tokens (see the module docstring).

    Raises:
        UsageError: unknown name (with suggestions), bad spec syntax, unknown or invalid
            parameter, a parameter given twice, or options given with several activations.
    """
    if not names:
        raise UsageError("no activation given (see 'actcli list')")
    single_params = dict(single_params or {})
    if single_params and len(names) > 1:
        raise UsageError(
            "with several activations, give parameters in each name: NAME:param=value,... "
            "(e.g. leaky_relu:negative_slope=0.1)"
        )
    result = []
    for token in names:
        name, raw = split_spec(token)
        spec = resolve_spec(name, like)
        for key, value in single_params.items():
            if key in raw:
                raise UsageError(f"{spec.name}: {key} is given twice (option and {token!r})")
            raw[key] = value
        params = spec.bind(raw)
        result.append(Activated(spec, params, make_label(spec, params)))
    return result


def split_tokens(tokens: Sequence[str]) -> tuple[list[str], list[str]]:
    """Splits positional tokens into (activation names, value texts): names come first; the
    first token that reads as a number starts the values."""
    for i, token in enumerate(tokens):
        if number_or_none(token) is not None:
            return list(tokens[:i]), list(tokens[i:])
    return list(tokens), []


# ---------------------------------------------------------------------------------------------
# Per-activation options, generated from Spec.params

PARAM_PREFIX = "actparam_"

_METAVARS = {
    "float": "FLOAT",
    "optional_float": "FLOAT|none",
    "bool": "true|false",
    "int": "INT",
    "optional_int": "INT|none",
    "float_array": "FLOAT[,FLOAT...]",
}


def param_help(param: Param) -> str:
    """One line: meaning, default (or required), rule."""
    parts = [param.help.rstrip(".")] if param.help else []
    parts.append("required" if param.required else f"default: {show_value(param.default)}")
    if param.rule:
        parts.append(f"needs {param.rule}")
    return "; ".join(parts)


# A bool parameter's option takes one of these as its value; anything else after it (a number,
# a name, --) is not its value: --approximate alone means true.
BOOL_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "tanh", "none"})


class BoolParamOption(click.Option):
    """``--approximate`` / ``--no-approximate``, or ``--approximate true|false``.

    Parsed as a one-value option: ``ActivationCommand.parse_args`` first rewrites the flag forms
    into ``--approximate=true`` / ``--approximate=false``, so the value is text for
    ``Spec.bind``, like every other parameter's.
    """

    actcli_bool = True

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None:
            return None
        flag = self.opts[-1]
        return f"{flag} / --no-{flag[2:]} [true|false]", record[1]


def make_param_option(name: str, help_text: str, type_name: str, **attrs: Any) -> click.Option:
    """The generated option ``--kebab-name`` for a parameter (values stay text)."""
    cls = BoolParamOption if type_name == "bool" else click.Option
    option = cls(
        [PARAM_PREFIX + name, f"--{normalize_token(name)}"],
        metavar=_METAVARS.get(type_name, "VALUE"),
        help=help_text,
        default=None,
        **attrs,
    )
    option.actcli_param = True  # type: ignore[attr-defined]
    return option


def param_options(spec: Spec) -> list[click.Option]:
    """Click options for a spec's parameters (values kept as text; ``Spec.bind`` checks them)."""
    options = []
    for p in spec.params:
        # An old name is an option of its own, so that giving both reaches Spec.bind's error.
        names = [(p.name, param_help(p))]
        names += [(old, f"old name of --{normalize_token(p.name)}") for old in p.old_names]
        for name, text in names:
            options.append(make_param_option(name, text, p.type))
    return options


def bool_flags(options: Sequence[click.Option]) -> dict[str, str]:
    """``{"--approximate": "--approximate=true", "--no-approximate": "--approximate=false"}``
    for the bool parameters among generated options."""
    flags = {}
    for option in options:
        if getattr(option, "actcli_bool", False):
            for opt in option.opts:
                if opt.startswith("--"):
                    flags[opt] = f"{opt}=true"
                    flags[f"--no-{opt[2:]}"] = f"{opt}=false"
    return flags


def complete_activation(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Shell completion of activation names (canonical names and aliases)."""
    from click.shell_completion import CompletionItem

    if incomplete.startswith("-") or number_or_none(incomplete) is not None:
        return []
    from actcli.frameworks import FRAMEWORK_ALIASES  # lazy: only completion needs them

    low = incomplete.casefold()
    items = []
    for name in REGISTRY.all_names():
        if name.casefold().startswith(low):
            spec = REGISTRY.lookup(name)
            items.append(CompletionItem(name, help=spec.formula or spec.description))
    for name, (entry, framework, _) in FRAMEWORK_ALIASES.items():
        if name.casefold().startswith(low):
            items.append(CompletionItem(name, help=f"{framework}'s name for {entry}"))
    return items


def _is_option(token: str | None) -> bool:
    """``--x`` or ``-x``, not a negative number nor ``-`` (stdin)."""
    return (
        token is not None
        and token.startswith("-")
        and len(token) > 1
        and number_or_none(token) is None
    )


def _listed(options: Sequence[str]) -> str:
    return ("" if len(options) == 1 else "one of: ") + ", ".join(map(repr, options))


def _is_bool_word(token: str | None) -> bool:
    return token is not None and token.strip().lower() in BOOL_WORDS


def _takes_values(option: click.Option) -> int:
    return 0 if option.is_flag or option.count else option.nargs


class ActivationCommand(click.Command):
    """A command whose leading arguments are activation names (see the module docstring)."""

    names_param = "activations"
    # When set, the tokens after ``--`` go to this parameter (always values, never names).
    trailing_param: str | None = None

    def _static_option_arity(self) -> dict[str, int]:
        arity = {}
        for p in self.params:
            if isinstance(p, click.Option):
                for opt in (*p.opts, *p.secondary_opts):
                    arity[normalize_token(opt)] = _takes_values(p)
        return arity

    def scan(
        self, args: Sequence[str], flags: Mapping[str, str] | None = None
    ) -> tuple[list[str], int | None]:
        """Finds the activation names among raw arguments, and the position of ``--``.

        Names are the non-numeric positional tokens before the first value or ``--``. Option
        values are skipped: static options by their arity; ``flags`` (bool parameters, see
        ``bool_flags``) only when a true/false word follows; other generated options take one
        value, unless what follows is ``--`` or another option.
        """
        arity = self._static_option_arity()
        flags = flags or {}
        names: list[str] = []
        in_names = True
        i = 0
        while i < len(args):
            token = args[i]
            if token == "--":
                return names, i
            if _is_option(token):
                key = normalize_token(token.split("=", 1)[0])
                following = args[i + 1] if i + 1 < len(args) else None
                if "=" in token and key.startswith("--"):
                    i += 1
                elif key in arity:
                    i += 1 + arity[key]
                elif not key.startswith("--") and key[:2] in arity:
                    # -fcsv (value attached) or -d (flag)
                    i += 1 if len(key) > 2 or arity[key[:2]] == 0 else 1 + arity[key[:2]]
                elif key in flags:
                    takes = not key.startswith("--no-") and _is_bool_word(following)
                    i += 2 if takes else 1
                else:  # a generated option: one value
                    i += 1 if following is None or following == "--" or _is_option(following) else 2
                continue
            if number_or_none(token) is not None:
                in_names = False
            elif in_names:
                names.append(token)
            i += 1
        return names, None

    @staticmethod
    def _rewrite_flags(args: Sequence[str], end: int, flags: Mapping[str, str]) -> list[str]:
        """``--approximate`` -> ``--approximate=true`` (unless a true/false word follows) and
        ``--no-approximate`` -> ``--approximate=false``, before position ``end`` (``--``)."""
        out = list(args)
        for i in range(end):
            key = normalize_token(out[i])
            if key in flags and (
                key.startswith("--no-")
                or not _is_bool_word(out[i + 1] if i + 1 < len(out) else None)
            ):
                out[i] = flags[key]
        return out

    def _dynamic_params(self, ctx: click.Context) -> list[click.Parameter]:
        return ctx.meta.get("actcli.dynamic_params", [])

    @staticmethod
    def _like_in(args: Sequence[str], dashdash: int | None) -> str | None:
        """The value of ``--like`` among raw arguments (needed before parsing: it decides which
        parameters, with which names, the activation takes)."""
        end = len(args) if dashdash is None else dashdash
        like = None
        for i, token in enumerate(args[:end]):
            if token == "--like" and i + 1 < end:
                like = args[i + 1]
            elif token.startswith("--like="):
                like = token.partition("=")[2]
        return like

    def dynamic_options(self, name: str, like: str | None) -> tuple[Spec, list[click.Option]]:
        """The spec a single NAME means and its generated options (a subclass may widen them)."""
        spec = resolve_spec(name, like)
        return spec, param_options(spec)

    def _takes_option(self, names: Sequence[str], like: str | None, option: str) -> bool:
        """Whether one of the named activations has a generated option spelt ``option`` (so the
        several-activations hint applies; a typo like --panel gets click's own suggestions)."""
        for name in names:
            try:
                _, options = self.dynamic_options(name.partition(":")[0], like)
            except UsageError:
                continue
            if any(option in o.opts for o in options):
                return True
        return False

    def _unknown_name(
        self, names: Sequence[str], like: str | None
    ) -> tuple[str, UsageError] | None:
        """The first of ``names`` that is no activation, with the error that says so."""
        for name in names:
            try:
                self.dynamic_options(name.partition(":")[0], like)
            except UsageError as error:
                return name, error
        return None

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)
        dynamic = self._dynamic_params(ctx)
        if not dynamic:
            return params
        # Generated options go before --help, which click appends last.
        return params[:-1] + dynamic + params[-1:] if params else dynamic

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["actcli.raw_args"] = list(args)
        names, dashdash = self.scan(args)
        ctx.meta["actcli.dynamic_params"] = []
        ctx.meta["actcli.spec"] = None
        like = self._like_in(args, dashdash)
        spec = None
        if len(names) == 1:
            try:
                spec, options = self.dynamic_options(names[0].partition(":")[0], like)
            except UsageError:
                if not ctx.resilient_parsing:
                    raise
            else:
                flags = bool_flags(options)
                if flags:
                    # Knowing which options are bool flags, find the names and -- again
                    # (`eval gelu --approximate -- 1`: the flag does not take the --).
                    names, dashdash = self.scan(args, flags)
                    end = len(args) if dashdash is None else dashdash
                    args = self._rewrite_flags(args, end, flags)
                if len(names) == 1:
                    ctx.meta["actcli.spec"] = spec
                    ctx.meta["actcli.dynamic_params"] = options
                else:
                    spec = None
        ctx.meta["actcli.names"] = names
        trailing: list[str] = []
        if self.trailing_param is not None and dashdash is not None:
            args, trailing = list(args[:dashdash]), list(args[dashdash + 1 :])
        try:
            rest = super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            self._explain(exc, ctx, names, like, spec)
            raise
        if self.trailing_param is not None:
            ctx.params[self.trailing_param] = tuple(trailing)
        given = {}
        for key in list(ctx.params):
            if key.startswith(PARAM_PREFIX):
                value = ctx.params.pop(key)
                if value is not None:
                    given[key[len(PARAM_PREFIX) :]] = value
        ctx.params["activation_params"] = given
        return rest

    def _explain(
        self,
        exc: click.NoSuchOption,
        ctx: click.Context,
        names: Sequence[str],
        like: str | None,
        spec: Spec | None,
    ) -> None:
        """Says how to fix an unknown option: never click's nearest spelling '--help'."""
        option = exc.option_name
        raw = ctx.meta.get("actcli.raw_args", [])
        generated = {o for p in ctx.meta.get("actcli.dynamic_params", []) for o in p.opts}
        close = [p for p in exc.possibilities or [] if p not in ("--help", "-h")]
        static = [p for p in close if p not in generated]
        exc.possibilities = None
        number = next((t for t in raw if t.startswith(option) and number_or_none(t)), None)
        if number is not None:  # click read -2.5 as the short options -2 -. -5
            if self.trailing_param is not None:
                values = [t for t in raw if t != "--" and number_or_none(t) is not None]
                example = " ".join([ctx.command_path, *names, "--", *values])
                exc.message = (
                    f"No such option '{number}': put negative numbers after -- ({example})"
                )
            else:
                exc.message = f"No such option '{number}': {ctx.info_name} takes no values"
            return
        if len(names) > 1 and self._takes_option(names, like, option):
            unknown = self._unknown_name(names, like)
            if unknown is not None:  # 'gelu --approximate maybe': maybe was taken for a name
                name, error = unknown
                before = raw[raw.index(name) - 1] if name in raw[1:] else ""
                exc.message = str(error)
                if before.startswith("--"):
                    exc.message = (
                        f"'{name}' is not an activation, and {before} is a flag: "
                        f"write {before}={name} to give it a value"
                    )
                return
            exc.message += (
                " (with several activations, give parameters in each name: "
                "NAME:param=value,..., e.g. leaky_relu:negative_slope=0.1)"
            )
            return
        if spec is not None and close != static:  # --alph: the option --alpha
            params = ", ".join(p.name for p in spec.params)
            exc.message = (
                f"No such option '{option}'. Did you mean {_listed(close)}? "
                f"({spec.name}'s parameters: {params})"
            )
            return
        also = f"; or did you mean {_listed(static)}?" if static else ""
        if spec is not None and option.startswith("--"):
            key = normalize_token(option)[2:].replace("-", "_")
            try:
                spec.bind({key: "0"})
            except UsageError as err:
                exc.message = f"No such option '{option}': {err}{also}"
                return
        if static:
            exc.message = f"No such option '{option}'. Did you mean {_listed(static)}?"

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        spec = ctx.meta.get("actcli.spec")
        if spec is not None:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(f"{spec.signature()}: {spec.formula}")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        static, generated = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                (generated if getattr(param, "actcli_param", False) else static).append(record)
        if static:
            with formatter.section("Options"):
                formatter.write_dl(static)
        spec = ctx.meta.get("actcli.spec")
        if spec is not None:
            title = f"{spec.name} parameters"
            with formatter.section(title):
                if generated:
                    formatter.write_dl(generated)
                else:
                    formatter.write_text(f"{spec.name} takes no parameters.")


def activation_command(
    name: str | None = None, *, cls: type[ActivationCommand] = ActivationCommand, **attrs: Any
) -> Callable[[Callable], click.Command]:
    """``@activation_command("eval")``: like ``@click.command`` with ``ActivationCommand``, the
    shared context settings, and the ``activations`` argument (with name completion) added."""

    def decorator(f: Callable) -> click.Command:
        f = click.argument(
            ActivationCommand.names_param,
            nargs=-1,
            metavar="NAME[:param=value,...]...",
            shell_complete=complete_activation,
        )(f)
        attrs.setdefault("context_settings", ACTIVATION_CONTEXT_SETTINGS)
        return click.command(name, cls=cls, **attrs)(f)

    return decorator


# ---------------------------------------------------------------------------------------------
# The error boundary


class BrokenPipe(click.ClickException):
    """stdout was closed by the reader (``| head -1``): end quietly."""

    exit_code = ExitCode.BROKEN_PIPE

    def __init__(self) -> None:
        super().__init__("broken pipe")


@contextlib.contextmanager
def error_boundary() -> Iterator[None]:
    """Turns actcli errors into click errors with the same text (see the module docstring)."""
    try:
        yield
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    except ActcliError as exc:
        error = click.ClickException(str(exc))
        error.exit_code = exc.exit_code
        raise error from exc
    except BrokenPipeError as exc:
        raise BrokenPipe() from exc


def one_line(text: str) -> str:
    """Error messages stay on one line, whatever the exception text holds."""
    return " ".join(str(text).split())


# ---------------------------------------------------------------------------------------------
# Shared option bundles


def output_options(formats: Sequence[str]) -> Callable[[Callable], Callable]:
    """``-f/--format`` (one choice) and ``-o/--output`` (file or -, written atomically)."""

    def decorator(f: Callable) -> Callable:
        f = click.option(
            "-o",
            "--output",
            default="-",
            metavar="FILE",
            shell_complete=complete_path,
            help="Write to FILE (atomically: the old file survives a failure), - for stdout. "
            "The format follows its suffix (.csv .tsv .json .jsonl .npy .txt).",
        )(f)
        f = click.option(
            "-f",
            "--format",
            "fmt",
            type=click.Choice(list(formats)),
            help="Output format. Default: from -o's suffix, else table on a terminal, "
            "csv otherwise.",
        )(f)
        return f

    return decorator
