"""The run state machine: every (current, event) pair is either in the table or refused by name."""

from __future__ import annotations

import itertools

import pytest

from netcanvas.run_states import (
    ACTIVE,
    FINAL,
    STATUSES,
    TRANSITIONS,
    IllegalTransition,
    as_status,
    is_final,
    next_status,
)
from netcanvas.training.events import StatusEvent

LEGAL = {
    (None, "queued"), (None, "imported"),
    ("queued", "queued"), ("queued", "running"), ("queued", "failed"), ("queued", "cancelled"),
    ("queued", "interrupted"),
    ("running", "running"), ("running", "succeeded"), ("running", "failed"), ("running", "cancelled"),
    ("running", "interrupted"),
}


def test_the_statuses_and_which_are_final():
    assert STATUSES == ("queued", "running", "succeeded", "failed", "cancelled", "interrupted", "imported")
    assert ACTIVE == {"queued", "running"}
    assert FINAL == {"succeeded", "failed", "cancelled", "interrupted", "imported"}
    assert [s for s in STATUSES if is_final(s)] == ["succeeded", "failed", "cancelled", "interrupted", "imported"]
    assert set(TRANSITIONS) == {None, *STATUSES}


@pytest.mark.parametrize(("current", "event"), list(itertools.product([None, *STATUSES], STATUSES)))
def test_every_transition_is_either_legal_or_refused(current, event):
    if (current, event) in LEGAL:
        assert next_status(current, event) == event
    else:
        with pytest.raises(IllegalTransition, match=f"cannot go from {current or 'nothing'} to {event}"):
            next_status(current, event)


def test_refusals_say_why():
    with pytest.raises(IllegalTransition, match=r"the run has already ended \(succeeded\)"):
        next_status("succeeded", "failed")
    with pytest.raises(IllegalTransition, match=r"the run has already ended \(imported\)"):
        next_status("imported", "cancelled")
    with pytest.raises(IllegalTransition, match="a queued run can only become cancelled, failed, interrupted, running"):
        next_status("queued", "succeeded")
    with pytest.raises(IllegalTransition, match="a new run starts queued or imported, not running"):
        next_status(None, "running")
    with pytest.raises(IllegalTransition, match="'paused' is not a run status"):
        next_status("running", "paused")


def test_stored_strings_become_statuses_and_unknown_ones_are_refused():
    assert [as_status(s) for s in STATUSES] == list(STATUSES)
    with pytest.raises(ValueError, match="'done' is not a run status"):
        as_status("done")


def test_status_events_carry_exactly_these_statuses():
    for status in STATUSES:
        assert StatusEvent(status=status).status == status
    with pytest.raises(ValueError):
        StatusEvent(status="done")
