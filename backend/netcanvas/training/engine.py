"""run_training: one run from graph + settings to model.pt, reporting through events.

This is what the worker process and the CLI call. It emits, in order: StatusEvent("running",
device), LogEvent lines (data set, model, device), BatchEvent / EpochEvent while training, then a
ResultEvent (test metrics, confusion matrix for classifiers, artifacts) after writing model.pt. It
does not emit the final status: it returns "succeeded" or "cancelled" and raises on failure (a
ValueError with a sentence naming the node and the fix when the graph and data set disagree).
With `devices` > 1 it hands the run to training/distributed.py, which calls it back once per rank.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch

from ..data.base import Dataset, DatasetInfo, Split, TargetSpec
from ..data.registry import DatasetRegistry
from ..graph.analyze import analyze
from ..graph.compile import GraphError, compile_graph
from ..graph.freeze import nothing_to_train
from ..graph.schema import Graph
from ..layers import fmt
from ..layers.activations import FUSABLE
from ..model_file import FILE_NAME
from .adapt import adapt_normalization
from .align import align
from .augment import training_augment
from .bundle import bundle_dict, load_initial_weights, save_bundle
from .device import describe, resolve_device
from .distributed import run_distributed
from .events import Event, LogEvent, ResultEvent, StatusEvent
from .feeds import n_samples
from .fit import Trainer, validation_rows
from .init_by_name import start_by_name
from .losses import CROSSENTROPY
from .optimizers import learning_rate
from .plan import OutputPlan, check_inputs, confusion_fits, plan_outputs, with_class_weight
from .precision import Precision
from .settings import TrainSettings
from .weight_match import REPORT_FILE

if TYPE_CHECKING:
    from .distributed import Ranks


def seed_everything(seed: int | None, device: torch.device) -> torch.Generator:
    """Seeds torch, numpy and Python; returns the shuffle generator (on the device)."""
    generator = torch.Generator(device=device)
    if seed is None:
        generator.seed()
        return generator
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    generator.manual_seed(seed)
    return generator


def series_summary(info: DatasetInfo, module: torch.nn.Module, test: Split) -> str:
    """The test errors of a forecaster in its target's units, against the naive last value."""
    from .original_units import split_errors

    errors = split_errors(info, module, test) or {}
    target = info.extra["series"].get("target", "the target")
    line = f"Test in {target}'s units: MSE {errors.get('mse', float('nan')):.4g}, MAE {errors.get('mae', float('nan')):.4g}"
    if "naive_mse" in errors:
        verdict = "beats" if errors["mse"] < errors["naive_mse"] else "does not beat"
        line += (f"; the naive last-value forecast: MSE {errors['naive_mse']:.4g}, MAE {errors['naive_mae']:.4g} "
                 f"(the model {verdict} it)")
    return line + "."


def describe_io(info: DatasetInfo) -> str:
    """"input (8, 8), 10 classes"; with several, each by name; per-step classes say so."""
    ins, outs = info.input_specs(), info.target_specs()

    def target(t: TargetSpec) -> str:
        what = f"{t.num_classes} classes" if t.kind == "classes" else "values"
        return f"{what} per step ({t.shape[0]} steps)" if t.kind == "classes" and len(t.shape) == 1 else what

    if len(ins) == 1:
        shown_in = f"input {fmt(tuple(ins[0].shape))}"
    else:
        shown_in = "inputs " + ", ".join(f"{i.name} {fmt(tuple(i.shape))}" for i in ins)
    if len(outs) == 1:
        return f"{shown_in}, {target(outs[0])}"
    return f"{shown_in}, targets " + ", ".join(f"{t.name} ({target(t)})" for t in outs)


def run_training(
    graph: Graph,
    settings: TrainSettings,
    emit: Callable[[Event], None],
    should_stop: Callable[[], bool],
    out_dir: Path,
    *,
    dataset: Dataset | None = None,
    datasets: DatasetRegistry | None = None,
    init_weights: Path | None = None,
    ranks: Ranks | None = None,
) -> Literal["succeeded", "cancelled"]:
    """Train `graph` as `settings` say; write out_dir/model.pt. settings.dataset is looked up in
    `datasets` (default: the data directory of the environment's settings); `dataset` overrides it
    (tests, benchmarks); `init_weights`, a model.pt, gives the starting weights (train further).
    `ranks`: this call is one process of a distributed run (training/distributed.py)."""
    if settings.devices > 1 and ranks is None:
        if settings.batch_size < settings.devices:
            raise ValueError(f"devices {settings.devices}: batch_size {settings.batch_size} gives a process "
                             "no rows; use a batch size of at least the number of devices.")
        return run_distributed(graph, settings, emit, should_stop, out_dir, dataset=dataset,
                               datasets=datasets, init_weights=init_weights)

    def log(message: str, level: Literal["info", "warning", "error"] = "info") -> None:
        emit(LogEvent(level=level, message=message))

    device = ranks.device if ranks is not None else resolve_device(settings.device)
    precision = Precision(settings.precision, device)  # a ValueError naming `precision` before any work
    emit(StatusEvent(status="running", device=device.type))
    generator = seed_everything(settings.seed, device)

    analysis = analyze(graph)
    if not analysis.ok:
        raise GraphError(analysis)
    frozen_only = nothing_to_train(analysis)
    if frozen_only is not None:
        raise ValueError(frozen_only.message)
    if dataset is None:
        dataset = (datasets or DatasetRegistry.from_environment()).load(settings.dataset)
    data = dataset
    info = data.info
    check_inputs(analysis, info)
    data = align(data, analysis)
    plans = plan_outputs(analysis, info, settings)
    linear_outputs = [p.node for p in plans if p.fused]
    module = compile_graph(analysis, linear_outputs=set(linear_outputs)).to(device)
    if init_weights is not None and settings.init_mode == "by_name":
        starting = start_by_name(module, init_weights, settings.init_from_run, out_dir)
        for event in starting.log_events():
            emit(event)
        if not starting.loaded:
            raise ValueError(f"No layer of {starting.source} fits this graph by name: nothing to start from.")
    elif init_weights is not None:
        load_initial_weights(module, init_weights)
        log(f"Starting from the weights of {settings.init_from_run or Path(init_weights).name}.")
    adapt_normalization(module, data.train, device, fresh=init_weights is None, log=log)  # Keras's adapt()

    n_train = n_samples(data.train)
    log(f"Data set {info.id}: {n_train} training and {n_samples(data.test)} test samples, {describe_io(info)}.")
    validation = None
    if settings.use_validation_set and data.validation is not None:
        validation = data.validation
        log(f"Validating on the data set's validation split ({n_samples(validation)} samples).")
    else:
        if settings.use_validation_set:
            log(f"Data set {info.id} has no validation split; using validation_split "
                f"{settings.validation_split} instead.", "warning")
        if settings.validation_split > 0:
            kept = validation_rows(n_train, settings.validation_split)
            log(f"Validating on the last {n_train - kept} training samples (validation_split "
                f"{settings.validation_split}).")
    params = sum(p.numel() for p in module.parameters())
    log(f"Model {graph.name}: {params:,} parameters, {len(analysis.order)} layers.")
    frozen = [nid for nid, n in analysis.nodes.items() if not n.trainable and n.counts and n.counts.total]  # with weights
    if frozen:
        shown = ", ".join(f"'{nid}'" for nid in frozen[:5]) + (f" and {len(frozen) - 5} more" if len(frozen) > 5 else "")
        log(f"{len(frozen)} layer(s) frozen ({shown}): {analysis.counts.trainable:,} of "
            f"{analysis.counts.total:,} parameters train.")
    log(f"Device: {describe(device)}" + (f" × {ranks.world}" if ranks is not None else "")
        + f"; {precision.name}" + (", torch.compile" if settings.compile else "") + ".")
    for p in plans:
        loss_name = settings.loss_for(p.node)
        if p.fused:
            log(f"{loss_name} reads the logits of '{p.node}' (its {p.activation} is fused into the loss "
                "for numerical stability; predictions still apply it).")
        elif loss_name in CROSSENTROPY and settings.from_logits and p.activation in FUSABLE:
            log(f"from_logits is on but '{p.node}' already ends in {p.activation}: the loss applies it a "
                "second time (as Keras would). Turn from_logits off.", "warning")
        elif loss_name in CROSSENTROPY and not settings.from_logits and p.activation not in FUSABLE:
            log(f"{loss_name} expects probabilities but '{p.node}' ends in {p.activation or 'no activation'}: "
                f"give it a {'sigmoid' if loss_name == 'binary_crossentropy' else 'softmax'} activation "
                "or turn from_logits on.", "warning")
    opt = settings.optimizer
    log(f"Optimizer {opt.type}, learning rate {learning_rate(opt):g}; batch size {settings.batch_size}, "
        f"{settings.epochs} epochs.")

    if settings.class_weight is not None:
        labels = np.asarray(data.train.y[0] if isinstance(data.train.y, list) else data.train.y)
        if validation is None and settings.validation_split > 0:  # the carved-off rows don't train
            labels = labels[:validation_rows(len(labels), settings.validation_split)]
        plans = [with_class_weight(plans[0], settings, info, labels, log)]
    trainer = Trainer(module, plans, settings, device, emit=emit, should_stop=should_stop,
                      augment=training_augment(settings.augment, settings.seed, data.augment, log),
                      generator=generator, ranks=ranks)
    result = trainer.fit(data.train, validation)
    if ranks is not None and ranks.rank != 0:  # rank 0 tests and saves
        return "cancelled" if result.cancelled else "succeeded"
    if result.cancelled and result.kept_epoch is None:
        log("Cancelled before the first epoch ended: nothing was saved.", "warning")
        return "cancelled"
    if result.cancelled:
        # Keras keeps the model on an interrupt; here model.pt holds a completed epoch's weights, so
        # downloads, predict and Train further work. No test evaluation: the stop should be quick.
        done = len(result.history)
        log(f"Cancelled during epoch {done + 1}: kept the weights of epoch {result.kept_epoch} "
            f"({'the best of the ' + str(done) + ' completed' if settings.keep_best else 'the last completed'}).",
            "warning")
        written = _save(out_dir, graph, module, settings, linear_outputs, plans, info)
        emit(ResultEvent(artifacts=written, kept_epoch=result.kept_epoch))
        return "cancelled"
    if result.stopped_early_at is not None:
        log(f"Early stopping after epoch {result.stopped_early_at}.")
    if result.best_epoch is not None:
        log(f"Keeping the weights of epoch {result.best_epoch}.")

    test_metrics: dict[str, float] = {}
    confusion = None
    if n_samples(data.test) > 0:
        test_metrics = trainer.evaluate(data.test)
        if len(plans) == 1 and confusion_fits(info):
            confusion = trainer.confusion_matrix(data.test, info.target.num_classes or 0)
        shown = ", ".join(f"{k} {v:.4g}" for k, v in test_metrics.items())
        log(f"Test: {shown}.")
        if info.extra.get("series"):
            log(series_summary(info, module, data.test))

    written = _save(out_dir, graph, module, settings, linear_outputs, plans, info)
    emit(ResultEvent(test_metrics=test_metrics, artifacts=written, confusion_matrix=confusion,
                     class_names=info.target.class_names if confusion is not None else None))
    return "succeeded"


def _save(out_dir: Path, graph: Graph, module: torch.nn.Module, settings: TrainSettings,
          linear_outputs: list[str], plans: list[OutputPlan], info: DatasetInfo) -> list[str]:
    """model.pt (and the weights report of a by-name start): the artifacts a run leaves."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_bundle(out_dir / FILE_NAME, bundle_dict(
        graph, module, settings=settings, linear_outputs=linear_outputs,
        output_activations=[p.logits_activation for p in plans],
        class_names=info.target.class_names, dataset=info.id,
    ))
    return [FILE_NAME] + ([REPORT_FILE] if (out_dir / REPORT_FILE).is_file() else [])
