"""Built-in data sets: scikit-learn's embedded sets and small synthetic problems.

Every set has a fixed, seeded train/test split (stratified for classes), so a run on "digits" today
sees the same test images as one tomorrow. Table features are standardized with the training
split's mean and standard deviation. `info` is cheap: sizes are computed, nothing is loaded.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .base import Dataset, DatasetInfo, Provider, Sizes, Split, TargetInfo

SPLIT_SEED = 0
TEST_FRACTION = 0.2
CLASS_LOSS = "sparse_categorical_crossentropy"


def n_test(n: int) -> int:
    return math.ceil(n * TEST_FRACTION)


def sizes(n: int) -> Sizes:
    return Sizes(train=n - n_test(n), validation=0, test=n_test(n))


def split(x: np.ndarray, y: np.ndarray, stratify: bool) -> tuple[Split, Split]:
    """The fixed train/test split every built-in set uses."""
    from sklearn.model_selection import train_test_split

    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=n_test(len(x)), random_state=SPLIT_SEED, stratify=y if stratify else None
    )
    return Split(np.ascontiguousarray(x_tr), y_tr), Split(np.ascontiguousarray(x_te), y_te)


def standardize(train: Split, test: Split) -> None:
    """Scale features with the training split's statistics (never the test split's)."""
    assert isinstance(train.x, np.ndarray) and isinstance(test.x, np.ndarray)  # tables: one input
    mean = train.x.mean(axis=0)
    std = train.x.std(axis=0)
    std[std == 0] = 1.0
    train.x = ((train.x - mean) / std).astype(np.float32)
    test.x = ((test.x - mean) / std).astype(np.float32)


BUILTIN: dict[str, Provider] = {}  # every built-in and synthetic set by id (filled below)


def _register(info: DatasetInfo, load: Callable[[DatasetInfo], Dataset]) -> None:
    BUILTIN[info.id] = Provider(lambda: info, lambda: load(info))


# --- scikit-learn's embedded sets ------------------------------------------------------------


def _load_digits(info: DatasetInfo) -> Dataset:
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.data.reshape(-1, 1, 8, 8) / 16.0).astype(np.float32)
    train, test = split(x, d.target.astype(np.int64), stratify=True)
    return Dataset(info, train, test)


_register(
    DatasetInfo(
        id="digits", name="Digits (8×8)", kind="image", input_shape=[1, 8, 8],
        target=TargetInfo(kind="classes", num_classes=10, class_names=[str(i) for i in range(10)]),
        sizes=sizes(1797), suggested_loss=CLASS_LOSS,
        description="scikit-learn's handwritten digits: 1797 grey 8×8 images scaled to 0..1, 10 classes.",
    ),
    _load_digits,
)


def _table_loader(loader_name: str) -> Callable[[DatasetInfo], Dataset]:
    def load(info: DatasetInfo) -> Dataset:
        import sklearn.datasets

        d = getattr(sklearn.datasets, loader_name)()
        train, test = split(d.data.astype(np.float32), d.target.astype(np.int64), stratify=True)
        standardize(train, test)
        return Dataset(info, train, test)

    return load


for _id, _name, _loader, _n, _features, _classes, _desc in [
    ("iris", "Iris", "load_iris", 150, 4, ["setosa", "versicolor", "virginica"],
     "Fisher's iris flowers: 4 measurements, 3 species."),
    ("wine", "Wine", "load_wine", 178, 13, ["class_0", "class_1", "class_2"],
     "Chemical analysis of wines from 3 cultivars: 13 features."),
    ("breast_cancer", "Breast cancer (Wisconsin)", "load_breast_cancer", 569, 30, ["malignant", "benign"],
     "Tumour cell measurements: 30 features, malignant or benign."),
]:
    _register(
        DatasetInfo(
            id=_id, name=_name, kind="table", input_shape=[_features],
            target=TargetInfo(kind="classes", num_classes=len(_classes), class_names=_classes),
            sizes=sizes(_n), suggested_loss=CLASS_LOSS,
            description=f"{_desc} Features standardized with the training split's statistics.",
        ),
        _table_loader(_loader),
    )


# --- synthetic problems ----------------------------------------------------------------------

SYNTHETIC_SEED = 1234


def _spirals(info: DatasetInfo) -> Dataset:
    rng = np.random.default_rng(SYNTHETIC_SEED)
    n = info.sizes.train + info.sizes.test
    per = n // 2
    xs, ys = [], []
    for k in range(2):
        t = np.sqrt(rng.uniform(0.0, 1.0, per))  # denser towards the outside, like the classic toy
        angle = t * 3.0 * np.pi + k * np.pi
        pts = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)
        xs.append(pts + rng.normal(0.0, 0.03, pts.shape))
        ys.append(np.full(per, k))
    train, test = split(np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64), True)
    return Dataset(info, train, test)


def _moons(info: DatasetInfo) -> Dataset:
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=info.sizes.train + info.sizes.test, noise=0.15, random_state=SYNTHETIC_SEED)
    train, test = split(x.astype(np.float32), y.astype(np.int64), stratify=True)
    standardize(train, test)
    return Dataset(info, train, test)


def _sine(info: DatasetInfo) -> Dataset:
    rng = np.random.default_rng(SYNTHETIC_SEED)
    n = info.sizes.train + info.sizes.test
    x = rng.uniform(-np.pi, np.pi, (n, 1))
    y = np.sin(x) + rng.normal(0.0, 0.05, (n, 1))
    train, test = split(x.astype(np.float32), y.astype(np.float32), stratify=False)
    return Dataset(info, train, test)


SEQ_STEPS = 20


def _sequence_sum_sign(info: DatasetInfo) -> Dataset:
    rng = np.random.default_rng(SYNTHETIC_SEED)
    n = info.sizes.train + info.sizes.test
    x = rng.normal(0.0, 1.0, (n, SEQ_STEPS, 1)).astype(np.float32)
    y = (x.sum(axis=(1, 2)) > 0).astype(np.int64)
    train, test = split(x, y, stratify=True)
    return Dataset(info, train, test)


_register(
    DatasetInfo(
        id="spirals", name="Two spirals", kind="table", input_shape=[2],
        target=TargetInfo(kind="classes", num_classes=2, class_names=["spiral A", "spiral B"]),
        sizes=sizes(1000), suggested_loss=CLASS_LOSS, source="synthetic",
        description="Two interleaved spirals in the plane (1000 points): needs a non-linear boundary.",
    ),
    _spirals,
)
_register(
    DatasetInfo(
        id="moons", name="Two moons", kind="table", input_shape=[2],
        target=TargetInfo(kind="classes", num_classes=2, class_names=["upper", "lower"]),
        sizes=sizes(1000), suggested_loss=CLASS_LOSS, source="synthetic",
        description="scikit-learn's two half-moons with noise 0.15 (1000 points), standardized.",
    ),
    _moons,
)
_register(
    DatasetInfo(
        id="sine", name="Sine regression", kind="table", input_shape=[1],
        target=TargetInfo(kind="values"),
        sizes=sizes(1000), suggested_loss="mean_squared_error", source="synthetic",
        description="y = sin(x) + noise(0.05) for x in [-π, π] (1000 points): a regression target of shape (1,).",
        extra={"target_shape": [1]},
    ),
    _sine,
)
_register(
    DatasetInfo(
        id="sequence_sum_sign", name="Sequence sum sign", kind="sequence", input_shape=[SEQ_STEPS, 1],
        target=TargetInfo(kind="classes", num_classes=2, class_names=["negative", "positive"]),
        sizes=sizes(3000), suggested_loss=CLASS_LOSS, source="synthetic",
        description=f"{SEQ_STEPS} steps of one Gaussian feature; the class is whether their sum is positive. "
        "For recurrent layers (LSTM, GRU).",
    ),
    _sequence_sum_sign,
)

# --- sequence tasks, each in its own module --------------------------------------------------
from .seq2seq import register as _register_seq2seq  # here: it is given _register, defined above

_register_seq2seq(_register)

from . import series as _series  # here: it fills BUILTIN, defined above

_series.register(BUILTIN)
