"""What the Slack adapter needs to know, taken from THRIVE_SLACK_* settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlackConfig:
    signing_secret: str
    bot_token: str | None = None  # one workspace; or client id/secret for OAuth installs
    client_id: str | None = None
    client_secret: str | None = None
    api_url: str | None = None  # None: Slack's own https://slack.com/api/
    leaders_channel: str | None = None

    @property
    def uses_oauth(self) -> bool:
        return self.bot_token is None and bool(self.client_id and self.client_secret)
