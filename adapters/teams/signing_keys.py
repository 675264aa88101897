"""The channel's signing keys, fetched off the event loop and with a timeout.

botbuilder 4.17 refreshes the OpenID metadata and key set that inbound JWTs are
checked against with two blocking `requests.get` calls, without a timeout, on the
event loop: on the first request, then daily. While they run (or hang, if the
metadata host does) every request the server is handling stands still. Its cache
of metadata objects (`JwtTokenExtractor.metadataCache`, by URL) is filled here first
with ones that fetch in a worker thread, bounded in time, one refresh at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

import requests
from botframework.connector.auth import AuthenticationConstants, GovernmentConstants
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata

FETCH_TIMEOUT_SECONDS = 10.0

# Every metadata URL botbuilder may check a channel or emulator token against.
PUBLIC_METADATA_URLS = (
    AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
    AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
    GovernmentConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
    GovernmentConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
)


class OffLoopOpenIdMetadata(_OpenIdMetadata):  # type: ignore[misc]
    last_updated: datetime
    keys: list[dict[str, object]]

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._refreshing = asyncio.Lock()

    async def _refresh(self) -> None:
        refreshed_before = self.last_updated
        async with self._refreshing:
            if self.last_updated != refreshed_before:
                return  # another request refreshed the keys while this one waited
            keys = await asyncio.to_thread(_fetch_keys, self.url)
            self.keys = keys
            # botbuilder compares this with a naive datetime.now(): the same kind here.
            self.last_updated = datetime.now()


def use_off_loop_metadata(urls: Iterable[str]) -> None:
    """Make botbuilder use OffLoopOpenIdMetadata for these URLs (before any request)."""
    for url in urls:
        current = JwtTokenExtractor.metadataCache.get(url)
        if not isinstance(current, OffLoopOpenIdMetadata):
            JwtTokenExtractor.metadataCache[url] = OffLoopOpenIdMetadata(url)


def _fetch_keys(url: str) -> list[dict[str, object]]:
    metadata = requests.get(url, timeout=FETCH_TIMEOUT_SECONDS)
    metadata.raise_for_status()
    answer = requests.get(metadata.json()["jwks_uri"], timeout=FETCH_TIMEOUT_SECONDS)
    answer.raise_for_status()
    keys: list[dict[str, object]] = answer.json()["keys"]
    return keys
