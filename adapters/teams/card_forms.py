"""What a Thrive card's actions carry, and how a press comes back as (action_id, value, fields).

Teams merges the card's inputs into the pressed action's `data` object, keyed by input id.
So our own keys ("thrive", "action_id", "value", "choose") and the inputs' ids live in
separate namespaces: inputs are always "thrive.field.<name>" or "thrive.choice", and no
input id can overwrite the keys that say which action was pressed.

Anything that is not shaped like this (an old card, a hand-made payload, another bot's
card) is refused with a ValueError whose message says why; the adapter answers it with a
friendly card error and stores nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

MARKER = "thrive"  # data[MARKER] == CARD_VERSION marks an action as one of ours
CARD_VERSION = 1
ACTION_KEY = "action_id"
VALUE_KEY = "value"
CHOOSE_KEY = "choose"  # present and true: the value ends with the picked choice
FIELD_PREFIX = "thrive.field."
CHOICE_INPUT = "thrive.choice"

MAX_ACTION_ID = 255
MAX_VALUE = 2000  # values are made by the core and kept short (as on Slack)
MAX_FIELD = 20_000  # over the core's own limit, so the core can say "too long" kindly
MAX_KEYS = 50
MAX_SUBMISSION_CHARS = 100_000


def field_id(name: str) -> str:
    """The Input id for a form field called `name`."""
    return FIELD_PREFIX + name


def submit_data(action_id: str, value: str, *, choose: bool = False) -> dict[str, Any]:
    """The `data` of an Action.Submit that `parse_submission` reads back."""
    data: dict[str, Any] = {MARKER: CARD_VERSION, ACTION_KEY: action_id, VALUE_KEY: value}
    if choose:
        data[CHOOSE_KEY] = True
    return data


def execute_data(value: str) -> dict[str, Any]:
    """The `data` of an Action.Execute; its verb is the action id."""
    return {MARKER: CARD_VERSION, VALUE_KEY: value}


def parse_submission(value: Mapping[str, Any]) -> tuple[str, str, dict[str, str]]:
    """(action_id, value, fields) from an Action.Submit's activity value."""
    data = _ours(value, "card submission")
    action_id = data.get(ACTION_KEY)
    return _action_id(action_id), _value(data), _fields(data)


def parse_execute(verb: object, data: object) -> tuple[str, str, dict[str, str]]:
    """(action_id, value, fields) from an Action.Execute invoke's `action.verb` and `.data`."""
    ours = _ours(data, "card action")
    return _action_id(verb), _value(ours), _fields(ours)


def _ours(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"{what} is not an object: not a Thrive card")
    if len(data) > MAX_KEYS:
        raise ValueError(f"{what} has {len(data)} keys, over {MAX_KEYS}: not a Thrive card")
    try:
        size = len(json.dumps(data, ensure_ascii=False, default=str))
    except (TypeError, ValueError) as error:  # e.g. a circular structure
        raise ValueError(f"{what} cannot be read as JSON: {error}") from error
    if size > MAX_SUBMISSION_CHARS:
        raise ValueError(f"{what} is {size} characters, over {MAX_SUBMISSION_CHARS}")
    # bool is an int in Python: `True == 1`, so compare the type as well.
    marker = data.get(MARKER)
    if type(marker) is not int or marker != CARD_VERSION:
        raise ValueError(f"{what} has no Thrive marker (version {CARD_VERSION}): not our card")
    return data


def _action_id(action_id: object) -> str:
    if not isinstance(action_id, str) or not action_id:
        raise ValueError("card action has no action id")
    if len(action_id) > MAX_ACTION_ID:
        raise ValueError(f"card action id is longer than {MAX_ACTION_ID} characters")
    return action_id


def _value(data: Mapping[str, Any]) -> str:
    value = data.get(VALUE_KEY, "")
    if not isinstance(value, str):
        raise ValueError("card action value is not text")
    choose = data.get(CHOOSE_KEY, False)
    if choose is True:
        choice = data.get(CHOICE_INPUT)
        if not isinstance(choice, str) or not choice:
            raise ValueError("card action asks for a choice but none was picked")
        value += choice
    elif choose is not False:
        raise ValueError(f"card action's {CHOOSE_KEY!r} is not true or false")
    if len(value) > MAX_VALUE:
        raise ValueError(f"card action value is longer than {MAX_VALUE} characters")
    return value


def _fields(data: Mapping[str, Any]) -> dict[str, str]:
    """Our inputs' text by field name. Keys outside our namespaces are ignored: Teams may
    add its own, and they cannot be mistaken for ours."""
    fields: dict[str, str] = {}
    for key, text in data.items():
        if not (isinstance(key, str) and key.startswith(FIELD_PREFIX)):
            continue
        name = key[len(FIELD_PREFIX) :]
        if not name:
            raise ValueError("card input has an empty field name")
        if text is None:  # an optional input left empty may come back as null
            text = ""
        if not isinstance(text, str):
            raise ValueError(f"card input {name!r} is not text")
        if len(text) > MAX_FIELD:
            raise ValueError(f"card input {name!r} is longer than {MAX_FIELD} characters")
        fields[name] = text
    return fields
