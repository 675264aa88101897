"""Load content YAML, merge a custom directory over the defaults, and report problems.

Validation collects every problem it can find instead of stopping at the first one, so
a wellness lead can fix a whole file in one pass. Reading YAML with line numbers lives in
`yaml_lines`, wording pydantic errors in `validation`, and cross-file rules in `checks`;
this module only decides which files to read and how the two directories combine.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from prompts.checks import (
    Sourced,
    check_copy_override,
    check_guide,
    check_prompt_ids,
    check_theme_ids,
)
from prompts.problems import ContentError, Problem, show, sort_problems
from prompts.schema import GUIDE_BANK_ID, BankSpec, BotCopy, Codebook, Content, SafetySpec
from prompts.validation import error_problem
from prompts.yaml_lines import parse

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent / "content"

# Each file says what it is with a top-level `kind:`; this picks the model to validate it.
_MODELS: dict[str, type[BankSpec | Codebook | BotCopy | SafetySpec]] = {
    "bank": BankSpec,
    "codebook": Codebook,
    "copy": BotCopy,
    "safety": SafetySpec,
}


def _load_file(path: Path) -> tuple[Sourced[Any] | None, list[Problem]]:
    doc, problems = parse(path)
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        message = f"must be a mapping of 'field: value' lines (got {show(doc.data)})"
        return None, [*problems, Problem(path, doc.line(()), message)]
    kind = doc.data.get("kind")
    if not isinstance(kind, str) or kind not in _MODELS:
        kinds = ", ".join(_MODELS)
        message = (
            f"kind: must be one of {kinds} (got {show(kind)})"
            if "kind" in doc.data
            else f"kind: is required (one of {kinds})"
        )
        return None, [*problems, Problem(path, doc.line(("kind",)), message)]
    model = _MODELS[kind]
    body = {key: value for key, value in doc.data.items() if key != "kind"}
    try:
        spec = model.model_validate(body)
    except ValidationError as exc:
        return None, problems + [error_problem(doc, error, model) for error in exc.errors()]
    if isinstance(spec, Codebook):
        problems += check_theme_ids(Sourced(spec, doc))
    return Sourced(spec, doc), problems


@dataclass
class _Layer:
    """The content of one directory, before merging."""

    banks: dict[str, Sourced[BankSpec]] = field(default_factory=dict)
    codebook: Sourced[Codebook] | None = None
    copy: Sourced[BotCopy] | None = None
    safety: Sourced[SafetySpec] | None = None
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


def _add_to_layer(layer: _Layer, loaded: Sourced[Any]) -> None:
    spec, doc = loaded.spec, loaded.doc
    if isinstance(spec, BankSpec):
        first = layer.banks.get(spec.id)
        if first is None:
            layer.banks[spec.id] = loaded
        else:
            message = f"id: bank id {spec.id!r} is already used by {first.doc.where(('id',))}"
            layer.problems.append(Problem(doc.path, doc.line(("id",)), message))
        return
    kind, existing = (
        ("codebook", layer.codebook)
        if isinstance(spec, Codebook)
        else ("safety", layer.safety)
        if isinstance(spec, SafetySpec)
        else ("copy", layer.copy)
    )
    if existing is not None:
        message = f"kind: only one {kind} file is allowed per directory ({existing.doc.path})"
        layer.problems.append(Problem(doc.path, doc.line(("kind",)), message))
    elif isinstance(spec, Codebook):
        layer.codebook = loaded
    elif isinstance(spec, SafetySpec):
        layer.safety = loaded
    else:
        layer.copy = loaded


def _build(defaults_dir: Path, custom_dir: Path | None) -> tuple[Content | None, list[Problem]]:
    base = _load_dir(defaults_dir)
    custom = _load_dir(custom_dir) if custom_dir is not None else _Layer()
    problems = base.problems + custom.problems

    banks = {**base.banks, **custom.banks}  # same id: the custom bank replaces the default
    codebook = custom.codebook or base.codebook
    # A custom safety file replaces the shipped one whole: it is one organisation's plan.
    safety = custom.safety or base.safety
    messages = dict(base.copy.spec.messages) if base.copy else {}  # no copy.yaml: empty copy
    if custom.copy is not None:
        problems += check_copy_override(custom.copy, messages)
        messages.update(custom.copy.spec.messages)

    problems += check_prompt_ids(banks.values())
    guide = banks.get(GUIDE_BANK_ID)
    if guide is None:
        message = f"no bank with id {GUIDE_BANK_ID!r} (kind: bank) was found"
        problems.append(Problem(defaults_dir, None, message))
    else:
        problems += check_guide(guide)
    if codebook is None:
        problems.append(Problem(defaults_dir, None, "no codebook (kind: codebook) was found"))

    if problems or guide is None or codebook is None:
        return None, sort_problems(problems)
    content = Content(
        banks={bank_id: bank.spec for bank_id, bank in banks.items()},
        codebook=codebook.spec,
        copy=BotCopy(messages=messages),
        safety=safety.spec if safety is not None else SafetySpec(),
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
        problems += check_prompt_ids([loaded])
        if loaded.spec.id == GUIDE_BANK_ID:
            problems += check_guide(loaded)
    return sort_problems(problems)
