"""Adapters translate and lay out; they never word anything. Every sentence a person reads
comes from copy.yaml, so an organisation can reword it with THRIVE_CONTENT_DIR.

This reads adapters/ as text: the Python (with ast), the local chat's script (a small
tokenizer) and its page template, and fails on an English sentence written there, or on a
copy message written again by hand. What is not a person's reading is left alone:
docstrings, log calls, exception messages (developers and the log read those; a person
gets a sentence from the core), URLs, paths, format specs and API field names.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from prompts import load_content

ADAPTERS = Path(__file__).resolve().parents[3] / "adapters"

# Strings that read like sentences but are not the bot speaking, each with its reason.
ALLOWED: dict[str, str] = {
    # Built before it is raised: exception messages go to the log.
    "Teams: connector answered {}: {}": "a DeliveryError's message",
    "the login host did not answer in {} s": "a TransientError's message",
    "SELECT pg_advisory_xact_lock(:key)": "SQL",
}
# Places whose every string is for the admin at a command line, not the bot speaking:
# what `thrive teams package` refuses, and why (CLI output, like thrive/'s own).
ALLOWED_PLACES: dict[str, set[str]] = {
    "adapters/teams/package.py": {
        "validate_manifest",
        "_Reader",
        "_check_guid",
        "_check_url",
        "_check_bots",
        "_check_domains",
        "_check_icons",
    },
    "adapters/teams/icons.py": {"icon_problems", "_outline_problems"},
}
# Copy messages an adapter may write as they are: the product's name, the default app
# name of `thrive slack manifest` and `thrive teams package` (--name changes it).
NAMES = {"Thrive"}

_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]+")
_NOT_PROSE = re.compile(
    r"https?://\S+"  # URLs
    r"|\{[^{}]*\}"  # placeholders and format fields
    r"|(?:[\w.-]*/)+[\w.{}-]*"  # paths
    r"|\b\w+(?:\.\w+)+\b"  # dotted names: event names, copy keys, API fields
)


def reads_as_a_sentence(text: str) -> bool:
    """Three or more words in a row, the way people write (not ids, paths or URLs)."""
    prose = _NOT_PROSE.sub(" ", text)
    return len(_WORD.findall(prose)) >= 3 and bool(re.search(r"[A-Za-z]{2,} +[A-Za-z]", prose))


# --- Python -----------------------------------------------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _is_exception(module: object, func: ast.expr) -> bool:
    name = func.id if isinstance(func, ast.Name) else None
    if isinstance(func, ast.Attribute):
        name = func.attr
    target = getattr(module, name, None) if name else None
    if isinstance(target, type) and issubclass(target, BaseException):
        return True
    return bool(name) and str(name).endswith(("Error", "Exception"))


def _is_log_call(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in {"log", "logger", "logging"}
    )


def _unread_nodes(tree: ast.AST, module: object) -> set[int]:
    """Ids of every node inside a raise, an exception's construction or a log call."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        inside = isinstance(node, ast.Raise) or (
            isinstance(node, ast.Call)
            and (_is_exception(module, node.func) or _is_log_call(node.func))
        )
        if inside:
            skipped |= {id(child) for child in ast.walk(node)}
    return skipped


def _literal(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's with each replacement field as {}."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    return None


def _in_allowed_places(tree: ast.Module, where: str) -> set[int]:
    places = ALLOWED_PLACES.get(where, set())
    return {
        id(child)
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in places
        for child in ast.walk(node)
    }


def python_strings(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal a person could read."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ADAPTERS.parent).as_posix()
    module = importlib.import_module(where.removesuffix(".py").replace("/", "."))
    skipped = _docstrings(tree) | _unread_nodes(tree, module) | _in_allowed_places(tree, where)
    inner = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in ast.walk(node)
        if part is not node
    }
    for node in ast.walk(tree):
        text = _literal(node)
        if text is not None and id(node) not in skipped and id(node) not in inner:
            assert isinstance(node, ast.expr)
            yield node.lineno, text


# --- the local chat's script and page ---------------------------------------------------

_REGEX_CAN_FOLLOW = set("(,=:[!&|?{};") | {""}


def script_strings(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of each string and template literal in JavaScript, skipping comments
    and regular expressions (`${...}` in a template counts as a placeholder)."""
    i, line, previous = 0, 1, ""
    while i < len(source):
        char = source[i]
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = len(source) if i == -1 else i
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            line += source.count("\n", i, end)
            i = end + 2
        elif char == "/" and previous in _REGEX_CAN_FOLLOW:
            i = _end_of_regex(source, i)
            previous = "/"
        elif char in "\"'`":
            start_line, text, i = line, *_string(source, i)
            line += text.count("\n")
            yield start_line, re.sub(r"\$\{[^}]*\}", "{}", text)
            previous = char
        else:
            if char == "\n":
                line += 1
            if not char.isspace():
                previous = char
            i += 1


def _string(source: str, start: int) -> tuple[str, int]:
    quote, i, text = source[start], start + 1, []
    while source[i] != quote:
        if source[i] == "\\":
            i += 1
        text.append(source[i])
        i += 1
    return "".join(text), i + 1


def _end_of_regex(source: str, start: int) -> int:
    i, in_class = start + 1, False
    while True:
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            return i + 1
        i += 1


def page_texts(template: str) -> Iterator[tuple[int, str]]:
    """The page's visible text and readable attributes, with `{{ key }}` left out."""
    bare = re.sub(r"\{\{[^}]*\}\}", lambda match: " " * len(match.group()), template)
    readable = r'(?:placeholder|aria-label|title|alt)="([^"]*)"|>([^<]*)<'
    for match in re.finditer(readable, bare):
        yield template.count("\n", 0, match.start()) + 1, match.group(1) or match.group(2) or ""


# --- the checks -------------------------------------------------------------------------


def every_string() -> Iterator[tuple[str, str]]:
    """("file:line", text) for every string a person could read, across adapters/."""
    for path in sorted(ADAPTERS.rglob("*.py")):
        for number, text in python_strings(path):
            yield f"{path.relative_to(ADAPTERS.parent)}:{number}", text
    for path in sorted(ADAPTERS.rglob("*.js")):
        for number, text in script_strings(path.read_text(encoding="utf-8")):
            yield f"{path.relative_to(ADAPTERS.parent)}:{number}", text
    for path in sorted(ADAPTERS.rglob("*.html")):
        for number, text in page_texts(path.read_text(encoding="utf-8")):
            yield f"{path.relative_to(ADAPTERS.parent)}:{number}", text


def test_no_english_sentences_are_written_in_the_adapters() -> None:
    sentences = [
        f"{where}: {text!r}"
        for where, text in every_string()
        if reads_as_a_sentence(text) and text not in ALLOWED
    ]
    assert sentences == [], "say these through copy.yaml:\n" + "\n".join(sentences)


def test_no_copy_message_is_written_again_in_the_adapters() -> None:
    """A label from copy ("Cancel", "Anonymous", "Send") typed into a renderer would stay
    English whatever an organisation's copy says."""
    messages = {text.strip() for text in load_content().copy.messages.values()} - NAMES
    # Lower-case ones ("paused", "submitted") are also field names and states.
    labels = {text for text in messages if text[:1].isupper()}
    copied = [f"{where}: {text!r}" for where, text in every_string() if text.strip() in labels]
    assert copied == []


def test_the_allow_list_is_still_needed() -> None:
    """An entry whose string is gone must go too, or the list only grows."""
    seen = {text for _, text in every_string()}
    assert sorted(set(ALLOWED) - seen) == []
    for where, places in ALLOWED_PLACES.items():
        tree = ast.parse((ADAPTERS.parent / where).read_text(encoding="utf-8"))
        defined = {
            node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)
        }
        assert places <= defined, where


@pytest.mark.parametrize(
    "text",
    ["Please fill this in.", "Could not reach Thrive; try again.", "I could not open {} with you"],
)
def test_the_check_sees_a_sentence(text: str) -> None:
    assert reads_as_a_sentence(text)


@pytest.mark.parametrize(
    "text",
    [
        "teams.personal_chat_refused",
        "https://slack.com/api/chat.postMessage",
        "application/vnd.microsoft.card.adaptive",
        "/chat/api/people/{}/actions",
        "{}:{}:{}",
        "Action.Execute",
        "Input.ChoiceSet",
        "idea.card.from",
    ],
)
def test_the_check_leaves_machine_strings_alone(text: str) -> None:
    assert not reads_as_a_sentence(text)


def test_the_script_reader_finds_strings_past_comments_and_regexes() -> None:
    source = (
        "// don't stop here\n"
        'const a = "one";\n'
        "text.split(/(`[^`]+`)/).forEach((p) => p);\n"
        "/* it's a comment */ const b = `two ${a} three`;\n"
    )
    assert list(script_strings(source)) == [(2, "one"), (4, "two {} three")]
