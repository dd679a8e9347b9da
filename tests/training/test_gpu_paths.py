"""GPU paths, tested where they run: mixed precision, torch.compile, pinned host feeds, DDP.

bf16 autocast, torch.compile and DistributedDataParallel (gloo) all run on the CPU, so they are
tested here everywhere; fp16 with a grad scaler, pinned memory and NCCL need CUDA and are skipped
without it.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import torch
from training_factories import Recorder, blobs, chain, mlp

from netcanvas.config import Settings
from netcanvas.data.base import Dataset, DatasetInfo, Sizes, Split, TargetInfo
from netcanvas.data.registry import DatasetRegistry
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph
from netcanvas.model_file import FILE_NAME
from netcanvas.training import fit
from netcanvas.training.bundle import load_bundle
from netcanvas.training.engine import run_training
from netcanvas.training.feeds import HostFeed, TensorFeed, make_feed, shard_rows
from netcanvas.training.fit import Trainer
from netcanvas.training.plan import plan_outputs
from netcanvas.training.precision import Precision, autocast_dtype
from netcanvas.training.request_checks import request_problems
from netcanvas.training.settings import TrainSettings

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
two_gpus = pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA GPUs")


def _trainer(graph, data: Dataset, device: str = "cpu", **kw) -> Trainer:
    kw.setdefault("optimizer", {"type": "adam", "learning_rate": 0.01})
    settings = TrainSettings(device=device, batch_size=16, epochs=kw.pop("epochs", 3), **kw)  # type: ignore[arg-type]
    analysis = analyze(graph)
    plans = plan_outputs(analysis, data.info, settings)
    dev = torch.device(device)
    module = compile_graph(analysis, linear_outputs={p.node for p in plans if p.fused}).to(dev)
    return Trainer(module, plans, settings, dev, generator=torch.Generator(device=dev).manual_seed(0))


def _weights(out: Path) -> dict[str, torch.Tensor]:
    return load_bundle(out / FILE_NAME).module.state_dict()


# --- mixed precision --------------------------------------------------------------------------


def test_bf16_autocast_runs_the_forward_in_bf16_and_trains(train):
    trainer = _trainer(mlp(), blobs(), precision="bf16", epochs=8)
    seen: list[torch.dtype] = []
    hidden = dict(trainer.module.named_modules())["h"]
    hidden.register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    history = trainer.fit(blobs().train).history
    assert seen and set(seen) == {torch.bfloat16}  # the Dense layer computed in bf16
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    assert all(p.dtype == torch.float32 for p in trainer.module.parameters())  # master weights stay fp32

    outcome, rec, out = train(mlp(), blobs(), precision="bf16", epochs=6)
    assert outcome == "succeeded"
    assert rec.epochs[-1]["loss"] < rec.epochs[0]["loss"]
    assert any("bf16 autocast" in e.message for e in rec.of("log"))
    state = _weights(out)
    assert state and all(t.dtype == torch.float32 for t in state.values() if t.is_floating_point())


def test_auto_precision_is_float32_off_cuda_and_mixed_on_it():
    assert autocast_dtype("auto", torch.device("cpu")) is None  # Keras's float32 policy on the CPU
    assert autocast_dtype("32", torch.device("cpu")) is None
    assert autocast_dtype("bf16", torch.device("cpu")) == torch.bfloat16
    if torch.cuda.is_available():
        assert autocast_dtype("auto", torch.device("cuda")) in (torch.bfloat16, torch.float16)


def test_fp16_on_the_cpu_fails_the_run_naming_precision(train):
    with pytest.raises(ValueError, match="precision 'fp16' needs a CUDA GPU"):
        train(mlp(), blobs(), precision="fp16")


@cuda
def test_fp16_with_grad_scaler_trains_on_cuda(train):
    trainer = _trainer(mlp(), blobs(), device="cuda", precision="fp16", epochs=8)
    assert trainer.precision.scaler is not None
    history = trainer.fit(blobs().train).history
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    assert trainer.precision.scaler.get_scale() > 0
    outcome, _, out = train(mlp(), blobs(), device="cuda", precision="fp16")
    assert outcome == "succeeded"
    assert all(t.dtype == torch.float32 for t in _weights(out).values() if t.is_floating_point())


@cuda
def test_fp16_grad_scaler_keeps_keras_clipnorm():
    """Clipping sees unscaled gradients: a clipnorm run with the scaler stays finite and trains."""
    trainer = _trainer(mlp(), blobs(), device="cuda", precision="fp16", epochs=5,
                       optimizer={"type": "adam", "learning_rate": 0.01, "clipnorm": 0.5})
    history = trainer.fit(blobs().train).history
    assert np.isfinite(history[-1]["loss"]) and history[-1]["loss"] < history[0]["loss"]


def test_grad_scaler_path_matches_plain_steps_when_nothing_overflows():
    """The scaler's backward_step (scale, unscale, Stepper step) gives the plain step's weights."""
    torch.manual_seed(0)
    a, b = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    b.load_state_dict(a.state_dict())
    x = torch.randn(8, 3)
    opt_a, opt_b = torch.optim.SGD(a.parameters(), lr=0.1), torch.optim.SGD(b.parameters(), lr=0.1)
    plain = Precision("32", torch.device("cpu"))
    scaled = Precision("32", torch.device("cpu"))
    scaled.scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    for _ in range(3):
        plain.backward_step(a(x).square().mean(), opt_a.zero_grad, opt_a.step, opt_a)
        scaled.backward_step(b(x).square().mean(), opt_b.zero_grad, opt_b.step, opt_b)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(pa, pb)
    # an overflowing step is skipped and the scale backs off
    before = [p.detach().clone() for p in b.parameters()]
    scaled.backward_step(b(x).square().mean() * float("inf"), opt_b.zero_grad, opt_b.step, opt_b)
    assert all(torch.equal(p, q) for p, q in zip(b.parameters(), before, strict=True))
    assert scaled.scaler.get_scale() < 1024.0


# --- torch.compile ----------------------------------------------------------------------------


def test_compile_trains_on_the_cpu(train, monkeypatch):
    """The compiled forward (dynamo capture and AOT autograd; inductor's C++ build is left to the
    CUDA test, it takes minutes here) trains, recompiling for the short last batch."""
    import torch._dynamo

    monkeypatch.setattr(fit, "COMPILE_BACKEND", "aot_eager")
    torch._dynamo.reset()
    counts = torch._dynamo.utils.counters
    counts.clear()
    outcome, rec, out = train(mlp(hidden=4), blobs(n=96, test=16), compile=True, epochs=3, batch_size=32)
    assert outcome == "succeeded"
    assert rec.epochs[-1]["loss"] < rec.epochs[0]["loss"]
    assert any("torch.compile" in e.message for e in rec.of("log"))
    assert counts["stats"]["unique_graphs"] >= 1  # the forward really went through dynamo
    assert (out / FILE_NAME).is_file() and _weights(out)


@cuda
@pytest.mark.timeout(600)
def test_compile_with_inductor_trains_on_cuda(train):
    outcome, rec, _ = train(mlp(hidden=8), blobs(), compile=True, device="cuda", epochs=3)
    assert outcome == "succeeded" and rec.epochs[-1]["loss"] < rec.epochs[0]["loss"]


# --- feeds ------------------------------------------------------------------------------------


def test_host_feed_when_data_does_not_fit_the_device():
    data = blobs(n=50)
    assert isinstance(make_feed(data.train, [lambda y: y], torch.device("cpu"), 16), TensorFeed)
    feed = make_feed(data.train, [lambda y: y], torch.device("cpu"), 16, device_bytes=0)
    assert isinstance(feed, HostFeed)
    rows = [(x[0], y[0], n) for x, y, n in feed.batches(torch.Generator().manual_seed(1))]
    assert [n for *_, n in rows] == [16, 16, 16, 2]
    xs = torch.cat([x for x, *_ in rows])
    # a permutation of the split: every row once
    assert sorted(map(tuple, xs.tolist())) == sorted(map(tuple, data.train.x.tolist()))
    trainer = _trainer(mlp(), blobs(), epochs=6)
    trainer.device_bytes = 0
    history = trainer.fit(blobs().train).history
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]


@cuda
def test_host_feed_on_cuda_pins_memory_and_copies_to_the_gpu():
    data = blobs(n=50)
    feed = make_feed(data.train, [lambda y: y], torch.device("cuda"), 16, device_bytes=0)
    assert isinstance(feed, HostFeed)
    assert all(t.is_pinned() for t in feed.host)
    xs, ys, _ = next(iter(feed.batches(torch.Generator(device="cuda").manual_seed(0))))
    assert xs[0].is_cuda and ys[0].is_cuda


@pytest.mark.parametrize("feed_kind", ["tensor", "host"])
def test_sharded_batches_are_the_single_process_batch_split_in_order(feed_kind):
    data = blobs(n=45)
    budget = 0 if feed_kind == "host" else None

    def batches(shard):
        feed = make_feed(data.train, [lambda y: y], torch.device("cpu"), 8, shard=shard, device_bytes=budget)
        return list(feed.batches(torch.Generator().manual_seed(3)))

    single, r0, r1 = batches(None), batches((0, 2)), batches((1, 2))
    assert len(single) == len(r0) == len(r1) == 6
    for whole, a, b in zip(single, r0, r1, strict=True):
        assert a[2] + b[2] == whole[2]
        torch.testing.assert_close(torch.cat([a[0][0], b[0][0]]), whole[0][0])
    assert shard_rows(5, (0, 2)) == (0, 2) and shard_rows(5, (1, 2)) == (2, 5)
    assert shard_rows(1, (0, 2)) == (0, 0)  # an empty part: the feed serves a weightless row


# --- DistributedDataParallel on CPU ranks (gloo) ----------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_ddp_two_cpu_ranks_match_one_process(train):
    """DDP averages the ranks' gradients; each rank's mean loss is weighted by its share of the global
    batch, so the average is the whole batch's gradient: weights and metrics match one process."""
    graph, data = mlp(hidden=8), blobs()
    kw = {"epochs": 3, "batch_size": 13, "validation_split": 0.2, "seed": 7}  # 192 rows: uneven parts
    one, rec1, out1 = train(graph, data, **kw)
    two, rec2, out2 = train(graph, data, devices=2, **kw)
    assert one == two == "succeeded"
    assert len(rec1.epochs) == len(rec2.epochs) == 3
    for a, b in zip(rec1.epochs, rec2.epochs, strict=True):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert b[key] == pytest.approx(a[key], rel=1e-4, abs=1e-6), key
    w1, w2 = _weights(out1), _weights(out2)
    assert w1.keys() == w2.keys()
    for k in w1:
        torch.testing.assert_close(w2[k], w1[k], rtol=1e-4, atol=1e-5)
    assert rec2.of("result") and rec2.of("result")[0].test_metrics
    assert any("2 processes" in e.message for e in rec2.of("log"))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_ddp_cancel_reaches_every_rank(tmp_path):
    """Also: the ranks load the data set from the server's registry (rebuilt from its settings)."""
    rec = Recorder()
    settings = TrainSettings(dataset="digits", device="cpu", devices=2, epochs=500, batch_size=8, seed=0,
                             optimizer={"type": "adam", "learning_rate": 0.01})
    registry = DatasetRegistry(Settings(data_dir=tmp_path / "data"))
    t0 = time.perf_counter()
    # stop once rank 0 has reported a batch: the ranks agree at their next read and both end
    outcome = run_training(mlp(input_shape=(1, 8, 8), units=10), settings, rec, lambda: bool(rec.of("batch")),
                           tmp_path / "run", datasets=registry)
    assert outcome == "cancelled"
    assert len(rec.epochs) < 500
    assert time.perf_counter() - t0 < 120


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_ddp_rank_failure_fails_the_run_with_its_message(tmp_path):
    wrong = Dataset(
        DatasetInfo(id="wide", name="wide", kind="table", input_shape=[5],
                    target=TargetInfo(kind="classes", num_classes=3), sizes=Sizes(train=20, test=0),
                    suggested_loss="sparse_categorical_crossentropy"),
        Split(np.zeros((20, 5), np.float32), np.zeros(20, np.int64)), Split(np.zeros((0, 5), np.float32),
                                                                            np.zeros(0, np.int64)))
    settings = TrainSettings(device="cpu", devices=2, epochs=1, batch_size=4)
    with pytest.raises(ValueError, match=r"'in'.*\(training process \d of 2\)"):
        run_training(mlp(), settings, Recorder(), lambda: False, tmp_path, dataset=wrong)


def test_ddp_batch_smaller_than_devices_is_refused(tmp_path):
    with pytest.raises(ValueError, match="devices 4: batch_size 2"):
        run_training(mlp(), TrainSettings(device="cpu", devices=4, batch_size=2), Recorder(), lambda: False,
                     tmp_path, dataset=blobs())


@two_gpus
@pytest.mark.timeout(300)
def test_ddp_two_gpus_match_one_gpu(train):
    graph = chain(("in", "Input", {"shape": [4]}), ("h", "Dense", {"units": 8, "activation": "relu"}),
                  ("out", "Dense", {"units": 3, "activation": "softmax"}))
    kw = {"epochs": 3, "batch_size": 16, "seed": 3, "device": "cuda", "precision": "32"}
    one, rec1, out1 = train(graph, blobs(), **kw)
    two, rec2, out2 = train(graph, blobs(), devices=2, **kw)
    assert one == two == "succeeded"
    for a, b in zip(rec1.epochs, rec2.epochs, strict=True):
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-3)
    w1, w2 = _weights(out1), _weights(out2)
    for k in w1:
        torch.testing.assert_close(w2[k], w1[k], rtol=1e-3, atol=1e-4)


# --- request checks (HTTP 422) ----------------------------------------------------------------


def test_request_checks_name_precision_and_devices():
    info = blobs().info

    def problems(cuda_devices: int, **kw) -> list[str]:
        return request_problems(TrainSettings(**kw), ["out"], info, {"out": (3,)}, cuda_devices=cuda_devices)

    assert problems(0) == [] and problems(0, precision="bf16") == []
    (fp16,) = problems(0, precision="fp16")
    assert fp16.startswith("precision:") and "CUDA" in fp16
    assert problems(1, precision="fp16") == []  # auto → the GPU
    assert problems(1, precision="fp16", device="cpu")[0].startswith("precision:")
    (few,) = problems(1, devices=2)
    assert few.startswith("devices:") and "sees 1 CUDA GPU" in few
    assert problems(2, devices=2) == []
    assert problems(4, devices=2, device="cpu")[0].startswith("devices:")
    assert problems(4, devices=4, batch_size=2)[0].startswith("devices:")
    # counted here when not given
    assert request_problems(TrainSettings(devices=torch.cuda.device_count() + 2), ["out"], info)[0] \
        .startswith("devices:")
