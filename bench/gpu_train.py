"""GPU training throughput: netcanvas's trainer against a hand-written AMP loop on the same work.

Two models: the Keras MNIST CNN (conv 32, conv 64, max-pool, dropout, dense 128, dropout, dense 10)
on 1×28×28 inputs, and a ResNet-style CIFAR net (a conv stem, two residual stages of two blocks,
Conv-BN-ReLU-Conv-BN-Add-ReLU, the second at stride 2 and 64 filters, global pooling, dense 10) on
3×32×32. Both sides train the same module (netcanvas's compiled graph, copied with its initial
weights) with Adam at batch 128 on the same random data resident on the device, so what differs
is the loop: the hand-written one is the PyTorch AMP recipe (torch.autocast around the forward,
loss in float32, a GradScaler for fp16, a randperm per epoch, one read-back per epoch); netcanvas's
is Trainer.fit with its events, metrics and precision setting. Rounds alternate sides; the first
epoch of each side is a warm-up (kernels, allocator, torch.compile) and is not timed.

    .venv/bin/python bench/gpu_train.py                      # on a CUDA GPU: bf16 autocast (auto)
    .venv/bin/python bench/gpu_train.py --precision fp16      # fp16 with a grad scaler
    .venv/bin/python bench/gpu_train.py --compile             # both sides through torch.compile
    .venv/bin/python bench/gpu_train.py --cpu                 # exercise it here: small, CPU, bf16,
                                                              # timed in process CPU time

Prints samples/s for both sides and the ratio (netcanvas / hand-written). Target: >= 0.95.
"""

from __future__ import annotations

import argparse
import copy
import time
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from netcanvas.data.base import DatasetInfo, Sizes, Split, TargetInfo
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph
from netcanvas.graph.schema import Graph
from netcanvas.training.fit import Trainer
from netcanvas.training.plan import plan_outputs
from netcanvas.training.precision import Precision
from netcanvas.training.settings import OptimizerSettings, TrainSettings
from train_overhead import (  # the same MNIST CNN as the CPU overhead bench (bench/ is on sys.path)
    _sync,
    cnn_graph,
)

BATCH = 128
SEED = 0
# --cpu times process CPU time (one thread), so other users' load on a shared machine does not count
CLOCK = {"now": time.perf_counter}


def cifar_resnet() -> Graph:
    nodes: list[dict[str, Any]] = [{"id": "in", "type": "Input", "params": {"shape": [3, 32, 32]}}]
    edges: list[dict[str, Any]] = []

    def add(kind: str, params: dict[str, Any], *sources: str) -> str:
        nid = f"n{len(nodes)}"
        nodes.append({"id": nid, "type": kind, "params": params})
        edges.extend({"source": s, "target": nid, "target_port": i} for i, s in enumerate(sources))
        return nid

    def conv_bn(x: str, filters: int, strides: int = 1) -> str:
        x = add("Conv2D", {"filters": filters, "kernel_size": 3, "padding": "same", "strides": strides,
                           "use_bias": False}, x)
        return add("BatchNormalization", {}, x)

    x, width = add("Activation", {"activation": "relu"}, conv_bn("in", 32)), 32
    for filters, strides in ((32, 1), (64, 2)):
        for block in range(2):
            s = strides if block == 0 else 1
            y = add("Activation", {"activation": "relu"}, conv_bn(x, filters, s))
            y = conv_bn(y, filters)
            # identity skip where the shape stays, else a strided 3×3 projection
            skip = x if (width, s) == (filters, 1) else conv_bn(x, filters, s)
            x, width = add("Activation", {"activation": "relu"}, add("Add", {}, skip, y)), filters
    x = add("GlobalAveragePooling2D", {}, x)
    add("Dense", {"units": 10, "activation": "softmax"}, x)
    return Graph.model_validate({"name": "cifar-resnet", "nodes": nodes, "edges": edges})


def build(graph: Graph, x: np.ndarray, settings: TrainSettings, device: torch.device):
    info = DatasetInfo(id="random", name="random", kind="image", input_shape=list(x.shape[1:]),
                       target=TargetInfo(kind="classes", num_classes=10), sizes=Sizes(train=len(x)),
                       suggested_loss="sparse_categorical_crossentropy")
    torch.manual_seed(SEED)
    analysis = analyze(graph)
    plans = plan_outputs(analysis, info, settings)
    module = compile_graph(analysis, linear_outputs={p.node for p in plans if p.fused}).to(device)
    return module, plans


def netcanvas_fit(module: nn.Module, plans, settings: TrainSettings, split: Split, device: torch.device) -> float:
    """Seconds of the timed epochs (all but the first) of Trainer.fit, events on."""
    marks: list[float] = []

    def emit(event) -> None:
        if event.type == "epoch":
            _sync(device)
            marks.append(CLOCK["now"]())

    trainer = Trainer(module, plans, settings, device, emit=emit,
                      generator=torch.Generator(device=device).manual_seed(SEED))
    trainer.fit(split)
    return marks[-1] - marks[0]


def plain_fit(module: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int, precision: Precision,
              compiled: bool, device: torch.device) -> float:
    """The PyTorch AMP recipe, hand-written; seconds of all epochs but the first."""
    gen = torch.Generator(device=device).manual_seed(SEED)
    opt = torch.optim.Adam(module.parameters(), lr=0.001, eps=1e-7)
    scaler = torch.amp.GradScaler(device.type) if precision.dtype == torch.float16 else None
    forward = torch.compile(module) if compiled else module
    n = len(x)
    start = 0.0
    for epoch in range(epochs):
        if epoch == 1:
            _sync(device)
            start = CLOCK["now"]()
        module.train()
        perm = torch.randperm(n, device=device, generator=gen)
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        correct = torch.zeros((), dtype=torch.float64, device=device)
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            xb, yb = x[idx], y[idx]
            if precision.dtype is not None:
                with torch.autocast(device.type, dtype=precision.dtype):
                    out = forward(xb)
            else:
                out = forward(xb)
            out = out.float()
            loss = F.cross_entropy(out, yb)
            opt.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                opt.step()
            with torch.no_grad():
                loss_sum.add_(loss.detach(), alpha=len(idx))
                correct.add_((out.argmax(dim=1) == yb).sum())
        (loss_sum / n).item(), (correct / n).item()  # the one read-back per epoch
    _sync(device)
    return CLOCK["now"]() - start


def bench(name: str, graph: Graph, n: int, epochs: int, rounds: int, args: argparse.Namespace,
          device: torch.device) -> float:
    rng = np.random.default_rng(SEED)
    shape = [int(d) for d in analyze(graph).nodes["in"].layer.shape]  # type: ignore[union-attr]
    x = rng.random((n, *shape), dtype=np.float32)
    y = rng.integers(0, 10, n).astype(np.int64)
    xt, yt = torch.as_tensor(x).to(device), torch.as_tensor(y).to(device)
    settings = TrainSettings(
        dataset="random", epochs=epochs + 1, batch_size=BATCH, validation_split=0.0, seed=SEED,
        optimizer=OptimizerSettings(type="adam"), device=device.type, precision=args.precision,
        compile=args.compile, keep_best=False,
    )
    precision = Precision(args.precision, device)
    ours, theirs = [], []
    for r in range(rounds):
        module, plans = build(graph, x, settings, device)
        twin = copy.deepcopy(module)  # same module, same initial weights, for the hand-written loop
        took = {}
        for side in ("nc", "pl") if r % 2 == 0 else ("pl", "nc"):  # alternate who goes first
            took[side] = netcanvas_fit(module, plans, settings, Split(x, y), device) if side == "nc" \
                else plain_fit(twin, xt, yt, epochs + 1, precision, args.compile, device)
        ours.append(n * epochs / took["nc"])
        theirs.append(n * epochs / took["pl"])
        print(f"  {name} round {r + 1}: netcanvas {ours[-1]:,.0f}/s  hand-written {theirs[-1]:,.0f}/s", flush=True)
    a = len(ours) / sum(1 / v for v in ours)  # aggregate: all samples over all time
    b = len(theirs) / sum(1 / v for v in theirs)
    print(f"{name}: netcanvas {a:,.0f} samples/s, hand-written AMP loop {b:,.0f} samples/s, ratio {a / b:.3f}")
    return a / b


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cpu", action="store_true", help="run on the CPU, small (to exercise the script here)")
    p.add_argument("--precision", choices=["auto", "32", "bf16", "fp16"], default=None,
                   help="default: auto on CUDA (bf16, or fp16 with a scaler), bf16 with --cpu")
    p.add_argument("--compile", action="store_true", help="torch.compile both sides")
    p.add_argument("--models", default="cnn,resnet")
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument("--samples", type=int, default=None, help="training samples per model")
    p.add_argument("--epochs", type=int, default=None, help="timed epochs (one more warms up)")
    args = p.parse_args()
    if args.cpu:
        device = torch.device("cpu")
        torch.set_num_threads(1)
        CLOCK["now"] = time.process_time
        args.precision = args.precision or "bf16"
        rounds, samples, epochs = args.rounds or 2, args.samples or 512, args.epochs or 1
    else:
        if not torch.cuda.is_available():
            raise SystemExit("No CUDA GPU here: run with --cpu to exercise the benchmark on the CPU.")
        device = torch.device("cuda")
        args.precision = args.precision or "auto"
        rounds, samples, epochs = args.rounds or 5, args.samples or 20_000, args.epochs or 3
    precision = Precision(args.precision, device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu, {torch.get_num_threads()} thread"
    print(f"device {where}, torch {torch.__version__}, precision {args.precision} ({precision.name}), "
          f"compile {args.compile}, batch {BATCH}, {samples} samples, {epochs} timed epochs, {rounds} rounds")
    ratios = {}
    if "cnn" in args.models:
        ratios["cnn"] = bench("MNIST CNN", cnn_graph(), samples, epochs, rounds, args, device)
    if "resnet" in args.models:
        ratios["resnet"] = bench("CIFAR ResNet", cifar_resnet(), samples, epochs, rounds, args, device)
    worst = min(ratios.values())
    print(f"worst ratio {worst:.3f}: {'meets target' if worst >= 0.95 else 'below target (< 0.95)'}")


if __name__ == "__main__":
    main()
