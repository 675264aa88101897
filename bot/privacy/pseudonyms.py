"""Pseudonymous keys: a stable stand-in for a person in one context."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(secret_key: str, *parts: object) -> str:
    """A stable key for a person in a context, that cannot be reversed without the secret."""
    message = "\x1f".join(str(part) for part in parts).encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]
