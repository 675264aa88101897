"""The roles a person can hold. What each role may do is in bot/people/permissions.py.

A person holds any number of roles (grants are per person); someone met in chat
starts as a clinician. Roles are stored as their value (`wellness_lead`), and read
from what people type in any of the ways they write them ("wellness lead",
"Wellness-Lead", "wellness_lead").
"""

from __future__ import annotations

import re
from enum import StrEnum


class Role(StrEnum):
    CLINICIAN = "clinician"
    LEADER = "leader"
    WELLNESS_LEAD = "wellness_lead"
    ADMIN = "admin"


# One role's words as a pattern: spaces, dashes or an underscore between words.
ROLE_WORDS = "|".join(
    role.value.replace("_", r"[\s_-]+") for role in sorted(Role, key=len, reverse=True)
)
_ROLE = re.compile(rf"^(?:{ROLE_WORDS})$", re.IGNORECASE)


def parse_role(text: str) -> Role | None:
    """The role someone typed ("Wellness lead", "wellness_lead"), or None."""
    cleaned = text.strip().rstrip(".!")
    if not _ROLE.match(cleaned):
        return None
    return Role("_".join(cleaned.lower().replace("-", " ").replace("_", " ").split()))


def role_names() -> str:
    """Every role as people type it, for a usage line: "clinician, leader, ..."."""
    return ", ".join(role.value.replace("_", " ") for role in Role)
