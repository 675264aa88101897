"""Reading JSON from strangers: strict, shallow, clean text, the expected shape.

Every inbound parser (Slack events and interactions, Teams activities, the local chat
API) reads its body through `loads`, so a hostile body is refused the same way
everywhere: a `BadJson` (answered 400, logged as one line) instead of an exception
deep in a listener. Refused:
- bytes that are not UTF-8, text that is not strict JSON (no NaN or Infinity);
- nesting deeper than MAX_DEPTH (no platform sends more than a dozen levels; a few
  thousand would exhaust the parser's recursion);
- text no database can store: a NUL character or a lone surrogate ("\\ud800").

`check_shape` then compares a parsed object with a table of the fields our code (and
the platform SDK's) reads: a field that is present must have one of its allowed types,
so a listener after the ack never meets a string where it reads an object.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, TypeAlias

MAX_DEPTH = 32


class BadJson(ValueError):
    """A body refused before it reached a parser's caller. `code` names why, for the
    log and the error answer: malformed_json, too_deep, bad_text or wrong_shape."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def decode_utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadJson("malformed_json", f"not UTF-8 at byte {error.start}") from None


def loads(raw: str | bytes) -> object:
    """Strict JSON, at most MAX_DEPTH deep, every string storable."""
    text = decode_utf8(raw) if isinstance(raw, bytes) else raw
    try:
        parsed = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise BadJson("too_deep", f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:  # JSONDecodeError, and integers past Python's digit limit
        raise BadJson("malformed_json", str(error)[:120]) from None
    check_tree(parsed)
    return parsed


def loads_object(raw: str | bytes) -> dict[str, Any]:
    parsed = loads(raw)
    if not isinstance(parsed, dict):
        raise BadJson("wrong_shape", f"the body is a JSON {type(parsed).__name__}, not an object")
    return parsed


def check_tree(value: object) -> None:
    """Depth and text of an already parsed tree (iterative: a deep one cannot recurse)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise BadJson("too_deep", f"nested deeper than {MAX_DEPTH} levels")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def check_text(text: str) -> None:
    if "\x00" in text:
        raise BadJson("bad_text", "text contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadJson("bad_text", "text contains a lone surrogate") from None


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"number {text[:20]} is out of range")
    return number


# --- shapes ---

NoneType = type(None)
# A field's allowed kinds: Python types, a nested Shape (an object with its own fields),
# or a one-item list [Shape] (a list of such objects).
Kind: TypeAlias = "type | Shape | list[Shape]"
Shape: TypeAlias = Mapping[str, "tuple[Kind, ...]"]


def check_shape(data: Mapping[str, Any], shape: Shape, where: str = "body") -> None:
    """Raise BadJson("wrong_shape") naming the first field whose type is not allowed.
    Fields absent from `data` (or from `shape`) are not checked; None is allowed only
    where a shape lists NoneType."""
    for name, kinds in shape.items():
        if name not in data:
            continue
        value = data[name]
        path = f"{where}.{name}"
        if not any(_fits(value, kind, path) for kind in kinds):
            raise BadJson("wrong_shape", f"{path} is a {_json_type(value)}")


def _fits(value: object, kind: Kind, path: str) -> bool:
    if isinstance(kind, type):
        # bool is an int in Python; JSON's true is not a number.
        if kind in (int, float) and isinstance(value, bool):
            return False
        return isinstance(value, kind)
    if isinstance(kind, list):
        if not isinstance(value, list):
            return False
        [inner] = kind
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise BadJson("wrong_shape", f"{path}[{index}] is a {_json_type(item)}")
            check_shape(item, inner, f"{path}[{index}]")
        return True
    if not isinstance(value, Mapping):
        return False
    check_shape(value, kind, path)
    return True


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object" if isinstance(value, Mapping) else type(value).__name__
