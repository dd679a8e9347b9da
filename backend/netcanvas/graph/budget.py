"""Memory budgets, checked from the analysis before anything is allocated (issue 12).

Two numbers bound what a run may take (Settings, docs/security.md):
- the model: weights + their gradients + the optimizer's state, 4 bytes (float32) a value:
  trainable values × 4 × (2 + the optimizer's slots), non-trainable ones (frozen layers,
  BatchNormalization's moving statistics) × 4 — `max_model_mb`;
- the activations: every layer's outputs for one training batch (kept for the backward pass):
  values per sample × bytes per value (8 for an int64 Input, else 4) × batch size —
  `max_activation_mb`. A variable-length (None) dimension counts as 1, so the figure is a lower
  bound there.

Sizes are decimal: 1 MB = 1,000,000 bytes (the unit of the settings and of every message).
Counting uses Python integers (no overflow) from the inferred shapes and parameter counts: a
`Dense(units=10**9)` is judged without allocating anything. Validate knows no optimizer and no
batch size: it assumes Adam (2 slots, the default optimizer) and batch size 1, and says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import prod
from typing import TYPE_CHECKING

from ..layers import ParamCount, Shape
from .schema import Problem

if TYPE_CHECKING:
    from ..config import Settings
    from .analyze import Analysis, NodeInfo

FLOAT_BYTES = 4
MB = 1_000_000
MAX_NODE_PROBLEMS = 10  # per budget: a huge Input makes every layer after it huge too

# Tensors of state the optimizer keeps per trainable value (torch.optim's state, as Keras's slots).
OPTIMIZER_SLOTS = {"adam": 2, "adamw": 2, "nadam": 2, "adamax": 2, "adadelta": 2, "adagrad": 1,
                   "rmsprop": 1, "sgd": 0}
OPTIMIZER_NAMES = {"adam": "Adam", "adamw": "AdamW", "nadam": "Nadam", "adamax": "Adamax",
                   "adadelta": "Adadelta", "adagrad": "Adagrad", "rmsprop": "RMSprop", "sgd": "SGD"}


@dataclass(frozen=True)
class Budget:
    """What a run may take, and what the check assumes about the run."""

    model_mb: int
    activation_mb: int
    batch_size: int = 1
    optimizer: str = "adam"
    momentum: float = 0.0  # SGD and RMSprop keep one more slot with momentum
    assumed: bool = True  # validate: optimizer and batch size are assumptions, said in the message

    @classmethod
    def of(cls, settings: Settings, *, batch_size: int = 1, optimizer: str = "adam", momentum: float = 0.0,
           assumed: bool = True) -> Budget:
        return cls(settings.max_model_mb, settings.max_activation_mb, batch_size, optimizer, momentum, assumed)

    @property
    def slots(self) -> int:
        extra = 1 if self.optimizer in ("sgd", "rmsprop") and self.momentum > 0 else 0
        return OPTIMIZER_SLOTS.get(self.optimizer, 2) + extra

    def model_bytes(self, counts: ParamCount) -> int:
        return counts.trainable * FLOAT_BYTES * (2 + self.slots) + counts.non_trainable * FLOAT_BYTES


def values_of(shapes: Iterable[Shape]) -> int:
    """Values per sample of a node's outputs (None counts as 1)."""
    return sum(prod(d if d is not None else 1 for d in s) for s in shapes)


def weight_bytes(info: NodeInfo) -> int | None:
    """The node's weights alone (float32), as the model file stores them."""
    return info.counts.total * FLOAT_BYTES if info.counts is not None else None


def activation_bytes(info: NodeInfo) -> int | None:
    """The node's outputs for one sample."""
    shapes = info.output_shapes
    if shapes is None:
        return None
    dtypes = info.output_dtypes or [getattr(info.layer, "dtype", "float32")] * len(shapes)
    return sum(values_of([s]) * (8 if d == "int64" else FLOAT_BYTES) for s, d in zip(shapes, dtypes, strict=False))


def fmt_bytes(n: int) -> str:
    """1,600 GB / 4,096 MB / 12 kB / 900 bytes: the unit a learner reads at a glance."""
    for unit, size in (("TB", MB * MB), ("GB", 1000 * MB), ("MB", MB), ("kB", 1000)):
        if n >= size * 10 or (unit == "kB" and n >= size):
            return f"{round(n / size):,} {unit}"
    return f"{n:,} bytes"


def _what(budget: Budget) -> str:
    opt = OPTIMIZER_NAMES.get(budget.optimizer, budget.optimizer)
    if budget.slots == 0:
        state = "with gradients"
    else:
        state = f"with gradients and {opt}'s state"
    return state + (" (assuming Adam, the default optimizer)" if budget.assumed else "")


def _label(analysis: Analysis, nid: str) -> str:
    layer = analysis.nodes[nid].layer
    return f"{type(layer).__name__ if layer is not None else 'Layer'} '{nid}'"


def budget_problems(analysis: Analysis, budget: Budget) -> list[Problem]:
    """Problems on the nodes that break a budget: each node over a budget alone (up to
    MAX_NODE_PROBLEMS), else — when only the sum is over — the largest node, naming the total."""
    problems: list[Problem] = []
    model_limit, act_limit = budget.model_mb * MB, budget.activation_mb * MB
    model: dict[str, int] = {}
    acts: dict[str, int] = {}
    for nid, info in analysis.nodes.items():
        if info.counts is not None and info.counts.total:
            model[nid] = budget.model_bytes(info.counts)
        per_sample = activation_bytes(info)
        if per_sample:
            acts[nid] = per_sample * budget.batch_size

    model_tail = (f"over this server's {budget.model_mb:,} MB model budget (NETCANVAS_MAX_MODEL_MB): make it "
                  "smaller.")
    over = [nid for nid, b in model.items() if b > model_limit]
    for nid in over[:MAX_NODE_PROBLEMS]:
        counts = analysis.nodes[nid].counts
        assert counts is not None
        problems.append(Problem(node=nid, message=(
            f"{_label(analysis, nid)} has {counts.total:,} parameters: {fmt_bytes(model[nid])} {_what(budget)}, "
            + model_tail)))
    total_model = sum(model.values())
    if not over and total_model > model_limit:
        nid = max(model, key=lambda k: model[k])
        problems.append(Problem(node=nid, message=(
            f"The model has {analysis.counts.total:,} parameters: {fmt_bytes(total_model)} {_what(budget)}, "
            f"{model_tail.removesuffix(': make it smaller.')}; {_label(analysis, nid)} is its largest layer "
            f"({fmt_bytes(model[nid])}): make it smaller.")))

    batch = f"at batch size {budget.batch_size:,}" + (" (validate assumes 1)" if budget.assumed else "")
    act_tail = (f"over this server's {budget.activation_mb:,} MB activation budget (NETCANVAS_MAX_ACTIVATION_MB): "
                "make it smaller" + ("." if budget.assumed else " or lower batch_size."))
    over = [nid for nid, b in acts.items() if b > act_limit]
    for nid in over[:MAX_NODE_PROBLEMS]:
        info = analysis.nodes[nid]
        n = values_of(info.output_shapes or [])
        problems.append(Problem(node=nid, message=(
            f"{_label(analysis, nid)} outputs {n:,} values per sample: {fmt_bytes(acts[nid])} {batch}, "
            + act_tail)))
    total_act = sum(acts.values())
    if not over and total_act > act_limit:
        nid = max(acts, key=lambda k: acts[k])
        problems.append(Problem(node=nid, message=(
            f"The layers' outputs take {fmt_bytes(total_act)} {batch}, {act_tail.removesuffix('.')}; "
            f"{_label(analysis, nid)} has the largest ({fmt_bytes(acts[nid])}).")))
    return problems


def add_budget_problems(analysis: Analysis, budget: Budget) -> None:
    """Attach `budget_problems` to the analysis and to their nodes (analysis.ok turns False)."""
    for p in budget_problems(analysis, budget):
        analysis.problems.append(p)
        if p.node in analysis.nodes:
            analysis.nodes[p.node].problems.append(p)

