"""Factories for training tests: small graphs, small data sets, an event recorder."""

from __future__ import annotations

import itertools

import numpy as np

from netcanvas.data.base import Dataset, DatasetInfo, Sizes, Split, TargetInfo
from netcanvas.graph.schema import Graph


def chain(*layers: tuple[str, str, dict], name: str = "test") -> Graph:
    """A sequential graph from (id, type, params) triples."""
    return Graph.model_validate({
        "name": name,
        "nodes": [{"id": i, "type": t, "params": p} for i, t, p in layers],
        "edges": [{"source": a[0], "target": b[0]} for a, b in itertools.pairwise(layers)],
    })


def mlp(input_shape=(4,), units=3, activation="softmax", hidden=8) -> Graph:
    layers = [("in", "Input", {"shape": list(input_shape)})]
    if len(input_shape) > 1:
        layers.append(("flat", "Flatten", {}))
    layers += [("h", "Dense", {"units": hidden, "activation": "relu"}),
               ("out", "Dense", {"units": units, "activation": activation})]
    return chain(*layers)


def blobs(n=240, features=4, classes=3, seed=0, test=60) -> Dataset:
    """Separable Gaussian blobs: a small classification set that trains in a blink."""
    rng = np.random.default_rng(seed)
    centers = 6.0 * np.eye(classes, features)  # one axis per class: separable by a line
    y = rng.integers(0, classes, n + test)
    x = (centers[y] + rng.normal(0, 1, (n + test, features))).astype(np.float32)
    info = DatasetInfo(
        id="blobs", name="blobs", kind="table", input_shape=[features],
        target=TargetInfo(kind="classes", num_classes=classes, class_names=[f"c{i}" for i in range(classes)]),
        sizes=Sizes(train=n, test=test), suggested_loss="sparse_categorical_crossentropy",
    )
    return Dataset(info, Split(x[:n], y[:n].astype(np.int64)), Split(x[n:], y[n:].astype(np.int64)))


class Recorder:
    """An emit() that keeps every event."""

    def __init__(self):
        self.events = []

    def __call__(self, event) -> None:
        self.events.append(event)

    def of(self, kind: str) -> list:
        return [e for e in self.events if e.type == kind]

    @property
    def epochs(self) -> list[dict[str, float]]:
        return [e.metrics for e in self.of("epoch")]
