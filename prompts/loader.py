"""Load content YAML, merge a custom directory over the defaults, and report problems.

Every problem names a file and a line, because the people fixing content are wellness
leads with a text editor, not developers reading tracebacks. Validation collects every
problem it can find instead of stopping at the first one.
"""

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, Generic, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from prompts.schema import (
    GUIDE_BANK_ID,
    BankSpec,
    BotCopy,
    Codebook,
    Content,
    PromptKind,
    placeholders,
)

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent / "content"

Loc = tuple[str | int, ...]
_MODELS: dict[str, type[BankSpec | Codebook | BotCopy]] = {
    "bank": BankSpec,
    "codebook": Codebook,
    "copy": BotCopy,
}
SpecT = TypeVar("SpecT", BankSpec, Codebook, BotCopy)


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = str(self.file) if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


class ContentError(Exception):
    """Content that cannot be used; `problems` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


# --- Reading YAML with line numbers -------------------------------------------------------


@dataclass
class _Doc:
    """One parsed file: its data plus the line of every mapping key and list item."""

    path: Path
    data: Any
    lines: dict[Loc, int]

    def line(self, loc: Sequence[str | int]) -> int:
        # The deepest node that exists: a missing field is reported where its parent is.
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1

    def where(self, loc: Sequence[str | int]) -> str:
        return f"{self.path}:{self.line(loc)}"


def _index_lines(
    node: yaml.Node, path: Loc, lines: dict[Loc, int], repeated: list[tuple[int, str]]
) -> None:
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in first_line:
                # PyYAML silently keeps the last value; a repeated key is almost always a typo.
                message = f"repeated field (first set on line {first_line[key]})"
                repeated.append((line, f"{_format_loc((*path, key))}: {message}"))
            first_line[key] = line
            lines[(*path, key)] = line
            _index_lines(value_node, (*path, key), lines, repeated)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _index_lines(item, (*path, index), lines, repeated)


def _parse(path: Path) -> tuple[_Doc | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(path, None, "is not UTF-8 text")]
    except OSError as exc:
        return None, [Problem(path, None, f"cannot be read ({exc.strerror or exc})")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = exc.problem or "syntax error"
        if exc.context:
            context_line = f" at line {exc.context_mark.line + 1}" if exc.context_mark else ""
            detail += f" ({exc.context}{context_line})"
        return None, [Problem(path, mark.line + 1 if mark else None, f"invalid YAML: {detail}")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, None, f"invalid YAML: {exc}")]
    if node is None:
        return None, [Problem(path, 1, "the file is empty; it needs at least a 'kind:' line")]
    lines: dict[Loc, int] = {(): node.start_mark.line + 1}
    repeated: list[tuple[int, str]] = []
    _index_lines(node, (), lines, repeated)
    return _Doc(path, data, lines), [Problem(path, line, message) for line, message in repeated]


# --- Turning pydantic errors into sentences -----------------------------------------------


def _format_loc(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "[key]":  # pydantic's marker for "the key itself", not a path step
            continue
        else:
            text += f".{part}" if text else part
    return text


def _show(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return str(value).lower()
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _unwrap_optional(annotation: Any) -> Any:
    args = [arg for arg in get_args(annotation) if arg is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(args) == 1:
        return args[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    try:
        return isinstance(annotation, type) and issubclass(annotation, BaseModel)
    except TypeError:  # generic aliases such as list[int]
        return False


def _model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class found by following `loc` from `root`, to list its allowed fields."""
    current: Any = root
    for part in loc:
        current = _unwrap_optional(current)
        if isinstance(part, int) and get_origin(current) is list:
            current = get_args(current)[0]
        elif isinstance(part, str) and _is_model(current) and part in current.model_fields:
            current = current.model_fields[part].annotation
        else:
            return None
    current = _unwrap_optional(current)
    return current if _is_model(current) else None


def _describe(error: ErrorDetails, root: type[BaseModel]) -> str:
    kind, value = error["type"], error["input"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return _unknown_field(error["loc"], root)
    if kind in ("enum", "literal_error"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"must be one of {', '.join(choices)} (got {_show(value)})"
    if kind == "string_type":
        if value is None:
            return "must not be empty"
        if isinstance(value, bool):
            return (
                f"must be text (got {_show(value)}); YAML reads unquoted yes/no/on/off "
                f'as true/false, so put the value in quotes, like "yes"'
            )
        return f"must be text (got {_show(value)})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long ({len(str(value))} characters; the limit is {ctx['max_length']})"
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        return f"must list at least {count} item{'s' if count != 1 else ''}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number (got {_show(value)})"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false (got {_show(value)})"
    if kind == "list_type":
        return f"must be a list (got {_show(value)})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of 'field: value' lines (got {_show(value)})"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    message = error["msg"]
    return message[:1].lower() + message[1:]


def _unknown_field(loc: Loc, root: type[BaseModel]) -> str:
    model = _model_at(root, loc[:-1])
    if model is None:
        return "unknown field"
    allowed = list(model.model_fields)
    if len(loc) == 1:
        allowed.insert(0, "kind")  # stripped before validation, but allowed at the top
    guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    hint = f" (did you mean '{guess[0]}'?)" if guess else ""
    return f"unknown field{hint}; allowed fields are {', '.join(allowed)}"


def _problem(doc: _Doc, error: ErrorDetails, root: type[BaseModel]) -> Problem:
    loc = tuple(error["loc"])
    where, message = _format_loc(loc), _describe(error, root)
    return Problem(doc.path, doc.line(loc), f"{where}: {message}" if where else message)


# --- Loading files and directories --------------------------------------------------------


@dataclass(frozen=True)
class _Sourced(Generic[SpecT]):
    """A validated spec and the document it came from, to point problems at lines."""

    spec: SpecT
    doc: _Doc


def _load_file(path: Path) -> tuple[_Sourced[Any] | None, list[Problem]]:
    doc, problems = _parse(path)
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        message = f"must be a mapping of 'field: value' lines (got {_show(doc.data)})"
        return None, [*problems, Problem(path, doc.line(()), message)]
    kind = doc.data.get("kind")
    if not isinstance(kind, str) or kind not in _MODELS:
        kinds = ", ".join(_MODELS)
        message = (
            f"kind: must be one of {kinds} (got {_show(kind)})"
            if "kind" in doc.data
            else f"kind: is required (one of {kinds})"
        )
        return None, [*problems, Problem(path, doc.line(("kind",)), message)]
    model = _MODELS[kind]
    body = {key: value for key, value in doc.data.items() if key != "kind"}
    try:
        spec = model.model_validate(body)
    except ValidationError as exc:
        return None, problems + [_problem(doc, error, model) for error in exc.errors()]
    if isinstance(spec, Codebook):
        problems += _check_theme_ids(_Sourced(spec, doc))
    return _Sourced(spec, doc), problems


@dataclass
class _Layer:
    """The content of one directory, before merging."""

    banks: dict[str, _Sourced[BankSpec]] = field(default_factory=dict)
    codebook: _Sourced[Codebook] | None = None
    copy: _Sourced[BotCopy] | None = None
    problems: list[Problem] = field(default_factory=list)


def _load_dir(directory: Path) -> _Layer:
    layer = _Layer()
    if not directory.exists():
        layer.problems.append(Problem(directory, None, "directory not found"))
        return layer
    if not directory.is_dir():
        layer.problems.append(Problem(directory, None, "is not a directory"))
        return layer
    for stray in sorted(directory.glob("*.yml")):
        layer.problems.append(Problem(stray, None, "ignored: content files must end in .yaml"))
    for path in sorted(directory.glob("*.yaml")):
        loaded, problems = _load_file(path)
        layer.problems += problems
        if loaded is not None:
            _add_to_layer(layer, loaded)
    return layer


def _add_to_layer(layer: _Layer, loaded: _Sourced[Any]) -> None:
    spec, doc = loaded.spec, loaded.doc
    if isinstance(spec, BankSpec):
        first = layer.banks.get(spec.id)
        if first is None:
            layer.banks[spec.id] = loaded
        else:
            message = f"id: bank id {spec.id!r} is already used by {first.doc.where(('id',))}"
            layer.problems.append(Problem(doc.path, doc.line(("id",)), message))
        return
    existing = layer.codebook if isinstance(spec, Codebook) else layer.copy
    if existing is not None:
        kind = "codebook" if isinstance(spec, Codebook) else "copy"
        message = f"kind: only one {kind} file is allowed per directory ({existing.doc.path})"
        layer.problems.append(Problem(doc.path, doc.line(("kind",)), message))
    elif isinstance(spec, Codebook):
        layer.codebook = loaded
    else:
        layer.copy = loaded


# --- Checks that span a whole file or several files ---------------------------------------


def _check_theme_ids(codebook: _Sourced[Codebook]) -> list[Problem]:
    first: dict[str, int] = {}
    problems = []
    for index, theme in enumerate(codebook.spec.themes):
        if theme.id in first:
            where = codebook.doc.where(("themes", first[theme.id], "id"))
            loc = ("themes", index, "id")
            message = f"{_format_loc(loc)}: theme id {theme.id!r} is already used at {where}"
            problems.append(Problem(codebook.doc.path, codebook.doc.line(loc), message))
        else:
            first[theme.id] = index
    return problems


def _check_prompt_ids(banks: Iterable[_Sourced[BankSpec]]) -> list[Problem]:
    # Answers are stored by prompt id alone, so ids must be unique across every bank.
    first: dict[str, tuple[_Sourced[BankSpec], int]] = {}
    problems = []
    for bank in banks:
        for index, prompt in enumerate(bank.spec.prompts):
            if prompt.id not in first:
                first[prompt.id] = (bank, index)
                continue
            other, other_index = first[prompt.id]
            where = other.doc.where(("prompts", other_index, "id"))
            loc = ("prompts", index, "id")
            message = (
                f"{_format_loc(loc)}: prompt id {prompt.id!r} is already used in bank "
                f"{other.spec.id!r} at {where}; prompt ids must be unique across all banks"
            )
            problems.append(Problem(bank.doc.path, bank.doc.line(loc), message))
    return problems


def _check_guide(guide: _Sourced[BankSpec]) -> list[Problem]:
    # The bot offers exactly one idea prompt ("break all the rules") to every clinician.
    ideas = [i for i, p in enumerate(guide.spec.prompts) if p.kind is PromptKind.IDEA]
    doc = guide.doc
    if not ideas:
        message = "prompts: the guide bank needs exactly one prompt of kind idea (it has none)"
        return [Problem(doc.path, doc.line(("prompts",)), message)]
    first_id = guide.spec.prompts[ideas[0]].id
    return [
        Problem(
            doc.path,
            doc.line(("prompts", index, "kind")),
            f"prompts[{index}].kind: the guide bank needs exactly one idea prompt, "
            f"and {first_id!r} already is one",
        )
        for index in ideas[1:]
    ]


def _check_copy_override(custom: _Sourced[BotCopy], defaults: Mapping[str, str]) -> list[Problem]:
    # Code fills in the default placeholders, so an override may reword but not re-plumb.
    problems = []
    for key, template in custom.spec.messages.items():
        loc = ("messages", key)
        line = custom.doc.line(loc)
        if key not in defaults:
            guess = difflib.get_close_matches(key, list(defaults), n=1)
            hint = f" (did you mean '{guess[0]}'?)" if guess else ""
            message = (
                f"messages.{key}: unknown message key{hint}; keys must exist in the default copy"
            )
            problems.append(Problem(custom.doc.path, line, message))
            continue
        wanted, used = placeholders(defaults[key]), placeholders(template)
        if wanted == used:
            continue
        details = []
        if wanted - used:
            details.append(f"missing {_braces(wanted - used)}")
        if used - wanted:
            details.append(f"unknown {_braces(used - wanted)}")
        message = (
            f"messages.{key}: must use the same placeholders as the default message "
            f"({_braces(wanted) or 'none'}): {'; '.join(details)}"
        )
        problems.append(Problem(custom.doc.path, line, message))
    return problems


def _braces(names: Iterable[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names))


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (str(p.file), p.line or 0))


# --- Merging and the public entry points --------------------------------------------------


def _build(defaults_dir: Path, custom_dir: Path | None) -> tuple[Content | None, list[Problem]]:
    base = _load_dir(defaults_dir)
    custom = _load_dir(custom_dir) if custom_dir is not None else _Layer()
    problems = base.problems + custom.problems

    banks = {**base.banks, **custom.banks}  # same id: the custom bank replaces the default
    codebook = custom.codebook or base.codebook
    messages = dict(base.copy.spec.messages) if base.copy else {}  # no copy.yaml: empty copy
    if custom.copy is not None:
        problems += _check_copy_override(custom.copy, messages)
        messages.update(custom.copy.spec.messages)

    problems += _check_prompt_ids(banks.values())
    guide = banks.get(GUIDE_BANK_ID)
    if guide is None:
        message = f"no bank with id {GUIDE_BANK_ID!r} (kind: bank) was found"
        problems.append(Problem(defaults_dir, None, message))
    else:
        problems += _check_guide(guide)
    if codebook is None:
        problems.append(Problem(defaults_dir, None, "no codebook (kind: codebook) was found"))

    if problems or guide is None or codebook is None:
        return None, _sorted(problems)
    content = Content(
        banks={bank_id: bank.spec for bank_id, bank in banks.items()},
        codebook=codebook.spec,
        copy=BotCopy(messages=messages),
    )
    return content, []


def load_content(
    custom_dir: Path | None = None, *, defaults_dir: Path = DEFAULT_CONTENT_DIR
) -> Content:
    """The packaged content, with `custom_dir`'s files merged on top.

    Raises ContentError listing every problem. `defaults_dir` exists for tests and tools.
    """
    content, problems = _build(Path(defaults_dir), None if custom_dir is None else Path(custom_dir))
    if content is None:
        raise ContentError(problems)
    return content


def validate_path(path: Path, *, defaults_dir: Path = DEFAULT_CONTENT_DIR) -> list[Problem]:
    """Every problem in a content directory (merged over the defaults) or a single file."""
    path = Path(path)
    if path.is_dir():
        return _build(Path(defaults_dir), path)[1]
    if not path.exists():
        return [Problem(path, None, "file or directory not found")]
    loaded, problems = _load_file(path)
    if loaded is not None and isinstance(loaded.spec, BankSpec):
        problems += _check_prompt_ids([loaded])
        if loaded.spec.id == GUIDE_BANK_ID:
            problems += _check_guide(loaded)
    return _sorted(problems)
