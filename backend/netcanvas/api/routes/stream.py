"""WS /api/runs/{id}/stream: the stored history first, then live events; closes after the final status."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from ...store import repo
from ...store.db import Database
from ...store.models import RunRow
from ...training.events import to_json
from ..deps import CurrentUser, DbDep, HubDep
from ..hub import Subscriber, is_final_status

router = APIRouter(prefix="/api", tags=["runs"])

NOT_FOUND = 4404
SERVICE_RESTART = 1012


def _visible(db: Database, run_id: str, owner: str | None) -> bool:
    """The ownership rule of api/deps.RunDep (repo.get_run), for the websocket."""
    with db.session() as s:
        return repo.get_run(s, run_id, owner) is not None


def _history(db: Database, run_id: str) -> list[dict[str, Any]] | None:
    """The stored events as they were stored (JSON, sent as they are)."""
    with db.session() as s:
        if s.get(RunRow, run_id) is None:
            return None
        return [e.payload for e in repo.run_events(s, run_id)]


async def _relay(websocket: WebSocket, sub: Subscriber) -> str:
    """Send live events until the run ends ("ended"), the watcher leaves ("left", noticed at once,
    so its buffer is released), or the hub stops without a final status ("stopped")."""
    outcome = "left"

    async with anyio.create_task_group() as tg:

        async def pump() -> None:
            nonlocal outcome
            last = None
            try:
                while (event := await sub.get()) is not None:
                    await websocket.send_json(to_json(event))
                    last = event
                outcome = "ended" if is_final_status(last) else "stopped"
            except (WebSocketDisconnect, RuntimeError, OSError):
                pass  # the watcher is gone
            tg.cancel_scope.cancel()

        async def left() -> None:
            try:
                while (await websocket.receive())["type"] != "websocket.disconnect":
                    pass  # watchers have nothing to say; ignore what they send
            except (WebSocketDisconnect, RuntimeError, OSError):
                pass
            tg.cancel_scope.cancel()

        tg.start_soon(pump)
        tg.start_soon(left)
    return outcome


@router.websocket("/runs/{run_id}/stream")
async def stream_run(websocket: WebSocket, run_id: str, hub: HubDep, db: DbDep, user: CurrentUser) -> None:
    await websocket.accept()
    if user.owner is not None and not await run_in_threadpool(_visible, db, run_id, user.owner):
        await websocket.close(NOT_FOUND, f"Run '{run_id[:60]}' not found.")  # another user's: as a missing one
        return
    live = hub.subscribe(run_id)
    try:
        if live is None:  # not running here: the database holds the whole story
            history = await run_in_threadpool(_history, db, run_id)
            if history is None:
                await websocket.close(NOT_FOUND, f"Run '{run_id[:60]}' not found.")
                return
            for payload in history:
                await websocket.send_json(payload)
            await websocket.close(1000, "the run has ended")
            return
        snapshot, sub = live
        for event in snapshot:
            await websocket.send_json(to_json(event))
        outcome = await _relay(websocket, sub)
        if outcome == "ended":
            await websocket.close(1000, "the run has ended")
        elif outcome == "stopped":
            await websocket.close(SERVICE_RESTART, "the server is shutting down; reconnect later")
    except (WebSocketDisconnect, RuntimeError):
        pass  # the watcher left
    finally:
        if live is not None:
            hub.unsubscribe(run_id, live[1])
