"""The built-in data sets: shapes, dtypes, fixed splits and cheap, truthful info."""

import numpy as np
import pytest

from netcanvas.data import builtin

BUILTIN = ["digits", "iris", "wine", "breast_cancer", "spirals", "moons", "sine", "sequence_sum_sign"]


def load(dataset_id):
    return builtin.BUILTIN[dataset_id].load()


@pytest.mark.parametrize("dataset_id", BUILTIN)
def test_info_matches_the_arrays(dataset_id):
    info = builtin.BUILTIN[dataset_id].info()
    ds = load(dataset_id)
    assert info.id == dataset_id and ds.info == info
    assert len(ds.train.x) == len(ds.train.y) == info.sizes.train
    assert len(ds.test.x) == len(ds.test.y) == info.sizes.test
    assert list(ds.train.x.shape[1:]) == info.input_shape
    assert ds.train.x.dtype == np.float32 and np.isfinite(ds.train.x).all()
    if info.target.kind == "classes":
        assert ds.train.y.dtype == np.int64
        assert set(np.unique(ds.train.y)) == set(range(info.target.num_classes))
        assert len(info.target.class_names) == info.target.num_classes
        assert info.suggested_loss == "sparse_categorical_crossentropy"
    else:
        assert ds.train.y.dtype == np.float32
        assert info.suggested_loss == "mean_squared_error"


@pytest.mark.parametrize("dataset_id", BUILTIN)
def test_split_is_fixed(dataset_id):
    a, b = load(dataset_id), load(dataset_id)
    np.testing.assert_array_equal(a.test.x, b.test.x)
    np.testing.assert_array_equal(a.train.y, b.train.y)


def test_digits_are_scaled_images():
    ds = load("digits")
    assert ds.train.x.shape[1:] == (1, 8, 8)
    assert ds.train.x.min() == 0.0 and ds.train.x.max() == 1.0


@pytest.mark.parametrize("dataset_id", ["iris", "wine", "breast_cancer"])
def test_tables_are_standardized_with_train_statistics(dataset_id):
    ds = load(dataset_id)
    np.testing.assert_allclose(ds.train.x.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(ds.train.x.std(axis=0), 1.0, atol=1e-4)
    assert not np.allclose(ds.test.x.mean(axis=0), 0.0, atol=1e-5)  # test stats were not used


def test_sequence_task_label_is_the_sign_of_the_sum():
    ds = load("sequence_sum_sign")
    assert ds.train.x.ndim == 3
    np.testing.assert_array_equal(ds.train.y, (ds.train.x.sum(axis=(1, 2)) > 0).astype(np.int64))
