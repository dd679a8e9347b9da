"""The classic Keras models, written the way keras.applications and the tutorials write them.

Counts: importing each model's architecture gives Keras's own `model.summary()` lines (total,
trainable, non-trainable). Predictions: a model saved by Keras (random weights, non-trivial
BatchNormalization statistics) imports and predicts within 1e-4 of Keras.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netcanvas.export.keras_import import import_model
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph

pytestmark = [pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword"),
              pytest.mark.slow]


def keras_counts(model) -> tuple[int, int]:
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    return trainable, non_trainable


def transfer_vgg16(keras):
    """Sequential([vgg16_base, Flatten(), Dense(...)]): the classic transfer-learning model."""
    base = keras.applications.VGG16(include_top=False, weights=None, input_shape=(32, 32, 3))
    return keras.Sequential([keras.Input((32, 32, 3)), base, keras.layers.Flatten(),
                             keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(10, activation="softmax")], name="vgg16_transfer")


def char_lstm(keras):
    L = keras.layers
    return keras.Sequential([keras.Input((40, 57)), L.LSTM(128), L.Dense(57, activation="softmax")],
                            name="char_lstm")


def bn_cnn(keras):
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.BatchNormalization(),
        L.Conv2D(32, 3, use_bias=False), L.BatchNormalization(scale=False), L.Activation("relu"),
        L.MaxPooling2D(), L.Dropout(0.25), L.Flatten(), L.Dense(128, activation="relu"),
        L.BatchNormalization(center=False), L.Dense(10, activation="softmax")], name="bn_cnn")


def cifar10_augmented(keras):
    L = keras.layers
    return keras.Sequential([
        keras.Input((32, 32, 3)), L.RandomFlip("horizontal"), L.RandomRotation(0.1), L.RandomZoom(0.1),
        L.Rescaling(1.0 / 255), L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(),
        L.Conv2D(64, 3, padding="same", activation="relu"), L.MaxPooling2D(), L.Dropout(0.25),
        L.Flatten(), L.Dense(64, activation="relu"), L.Dense(10)], name="cifar10_augmented")


def seq2seq(keras):
    """The Keras seq2seq example: the encoder's states seed the decoder."""
    L = keras.layers
    enc_in = keras.Input((None, 12), name="encoder_inputs")
    _, h, c = L.LSTM(16, return_state=True, name="encoder")(enc_in)
    dec_in = keras.Input((None, 9), name="decoder_inputs")
    dec = L.LSTM(16, return_sequences=True, name="decoder")(dec_in, initial_state=[h, c])
    return keras.Model([enc_in, dec_in], L.Dense(9, activation="softmax", name="dense")(dec), name="seq2seq")


def applications(keras) -> dict:
    A = keras.applications
    return {
        "VGG16": lambda: A.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)),
        "vgg16_transfer": lambda: transfer_vgg16(keras),
        "ResNet50": lambda: A.ResNet50(weights=None, input_shape=(64, 64, 3), classes=10),
        "InceptionV3": lambda: A.InceptionV3(weights=None, input_shape=(75, 75, 3), classes=10),
        "DenseNet121": lambda: A.DenseNet121(weights=None, input_shape=(64, 64, 3), classes=10),
        "MobileNetV2": lambda: A.MobileNetV2(weights=None, input_shape=(96, 96, 3), alpha=0.35, classes=10),
        "Xception": lambda: A.Xception(weights=None, input_shape=(71, 71, 3), classes=10),
        "char_lstm": lambda: char_lstm(keras),
        "bn_cnn": lambda: bn_cnn(keras),
    }


@pytest.mark.parametrize("name", ["VGG16", "vgg16_transfer", "ResNet50", "InceptionV3", "DenseNet121",
                                  "MobileNetV2", "Xception", "char_lstm", "bn_cnn"])
def test_counts_equal_keras_summary(keras, name):
    model = applications(keras)[name]()
    imp = import_model(f"{name}.json", model.to_json().encode())
    counts = analyze(imp.graph).counts
    assert (counts.trainable, counts.non_trainable) == keras_counts(model)
    assert counts.total == model.count_params()


def randomize_statistics(keras, model) -> None:
    rng = np.random.default_rng(0)
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0, 0.2, layer.moving_mean.shape))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, layer.moving_variance.shape))


def predictions(keras, name):
    builders = {"Xception": lambda: applications(keras)["Xception"](),
                "MobileNetV2": lambda: applications(keras)["MobileNetV2"](),
                "vgg16_transfer": lambda: transfer_vgg16(keras),
                "cifar10_augmented": lambda: cifar10_augmented(keras),
                "seq2seq": lambda: seq2seq(keras)}
    return builders[name]()


@pytest.mark.parametrize("name", ["Xception", "MobileNetV2", "vgg16_transfer", "cifar10_augmented", "seq2seq"])
def test_imported_model_predicts_like_keras(keras, name, tmp_path):
    model = predictions(keras, name)
    randomize_statistics(keras, model)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    rng = np.random.default_rng(1)
    if name == "seq2seq":
        xs = [rng.normal(size=(2, 7, 12)).astype("float32"), rng.normal(size=(2, 5, 9)).astype("float32")]
    else:
        shape = tuple(model.inputs[0].shape[1:])
        xs = [rng.uniform(0, 255 if name == "cifar10_augmented" else 1, size=(2, *shape)).astype("float32")]
    want = model(xs[0] if len(xs) == 1 else xs, training=False).detach().cpu().numpy()
    imp = import_model(path.name, path.read_bytes())
    m = compile_graph(imp.graph)
    m.load_state_dict(imp.state_dict, strict=True)
    nc = [torch.from_numpy(np.moveaxis(x, -1, 1).copy() if x.ndim == 4 else x) for x in xs]
    with torch.no_grad():
        got = m.eval()(*nc)
    got = got[0] if isinstance(got, tuple) else got
    assert float(np.abs(got.numpy() - want).max()) <= 1e-4
