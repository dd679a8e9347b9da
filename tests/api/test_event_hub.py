"""The event hub in isolation: storage downsampling, slow watchers, the snapshot seam."""

from __future__ import annotations

import asyncio

from netcanvas.api.hub import BATCHES_PER_EPOCH, EventHub, Subscriber, keep_batch
from netcanvas.store import repo
from netcanvas.store.db import Database
from netcanvas.store.models import RunRow
from netcanvas.training.events import BatchEvent, EpochEvent, Event, StatusEvent, to_json


def batch(epoch: int, step: int, steps: int) -> BatchEvent:
    return BatchEvent(epoch=epoch, step=step, steps=steps, seen=step, metrics={"loss": 1.0})


def test_keep_batch_stores_at_most_about_200_per_epoch():
    for steps in (1, 7, 200, 201, 1875, 10_000):
        kept: list[int] = []
        for s in range(1, steps + 1):
            if keep_batch(batch(1, s, steps), kept[-1] if kept else 0):
                kept.append(s)
        assert kept[0] == 1 and kept[-1] == steps
        assert len(kept) <= BATCHES_PER_EPOCH + 2
        if steps <= BATCHES_PER_EPOCH:
            assert len(kept) == steps


def test_keep_batch_keeps_batches_the_trainer_sends_off_the_stride():
    """Batch events arrive when the trainer's clock says (steps 3, 12, 21, … here), not on multiples
    of the stride (8 for 1437 steps): each one past a new multiple is stored, not dropped."""
    steps, kept = 1437, [0]
    for s in range(3, steps, 9):
        if keep_batch(batch(1, s, steps), kept[-1]):
            kept.append(s)
    assert kept[1:] == list(range(3, steps, 9))  # 9 apart: each passes a multiple of 8


def test_slow_subscriber_loses_batches_never_epochs_or_status():
    async def go() -> None:
        sub = Subscriber(max_pending=5)
        for s in range(1, 50):
            sub.push(batch(1, s, 49))
        sub.push(EpochEvent(epoch=1, epochs=1, metrics={"loss": 1.0}))
        sub.push(StatusEvent(status="succeeded"))
        sub.close()
        got = []
        while (e := await sub.get()) is not None:
            got.append(e)
        assert [e.type for e in got] == ["batch"] * 5 + ["epoch", "status"]
        assert sub.dropped == 44

    asyncio.run(go())


def test_hub_persists_downsampled_history_and_snapshot_seam(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'hub.db'}")
    with db.session() as s:
        run_id = repo.create_run(s, name="r", request={}, graph={}, dataset="digits").id

    async def go() -> tuple[list[Event], list[Event], list[dict]]:
        hub = EventHub(db)
        await hub.start()
        hub.open(run_id)
        hub.publish(run_id, StatusEvent(status="running", device="cpu"))
        steps = 1000
        for step in range(1, 501):
            hub.publish(run_id, BatchEvent(epoch=1, step=step, steps=steps, seen=step, metrics={"loss": 1.0}))
        while True:  # subscribe midway, once the first 500 batches are stored
            snapshot, sub = hub.subscribe(run_id)
            if any(isinstance(e, BatchEvent) and e.step == 500 for e in snapshot):
                break
            hub.unsubscribe(run_id, sub)
            await asyncio.sleep(0.05)
        for step in range(501, steps + 1):
            hub.publish(run_id, BatchEvent(epoch=1, step=step, steps=steps, seen=step, metrics={"loss": 1.0}))
        hub.publish(run_id, EpochEvent(epoch=1, epochs=1, metrics={"loss": 0.5}))
        hub.publish(run_id, StatusEvent(status="succeeded", device="cpu"))
        live = []
        while (e := await sub.get()) is not None:
            live.append(e)
        assert await hub.wait_done(run_id, 5)
        assert not hub.is_active(run_id)
        await hub.stop()
        with db.session() as s:
            stored = [e.payload for e in repo.run_events(s, run_id)]
        return snapshot, live, stored

    snapshot, live, stored = asyncio.run(go())
    batches = [e["step"] for e in stored if e["type"] == "batch"]
    assert batches[0] == 1 and batches[-1] == 1000 and len(batches) == 201  # steps 1, 5, 10, …, 1000
    assert [to_json(e) for e in snapshot] == stored[: len(snapshot)]  # typed in memory, JSON in the database
    seen_steps = [e.step for e in snapshot + live if isinstance(e, BatchEvent)]
    assert seen_steps == sorted(set(seen_steps)) and seen_steps[-1] == 1000
    assert [e.step for e in live if isinstance(e, BatchEvent)] == list(range(501, 1001))  # live: every batch
    assert isinstance(live[-1], StatusEvent) and live[-1].status == "succeeded"
    with db.session() as s:
        row = s.get(RunRow, run_id)
        assert row.status == "succeeded" and row.device == "cpu" and row.final_metrics == {"loss": 0.5}
        assert row.started_at is not None and row.finished_at is not None
    db.dispose()


class FakeSocket:
    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.gone = asyncio.Event()

    async def send_json(self, payload: dict) -> None:
        self.sent.append(payload)

    async def receive(self) -> dict:
        await self.gone.wait()
        return {"type": "websocket.disconnect"}


def test_relay_tells_a_finished_run_from_a_stopping_server_and_a_leaving_watcher():
    from netcanvas.api.routes.stream import _relay

    async def go() -> list[str]:
        outcomes = []
        for case in ("ended", "stopped", "left"):
            sock, sub = FakeSocket(), Subscriber()
            sub.push(StatusEvent(status="running"))
            if case == "ended":
                sub.push(StatusEvent(status="succeeded"))
                sub.close()
            elif case == "stopped":
                sub.close()  # the hub stopped before the run ended
            else:
                sock.gone.set()
            outcomes.append(await asyncio.wait_for(_relay(sock, sub), 5))
        return outcomes

    assert asyncio.run(go()) == ["ended", "stopped", "left"]
