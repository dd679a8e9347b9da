"""The running sums of one pass (an epoch's training, or an evaluation): losses and metric states.

Everything lives in one flat device tensor; each output's loss sum and each metric's state is a view
of it, updated in place per batch. `read` turns it into Keras-keyed values with one device → host
transfer, so a batch costs no host sync.
"""

from __future__ import annotations

import torch

from .plan import OutputPlan


class Sums:
    def __init__(self, outputs: list[OutputPlan], device: torch.device, dtype: torch.dtype):
        self.outputs = outputs
        sizes = [1 + sum(m.width for m in plan.metrics) for plan in outputs]
        self.flat = torch.zeros(sum(sizes), dtype=dtype, device=device)
        self.losses: list[torch.Tensor] = []  # per output, Σ loss × batch size (0-d views)
        self.states: list[list[torch.Tensor]] = []  # per output, per metric, its state (1-d views)
        at = 0
        for plan in outputs:
            self.losses.append(self.flat[at])
            at += 1
            states = []
            for m in plan.metrics:
                states.append(self.flat[at:at + m.width])
                at += m.width
            self.states.append(states)
        # per output, per metric: batch_items per sample, measured on the first batch (the shapes
        # do not change between batches), so a batch needs no Python call to count
        self.per_sample: list[list[float]] | None = None

    def add(self, outs, ys, losses, n: int) -> None:
        """One batch: outputs, targets and mean losses (per output) of `n` samples."""
        for plan, states, loss_sum, out, y, loss in zip(self.outputs, self.states, self.losses, outs, ys, losses,
                                                        strict=True):
            loss_sum.add_(loss.detach(), alpha=n)
            out = out.detach()
            for m, state in zip(plan.metrics, states, strict=True):
                m.update(state, out, y)

    def measure(self, outs, ys, n: int) -> None:
        """Record the first batch's item counts (call once per pass, after its first batch)."""
        if self.per_sample is None:
            self.per_sample = [[m.batch_items(out, y) / n for m in plan.metrics]
                               for plan, out, y in zip(self.outputs, outs, ys, strict=True)]

    def read(self, seen: int, prefix: str = "") -> dict[str, float]:
        """The running values after `seen` samples: `loss` (weighted over outputs), then per output its
        loss (several outputs) and metrics, each key prefixed with `prefix` and the output's prefix."""
        values = self.flat.tolist()
        per_sample = self.per_sample or [[0.0] * len(p.metrics) for p in self.outputs]
        metrics: dict[str, float] = {}
        total = 0.0
        at = 0
        for plan, per in zip(self.outputs, per_sample, strict=True):
            loss = values[at] / max(seen, 1e-12)
            at += 1
            total += plan.weight * loss
            if plan.prefix:
                metrics[f"{prefix}{plan.prefix}loss"] = loss
            for m, items in zip(plan.metrics, per, strict=True):
                results = m.result(values[at:at + m.width], seen * items)
                at += m.width
                for key, value in zip(m.keys, results, strict=True):
                    metrics[f"{prefix}{plan.prefix}{key}"] = value
        return {f"{prefix}loss": total, **metrics}
