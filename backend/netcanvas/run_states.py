"""The states of a run and the only legal ways from one to the next.

    queued → running → succeeded
    queued | running → failed | cancelled | interrupted
    imported (created so: a model that was not trained here)

`failed`: the trainer raised or the worker died; `cancelled`: stopped by the user, by deleting the
run, or by a server shutting down; `interrupted`: the server that ran it stopped without saying
how it ended (found queued or running at the next start). Final states never change.
Every writer of a run's status (the event store, the cancel route, start-up) asks `next_status`.
"""

from __future__ import annotations

from typing import Literal, get_args

RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "interrupted", "imported"]
STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)
ACTIVE: frozenset[RunStatus] = frozenset({"queued", "running"})
FINAL: frozenset[RunStatus] = frozenset(s for s in STATUSES if s not in ACTIVE)
ENDINGS: frozenset[RunStatus] = frozenset({"failed", "cancelled", "interrupted"})  # possible from both active states

# current status (None: the run does not exist yet) → the statuses it may move to.
TRANSITIONS: dict[RunStatus | None, frozenset[RunStatus]] = {
    None: frozenset({"queued", "imported"}),
    "queued": frozenset({"running", *ENDINGS}),
    "running": frozenset({"succeeded", *ENDINGS}),
    **{s: frozenset() for s in FINAL},
}


class IllegalTransition(ValueError):
    """A status change the table above does not allow; the message says which and why."""

    def __init__(self, current: RunStatus | None, new: str):
        self.current, self.new = current, new
        if new not in STATUSES:
            why = f"'{new}' is not a run status (one of {', '.join(STATUSES)})"
        elif current is None:
            why = f"a new run starts queued or imported, not {new}"
        elif current in FINAL:
            why = f"the run has already ended ({current})"
        else:
            allowed = ", ".join(sorted(TRANSITIONS[current]))
            why = f"a {current} run can only become {allowed}"
        super().__init__(f"A run cannot go from {current or 'nothing'} to {new}: {why}.")


def is_final(status: str) -> bool:
    return status in FINAL


def next_status(current: RunStatus | None, event: str) -> RunStatus:
    """The status after a status event saying `event`, or IllegalTransition.

    Repeating the current active status is no change (the queued event of a run stored queued)."""
    if current is not None and current in ACTIVE and event == current:
        return current
    for status in TRANSITIONS[current]:
        if status == event:
            return status
    raise IllegalTransition(current, event)


def as_status(value: str) -> RunStatus:
    """A stored status string as a RunStatus (ValueError for one this netcanvas does not know)."""
    for status in STATUSES:
        if status == value:
            return status
    raise ValueError(f"'{value}' is not a run status (one of {', '.join(STATUSES)}).")
