"""Find, read, validate and hash the admin policy.

Resolution when no path is given (first match wins):

1. the file named by the environment variable ``JUPYTER_PRIVACY_POLICY`` (set by the admin, e.g. in the
   kernel spec or the JupyterHub spawner environment); a missing or invalid file there is an error;
2. ``privacy_policy.yaml`` in each of ``jupyter_core.paths.SYSTEM_CONFIG_PATH`` (e.g. /etc/jupyter), then
   ``ENV_CONFIG_PATH`` (``{sys.prefix}/etc/jupyter``). System directories come first because an
   environment prefix is often a personal venv/conda env the notebook user can write to;
3. only if no admin policy exists *and* ``JUPYTER_PRIVACY_ALLOW_USER_POLICY=1``: ``privacy_policy.yaml`` in
   the user's ``jupyter_core.paths.jupyter_config_dir()``. The user's own directory is otherwise never
   read, so a notebook user cannot replace or weaken an admin policy; with no admin policy the user could
   only get the advisory default anyway;
4. the built-in default policy (:func:`jupyter_privacy.policy.default_policy`).

A file that exists but is invalid never falls through to a later location: it fails loudly.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .default import DEFAULT_SOURCE, canonical_json, default_policy
from .model import Policy

POLICY_FILENAME = "privacy_policy.yaml"
ENV_POLICY_PATH = "JUPYTER_PRIVACY_POLICY"
ENV_ALLOW_USER_POLICY = "JUPYTER_PRIVACY_ALLOW_USER_POLICY"

ORIGIN_EXPLICIT = "explicit path"
ORIGIN_ENV_VAR = f"environment variable {ENV_POLICY_PATH}"
ORIGIN_SYSTEM = "system Jupyter config dir"
ORIGIN_ENV_PREFIX = "environment Jupyter config dir"
ORIGIN_USER = f"user Jupyter config dir, opt-in via {ENV_ALLOW_USER_POLICY}=1"
ORIGIN_DEFAULT = "built-in default"

_DOCS_HINT = "see the policy reference in docs/admin-guide.md"


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong with a policy file: where (``purposes[1].reference.pattern``), what, and the fix.

    ``path`` is empty for problems with the file as a whole; ``line`` is 1-based when known.
    """

    path: str
    message: str
    hint: str
    line: int | None = None
    column: int | None = None

    def format(self, source: str) -> str:
        """``FILE: path: message (line N)`` and an indented ``hint:`` line."""
        where = f"{source}: {self.path}: " if self.path else f"{source}: "
        line = ""
        if self.line is not None:
            line = f" (line {self.line}" + (f", column {self.column})" if self.column is not None else ")")
        return f"{where}{self.message}{line}\n    hint: {self.hint}"


class PolicyError(Exception):
    """The policy could not be loaded. ``problems`` lists every problem found, not just the first.

    ``unreadable`` is True when the file itself could not be read (missing, a directory, no
    permission), as opposed to a file whose content is invalid.
    """

    def __init__(self, source: str, problems: list[PolicyProblem], *, unreadable: bool = False) -> None:
        self.source = source
        self.problems = list(problems)
        self.unreadable = unreadable
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"invalid privacy policy {self.source} ({n} problem{'s' if n != 1 else ''}):"
        return "\n".join([head, *(p.format(self.source) for p in self.problems)])


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy with where it came from and the SHA-256 that goes into every log record.

    ``sha256`` is the hex digest of the exact file bytes (for the built-in default: of its canonical
    JSON dump). ``origin`` says which location rule selected it (see the module docstring).
    """

    policy: Policy
    sha256: str
    source: str
    is_default: bool
    origin: str = ORIGIN_EXPLICIT


@dataclass(frozen=True)
class PolicyLocation:
    """A place the loader looks for a policy; ``considered`` is False for the (ignored) user dir."""

    path: Path
    origin: str
    considered: bool = True
    exists: bool = field(default=False)


def policy_search_path() -> list[PolicyLocation]:
    """Every location :func:`load_policy` would consult when no path is given, in order.

    The user config dir is listed with ``considered=False`` unless the opt-in variable is set, so
    ``jupyter-privacy policy show`` can say that a user file is being ignored.
    """
    import jupyter_core.paths as jpaths  # read at call time so tests and admins can adjust the lists

    locations: list[PolicyLocation] = []
    env_path = os.environ.get(ENV_POLICY_PATH, "").strip()
    if env_path:
        p = Path(os.path.expanduser(env_path))
        locations.append(PolicyLocation(p, ORIGIN_ENV_VAR, True, p.is_file()))
    for directory in jpaths.SYSTEM_CONFIG_PATH:
        p = Path(directory) / POLICY_FILENAME
        locations.append(PolicyLocation(p, ORIGIN_SYSTEM, True, p.is_file()))
    for directory in jpaths.ENV_CONFIG_PATH:
        p = Path(directory) / POLICY_FILENAME
        locations.append(PolicyLocation(p, ORIGIN_ENV_PREFIX, True, p.is_file()))
    user = Path(jpaths.jupyter_config_dir()) / POLICY_FILENAME
    allow_user = os.environ.get(ENV_ALLOW_USER_POLICY, "").strip() == "1"
    locations.append(PolicyLocation(user, ORIGIN_USER, allow_user, user.is_file()))
    return locations


def find_policy_file() -> tuple[Path, str] | None:
    """The policy file :func:`load_policy` would use and its origin, or None for the built-in default.

    The environment variable wins even when its file is missing (loading then fails loudly rather than
    silently using another policy).
    """
    locations = policy_search_path()
    if locations and locations[0].origin == ORIGIN_ENV_VAR:
        return locations[0].path, ORIGIN_ENV_VAR
    for loc in locations:
        if loc.origin == ORIGIN_USER:
            continue
        if loc.exists:
            return loc.path, loc.origin
    user = locations[-1]
    if user.considered and user.exists:
        return user.path, user.origin
    return None


def load_policy(path: str | os.PathLike[str] | None = None) -> LoadedPolicy:
    """Load and validate a policy file, or find the one in effect when ``path`` is None.

    Raises :class:`PolicyError` (with every problem found) when the file cannot be read or is invalid.
    Returns the built-in default, marked ``is_default=True``, when no admin policy is installed.
    """
    if path is not None:
        return _load_file(Path(path), ORIGIN_EXPLICIT)
    found = find_policy_file()
    if found is None:
        policy = default_policy()
        return LoadedPolicy(
            policy=policy,
            sha256=hashlib.sha256(canonical_json(policy)).hexdigest(),
            source=DEFAULT_SOURCE,
            is_default=True,
            origin=ORIGIN_DEFAULT,
        )
    return _load_file(*found)


def _load_file(path: Path, origin: str) -> LoadedPolicy:
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(source, [_read_problem(path, exc, origin)], unreadable=True) from None
    policy = parse_policy(data, source)
    return LoadedPolicy(
        policy=policy,
        sha256=hashlib.sha256(data).hexdigest(),
        source=source,
        is_default=False,
        origin=origin,
    )


def _read_problem(path: Path, exc: OSError, origin: str) -> PolicyProblem:
    via = f" (named by {ENV_POLICY_PATH})" if origin == ORIGIN_ENV_VAR else ""
    if isinstance(exc, FileNotFoundError):
        return PolicyProblem(
            "", f"file not found{via}", "check the path: the file must exist and be readable"
        )
    if isinstance(exc, IsADirectoryError):
        return PolicyProblem("", f"is a directory, not a file{via}", f"point to the {POLICY_FILENAME} file")
    if isinstance(exc, PermissionError):
        return PolicyProblem(
            "",
            f"permission denied{via}",
            "make it readable by the users who run kernels (e.g. chmod 644) and writable only by admins",
        )
    return PolicyProblem(
        "", f"cannot be read: {exc.strerror or exc}{via}", "check the file and its permissions"
    )


def parse_policy(data: bytes, source: str = "<policy>") -> Policy:
    """Validate the bytes of a policy file; raises :class:`PolicyError` listing every problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            source,
            [
                PolicyProblem(
                    "",
                    f"is not a UTF-8 text file (undecodable byte at offset {exc.start})",
                    f"a policy is a UTF-8 YAML text file; start from examples/{POLICY_FILENAME}",
                )
            ],
        ) from None
    node, document = _parse_yaml(text, source)
    if document is None:
        raise PolicyError(
            source,
            [
                PolicyProblem(
                    "",
                    "the policy file is empty",
                    f"at least `version: 1` and `controller: {{name: ..., contact: ...}}` are needed; "
                    f"start from examples/{POLICY_FILENAME}",
                )
            ],
        )
    if not isinstance(document, dict):
        kind = "a list" if isinstance(document, list) else f"a single value ({type(document).__name__})"
        raise PolicyError(
            source,
            [
                PolicyProblem(
                    "",
                    f"the top level must be a mapping of `key: value` lines, not {kind}",
                    "start the file with `version: 1` followed by `controller:`, `purposes:` ... at column 1",
                    _line(node, ()),
                )
            ],
        )
    try:
        return Policy.model_validate(document)
    except ValidationError as exc:
        problems = [_problem_from_error(err, node) for err in exc.errors()]
        problems.sort(key=lambda p: p.line or 0)  # file order; pydantic lists unknown keys last
        raise PolicyError(source, problems) from None


# --- YAML -------------------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` that rejects duplicate keys (YAML would silently keep the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # unhashable key: SafeConstructor reports it
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r} (first defined on line {first.start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(text: str, source: str) -> tuple[yaml.Node | None, Any]:
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)  # the reader rejects control characters here already
        node = loader.get_single_node()
        _check_depth(node, source)
        document = loader.construct_document(node) if node is not None else None
    except RecursionError:
        # PyYAML composes recursively: a deep enough file exhausts the stack before any check can run.
        line = loader.get_mark().line + 1 if loader is not None else None
        raise PolicyError(source, [_too_deep_problem(line)]) from None
    except yaml.MarkedYAMLError as exc:
        raise PolicyError(source, [_yaml_problem(exc)]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise PolicyError(
            source,
            [
                PolicyProblem(
                    "",
                    f"contains a character YAML does not allow (U+{int(exc.character):04X}) at line {line}",
                    "the file looks binary or corrupted; a policy is a plain UTF-8 YAML text file",
                )
            ],
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError(source, [PolicyProblem("", f"is not valid YAML: {exc}", _DOCS_HINT)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return node, document


MAX_NESTING = 32  # far deeper than any policy field; deeper data only serves to exhaust the stack


def _check_depth(root: yaml.Node | None, source: str) -> None:
    """Refuse documents nested deeper than :data:`MAX_NESTING` (iteratively, so it cannot overflow)."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)] if root is not None else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise PolicyError(source, [_too_deep_problem(node.start_mark.line + 1)])
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in node.value for child in pair)


def _too_deep_problem(line: int | None) -> PolicyProblem:
    return PolicyProblem(
        "",
        f"is nested too deeply (more than {MAX_NESTING} levels of lists or mappings)",
        f"a policy needs only a few levels; check for unbalanced brackets; start from examples/{POLICY_FILENAME}",
        line,
    )


def _yaml_problem(exc: yaml.MarkedYAMLError) -> PolicyProblem:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "syntax error"
    if "'\\t'" in problem or "\\t" in problem:
        hint = "YAML does not allow tabs for indentation: indent with spaces"
    elif "duplicate key" in problem:
        hint = "each key may appear once per mapping: remove or merge the duplicate"
    elif "expected a single document" in problem:
        hint = "a policy is one YAML document: remove the extra `---` separator"
    else:
        context = f"{exc.context}; " if exc.context else ""
        hint = (
            f"{context}check the indentation (spaces, consistent per level) and quote values containing "
            "`: `, `#`, `[`, `{` or a leading `*`/`&`/`!`"
        )
    return PolicyProblem(
        "",
        f"is not valid YAML: {problem}",
        hint,
        mark.line + 1 if mark is not None else None,
        mark.column + 1 if mark is not None else None,
    )


def _line(node: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """1-based line of the deepest YAML node reachable along ``loc`` (for error messages)."""
    if node is None:
        return None
    current = node
    for part in loc:
        nxt: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    nxt = value_node
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and part < len(current.value):
            nxt = current.value[part]
        if nxt is None:
            break
        current = nxt
    return int(current.start_mark.line) + 1


# --- pydantic errors -> problems --------------------------------------------------------------------

_SUBPATH = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def _parse_subpath(subpath: str) -> tuple[str | int, ...]:
    return tuple(name if name else int(index) for name, index in _SUBPATH.findall(subpath))


def format_path(loc: tuple[str | int, ...]) -> str:
    """``("purposes", 1, "reference", "pattern")`` -> ``"purposes[1].reference.pattern"``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _type_at(loc: tuple[str | int, ...]) -> Any:
    """The declared type at ``loc`` in the Policy model, or None if the path leaves the model."""
    tp: Any = Policy
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if not isinstance(part, str) or part not in tp.model_fields:
                return None
            tp = tp.model_fields[part].annotation
            continue
        origin = typing.get_origin(tp)
        if origin is list and isinstance(part, int):
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None
    return _unwrap(tp)


def _literal_values(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) is typing.Literal:
        return list(typing.get_args(tp))
    if typing.get_origin(tp) is list:
        return _literal_values(typing.get_args(tp)[0])
    return []


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _did_you_mean(word: Any, options: list[str]) -> str:
    matches = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`? " if matches else ""


def _problem_from_error(err: Any, root: yaml.Node | None) -> PolicyProblem:
    loc: tuple[str | int, ...] = tuple(err["loc"])
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    value = err.get("input")
    is_key_error = bool(loc) and loc[-1] == "[key]"
    if is_key_error:
        loc = loc[:-1]
    if "subpath" in ctx:
        loc = loc + _parse_subpath(str(ctx["subpath"]))
    # The key section names where the key comes from; never echo values found there.
    secret = bool(loc) and loc[0] == "key"
    shown = "this value" if secret else _show(value)
    name = loc[-1] if loc else ""
    parent = format_path(loc[:-1]) or "the top level"
    message, hint = _describe(kind, err["msg"], ctx, value, shown, name, parent, loc, is_key_error)
    return PolicyProblem(format_path(loc), message, hint, _line(root, loc))


def _describe(
    kind: str,
    msg: str,
    ctx: dict[str, Any],
    value: Any,
    shown: str,
    name: str | int,
    parent: str,
    loc: tuple[str | int, ...],
    is_key_error: bool,
) -> tuple[str, str]:
    if "hint" in ctx:  # our own validators
        return msg, str(ctx["hint"])
    if is_key_error:
        mapping = _unwrap(_type_at(loc[:-1]))
        key_type = typing.get_args(mapping)[0] if typing.get_origin(mapping) is dict else None
        allowed = [str(a) for a in _literal_values(key_type)]
        if allowed:
            return (
                f"`{name}` is not an allowed key here",
                f"{_did_you_mean(name, allowed)}use one of: {', '.join(allowed)}",
            )
        return f"`{name}` is not a valid key here", _pattern_hint(str(ctx.get("pattern", "")))
    if kind == "missing":
        tp = _type_at(loc)
        literals = _literal_values(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            required = [n for n, f in tp.model_fields.items() if f.is_required()]
            example = f"`{name}:` with {', '.join(f'`{r}`' for r in required)} below it"
        elif literals:
            example = f"`{name}: {literals[0]}` (one of: {', '.join(map(str, literals))})"
        else:
            example = f"`{name}: ...`"
        return f"required field `{name}` is missing", f"add {example} to {parent}"
    if kind == "extra_forbidden":
        owner = _type_at(loc[:-1])
        allowed = list(owner.model_fields) if isinstance(owner, type) and issubclass(owner, BaseModel) else []
        return (
            f"unknown field `{name}`",
            f"{_did_you_mean(name, allowed)}remove it or check the spelling; "
            f"allowed here: {', '.join(allowed)}",
        )
    if kind == "literal_error":
        allowed = [str(a) for a in _literal_values(_type_at(loc))]
        options = ", ".join(allowed) if allowed else str(ctx.get("expected", ""))
        return f"{shown} is not an allowed value", f"{_did_you_mean(value, allowed)}use one of: {options}"
    if value is None and kind.endswith("_type"):
        return "the value is empty", "give a value after the colon, or remove the key to use the default"
    if kind in ("string_type", "string_sub_type"):
        if isinstance(value, bool):
            return (
                f"expected text, got the boolean {value}",
                "YAML reads yes/no/on/off/true/false as booleans: quote the value, e.g. 'no'",
            )
        return f"expected text, got {shown}", "write a single text value (quote it if unsure)"
    if kind == "list_type":
        return f"expected a list, got {shown}", "write a list: `[a, b]`, or one `- item` per line below"
    if kind in ("model_type", "model_attributes_type", "dict_type", "dataclass_type"):
        return (
            f"expected a mapping, got {shown}",
            f"write `key: value` lines indented below `{name}`" if name != "" else _DOCS_HINT,
        )
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {shown}", "use an integer such as 1000"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {shown}", "use a number such as 0.7"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {shown}", "use `true` or `false`"
    bounds = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}
    if kind in bounds:
        limit = next(iter(ctx.values()), "")
        return f"{shown} is out of range", f"use a value {bounds[kind]} {limit}"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        choices = [str(a) for a in _literal_values(_type_at(loc))]
        among = f" (one of: {', '.join(choices)})" if choices else ""
        return "the list is empty", f"add at least {n} item{'s' if n != 1 else ''}{among}"
    if kind == "string_too_short":
        return "must not be empty", "give a non-empty value"
    if kind == "string_pattern_mismatch":
        return f"{shown} has the wrong form", _pattern_hint(str(ctx.get("pattern", "")))
    return msg, _DOCS_HINT


def _pattern_hint(pattern: str) -> str:
    if pattern.startswith("^[a-z0-9]"):
        return "use lowercase letters, digits, `-` and `_`, starting with a letter or digit (`churn-model`)"
    if pattern.startswith("^[A-Z]"):
        return "use UPPER_SNAKE_CASE starting with a letter, e.g. `EMPLOYEE_ID`"
    if pattern.startswith("^[A-Za-z_]"):
        return "use a valid environment variable name, e.g. `JUPYTER_PRIVACY_KEY`"
    return f"the value must match the regular expression {pattern}"
