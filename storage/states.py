"""The values a row's state or kind column may take, as enums.

They are StrEnums so the stored value is the plain word (readable in SQL, and in
rows written before the enums existed) and compares equal to it.
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryState(StrEnum):
    """Where one person's prompt for one occurrence stands in the outbox."""

    PENDING = "pending"  # waiting in the outbox
    # Being posted (or posted by a dispatcher that died before recording it): already a
    # question the person may answer, since a quick reply can beat the send's record.
    SENDING = "sending"
    SENT = "sent"  # on the person's screen, not fully answered
    ANSWERED = "answered"  # every prompt answered or skipped
    CLOSED = "closed"  # the occurrence closed first
    FAILED = "failed"  # gave up (recipient gone, fatal error, too many attempts)
    WITHHELD = "withheld"  # not sent: the person had paused prompts
    SKIPPED = "skipped"  # not sent: no moment the person's rules allow before the pulse closed


# A first prompt due to be sent: waiting, or left "sending" by a dispatcher whose lease
# ran out (it may have died mid-send).
CLAIMABLE = (DeliveryState.PENDING, DeliveryState.SENDING)
# A prompt the person may be answering: posted, or being posted.
ASKED = (DeliveryState.SENDING, DeliveryState.SENT)


class NotificationState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # withdrawn before it went
    NOWHERE = "nowhere"  # the platform has no place configured for that audience


class NotificationAudience(StrEnum):
    """Who a notification is for: the leaders (the platform decides where they read),
    or one person (an idea's submitter hearing of its progress)."""

    LEADERS = "leaders"
    PERSON = "person"


class Anonymity(StrEnum):
    """What an occurrence keeps of who answered."""

    ANONYMOUS = "anonymous"  # no link from an answer to the person
    CONFIDENTIAL = "confidential"  # linked, never shown to leaders
    IDENTIFIED = "identified"
