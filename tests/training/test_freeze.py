"""Frozen nodes (Node.trainable false) train as Keras's `layer.trainable = False` does in Keras 3.

- Train further with a frozen base: the base's weights are bit-identical afterwards, the head's
  changed; a frozen BatchNormalization keeps its moving statistics (inference mode while training).
- The optimizer holds no state for frozen parameters; a frozen Dropout still drops while training.
- Counts equal Keras's model.summary() for the same model with the same layers frozen.
- A graph with nothing left to train is refused, naming the layer to unfreeze.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from training_factories import Recorder, blobs, chain

from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph
from netcanvas.graph.schema import Graph
from netcanvas.model_file import FILE_NAME
from netcanvas.model_file import read as read_model
from netcanvas.training.engine import run_training
from netcanvas.training.fit import Trainer
from netcanvas.training.plan import plan_outputs
from netcanvas.training.settings import TrainSettings

BASE = ("h", "bn")  # the "pretrained base" the tests freeze


def based(frozen: tuple[str, ...] = ()) -> Graph:
    g = chain(("in", "Input", {"shape": [4]}), ("h", "Dense", {"units": 8, "activation": "relu"}),
              ("bn", "BatchNormalization", {}), ("drop", "Dropout", {"rate": 0.5}),
              ("out", "Dense", {"units": 3, "activation": "softmax"}))
    return freeze(g, frozen)


def freeze(g: Graph, ids: tuple[str, ...]) -> Graph:
    return g.model_copy(update={"nodes": [n.model_copy(update={"trainable": n.id not in ids}) for n in g.nodes]})


def settings(**kw) -> TrainSettings:
    base = {"dataset": "blobs", "epochs": 2, "batch_size": 16, "device": "cpu", "seed": 0,
            "optimizer": {"type": "adam", "learning_rate": 0.05}}
    return TrainSettings(**{**base, **kw})


def train(g: Graph, out: Path, init: Path | None = None, **kw) -> tuple[Recorder, dict[str, torch.Tensor]]:
    rec = Recorder()
    outcome = run_training(g, settings(**kw), rec, lambda: False, out, dataset=blobs(), init_weights=init)
    assert outcome == "succeeded"
    return rec, read_model(out / FILE_NAME)["state_dict"]


def test_train_further_with_a_frozen_base_leaves_it_bit_identical_and_trains_the_head(tmp_path: Path):
    _, first = train(based(), tmp_path / "first")
    assert float(first["bn.bn.running_var"].sub(1).abs().max()) > 1e-3  # the base learned statistics
    rec, after = train(based(frozen=BASE), tmp_path / "further", init=tmp_path / "first" / FILE_NAME)
    for key in first:
        if key.startswith(("h.", "bn.")):  # weights, moving mean/variance and the batch counter alike
            assert torch.equal(after[key], first[key]), key
    assert not torch.equal(after["out.linear.weight"], first["out.linear.weight"])
    assert not torch.equal(after["out.linear.bias"], first["out.linear.bias"])
    logs = " ".join(e.message for e in rec.of("log"))
    assert "2 layer(s) frozen ('h', 'bn'): 27 of 99 parameters train." in logs  # out: 8·3 + 3 = 27


def test_the_optimizer_has_no_state_for_frozen_parameters():
    g = based(frozen=BASE)
    a = analyze(g)
    data = blobs()
    s = settings(epochs=1)
    plans = plan_outputs(a, data.info, s)
    module = compile_graph(a, linear_outputs={p.node for p in plans if p.fused})
    trainer = Trainer(module, plans, s, torch.device("cpu"))
    trainer.fit(data.train)
    given = {id(p) for group in trainer.optimizer.param_groups for p in group["params"]}
    head = {id(p) for p in module.get_submodule("out").parameters()}
    assert given == head
    assert {id(p) for p in trainer.optimizer.state} == head  # Adam's moments: the head's only
    for name, p in module.named_parameters():
        assert p.requires_grad == name.startswith("out."), name


def test_a_frozen_batch_normalization_runs_in_inference_mode_and_a_frozen_dropout_still_drops():
    g = chain(("in", "Input", {"shape": [6]}), ("bn", "BatchNormalization", {}), ("drop", "Dropout", {"rate": 0.5}))
    module = compile_graph(freeze(g, ("bn", "drop")))
    with torch.no_grad():
        bn = module.get_submodule("bn").bn
        bn.running_mean.copy_(torch.arange(6.0))
        bn.running_var.copy_(torch.full((6,), 4.0))
    x = torch.randn(32, 6) * 3 + 5
    module.eval()
    want = (x - torch.arange(6.0)) / torch.sqrt(torch.tensor(4.0 + 1e-3))
    assert torch.allclose(module(x), want, atol=1e-5)
    module.train()
    dropped = module(x)
    kept = dropped != 0
    assert 0 < int(kept.sum()) < kept.numel()  # Keras 3: Dropout with trainable=False still drops
    assert torch.allclose(dropped[kept], 2 * want[kept], atol=1e-5)  # and BN used the moving statistics
    assert torch.equal(bn.running_mean, torch.arange(6.0)) and int(bn.num_batches_tracked) == 0


def test_counts_split_as_keras_summary_does_for_frozen_layers(keras):
    L = keras.layers
    inp = keras.Input((6,))
    h = L.Dense(5, name="d1")(inp)
    h = L.BatchNormalization(name="bn")(h)
    h = L.Dense(4, name="d2")(h)
    out = L.BatchNormalization(name="bn2")(h)
    model = keras.Model(inp, out)
    for name in ("d1", "bn"):
        model.get_layer(name).trainable = False
    g = chain(("in", "Input", {"shape": [6]}), ("d1", "Dense", {"units": 5}), ("bn", "BatchNormalization", {}),
              ("d2", "Dense", {"units": 4}), ("bn2", "BatchNormalization", {}))
    a = analyze(freeze(g, ("d1", "bn")))
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert (a.counts.trainable, a.counts.total) == (trainable, model.count_params()) == (32, 95)
    report = a.report()
    assert report["trainable_params"] == 32 and report["non_trainable_params"] == 63
    assert report["nodes"]["d1"] == {**report["nodes"]["d1"], "params": 35, "trainable_params": 0, "trainable": False}
    assert report["nodes"]["d2"]["trainable"] is True and report["nodes"]["d2"]["trainable_params"] == 24
    # the module agrees: frozen parameters do not require a gradient
    module = compile_graph(a)
    assert sum(p.numel() for p in module.parameters() if p.requires_grad) == 32


def test_nothing_left_to_train_is_refused_naming_the_layer_to_unfreeze(tmp_path: Path):
    g = based(frozen=("h", "bn", "out"))
    with pytest.raises(ValueError, match=r"Every layer with weights is frozen .* unfreeze at least one layer, "
                                         r"e\.g\. 'out', the last one with weights\."):
        run_training(g, settings(), Recorder(), lambda: False, tmp_path, dataset=blobs())
    # frozen layers without weights do not count: one trainable layer is enough
    rec, _ = train(based(frozen=("h", "bn", "drop")), tmp_path / "ok", epochs=1)
    assert rec.of("epoch")


@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
def test_one_training_step_with_a_frozen_base_matches_keras(keras, tmp_path: Path):
    """The same model, weights and batch in Keras (layers frozen the same way) and here: the
    training-mode forward and one SGD step on the head agree; neither moves the frozen base."""
    from netcanvas.data.base import Dataset, DatasetInfo, Sizes, Split, TargetInfo
    from netcanvas.export.keras_h5 import export_h5

    g = freeze(chain(("in", "Input", {"shape": [4]}), ("h", "Dense", {"units": 5, "activation": "tanh"}),
                     ("bn", "BatchNormalization", {}), ("out", "Dense", {"units": 2})), ("h", "bn"))
    a = analyze(g)
    torch.manual_seed(0)
    module = compile_graph(a)
    with torch.no_grad():  # moving statistics far from the batch's: a batch-statistics forward would differ
        module.get_submodule("bn").bn.running_mean.copy_(torch.linspace(-0.5, 0.5, 5))
        module.get_submodule("bn").bn.running_var.copy_(torch.linspace(0.5, 2.0, 5))
    export_h5(a, module.state_dict(), tmp_path / "model.h5")
    km = keras.models.load_model(tmp_path / "model.h5", compile=False)
    assert [km.get_layer(n).trainable for n in ("h", "bn", "out")] == [False, False, True]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype(np.float32)
    y = rng.normal(size=(16, 2)).astype(np.float32)

    module.train()
    with torch.no_grad():
        ours = module(torch.from_numpy(x)).numpy()
    theirs = km(x, training=True).detach().cpu().numpy()
    assert float(np.abs(ours - theirs).max()) <= 1e-5

    km.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    km.train_on_batch(x, y)
    info = DatasetInfo(id="pairs", name="pairs", kind="table", input_shape=[4], target=TargetInfo(kind="values"),
                       sizes=Sizes(train=16), suggested_loss="mean_squared_error")
    s = settings(dataset="pairs", loss="mean_squared_error", epochs=1, batch_size=16, shuffle=False, validation_split=0.0,
                 optimizer={"type": "sgd", "learning_rate": 0.1})
    trainer = Trainer(module, plan_outputs(a, info, s), s, torch.device("cpu"))
    trainer.fit(Dataset(info, Split(x, y), Split(x[:0], y[:0])).train)
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in km.get_layer("out").weights)
    out = module.get_submodule("out").linear
    assert float(np.abs(out.weight.detach().numpy().T - kernel).max()) <= 1e-5
    assert float(np.abs(out.bias.detach().numpy() - bias).max()) <= 1e-5
    bn_k = [keras.ops.convert_to_numpy(w) for w in km.get_layer("bn").weights]  # gamma, beta, mean, variance
    bn = module.get_submodule("bn").bn
    assert np.allclose(bn_k[2], np.linspace(-0.5, 0.5, 5)) and torch.allclose(bn.running_mean, torch.linspace(-0.5, 0.5, 5))
    assert np.allclose(bn_k[3], np.linspace(0.5, 2.0, 5)) and torch.allclose(bn.running_var, torch.linspace(0.5, 2.0, 5))


def test_a_model_with_every_layer_frozen_still_evaluates_and_predicts(tmp_path: Path):
    """An imported model frozen whole (a feature extractor) has nothing to train, but evaluate and
    predict need no optimizer."""
    from netcanvas.training.bundle import bundle_dict, evaluate, load_bundle, predict, save_bundle

    g = based(frozen=("h", "bn", "out"))
    module = compile_graph(g)
    save_bundle(tmp_path / FILE_NAME, bundle_dict(g, module, settings=settings(), linear_outputs=[],
                                                  output_activations=["softmax"], dataset="blobs"))
    bundle = load_bundle(tmp_path / FILE_NAME)
    assert not any(p.requires_grad for p in bundle.module.parameters())
    data = blobs()
    assert set(evaluate(bundle, data)["metrics"]) >= {"loss", "accuracy"}
    assert np.asarray(predict(bundle, data.test.x[:3])).shape == (3, 3)
