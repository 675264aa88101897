"""Turn pydantic validation errors into plain-language problems at a file and line.

Pydantic's own messages are written for developers ("Input should be a valid string");
content is edited by wellness leads, so each error type gets a sentence they can act on.
"""

import difflib
import re
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from prompts.problems import Loc, Problem, format_loc, show
from prompts.yaml_lines import Doc


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
        return f"must be one of {', '.join(choices)} (got {show(value)})"
    if kind == "string_type":
        if value is None:
            return "must not be empty"
        if isinstance(value, bool):
            return (
                f"must be text (got {show(value)}); YAML reads unquoted yes/no/on/off "
                f'as true/false, so put the value in quotes, like "yes"'
            )
        return f"must be text (got {show(value)})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long ({len(str(value))} characters; the limit is {ctx['max_length']})"
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        return f"must list at least {count} item{'s' if count != 1 else ''}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number (got {show(value)})"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false (got {show(value)})"
    if kind == "list_type":
        return f"must be a list (got {show(value)})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of 'field: value' lines (got {show(value)})"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    # An error type with no sentence of its own: pydantic's text, lower-cased to fit in.
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


def error_problem(doc: Doc, error: ErrorDetails, root: type[BaseModel]) -> Problem:
    """One pydantic error, found while validating `doc` as `root`, as a Problem."""
    loc = tuple(error["loc"])
    where, message = format_loc(loc), _describe(error, root)
    return Problem(doc.path, doc.line(loc), f"{where}: {message}" if where else message)
