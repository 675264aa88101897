"""What the Teams adapter needs from settings, and botbuilder's configuration object."""

from __future__ import annotations

from dataclasses import dataclass

# Where the bot's outbound calls get their audience; the public cloud's value.
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com"


@dataclass(frozen=True)
class TeamsConfig:
    app_id: str
    app_password: str | None = None
    app_type: str = "MultiTenant"
    tenant_id: str | None = None
    auth: bool = True
    leaders_channel: str | None = None  # a team channel's conversation id
    service_url: str = "https://smba.trafficmanager.net/teams/"
    # Tests only (see thrive/settings.py): the fake channel's metadata, issuer, token URL.
    openid_metadata_url: str | None = None
    token_issuer: str | None = None
    login_url: str | None = None


class BotFrameworkSettings:
    """The attribute names botbuilder's Configuration* classes read (getattr/hasattr).

    Only what is set becomes an attribute: botbuilder switches to its "parameterized"
    mode as soon as one endpoint override is present, and then needs all of them.
    """

    def __init__(self, config: TeamsConfig) -> None:
        self.APP_ID = config.app_id if config.auth else None
        self.APP_PASSWORD = config.app_password if config.auth else None
        self.APP_TYPE = config.app_type
        if config.tenant_id:
            self.APP_TENANTID = config.tenant_id
        if config.openid_metadata_url or config.token_issuer or config.login_url:
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = config.openid_metadata_url
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = config.token_issuer
            self.TO_CHANNEL_FROM_BOT_LOGIN_URL = config.login_url
            self.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = BOT_FRAMEWORK_SCOPE
            self.VALIDATE_AUTHORITY = False
