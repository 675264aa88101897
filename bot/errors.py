"""Domain errors (raised in bot/) and the neutral delivery errors adapters raise."""

from __future__ import annotations

from collections.abc import Callable


class ThriveError(Exception):
    """A domain error whose `copy_key` names the sentence the person is told."""

    copy_key = "error.generic"

    def __init__(self, detail: str = "", **values: object) -> None:
        super().__init__(detail or self.copy_key)
        self.values = values

    def sentence(self, say: Callable[..., str]) -> str:
        """What the person is told, worded by `say` (a copy lookup)."""
        return say(self.copy_key, **self.values)


class UnknownPerson(ThriveError):
    copy_key = "error.unknown_person"


class MessageTooLong(ThriveError):
    copy_key = "error.too_long"


class PromptClosed(ThriveError):
    copy_key = "answer.closed"


class PromptAlreadyAnswered(ThriveError):
    copy_key = "answer.already_answered"


class BadAction(ThriveError):
    copy_key = "error.bad_action"


class NotPermitted(ThriveError):
    """The person's roles do not allow this (bot/people/permissions.py). The sentence,
    `refused.<permission>`, says what they can't do and who can."""

    def __init__(self, permission: str) -> None:
        super().__init__(f"not permitted: {permission}")
        self.copy_key = f"refused.{permission}"
        self.permission = permission


class UnknownIdea(ThriveError):
    copy_key = "pathway.unknown_idea"


class NoteRequired(ThriveError):
    copy_key = "pathway.note_required"


class QuestionRequired(NoteRequired):
    """Asking the submitter for more with nothing asked: a question, not a reason."""

    copy_key = "pathway.question_required"


# --- Delivery errors: adapters map platform failures to these four. ---


class DeliveryError(Exception):
    pass


class RateLimited(DeliveryError):
    def __init__(self, retry_after: float, detail: str = "rate limited") -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ConversationBusy(RateLimited):
    """One conversation is at the platform's limit for it, not the whole workspace:
    only what goes there waits."""


class RecipientGone(DeliveryError):
    """The person or conversation no longer exists: stop messaging them."""


class TransientError(DeliveryError):
    """Worth retrying with backoff (5xx, timeouts)."""


class FatalError(DeliveryError):
    """Will fail again the same way; do not retry."""
