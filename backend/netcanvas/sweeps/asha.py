"""Asynchronous successive halving (ASHA, Li et al. 2020) over a sweep's trials.

Rungs sit at epochs grace × rf^k. When a trial reaches a rung its objective there is recorded and
compared with every value recorded at that rung so far (its own included): it goes on while it
ranks in the top 1/rf of them (at least the best one), else it stops. The first trial at a rung
always goes on, as in the asynchronous variant (no trial waits for others to catch up).
"""

from __future__ import annotations

from typing import Literal


class Asha:
    def __init__(self, grace: int, rf: int, mode: Literal["min", "max"]):
        self.grace, self.rf, self.mode = grace, rf, mode
        self.recorded: dict[int, dict[str, float | None]] = {}  # rung epoch → run id → objective there

    def is_rung(self, epoch: int) -> bool:
        e = epoch
        while e > self.grace and e % self.rf == 0:
            e //= self.rf
        return e == self.grace

    def seen(self, run_id: str, epoch: int) -> bool:
        return run_id in self.recorded.get(epoch, {})

    def report(self, run_id: str, epoch: int, value: float | None) -> bool:
        """Record a trial's objective at a rung epoch (None: not a finite number, the worst);
        whether it may go on. A trial reported again at the same rung keeps its first verdict's value."""
        at = self.recorded.setdefault(epoch, {})
        at.setdefault(run_id, value)
        mine = at[run_id]
        better = sum(1 for rid, v in at.items() if rid != run_id and self._better(v, mine))
        return better < max(1, len(at) // self.rf)

    def _better(self, a: float | None, b: float | None) -> bool:
        if a is None:
            return False
        if b is None:
            return True
        return a < b if self.mode == "min" else a > b
