"""GET and POST /chat/api/people: who can chat, and adding someone."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from storage.models import Person, RoleGrant
from tests.integration.live_chat import API, ChatFactory, LiveChat


async def test_the_demo_people_are_listed(live_chat: LiveChat) -> None:
    status, body = await live_chat.request("GET", API)

    assert status == 200
    people = body["people"]
    assert len(people) == 12
    roles = Counter(role for person in people for role in person["roles"])
    assert roles == {"clinician": 9, "leader": 2, "wellness_lead": 1}
    assert len({person["site"] for person in people}) == 3
    amara = next(person for person in people if person["id"] == "amara")
    assert amara == {
        "id": "amara",
        "name": "Dr Amara Okafor",
        "site": "Riverside Family Medicine",
        "roles": ["clinician"],
        "timezone": "America/New_York",
        "paused": False,
    }


async def test_adding_a_person(live_chat: LiveChat) -> None:
    status, body = await live_chat.request(
        "POST",
        API,
        json={
            "id": "nadia",
            "name": "Nadia Ali, RN",
            "site": "Hillcrest Health Center",
            "roles": ["clinician", "leader"],
            "timezone": "America/Denver",
        },
    )

    assert status == 201
    assert body == {
        "id": "nadia",
        "name": "Nadia Ali, RN",
        "site": "Hillcrest Health Center",
        "roles": ["clinician", "leader"],
        "timezone": "America/Denver",
        "paused": False,
    }
    _, listed = await live_chat.request("GET", API)
    assert body in listed["people"]
    # A new person can chat at once.
    [reply] = live_chat.from_bot(await live_chat.say("nadia", "help"))
    assert reply["text"].startswith("For leaders:")  # her own role's commands first
    assert "Here's what you can type:" in reply["text"]


async def test_a_person_added_without_a_time_zone_gets_the_configured_default(
    live_chat: LiveChat,
) -> None:
    status, body = await live_chat.request("POST", API, json={"id": "omar", "name": "Omar"})

    assert status == 201
    assert body["roles"] == ["clinician"]
    assert body["timezone"] == live_chat.runtime.settings.default_timezone == "America/New_York"


async def test_adding_someone_who_exists_is_a_409(live_chat: LiveChat) -> None:
    people_before = await live_chat.count(Person)

    status, body = await live_chat.request(
        "POST", API, json={"id": "amara", "name": "Someone Else"}
    )

    assert status == 409
    assert body["error"] == "person_exists"
    assert await live_chat.count(Person) == people_before
    _, listed = await live_chat.request("GET", API)
    assert {p["name"] for p in listed["people"] if p["id"] == "amara"} == {"Dr Amara Okafor"}


async def test_bad_people_are_a_400_naming_the_field(live_chat: LiveChat) -> None:
    people_before = await live_chat.count(Person)
    roles_before = await live_chat.count(RoleGrant)
    wrong = [
        ({"id": "zed", "name": "Zed", "timezone": "Mars/Base"}, "timezone"),
        ({"id": "Not An Id", "name": "Zed"}, "id"),
        ({"id": "zed", "name": ""}, "name"),
        ({"id": "zed", "name": "Zed", "roles": ["admin"]}, "roles.0"),
        ({"id": "zed", "name": "Zed", "email": "not an address"}, "email"),
        ({"id": "zed", "name": "Zed", "password": "hunter2"}, "password"),
    ]

    for body, field in wrong:
        status, error = await live_chat.request("POST", API, json=body)
        assert status == 400, body
        assert error["error"] == "invalid_body"
        assert field in {problem["field"] for problem in error["detail"]}, (body, error)

    assert await live_chat.count(Person) == people_before
    assert await live_chat.count(RoleGrant) == roles_before


async def test_the_demo_keeps_an_added_persons_email(live_chat: LiveChat) -> None:
    body = {"id": "nadia", "name": "Nadia Ali, RN", "email": "Nadia.Ali@hillcrest.example"}

    status, shown = await live_chat.request("POST", API, json=body)

    assert status == 201
    assert "email" not in shown  # an address is not for an API without a login to show
    [nadia] = await live_chat.rows(Person, Person.platform_user_id == "nadia")
    assert nadia.email == "Nadia.Ali@hillcrest.example"


async def test_outside_the_demo_nobody_can_be_added(
    tmp_path: Path, start_chat: ChatFactory
) -> None:
    chat = await start_chat(tmp_path, demo=False)

    status, body = await chat.request(
        "POST", API, json={"id": "mallory", "name": "Mallory", "roles": ["leader"]}
    )

    assert (status, body["error"]) == (404, "not_found")
    assert await chat.count(Person) == 0
    assert await chat.count(RoleGrant) == 0
    assert await chat.request("GET", API) == (200, {"people": []})
