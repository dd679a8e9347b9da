"""Settings a run would trip over, told when the request arrives (HTTP 422) instead of as a failed run.

A pure function of the settings, the graph's outputs and the data set: each problem is a sentence
that starts with the field it is about.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..data.base import DatasetInfo
from ..graph.analyze import Analysis
from .metric_settings import keras_names, per_class
from .settings import TrainSettings, resolve_alias

CLASS = "<class>"  # stands for the class number in a per-class key when the output's units are unknown


def output_shapes(analysis: Analysis) -> dict[str, tuple[int | None, ...]]:
    """Each output's shape per sample, where the analysis knows it (for `request_problems`)."""
    return {o: tuple(analysis.nodes[o].output_shapes[0]) for o in analysis.outputs  # type: ignore[index]
            if analysis.nodes[o].output_shapes}


def _units(shape: tuple[int | None, ...] | None) -> int | None:
    return None if not shape else shape[0] if len(shape) == 3 else shape[-1]


def reported_keys(settings: TrainSettings, outputs: list[str],
                  shapes: Mapping[str, tuple[int | None, ...]] | None = None) -> list[str]:
    """The history keys of a run: loss, per output its loss and metrics (prefixed with several), and
    each of them as val_ (a run without validation data watches the training value instead).
    `shapes`: the outputs' shapes per sample, for metrics with a key per class (f1_score_0 …)."""
    several = len(outputs) > 1
    entries = list(dict.fromkeys(settings.metrics))
    keys = ["loss"]
    for node in outputs:
        prefix = f"{node}_" if several else ""
        if several:
            keys.append(f"{prefix}loss")
        units = _units((shapes or {}).get(node))
        for entry, name in zip(entries, keras_names(entries), strict=True):
            if per_class(entry, units):
                keys += [f"{prefix}{name}_{c}" for c in range(units)] if units else [f"{prefix}{name}_{CLASS}"]
            else:
                keys.append(f"{prefix}{name}")
    return keys + [f"val_{k}" for k in keys]


def _reported(monitor: str, keys: list[str]) -> bool:
    candidates = {monitor, resolve_alias(monitor)}
    patterns = [re.escape(k).replace(re.escape(CLASS), r"\d+") for k in keys if CLASS in k]
    return bool(candidates & set(keys)) or any(re.fullmatch(p, c) for p in patterns for c in candidates)


def device_problems(settings: TrainSettings, cuda_devices: int) -> list[str]:
    """Precision and device count against the `cuda_devices` GPUs this server's runs see."""
    problems: list[str] = []
    on_cuda = settings.device == "cuda" or (settings.device == "auto" and cuda_devices > 0)
    if settings.precision == "fp16" and not on_cuda:
        problems.append(f"precision: 'fp16' needs a CUDA GPU and this run trains on "
                        f"{'the CPU' if settings.device != 'mps' else 'the Apple GPU'}: use 'bf16' or '32'")
    elif settings.precision == "bf16" and settings.device == "mps":
        problems.append("precision: 'bf16' is not supported on the Apple GPU: use '32' or 'auto'")
    if settings.devices > 1:
        if settings.device in ("cpu", "mps"):
            problems.append(f"devices: {settings.devices} processes need one CUDA GPU each; device "
                            f"'{settings.device}' trains in one process (devices 1)")
        elif settings.devices > cuda_devices:
            problems.append(f"devices: {settings.devices} GPUs asked for but this server sees {cuda_devices} "
                            f"CUDA GPU{'s' if cuda_devices != 1 else ''}: use devices {max(cuda_devices, 1)} or fewer")
        elif settings.batch_size < settings.devices:
            problems.append(f"devices: {settings.devices} GPUs split batch_size {settings.batch_size}, leaving "
                            "some with no rows: use a batch size of at least the number of devices")
    return problems


def request_problems(settings: TrainSettings, outputs: list[str], info: DatasetInfo,
                     shapes: Mapping[str, tuple[int | None, ...]] | None = None,
                     cuda_devices: int | None = None) -> list[str]:
    """Empty when the settings fit this graph (its output node ids, and their shapes if known), data
    set, and this server's GPUs (`cuda_devices`; None: count them here, loading torch)."""
    if cuda_devices is None:
        from .device import cuda_device_count

        cuda_devices = cuda_device_count()
    problems = device_problems(settings, cuda_devices)
    keys = reported_keys(settings, outputs, shapes)
    watched = []
    if settings.early_stopping is not None:
        watched.append(("early_stopping.monitor", settings.early_stopping.monitor))
    if settings.schedule.type == "reduce_on_plateau":
        watched.append(("schedule.monitor", settings.schedule.monitor))
    for field, monitor in watched:
        if not _reported(monitor, keys):
            problems.append(f"{field}: '{monitor}' is not reported by this run; it reports {', '.join(keys)}")
    weights = settings.class_weight
    if weights is not None:
        target = info.target_specs()
        if len(outputs) > 1 or len(target) > 1:
            problems.append("class_weight: Keras does not support class_weight for a model with several outputs")
        elif target[0].kind != "classes" or not target[0].num_classes:
            problems.append(f"class_weight: data set '{info.id}' has no classes (a regression target)")
        elif isinstance(weights, dict):
            n = target[0].num_classes
            names = [str(c) for c in (target[0].class_names or [])]
            unknown = [k for k in weights if k not in names and not (k.isdigit() and int(k) < n)]
            if unknown:
                problems.append(f"class_weight: {', '.join(repr(u) for u in unknown)} is not a class of data set "
                                f"'{info.id}'; its classes are 0–{n - 1}"
                                + (f" ({', '.join(names)})" if names else ""))
    return problems
