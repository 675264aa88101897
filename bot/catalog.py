"""Copies the validated YAML content into the database, so answers and codings can
reference prompts and themes by their stable ids."""

from __future__ import annotations

from prompts import Content
from storage.content import ContentRepository
from storage.engine import Database
from storage.models import Bank, Prompt, Theme


async def sync_content(database: Database, content: Content) -> None:
    async with database.transaction() as session:
        repository = ContentRepository(session)
        for bank in content.banks.values():
            await repository.put_bank(
                Bank(id=bank.id, name=bank.name, description=bank.description)
            )
        await repository.flush()
        for bank in content.banks.values():
            for position, prompt in enumerate(bank.prompts):
                await repository.put_prompt(
                    Prompt(
                        id=prompt.id,
                        bank_id=bank.id,
                        position=position,
                        text=prompt.text,
                        kind=prompt.kind.value,
                        follow_up=prompt.follow_up,
                        optional=prompt.optional,
                        spec=prompt.model_dump(include={"options", "scale"}, mode="json"),
                    )
                )
        for theme in content.codebook.themes:
            await repository.put_theme(
                Theme(
                    id=theme.id,
                    label=theme.label,
                    description=theme.description,
                    keywords=list(theme.keywords),
                    status="active",
                )
            )
        await repository.flush()
