"""The event hub: the live wire between executors, the database and websocket watchers.

One publisher task reads every run's events (put here from any thread with `publish`), writes a
batch of them to the database, then fans them out to the run's subscribers. Persist-then-fan-out
keeps the database and the wire consistent: once a watcher sees the final status, GET /api/runs/{id}
shows it too.

Storage rule (docs/api.md, Stream): status, epoch, log and result events are always stored; batch
events are downsampled to at most ~200 per epoch — step 1, the last step, and every
ceil(steps / 200)-th step. Watchers connected live get every batch event.

Seam without loss or duplicates: for an active run the hub keeps the stored events in memory, and
`subscribe` takes that snapshot and registers the watcher in one step on the event loop (no await
in between), so the snapshot ends exactly where the live events begin. A run's state is dropped
only after its final status is committed; later watchers read the database.

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
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..run_states import is_final
from ..store import repo
from ..store.db import Database
from ..training.events import BatchEvent, Event, StatusEvent

log = logging.getLogger(__name__)

BATCHES_PER_EPOCH = 200


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
    final: bool = False
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


def keep_batch(event: BatchEvent, per_epoch: int = BATCHES_PER_EPOCH) -> bool:
    """Whether a batch event is stored (the downsampling rule above)."""
    step, steps = event.step, event.steps
    stride = max(1, math.ceil(steps / per_epoch)) if steps else 1
    return step <= 1 or step >= steps or step % stride == 0


class EventHub:
    def __init__(self, db: Database, max_batch: int = 500):
        self.db = db
        self.max_batch = max_batch
        self._states: dict[str, _RunState] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbox: asyncio.Queue[tuple[str, Event] | None] | None = None
        self._task: asyncio.Task[None] | None = None

    # -- life -----------------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._inbox = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name="netcanvas-event-hub")

    async def stop(self) -> None:
        """Deliver and store what is queued, then end; watchers of unfinished runs are closed."""
        if self._inbox is not None and self._task is not None:
            self._inbox.put_nowait(None)
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except TimeoutError:
                self._task.cancel()
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

    def subscribe(self, run_id: str, max_pending: int = 2000) -> tuple[list[Event], Subscriber] | None:
        """Stored history so far plus a live buffer from exactly there; None when the run is not
        live here (then the database holds its whole history)."""
        st = self._states.get(run_id)
        if st is None:
            return None
        sub = Subscriber(max_pending)
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
            item = await self._inbox.get()
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
                try:
                    await self._process(batch)
                except Exception:
                    log.exception("event hub: a batch of %d events failed", len(batch))

    async def _process(self, batch: list[tuple[str, Event]]) -> None:
        accepted: list[tuple[str, _RunState, repo.StoredEvent]] = []
        for run_id, event in batch:
            st = self._states.get(run_id)
            if st is None or st.final:
                log.debug("event hub: dropping %s event of run %s (not live)", event.type, run_id)
                continue
            st.seq += 1
            store = not isinstance(event, BatchEvent) or keep_batch(event)
            if is_final_status(event):
                st.final = True
            accepted.append((run_id, st, repo.StoredEvent(run_id, st.seq, event, store)))
        if not accepted:
            return
        events = [ev for _, _, ev in accepted]
        for attempt in (1, 2, 3):  # a locked or restarting database: retry, then still deliver live
            try:
                await asyncio.to_thread(self._write, events)
                break
            except Exception:
                log.exception("event hub: storing %d events failed (attempt %d of 3)", len(events), attempt)
                await asyncio.sleep(0.5 * attempt)
        for run_id, st, ev in accepted:
            if ev.store:
                st.history.append(ev.event)
            for sub in st.subscribers:
                sub.push(ev.event)
            if is_final_status(ev.event):
                for sub in st.subscribers:
                    sub.close()
                st.done.set()
                self._states.pop(run_id, None)

    def _write(self, events: list[repo.StoredEvent]) -> None:
        with self.db.session() as s:
            repo.apply_events(s, events)
