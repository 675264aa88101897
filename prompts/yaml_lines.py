"""Read one YAML file, remembering the line of every mapping key and list item.

PyYAML's plain `safe_load` forgets where values came from, so the file is also composed
into nodes and each node path is indexed to its line; problems can then point there.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from prompts.problems import Loc, Problem, format_loc


@dataclass
class Doc:
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
                repeated.append((line, f"{format_loc((*path, key))}: {message}"))
            first_line[key] = line
            lines[(*path, key)] = line
            _index_lines(value_node, (*path, key), lines, repeated)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _index_lines(item, (*path, index), lines, repeated)


def parse(path: Path) -> tuple[Doc | None, list[Problem]]:
    """The parsed file (None if unusable) and problems found while reading it."""
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
    return Doc(path, data, lines), [Problem(path, line, message) for line, message in repeated]
