"""run_training end to end on small data: events, Keras keys, determinism, callbacks, cancel, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from training_factories import blobs, chain, mlp

from netcanvas.data.base import Dataset, DatasetInfo, Sizes, Split, TargetInfo
from netcanvas.training import feeds, fit
from netcanvas.training.bundle import load_bundle, predict

TIMING = ("samples_per_s", "seconds")


def without_timing(history):
    return [{k: v for k, v in m.items() if k not in TIMING} for m in history]


def test_events_keys_and_artifact(train):
    outcome, rec, out = train(mlp(), blobs(), epochs=3)
    assert outcome == "succeeded"
    first = rec.events[0]
    assert first.type == "status" and first.status == "running" and first.device == "cpu"
    assert rec.of("log") and rec.events[1].type == "log"
    assert [e.epoch for e in rec.of("epoch")] == [1, 2, 3]
    assert set(rec.epochs[0]) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "samples_per_s", "seconds"}
    assert rec.of("epoch")[-1].eta_s == 0.0
    result = rec.events[-1]
    assert result.type == "result" and result.artifacts == ["model.pt"]
    assert set(result.test_metrics) == {"loss", "accuracy"}
    assert result.test_metrics["accuracy"] > 0.9
    cm = np.array(result.confusion_matrix)
    assert cm.shape == (3, 3) and cm.sum() == 60 and np.trace(cm) / 60 == pytest.approx(result.test_metrics["accuracy"])
    assert result.class_names == ["c0", "c1", "c2"]
    assert (out / "model.pt").exists() and not list(out.glob(".*tmp"))


def test_batch_events_are_throttled_and_end_each_epoch(train, monkeypatch):
    monkeypatch.setattr(fit, "BATCH_EVENT_INTERVAL_S", 1e9)
    _, rec, _ = train(mlp(), blobs(), epochs=2, batch_size=16, validation_split=0.0)
    batches = rec.of("batch")
    assert [(b.epoch, b.step, b.steps, b.seen) for b in batches] == [(1, 15, 15, 240), (2, 15, 15, 240)]
    assert batches[-1].metrics["loss"] == pytest.approx(rec.epochs[-1]["loss"])
    monkeypatch.setattr(fit, "BATCH_EVENT_INTERVAL_S", 0.0)
    _, rec, _ = train(mlp(), blobs(), epochs=1, batch_size=16, validation_split=0.0)
    assert [b.step for b in rec.of("batch")] == list(range(1, 16))


def test_same_seed_same_curves_and_other_seed_differs(train):
    kw = {"epochs": 3, "batch_size": 16, "seed": 7}
    _, a, _ = train(mlp(), blobs(), **kw)
    _, b, _ = train(mlp(), blobs(), **kw)
    _, c, _ = train(mlp(), blobs(), **{**kw, "seed": 8})
    assert without_timing(a.epochs) == without_timing(b.epochs)
    assert without_timing(a.epochs) != without_timing(c.epochs)


def test_validation_split_is_the_last_fraction(train):
    _, rec, _ = train(mlp(), blobs(), validation_split=0.25)
    assert any("last 60 training samples" in e.message for e in rec.of("log"))
    _, rec, _ = train(mlp(), blobs(), validation_split=0.0)
    assert "val_loss" not in rec.epochs[0]


def test_uses_the_data_sets_validation_split(train):
    ds = blobs()
    ds.validation = Split(ds.test.x[:10], ds.test.y[:10])
    _, rec, _ = train(mlp(), ds, use_validation_set=True)
    assert any("validation split (10 samples)" in e.message for e in rec.of("log"))
    assert "val_accuracy" in rec.epochs[0]


def test_early_stopping_stops_and_restores(train):
    # a learning rate so small nothing improves by min_delta after the first epoch
    _, rec, _ = train(
        mlp(), blobs(), epochs=10, optimizer={"type": "sgd", "learning_rate": 1e-9},
        early_stopping={"monitor": "val_loss", "patience": 1, "min_delta": 0.1},
    )
    assert len(rec.epochs) == 2
    messages = [e.message for e in rec.of("log")]
    assert "Early stopping after epoch 2." in messages and "Keeping the weights of epoch 1." in messages


def test_keep_best_restores_the_best_epoch(train):
    # a huge learning rate makes the loss jump around; the saved model is the best epoch's
    _, rec, _out = train(mlp(), blobs(), epochs=6, optimizer={"type": "sgd", "learning_rate": 5.0},
                        validation_split=0.0, keep_best=True)
    losses = [m["loss"] for m in rec.epochs]
    best = int(np.argmin(losses)) + 1
    assert f"Keeping the weights of epoch {best}." in [e.message for e in rec.of("log")]


def test_schedule_changes_the_reported_lr(train):
    _, rec, _ = train(mlp(), blobs(), epochs=4, schedule={"type": "step", "step_size": 2, "gamma": 0.5},
                      optimizer={"type": "adam", "learning_rate": 0.01})
    assert [m["lr"] for m in rec.epochs] == pytest.approx([0.01, 0.01, 0.005, 0.005])


@pytest.mark.parametrize("keep_best", [True, False])
def test_a_stop_after_completed_epochs_keeps_a_completed_epochs_weights(train, keep_best):
    """Stopped in epoch 3: model.pt holds epoch 2's weights (the best of the two, or the last), as
    Keras keeps a model on interrupt — exactly those of the same run trained for 2 epochs."""
    import torch as t

    from netcanvas.training.bundle import load_bundle

    data = blobs()
    calls = []

    def should_stop():  # 240 samples, batch 16: 15 batches an epoch; the 3rd batch of epoch 3
        calls.append(1)
        return len(calls) >= 2 * 15 + 3

    outcome, rec, out = train(mlp(), data, epochs=6, validation_split=0.0, keep_best=keep_best,
                              should_stop=should_stop)
    assert outcome == "cancelled" and len(rec.epochs) == 2
    (result,) = rec.of("result")
    assert result.kept_epoch == 2 and result.artifacts == ["model.pt"] and result.test_metrics == {}
    log = " ".join(e.message for e in rec.of("log"))
    assert "Cancelled during epoch 3: kept the weights of epoch 2" in log
    _, _, two = train(mlp(), data, epochs=2, validation_split=0.0, keep_best=False)
    kept, want = load_bundle(out / "model.pt").module.state_dict(), load_bundle(two / "model.pt").module.state_dict()
    assert rec.epochs[1]["loss"] < rec.epochs[0]["loss"]  # so the best of the two is epoch 2 as well
    assert all(t.equal(kept[k], want[k]) for k in want)


def test_cancel_stops_after_the_current_batch_and_saves_nothing(train):
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) >= 3

    outcome, rec, out = train(mlp(), blobs(), epochs=5, batch_size=16, should_stop=should_stop)
    assert outcome == "cancelled"
    assert len(calls) == 3 and not rec.of("epoch") and not rec.of("result")
    assert not (out / "model.pt").exists()


def test_augment_runs_on_training_batches_only(train):
    seen = []

    def augment(x):
        seen.append(x.shape[0])
        return x + 0.01 * torch.randn_like(x)

    ds = blobs()
    ds.augment = augment
    _, _rec, _ = train(mlp(), ds, epochs=1, batch_size=40, validation_split=0.0)
    assert seen == [40] * 6


@pytest.mark.parametrize(
    ("graph", "settings", "message"),
    [
        (mlp(input_shape=(5,)), {}, "Input 'in' has shape (5,) but data set 'blobs' gives (4,): set the Input shape to [4]."),
        (mlp(units=4), {}, "Output 'out' gives 4 values per sample but data set 'blobs' has 3 classes"),
        (mlp(units=2, activation="sigmoid"), {"loss": "binary_crossentropy"}, "binary_crossentropy on data set 'blobs'"),
    ],
)
def test_incompatible_graph_and_data_set_say_the_fix(train, graph, settings, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]").replace(".", r"\.")):
        train(graph, blobs(), **settings)


def sine_like() -> Dataset:
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (300, 1)).astype(np.float32)
    y = np.sin(x).astype(np.float32)
    info = DatasetInfo(id="wave", name="wave", kind="table", input_shape=[1], target=TargetInfo(kind="values"),
                       sizes=Sizes(train=240, test=60), suggested_loss="mean_squared_error")
    return Dataset(info, Split(x[:240], y[:240]), Split(x[240:], y[240:]))


def test_values_with_a_crossentropy_loss_is_refused(train):
    with pytest.raises(ValueError, match="needs class targets, but data set 'wave' has values"):
        train(mlp(input_shape=(1,), units=1), sine_like())


def test_regression_with_mae_metric(train):
    g = chain(("in", "Input", {"shape": [1]}), ("h", "Dense", {"units": 16, "activation": "tanh"}),
              ("out", "Dense", {"units": 1}))
    _, rec, _ = train(g, sine_like(), loss="mean_squared_error", metrics=["mae"], epochs=30,
                      optimizer={"type": "adam", "learning_rate": 0.02})
    assert set(rec.epochs[-1]) >= {"loss", "mae", "val_loss", "val_mae"}
    assert rec.epochs[-1]["loss"] < 0.5 * rec.epochs[0]["loss"]


def test_binary_crossentropy_with_one_sigmoid_unit(train):
    ds = blobs(classes=2)
    outcome, rec, out = train(mlp(units=1, activation="sigmoid"), ds, loss="binary_crossentropy", epochs=4)
    assert outcome == "succeeded" and rec.events[-1].test_metrics["accuracy"] > 0.9
    assert any("sigmoid is fused" in e.message for e in rec.of("log"))
    probs = predict(load_bundle(out / "model.pt"), ds.test.x)
    assert probs.shape == (60, 1) and ((probs >= 0) & (probs <= 1)).all()
    assert np.array(rec.events[-1].confusion_matrix).sum() == 60


def test_categorical_crossentropy_takes_class_ids_as_one_hot(train):
    _, rec, _ = train(mlp(), blobs(), loss="categorical_crossentropy", metrics=["accuracy", "top_k_categorical_accuracy"],
                      top_k=2)
    assert rec.events[-1].test_metrics["accuracy"] > 0.9
    assert "val_top_k_categorical_accuracy" in rec.epochs[0]


def test_activation_layer_output_is_fused_and_linear_output_uses_from_logits(train):
    g = chain(("in", "Input", {"shape": [4]}), ("d", "Dense", {"units": 3}), ("sm", "Activation", {"activation": "softmax"}))
    _, rec, out = train(g, blobs())
    assert any("'sm'" in e.message and "fused" in e.message for e in rec.of("log"))
    assert predict(load_bundle(out / "model.pt"), blobs().test.x).sum(axis=1) == pytest.approx(np.ones(60), rel=1e-5)
    _, rec, _ = train(mlp(activation="linear"), blobs(), from_logits=True)
    assert rec.events[-1].test_metrics["accuracy"] > 0.9


def test_two_outputs_report_keras_keys(train):
    g = chain(("in", "Input", {"shape": [4]}), ("h", "Dense", {"units": 8, "activation": "relu"}),
              ("a", "Dense", {"units": 3, "activation": "softmax"}))
    g.nodes.append(g.nodes[-1].model_copy(update={"id": "b"}))
    g.edges.append(g.edges[-1].model_copy(update={"target": "b"}))
    g.outputs = ["a", "b"]
    _, rec, out = train(g, blobs(), epochs=2)
    m = rec.epochs[-1]
    assert {"loss", "a_loss", "b_loss", "a_accuracy", "b_accuracy", "val_a_accuracy"} <= set(m)
    assert m["loss"] == pytest.approx(m["a_loss"] + m["b_loss"])
    a, b = predict(load_bundle(out / "model.pt"), blobs().test.x[:5])
    assert a.shape == b.shape == (5, 3)


def two_input_set() -> Dataset:
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, (300, 3)).astype(np.float32)
    b = rng.normal(0, 1, (300, 2)).astype(np.float32)
    y = (a[:, 0] + b[:, 1] > 0).astype(np.int64)
    info = DatasetInfo(id="pair", name="pair", kind="table", input_shape=[3], extra={"input_shapes": [[3], [2]]},
                       target=TargetInfo(kind="classes", num_classes=2), sizes=Sizes(train=240, test=60),
                       suggested_loss="sparse_categorical_crossentropy")
    return Dataset(info, Split((a[:240], b[:240]), y[:240]), Split((a[240:], b[240:]), y[240:]))


def test_two_inputs_from_a_tuple_split(train):
    from netcanvas.graph.schema import Graph

    g = Graph.model_validate({
        "nodes": [{"id": "a", "type": "Input", "params": {"shape": [3]}},
                  {"id": "b", "type": "Input", "params": {"shape": [2]}},
                  {"id": "cat", "type": "Concatenate", "params": {}},
                  {"id": "out", "type": "Dense", "params": {"units": 2, "activation": "softmax"}}],
        "edges": [{"source": "a", "target": "cat"}, {"source": "b", "target": "cat", "target_port": 1},
                  {"source": "cat", "target": "out"}],
    })
    _, rec, _out = train(g, two_input_set(), epochs=15, optimizer={"type": "adam", "learning_rate": 0.05})
    assert rec.events[-1].test_metrics["accuracy"] > 0.85
    with pytest.raises(ValueError, match=r"1 Input layer\(s\) \(in\) but data set .pair. gives 2 input"):
        train(mlp(input_shape=(3,), units=2), two_input_set())


def test_big_memmap_trains_through_a_dataloader(train, tmp_path, monkeypatch):
    ds = blobs()
    path = tmp_path / "x.npy"
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=ds.train.x.shape)
    mm[:] = ds.train.x
    mm.flush()
    ds.train = Split(np.load(path, mmap_mode="r"), ds.train.y)
    assert isinstance(ds.train.x, np.memmap)
    monkeypatch.setattr(feeds, "LOADER_THRESHOLD_BYTES", 1024)
    monkeypatch.setattr(feeds, "LOADER_WORKERS", 1)
    made = []
    real = feeds.LoaderFeed.__init__

    def spy(self, *a, **kw):
        made.append(self)
        real(self, *a, **kw)

    monkeypatch.setattr(feeds.LoaderFeed, "__init__", spy)
    outcome, rec, _ = train(mlp(), ds, epochs=3)
    assert outcome == "succeeded" and made  # train and validation rows came from LoaderFeeds
    assert rec.events[-1].test_metrics["accuracy"] > 0.9


def test_row_batches_travel_to_workers_as_a_file_name(tmp_path):
    import pickle

    path = tmp_path / "a.npy"
    np.save(path, np.arange(20000, dtype=np.float32).reshape(10000, 2))
    arr = np.load(path, mmap_mode="r")
    rb = feeds.RowBatches([arr, np.arange(10)], np.arange(2, 8))
    state = pickle.dumps(rb)
    assert len(state) < 1000  # the rows, the small array and a file name; not the memmap's 80 kB
    back = pickle.loads(state)
    x, y = back[[3, 0]]
    assert x.tolist() == [[4.0, 5.0], [10.0, 11.0]] and y.tolist() == [2, 5]


def test_device_auto_records_cpu_and_missing_cuda_is_clear(train):
    _, rec, _ = train(mlp(), blobs(), epochs=1, device="auto")
    assert rec.events[0].device == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            train(mlp(), blobs(), device="cuda")


def test_warns_about_a_loss_that_does_not_match_the_output(train):
    _, rec, _ = train(mlp(activation="linear"), blobs(), epochs=1)
    warnings = [e.message for e in rec.of("log") if e.level == "warning"]
    assert any("expects probabilities but 'out' ends in linear" in m for m in warnings)
    _, rec, _ = train(mlp(), blobs(), epochs=1, from_logits=True)
    assert any("already ends in softmax" in e.message for e in rec.of("log") if e.level == "warning")


def test_builtin_sine_regression_and_a_wrong_output_size(train):
    g = chain(("in", "Input", {"shape": [1]}), ("h", "Dense", {"units": 16, "activation": "tanh"}),
              ("out", "Dense", {"units": 1}))
    outcome, rec, _ = train(g, dataset="sine", loss="mean_squared_error", metrics=["mae"], epochs=2)
    assert outcome == "succeeded" and set(rec.events[-1].test_metrics) == {"loss", "mae"}
    assert rec.events[-1].confusion_matrix is None
    wide = chain(("in", "Input", {"shape": [1]}), ("out", "Dense", {"units": 2}))
    with pytest.raises(ValueError, match=r"Output 'out' gives \(2,\) per sample but data set 'sine' has targets"):
        train(wide, dataset="sine", loss="mean_squared_error")


def test_values_of_another_size_than_the_output_are_refused(train):
    ds = sine_like()  # targets (1,) per sample, no declared target shape
    wide = chain(("in", "Input", {"shape": [1]}), ("out", "Dense", {"units": 3}))
    with pytest.raises(ValueError, match=r"Output 'out' gives \(3,\) per sample but the targets have 1 value"):
        train(wide, ds, loss="mean_squared_error")


def test_an_output_ending_in_a_softmax_layer_is_fused_like_a_softmax_activation(train):
    g = chain(("in", "Input", {"shape": [4]}), ("h", "Dense", {"units": 8, "activation": "relu"}),
              ("logits", "Dense", {"units": 3}), ("out", "Softmax", {}))
    outcome, rec, out = train(g, blobs(), epochs=3)
    assert outcome == "succeeded"
    logs = " ".join(e.message for e in rec.of("log"))
    assert "reads the logits of 'out'" in logs and "expects probabilities" not in logs
    bundle = load_bundle(out / "model.pt")
    probs = predict(bundle, np.random.default_rng(0).normal(size=(5, 4)).astype("float32"))
    np.testing.assert_allclose(np.asarray(probs).reshape(5, 3).sum(axis=1), 1.0, rtol=1e-5)  # predictions apply it
    assert rec.events[-1].test_metrics["accuracy"] > 0.9
