"""Action ids on buttons and forms, and their values.

Values are short strings (Slack caps a button value at 2,000 chars), made
and read only here so every handler validates them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import BadAction

ANSWER_OPTION = "answer.option"  # value: delivery:prompt:option
ANSWER_OPEN = "answer.open"  # value: delivery:prompt -> a form
ANSWER_SUBMIT = "answer.submit"  # value: delivery:prompt, fields {"answer": text}
ANSWER_TEXT = "answer.text"  # value: delivery:prompt:text (the person said it is an answer)
ANSWER_UNDO = "answer.undo"  # value: delivery:prompt:response:token
# The optional comment after a pressed point: value as for undo, fields {"answer": text}.
ANSWER_COMMENT = "answer.comment"
ANSWER_COMMENT_OPEN = "answer.comment.open"  # value as for undo: the comment's form
PROMPT_SKIP = "prompt.skip"  # value: delivery:prompt
PROMPT_SNOOZE = "prompt.snooze"  # value: delivery:prompt
PROMPT_STOP = "prompt.stop"  # value: delivery:prompt
IDEA_FROM_MESSAGE = "idea.from_message"  # value: the text
IDEA_OPEN_FORM = "idea.open_form"  # a form to write an idea in
IDEA_SUBMIT = "idea.submit"  # fields {"idea": text}
IDEA_FIELD = "idea"
IDEA_MOVE = "idea.move"  # value: idea:from:to (state slugs), on the leaders' card
IDEA_NOTE_OPEN = "idea.note"  # value: idea:from:to -> a form for the reason or question
IDEA_NOTE_SUBMIT = "idea.note.submit"  # value: idea:from:to, fields {"note": text}
IDEA_NOTE_CANCEL = "idea.note.cancel"  # value: idea:from:to; the card comes back unchanged
NOTE_FIELD = "note"
IDEA_VOTE = "idea.vote"  # value: the idea's id
IDEA_VOTE_INSTEAD = "idea.vote_instead"  # value: new:existing (vote there, withdraw the new)
FORGET_CONFIRM = "forget.confirm"
FORGET_CANCEL = "forget.cancel"
PULSE_SEND_CONFIRM = "pulse.send"  # value: pulse:latest occurrence id when asked (0: none)
PULSE_SEND_CANCEL = "pulse.send.cancel"
# The wellness lead's pulse form: value "" (new) or the pulse's id (edit), fields by name;
# then the preview's buttons, whose value carries the form's fields as JSON.
PULSE_FORM_SUBMIT = "pulse.form.submit"
PULSE_FORM_OPEN = "pulse.form.open"  # value: "" (new) or the pulse's id: the form again
PULSE_SAVE = "pulse.save"
PULSE_CHANGE = "pulse.change"
EMERGING_ACCEPT = "emerging.accept"  # value: the candidate's id
EMERGING_DISMISS = "emerging.dismiss"  # value: the candidate's id

ANSWER_FIELD = "answer"


@dataclass(frozen=True)
class PromptTarget:
    delivery_id: int
    prompt_id: str

    def value(self, *extra: object) -> str:
        return ":".join([str(self.delivery_id), self.prompt_id, *map(str, extra)])


def parse_target(value: str, extra: int = 0) -> tuple[PromptTarget, list[str]]:
    """Split 'delivery:prompt[:extra...]'; BadAction if it is not exactly that shape."""
    parts = value.split(":")
    if len(parts) != 2 + extra or not parts[0].isdigit() or not parts[1]:
        raise BadAction(f"malformed action value {value!r}")
    return PromptTarget(int(parts[0]), parts[1]), parts[2:]


def parse_target_with_text(value: str) -> tuple[PromptTarget, str]:
    """Split 'delivery:prompt:free text' where the text may itself hold colons."""
    parts = value.split(":", 2)
    if len(parts) != 3:
        raise BadAction(f"malformed action value {value[:50]!r}")
    target, _ = parse_target(":".join(parts[:2]))
    return target, parts[2]
