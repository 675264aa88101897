"""Rules that span a whole file or several files, which per-field validation cannot see.

Each check takes validated specs together with the document they came from, so a clash
can name both places: the line at fault and the line it clashes with.
"""

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from prompts.problems import Problem, format_loc
from prompts.schema import BankSpec, BotCopy, Codebook, PromptKind, SafetySpec, placeholders
from prompts.yaml_lines import Doc

SpecT = TypeVar("SpecT", BankSpec, Codebook, BotCopy, SafetySpec)


@dataclass(frozen=True)
class Sourced(Generic[SpecT]):
    """A validated spec and the document it came from, to point problems at lines."""

    spec: SpecT
    doc: Doc


def check_theme_ids(codebook: Sourced[Codebook]) -> list[Problem]:
    # Coded answers refer to themes by id, so two themes with one id would be ambiguous.
    first: dict[str, int] = {}
    problems = []
    for index, theme in enumerate(codebook.spec.themes):
        if theme.id in first:
            where = codebook.doc.where(("themes", first[theme.id], "id"))
            loc = ("themes", index, "id")
            message = f"{format_loc(loc)}: theme id {theme.id!r} is already used at {where}"
            problems.append(Problem(codebook.doc.path, codebook.doc.line(loc), message))
        else:
            first[theme.id] = index
    return problems


def check_prompt_ids(banks: Iterable[Sourced[BankSpec]]) -> list[Problem]:
    # Answers are stored by prompt id alone, so ids must be unique across every bank.
    first: dict[str, tuple[Sourced[BankSpec], int]] = {}
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
                f"{format_loc(loc)}: prompt id {prompt.id!r} is already used in bank "
                f"{other.spec.id!r} at {where}; prompt ids must be unique across all banks"
            )
            problems.append(Problem(bank.doc.path, bank.doc.line(loc), message))
    return problems


def check_guide(guide: Sourced[BankSpec]) -> list[Problem]:
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


def check_copy_override(custom: Sourced[BotCopy], defaults: Mapping[str, str]) -> list[Problem]:
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
