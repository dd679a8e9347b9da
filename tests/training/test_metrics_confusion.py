"""precision / recall / auc / f1_score: Keras's own metrics (KERAS_BACKEND=torch) as the reference.

The same predictions and targets go in several batches through netcanvas's on-device states and
through keras.metrics; the results must agree to 1e-6. Then a real run reports them, and settings
that cannot work are refused naming the field.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pydantic import ValidationError
from training_factories import blobs, mlp

from netcanvas.training.accumulate import Sums
from netcanvas.training.bundle import load_bundle, predict
from netcanvas.training.metrics import Metric, make_metrics
from netcanvas.training.plan import OutputPlan
from netcanvas.training.request_checks import reported_keys, request_problems
from netcanvas.training.settings import TrainSettings

BATCHES = 4


def ours(entry, outs: list[torch.Tensor], ys: list[torch.Tensor], *, activation: str | None = None,
         loss: str = "categorical_crossentropy") -> list[float]:
    """Feed the batches through netcanvas's metric state and read it once."""
    (metric,) = make_metrics([entry], loss=loss, out_shape=tuple(outs[0].shape[1:]), sparse_targets=False,
                             logits_activation=activation)
    state = torch.zeros(metric.width, dtype=torch.float64)
    for out, y in zip(outs, ys, strict=True):
        metric.update(state, out, y)
    return metric.result(state.tolist(), 0.0)


def theirs(keras_metric, preds: list[np.ndarray], ys: list[np.ndarray]) -> list[float]:
    for p, y in zip(preds, ys, strict=True):
        keras_metric.update_state(y, p)
    return [float(v) for v in np.atleast_1d(np.asarray(keras_metric.result()))]


def batches(rng, n: int, units: int, *, one_hot: bool, ties: bool = False):
    """BATCHES batches of softmax probabilities (or sigmoid ones, units=1) and their targets."""
    outs, ys = [], []
    for _ in range(BATCHES):
        logits = rng.normal(0, 2, (n, units)).astype(np.float32)
        if ties:  # coarse values so rows hold equal maxima (F1Score without a threshold counts all of them)
            logits = np.round(logits)
        if units == 1:
            p = 1 / (1 + np.exp(-logits))
            y = (rng.random((n, 1)) < p).astype(np.float32)  # correlated with p: a useful AUC
        else:
            p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
            ids = np.where(rng.random(n) < 0.6, p.argmax(1), rng.integers(0, units, n))
            y = np.eye(units, dtype=np.float32)[ids] if one_hot else ids
        outs.append(p.astype(np.float32))
        ys.append(y)
    return outs, ys


def t(arrays):
    return [torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]


MULTI_CLASS = [
    ("precision", lambda m: m.Precision()),
    ("recall", lambda m: m.Recall()),
    ({"type": "precision", "class_id": 3}, lambda m: m.Precision(class_id=3)),
    ({"type": "recall", "class_id": 0, "thresholds": 0.3}, lambda m: m.Recall(class_id=0, thresholds=0.3)),
    ({"type": "precision", "top_k": 2}, lambda m: m.Precision(top_k=2)),
    ({"type": "recall", "top_k": 2, "class_id": 1}, lambda m: m.Recall(top_k=2, class_id=1)),
    ({"type": "precision", "top_k": 3, "thresholds": 0.2}, lambda m: m.Precision(top_k=3, thresholds=0.2)),
    ("auc", lambda m: m.AUC()),
    ({"type": "auc", "curve": "PR"}, lambda m: m.AUC(curve="PR")),
    ({"type": "auc", "num_thresholds": 7, "summation_method": "minoring"},
     lambda m: m.AUC(num_thresholds=7, summation_method="minoring")),
    ({"type": "auc", "curve": "PR", "summation_method": "majoring"},
     lambda m: m.AUC(curve="PR", summation_method="majoring")),
    ("f1_score", lambda m: m.F1Score()),
    ({"type": "f1_score", "average": "micro"}, lambda m: m.F1Score(average="micro")),
    ({"type": "f1_score", "average": "macro"}, lambda m: m.F1Score(average="macro")),
    ({"type": "f1_score", "average": "weighted", "threshold": 0.25},
     lambda m: m.F1Score(average="weighted", threshold=0.25)),
]


@pytest.mark.parametrize(("entry", "reference"), MULTI_CLASS, ids=lambda v: str(v) if not callable(v) else "")
def test_one_hot_targets_match_keras_over_batches(keras, entry, reference):
    rng = np.random.default_rng(0)
    outs, ys = batches(rng, 37, 5, one_hot=True, ties=True)
    got = ours(TrainSettings(metrics=[entry]).metrics[0], t(outs), t(ys))
    want = theirs(reference(keras.metrics), outs, ys)
    assert got == pytest.approx(want, abs=1e-6)
    assert 0 < max(want) < 1  # a case that tells a wrong count from a right one


BINARY = [
    ("precision", lambda m: m.Precision()),
    ({"type": "recall", "thresholds": 0.7}, lambda m: m.Recall(thresholds=0.7)),
    ({"type": "precision", "class_id": 0}, lambda m: m.Precision(class_id=0)),
    ("auc", lambda m: m.AUC()),
    ({"type": "auc", "curve": "PR"}, lambda m: m.AUC(curve="PR")),
    ({"type": "f1_score", "threshold": 0.5}, lambda m: m.F1Score(threshold=0.5)),
    ({"type": "f1_score", "threshold": 0.5, "average": "weighted"}, lambda m: m.F1Score(threshold=0.5, average="weighted")),
]


@pytest.mark.parametrize(("entry", "reference"), BINARY, ids=lambda v: str(v) if not callable(v) else "")
def test_one_sigmoid_unit_matches_keras(keras, entry, reference):
    rng = np.random.default_rng(1)
    outs, ys = batches(rng, 29, 1, one_hot=True)
    got = ours(TrainSettings(metrics=[entry]).metrics[0], t(outs), t(ys), loss="binary_crossentropy")
    want = theirs(reference(keras.metrics), outs, ys)
    assert got == pytest.approx(want, abs=1e-6)
    assert 0 < want[0] < 1


@pytest.mark.parametrize("activation", ["softmax", "sigmoid"])
def test_fused_logits_are_activated_first(keras, activation):
    M = keras.metrics
    rng = np.random.default_rng(2)
    units = 4 if activation == "softmax" else 1
    logits = [rng.normal(0, 2, (33, units)).astype(np.float32) for _ in range(BATCHES)]
    ys = [np.eye(units, dtype=np.float32)[rng.integers(0, units, 33)] if units > 1
          else (rng.random((33, 1)) < 0.5).astype(np.float32) for _ in range(BATCHES)]
    act = (lambda z: torch.softmax(z, -1)) if activation == "softmax" else torch.sigmoid
    probs = [act(torch.from_numpy(z)).numpy() for z in logits]
    for entry, reference in [("precision", M.Precision), ("auc", M.AUC), ("recall", M.Recall)]:
        got = ours(entry, t(logits), t(ys), activation=activation)
        assert got == pytest.approx(theirs(reference(), probs, ys), abs=1e-6), entry


def test_images_count_classes_on_the_channel_axis_as_keras_on_its_last(keras):
    M = keras.metrics
    rng = np.random.default_rng(3)
    outs, ys = [], []
    for _ in range(BATCHES):  # netcanvas holds images (N, C, H, W); Keras (N, H, W, C)
        p = torch.softmax(torch.from_numpy(rng.normal(0, 2, (6, 3, 4, 5)).astype(np.float32)), 1)
        y = torch.nn.functional.one_hot(torch.from_numpy(rng.integers(0, 3, (6, 4, 5))), 3).float().movedim(-1, 1)
        outs.append(p)
        ys.append(y)
    last = [o.movedim(1, -1).numpy() for o in outs], [y.movedim(1, -1).numpy() for y in ys]
    for entry, reference in [({"type": "precision", "class_id": 2}, lambda: M.Precision(class_id=2)),
                             ({"type": "recall", "top_k": 1}, lambda: M.Recall(top_k=1)),
                             ("auc", M.AUC)]:
        spec = TrainSettings(metrics=[entry]).metrics[0]
        assert ours(spec, outs, ys) == pytest.approx(theirs(reference(), *last), abs=1e-6), entry


def test_keras_metrics_do_not_read_class_ids(keras):
    M = keras.metrics
    """Why sparse targets are refused: Keras fails on them, or with class_id reads the wrong values."""
    p = np.array([[0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1]], np.float32)
    ids = np.array([0, 2, 2, 1])
    with pytest.raises(Exception, match="size|shape"):
        theirs(M.Precision(), [p], [ids])
    per_class = theirs(M.Precision(class_id=1), [p], [np.eye(3, dtype=np.float32)[ids]])
    assert per_class == [0.0]  # the one prediction of class 1 is wrong
    assert theirs(M.Precision(class_id=1), [p], [ids]) == [1.0]  # ids[..., 1] is a label, not a class


def test_sparse_targets_are_refused_naming_the_loss():
    for name in ("precision", "recall", "auc", "f1_score"):
        with pytest.raises(ValueError, match=r"^metrics\[1\]: Keras's .* categorical_crossentropy"):
            make_metrics(["accuracy", name], loss="sparse_categorical_crossentropy", out_shape=(10,),
                         sparse_targets=True, logits_activation=None)


@pytest.mark.parametrize(("entry", "message"), [
    ({"type": "precision", "class_id": 10}, (r"^metrics\[0\]\.class_id: 10 is not a class of this output, which "
                                             r"gives 10 value\(s\) per sample \(class ids 0–9\)")),
    ({"type": "recall", "top_k": 11}, r"^metrics\[0\]\.top_k: 11 is more than the 10"),
])
def test_options_beyond_the_outputs_units_are_refused(entry, message):
    with pytest.raises(ValueError, match=message):
        make_metrics(TrainSettings(metrics=[entry]).metrics, loss="categorical_crossentropy", out_shape=(10,),
                     sparse_targets=False, logits_activation=None)


def test_f1_refuses_what_keras_would_not_mean():
    kw = {"loss": "binary_crossentropy", "sparse_targets": False, "logits_activation": None}
    with pytest.raises(ValueError, match=r"^metrics\[0\]\.threshold: without a threshold"):
        make_metrics(["f1_score"], out_shape=(1,), **kw)
    with pytest.raises(ValueError, match=r"^metrics\[0\]: Keras's F1Score needs outputs of shape \(batch, classes\)"):
        make_metrics(["f1_score"], out_shape=(7, 3), **kw)
    with pytest.raises(ValueError, match=r"^metrics\[0\]\.average: None reports one F1 score per class.*'macro'"):
        make_metrics(["f1_score"], out_shape=(500,), **kw)
    (macro,) = make_metrics(TrainSettings(metrics=[{"type": "f1_score", "average": "macro"}]).metrics,
                            out_shape=(500,), **kw)
    assert macro.keys == ["f1_score"]


def test_keys_are_named_as_keras_names_them():
    entries = TrainSettings(metrics=[
        "precision", {"type": "precision", "class_id": 2}, {"type": "precision", "class_id": 2},  # exact repeat dropped
        {"type": "recall", "class_id": 1, "name": "recall_1_of_10"}, "f1_score", "auc",
    ]).metrics
    metrics = make_metrics(entries, loss="categorical_crossentropy", out_shape=(3,), sparse_targets=False,
                           logits_activation=None)
    keys = [k for m in metrics for k in m.keys]
    assert keys == ["precision", "precision_1", "recall_1_of_10", "f1_score_0", "f1_score_1", "f1_score_2", "auc"]
    assert reported_keys(TrainSettings(metrics=entries), ["out"], {"out": (3,)})[:len(keys) + 1] == ["loss", *keys]
    with pytest.raises(ValueError, match=r"^metrics\[2\]: its history key 'f1_score_1' is also metrics\[0\]'s"):
        make_metrics(TrainSettings(metrics=["f1_score", "f1_score", {"type": "f1_score", "average": "macro"}]).metrics,
                     loss="categorical_crossentropy",
                     out_shape=(3,), sparse_targets=False, logits_activation=None)


def test_bad_metric_objects_fail_validation_naming_the_option():
    for bad, where in [({"type": "precision", "class_idx": 3}, "class_idx"), ({"type": "auc", "curve": "XY"}, "curve"),
                       ({"type": "f1_score", "average": "mean"}, "average"),
                       ({"type": "recall", "thresholds": 1.5}, "thresholds"),
                       ({"type": "precision", "name": "val_precision"}, "name"), ({"type": "kappa"}, "type")]:
        with pytest.raises(ValidationError, match=where):
            TrainSettings(metrics=[bad])


def test_sums_read_every_metric_in_one_transfer():
    (metric,) = make_metrics(["precision"], loss="categorical_crossentropy", out_shape=(2,), sparse_targets=False,
                             logits_activation=None)
    acc = make_metrics(["accuracy"], loss="categorical_crossentropy", out_shape=(2,), sparse_targets=False,
                       logits_activation=None)[0]
    plan = OutputPlan(node="out", shape=(2,), activation=None, fused=False, loss=lambda o, y: o.sum(),
                      metrics=[acc, metric], target=lambda y: y)
    sums = Sums([plan], torch.device("cpu"), torch.float64)
    out = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    y = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    for _ in range(2):
        sums.add((out,), (y,), (torch.tensor(0.5),), 3)
        sums.measure((out,), (y,), 3)
    values = sums.read(6, "val_")
    assert values == pytest.approx({"val_loss": 0.5, "val_accuracy": 1 / 3, "val_precision": 1 / 3})
    assert isinstance(metric, Metric) and metric.width == 4


def test_a_run_reports_them_per_epoch_and_on_the_test_split(keras, train):
    M = keras.metrics
    metrics = ["accuracy", "precision", {"type": "recall", "class_id": 2}, "auc",
               {"type": "f1_score", "average": "macro"}, "f1_score"]
    outcome, rec, out = train(mlp(), blobs(), epochs=2, loss="categorical_crossentropy", metrics=metrics,
                              early_stopping={"monitor": "val_precision", "patience": 1})
    assert outcome == "succeeded"
    # the macro F1 is f1_score; the per-class one, second of its name, f1_score_1 → f1_score_1_0 …
    for epoch in rec.epochs:
        for k in ["precision", "recall", "auc", "f1_score", "f1_score_1_0", "f1_score_1_2"]:
            assert 0.0 <= epoch[k] <= 1.0 and 0.0 <= epoch[f"val_{k}"] <= 1.0, k
    assert rec.of("batch")[-1].metrics["precision"] == pytest.approx(rec.epochs[-1]["precision"])
    result = rec.events[-1]
    test = blobs().test
    probs = predict(load_bundle(out / "model.pt"), test.x)
    onehot = np.eye(3, dtype=np.float32)[test.y]
    for key, reference in [("precision", M.Precision()), ("recall", M.Recall(class_id=2)), ("auc", M.AUC()),
                           ("f1_score", M.F1Score(average="macro"))]:
        assert result.test_metrics[key] == pytest.approx(theirs(reference, [probs], [onehot])[0], abs=1e-5), key


def test_monitors_of_the_new_metrics_are_accepted_and_checked():
    info = blobs().info
    ok = TrainSettings(loss="categorical_crossentropy", metrics=["precision", "f1_score"],
                       early_stopping={"monitor": "val_precision"},
                       schedule={"type": "reduce_on_plateau", "monitor": "val_f1_score_2"})
    assert request_problems(ok, ["out"], info, {"out": (3,)}) == []
    assert request_problems(ok, ["out"], info) == []  # units unknown: any class number passes
    bad = ok.model_copy(update={"schedule": ok.schedule.model_copy(update={"monitor": "val_f1_score_3"})})
    (problem,) = request_problems(bad, ["out"], info, {"out": (3,)})
    assert problem.startswith("schedule.monitor: 'val_f1_score_3' is not reported by this run")
    assert "val_f1_score_2" in problem


DIGITS_MLP = {
    "format": "netcanvas.graph/1", "name": "mlp",
    "nodes": [{"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
              {"id": "flat", "type": "Flatten", "params": {}},
              {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}}],
    "edges": [{"source": "in", "target": "flat"}, {"source": "flat", "target": "out"}],
}


@pytest.mark.parametrize(("settings", "field", "says"), [
    ({"loss": "categorical_crossentropy", "metrics": ["accuracy", {"type": "precision", "class_id": 10}]},
     "metrics[1].class_id", "10 is not a class of this output"),
    ({"metrics": ["recall"]}, "metrics[0]", "use the loss categorical_crossentropy"),
    ({"loss": "categorical_crossentropy", "metrics": ["precision"], "early_stopping": {"monitor": "val_recall"}},
     "early_stopping.monitor", "'val_recall' is not reported by this run; it reports loss, precision"),
])
def test_post_runs_refuses_metrics_that_cannot_work_with_a_422(tmp_path, settings, field, says):
    from fastapi.testclient import TestClient

    from netcanvas.api.main import create_app
    from netcanvas.config import Settings

    app = create_app(Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "none", max_concurrent_runs=1))
    with TestClient(app) as client:
        r = client.post("/api/runs", json={"graph": DIGITS_MLP, "dataset": "digits", "epochs": 1, "device": "cpu",
                                           **settings})
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        messages = [p["message"] for p in detail["problems"]]
        assert any(m.startswith(field) and says in m for m in messages), messages
        assert client.get("/api/runs").json()["count"] == 0  # nothing was queued


def test_keras_export_writes_the_metric_classes_keras_reads_back(keras):
    from netcanvas.export.keras_compile import compile_config
    from netcanvas.graph.analyze import analyze
    from netcanvas.graph.schema import Graph

    s = TrainSettings(loss="categorical_crossentropy", metrics=[
        "precision", {"type": "precision", "class_id": 4, "thresholds": 0.3}, {"type": "auc", "curve": "PR"},
        {"type": "f1_score", "average": "macro", "threshold": 0.4}])
    cfg = compile_config(s, analyze(Graph.model_validate(DIGITS_MLP)))
    assert cfg["metrics"][0] == "precision"
    objects = [keras.metrics.deserialize(m) for m in cfg["metrics"][1:]]
    assert [(type(m).__name__, m.name) for m in objects] == [("Precision", "precision_1"), ("AUC", "auc"),
                                                              ("F1Score", "f1_score")]
    assert (objects[0].class_id, objects[0].thresholds) == (4, [0.3])
    assert objects[1].curve.value == "PR" and objects[2].average == "macro" and objects[2].threshold == 0.4
