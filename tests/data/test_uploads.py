"""Each upload kind, good and bad files, through the same builder the API calls."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from data_factories import make_image_zip, png_bytes

from netcanvas.config import Settings
from netcanvas.data import uploads
from netcanvas.data.errors import DataError, FormatError, TooLarge
from netcanvas.data.limits import Limits
from netcanvas.data.options import UploadOptions, parse_options
from netcanvas.data.registry import DatasetRegistry


def upload(settings: Settings, tmp_path: Path, name: str, data: bytes | None = None, limits: Limits | None = None,
           **options):
    src = tmp_path / f"incoming-{name}"
    if data is not None:
        src.write_bytes(data)
    else:
        (tmp_path / name).rename(src)
    opts = parse_options({k: str(v) for k, v in options.items()})
    return uploads.create_from_file(settings, src, name, opts, **({"limits": limits} if limits else {}))


def leftovers(settings: Settings) -> list[str]:
    root = settings.uploads_dir
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


CSV = "age,city,income,bought\n" + "\n".join(
    f"{20 + i % 40},{['paris', 'lyon', 'nice'][i % 3]},{1000 + 37 * i},{'yes' if i % 2 else 'no'}"
    for i in range(60)
) + "\n"


def test_csv_table(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    info = upload(settings, tmp_path, "shop.csv", CSV.encode(), target="bought", test_split="0.25", seed=1)
    assert info.kind == "table" and info.input_shape == [5]  # age, income, city one-hot ×3
    assert info.target.kind == "classes" and info.target.class_names == ["no", "yes"]
    assert info.sizes.train == 45 and info.sizes.test == 15
    assert info.suggested_loss == "sparse_categorical_crossentropy"
    meta = json.loads((settings.uploads_dir / info.id / "meta.json").read_text())
    cols = {c["name"]: c for c in meta["preprocessing"]["columns"]}
    assert cols["city"]["categories"] == ["lyon", "nice", "paris"] and cols["age"]["type"] == "numeric"
    assert meta["options"]["target"] == "bought" and meta["preprocessing"]["scaler"]["method"] == "standard"
    ds = datasets.load(info.id)
    assert isinstance(ds.train.x, np.memmap) and ds.train.x.dtype == np.float32
    feats = meta["preprocessing"]["features"]
    age = np.asarray(ds.train.x[:, feats.index("age")])
    assert abs(age.mean()) < 1e-5 and abs(age.std() - 1) < 1e-4  # standardized on train
    onehot = np.asarray(ds.train.x[:, [feats.index(f"city={c}") for c in ("lyon", "nice", "paris")]])
    assert set(np.unique(onehot)) <= {0.0, 1.0} and np.all(onehot.sum(1) == 1)
    assert info.id in [d.id for d in datasets.infos()]


def test_csv_regression_minmax_onehot_labels(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i * 0.5 + 0.25}" for i in range(30))
    info = upload(settings, tmp_path, "reg.csv", f"x,y\n{rows}\n".encode(), scaling="minmax")
    assert info.target.kind == "values" and info.suggested_loss == "mean_squared_error"
    ds = datasets.load(info.id)
    assert ds.train.y.shape[1:] == (1,) and float(np.min(ds.train.x)) == 0.0 and float(np.max(ds.train.x)) == 1.0
    info2 = upload(settings, tmp_path, "cls.csv", CSV.encode(), label_mode="categorical")
    assert info2.suggested_loss == "categorical_crossentropy"
    ds2 = datasets.load(info2.id)  # labels stay class ids: the engine one-hot encodes per batch
    assert ds2.train.y.shape == (len(ds2.train),) and ds2.info.suggested_loss == "categorical_crossentropy"


def test_csv_missing_values_are_filled(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    data = "a,b,t\n1,x,0\n,y,1\n3,,0\n5,x,1\n7,y,0\n9,x,1\n"
    info = upload(settings, tmp_path, "gaps.csv", data.encode(), scaling="none", test_split="0")
    meta = json.loads((settings.uploads_dir / info.id / "meta.json").read_text())
    assert meta["preprocessing"]["features"] == ["a", "b=x", "b=y", "b=(missing)"]
    ds = datasets.load(info.id)
    assert sorted(np.asarray(ds.train.x[:, 0]).tolist()) == [1, 3, 5, 5, 7, 9]  # mean of 1,3,5,7,9


@pytest.mark.parametrize(
    ("data", "options", "message", "status"),
    [
        (CSV, {"target": "price"}, "no column 'price' for the target", 422),
        ("a,b\n1,2\n3\n", {}, "line 3 has 1 fields", 422),
        ("a,a\n1,2\n", {}, "names column 'a' more than once", 422),
        ("a,b\n", {}, "no data rows", 422),
        ("a,b\n1,\n2,3\n", {}, "target column 'b' is empty in 1 row", 422),
        ("a,b\n1,x\n2,x\n", {}, "single value 'x'", 422),
        ("a,b\nx,1.5\ny,2.5\n", {"task": "classification", "target": "a"}, "", 0),
        ("id,b\n" + "".join(f"u{i},{i % 2}\n" for i in range(1100)), {}, "column 'id' has more than 1000", 422),
        ("a,b\n1,x\n", {"task": "regression"}, "needs a numeric target", 422),
    ],
)
def test_csv_refusals(settings: Settings, tmp_path: Path, data, options, message, status) -> None:
    if not message:  # a text feature with a numeric target, forced to classes: fine
        upload(settings, tmp_path, "ok.csv", data.encode(), test_split="0", **options)
        return
    with pytest.raises(DataError, match=message) as exc:
        upload(settings, tmp_path, "bad.csv", data.encode(), **options)
    assert exc.value.status == status and "bad.csv" in exc.value.message
    assert leftovers(settings) == []


def test_csv_not_utf8(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="not UTF-8"):
        upload(settings, tmp_path, "latin.csv", "a,b\ncaf\xe9,1\n".encode("latin-1"))
    assert leftovers(settings) == []


def test_text_csv(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    good = ["great movie", "loved it, great", "wonderful acting great fun"]
    bad = ["awful", "boring and bad", "bad bad plot"]
    rows = [(t, "pos") for t in good] * 4 + [(t, "neg") for t in bad] * 4
    data = "text,label\n" + "".join(f'"{t}",{lab}\n' for t, lab in rows)
    info = upload(settings, tmp_path, "reviews.csv", data.encode(), kind="text", max_length=5, vocab_size=50,
                  test_split="0.25")
    assert info.kind == "text" and info.input_dtype == "int64" and info.input_shape == [5]
    assert info.target.class_names == ["neg", "pos"] and info.extra["vocab_size"] >= 10
    ds = datasets.load(info.id)
    assert ds.train.x.dtype == np.int64
    vocab = json.loads((settings.uploads_dir / info.id / "vocabulary.json").read_text())
    decoded = [" ".join(vocab[i] for i in row if i) for row in np.asarray(ds.train.x)]
    assert "wonderful acting great fun" in decoded
    row = next(r for r in np.asarray(ds.train.x) if np.count_nonzero(r) == 1)
    assert row[:4].tolist() == [0, 0, 0, 0]  # padded at the front


def test_text_csv_refusals(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no column 'text'"):
        upload(settings, tmp_path, "t.csv", b"body,label\nhi,1\n", kind="text")
    with pytest.raises(DataError, match="line 3 has no value in label column 'label'"):
        upload(settings, tmp_path, "t.csv", b"text,label\nhi,1\nho,\n", kind="text")
    with pytest.raises(DataError, match="Option 'max_length': at most 10000"):
        parse_options({"max_length": "100000"})
    assert leftovers(settings) == []


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_npz_table_and_keras_style_images(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    info = upload(settings, tmp_path, "t.npz", _npz(x=x, y=(x[:, 0] > 0).astype(np.int64)))
    assert info.kind == "table" and info.input_shape == [3] and info.target.num_classes == 2
    imgs = rng.integers(0, 256, (30, 8, 8, 3), dtype=np.uint8)  # channels-last uint8, as Keras has them
    info = upload(settings, tmp_path, "k.npz", _npz(x_train=imgs[:24], y_train=np.arange(24) % 3,
                                                   x_test=imgs[24:], y_test=np.arange(6) % 3),
                  validation_split="0.25")
    assert info.kind == "image" and info.input_shape == [3, 8, 8]
    assert (info.sizes.train, info.sizes.validation, info.sizes.test) == (18, 6, 6)
    ds = datasets.load(info.id)
    np.testing.assert_allclose(np.asarray(ds.test.x), imgs[24:].transpose(0, 3, 1, 2) / 255.0, atol=1e-6)
    onehot = np.eye(4)[np.arange(20) % 4]
    info = upload(settings, tmp_path, "o.npz", _npz(x=rng.normal(size=(20, 2)), y=onehot))
    assert info.target.num_classes == 4


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": np.array([{"a": 1}] * 3, dtype=object), "y": np.zeros(3)}, "Python objects"),
        ({"x": np.zeros((3, 2)), "y": np.zeros(4)}, "3 rows in x but 4 in y"),
        ({"features": np.zeros((3, 2))}, "needs arrays 'x' and 'y'"),
        ({"x": np.array(["a", "b"]), "y": np.zeros(2)}, "dtype <U1"),
        ({"x": np.array([[np.nan, 1.0]] * 3), "y": np.zeros(3)}, "NaN"),
    ],
)
def test_npz_refusals(settings: Settings, tmp_path: Path, arrays, message) -> None:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with pytest.raises(DataError, match=message):
        upload(settings, tmp_path, "bad.npz", buf.getvalue())
    assert leftovers(settings) == []


def test_npz_that_is_not_a_zip(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="bad.npz: not a readable ZIP"):
        upload(settings, tmp_path, "bad.npz", b"PK\x03\x04garbage")


@pytest.mark.parametrize("top", ["", "pets/"])
def test_image_zip(settings: Settings, datasets: DatasetRegistry, tmp_path: Path, top: str) -> None:
    made = make_image_zip(tmp_path / "pets.zip", per_class=5, size=12, top=top,
                          extra={"__MACOSX/._x": b"junk", f"{top}cats/.DS_Store": b"junk"})
    info = upload(settings, tmp_path, "pets.zip", image_size="12", test_split="0.2", horizontal_flip="true",
                  shift="2")
    assert info.kind == "image" and info.input_shape == [3, 12, 12]
    assert info.target.class_names == ["cats", "dogs"] and info.sizes.train == 8 and info.sizes.test == 2
    ds = datasets.load(info.id)
    assert ds.augment is not None and ds.info.extra["options"]["augment"]["shift"] == 2
    all_x = np.concatenate([np.asarray(ds.train.x), np.asarray(ds.test.x)])
    want = np.stack([m.transpose(2, 0, 1) / 255.0 for c in ("cats", "dogs") for m in made[c]])
    for row in all_x:  # every stored image is one of the uploaded ones, pixel for pixel
        assert np.abs(want - row).reshape(len(want), -1).max(1).min() < 1e-6


def test_image_zip_grayscale_resized(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    make_image_zip(tmp_path / "g.zip", per_class=3, size=20)
    info = upload(settings, tmp_path, "g.zip", image_size="8,10", color_mode="grayscale", test_split="0")
    assert info.input_shape == [1, 8, 10]
    x = np.asarray(datasets.load(info.id).train.x)
    assert x.shape == (6, 1, 8, 10) and 0 <= x.min() and x.max() <= 1


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


PNG = png_bytes(np.zeros((4, 4, 3), np.uint8))


@pytest.mark.parametrize(
    ("entries", "message", "error"),
    [
        ({"a/1.png": PNG, "b/2.png": b"this is not a png"}, "b/2.png: not an image", FormatError),
        ({"a/1.png": PNG, "b/2.png": PNG[:40]}, "b/2.png", FormatError),
        ({"a/1.png": PNG, "../evil/2.png": PNG}, "climbs out of the archive", DataError),
        ({"a/1.png": PNG, "/etc/2.png": PNG}, "absolute", DataError),
        ({"a/1.png": PNG, "2.png": PNG}, "'2.png' is not inside a class folder", DataError),
        ({"a/1.png": PNG, "a/2.png": PNG}, "only one class folder", DataError),
        ({"a/1.png": PNG, "b/big.png": b"\0" * (3 << 20)}, "inflates .* possible ZIP bomb", TooLarge),
    ],
)
def test_image_zip_refusals(settings: Settings, tmp_path: Path, entries, message, error) -> None:
    with pytest.raises(error, match=message):
        upload(settings, tmp_path, "bad.zip", _zip(entries))
    assert leftovers(settings) == []


def test_zip_limits_on_count_and_total(settings: Settings, tmp_path: Path) -> None:
    entries = {f"{c}/{i}.png": PNG for c in "ab" for i in range(6)}
    with pytest.raises(TooLarge, match="12 entries, more than the 10 allowed"):
        upload(settings, tmp_path, "many.zip", _zip(entries), limits=Limits(zip_max_files=10))
    with pytest.raises(TooLarge, match="uncompressed, more than the 100 allowed"):
        upload(settings, tmp_path, "fat.zip", _zip(entries), limits=Limits(zip_max_uncompressed=100))
    assert leftovers(settings) == []


def test_zip_with_a_forged_declared_size_is_caught_while_reading(settings: Settings, tmp_path: Path) -> None:
    """The central directory says 10 bytes; the data inflates to much more: refused on read."""
    data = bytearray(_zip({"a/1.png": PNG, "b/2.png": b"\0" * 5000}))
    cd = data.rfind(b"PK\x01\x02")  # last central directory entry: b/2.png
    data[cd + 24:cd + 28] = (10).to_bytes(4, "little")  # uncompressed size
    with pytest.raises((TooLarge, FormatError), match="b/2.png"):
        upload(settings, tmp_path, "forged.zip", bytes(data))
    assert leftovers(settings) == []


def test_decompression_bomb_image(settings: Settings, tmp_path: Path) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (3000, 3000)).save(buf, format="PNG")
    with pytest.raises(TooLarge, match="3000×3000 pixels"):
        upload(settings, tmp_path, "bomb.zip", _zip({"a/1.png": PNG, "b/huge.png": buf.getvalue()}),
               limits=Limits(image_max_pixels=1_000_000))


def test_unknown_kind_and_options(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot tell the kind") as exc:
        upload(settings, tmp_path, "data.xlsx", b"...")
    assert exc.value.status == 415
    with pytest.raises(DataError, match="Unknown option 'colour_mode'"):
        parse_options({"colour_mode": "rgb"})
    assert parse_options({"image_size": "28x28"}).image_size == (28, 28)
    assert UploadOptions(image_size=64).image_size == (64, 64)


def test_delete_and_options(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    from netcanvas.data.preprocess import LoadOptions

    info = upload(settings, tmp_path, "shop.csv", CSV.encode())
    datasets.load(info.id)
    changed = uploads.set_load_options(settings, info.id, LoadOptions(label_mode="categorical"))
    assert changed.suggested_loss == "categorical_crossentropy"
    assert datasets.load(info.id).info.extra["options"]["label_mode"] == "categorical"
    uploads.delete(settings, info.id)
    assert leftovers(settings) == [] and info.id not in [d.id for d in datasets.infos()]
    with pytest.raises(DataError, match="No uploaded data set"):
        uploads.delete(settings, info.id)


def test_npz_stored_members_are_memory_mapped_and_match_compressed(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    import zipfile as zf_mod

    from netcanvas.data.npz import _stored_member

    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, (50, 6, 6), dtype=np.uint8)
    y = np.arange(50) % 5
    plain, packed = io.BytesIO(), io.BytesIO()
    np.savez(plain, x=x, y=y)
    np.savez_compressed(packed, x=x, y=y)
    (tmp_path / "p.npz").write_bytes(plain.getvalue())
    with zf_mod.ZipFile(tmp_path / "p.npz") as zf:
        mapped = _stored_member(tmp_path / "p.npz", zf, "x", "p.npz")
    assert isinstance(mapped, np.memmap) and np.array_equal(mapped, x)
    a = upload(settings, tmp_path, "a.npz", plain.getvalue(), scaling="standard")
    b = upload(settings, tmp_path, "b.npz", packed.getvalue(), scaling="standard")
    da, db = datasets.load(a.id), datasets.load(b.id)
    assert a.input_shape == [1, 6, 6]
    np.testing.assert_array_equal(np.asarray(da.train.x), np.asarray(db.train.x))
    np.testing.assert_array_equal(np.asarray(da.test.y), np.asarray(db.test.y))


def test_stale_staging_is_swept(settings: Settings, tmp_path: Path) -> None:
    import os

    settings.uploads_dir.mkdir(parents=True)
    old = settings.uploads_dir / ".staging-old"
    old.mkdir()
    (settings.uploads_dir / ".incoming-old").write_bytes(b"x")
    fresh = settings.uploads_dir / ".staging-fresh"
    fresh.mkdir()
    for p in (old, settings.uploads_dir / ".incoming-old"):
        os.utime(p, (0, 0))
    assert sorted(uploads.sweep_stale(settings)) == [".incoming-old", ".staging-old"]
    assert fresh.exists()


def test_text_csv_is_recognised_by_its_columns(settings: Settings, tmp_path: Path) -> None:
    data = "text,label\n" + "".join(f"word{i} and more words,{i % 2}\n" for i in range(20))
    info = upload(settings, tmp_path, "t.csv", data.encode())
    assert info.kind == "text" and info.input_dtype == "int64"


def test_a_damaged_upload_does_not_hide_the_others(settings: Settings, datasets: DatasetRegistry, tmp_path: Path) -> None:
    good = upload(settings, tmp_path, "shop.csv", CSV.encode())
    bad = upload(settings, tmp_path, "shop2.csv", CSV.encode())
    (settings.uploads_dir / bad.id / "meta.json").write_text("{not json")
    ids = [d.id for d in datasets.infos()]
    assert good.id in ids and bad.id not in ids and "digits" in ids


@pytest.mark.parametrize("sep", [";", "\t"])
def test_csv_separators_are_detected(settings: Settings, tmp_path: Path, sep: str) -> None:
    data = CSV.replace(",", sep)
    info = upload(settings, tmp_path, "semi.tsv", data.encode(), target="bought")
    assert info.input_shape == [5] and info.target.class_names == ["no", "yes"]


def test_options_that_do_not_fit_the_data_are_refused(settings: Settings, tmp_path: Path) -> None:
    from netcanvas.data.preprocess import AugmentOptions, LoadOptions

    with pytest.raises(DataError, match="shop.csv: horizontal_flip, vertical_flip and shift augment images"):
        upload(settings, tmp_path, "shop.csv", CSV.encode(), shift="2")
    rows = "\n".join(f"{i},{i * 0.5}" for i in range(10))
    with pytest.raises(DataError, match="label_mode 'categorical' needs class labels"):
        upload(settings, tmp_path, "reg.csv", f"x,y\n{rows}\n".encode(), label_mode="categorical")
    assert leftovers(settings) == []
    info = upload(settings, tmp_path, "shop.csv", CSV.encode())
    with pytest.raises(DataError, match="augment images"):
        uploads.set_load_options(settings, info.id, LoadOptions(augment=AugmentOptions(horizontal_flip=True)))


def test_an_unforeseen_failure_still_names_the_file(settings: Settings, tmp_path: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setitem(uploads.BUILDERS, "csv", broken)
    with pytest.raises(FormatError, match="shop.csv: could not be prepared \\(KeyError"):
        upload(settings, tmp_path, "shop.csv", CSV.encode())
    assert leftovers(settings) == []
