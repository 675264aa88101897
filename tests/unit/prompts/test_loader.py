"""Loading, merging and validating content YAML, with real files in tmp_path."""

import shutil
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prompts import (
    DEFAULT_CONTENT_DIR,
    BankSpec,
    BotCopy,
    ChoiceOption,
    ContentError,
    Problem,
    PromptKind,
    PromptSpec,
    ScaleSpec,
    load_content,
    validate_path,
)

GUIDE_IDS = [
    "joy-more",
    "engaged",
    "scope-happy",
    "teamwork-support",
    "effective-support",
    "valued",
    "covid-impact",
    "autonomy-vital",
    "break-the-rules",
    "job-difficult",
    "going-well",
]

# The codebook table from DOMAIN.md: ids and labels are a contract with reports and exports.
THEMES = {
    "relationships": "Relationships (with patients, colleagues, staff)",
    "teamwork": "Collaboration and teamwork (effective, efficient; same team every session)",
    "innovation": "Innovation and using strengths beyond direct patient care",
    "patient-care": "Providing quality patient care; adequate time with patients",
    "top-of-license": "Team members working at the top of their license",
    "autonomy": "Autonomy (over schedule, work environment, what we work on)",
    "time-respect": "Respect for clinicians' time; protected administrative time",
    "scope-skills": "Scope of practice and procedural skills (building and maintaining them)",
    "virtual-care": "Virtual care / telehealth",
    "social-connection": "Social connection and isolation",
    "development": "Professional coaching and development; CME, journal club, training",
    "work-life": "Work-life balance (charting at home, self-care)",
    "staffing": "Team dynamics and staffing (turnover, understaffing, team continuity)",
    "schedules-flow": (
        "Schedules and clinic flow (flexible schedules, appointment length, "
        "centralized scheduling, rooming on time)"
    ),
    "in-basket": "EHR in-basket burden (volume, triage, uncompensated time)",
    "admin-burden": "Administrative burden and paperwork; billing and coding training",
    "compensation-value": "Compensation and feeling valued",
    "org-connection": (
        'Connection to the organisation\'s values and decisions ("feeling like a widget")'
    ),
    "cognitive-load": "Cognitive load and interruptions",
}

TEST_COPY = """\
kind: copy
messages:
  welcome: "Hi {name}, welcome to Thrive at {site}."
  idea.thanks: Thanks for your idea!
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing `needle`, so tests don't count by hand."""
    hits = [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


@pytest.fixture
def defaults(tmp_path: Path) -> Path:
    """The shipped guide and codebook plus a known copy file, independent of copy.yaml."""
    directory = tmp_path / "defaults"
    directory.mkdir()
    for name in ("guide.yaml", "codebook.yaml"):
        shutil.copy(DEFAULT_CONTENT_DIR / name, directory / name)
    write(directory, "copy.yaml", TEST_COPY)
    return directory


@pytest.fixture
def custom(tmp_path: Path) -> Path:
    directory = tmp_path / "custom"
    directory.mkdir()
    return directory


# --- The shipped defaults -----------------------------------------------------------------


def test_default_guide_has_the_eleven_questions_in_order() -> None:
    guide = load_content().banks["guide"]
    assert [p.id for p in guide.prompts] == GUIDE_IDS
    assert guide.prompts[0].text == (
        "What parts of your job bring you joy that you wish you could experience more?"
    )
    assert guide.prompts[3].text == (
        "What could your clinic or work community do to support friendship, "
        "collaboration, and teamwork?"
    )


def test_default_guide_has_one_idea_prompt_and_two_optional_ones() -> None:
    content = load_content()
    guide = content.banks["guide"]
    assert [p.id for p in guide.prompts if p.kind is PromptKind.IDEA] == ["break-the-rules"]
    assert content.idea_prompt.text == (
        "If you could break all the rules, what one thing would you change?"
    )
    assert [p.id for p in guide.prompts if p.optional] == ["job-difficult", "going-well"]


def test_default_guide_kinds() -> None:
    content = load_content()
    scope = content.prompt("scope-happy")
    assert scope.kind is PromptKind.CHOICE
    assert [o.value for o in scope.options] == ["yes", "mostly", "no"]
    assert scope.follow_up
    autonomy = content.prompt("autonomy-vital")
    assert autonomy.kind is PromptKind.SCALE
    assert autonomy.scale == ScaleSpec(
        min=1,
        max=5,
        min_label="Strongly disagree",
        max_label="Strongly agree",
        labels={2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree"},
    )
    assert autonomy.scale.label_of(4) == "Agree"
    assert autonomy.follow_up == "What makes you say that?"
    special = {"scope-happy", "autonomy-vital", "break-the-rules"}
    others = [p for p in content.banks["guide"].prompts if p.id not in special]
    assert all(p.kind is PromptKind.FREE_TEXT for p in others)


def test_default_codebook_has_the_nineteen_themes() -> None:
    themes = load_content().codebook.themes
    assert {t.id: t.label for t in themes} == THEMES
    assert [t.id for t in themes] == list(THEMES)
    for theme in themes:
        assert 6 <= len(theme.keywords) <= 15, theme.id
        assert len(set(theme.keywords)) == len(theme.keywords), theme.id
        assert all(k == k.lower() for k in theme.keywords), theme.id
    in_basket = next(t for t in themes if t.id == "in-basket")
    assert {"in-basket", "inbox", "refills"} <= set(in_basket.keywords)


def test_shipped_directory_and_files_validate_cleanly() -> None:
    assert validate_path(DEFAULT_CONTENT_DIR) == []
    for path in sorted(DEFAULT_CONTENT_DIR.glob("*.yaml")):
        assert validate_path(path) == [], path


def test_missing_default_copy_is_an_empty_copy(defaults: Path) -> None:
    (defaults / "copy.yaml").unlink()
    assert load_content(defaults_dir=defaults).copy == BotCopy(messages={})


def test_content_lookups(defaults: Path) -> None:
    content = load_content(defaults_dir=defaults)
    assert content.bank_of("valued").id == "guide"
    assert content.prompt("valued").text == "What would make you feel more valued at work?"
    with pytest.raises(KeyError, match="nope"):
        content.prompt("nope")
    with pytest.raises(KeyError, match="nope"):
        content.bank_of("nope")


def test_copy_text_fills_placeholders(defaults: Path) -> None:
    copy = load_content(defaults_dir=defaults).copy
    assert copy.text("welcome", name="Ana", site="Eastside") == (
        "Hi Ana, welcome to Thrive at Eastside."
    )
    with pytest.raises(KeyError, match="no bot copy message with key 'nope'"):
        copy.text("nope")
    with pytest.raises(KeyError, match=r"needs a value for \{site\}"):
        copy.text("welcome", name="Ana")


# --- Problems, each at the right line -----------------------------------------------------


def test_yaml_syntax_error_points_at_the_line(custom: Path) -> None:
    path = write(
        custom,
        "bank.yaml",
        """\
        kind: bank
        id: extra
        name: Extra
        prompts:
          - id: q1
            text: Why: because
            kind: free_text
        """,
    )
    problem = only(validate_path(custom))
    assert (problem.file, problem.line) == (path, line_of(path, "Why: because"))
    assert "invalid YAML" in problem.message


def test_bad_prompt_kind(custom: Path) -> None:
    path = write(
        custom,
        "guide.yaml",
        """\
        kind: bank
        id: guide
        name: Guide
        prompts:
          - id: q1
            text: What went well?
            kind: free_text
          - id: q2
            text: Rules?
            kind: idea
          - id: q3
            text: Anything else?
            kind: text
        """,
    )
    problem = only(validate_path(custom))
    assert problem.line == line_of(path, "kind: text")
    assert problem.message == (
        "prompts[2].kind: must be one of free_text, scale, choice, idea (got 'text')"
    )
    assert str(problem) == f"{path}:{problem.line}: {problem.message}"


def test_choice_without_options_points_at_the_prompt(custom: Path) -> None:
    path = write(
        custom,
        "extra.yaml",
        """\
        kind: bank
        id: extra
        name: Extra
        prompts:
          - id: extra-choice
            text: Pick one
            kind: choice
        """,
    )
    problem = only(validate_path(custom))
    assert problem.line == line_of(path, "- id: extra-choice")
    assert problem.message == "prompts[0].options: a choice prompt needs at least 2 options"


def test_scale_on_a_free_text_prompt(custom: Path) -> None:
    path = write(
        custom,
        "extra.yaml",
        """\
        kind: bank
        id: extra
        name: Extra
        prompts:
          - id: extra-q
            text: Tell us more
            kind: free_text
            scale: {min: 1, max: 5, min_label: Low, max_label: High}
        """,
    )
    problem = only(validate_path(custom))
    assert problem.line == line_of(path, "scale:")
    assert "only scale prompts have a scale" in problem.message


def test_bad_scale_range(custom: Path) -> None:
    path = write(
        custom,
        "extra.yaml",
        """\
        kind: bank
        id: extra
        name: Extra
        prompts:
          - id: extra-q
            text: How much?
            kind: scale
            scale:
              min: 0
              max: 11
              min_label: None
              max_label: Lots
        """,
    )
    problem = only(validate_path(custom))
    assert problem.line == line_of(path, "max: 11")
    assert problem.message.startswith("prompts[0].scale.max: a scale can have at most 11 points")


def test_unknown_field_suggests_the_right_one(custom: Path) -> None:
    path = write(
        custom,
        "extra.yaml",
        """\
        kind: bank
        id: extra
        name: Extra
        prompts:
          - id: extra-q
            text: Tell us more
            kind: free_text
            folow_up: Anything else?
        """,
    )
    problem = only(validate_path(custom))
    assert problem.line == line_of(path, "folow_up")
    assert problem.message.startswith(
        "prompts[0].folow_up: unknown field (did you mean 'follow_up'?); allowed fields are id,"
    )


def test_duplicate_prompt_id_across_two_files(custom: Path) -> None:
    first = write(
        custom,
        "a.yaml",
        """\
        kind: bank
        id: first
        name: First
        prompts:
          - id: shared
            text: One
            kind: free_text
        """,
    )
    second = write(
        custom,
        "b.yaml",
        """\
        kind: bank
        id: second
        name: Second
        prompts:
          - id: own
            text: Two
            kind: free_text
          - id: shared
            text: Three
            kind: free_text
        """,
    )
    problem = only(validate_path(custom))
    assert (problem.file, problem.line) == (second, line_of(second, "id: shared"))
    assert f"already used in bank 'first' at {first}:{line_of(first, 'id: shared')}" in (
        problem.message
    )


def test_prompt_id_clashing_with_the_default_guide(custom: Path, defaults: Path) -> None:
    path = write(
        custom,
        "extra.yaml",
        """\
        kind: bank
        id: extra
        name: Extra
        prompts:
          - id: valued
            text: Again?
            kind: free_text
        """,
    )
    problem = only(validate_path(custom, defaults_dir=defaults))
    assert (problem.file, problem.line) == (path, line_of(path, "id: valued"))
    assert "bank 'guide'" in problem.message


def test_theme_without_keywords(custom: Path) -> None:
    path = write(
        custom,
        "codebook.yaml",
        """\
        kind: codebook
        themes:
          - id: parking
            label: Parking
            description: Finding a space before clinic.
            keywords: [parking, garage]
          - id: coffee
            label: Coffee
            description: The break room machine.
            keywords: []
        """,
    )
    problem = only(validate_path(custom))
    assert problem.line == line_of(path, "keywords: []")
    assert problem.message == "themes[1].keywords: must list at least 1 item"


def test_duplicate_theme_id(custom: Path) -> None:
    path = write(
        custom,
        "codebook.yaml",
        """\
        kind: codebook
        themes:
          - id: parking
            label: Parking
            description: Finding a space.
            keywords: [parking]
          - id: parking
            label: Parking again
            description: Still finding a space.
            keywords: [garage]
        """,
    )
    problem = only(validate_path(path))
    assert problem.line == line_of(path, "id: parking", occurrence=2)
    assert "theme id 'parking' is already used" in problem.message


def test_copy_override_with_unknown_key(custom: Path, defaults: Path) -> None:
    path = write(
        custom,
        "copy.yaml",
        """\
        kind: copy
        messages:
          idea.thanks: Thank you, we will read it this week.
          idea.thank: Thanks!
        """,
    )
    problem = only(validate_path(custom, defaults_dir=defaults))
    assert problem.line == line_of(path, "idea.thank:")
    assert problem.message.startswith(
        "messages.idea.thank: unknown message key (did you mean 'idea.thanks'?)"
    )


def test_copy_override_dropping_a_placeholder(custom: Path, defaults: Path) -> None:
    path = write(
        custom,
        "copy.yaml",
        """\
        kind: copy
        messages:
          welcome: "Hello {name}!"
        """,
    )
    problem = only(validate_path(custom, defaults_dir=defaults))
    assert problem.line == line_of(path, "welcome:")
    assert problem.message == (
        "messages.welcome: must use the same placeholders as the default message "
        "({name}, {site}): missing {site}"
    )


def test_copy_override_merges_over_the_defaults(custom: Path, defaults: Path) -> None:
    write(
        custom,
        "copy.yaml",
        """\
        kind: copy
        messages:
          welcome: "{site} says hello, {name}."
        """,
    )
    copy = load_content(custom, defaults_dir=defaults).copy
    assert copy.text("welcome", name="Ana", site="Eastside") == "Eastside says hello, Ana."
    assert copy.text("idea.thanks") == "Thanks for your idea!"


def test_positional_placeholder_is_rejected(custom: Path) -> None:
    path = write(custom, "copy.yaml", 'kind: copy\nmessages:\n  welcome: "Hi {}"\n')
    problem = only(validate_path(path))
    assert problem.line == 3
    assert "use named placeholders" in problem.message


def test_several_problems_in_one_file_are_all_reported(custom: Path) -> None:
    path = write(
        custom,
        "extra.yaml",
        """\
        kind: bank
        id: Extra
        name: Extra
        prompts:
          - id: q1
            text: ""
            kind: free_text
          - id: q2
            text: Pick
            kind: choice
            options: [{value: "a", label: A}, {value: "b", label: B}]
            scale: {min: 1, max: 5, min_label: Low, max_label: High}
          - id: q3
            text: Fine
            kind: free_text
            optional: sometimes
        """,
    )
    problems = validate_path(custom)
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (line_of(path, "id: Extra"), "id"),
        (line_of(path, 'text: ""'), "prompts[0].text"),
        (line_of(path, "scale:"), "prompts[1].scale"),
        (line_of(path, "optional:"), "prompts[2].optional"),
    ]
    assert all(p.file == path for p in problems)


def test_yaml_booleans_get_a_quoting_hint(custom: Path) -> None:
    path = write(
        custom,
        "extra.yaml",
        """\
        kind: bank
        id: extra
        name: Extra
        prompts:
          - id: extra-q
            text: Happy?
            kind: choice
            options: [{value: "yes", label: "Yes"}, {value: "no", label: No}]
        """,
    )
    problem = only(validate_path(custom))
    assert problem.line == line_of(path, "options:")
    assert "prompts[0].options[1].label: must be text (got false)" in problem.message
    assert "put the value in quotes" in problem.message


def test_repeated_yaml_key(custom: Path) -> None:
    path = write(
        custom,
        "extra.yaml",
        """\
        kind: bank
        id: extra
        name: Extra
        prompts:
          - id: extra-q
            text: First
            text: Second
            kind: free_text
        """,
    )
    problem = only(validate_path(custom))
    assert problem.line == line_of(path, "text: Second")
    first_line = line_of(path, "text: First")
    assert problem.message == f"prompts[0].text: repeated field (first set on line {first_line})"


def test_missing_and_unknown_file_kind(custom: Path) -> None:
    write(custom, "a.yaml", "id: extra\nname: Extra\n")
    write(custom, "b.yaml", "kind: banks\n")
    write(custom, "c.yml", "kind: bank\n")
    assert [(p.file.name, p.line, p.message) for p in validate_path(custom)] == [
        ("a.yaml", 1, "kind: is required (one of bank, codebook, copy, safety)"),
        ("b.yaml", 1, "kind: must be one of bank, codebook, copy, safety (got 'banks')"),
        ("c.yml", None, "ignored: content files must end in .yaml"),
    ]


def test_guide_needs_exactly_one_idea_prompt(custom: Path) -> None:
    path = write(
        custom,
        "guide.yaml",
        """\
        kind: bank
        id: guide
        name: Guide
        prompts:
          - id: rules
            text: Break a rule?
            kind: idea
          - id: more-rules
            text: Break another?
            kind: idea
        """,
    )
    problem = only(validate_path(custom))
    assert problem.line == line_of(path, "kind: idea", occurrence=2)
    assert "exactly one idea prompt" in problem.message
    path.write_text(path.read_text().replace("kind: idea", "kind: free_text"))
    problem = only(validate_path(custom))
    assert problem.line == line_of(path, "prompts:")
    assert "(it has none)" in problem.message


# --- Merging and errors -------------------------------------------------------------------


def test_custom_dir_replaces_the_guide_bank(custom: Path, defaults: Path) -> None:
    write(
        custom,
        "my-guide.yaml",
        """\
        kind: bank
        id: guide
        name: Our guide
        prompts:
          - id: joy-more
            text: What gave you joy this week?
            kind: free_text
          - id: wish
            text: What would you change if you could?
            kind: idea
        """,
    )
    content = load_content(custom, defaults_dir=defaults)
    assert list(content.banks) == ["guide"]
    assert [p.id for p in content.banks["guide"].prompts] == ["joy-more", "wish"]
    assert content.idea_prompt.id == "wish"
    assert len(content.codebook.themes) == 19  # the default codebook is kept


def test_custom_codebook_replaces_the_default(custom: Path, defaults: Path) -> None:
    write(
        custom,
        "themes.yaml",
        """\
        kind: codebook
        themes:
          - id: parking
            label: Parking
            description: Finding a space before clinic.
            keywords: [parking, garage]
        """,
    )
    content = load_content(custom, defaults_dir=defaults)
    assert [t.id for t in content.codebook.themes] == ["parking"]
    assert len(content.banks["guide"].prompts) == 11


def test_missing_custom_dir(tmp_path: Path, defaults: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(ContentError) as caught:
        load_content(missing, defaults_dir=defaults)
    assert caught.value.problems == [Problem(missing, None, "directory not found")]
    assert str(caught.value) == f"{missing}: directory not found"


def test_content_error_lists_every_problem_one_per_line(custom: Path, defaults: Path) -> None:
    write(custom, "a.yaml", "kind: bank\nid: Bad\nname: A\nprompts: []\n")
    write(custom, "b.yaml", "kind: copy\nmessages:\n  nope: Hi\n")
    with pytest.raises(ContentError) as caught:
        load_content(custom, defaults_dir=defaults)
    problems = caught.value.problems
    assert len(problems) == 3
    assert str(caught.value).splitlines() == [str(p) for p in problems]


def test_validate_path_on_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert validate_path(missing) == [Problem(missing, None, "file or directory not found")]


# --- Property: any valid bank round-trips through YAML ------------------------------------

slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,15}", fullmatch=True)
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"]),
    min_size=1,
    max_size=60,
).filter(lambda s: s == s.strip() and s != "")


@st.composite
def prompt_specs(draw: st.DrawFn) -> PromptSpec:
    kind = draw(st.sampled_from(PromptKind))
    options: list[ChoiceOption] = []
    scale = None
    if kind is PromptKind.CHOICE:
        options = draw(
            st.lists(
                st.builds(ChoiceOption, value=slugs, label=texts),
                min_size=2,
                max_size=4,
                unique_by=lambda o: o.value,
            )
        )
    if kind is PromptKind.SCALE:
        low = draw(st.integers(-5, 5))
        scale = ScaleSpec(
            min=low,
            max=low + draw(st.integers(1, 10)),
            min_label=draw(texts),
            max_label=draw(texts),
        )
    return PromptSpec(
        id="gen-" + draw(slugs),  # "gen-" keeps clear of the default guide's ids
        text=draw(texts),
        kind=kind,
        follow_up=draw(st.none() | texts),
        optional=draw(st.booleans()),
        options=options,
        scale=scale,
    )


banks = st.builds(
    BankSpec,
    id=slugs.filter(lambda s: s != "guide"),
    name=texts,
    description=st.just("") | texts,
    prompts=st.lists(prompt_specs(), min_size=1, max_size=4, unique_by=lambda p: p.id),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bank=banks)
def test_any_valid_bank_round_trips(
    bank: BankSpec, tmp_path_factory: pytest.TempPathFactory
) -> None:
    directory = tmp_path_factory.mktemp("roundtrip")
    data = {"kind": "bank", **bank.model_dump(mode="json", exclude_defaults=True)}
    (directory / "bank.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    assert validate_path(directory / "bank.yaml") == []
    assert load_content(directory).banks[bank.id] == bank


def test_a_safety_file_replaces_the_shipped_plan_and_its_mistakes_are_named(custom: Path) -> None:
    path = write(
        custom,
        "safety.yaml",
        """\
        kind: safety
        resources:
          - "Riverside EAP: 1-800-555-0100"
        crisis_lines:
          us: "988"
        escalation_contact:
          name: Dr Rosa Diaz
          email: not-an-address
        """,
    )
    problems = validate_path(custom)
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (line_of(path, "us:"), "crisis_lines.us"),
        (line_of(path, "email:"), "escalation_contact.email"),
    ]
    assert "two-letter country code" in problems[0].message

    write(
        custom,
        "safety.yaml",
        """\
        kind: safety
        resources: ["Riverside EAP: 1-800-555-0100"]
        crisis_lines: {US: "988 Suicide & Crisis Lifeline: call or text 988"}
        organisations:
          Riverside Health:
            escalation_contact: {name: Dr Rosa Diaz, email: rosa@riverside.example}
        """,
    )
    safety = load_content(custom).safety
    assert safety.plan_for("Northgate").escalation_contact is None
    riverside = safety.plan_for("Riverside Health")
    assert riverside.resources == ["Riverside EAP: 1-800-555-0100"]  # shared where not its own
    assert riverside.escalation_contact is not None
    assert riverside.escalation_contact.email == "rosa@riverside.example"


def test_the_shipped_safety_plan_has_resources_and_crisis_lines() -> None:
    safety = load_content().safety
    assert len(safety.resources) >= 2 and safety.escalation_contact is None
    assert "988" in safety.crisis_lines["US"] and "116 123" in safety.crisis_lines["GB"]
    assert "default" in safety.crisis_lines
