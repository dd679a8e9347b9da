"""What a run asks for besides the graph: data, loss, optimizer, metrics, schedule (design.md)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..graph.schema import Graph
from .augment_settings import AugmentSettings
from .metric_settings import MetricEntry

LossName = Literal[
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "mean_squared_error", "mean_absolute_error", "huber",
]
OptimizerName = Literal["sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamw", "adamax", "nadam"]


MONITOR_ALIASES = {"acc": "accuracy", "val_acc": "val_accuracy"}  # Keras 2 names


def resolve_alias(monitor: str, reported: Collection[str] = ()) -> str:
    """A Keras 2 monitor name as this run reports it (`acc` stays when the run reports `acc` itself)."""
    return monitor if monitor in reported else MONITOR_ALIASES.get(monitor, monitor)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptimizerSettings(Strict):
    type: OptimizerName = "adam"
    # None: the Keras default for this optimizer (Adadelta 1.0 as in the Keras 2 MNIST example).
    learning_rate: float | None = Field(None, gt=0)
    momentum: float = Field(0.0, ge=0, lt=1)  # sgd, rmsprop
    nesterov: bool = False  # sgd
    beta_1: float = Field(0.9, gt=0, lt=1)
    beta_2: float = Field(0.999, gt=0, lt=1)
    rho: float = Field(0.9, gt=0, lt=1)  # rmsprop; adadelta uses 0.95 when left at 0.9
    epsilon: float = Field(1e-7, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    clipnorm: float | None = Field(None, gt=0)
    clipvalue: float | None = Field(None, gt=0)


class ScheduleSettings(Strict):
    type: Literal["none", "step", "cosine", "reduce_on_plateau"] = "none"
    step_size: int = Field(10, ge=1)  # step: epochs between decays
    gamma: float = Field(0.1, gt=0, le=1)  # step and plateau: the factor
    patience: int = Field(3, ge=0)  # plateau
    min_lr: float = Field(0.0, ge=0)
    monitor: str = "val_loss"


class EarlyStopping(Strict):
    monitor: str = "val_loss"
    patience: int = Field(3, ge=0)
    min_delta: float = Field(0.0, ge=0)
    restore_best_weights: bool = True


class TrainSettings(Strict):
    """Everything of a run request but the graph: used by the API, the CLI and the worker."""

    dataset: str = Field("digits", min_length=1)
    loss: LossName = "sparse_categorical_crossentropy"
    # Several outputs, as Keras's compile(loss={name: …}, loss_weights={name: …}): an output's own loss
    # (outputs not named use `loss`) and its weight in the total loss (default 1).
    losses: dict[str, LossName] = Field(default_factory=dict, max_length=256)
    loss_weights: dict[str, float] = Field(default_factory=dict, max_length=256)
    from_logits: bool = False
    optimizer: OptimizerSettings = Field(default_factory=OptimizerSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    # Keras metric names, or objects with options (training/metric_settings.py): {"type": "precision", …}
    metrics: list[MetricEntry] = Field(default_factory=lambda: list[MetricEntry](["accuracy"]), max_length=64)
    top_k: int = Field(5, ge=1)
    epochs: int = Field(5, ge=1, le=10000)
    batch_size: int = Field(32, ge=1, le=65536)
    validation_split: float = Field(0.2, ge=0, lt=1)
    # Use the data set's own validation split instead of carving one from train.
    use_validation_set: bool = False
    shuffle: bool = True
    early_stopping: EarlyStopping | None = None
    # Keras's fit(class_weight=…): class index (or class name) → weight, or "balanced"
    # (n_samples / (n_classes × count), as scikit-learn's compute_class_weight).
    class_weight: dict[str, float] | Literal["balanced"] | None = None
    augment: AugmentSettings | None = None
    keep_best: bool = True  # checkpoint the weights of the best epoch (by val_loss, else loss)
    # Keras's TerminateOnNaN: a NaN or infinite training loss ends the run failed, naming the epoch
    # and batch (training/callbacks.py); False keeps training (and saves whatever it ends with).
    terminate_on_nan: bool = True
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    # Mixed precision (training/precision.py). auto: float32 on the CPU and MPS (so CPU runs match
    # Keras's default float32 policy), bf16 autocast on a CUDA GPU that has it, else fp16 with a
    # grad scaler. "32" is float32 everywhere. Weights stay float32 either way (model.pt too).
    precision: Literal["auto", "32", "bf16", "fp16"] = "auto"
    # torch.compile the training step's model (opt-in: compiling takes seconds to minutes up front).
    compile: bool = False
    # Processes, one per GPU, training with DistributedDataParallel (training/distributed.py);
    # batch_size stays the global batch, split across them.
    devices: int = Field(1, ge=1, le=16)
    seed: int | None = 0
    # Train further: start from the weights of this run's model.pt (a trained or imported model).
    init_from_run: str | None = Field(None, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")
    # exact: every layer must fit; by_name: load the layers whose name and weight shapes match and
    # initialise the rest (Keras's load_weights(by_name=True, skip_mismatch=True)): a new head.
    init_mode: Literal["exact", "by_name"] = "exact"


    def loss_for(self, node: str) -> LossName:
        return self.losses.get(node, self.loss)


class RunRequest(TrainSettings):
    """POST /api/runs: a graph (or the id of a saved one) plus training settings."""

    graph: Graph | None = None
    graph_id: str | None = None
    name: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def _one_graph(self) -> RunRequest:
        if self.graph is not None and self.graph_id is not None:
            raise ValueError("give either 'graph' or 'graph_id', not both")
        if self.graph is None and self.graph_id is None and self.init_from_run is None:
            raise ValueError("give 'graph', 'graph_id', or 'init_from_run' to train that run's model further")
        return self
