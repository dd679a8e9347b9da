"""A run's training settings as Keras compile arguments, for the model.h5 / model.keras downloads.

`keras.models.load_model(...)` compiles a model from these, as from a file Keras's own
`model.save` wrote, so `.evaluate(x, y)` works without compiling again and gives netcanvas's loss:

- loss: netcanvas's loss names are Keras's. The exported model always ends with its final
  activation (a softmax/sigmoid that training fused into the loss is put back, see keras_h5), so
  the loss reads what the model outputs; `from_logits` is the user's setting. Several outputs get
  one loss each, summed (netcanvas sums them too).
- metrics: per output. "accuracy" is written as the accuracy netcanvas resolved it to (by the loss,
  see training/metrics.py), keeping the name "accuracy", because Keras would pick one by shapes;
  top-k metrics carry `top_k`.
- optimizer: the Keras class with every setting netcanvas trained with (learning rate, betas, rho,
  epsilon, momentum, weight decay, clipping), netcanvas's per-optimizer defaults filled in.

Not carried (Keras has no compile argument for them): the learning-rate schedule and early
stopping (callbacks in Keras), and the optimizer's state (torch's moment estimates do not map onto
Keras's variables): a Keras `fit` after loading starts the optimizer afresh.
"""

from __future__ import annotations

from typing import Any

from ..graph.analyze import Analysis
from ..training.metric_settings import keras_metric_config, keras_names
from ..training.metrics import resolve_accuracy
from ..training.optimizers import KERAS_ADAMW_DECAY, learning_rate
from ..training.settings import OptimizerSettings, TrainSettings

# netcanvas name → (Keras class, the name Keras gives an instance)
OPTIMIZERS: dict[str, tuple[str, str]] = {
    "sgd": ("SGD", "sgd"), "rmsprop": ("RMSprop", "rm_sprop"), "adagrad": ("Adagrad", "adagrad"),
    "adadelta": ("Adadelta", "adadelta"), "adam": ("Adam", "adam"), "adamw": ("AdamW", "adam_w"),
    "adamax": ("Adamax", "adamax"), "nadam": ("Nadam", "nadam"),
}
CROSSENTROPY_CLASSES: dict[str, tuple[str, dict[str, Any]]] = {
    "categorical_crossentropy": ("CategoricalCrossentropy", {"label_smoothing": 0.0, "axis": -1}),
    "sparse_categorical_crossentropy": ("SparseCategoricalCrossentropy", {"ignore_class": None}),
    "binary_crossentropy": ("BinaryCrossentropy", {"label_smoothing": 0.0, "axis": -1}),
}
ACCURACY_CLASSES: dict[str, tuple[str, dict[str, Any]]] = {
    "binary_accuracy": ("BinaryAccuracy", {"threshold": 0.5}),
    "categorical_accuracy": ("CategoricalAccuracy", {}),
    "sparse_categorical_accuracy": ("SparseCategoricalAccuracy", {}),
}


def _obj(module: str, class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """A serialized Keras object as `.keras` files hold it (legacy() turns it into the .h5 form)."""
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def optimizer_config(s: OptimizerSettings) -> dict[str, Any]:
    class_name, name = OPTIMIZERS[s.type]
    decay: float | None = s.weight_decay or None
    if s.type == "adamw":
        decay = s.weight_decay or KERAS_ADAMW_DECAY
    cfg: dict[str, Any] = {
        "name": name, "learning_rate": learning_rate(s), "weight_decay": decay,
        "clipnorm": s.clipnorm, "global_clipnorm": None, "clipvalue": s.clipvalue, "use_ema": False,
        "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
        "gradient_accumulation_steps": None,
    }
    betas = {"beta_1": s.beta_1, "beta_2": s.beta_2, "epsilon": s.epsilon}
    if s.type == "sgd":
        cfg |= {"momentum": s.momentum, "nesterov": s.nesterov}
    elif s.type == "rmsprop":
        cfg |= {"rho": s.rho, "momentum": s.momentum, "epsilon": s.epsilon, "centered": False}
    elif s.type == "adagrad":
        cfg |= {"initial_accumulator_value": 0.1, "epsilon": s.epsilon}
    elif s.type == "adadelta":
        cfg |= {"rho": 0.95 if s.rho == 0.9 else s.rho, "epsilon": s.epsilon}  # as optimizers.make_optimizer
    elif s.type in ("adam", "adamw"):
        cfg |= {**betas, "amsgrad": False}
    else:  # adamax, nadam
        cfg |= betas
    return _obj("keras.optimizers", class_name, cfg)


def loss_config(settings: TrainSettings, output: str | None = None) -> str | dict[str, Any]:
    loss = settings.loss if output is None else settings.loss_for(output)
    if settings.from_logits and loss in CROSSENTROPY_CLASSES:
        class_name, extra = CROSSENTROPY_CLASSES[loss]
        return _obj("keras.losses", class_name, {
            "name": loss, "reduction": "sum_over_batch_size", "from_logits": True, **extra})
    return loss  # the Keras loss of that name (netcanvas ignores from_logits for the others)


def metric_configs(settings: TrainSettings, out_shape: tuple[int | None, ...],
                   loss: str | None = None) -> list[str | dict[str, Any]]:
    out: list[str | dict[str, Any]] = []
    loss = settings.loss if loss is None else loss
    sparse = loss == "sparse_categorical_crossentropy"  # the only loss with class-id targets
    entries = list(dict.fromkeys(settings.metrics))
    for m, name in zip(entries, keras_names(entries), strict=True):
        if not isinstance(m, str):  # options: the Keras metric class with them (training/metric_settings.py)
            class_name, config = keras_metric_config(m, name)
            out.append(_obj("keras.metrics", class_name, {"dtype": "float32", **config}))
        elif m == "accuracy":
            class_name, extra = ACCURACY_CLASSES[resolve_accuracy(loss, out_shape, sparse)]
            out.append(_obj("keras.metrics", class_name, {"name": "accuracy", "dtype": "float32", **extra}))
        elif m in ("top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"):
            class_name = "TopKCategoricalAccuracy" if m.startswith("top") else "SparseTopKCategoricalAccuracy"
            out.append(_obj("keras.metrics", class_name, {"name": m, "dtype": "float32", "k": settings.top_k}))
        elif m in ("mae", "mse"):  # objects: a legacy .h5 would rename the bare strings on load
            class_name = "MeanAbsoluteError" if m == "mae" else "MeanSquaredError"
            out.append(_obj("keras.metrics", class_name, {"name": m, "dtype": "float32"}))
        else:
            out.append(m)
    return out


def compile_config(settings: TrainSettings, analysis: Analysis) -> dict[str, Any]:
    """What Keras 3's `model.get_compile_config()` holds for a model compiled with these settings
    (the `.keras` config.json's "compile_config"); outputs in the graph's output order."""
    shapes = [tuple((analysis.nodes[o].output_shapes or [()])[0]) for o in analysis.outputs]
    losses = [loss_config(settings, o) for o in analysis.outputs]
    metrics = [metric_configs(settings, s, settings.loss_for(o)) for s, o in zip(shapes, analysis.outputs, strict=True)]
    several = len(shapes) > 1
    weights = [settings.loss_weights.get(o, 1.0) for o in analysis.outputs] if settings.loss_weights else None
    return {
        "optimizer": optimizer_config(settings.optimizer),
        "loss": losses if several else losses[0],
        "loss_weights": weights if several or weights is None else weights[0],
        "metrics": metrics if several else metrics[0],
        "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
    }


def legacy(obj: Any) -> Any:
    """A serialized object in the legacy .h5 form: {"class_name", "config"}, nothing else."""
    if isinstance(obj, dict) and "class_name" in obj and "config" in obj:
        return {"class_name": obj["class_name"], "config": obj["config"]}
    if isinstance(obj, list):
        return [legacy(x) for x in obj]
    return obj


def training_config(settings: TrainSettings, analysis: Analysis) -> dict[str, Any]:
    """The .h5 root attribute `training_config`, as Keras 3's legacy h5 `model.save` writes it."""
    cfg = compile_config(settings, analysis)
    optimizer = cfg.pop("optimizer")
    out = {k: legacy(v) for k, v in cfg.items()}
    out["optimizer_config"] = legacy(optimizer)
    return out
