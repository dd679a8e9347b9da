"""The event hub: the live wire between executors, the database and websocket watchers.

One publisher task reads every run's events (put here from any thread with `publish`), writes a
batch of them to the database, then fans them out to the run's subscribers. Persist-then-fan-out
keeps the database and the wire consistent: once a watcher sees the final status, GET /api/runs/{id}
shows it too.

Storage rule (docs/api.md, Stream): status, epoch, log and result events are always stored; batch
events are downsampled to at most ~200 per epoch — step 1, the last step, and any step at least
ceil(steps / 200) past the epoch's last stored one. Watchers connected live get every batch event.

Seam without loss or duplicates: for an active run the hub keeps the stored events in memory, and
`subscribe` takes that snapshot and registers the watcher in one step on the event loop (no await
in between), so the snapshot ends exactly where the live events begin. A run's state is dropped
only after its final status is committed; later watchers read the database.

The hub never forgets (issue 12). A write that fails is retried with backoff (0.5 s doubling to
30 s) while the events wait in memory, in order (`_backlog`; batch events the database would not
store are not kept there); watchers still get them live, and a run's state — its history for new
watchers, `is_active`, `wait_done` — stays until its final status is committed, so no history is
dropped while its row says `running`. When the database answers (a probe succeeds) but a run's
events still cannot be written (a row it refuses), that run alone is given up: its events are
dropped, it is marked failed with the reason, and `on_give_up` (the executor's cancel) stops its
worker; the other runs' events are written.

Events stay typed (training.events) here; they become JSON only where they leave: the database
row (store.repo) and the websocket message (routes.stream), where non-finite numbers (a diverging
loss) become null: JSON has no NaN.

Slow watchers never slow anyone down: each has its own buffer; past `max_pending` queued messages
it loses batch events (never status, epoch, log or result ones).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from ..run_states import is_final
from ..store import repo
from ..store.db import Database
from ..training.events import BatchEvent, Event, StatusEvent

log = logging.getLogger(__name__)

BATCHES_PER_EPOCH = 200
RETRY_FIRST_S = 0.5  # the first retry of a failed write; each next one waits twice as long…
RETRY_MAX_S = 30.0  # …up to this
GIVE_UP_AFTER = 3  # failed writes of one run's events, while the database answers, before it is failed
MAX_BACKLOG = 200_000  # unwritten events kept in memory; past it the oldest stored batch events go


class Subscriber:
    """One watcher's buffer: bounded for batch events, never blocking the publisher."""

    def __init__(self, max_pending: int = 2000):
        self.max_pending = max_pending
        self.dropped = 0
        self._items: deque[Event] = deque()
        self._wake = asyncio.Event()
        self._closed = False

    def push(self, event: Event) -> None:
        if isinstance(event, BatchEvent) and len(self._items) >= self.max_pending:
            self.dropped += 1
            return
        self._items.append(event)
        self._wake.set()

    def close(self) -> None:
        self._closed = True
        self._wake.set()

    async def get(self) -> Event | None:
        """The next event; None once the run has ended and everything was delivered."""
        while not self._items:
            if self._closed:
                return None
            self._wake.clear()
            await self._wake.wait()
        return self._items.popleft()


@dataclass
class _RunState:
    seq: int = 0
    history: list[Event] = field(default_factory=list)
    subscribers: set[Subscriber] = field(default_factory=set)
    final: bool = False  # its final status was accepted (later events are dropped)
    kept_batch: tuple[int, int] = (0, 0)  # (epoch, step) of the last stored batch event
    ended: bool = False  # …and delivered: the history holds it (watchers from now get it all at once)
    done: asyncio.Event = field(default_factory=asyncio.Event)


def json_safe(value: Any) -> Any:
    """JSON has no NaN or infinity (a diverging loss): they travel and are stored as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


def is_final_status(event: Event | None) -> bool:
    return isinstance(event, StatusEvent) and is_final(event.status)


def keep_batch(event: BatchEvent, last_kept: int = 0, per_epoch: int = BATCHES_PER_EPOCH) -> bool:
    """Whether a batch event is stored (the downsampling rule above). `last_kept`: the step of this
    epoch's last stored batch event (0: none yet). The trainer sends batch events when its clock says
    (training/fit.py), at steps that seldom fall on a multiple of the stride: keeping the first event
    past each multiple, rather than only the multiples, keeps them (and, when every step is sent,
    keeps exactly the multiples)."""
    step, steps = event.step, event.steps
    stride = max(1, math.ceil(steps / per_epoch)) if steps else 1
    return last_kept <= 0 or step <= 1 or step >= steps or step // stride > last_kept // stride


class EventHub:
    def __init__(self, db: Database, max_batch: int = 500,
                 on_give_up: Callable[[str, str], Any] | None = None):
        self.db = db
        self.max_batch = max_batch
        self.on_give_up = on_give_up  # (run_id, reason): stop the run's worker (executor.cancel)
        self._states: dict[str, _RunState] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbox: asyncio.Queue[tuple[str, Event] | None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._backlog: list[tuple[_RunState, repo.StoredEvent]] = []  # written in this order
        self._failures = 0  # consecutive failed flushes (0: the database is keeping up)
        self._next_try = 0.0  # time.monotonic() of the next retry while failing
        self._run_failures: dict[str, int] = {}
        self.dropped_batches = 0  # stored batch events given up past MAX_BACKLOG

    # -- life -----------------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._inbox = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name="netcanvas-event-hub")

    async def stop(self) -> None:
        """Deliver and store what is queued, then end; watchers of unfinished runs are closed.
        Events the database still refuses are logged as lost: the next start marks those runs
        interrupted (repo.interrupt_unfinished_runs), so no row is left `running`."""
        if self._inbox is not None and self._task is not None:
            self._inbox.put_nowait(None)
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except TimeoutError:
                self._task.cancel()
        if self._backlog:
            runs = sorted({ev.run_id for _, ev in self._backlog})
            log.error("event hub: stopping with %d events the database did not take (runs %s)",
                      len(self._backlog), ", ".join(runs))
        for st in self._states.values():
            for sub in st.subscribers:
                sub.close()

    # -- producers (any thread) -----------------------------------------------------------------

    def open(self, run_id: str) -> None:
        """Start tracking a new run (call on the event loop, before its first event)."""
        self._states.setdefault(run_id, _RunState())

    def publish(self, run_id: str, event: Event) -> None:
        """Thread-safe: queue an event of a run for storage and fan-out."""
        if self._loop is None or self._inbox is None:
            raise RuntimeError("the event hub is not started")
        self._loop.call_soon_threadsafe(self._inbox.put_nowait, (run_id, event))

    # -- consumers (event loop) -----------------------------------------------------------------

    def is_active(self, run_id: str) -> bool:
        return run_id in self._states

    def unwritten(self, run_id: str | None = None) -> int:
        """Events waiting in memory for the database (of one run, or of all)."""
        return sum(1 for _, ev in self._backlog if run_id is None or ev.run_id == run_id)

    def subscribe(self, run_id: str, max_pending: int = 2000) -> tuple[list[Event], Subscriber] | None:
        """Stored history so far plus a live buffer from exactly there; None when the run is not
        live here (then the database holds its whole history)."""
        st = self._states.get(run_id)
        if st is None:
            return None
        sub = Subscriber(max_pending)
        if st.ended:  # ended, its final status not yet written: the snapshot is the whole story
            sub.close()
        else:
            st.subscribers.add(sub)
        return list(st.history), sub

    def unsubscribe(self, run_id: str, sub: Subscriber) -> None:
        st = self._states.get(run_id)
        if st is not None:
            st.subscribers.discard(sub)

    async def wait_done(self, run_id: str, timeout: float) -> bool:
        st = self._states.get(run_id)
        if st is None:
            return True
        try:
            await asyncio.wait_for(st.done.wait(), timeout)
            return True
        except TimeoutError:
            return False

    # -- the publisher task ---------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._inbox is not None
        stopping = False
        while not stopping:
            wait = max(0.0, self._next_try - time.monotonic()) if self._backlog else None
            try:
                item = await asyncio.wait_for(self._inbox.get(), wait)
            except TimeoutError:  # nothing new: time to retry the backlog
                await self._guarded(self._retry())
                continue
            batch: list[tuple[str, Event]] = []
            while True:
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
                if stopping or len(batch) >= self.max_batch or self._inbox.empty():
                    break
                item = self._inbox.get_nowait()
            if batch:
                await self._guarded(self._process(batch))
        if self._backlog:  # stopping: one last try
            self._next_try = 0.0
            await self._guarded(self._retry(attempts=1))

    async def _retry(self, attempts: int = 3) -> None:
        await self._flush(attempts)
        self._release()

    @staticmethod
    async def _guarded(work: Any) -> None:
        try:
            await work
        except Exception:
            log.exception("event hub: processing failed")

    async def _process(self, batch: list[tuple[str, Event]]) -> None:
        accepted: list[tuple[_RunState, repo.StoredEvent]] = []
        for run_id, event in batch:
            st = self._states.get(run_id)
            if st is None or st.final:
                log.debug("event hub: dropping %s event of run %s (not live)", event.type, run_id)
                continue
            st.seq += 1
            store = True
            if isinstance(event, BatchEvent):
                last = st.kept_batch[1] if st.kept_batch[0] == event.epoch else 0
                store = keep_batch(event, last)
                if store:
                    st.kept_batch = (event.epoch, event.step)
            if is_final_status(event):
                st.final = True
            accepted.append((st, repo.StoredEvent(run_id, st.seq, event, store)))
        if not accepted:
            return
        # only what changes the database waits in the backlog (an unstored batch event changes nothing)
        self._backlog += [(st, ev) for st, ev in accepted if ev.store or not isinstance(ev.event, BatchEvent)]
        self._trim()
        await self._flush()  # persist, then fan out (live even while the database is failing)
        for st, ev in accepted:
            if ev.store:
                st.history.append(ev.event)
            for sub in st.subscribers:
                sub.push(ev.event)
            if is_final_status(ev.event):
                st.ended = True
                for sub in st.subscribers:
                    sub.close()
                st.subscribers.clear()
        self._release()

    async def _flush(self, attempts: int = 3) -> None:
        """Write the backlog: up to `attempts` tries now (one while already failing, and only when
        the retry is due), then it waits for the next retry. A database that answers yet refuses
        the whole backlog is written run by run, and a run it keeps refusing is given up."""
        if not self._backlog or time.monotonic() < self._next_try:
            return
        if self._failures:
            attempts = 1
        for attempt in range(1, attempts + 1):
            events = [ev for _, ev in self._backlog]
            try:
                await asyncio.to_thread(self._write, events)
            except Exception as err:  # noqa: BLE001  (any failure: kept, retried; logged here)
                log.warning("event hub: storing %d events failed (attempt %d): %s: %s", len(events), attempt,
                            type(err).__name__, err)
                if attempt < attempts:
                    await asyncio.sleep(0.05 * attempt)
                continue
            self._backlog.clear()
            self._run_failures.clear()
            self._failures, self._next_try = 0, 0.0
            return
        self._failures += 1
        self._next_try = time.monotonic() + min(RETRY_FIRST_S * 2 ** (self._failures - 1), RETRY_MAX_S)
        if await asyncio.to_thread(self._answers):
            await self._flush_by_run()

    async def _flush_by_run(self) -> None:
        """The database answers: write each run's events alone; give up the runs it refuses."""
        runs = list(dict.fromkeys(ev.run_id for _, ev in self._backlog))
        for run_id in runs:
            mine = [(st, ev) for st, ev in self._backlog if ev.run_id == run_id]
            try:
                await asyncio.to_thread(self._write, [ev for _, ev in mine])
            except Exception as err:  # noqa: BLE001  (counted; the run is given up with the reason)
                n = self._run_failures[run_id] = self._run_failures.get(run_id, 0) + 1
                if n >= GIVE_UP_AFTER:
                    await self._give_up(run_id, mine[0][0], f"{type(err).__name__}: {str(err).splitlines()[0][:200]}")
                continue
            self._run_failures.pop(run_id, None)
            self._backlog = [(st, ev) for st, ev in self._backlog if ev.run_id != run_id]
        if not self._backlog:
            self._failures, self._next_try = 0, 0.0

    async def _give_up(self, run_id: str, st: _RunState, why: str) -> None:
        reason = (f"the server could not store this run's history ({why}); the run was stopped and its "
                  "unstored events were dropped.")
        log.error("event hub: run %s: %s", run_id, reason)
        self._backlog = [(s, ev) for s, ev in self._backlog if ev.run_id != run_id]
        self._run_failures.pop(run_id, None)
        st.seq += 1
        final = StatusEvent(status="failed", error=reason)
        already_final = st.final
        st.final = True
        try:
            await asyncio.to_thread(self._mark_failed, run_id, st.seq, final)
        except Exception:
            log.exception("event hub: run %s: could not mark it failed either", run_id)
        st.history.append(final)
        st.ended = True
        for sub in st.subscribers:
            sub.push(final)
            sub.close()
        st.subscribers.clear()
        if self.on_give_up is not None and not already_final:
            try:
                self.on_give_up(run_id, reason)
            except Exception:
                log.exception("event hub: run %s: stopping its worker failed", run_id)

    def _release(self) -> None:
        """Forget the runs that ended and whose events are all written."""
        waiting = {ev.run_id for _, ev in self._backlog}
        for run_id, st in list(self._states.items()):
            if st.final and run_id not in waiting:
                for sub in st.subscribers:
                    sub.close()
                st.done.set()
                del self._states[run_id]

    def _trim(self) -> None:
        """Past MAX_BACKLOG unwritten events, the oldest stored batch events go (never a status,
        epoch, log or result event: those make the run's row and history)."""
        excess = len(self._backlog) - MAX_BACKLOG
        if excess <= 0:
            return
        keep: list[tuple[_RunState, repo.StoredEvent]] = []
        for item in self._backlog:
            if excess > 0 and isinstance(item[1].event, BatchEvent):
                excess -= 1
                self.dropped_batches += 1
                continue
            keep.append(item)
        self._backlog = keep
        log.warning("event hub: the database is behind; %d batch events were not kept", self.dropped_batches)

    def _write(self, events: list[repo.StoredEvent]) -> None:
        with self.db.session() as s:
            repo.apply_events(s, events)

    def _answers(self) -> bool:
        try:
            with self.db.session() as s:
                s.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001  (the probe's only question: does the database answer)
            return False

    def _mark_failed(self, run_id: str, seq: int, final: StatusEvent) -> None:
        with self.db.session() as s:
            repo.apply_events(s, [repo.StoredEvent(run_id, seq, final, True)])
