"""Training overhead: netcanvas's trainer against a hand-written PyTorch loop on the same work.

Both train the same model (same initial weights, same seed, same random data, same optimizer,
batch 128) and compute the same loss and accuracy; the plain loop keeps tensors preloaded, draws a
randperm per epoch and reads its sums back once per epoch. Runs alternate (netcanvas, plain,
netcanvas, ...) in one process to share the machine's noise; the figure is the aggregate samples/s (all samples over
all time) of each side, and their ratio.

    .venv/bin/python bench/train_overhead.py                 # default, about 1 minute on 2 cores
    .venv/bin/python bench/train_overhead.py --rounds 30 --mlp-samples 60000 --cnn-samples 2048
    .venv/bin/python bench/train_overhead.py --device cuda             # wall clock
    .venv/bin/python bench/train_overhead.py --plain-tuned             # plain loop with the same kernels

On CPU with one thread (the default) throughput is measured in process CPU time, so the load other
people put on a shared machine does not decide the ratio; `--clock wall` measures wall time.

Target: ratio (netcanvas / plain) >= 1.0; below 0.95 is a defect.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from netcanvas.data.base import DatasetInfo, Sizes, Split, TargetInfo
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph
from netcanvas.graph.schema import Graph
from netcanvas.training.device import resolve_device
from netcanvas.training.fit import Trainer
from netcanvas.training.plan import plan_outputs
from netcanvas.training.settings import OptimizerSettings, TrainSettings

BATCH = 128
SEED = 0
CLOCK = {"name": "cpu"}  # "cpu": process CPU time (robust on a shared machine, 1 thread); "wall"


@dataclass
class Timing:
    wall: float
    cpu: float

    @property
    def seconds(self) -> float:
        return self.cpu if CLOCK["name"] == "cpu" else self.wall


def mlp_graph() -> Graph:
    return Graph.model_validate({
        "name": "mlp", "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [784]}},
            {"id": "h", "type": "Dense", "params": {"units": 64, "activation": "relu"}},
            {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
        ],
        "edges": [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}],
    })


def cnn_graph() -> Graph:
    layers = [
        ("in", "Input", {"shape": [1, 28, 28]}),
        ("c1", "Conv2D", {"filters": 32, "kernel_size": 3, "activation": "relu"}),
        ("c2", "Conv2D", {"filters": 64, "kernel_size": 3, "activation": "relu"}),
        ("p", "MaxPooling2D", {"pool_size": 2}),
        ("d1", "Dropout", {"rate": 0.25}),
        ("f", "Flatten", {}),
        ("h", "Dense", {"units": 128, "activation": "relu"}),
        ("d2", "Dropout", {"rate": 0.5}),
        ("out", "Dense", {"units": 10, "activation": "softmax"}),
    ]
    return Graph.model_validate({
        "name": "mnist-cnn",
        "nodes": [{"id": i, "type": t, "params": p} for i, t, p in layers],
        "edges": [{"source": a[0], "target": b[0]} for a, b in itertools.pairwise(layers)],
    })


def plain_mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))


def plain_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
    )


PLAIN_IMPL: dict[str, bool] = {}  # --plain-tuned: the plain loop gets netcanvas's kernel choices too


def make_optimizer(params, kind: str) -> torch.optim.Optimizer:
    # Keras defaults, as netcanvas maps them (optimizers.py); torch's default implementation
    impl = {"fused": True} if PLAIN_IMPL and kind == "adam" else {"foreach": True} if PLAIN_IMPL else {}
    if kind == "adam":
        return torch.optim.Adam(params, lr=0.001, eps=1e-7, **impl)
    return torch.optim.Adadelta(params, lr=1.0, rho=0.95, eps=1e-7, **impl)


def plain_fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int, optimizer: str,
              device: torch.device) -> tuple[Timing, list[tuple[float, float]]]:
    """The hand-written loop: preloaded tensors, randperm on the device, one read-back per epoch."""
    torch.manual_seed(SEED)
    gen = torch.Generator(device=device).manual_seed(SEED)
    opt = make_optimizer(model.parameters(), optimizer)
    n = len(x)
    history = []
    _sync(device)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, device=device, generator=gen)
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        correct = torch.zeros((), dtype=torch.float64, device=device)
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            xb, yb = x[idx], y[idx]
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum.add_(loss.detach(), alpha=len(idx))
                correct.add_((out.argmax(dim=1) == yb).sum())
        history.append((loss_sum.item() / n, correct.item() / n))
    return Timing(time.perf_counter() - t0, time.process_time() - c0), history


def netcanvas_fit(graph: Graph, x: np.ndarray, y: np.ndarray, epochs: int, optimizer: str,
                  device: torch.device) -> tuple[Timing, list[tuple[float, float]], nn.Module]:
    """netcanvas's own path: plan (fused softmax), compile, Trainer.fit with events enabled."""
    settings = TrainSettings(
        dataset="random", epochs=epochs, batch_size=BATCH, validation_split=0.0, seed=SEED,
        optimizer=OptimizerSettings(type=optimizer), device=device.type,
    )
    info = DatasetInfo(id="random", name="random", kind="table", input_shape=list(x.shape[1:]),
                       target=TargetInfo(kind="classes", num_classes=10), sizes=Sizes(train=len(x)),
                       suggested_loss="sparse_categorical_crossentropy")
    torch.manual_seed(SEED)
    analysis = analyze(graph)
    plans = plan_outputs(analysis, info, settings)
    module = compile_graph(analysis, linear_outputs={p.node for p in plans if p.fused}).to(device)
    init = {k: v.clone() for k, v in module.state_dict().items()}
    events = []
    torch.manual_seed(SEED)
    gen = torch.Generator(device=device).manual_seed(SEED)
    trainer = Trainer(module, plans, settings, device, emit=events.append, should_stop=lambda: False,
                      generator=gen)
    _sync(device)
    t0, c0 = time.perf_counter(), time.process_time()
    result = trainer.fit(Split(x, y))
    _sync(device)
    seconds = Timing(time.perf_counter() - t0, time.process_time() - c0)
    module.load_state_dict(init)
    return seconds, [(h["loss"], h["accuracy"]) for h in result.history], module


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def copy_weights(src: nn.Module, dst: nn.Module) -> None:
    """Same initial weights: parameters match one to one in creation order."""
    with torch.no_grad():
        for a, b in zip(src.parameters(), dst.parameters(), strict=True):
            b.copy_(a)


def bench(name: str, graph: Graph, make_plain: Callable[[], nn.Module], n: int, epochs: int, optimizer: str,
          rounds: int,
          device: torch.device) -> float:
    rng = np.random.default_rng(SEED)
    shape = [int(d) for d in analyze(graph).nodes["in"].layer.shape]
    x = rng.random((n, *shape), dtype=np.float32)
    y = rng.integers(0, 10, n).astype(np.int64)
    xt, yt = torch.as_tensor(x).to(device), torch.as_tensor(y).to(device)

    # warm-up (allocator, kernels) on a slice, untimed
    netcanvas_fit(graph, x[: BATCH * 4], y[: BATCH * 4], 1, optimizer, device)
    plain_fit(make_plain().to(device), xt[: BATCH * 4], yt[: BATCH * 4], 1, optimizer, device)

    _, _, init = netcanvas_fit(graph, x[:BATCH], y[:BATCH], 1, optimizer, device)  # its initial weights
    ours, theirs = [], []
    for r in range(rounds):
        plain = make_plain().to(device)  # a fresh model each round, as netcanvas compiles one
        copy_weights(init, plain)
        # alternate who goes first, so neither always runs right after the other
        if r % 2:
            s_pl, h_pl = plain_fit(plain, xt, yt, epochs, optimizer, device)
            s_nc, h_nc, _ = netcanvas_fit(graph, x, y, epochs, optimizer, device)
        else:
            s_nc, h_nc, _ = netcanvas_fit(graph, x, y, epochs, optimizer, device)
            s_pl, h_pl = plain_fit(plain, xt, yt, epochs, optimizer, device)
        ours.append(n * epochs / s_nc.seconds)
        theirs.append(n * epochs / s_pl.seconds)
        print(f"  {name} round {r + 1}: netcanvas {ours[-1]:,.0f}/s  plain {theirs[-1]:,.0f}/s  "
              f"last-epoch loss {h_nc[-1][0]:.5f} vs {h_pl[-1][0]:.5f}", flush=True)
    # aggregate throughput: all samples over all time (each round does the same work)
    a = len(ours) / sum(1 / v for v in ours)
    b = len(theirs) / sum(1 / v for v in theirs)
    paired = statistics.median(o / t for o, t in zip(ours, theirs, strict=True))
    print(f"{name}: netcanvas {a:,.0f} samples/s, plain PyTorch {b:,.0f} samples/s, ratio {a / b:.3f} "
          f"(median of paired rounds {paired:.3f}; best {max(ours):,.0f} vs {max(theirs):,.0f})")
    return a / b


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="mlp,cnn")
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--mlp-samples", type=int, default=8192)
    p.add_argument("--mlp-epochs", type=int, default=2)
    p.add_argument("--cnn-samples", type=int, default=512)
    p.add_argument("--cnn-epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (0: torch's default); 1 keeps a shared 2-core machine from thrashing")
    p.add_argument("--device", default="cpu")
    p.add_argument("--clock", choices=["cpu", "wall"], default=None,
                   help="time by process CPU time (default on cpu with 1 thread: other users' load does not "
                   "count) or wall clock (default otherwise)")
    p.add_argument("--plain-tuned", action="store_true",
                   help="give the plain loop netcanvas's fused/foreach optimizer kernels too: what is "
                   "left is the framework's own overhead")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.plain_tuned:
        PLAIN_IMPL["on"] = True
    device = resolve_device(args.device)
    CLOCK["name"] = args.clock or ("cpu" if device.type == "cpu" and torch.get_num_threads() == 1 else "wall")
    print(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}, batch {BATCH}, "
          f"rounds {args.rounds}, clock {CLOCK['name']}, "
          f"plain loop {'with fused/foreach optimizers' if args.plain_tuned else 'with torch defaults'}")
    ratios = {}
    models = args.models.split(",")
    if "mlp" in models:
        ratios["mlp"] = bench("MLP 784-64-10 (adam)", mlp_graph(), plain_mlp, args.mlp_samples,
                              args.mlp_epochs, "adam", args.rounds, device)
    if "cnn" in models:
        ratios["cnn"] = bench("MNIST CNN (adadelta)", cnn_graph(), plain_cnn, args.cnn_samples,
                              args.cnn_epochs, "adadelta", args.rounds, device)
    worst = min(ratios.values())
    verdict = "meets target" if worst >= 1.0 else "within noise" if worst >= 0.95 else "DEFECT (< 0.95)"
    print(f"worst ratio {worst:.3f}: {verdict}")


if __name__ == "__main__":
    main()
