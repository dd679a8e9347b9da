"""Data sets with several named inputs and targets, and per-step class targets, through the trainer.

Inputs and targets are matched to Input / output nodes by name (whatever order the data set stores
them in), else in order; a class per time step trains with sparse/categorical cross-entropy and
reports per-step accuracy as Keras computes it.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from training_factories import chain

from netcanvas.data.base import Dataset, DatasetInfo, InputSpec, Sizes, Split, TargetInfo, TargetSpec
from netcanvas.graph.analyze import analyze
from netcanvas.graph.schema import Graph
from netcanvas.training.align import align
from netcanvas.training.plan import check_inputs, match_inputs, match_targets, plan_outputs
from netcanvas.training.settings import TrainSettings


def two_in_two_out() -> Graph:
    """a (3,) and b (5,) → concatenated → a class head 'cls' (2 classes) and a value head 'reg' (1)."""
    return Graph.model_validate({
        "name": "two-by-two",
        "nodes": [
            {"id": "a", "type": "Input", "params": {"shape": [3]}},
            {"id": "b", "type": "Input", "params": {"shape": [5]}},
            {"id": "cat", "type": "Concatenate", "params": {}},
            {"id": "h", "type": "Dense", "params": {"units": 16, "activation": "relu"}},
            {"id": "cls", "type": "Dense", "params": {"units": 2, "activation": "softmax"}},
            {"id": "reg", "type": "Dense", "params": {"units": 1}},
        ],
        "edges": [
            {"source": "a", "target": "cat", "target_port": 0}, {"source": "b", "target": "cat", "target_port": 1},
            {"source": "cat", "target": "h"}, {"source": "h", "target": "cls"}, {"source": "h", "target": "reg"},
        ],
        "outputs": ["cls", "reg"],
    })


def stored_reversed(n: int = 240, test: int = 60) -> Dataset:
    """The inputs stored b then a, the targets reg then cls: only name matching puts them right."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(n + test, 3)).astype(np.float32)
    b = rng.normal(size=(n + test, 5)).astype(np.float32)
    cls = (a[:, 0] + b[:, 0] > 0).astype(np.int64)
    val = (a[:, 1] - b[:, 2]).astype(np.float32)[:, None]
    info = DatasetInfo(
        id="named", name="named", kind="table", input_shape=[5],
        target=TargetInfo(kind="values"), sizes=Sizes(train=n, test=test), suggested_loss="mean_squared_error",
        inputs=[InputSpec(name="b", shape=[5]), InputSpec(name="a", shape=[3])],
        targets=[TargetSpec(name="reg", kind="values", shape=[1]),
                 TargetSpec(name="cls", kind="classes", num_classes=2, class_names=["no", "yes"])],
    )

    def part(rows: slice) -> Split:
        return Split([b[rows], a[rows]], [val[rows], cls[rows]])

    return Dataset(info, part(slice(0, n)), part(slice(n, n + test)))


def test_inputs_and_targets_match_by_name_not_storage_order():
    data = stored_reversed()
    analysis = analyze(two_in_two_out())
    assert match_inputs(analysis, data.info) == [1, 0]  # Input a ← data set input 1 ('a')
    assert match_targets(analysis, data.info) == [1, 0]  # output cls ← target 1 ('cls')
    check_inputs(analysis, data.info)
    aligned = align(data, analysis)
    assert [x.shape[1] for x in aligned.train.x] == [3, 5]
    assert aligned.train.y[0].dtype == np.int64 and aligned.train.y[1].shape[1:] == (1,)


def test_unnamed_inputs_match_in_order_and_a_wrong_order_names_the_input():
    data = stored_reversed()
    data.info.inputs = [InputSpec(name="x0", shape=[5]), InputSpec(name="x1", shape=[3])]
    data.info.targets = [TargetSpec(name="y0", kind="values", shape=[1]), TargetSpec(name="y1", kind="values")]
    analysis = analyze(two_in_two_out())
    assert match_inputs(analysis, data.info) == [0, 1]
    assert match_targets(analysis, data.info) == [0, 1]
    with pytest.raises(ValueError, match=r"Input 'a' has shape \(3,\) but data set 'named' input 'x0' gives \(5,\): set the Input shape to \[5\]"):
        check_inputs(analysis, data.info)


def test_too_few_data_set_inputs_say_how_many_and_which():
    data = stored_reversed()
    data.info.inputs = data.info.inputs[:1]
    with pytest.raises(ValueError, match=r"2 Input layer\(s\) \(a, b\) but data set 'named' gives 1 input\(s\) \(b\)"):
        match_inputs(analyze(two_in_two_out()), data.info)


def test_each_output_learns_its_own_named_target(train):
    outcome, rec, _ = train(two_in_two_out(), stored_reversed(), epochs=15, metrics=["accuracy"],
                            loss="sparse_categorical_crossentropy", losses={"reg": "mean_squared_error"},
                            loss_weights={"reg": 0.5})
    # A class head and a value head: each learns its own target with its own loss (Keras's loss dict).
    assert outcome == "succeeded"
    last = rec.epochs[-1]
    assert {"cls_loss", "reg_loss", "cls_accuracy"} <= set(last)
    assert last["cls_accuracy"] > 0.85
    assert abs(last["loss"] - (last["cls_loss"] + 0.5 * last["reg_loss"])) < 1e-4  # weighted total
    log = " ".join(e.message for e in rec.of("log"))
    assert "inputs b (5,), a (3,), targets reg (values), cls (2 classes)" in log


def per_step(n: int = 400, steps: int = 6, vocab: int = 4, test: int = 100) -> Dataset:
    """Copy task: the target at each step is the (integer) token at that step."""
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, vocab, (n + test, steps))
    x = np.eye(vocab, dtype=np.float32)[tokens]  # one-hot (N, T, V)
    info = DatasetInfo(
        id="copy", name="copy", kind="sequence", input_shape=[steps, vocab],
        target=TargetInfo(kind="classes", num_classes=vocab), sizes=Sizes(train=n, test=test),
        suggested_loss="sparse_categorical_crossentropy", extra={"target_shape": [steps]},
    )
    return Dataset(info, Split(x[:n], tokens[:n]), Split(x[n:], tokens[n:]))


def seq_model(steps: int = 6, vocab: int = 4, return_sequences: bool = True) -> Graph:
    return chain(("in", "Input", {"shape": [steps, vocab]}),
                 ("lstm", "LSTM", {"units": 16, "return_sequences": return_sequences}),
                 ("out", "Dense", {"units": vocab, "activation": "softmax"}))


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "categorical_crossentropy"])
def test_a_class_per_time_step_trains_with_per_step_accuracy(train, loss):
    outcome, rec, _ = train(seq_model(), per_step(), epochs=12, loss=loss, metrics=["accuracy"])
    assert outcome == "succeeded"
    assert rec.epochs[-1]["accuracy"] > 0.9  # copying the current token: every step is learnable
    assert rec.epochs[-1]["loss"] < rec.epochs[0]["loss"]


def test_per_step_accuracy_is_the_mean_over_every_step():
    """Keras's accuracy over (N, T) targets: the share of (sample, step) pairs right."""
    data = per_step(n=8, test=0)
    analysis = analyze(seq_model())
    settings = TrainSettings(dataset="copy", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    (plan,) = plan_outputs(analysis, data.info, settings)
    y = torch.as_tensor(np.asarray(data.train.y))
    out = torch.nn.functional.one_hot(y, 4).float()
    out[:2, :3] = torch.nn.functional.one_hot((y[:2, :3] + 1) % 4, 4).float()  # 6 of 48 steps wrong
    metric = plan.metrics[0]
    target = plan.target(y)
    assert int(metric.total(out, target)) == 42 and metric.count(out, target) == 48


def test_a_single_vector_output_for_per_step_targets_says_to_return_sequences():
    data = per_step()
    settings = TrainSettings(dataset="copy", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"a class per time step \(6 steps, 4 classes\).*return_sequences"):
        plan_outputs(analyze(seq_model(return_sequences=False)), data.info, settings)


def test_a_loss_for_an_output_the_graph_lacks_names_the_outputs():
    settings = TrainSettings(dataset="named", losses={"value": "mean_squared_error"})
    with pytest.raises(ValueError, match=r"losses names 'value', which is not an output of the graph; its outputs are cls, reg"):
        plan_outputs(analyze(two_in_two_out()), stored_reversed().info, settings)


@pytest.mark.parametrize("loss,keras_loss,keras_metric", [
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", "SparseCategoricalAccuracy"),
    ("categorical_crossentropy", "CategoricalCrossentropy", "CategoricalAccuracy"),
])
def test_per_step_loss_and_accuracy_equal_keras(keras, loss, keras_loss, keras_metric):
    """The same probabilities and (N, T) class ids: netcanvas's loss and accuracy == Keras's."""
    data = per_step(n=32, test=0)
    settings = TrainSettings(dataset="copy", loss=loss, metrics=["accuracy"])
    (plan,) = plan_outputs(analyze(seq_model()), data.info, settings)
    assert not plan.fused or plan.activation == "softmax"
    rng = np.random.default_rng(3)
    logits = torch.as_tensor(rng.normal(size=(32, 6, 4)), dtype=torch.float32)
    probs = torch.softmax(logits, dim=-1)
    y = torch.as_tensor(np.asarray(data.train.y))
    ours_in = logits if plan.fused else probs
    ours_loss = float(plan.loss(ours_in, plan.target(y)))
    metric = plan.metrics[0]
    ours_acc = int(metric.total(ours_in, plan.target(y))) / metric.count(ours_in, plan.target(y))
    k_y = y.numpy() if loss.startswith("sparse") else np.eye(4, dtype=np.float32)[y.numpy()]
    k_loss = float(getattr(keras.losses, keras_loss)()(k_y, probs.numpy()))
    acc = getattr(keras.metrics, keras_metric)()
    acc.update_state(k_y, probs.numpy())
    assert abs(ours_loss - k_loss) < 1e-5
    assert abs(ours_acc - float(acc.result())) < 1e-6
