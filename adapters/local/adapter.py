"""The local web chat adapter: a page at /chat and the JSON API behind it.

The API is the local equivalent of a platform's API, and part of the product:
scripts and tests drive the bot through it exactly as the page does.

    GET  /chat                                   the page
    GET  /chat/api/people                        who can chat
    POST /chat/api/people                        add a person {id, name, email?, site?, roles?,
                                                  timezone?, tags?}: in `thrive demo` only
                                                  (no login guards it); 404 otherwise
    GET  /chat/api/people/{id}/conversation      messages, newest last (?after=<message id>)
    POST /chat/api/people/{id}/messages          {text, client_message_id?}
    POST /chat/api/people/{id}/actions           {action_id, value?, fields?, message_id?,
                                                  client_action_id?}
    GET  /chat/api/people/{id}/ws                websocket: pushes new and updated messages

Errors are JSON: {"error": "...", "detail": ...} with a 4xx status.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import structlog
from aiohttp import WSCloseCode, WSMsgType, web
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters import json_guard
from adapters.base import deliver_replies, route_of
from adapters.local.api_models import ActionIn, MessageIn, PersonIn
from adapters.local.page import page_html
from adapters.local.renderer import brought_up_to_date, render
from bot.clock import Clock
from bot.context import MAX_MESSAGE_LENGTH
from bot.conversation.dispatcher import Dispatcher
from bot.errors import RecipientGone
from bot.events import ActionInvoked, ConversationRef, MessageReceived, MessageRef, PersonRef
from bot.messages import Image, OutboundMessage, Say
from bot.people.roles import Role
from bot.privacy import redact
from storage.engine import Database
from storage.local_chat import LocalChatRepository
from storage.models import LocalChatMessage, Person
from storage.people import PeopleRepository
from storage.states import NotificationAudience

LOCAL_PLATFORM = "local"
# Marks a leader's copy of an idea card in the chat's store (not news about the idea).
LEADERS_COPY = "leaders_copy"
LOCAL_WORKSPACE = "local"
STATIC_DIR = Path(__file__).parent / "static"

log = structlog.get_logger(__name__)


class LocalChatAdapter:
    platform = LOCAL_PLATFORM

    def __init__(
        self, database: Database, dispatcher: Dispatcher, clock: Clock, *, demo: bool = False
    ) -> None:
        self.database = database
        self.dispatcher = dispatcher
        self.clock = clock
        self.demo = demo
        self.say: Say = dispatcher.ctx.say  # the page's words, and old messages reworded
        self._sockets: dict[str, set[web.WebSocketResponse]] = defaultdict(set)
        self._page_html: str | None = None

    # --- ChatAdapter ---

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/chat", self._page)
        app.router.add_static("/chat/static", STATIC_DIR)
        app.router.add_get("/chat/api/people", self._list_people)
        # Anyone who reaches the page could add themselves as a leader: demo only.
        app.router.add_post(
            "/chat/api/people", self._add_person if self.demo else self._no_people_api
        )
        app.router.add_get("/chat/api/people/{person}/conversation", self._conversation)
        app.router.add_post("/chat/api/people/{person}/messages", self._post_message)
        app.router.add_post("/chat/api/people/{person}/actions", self._post_action)
        app.router.add_get("/chat/api/people/{person}/ws", self._websocket)
        app.on_shutdown.append(self._close_sockets)

    async def send(
        self, to: ConversationRef, message: OutboundMessage, *, paced: bool = False
    ) -> MessageRef:
        return await self._post(to, render(message))

    async def _post(self, to: ConversationRef, body: dict[str, Any]) -> MessageRef:
        now = self.clock.now()
        async with self.database.transaction() as session:
            person = await _person(session_people(session), to.conversation_id)
            if person is None:
                raise RecipientGone(f"no local person {to.conversation_id!r}")
            stored = await LocalChatRepository(session).append(person.id, "bot", body, now)
            payload = _message_json(stored, self.say)
        await self._push(to.conversation_id, "message", payload)
        return MessageRef(LOCAL_PLATFORM, to.conversation_id, str(payload["id"]))

    async def upload_image(
        self, to: ConversationRef, image: Image, *, paced: bool = False
    ) -> MessageRef:
        """The page draws a message's image as an <img> (a data URI: nothing to serve)."""
        return await self.send(to, OutboundMessage(text="", image=image), paced=paced)

    async def update(self, ref: MessageRef, message: OutboundMessage) -> None:
        await self._update_own(ref, message)
        if message.idea is not None:
            await self._update_idea_copies(ref, message)

    async def _update_idea_copies(self, ref: MessageRef, card: OutboundMessage) -> None:
        """Every leader has their own copy of an idea card here (no shared channel), so a
        card updated in one chat is updated in all of them. Only the leaders' copies: a
        leader who sent the idea also holds its news, which says what it said."""
        assert card.idea is not None
        body = {**render(card), LEADERS_COPY: True}
        pushes: list[tuple[str, dict[str, Any]]] = []
        async with self.database.transaction() as session:
            chat = LocalChatRepository(session)
            leaders = await session_people(session).with_role(Role.LEADER)
            by_id = {p.id: p.platform_user_id for p in leaders}
            for copy in await chat.cards_of(list(by_id), card.idea.idea_id):
                if str(copy.id) == ref.message_id or not _is_leaders_copy(copy.body):
                    continue
                await chat.replace_body(copy, body, self.clock.now())
                pushes.append((by_id[copy.person_id], _message_json(copy, self.say)))
        for user_id, payload in pushes:
            await self._push(user_id, "update", payload)

    async def _update_own(self, ref: MessageRef, message: OutboundMessage) -> bool:
        """Replace a bot message in that person's chat; False if there is no such message."""
        if not ref.message_id.isdigit():
            return False
        async with self.database.transaction() as session:
            chat = LocalChatRepository(session)
            stored = await chat.get(int(ref.message_id))
            person = await _person(session_people(session), ref.conversation_id)
            if stored is None or person is None or stored.person_id != person.id:
                return False
            if stored.sender != "bot":
                return False
            body = render(message)
            if _is_leaders_copy(stored.body):  # still the leaders' copy, whatever it shows now
                body[LEADERS_COPY] = True
            await chat.replace_body(stored, body, self.clock.now())
            payload = _message_json(stored, self.say)
        await self._push(ref.conversation_id, "update", payload)
        return True

    async def announce(
        self, workspace: str, audience: str, message: OutboundMessage
    ) -> MessageRef | None:
        """The local chat has no channels: each leader of `workspace` finds the card in
        their own chat."""
        if audience != NotificationAudience.LEADERS:
            return None
        async with self.database.transaction() as session:
            leaders = [
                person.platform_user_id
                for person in await session_people(session).with_role(Role.LEADER)
                if person.workspace.platform == LOCAL_PLATFORM
                and person.workspace.external_id == workspace
            ]
        # Each copy is marked as the leaders': later moves update those, and only those.
        body = {**render(message), LEADERS_COPY: True}
        refs = [await self._post(conversation_for(leader), body) for leader in leaders]
        return refs[0] if refs else None

    async def open_form(
        self, to: ConversationRef, form_message: OutboundMessage, trigger: str | None
    ) -> MessageRef | None:
        # No modals here: the form takes the place of the message whose button opened it
        # (the trigger), so answering it turns that very message into "answered".
        if trigger is not None and trigger.isdigit():
            ref = MessageRef(LOCAL_PLATFORM, to.conversation_id, trigger)
            if await self._update_own(ref, form_message):
                return ref
        return await self.send(to, form_message)

    # --- HTTP handlers ---

    async def _page(self, _request: web.Request) -> web.StreamResponse:
        if self._page_html is None:  # worded once: the copy does not change while we run
            self._page_html = page_html(self.say)
        return web.Response(text=self._page_html, content_type="text/html")

    async def _list_people(self, _request: web.Request) -> web.Response:
        async with self.database.transaction() as session:
            people = await session_people(session).on_platform(LOCAL_PLATFORM)
            return web.json_response({"people": [_person_json(p) for p in people]})

    async def _no_people_api(self, _request: web.Request) -> web.Response:
        # A 404 like any unknown path (aiohttp would say 405: the GET exists).
        raise _error(web.HTTPNotFound, "not_found", "adding people is for `thrive demo` only")

    async def _add_person(self, request: web.Request) -> web.Response:
        body = await _json_body(request, PersonIn)
        now = self.clock.now()
        async with self.database.transaction() as session:
            people = session_people(session)
            workspace = await people.workspace(LOCAL_PLATFORM, LOCAL_WORKSPACE, now=now)
            if await people.find(workspace.id, body.id) is not None:
                raise _error(web.HTTPConflict, "person_exists", f"{body.id!r} already exists")
            person = await people.add(
                Person(
                    workspace_id=workspace.id,
                    platform_user_id=body.id,
                    display_name=body.name,
                    email=body.email,
                    site=body.site,
                    # The configured default, as for people met in chat (the workspace
                    # row's own default is never set and would say UTC).
                    timezone=body.timezone or self.dispatcher.ctx.default_timezone,
                    tags=list(body.tags),
                    conversation_ref=conversation_for(body.id).to_dict(),
                    created_at=now,
                )
            )
            for role in body.roles:
                await people.grant(person, role, now=now)
            payload = _person_json(person)
        log.info("local.person_added", roles=len(body.roles))
        return web.json_response(payload, status=201)

    async def _conversation(self, request: web.Request) -> web.Response:
        after_text = request.query.get("after", "0")
        # ASCII digits only ("²".isdigit() is true) and no more than a database integer holds.
        if not (after_text.isascii() and after_text.isdigit() and int(after_text) <= MAX_ID):
            log.info("local.bad_request", route=route_of(request), reason="bad after")
            raise _error(web.HTTPBadRequest, "bad_query", "after must be a message id")
        async with self.database.transaction() as session:
            person = await self._require_person(session_people(session), request)
            messages = await LocalChatRepository(session).conversation(person.id, int(after_text))
            return web.json_response({"messages": [_message_json(m, self.say) for m in messages]})

    async def _post_message(self, request: web.Request) -> web.Response:
        body = await _json_body(request, MessageIn)
        user_id = request.match_info["person"]
        started = self.clock.now()
        async with self.database.transaction() as session:
            person = await self._require_person(session_people(session), request)
            ref = _person_ref(person)
            last_id = await _last_message_id(session, person.id)
        event_id = f"msg:{user_id}:{body.client_message_id}" if body.client_message_id else None
        outcome = await self.dispatcher.handle(
            MessageReceived(
                person=ref,
                conversation=conversation_for(user_id),
                event_id=event_id,
                text=body.text,
            )
        )
        if not outcome.duplicate:
            echo = _transcript_text(body.text, self.say)
            if echo:
                await self._record_person_message(person.id, user_id, echo)
            await deliver_replies(self, self.dispatcher, conversation_for(user_id), outcome.replies)
        return await self._since(person.id, last_id, started)

    async def _post_action(self, request: web.Request) -> web.Response:
        body = await _json_body(request, ActionIn)
        user_id = request.match_info["person"]
        started = self.clock.now()
        async with self.database.transaction() as session:
            person = await self._require_person(session_people(session), request)
            ref = _person_ref(person)
            last_id = await _last_message_id(session, person.id)
            message_ref = None
            if body.message_id is not None:
                pressed = await LocalChatRepository(session).get(body.message_id)
                if pressed is None or pressed.person_id != person.id:
                    raise _error(
                        web.HTTPBadRequest, "unknown_message", "message_id is not in this chat"
                    )
                message_ref = MessageRef(LOCAL_PLATFORM, user_id, str(pressed.id))
        event_id = f"act:{user_id}:{body.client_action_id}" if body.client_action_id else None
        outcome = await self.dispatcher.handle(
            ActionInvoked(
                person=ref,
                conversation=conversation_for(user_id),
                event_id=event_id,
                action_id=body.action_id,
                value=body.value,
                fields=body.fields,
                message_ref=message_ref,
            )
        )
        if outcome.erase_history:
            await self._erase_history(person.id, user_id)
            last_id = 0
        await deliver_replies(
            self,
            self.dispatcher,
            conversation_for(user_id),
            outcome.replies,
            trigger=str(body.message_id) if body.message_id is not None else None,
        )
        return await self._since(person.id, last_id, started, erased=outcome.erase_history)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        async with self.database.transaction() as session:
            await self._require_person(session_people(session), request)
        user_id = request.match_info["person"]
        socket = web.WebSocketResponse(heartbeat=30)
        await socket.prepare(request)
        self._sockets[user_id].add(socket)
        try:
            async for frame in socket:  # the page only listens; ignore anything it sends
                if frame.type == WSMsgType.ERROR:
                    break
        finally:
            self._sockets[user_id].discard(socket)
        return socket

    # --- helpers ---

    async def _require_person(self, people: PeopleRepository, request: web.Request) -> Person:
        user_id = request.match_info["person"]
        # An id no one can have (too long, a NUL, a lone surrogate) is not looked up: some
        # databases refuse such text outright.
        person = await _person(people, user_id) if _plausible_id(user_id) else None
        if person is None:
            log.info("local.unknown_person")
            raise _error(web.HTTPNotFound, "unknown_person", f"no person {user_id!r}")
        return person

    async def _erase_history(self, person_id: int, user_id: str) -> None:
        """After "forget me": this chat is ours to keep or drop, so drop it."""
        async with self.database.transaction() as session:
            await LocalChatRepository(session).erase(person_id)
        for socket in list(self._sockets.get(user_id, ())):
            try:
                await socket.send_json({"type": "erased"})
            except ConnectionError:
                self._sockets[user_id].discard(socket)

    async def _record_person_message(self, person_id: int, user_id: str, text: str) -> None:
        async with self.database.transaction() as session:
            stored = await LocalChatRepository(session).append(
                person_id, "person", {"text": text}, self.clock.now()
            )
            payload = _message_json(stored, self.say)
        await self._push(user_id, "message", payload)

    async def _since(
        self, person_id: int, last_id: int, started: datetime, *, erased: bool = False
    ) -> web.Response:
        """The reply to a post: what it added to the conversation, and what it changed
        (`erased`: the history before it is gone, so the page starts over)."""
        async with self.database.transaction() as session:
            messages = await LocalChatRepository(session).changed_since(person_id, last_id, started)
        new = [_message_json(m, self.say) for m in messages if m.id > last_id]
        updated = [_message_json(m, self.say) for m in messages if m.id <= last_id]
        body: dict[str, Any] = {"messages": new, "updated": updated}
        if erased:
            body["erased"] = True
        return web.json_response(body)

    async def _push(self, user_id: str, kind: str, payload: dict[str, Any]) -> None:
        for socket in list(self._sockets.get(user_id, ())):
            try:
                await socket.send_json({"type": kind, "message": payload})
            except ConnectionError:
                self._sockets[user_id].discard(socket)

    async def _close_sockets(self, _app: web.Application) -> None:
        """Close open pages' sockets at shutdown: aiohttp would otherwise wait (up to its
        shutdown timeout) for each websocket handler to end before the process can exit."""
        for sockets in list(self._sockets.values()):
            for socket in list(sockets):
                await socket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


def _transcript_text(text: str, say: Say) -> str:
    """What the chat keeps of the person's message: redacted like the rest of the store;
    nothing for an empty one; a note, not the words, for one the bot refused as too long."""
    stripped = text.strip()
    if not stripped:
        return ""
    if len(stripped) > MAX_MESSAGE_LENGTH:
        return say("chat.too_long_to_keep", characters=f"{len(stripped):,}")
    return redact(stripped).text


def conversation_for(user_id: str) -> ConversationRef:
    return ConversationRef(LOCAL_PLATFORM, LOCAL_WORKSPACE, user_id)


def session_people(session: AsyncSession) -> PeopleRepository:
    return PeopleRepository(session)


async def _person(people: PeopleRepository, user_id: str) -> Person | None:
    return await people.find_by_ref(LOCAL_PLATFORM, LOCAL_WORKSPACE, user_id)


async def _last_message_id(session: AsyncSession, person_id: int) -> int:
    return await LocalChatRepository(session).last_id(person_id)


def _person_ref(person: Person) -> PersonRef:
    return PersonRef(
        platform=LOCAL_PLATFORM,
        workspace=LOCAL_WORKSPACE,
        user_id=person.platform_user_id,
        display_name=person.display_name,
    )


def _person_json(person: Person) -> dict[str, Any]:
    return {
        "id": person.platform_user_id,
        "name": person.display_name,
        "site": person.site,
        "roles": sorted(grant.role for grant in person.roles),
        "timezone": person.timezone,
        "paused": person.paused,
    }


def _is_leaders_copy(body: dict[str, Any]) -> bool:
    """A leader's copy of an idea card: marked so, or (kept by an older version, unmarked)
    carrying the pathway's moves."""
    if body.get(LEADERS_COPY):
        return True
    moves = ("idea.move", "idea.note")
    return any(str(b.get("action_id")) in moves for b in body.get("buttons") or [])


def _message_json(message: LocalChatMessage, say: Say) -> dict[str, Any]:
    return {
        "id": message.id,
        "from": message.sender,
        "created_at": message.created_at.isoformat(),
        "updated_at": message.updated_at.isoformat(),
        **brought_up_to_date(message.body, say),
    }


def _error(kind: type[web.HTTPException], code: str, detail: Any) -> web.HTTPException:
    return kind(text=json.dumps({"error": code, "detail": detail}), content_type="application/json")


Model = TypeVar("Model", MessageIn, ActionIn, PersonIn)
MAX_ID = 2**63 - 1  # the largest message id a database integer holds
MAX_PERSON_ID = 200


def _plausible_id(user_id: str) -> bool:
    if not user_id or len(user_id) > MAX_PERSON_ID:
        return False
    try:
        json_guard.check_text(user_id)
    except json_guard.BadJson:
        return False
    return True


async def _json_body(request: web.Request, model: type[Model]) -> Model:
    """Parse and validate a JSON body; a 400 with the reasons (and a log line) otherwise."""
    try:  # over the size limit: a JSON 413 (thrive/server.py)
        raw = json_guard.loads(await request.read())
    except json_guard.BadJson as problem:
        log.info("local.bad_request", route=route_of(request), reason=problem.code)
        raise _error(web.HTTPBadRequest, problem.code, problem.detail) from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems = [
            {"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in error.errors()
        ]
        # The model's own field names only: a key inside `fields` is the sender's text.
        named = sorted({str(e["loc"][0]) for e in error.errors() if e["loc"]})
        log.info("local.bad_request", route=route_of(request), fields=named)
        raise _error(web.HTTPBadRequest, "invalid_body", problems) from None


__all__ = ["LOCAL_PLATFORM", "LOCAL_WORKSPACE", "LocalChatAdapter", "Role", "conversation_for"]
