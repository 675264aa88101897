"""GET /healthz over real HTTP: ok while the database answers, 503 once it is gone."""

from __future__ import annotations

from pathlib import Path

from tests.integration.live_chat import ChatFactory


async def test_health_is_ok_with_a_working_database(
    tmp_path: Path, start_chat: ChatFactory
) -> None:
    chat = await start_chat(tmp_path)

    status, body = await chat.request("GET", "/healthz")

    assert status == 200
    assert body["status"] == "ok"


async def test_health_is_503_once_the_database_file_is_gone(
    tmp_path: Path, start_chat: ChatFactory
) -> None:
    # The SQLite file lives on its own "volume" (a directory) that then disappears, as an
    # unmounted disk would: new connections cannot open it, so the ping fails for real.
    volume = tmp_path / "volume"
    chat = await start_chat(volume)
    assert (await chat.request("GET", "/healthz"))[0] == 200

    await chat.runtime.database.dispose()  # drop pooled connections to the old file
    # Moved away in one step: the server's outbox keeps connecting meanwhile, and
    # SQLite would create a new file in a directory being deleted file by file.
    volume.rename(tmp_path / "unmounted")

    status, body = await chat.request("GET", "/healthz")

    assert status == 503
    assert body["status"] == "unavailable"
    assert body["reason"].startswith("database:")
