"""Models for Thrive's editable content: question banks, the codebook and the bot's copy.

Wellness leads edit these as YAML by hand, so the models are strict: unknown fields are
errors (a typo like ``folow_up`` must be reported, not silently ignored) and every error
message is written to be read by a person, not a developer.
"""

import dataclasses
import re
import string
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

GUIDE_BANK_ID = "guide"

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_COPY_KEY = re.compile(r"[a-z0-9_.]+")


def _check_slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(
            f"must be lowercase letters, digits and dashes, like 'joy-more' (got {value!r})"
        )
    return value


def _check_lowercase(value: str) -> str:
    if value != value.lower():
        raise ValueError(f"must be lowercase (got {value!r})")
    return value


def _check_copy_key(value: str) -> str:
    if not _COPY_KEY.fullmatch(value):
        raise ValueError(
            f"message keys use lowercase letters, digits, '_' and '.', like 'idea.thanks' "
            f"(got {value!r})"
        )
    return value


def placeholders(template: str) -> frozenset[str]:
    """The names of the ``{placeholder}`` fields in a copy template.

    Raises ValueError for a malformed template or a positional field (``{}``, ``{0}``),
    because BotCopy.text only fills in named values.
    """
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"{exc} (write {{{{ and }}}} for literal braces)") from None
    names: set[str] = set()
    for _, field, _, conversion in fields:
        if field is None:
            continue
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if not name or name.isdigit():
            raise ValueError("use named placeholders like {name}, not {} or {0}")
        if conversion not in (None, "r", "s", "a"):
            raise ValueError(f"{{{field}!{conversion}}} is not a valid placeholder")
        names.add(name)
    return frozenset(names)


def _check_template(value: str) -> str:
    try:
        placeholders(value)
    except ValueError as exc:
        raise ValueError(f"is not a valid message template: {exc}") from None
    return value


Slug = Annotated[str, AfterValidator(_check_slug)]
# Chat prompts must stay short: clinicians read them between patients.
PromptText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
FollowUpText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Option and scale labels become chat buttons; Slack caps button text at 75 characters.
ButtonLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=75)]
Keyword = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_check_lowercase)
]
CopyKey = Annotated[str, AfterValidator(_check_copy_key)]
CopyTemplate = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_check_template)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Polarity(StrEnum):
    """Which way a theme points in an answer."""

    BARRIER = "barrier"  # makes the job harder, is missing, or is wished for
    ENABLER = "enabler"  # works, helps or brings joy


class PromptKind(StrEnum):
    FREE_TEXT = "free_text"
    SCALE = "scale"
    CHOICE = "choice"
    IDEA = "idea"  # answers become ideas on the innovation pathway


class ChoiceOption(_Strict):
    value: Slug
    label: ButtonLabel


class ScaleSpec(_Strict):
    min: int
    max: int
    min_label: ButtonLabel
    max_label: ButtonLabel
    # Words for the points between the ends, so a confirmation can name the point.
    labels: dict[int, ButtonLabel] = Field(default_factory=dict)

    def label_of(self, point: int) -> str | None:
        """The words for `point` on the scale, if it has any."""
        if point == self.min:
            return self.min_label
        if point == self.max:
            return self.max_label
        return self.labels.get(point)

    @field_validator("labels")
    @classmethod
    def _labels_inside(cls, labels: dict[int, str], info: ValidationInfo) -> dict[int, str]:
        low, high = info.data.get("min"), info.data.get("max")
        outside = [p for p in labels if low is not None and high is not None and not low < p < high]
        if outside:
            raise ValueError(f"labels are for the points between min and max, not {outside}")
        return labels

    @field_validator("max")
    @classmethod
    def _max_above_min(cls, high: int, info: ValidationInfo) -> int:
        low = info.data.get("min")
        if low is None:  # min itself is invalid and already reported
            return high
        if high <= low:
            raise ValueError(f"must be greater than min ({low}), got {high}")
        if high - low > 10:
            raise ValueError(f"a scale can have at most 11 points (min is {low}, max is {high})")
        return high


class PromptSpec(_Strict):
    id: Slug
    text: PromptText
    kind: PromptKind
    follow_up: FollowUpText | None = None
    optional: bool = False
    # validate_default so that a missing `options:` / `scale:` is checked against the kind.
    options: list[ChoiceOption] = Field(default_factory=list, validate_default=True)
    scale: ScaleSpec | None = Field(default=None, validate_default=True)
    # How answers usually point: "what makes your job difficult?" and wishes ("what would
    # make you feel more valued?") lean barrier, "what is going well?" leans enabler.
    leans: Polarity | None = None

    @field_validator("options")
    @classmethod
    def _options_fit_kind(
        cls, options: list[ChoiceOption], info: ValidationInfo
    ) -> list[ChoiceOption]:
        kind = info.data.get("kind")
        if kind is None:  # the kind itself is invalid and already reported
            return options
        if kind is not PromptKind.CHOICE:
            if options:
                raise ValueError(f"only choice prompts have options (this one is {kind})")
            return options
        if len(options) < 2:
            raise ValueError("a choice prompt needs at least 2 options")
        values = [option.value for option in options]
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise ValueError(f"option values must differ; repeated: {', '.join(repeated)}")
        return options

    @field_validator("scale")
    @classmethod
    def _scale_fits_kind(cls, scale: ScaleSpec | None, info: ValidationInfo) -> ScaleSpec | None:
        kind = info.data.get("kind")
        if kind is PromptKind.SCALE and scale is None:
            raise ValueError("a scale prompt needs a scale: {min, max, min_label, max_label}")
        if kind is not None and kind is not PromptKind.SCALE and scale is not None:
            raise ValueError(f"only scale prompts have a scale (this one is {kind})")
        return scale


class BankSpec(_Strict):
    id: Slug
    name: Name
    description: str = ""
    prompts: list[PromptSpec] = Field(min_length=1)


class ThemeSpec(_Strict):
    id: Slug
    label: Name
    description: PromptText
    keywords: list[Keyword] = Field(min_length=1)
    # The default coder's wider vocabulary, all optional. Words are matched after light
    # stemming, so one form of a word is enough ("interruption" finds "interrupted").
    phrases: list[Keyword] = Field(default_factory=list)  # more words naming the theme
    barrier: list[Keyword] = Field(default_factory=list)  # naming it as a problem
    enabler: list[Keyword] = Field(default_factory=list)  # naming it going well
    # Words that name the theme only when said to be missing: "time" in "no time".
    missing: list[Keyword] = Field(default_factory=list)
    leans: Polarity | None = None  # its polarity when nothing in the answer says


class Codebook(_Strict):
    themes: list[ThemeSpec] = Field(min_length=1)


class BotCopy(_Strict):
    messages: dict[CopyKey, CopyTemplate]

    def text(self, key: str, **values: object) -> str:
        """The message for `key` with its {placeholders} filled in from `values`."""
        try:
            template = self.messages[key]
        except KeyError:
            raise KeyError(f"no bot copy message with key {key!r}") from None
        try:
            return template.format(**values)
        except KeyError as exc:
            raise KeyError(
                f"bot copy message {key!r} needs a value for {{{exc.args[0]}}}"
            ) from None


def _check_country(value: str) -> str:
    if value != "default" and not re.fullmatch(r"[A-Z]{2}", value):
        raise ValueError(
            f"must be a two-letter country code like 'US' or 'GB', or 'default' (got {value!r})"
        )
    return value


Country = Annotated[str, AfterValidator(_check_country)]
SafetyLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class EscalationContact(_Strict):
    """Who is told when someone's words suggest they may be in danger, if anyone."""

    # As clinicians read it: "Dr Ana Moreno, our wellbeing officer".
    name: Name
    # Their email as Thrive knows it (their chat profile's): the bot tells them privately.
    email: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+$")]


class SafetyPlan(_Strict):
    """Where the distress safety net points a person: the organisation's own resources
    (employee assistance, peer support) and a crisis line for their country."""

    resources: list[SafetyLine] = Field(default_factory=list)
    # Two-letter country code -> the crisis line there; `default` for anywhere else.
    crisis_lines: dict[Country, SafetyLine] = Field(default_factory=dict)
    # Whose line comes first when the person's time zone does not say.
    country: Country | None = None
    escalation_contact: EscalationContact | None = None


class SafetySpec(SafetyPlan):
    """The safety net's content: every organisation's plan, and per organisation (by its
    name, as `thrive org list` shows it) what differs."""

    organisations: dict[Name, SafetyPlan] = Field(default_factory=dict)

    def plan_for(self, organisation: str) -> SafetyPlan:
        """The organisation's plan: its own fields where it has them, the rest shared."""
        shared = self.model_dump(exclude={"organisations"})
        own = self.organisations.get(organisation)
        # Only what the organisation wrote replaces the shared plan ("escalation_contact:
        # null" too); what it left out is shared.
        mine = own.model_dump(exclude_unset=True) if own is not None else {}
        return SafetyPlan.model_validate({**shared, **mine})


@dataclass(frozen=True)
class Content:
    """Everything the bot says and asks, after merging a custom directory over the defaults."""

    banks: dict[str, BankSpec]
    codebook: Codebook
    copy: BotCopy
    safety: SafetySpec = dataclasses.field(default_factory=SafetySpec)

    def prompt(self, prompt_id: str) -> PromptSpec:
        return self._find(prompt_id)[1]

    def bank_of(self, prompt_id: str) -> BankSpec:
        return self._find(prompt_id)[0]

    @property
    def idea_prompt(self) -> PromptSpec:
        """The guide's rule-breaking question; the loader guarantees there is exactly one."""
        guide = self.banks.get(GUIDE_BANK_ID)
        if guide is None:
            raise KeyError(f"there is no {GUIDE_BANK_ID!r} bank")
        for prompt in guide.prompts:
            if prompt.kind is PromptKind.IDEA:
                return prompt
        raise KeyError(f"the {GUIDE_BANK_ID!r} bank has no idea prompt")

    def _find(self, prompt_id: str) -> tuple[BankSpec, PromptSpec]:
        for bank in self.banks.values():
            for prompt in bank.prompts:
                if prompt.id == prompt_id:
                    return bank, prompt
        raise KeyError(f"unknown prompt id {prompt_id!r}")
