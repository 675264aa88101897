"""REFI-QDA, the exchange format NVivo, ATLAS.ti, MAXQDA and QualCoder read: the
codebook as `.qdc` (urn:QDA-XML:codebook:1.0) and the whole project as `.qdpx`, a zip
of `project.qde` (urn:QDA-XML:project:1.0) and `Sources/<guid>.txt`.

Each theme is a code with a child code per side (barrier, enabler); each answer a text
source whose whole text is one selection coded with its themes; its site, role,
question and period are variables (a site or role too small to name reads "(other)");
each respondent, by the report's pseudonym, is a case. The XML is written as text,
streaming into the zip, so 100,000 answers need no tree in memory. Code GUIDs are
derived from the theme ids, so two exports' codebooks line up.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from bot.messages import Say
from bot.reports.building import ProjectSource, Report
from storage.analysis import ThemeColumn

CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"
PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
ORIGIN = "Thrive"
SIDES = ("barrier", "enabler")
# A fixed namespace for the GUIDs Thrive derives (uuid5): same theme, same GUID.
THRIVE_GUIDS = uuid.UUID("6f1f6a52-3c2e-4f4e-9d8a-2a7b4c5e9b10")


@lru_cache(maxsize=1024)
def guid(*parts: object) -> str:
    """The GUID Thrive derives for a theme, side, variable, case or user (cached: the
    same few are named once per answer)."""
    return str(uuid.uuid5(THRIVE_GUIDS, "\x1f".join(str(part) for part in parts)))


def _codes(report: Report, indent: str = "  ") -> Iterator[str]:
    yield f"{indent}<Codes>"
    for theme in report.matrix.themes:
        yield from _code(theme, report.descriptions.get(theme.id, ""), indent + "  ")
    yield f"{indent}</Codes>"


def _code(theme: ThemeColumn, description: str, indent: str) -> Iterator[str]:
    yield (
        f"{indent}<Code guid={quoteattr(guid('theme', theme.id))} "
        f'name={quoteattr(theme.label)} isCodable="true">'
    )
    if description:
        yield f"{indent}  <Description>{escape(description)}</Description>"
    for side in SIDES:
        yield (
            f"{indent}  <Code guid={quoteattr(guid('theme', theme.id, side))} "
            f'name={quoteattr(f"{theme.label}: {side}")} isCodable="true"/>'
        )
    yield f"{indent}</Code>"


def to_qdc(report: Report) -> str:
    """The codebook alone: every theme of the report with its definition."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<CodeBook xmlns="{CODEBOOK_NAMESPACE}" origin="{ORIGIN}">',
        *_codes(report),
        "</CodeBook>",
    ]
    return "\n".join(lines) + "\n"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


VARIABLES = ("site", "role", "question", "period")


def to_qdpx(report: Report, say: Say) -> bytes:
    """The project: codebook, variables, cases and one text source per answer. Needs a
    report built for a reader allowed raw answers."""
    answers = report.answers or ()
    out = io.BytesIO()
    coder = guid("user", "coder")
    person = guid("user", "person")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # A source, selection or coding is new in each export (random GUIDs, quick to
        # make); codes, variables and cases are derived, so exports line up.
        sources = [(str(uuid.uuid4()), source) for source in answers]
        for source_guid, source in sources:
            # An answer is a few hundred bytes: storing beats deflating 100,000 of them.
            archive.writestr(
                f"Sources/{source_guid}.txt", source.line.text, compress_type=zipfile.ZIP_STORED
            )
        with archive.open("project.qde", "w") as raw:
            project = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
            lines: list[str] = []
            for line in _project(report, say, sources, coder, person):
                lines.append(line)
                if len(lines) >= 5000:  # a few large writes, not millions of small ones
                    project.write("\n".join(lines) + "\n")
                    lines = []
            project.write("\n".join(lines) + "\n")
            project.flush()
            project.detach()
    return out.getvalue()


def _project(
    report: Report,
    say: Say,
    sources: list[tuple[str, ProjectSource]],
    coder: str,
    person: str,
) -> Iterator[str]:
    made = _stamp(report.made_at)
    name = say("report.project", organisation=report.organisation)
    yield '<?xml version="1.0" encoding="utf-8"?>'
    yield (
        f'<Project xmlns="{PROJECT_NAMESPACE}" name={quoteattr(name)} origin="{ORIGIN}" '
        f'creatingUserGUID="{coder}" creationDateTime="{made}">'
    )
    yield "  <Users>"
    yield f'    <User guid="{coder}" name="Thrive coder" id="coder"/>'
    yield f'    <User guid="{person}" name="Thrive reviewer" id="person"/>'
    yield "  </Users>"
    yield "  <CodeBook>"
    yield from _codes(report, "    ")
    yield "  </CodeBook>"
    yield "  <Variables>"
    for variable in VARIABLES:
        label = {
            "site": say("report.variable.site"),
            "role": say("report.variable.role"),
            "question": say("report.column.question"),
            "period": say("report.column.period"),
        }[variable]
        yield (
            f'    <Variable guid="{guid("variable", variable)}" name={quoteattr(label)} '
            'typeOfVariable="Text"/>'
        )
    yield "  </Variables>"
    if sources:
        by_case: dict[str, list[str]] = {}
        for source_guid, source in sources:
            by_case.setdefault(source.line.pseudonym, []).append(source_guid)
        yield "  <Cases>"
        for pseudonym, guids in by_case.items():
            yield f'    <Case guid="{guid("case", pseudonym)}" name={quoteattr(pseudonym)}>'
            yield from (f'      <SourceRef targetGUID="{target}"/>' for target in guids)
            yield "    </Case>"
        yield "  </Cases>"
        yield "  <Sources>"
        for source_guid, source in sources:
            yield from _source(source_guid, source, coder, person, made)
        yield "  </Sources>"
    yield "</Project>"


def _source(
    source_guid: str, source: ProjectSource, coder: str, person: str, made: str
) -> Iterator[str]:
    line = source.line
    author = person if line.source == "person" else coder
    yield (
        f'    <TextSource guid="{source_guid}" '
        f"name={quoteattr(f'{line.pseudonym} {line.question_id} {line.period}')} "
        f'plainTextPath="internal://{source_guid}.txt" creationDateTime="{made}">'
    )
    end = len(line.text)
    for theme, polarity in source.codes:
        code = guid("theme", theme, polarity) if polarity in SIDES else guid("theme", theme)
        yield (
            f'      <PlainTextSelection guid="{uuid.uuid4()}" '
            f'startPosition="0" endPosition="{end}" creatingUser="{author}">'
        )
        coding = uuid.uuid4()
        yield f'        <Coding guid="{coding}" creatingUser="{author}">'
        yield f'          <CodeRef targetGUID="{code}"/>'
        yield "        </Coding>"
        yield "      </PlainTextSelection>"
    for variable, value in zip(
        VARIABLES, (source.site, source.role, line.question, line.period), strict=True
    ):
        if not value:
            continue
        yield "      <VariableValue>"
        yield f'        <VariableRef targetGUID="{guid("variable", variable)}"/>'
        yield f"        <TextValue>{escape(value)}</TextValue>"
        yield "      </VariableValue>"
    yield "    </TextSource>"
