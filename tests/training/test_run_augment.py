"""The run's `augment` setting: each transform on a tiny known image, seeds, devices, same as the layers."""

from __future__ import annotations

import pickle

import torch

from netcanvas.layers.augmentation import GeometricModule
from netcanvas.training.augment import Draws, RunAugment, apply, describe
from netcanvas.training.augment_settings import AugmentSettings

IMG = torch.arange(2 * 3 * 5 * 5, dtype=torch.float32).view(2, 3, 5, 5)


def draws(n: int = 2, **kw: float) -> Draws:
    base = {"degrees": 0.0, "dx": 0.0, "dy": 0.0, "zx": 1.0, "zy": 1.0, "flip_x": 1.0, "flip_y": 1.0,
            "brightness": 1.0, "contrast": 1.0}
    base.update(kw)
    return Draws(**{k: torch.full((n,), float(v)) for k, v in base.items()})


def test_flips_are_exact() -> None:
    s = AugmentSettings(horizontal_flip=True, vertical_flip=True)
    assert torch.equal(apply(s, IMG, draws(flip_x=-1)), IMG.flip(-1))
    assert torch.equal(apply(s, IMG, draws(flip_y=-1)), IMG.flip(-2))


def test_flip_inside_the_affine_matrix_matches_torch_flip() -> None:
    s = AugmentSettings(horizontal_flip=True, rotation_range=10)
    assert torch.allclose(apply(s, IMG, draws(flip_x=-1)), IMG.flip(-1), atol=1e-4)


def test_rotation_by_90_degrees_is_rot90() -> None:
    s = AugmentSettings(rotation_range=90)
    out = apply(s, IMG, draws(degrees=90))
    # Keras's RandomRotation convention: a positive angle turns the picture counter-clockwise (rot90, k=1)
    assert torch.allclose(out, torch.rot90(IMG, k=1, dims=(-2, -1)), atol=1e-4)
    assert not torch.allclose(out, torch.rot90(IMG, k=-1, dims=(-2, -1)), atol=1e-4)


def test_shift_by_pixels_is_exact() -> None:
    s = AugmentSettings(width_shift_range=2, fill_mode="constant", cval=-1)
    out = apply(s, IMG, draws(dx=2))
    assert torch.allclose(out[..., 2:], IMG[..., :-2], atol=1e-4)
    assert torch.allclose(out[..., :2], torch.full_like(out[..., :2], -1.0), atol=1e-5)


def test_brightness_multiplies_and_contrast_scales_around_the_mean() -> None:
    s = AugmentSettings(brightness_range=[0.5, 1.5])
    assert torch.allclose(apply(s, IMG, draws(brightness=1.5)), IMG * 1.5)
    s = AugmentSettings(contrast_range=0.5)
    mean = IMG.mean(dim=(-2, -1), keepdim=True)
    assert torch.allclose(apply(s, IMG, draws(contrast=1.5)), (IMG - mean) * 1.5 + mean, atol=1e-4)


def test_same_picture_as_random_rotation_for_the_same_angle() -> None:
    layer = GeometricModule("rotation", (0.05, 0.05), None, "bilinear", "nearest", 0.0, None).train()
    s = AugmentSettings(rotation_range=30, fill_mode="nearest")
    assert torch.allclose(apply(s, IMG, draws(degrees=0.05 * 360)), layer(IMG), atol=1e-5)


def test_seeded_draws_repeat_and_survive_pickling() -> None:
    s = AugmentSettings(rotation_range=20, zoom_range=0.2, horizontal_flip=True, seed=3)
    a, b = RunAugment(s), pickle.loads(pickle.dumps(RunAugment(s)))
    first = a(IMG)
    assert torch.equal(first, b(IMG))
    assert not torch.equal(first, a(IMG))  # the next batch draws anew
    assert RunAugment(AugmentSettings(), run_seed=7).seed == 7


def test_stays_on_the_input_device_and_leaves_non_images() -> None:
    s = AugmentSettings(rotation_range=20, seed=0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    assert RunAugment(s)(IMG.to(device)).device.type == device
    flat = torch.ones(4, 3)
    assert RunAugment(s)(flat) is flat


def test_log_line_names_what_ran() -> None:
    s = AugmentSettings(rotation_range=15, width_shift_range=0.1)
    assert describe(s, 0) == "augment: rotation ±15°, width shift 0.1, fill nearest, seed 0"


def test_the_runs_augment_wins_over_the_data_sets_and_is_logged() -> None:
    from netcanvas.training.augment import training_augment

    lines: list[str] = []
    own = object()
    assert training_augment(None, 0, own, lines.append) is own
    run = training_augment(AugmentSettings(vertical_flip=True), 5, own, lines.append)
    assert isinstance(run, RunAugment) and run.seed == 5
    assert "replaces" in lines[0] and lines[1] == "augment: vertical flip, fill nearest, seed 5."


def test_augment_is_refused_for_sets_that_are_not_one_image_input() -> None:
    from types import SimpleNamespace

    from netcanvas.training.augment import augment_problem

    s = AugmentSettings(horizontal_flip=True)
    table = SimpleNamespace(kind="table", id="iris", input_specs=lambda: [1])
    pair = SimpleNamespace(kind="image", id="two", input_specs=lambda: [1, 2])
    image = SimpleNamespace(kind="image", id="mnist", input_specs=lambda: [1])
    assert (augment_problem(s, table) or "").startswith("augment: ")
    assert "2 inputs" in (augment_problem(s, pair) or "")
    assert augment_problem(s, image) is None and augment_problem(None, table) is None
