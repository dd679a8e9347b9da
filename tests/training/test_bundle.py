"""model.pt round trip (weights_only) and predict's checks."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from training_factories import blobs, mlp

from netcanvas import model_file
from netcanvas.graph.schema import Graph
from netcanvas.training.bundle import bundle_dict, evaluate, load_bundle, predict, save_bundle


@pytest.fixture
def trained(train):
    _, _, out = train(mlp(), blobs(), epochs=2)
    return out / model_file.FILE_NAME


def test_file_is_plain_data_loadable_with_weights_only(trained):
    data = torch.load(trained, weights_only=True)
    assert data["format"] == model_file.FORMAT == "netcanvas.model/1"
    assert Graph.model_validate_json(data["graph"]).nodes[0].id == "in"
    assert data["inputs"] == [{"id": "in", "shape": [4], "dtype": "float32"}]
    assert data["outputs"] == ["out"] and data["linear_outputs"] == ["out"]
    assert data["output_activations"] == ["softmax"]
    assert data["class_names"] == ["c0", "c1", "c2"] and data["dataset"] == "blobs"
    assert all(t.device.type == "cpu" for t in data["state_dict"].values())


def test_round_trip_predicts_the_same_probabilities(trained):
    b = load_bundle(trained)
    assert b.settings.epochs == 2 and b.dataset == "blobs" and not b.module.training
    x = blobs().test.x[:7]
    probs = predict(b, x.tolist())  # nested lists, as the API receives them
    assert probs.shape == (7, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    with torch.no_grad():
        logits = b.module(torch.as_tensor(x))
    np.testing.assert_allclose(probs, torch.softmax(logits, -1).numpy(), rtol=1e-6)
    again = load_bundle(trained)
    np.testing.assert_array_equal(predict(again, x), probs)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (np.zeros((2, 5)), r"Input 'in' expects a batch of shape \(N, 4\), got \(2, 5\)\."),
        (np.zeros(4), r"got \(4,\) \(one sample\? wrap it in a list"),
        ([[1, 2, 3, 4], [1, 2]], r"Input 'in' must be a rectangular batch of numbers of shape \(N, 4\)"),
        ([["a", "b", "c", "d"]], "rectangular batch of numbers"),
    ],
)
def test_predict_names_the_input_and_the_expected_shape(trained, inputs, message):
    with pytest.raises(ValueError, match=message):
        predict(load_bundle(trained), inputs)


def test_predict_with_several_inputs_wants_a_list_per_input(tmp_path):
    g = Graph.model_validate({
        "nodes": [{"id": "a", "type": "Input", "params": {"shape": [3]}},
                  {"id": "b", "type": "Input", "params": {"shape": [None, 2]}},
                  {"id": "flat", "type": "GlobalAveragePooling1D", "params": {}},
                  {"id": "cat", "type": "Concatenate", "params": {}},
                  {"id": "out", "type": "Dense", "params": {"units": 2}}],
        "edges": [{"source": "b", "target": "flat"}, {"source": "a", "target": "cat"},
                  {"source": "flat", "target": "cat", "target_port": 1}, {"source": "cat", "target": "out"}],
    })
    from netcanvas.graph.compile import compile_graph

    path = tmp_path / "m.pt"
    save_bundle(path, bundle_dict(g, compile_graph(g), settings=None, linear_outputs=[], output_activations=[None]))
    b = load_bundle(path)
    assert b.settings is None and b.inputs[1].shape == [None, 2]
    out = predict(b, [np.zeros((2, 3)), np.zeros((2, 7, 2))])  # any sequence length
    assert out.shape == (2, 2)
    with pytest.raises(ValueError, match=r"2 inputs \('a', 'b'\): give a list of 2 batches"):
        predict(b, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="same number of samples"):
        predict(b, [np.zeros((2, 3)), np.zeros((3, 7, 2))])
    with pytest.raises(ValueError, match=r"Input 'b' expects a batch of shape \(N, None, 2\)"):
        predict(b, [np.zeros((2, 3)), np.zeros((2, 7, 3))])
    rng = np.random.default_rng(0)
    a, seq = rng.normal(size=(2, 3)), rng.normal(size=(2, 5, 2))
    by_name = predict(b, {"b": seq, "a": a})  # a dict by Input id, in any order
    np.testing.assert_array_equal(by_name, predict(b, [a, seq]))
    with pytest.raises(ValueError, match=r"takes 'a', 'b'; 'c' is not one of them; 'b' is missing"):
        predict(b, {"a": a, "c": seq})


def test_a_foreign_file_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"format": "something else"}, path)
    with pytest.raises(ValueError, match="not a netcanvas model"):
        load_bundle(path)


def test_every_reader_goes_through_model_file(trained):
    """The file, its bytes (an upload) and a memory map read the same; names come in the errors."""
    on_disk = model_file.read(trained)
    uploaded = model_file.read(trained.read_bytes(), name="mine.pt")
    mapped = model_file.read(trained, mmap=True)
    assert on_disk["graph"] == uploaded["graph"] == mapped["graph"]
    assert on_disk["state_dict"].keys() == uploaded["state_dict"].keys()
    for k, v in on_disk["state_dict"].items():
        assert torch.equal(v, uploaded["state_dict"][k]) and torch.equal(v, mapped["state_dict"][k])
    with pytest.raises(model_file.ModelFileError, match=r"mine.pt is not a loadable netcanvas model.pt"):
        model_file.read(b"not a zip at all", name="mine.pt")
    with pytest.raises(model_file.ModelFileError, match=r"x.pt is a damaged netcanvas model"):
        buf = io.BytesIO()
        torch.save({"format": model_file.FORMAT, "graph": 3}, buf)
        model_file.read(buf.getvalue(), name="x.pt")


def test_optional_keys_get_defaults_and_the_writer_stamps_the_format(tmp_path, trained):
    data = model_file.read(trained)
    path = tmp_path / "minimal.pt"
    model_file.write(path, {"graph": data["graph"], "state_dict": data["state_dict"]})
    minimal = model_file.read(path)
    assert minimal["format"] == model_file.FORMAT
    assert (minimal["linear_outputs"], minimal["class_names"], minimal["dataset"]) == ([], None, None)


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    path.write_bytes(b"old")

    def boom(obj, f):
        with open(f, "wb") as fh:
            fh.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(OSError):
        save_bundle(path, {"format": model_file.FORMAT})
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_evaluate_matches_the_runs_test_metrics(train):
    ds = blobs()
    _, rec, out = train(mlp(), ds, epochs=2)
    got = evaluate(load_bundle(out / "model.pt"), ds)
    result = rec.events[-1]
    assert got["metrics"] == pytest.approx(result.test_metrics)
    assert got["confusion_matrix"] == result.confusion_matrix and got["class_names"] == ["c0", "c1", "c2"]


def test_evaluate_a_model_whose_softmax_was_not_fused(train, tmp_path):
    """An imported model (no settings, softmax kept in the module) reads probabilities, not logits."""
    ds = blobs()
    _, _, out = train(mlp(), ds, epochs=2)
    trained = load_bundle(out / "model.pt")
    from netcanvas.graph.compile import compile_graph

    module = compile_graph(trained.graph)  # softmax inside
    module.load_state_dict(trained.module.state_dict())
    path = tmp_path / "imported.pt"
    save_bundle(path, bundle_dict(trained.graph, module, settings=None, linear_outputs=[],
                                  output_activations=[None]))
    imported = load_bundle(path)
    np.testing.assert_allclose(predict(imported, ds.test.x), predict(trained, ds.test.x), rtol=1e-5, atol=1e-7)
    want = evaluate(trained, ds)["metrics"]
    got = evaluate(imported, ds)["metrics"]
    assert got["loss"] == pytest.approx(want["loss"], rel=1e-4)
    assert got["accuracy"] == want["accuracy"]
