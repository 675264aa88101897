"""Banks, prompts and themes as stored copies of the YAML content."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Bank, Prompt, Theme


class ContentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put_bank(self, bank: Bank) -> None:
        await self.session.merge(bank)

    async def put_prompt(self, prompt: Prompt) -> None:
        await self.session.merge(prompt)

    async def put_theme(self, theme: Theme) -> None:
        existing = await self.session.get(Theme, theme.id)
        if existing is None:
            self.session.add(theme)
        elif existing.status != "merged":
            # Keep the wellness lead's edits to status; refresh the shipped wording.
            existing.label = theme.label
            existing.description = theme.description
            existing.keywords = theme.keywords

    async def flush(self) -> None:
        await self.session.flush()
