"""The hub never forgets (issue 12): a database that fails N writes in a row loses no event and
leaves no run `running` with its history dropped; a run whose events the database refuses while
it answers is marked failed with the reason, and the other runs are written."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager

import pytest
from sqlalchemy.exc import OperationalError

from netcanvas.api import hub as hub_module
from netcanvas.api.hub import EventHub
from netcanvas.store import repo
from netcanvas.store.db import Database
from netcanvas.store.models import RunRow
from netcanvas.training.events import BatchEvent, EpochEvent, Event, LogEvent, StatusEvent


class FlakyDatabase:
    """A Database whose next `failures` sessions fail as a database that is down does."""

    def __init__(self, db: Database, failures: int = 0):
        self.db, self.failures, self.refused = db, failures, 0

    @contextmanager
    def session(self):
        if self.failures > 0:
            self.failures -= 1
            self.refused += 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        with self.db.session() as s:
            yield s


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(hub_module, "RETRY_FIRST_S", 0.01)
    monkeypatch.setattr(hub_module, "RETRY_MAX_S", 0.05)


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'hub.db'}")
    yield database
    database.dispose()


def new_run(db: Database) -> str:
    with db.session() as s:
        return repo.create_run(s, name="r", request={}, graph={}, dataset="digits").id


def a_run(steps: int = 20) -> list[Event]:
    events: list[Event] = [StatusEvent(status="running", device="cpu"), LogEvent(level="info", message="hello")]
    events += [BatchEvent(epoch=1, step=i, steps=steps, seen=i, metrics={"loss": 1.0 / i}) for i in range(1, steps + 1)]
    events += [EpochEvent(epoch=1, epochs=1, metrics={"loss": 0.25}), StatusEvent(status="succeeded", device="cpu")]
    return events


def stored(db: Database, run_id: str) -> tuple[list[int], list[dict], RunRow]:
    with db.session() as s:
        rows = repo.run_events(s, run_id)
        return [r.seq for r in rows], [r.payload for r in rows], s.get(RunRow, run_id)


async def drain(sub) -> list[Event]:
    got = []
    while (e := await asyncio.wait_for(sub.get(), 5)) is not None:
        got.append(e)
    return got


@pytest.mark.parametrize("failures", [1, 3, 8])  # 3 used to be the end of the history
def test_failed_writes_are_retried_until_the_whole_history_is_stored(db, failures):
    run_id = new_run(db)
    flaky = FlakyDatabase(db)

    async def go():
        hub = EventHub(flaky)  # type: ignore[arg-type]
        await hub.start()
        hub.open(run_id)
        _, sub = hub.subscribe(run_id)
        flaky.failures = failures  # the database goes away now
        for e in a_run():
            hub.publish(run_id, e)
        live = await drain(sub)  # watchers get every event live meanwhile
        assert await hub.wait_done(run_id, 10)  # …and the run is released only once it is written
        await hub.stop()
        return live

    live = asyncio.run(go())
    assert flaky.refused == failures
    assert [e.type for e in live] == [e.type for e in a_run()]
    seqs, payloads, row = stored(db, run_id)
    assert seqs == list(range(1, len(a_run()) + 1))  # nothing lost, nothing twice, in order
    assert [p["type"] for p in payloads] == [e.type for e in a_run()]
    assert row.status == "succeeded" and row.final_metrics == {"loss": 0.25} and row.finished_at is not None


def test_while_unwritten_the_run_stays_live_with_its_history(db):
    run_id = new_run(db)
    flaky = FlakyDatabase(db)

    async def go():
        hub = EventHub(flaky)  # type: ignore[arg-type]
        await hub.start()
        hub.open(run_id)
        flaky.failures = 10**9  # down until told otherwise
        for e in a_run():
            hub.publish(run_id, e)
        for _ in range(200):  # until the hub has handled them all (and failed to write them)
            await asyncio.sleep(0.02)
            snapshot, sub = hub.subscribe(run_id)  # a late watcher: the whole story, then the end
            if len(snapshot) == len(a_run()):
                break
            hub.unsubscribe(run_id, sub)
        assert [e.type for e in snapshot] == [e.type for e in a_run()]
        assert await drain(sub) == []
        assert hub.unwritten(run_id) == len(a_run())
        assert hub.is_active(run_id) and not await hub.wait_done(run_id, 0.1)
        with db.session() as s:
            assert s.get(RunRow, run_id).status == "queued"  # the row has not moved: nothing half-written
        flaky.failures = 0  # the database is back
        assert await hub.wait_done(run_id, 10)
        assert not hub.is_active(run_id) and hub.unwritten() == 0
        await hub.stop()

    asyncio.run(go())
    seqs, _, row = stored(db, run_id)
    assert seqs == list(range(1, len(a_run()) + 1)) and row.status == "succeeded"


def test_a_run_the_database_refuses_is_failed_with_the_reason_and_others_are_written(db, monkeypatch):
    bad, good = new_run(db), new_run(db)
    real = repo.apply_events

    def apply_events(s, events):
        if any(ev.run_id == bad and ev.event.type == "epoch" for ev in events):
            raise ValueError("a row this database refuses")
        real(s, events)

    monkeypatch.setattr(repo, "apply_events", apply_events)
    stopped: list[tuple[str, str]] = []

    async def go():
        hub = EventHub(db, on_give_up=lambda run_id, reason: stopped.append((run_id, reason)))
        await hub.start()
        for run_id in (bad, good):
            hub.open(run_id)
        _, sub = hub.subscribe(bad)
        for e in a_run()[:-1]:  # the bad run is still training when it is given up
            hub.publish(bad, e)
        for e in a_run():
            hub.publish(good, e)
        live = await drain(sub)
        hub.publish(bad, a_run()[-1])  # its worker's last word comes too late: dropped
        assert await hub.wait_done(bad, 10) and await hub.wait_done(good, 10)
        await hub.stop()
        return live

    live = asyncio.run(go())
    _, _, row = stored(db, bad)
    assert row.status == "failed"
    assert row.error.startswith("the server could not store this run's history (ValueError: a row this database "
                                "refuses)")
    assert stopped == [(bad, row.error)]  # its worker is told to stop
    assert isinstance(live[-1], StatusEvent) and live[-1].status == "failed" and live[-1].error == row.error
    seqs, _payloads, good_row = stored(db, good)
    assert seqs == list(range(1, len(a_run()) + 1)) and good_row.status == "succeeded"


def test_stopping_with_the_database_down_leaves_the_run_to_be_marked_interrupted(db, caplog):
    run_id = new_run(db)
    flaky = FlakyDatabase(db)

    async def go():
        hub = EventHub(flaky)  # type: ignore[arg-type]
        await hub.start()
        hub.open(run_id)
        flaky.failures = 10**9
        hub.publish(run_id, StatusEvent(status="running", device="cpu"))
        await asyncio.sleep(0.1)
        await hub.stop()

    asyncio.run(go())
    assert "stopping with 1 events the database did not take" in caplog.text
    with db.session() as s:  # what the next start does (api/main.py): no row stays running
        assert repo.interrupt_unfinished_runs(s) == [run_id]
        assert s.get(RunRow, run_id).status == "interrupted"


def test_past_the_backlog_limit_only_batch_events_are_let_go(db, monkeypatch):
    monkeypatch.setattr(hub_module, "MAX_BACKLOG", 30)
    run_id = new_run(db)
    flaky = FlakyDatabase(db)

    async def go():
        hub = EventHub(flaky)  # type: ignore[arg-type]
        await hub.start()
        hub.open(run_id)
        flaky.failures = 10**9
        for e in a_run(steps=100):
            hub.publish(run_id, e)
        for _ in range(200):
            await asyncio.sleep(0.02)
            if hub.unwritten(run_id) and hub.is_active(run_id) and hub.dropped_batches:
                break
        flaky.failures = 0
        assert await hub.wait_done(run_id, 10)
        await hub.stop()
        return hub.dropped_batches

    dropped = asyncio.run(go())
    _, payloads, row = stored(db, run_id)
    assert dropped > 0 and len(payloads) == len(a_run(steps=100)) - dropped
    assert [p["type"] for p in payloads if p["type"] != "batch"] == ["status", "log", "epoch", "status"]
    assert row.status == "succeeded"
