"""Augmentation layers while training: Keras's geometry and fill modes, real flips, seeded draws,
identity in evaluation; and the CIFAR-10 augmentation front end imported from Keras."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from netcanvas.layers import REGISTRY
from netcanvas.layers import augmentation as aug

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

MODES = [(f, i) for f in ("reflect", "wrap", "constant", "nearest") for i in ("bilinear", "nearest")]


def module(kind: str, x_shape: tuple[int, ...] = (2, 6, 7), **params):
    return REGISTRY[kind].model_validate(params).build([x_shape])


def nhwc(x: torch.Tensor) -> np.ndarray:
    return x.permute(0, 2, 3, 1).numpy()


def nchw(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a)).permute(0, 3, 1, 2)


@pytest.mark.parametrize(("fill_mode", "interpolation"), MODES)
def test_affine_sampling_equals_keras_affine_transform(keras, fill_mode, interpolation):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 2, 5, 7, generator=g)
    # Transforms that read well outside the image (so every fill mode matters), with
    # non-integer coordinates (so the interpolation does).
    t = torch.tensor([[0.9, -0.45, 1.3, 0.41, 1.1, -2.2],
                      [1.7, 0.0, -2.9, 0.0, 1.6, -1.4],
                      [1.0, 0.0, -4.37, 0.0, 1.0, 3.21],
                      [-0.83, 0.56, 6.1, -0.56, -0.83, 7.7]])
    ours = aug.affine_sample(x, t, interpolation, fill_mode, 0.7)
    k8 = torch.cat([t, torch.zeros(4, 2)], dim=1)
    want = keras.ops.image.affine_transform(nhwc(x), k8.numpy(), interpolation=interpolation,
                                            fill_mode=fill_mode, fill_value=0.7, data_format="channels_last")
    torch.testing.assert_close(ours, nchw(want).float(), rtol=0, atol=1e-5)


def fixed_draws(monkeypatch, values: list[float]):
    """Replace the random draws with known ones (each call takes the next value)."""
    queue = list(values)

    def draw(_module, shape, low, high, like):
        v = queue.pop(0)
        return torch.full(shape, v, dtype=like.dtype, device=like.device)

    monkeypatch.setattr(aug, "uniform", draw)


def test_rotation_zoom_translation_use_keras_matrices(keras, monkeypatch):
    L = keras.layers
    x = torch.rand(1, 3, 6, 8) * 255
    cases = [
        ("RandomRotation", {"factor": 0.2}, [17.0],
         lambda k: k._compute_affine_matrix(0.5, 0.5, keras.ops.convert_to_tensor([17.0]), *(
             keras.ops.zeros([1]),) * 2, keras.ops.ones([1]), *(keras.ops.zeros([1]),) * 2, 6, 8),
         L.RandomRotation(0.2)),
        ("RandomZoom", {"height_factor": 0.3, "width_factor": 0.2}, [1.25, 0.9],
         lambda k: k._get_zoom_matrix(keras.ops.convert_to_tensor([[0.9, 1.25]]), 6, 8),
         L.RandomZoom(0.3, 0.2)),
        ("RandomTranslation", {"height_factor": 0.2, "width_factor": 0.3}, [0.15, -0.25],
         lambda k: k._get_translation_matrix(keras.ops.convert_to_tensor([[-0.25 * 8, 0.15 * 6]])),
         L.RandomTranslation(0.2, 0.3)),
    ]
    for kind, params, draws, matrix, layer in cases:
        fixed_draws(monkeypatch, draws)
        m = module(kind, (3, 6, 8), **params).train()
        got = m(x)
        want = keras.ops.image.affine_transform(nhwc(x), matrix(layer), interpolation="bilinear",
                                                fill_mode="reflect", data_format="channels_last")
        torch.testing.assert_close(got, nchw(want).float(), rtol=0, atol=1e-3, msg=kind)


def test_flips_really_flip():
    torch.manual_seed(0)
    x = torch.randn(64, 2, 4, 5)
    h = module("RandomFlip", mode="horizontal").train()(x)
    flipped = [(h[i] == x[i].flip(-1)).all().item() for i in range(64)]
    same = [(h[i] == x[i]).all().item() for i in range(64)]
    assert all(f or s for f, s in zip(flipped, same))
    assert 10 < sum(flipped) < 54  # about half

    v = module("RandomFlip", mode="vertical").train()(x)
    assert all((v[i] == x[i].flip(-2)).all() or (v[i] == x[i]).all() for i in range(64))
    # Keras 3: one draw per image flips both axes or neither.
    b = module("RandomFlip").train()(x)
    both = [(b[i] == x[i].flip(-1).flip(-2)).all().item() for i in range(64)]
    assert all(f or (b[i] == x[i]).all() for i, f in enumerate(both)) and 10 < sum(both) < 54


ALL = {
    "RandomFlip": {}, "RandomRotation": {"factor": 0.3}, "RandomZoom": {"height_factor": 0.3},
    "RandomTranslation": {"height_factor": 0.2, "width_factor": 0.2}, "RandomContrast": {"factor": 0.5},
    "RandomBrightness": {"factor": 0.3}, "RandomCrop": {"height": 4, "width": 5},
}


@pytest.mark.parametrize("kind", sorted(ALL))
def test_evaluation_is_identity_and_training_is_seeded(kind):
    x = torch.rand(8, 3, 6, 7) * 255
    m = module(kind, (3, 6, 7), **ALL[kind])
    want_shape = (8, 3, 4, 5) if kind == "RandomCrop" else tuple(x.shape)
    m.eval()
    if kind != "RandomCrop":
        assert torch.equal(m(x), x)
    m.train()
    torch.manual_seed(3)
    a = m(x)
    torch.manual_seed(3)
    b = m(x)
    torch.manual_seed(4)
    c = m(x)
    assert tuple(a.shape) == want_shape
    assert torch.equal(a, b), "the same seed draws the same augmentation"
    assert not torch.equal(a, c), "another seed draws another one"
    # A layer with its own seed ignores torch's generator.
    own = module(kind, (3, 6, 7), seed=11, **ALL[kind]).train()
    own2 = module(kind, (3, 6, 7), seed=11, **ALL[kind]).train()
    torch.manual_seed(5)
    first = own(x)
    torch.manual_seed(6)
    assert torch.equal(first, own2(x))


def test_random_crop_windows():
    x = torch.arange(2 * 1 * 6 * 7, dtype=torch.float32).reshape(2, 1, 6, 7)
    m = module("RandomCrop", (1, 6, 7), height=3, width=4).train()
    starts = set()
    for s in range(20):
        torch.manual_seed(s)
        y = m(x)
        top, left = divmod(int(y[0, 0, 0, 0].item()), 7)
        assert torch.equal(y, x[..., top:top + 3, left:left + 4]), "one window for the whole batch"
        starts.add((top, left))
    assert len(starts) > 3
    # Inference: the largest centered window with the 3:4 aspect ratio (5 × 7 of 6 × 7), resized.
    m.eval()
    top, left, rows, cols = aug.center_window(6, 7, 3, 4)
    assert (rows, cols) == (5, 7) and (top, left) == (0, 0)
    want = torch.nn.functional.interpolate(x[..., 0:5, 0:7], size=(3, 4), mode="bilinear", align_corners=False)
    torch.testing.assert_close(m(x), want)
    same = module("RandomCrop", (1, 3, 4), height=3, width=4).eval()
    assert torch.equal(same(x[..., :3, :4]), x[..., :3, :4])


def test_contrast_and_brightness_ranges():
    torch.manual_seed(0)
    x = torch.rand(256, 3, 5, 5) * 100 + 50
    y = module("RandomContrast", (3, 5, 5), factor=0.5).train()(x)
    ratio = (y - y.mean(dim=(-2, -1), keepdim=True)).std(dim=(-2, -1)) / (x - x.mean(dim=(-2, -1), keepdim=True)).std(
        dim=(-2, -1))
    assert ratio.min() >= 1.0 - 1e-4 and ratio.max() <= 1.5 + 1e-4  # Keras 3: f = 0.5 draws [1, 1.5]
    assert ratio.max() > 1.4
    d = module("RandomBrightness", (3, 5, 5), factor=0.1).train()(x) - x
    per_image = d[:, 0, 0, 0]
    assert torch.allclose(d, per_image.view(-1, 1, 1, 1).expand_as(d), atol=1e-4)  # one offset per image
    assert per_image.abs().max() <= 25.5 + 1e-4 and per_image.min() < -15 and per_image.max() > 15
    clipped = module("RandomBrightness", (3, 5, 5), factor=0.9, value_range=[0.0, 1.0]).train()(torch.rand(16, 3, 5, 5))
    assert clipped.min() >= 0 and clipped.max() <= 1


def test_bad_inputs_say_the_fix():
    from netcanvas.layers import ShapeError

    with pytest.raises(ShapeError, match="RandomFlip expects an image .*Reshape"):
        REGISTRY["RandomFlip"].model_validate({}).output_shapes([(784,)])
    with pytest.raises(ValueError):
        REGISTRY["RandomZoom"].model_validate({"height_factor": -1.0})  # Keras: (-1, 1]


def test_cifar10_augmentation_model_imports_and_predicts_like_keras(keras, tmp_path):
    from netcanvas.export.keras_import import import_model
    from netcanvas.graph.compile import compile_graph

    L = keras.layers
    keras.utils.set_random_seed(0)
    km = keras.Sequential([
        keras.Input((32, 32, 3)), L.Rescaling(1 / 255), L.RandomFlip("horizontal"), L.RandomRotation(0.1),
        L.RandomZoom(0.1), L.Conv2D(8, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(), L.Dense(10),
    ])
    km.save(tmp_path / "cifar.keras")
    imp = import_model("cifar.keras", (tmp_path / "cifar.keras").read_bytes())
    kinds = [n.type for n in imp.graph.nodes]
    assert kinds[1:5] == ["Rescaling", "RandomFlip", "RandomRotation", "RandomZoom"]
    model = compile_graph(imp.graph)
    model.load_state_dict(imp.state_dict)
    x = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    want = np.asarray(km.predict(x, verbose=0))
    with torch.no_grad():
        got = model.eval()(torch.from_numpy(x).permute(0, 3, 1, 2)).numpy()
    assert np.abs(got - want).max() <= 1e-4
    # While training the same front end changes the images.
    model.train()
    with torch.no_grad():
        assert not torch.allclose(model(torch.from_numpy(x).permute(0, 3, 1, 2)), torch.from_numpy(got))


def test_training_runs_are_seeded_by_the_run_seed(tmp_path):
    from netcanvas.graph.schema import Graph
    from netcanvas.training.bundle import load_bundle
    from netcanvas.training.engine import run_training
    from netcanvas.training.settings import TrainSettings

    graph = Graph.model_validate({"name": "aug", "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
        {"id": "rot", "type": "RandomRotation", "params": {"factor": 0.1}},
        {"id": "flip", "type": "RandomFlip", "params": {"mode": "horizontal"}},
        {"id": "f", "type": "Flatten", "params": {}},
        {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
    ], "edges": [{"source": "in", "target": "rot"}, {"source": "rot", "target": "flip"},
                 {"source": "flip", "target": "f"}, {"source": "f", "target": "out"}]})

    def weights(seed: int, run: str) -> torch.Tensor:
        settings = TrainSettings(dataset="digits", epochs=1, batch_size=128, device="cpu", seed=seed)
        assert run_training(graph, settings, lambda e: None, lambda: False, tmp_path / run) == "succeeded"
        return load_bundle(tmp_path / run / "model.pt").module.state_dict()["out.linear.weight"]

    a, b, c = weights(1, "a"), weights(1, "b"), weights(2, "c")
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert math.isfinite(float(a.sum()))
