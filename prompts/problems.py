"""What a content problem is and how its parts are written out.

Every problem names a file and a line, because the people fixing content are wellness
leads with a text editor, not developers reading tracebacks. The other content modules
build on these few pieces so every message reads the same way.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# A path to one node in a YAML document: mapping keys and list indexes, outermost first.
Loc = tuple[str | int, ...]


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


def format_loc(loc: Sequence[str | int]) -> str:
    """A node path as the reader would write it, like `prompts[2].scale.max`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "[key]":  # pydantic's marker for "the key itself", not a path step
            continue
        else:
            text += f".{part}" if text else part
    return text


def show(value: object) -> str:
    """A short rendering of a bad value, so a whole mapping never floods the message."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return str(value).lower()
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    # File then line, so a report reads top to bottom like the files themselves.
    return sorted(problems, key=lambda p: (str(p.file), p.line or 0))
