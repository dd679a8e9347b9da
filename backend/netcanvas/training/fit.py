"""Keras fit / evaluate / predict for a compiled graph: the training loop.

The loop never reads a value back from the device per batch. Loss sums and metric states accumulate
in one device tensor (accumulate.Sums); it is read (one transfer) only when an event is due: a batch event at most every
`BATCH_EVENT_INTERVAL_S` seconds plus the last batch of each epoch, and the epoch event.

Mixed precision (training/precision.py) wraps only the forward pass; `compile` runs the training
forward through torch.compile. Given `ranks` (training/distributed.py), the trainer is one process of
a DistributedDataParallel run: its feeds are shards, the training forward goes through DDP, and the
sums are all-reduced before they are read, at steps every rank agrees on (no clock), where the
ranks also agree whether to stop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import torch

from ..data.base import Split
from ..graph.freeze import trainable_parameters
from .accumulate import Sums
from .callbacks import Best, Diverged, EarlyStopper, snapshot
from .events import BatchEvent, EpochEvent, Event
from .feeds import Feed, make_feed, n_samples
from .metrics import activate_fn
from .optimizers import Stepper, make_optimizer
from .plan import OutputPlan
from .precision import Precision
from .schedules import Schedule
from .settings import TrainSettings

if TYPE_CHECKING:
    from .distributed import Ranks

BATCH_EVENT_INTERVAL_S = 0.25
EVAL_BATCH = 1024  # evaluation batches: no gradients, so larger than training ones
# torch.compile's backend for `compile: true`; tests on a CPU use "aot_eager" (same graph capture,
# no C++ build, which takes minutes on a small shared machine).
COMPILE_BACKEND = "inductor"

Emit = Callable[[Event], None]


@dataclass
class FitResult:
    history: list[dict[str, float]] = field(default_factory=list)  # one Keras-keyed dict per epoch
    cancelled: bool = False
    stopped_early_at: int | None = None  # epoch where early stopping ended training
    best_epoch: int | None = None  # the epoch whose weights the model holds when keep_best
    # Stopped by the user: the completed epoch whose weights the module holds now (its best, or the
    # last one completed); None when no epoch completed, so there is nothing to keep.
    kept_epoch: int | None = None


def validation_rows(n: int, fraction: float) -> int:
    """Keras: the last `fraction` of the (unshuffled) training data validates. Returns train rows."""
    return math.ceil(n * (1.0 - fraction)) if fraction > 0 else n


class Trainer:
    def __init__(
        self,
        module: torch.nn.Module,
        outputs: list[OutputPlan],
        settings: TrainSettings,
        device: torch.device,
        *,
        emit: Emit | None = None,
        should_stop: Callable[[], bool] | None = None,
        augment: Callable | None = None,
        generator: torch.Generator | None = None,
        loader_threshold: int | None = None,
        ranks: Ranks | None = None,
        device_bytes: int | None = None,
    ):
        self.module = module
        self.outputs = outputs
        self.settings = settings
        self.device = device
        self.emit = emit or (lambda e: None)
        self.should_stop = should_stop or (lambda: False)
        self.augment = augment
        self.generator = generator
        self.loader_threshold = loader_threshold
        self.ranks = ranks
        self.device_bytes = device_bytes  # tests: the GPU budget for resident data (feeds.fits_device)
        self.precision = Precision(settings.precision, device)
        self.sum_dtype = torch.float32 if device.type == "mps" else torch.float64
        self.targets = [o.target for o in outputs]
        self.activations = [activate_fn(o.logits_activation) for o in outputs]

    # Built on first use by fit: evaluate and predict need no optimizer, and a model whose every
    # layer is frozen (graph/freeze.py) has no parameter to give one.
    @cached_property
    def optimizer(self) -> torch.optim.Optimizer:
        return make_optimizer(trainable_parameters(self.module), self.settings.optimizer)  # frozen: no state

    @cached_property
    def stepper(self) -> Stepper:
        return Stepper(self.optimizer, self.settings.optimizer)

    @cached_property
    def schedule(self) -> Schedule:
        return Schedule(self.optimizer, self.settings.schedule, self.settings.epochs)

    @cached_property
    def train_forward(self) -> Callable:
        """The training step's forward: the module's (through DDP in a distributed run), compiled
        when the settings ask."""
        forward: Callable = _direct_forward(self.module) if self.ranks is None else self.ranks.wrap(self.module)
        if self.settings.compile:
            forward = torch.compile(forward, backend=COMPILE_BACKEND)
        return forward

    def _feed(self, split: Split, targets: list, batch_size: int, start: int = 0, stop: int | None = None,
              shard: bool = False) -> Feed:
        return make_feed(split, targets, self.device, batch_size, start, stop, self.loader_threshold,
                         shard=self.ranks.shard if shard and self.ranks is not None else None,
                         device_bytes=self.device_bytes)

    # --- the pieces of one step ---------------------------------------------------------------

    def _sums(self) -> Sums:
        """Accumulators for one pass: per output its loss, then each of its metrics' states."""
        return Sums(self.outputs, self.device, self.sum_dtype)

    def _forward(self, xs: list[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        with self.precision.autocast():
            out = self.module(*xs)
        outs = out if isinstance(out, tuple) else (out,)
        return tuple(o.float() for o in outs) if self.precision.mixed else outs

    def _read(self, sums: Sums, seen: int, prefix: str = "") -> dict[str, float]:
        """The sums' values; in a distributed run, the sums of all ranks (a collective: every rank calls it)."""
        if self.ranks is None:
            return sums.read(seen, prefix)
        total = copy(sums)
        total.flat = self.ranks.sum(sums.flat)
        return total.read(seen, prefix)

    # --- fit ----------------------------------------------------------------------------------

    def fit(self, train: Split, validation: Split | None = None) -> FitResult:
        """Train on `train`; validate on `validation`, or on the last `validation_split` of train."""
        s = self.settings
        n = n_samples(train)
        stop = validation_rows(n, s.validation_split) if validation is None else n
        if stop == 0:
            raise ValueError(f"validation_split {s.validation_split} leaves no training data ({n} samples).")
        world = self.ranks.world if self.ranks is not None else 1
        if stop < world:
            raise ValueError(f"devices {world}: only {stop} training samples, fewer than the processes.")
        feed = self._feed(train, self.targets, s.batch_size, 0, stop, shard=True)
        val_feed = None
        val_rows = n_samples(validation) if validation is not None else n - stop
        # validation is sharded too, unless a rank's first batch would be empty (it would measure nothing)
        val_shard = val_rows >= world
        if validation is not None:
            val_feed = self._feed(validation, self.targets, max(s.batch_size, EVAL_BATCH), shard=val_shard)
        elif stop < n:
            val_feed = self._feed(train, self.targets, max(s.batch_size, EVAL_BATCH), stop, n, shard=val_shard)
        self.val_sharded = val_shard and world > 1

        result = FitResult()
        stopper = None
        if s.early_stopping is not None:
            e = s.early_stopping
            stopper = EarlyStopper(e.monitor, e.patience, e.min_delta, e.restore_best_weights)
        best = Best("val_loss" if val_feed is not None else "loss") if s.keep_best else None
        # Without a best-epoch copy, the last completed epoch's weights are what a stop keeps.
        last_weights: tuple[int, dict[str, torch.Tensor]] | None = None
        epoch_seconds: list[float] = []
        self.started = time.perf_counter()  # events' t: wall seconds since training started
        for epoch in range(1, s.epochs + 1):
            t0 = time.perf_counter()
            lr = self.schedule.lr
            metrics, cancelled = self._train_epoch(feed, epoch)
            train_s = time.perf_counter() - t0
            if cancelled:
                result.cancelled = True
                result.kept_epoch = self._keep_on_stop(result, stopper, best, last_weights)
                return result
            if val_feed is not None:
                metrics.update(self._evaluate_feed(val_feed, prefix="val_", reduce=self.val_sharded))
            seconds = time.perf_counter() - t0
            epoch_seconds.append(seconds)
            metrics.update(lr=lr, samples_per_s=feed.n / train_s if train_s > 0 else 0.0, seconds=seconds)
            result.history.append(metrics)
            eta = (s.epochs - epoch) * sum(epoch_seconds) / len(epoch_seconds)
            self.emit(EpochEvent(epoch=epoch, epochs=s.epochs, metrics=metrics, eta_s=eta,
                                  t=time.perf_counter() - self.started))
            last = epoch == s.epochs
            if best is not None:
                best.update(epoch, metrics, self.module, last)
            elif not last:
                last_weights = (epoch, snapshot(self.module))
            self.schedule.step(metrics)
            if stopper is not None and stopper.should_stop(epoch, metrics, self.module, last):
                result.stopped_early_at = epoch
                break
        if stopper is not None and stopper.restore_best_weights and stopper.best.epoch:
            stopper.best.restore(self.module)
            result.best_epoch = stopper.best.epoch
        elif best is not None and best.epoch:
            best.restore(self.module)
            result.best_epoch = best.epoch
        return result

    def _keep_on_stop(self, result: FitResult, stopper: EarlyStopper | None, best: Best | None,
                      last_weights: tuple[int, dict[str, torch.Tensor]] | None) -> int | None:
        """Stopped mid-epoch: put back the weights of a completed epoch (as Keras keeps a model on
        interrupt, and restore_best_weights / the best-epoch checkpoint say which); the epoch, or None."""
        if not result.history:
            return None
        for tracker in (stopper.best if stopper is not None and stopper.restore_best_weights else None, best):
            if tracker is not None and tracker.epoch and tracker.weights is not None:
                tracker.restore(self.module)
                return tracker.epoch
        if last_weights is not None:
            self.module.load_state_dict(last_weights[1])
            return last_weights[0]
        return None

    def _train_epoch(self, feed: Feed, epoch: int) -> tuple[dict[str, float], bool]:
        """One pass over `feed`. Per batch: forward, loss, backward, step, and on-device sums; the
        sums are read back only for an event. The common case (one output) avoids every Python
        loop and allocation it can: this is the overhead the benchmark measures."""
        module, stepper, outputs = self.module, self.stepper, self.outputs
        augment, should_stop, emit = self.augment, self.should_stop, self.emit
        single = len(outputs) == 1
        forward = self.train_forward
        precision, ranks = self.precision, self.ranks
        mixed = precision.mixed
        plain = precision.scaler is None and ranks is None  # backward and step as they are
        loss_fn = outputs[0].loss
        module.train()
        sums = self._sums()
        loss_sum = sums.losses[0]
        metric_updates = [(state, m.update) for state, m in zip(sums.states[0], outputs[0].metrics, strict=True)] \
            if single else []
        steps = feed.steps
        # A distributed run reads its (all-reduced) sums at steps every rank knows without a clock.
        every = ranks.event_every(steps) if ranks is not None else 0
        batch_size, world = feed.batch_size, ranks.world if ranks is not None else 1
        seen = 0
        last_event = time.perf_counter()
        gen = self.generator if self.settings.shuffle else None
        zero_grad, opt_step, no_grad, perf_counter = stepper.zero_grad, stepper.step, torch.no_grad, time.perf_counter
        step = 0
        # TerminateOnNaN without a read-back per batch: each batch's loss is copied into a device
        # buffer; the running sum, read for every event anyway, turns NaN/inf with the first bad batch,
        # and only then is the buffer read to name it.
        losses_seen = torch.empty(steps, dtype=self.sum_dtype, device=self.device) if self.settings.terminate_on_nan \
            else None
        for step, (xs, ys, n) in enumerate(feed.batches(gen), start=1):
            if augment is not None:
                xs = _augment(augment, xs)
            if mixed:
                with precision.autocast():
                    out = forward(*xs)
                out = tuple(o.float() for o in out) if isinstance(out, tuple) else out.float()  # loss in float32
            else:
                out = forward(*xs)
            if single:
                y = ys[0]
                loss = loss_fn(out, y)
            else:
                outs = out if isinstance(out, tuple) else (out,)
                losses = [o.loss(out, y) for o, out, y in zip(outputs, outs, ys, strict=True)]
                loss = torch.stack([o.weight * part for o, part in zip(outputs, losses, strict=True)]).sum()  # loss_weights
            if plain:
                zero_grad()
                loss.backward()
                opt_step()
            else:
                # DDP averages the ranks' gradients; weighting each rank's mean loss by its share of
                # the global batch makes that average the gradient of the global batch's mean loss.
                scaled = loss * (n * world / min(batch_size, feed.n - (step - 1) * batch_size)) \
                    if ranks is not None else loss
                precision.backward_step(scaled, zero_grad, opt_step, self.optimizer)
            if n:  # n = 0: a rank's empty part of a short last batch (feeds.shard_rows)
                with no_grad():
                    if single:
                        loss_sum.add_(loss.detach(), alpha=n)
                        out = out.detach()
                        for state, update in metric_updates:
                            update(state, out, y)
                        if step == 1:
                            sums.measure((out,), ys, n)
                    else:
                        sums.add(outs, ys, losses, n)
                        if step == 1:
                            sums.measure(outs, ys, n)
            if losses_seen is not None and step <= steps:
                losses_seen[step - 1] = loss.detach()
            if ranks is None:
                seen += n
                if should_stop():
                    return {}, True
                now = perf_counter()
                due = step == steps or now - last_event >= BATCH_EVENT_INTERVAL_S
            else:
                seen = min(step * batch_size, feed.n)  # all ranks' samples so far
                now = perf_counter()
                due = step == steps or step % every == 0
                if due and ranks.any(should_stop()):
                    return {}, True
            if due:
                last_event = now
                metrics = self._read(sums, seen)
                if losses_seen is not None and not math.isfinite(metrics["loss"]):
                    self._diverged(losses_seen[:step], epoch, steps)
                emit(BatchEvent(epoch=epoch, step=step, steps=steps, seen=seen, metrics=metrics,
                                t=now - self.started))
        if step == 0:
            raise ValueError("The training split is empty.")
        metrics = self._read(sums, seen)
        if losses_seen is not None and not math.isfinite(metrics["loss"]):  # steps was an estimate
            self._diverged(losses_seen[:min(step, steps)], epoch, steps)
        return metrics, False

    def _diverged(self, losses: torch.Tensor, epoch: int, steps: int) -> None:
        """Raises Diverged naming the first batch whose loss is NaN or infinite."""
        bad = torch.nonzero(~torch.isfinite(losses)).flatten().tolist()
        step = bad[0] + 1 if bad else len(losses)
        value = float(losses[step - 1]) if bad else math.nan
        raise Diverged(value, epoch, step, steps, self.schedule.lr)

    # --- evaluate / predict -------------------------------------------------------------------

    @torch.no_grad()
    def _evaluate_feed(self, feed: Feed, prefix: str = "", reduce: bool = False) -> dict[str, float]:
        """Loss and metrics over `feed`; `reduce`: the feed is this rank's shard, so sum over the ranks."""
        self.module.eval()
        sums = self._sums()
        seen = 0
        for xs, ys, n in feed.batches(None):
            if not n:
                continue
            outs = self._forward(xs)
            losses = [o.loss(out, y) for o, out, y in zip(self.outputs, outs, ys, strict=True)]
            sums.add(outs, ys, losses, n)
            sums.measure(outs, ys, n)
            seen += n
        if reduce:
            return self._read(sums, feed.n, prefix) if feed.n else {}
        if not seen:
            return {}
        return sums.read(seen, prefix)

    def evaluate(self, split: Split) -> dict[str, float]:
        """Keras evaluate(): loss and metrics over a split, keys without the val_ prefix."""
        feed = self._feed(split, self.targets, max(self.settings.batch_size, EVAL_BATCH))
        return self._evaluate_feed(feed)

    @torch.no_grad()
    def confusion_matrix(self, split: Split, num_classes: int) -> list[list[int]]:
        """Rows: true class, columns: predicted class (first output)."""
        feed = self._feed(split, [lambda y: y], max(self.settings.batch_size, EVAL_BATCH))
        self.module.eval()
        plan = self.outputs[0]
        cm = torch.zeros(num_classes * num_classes, dtype=torch.int64, device=self.device)
        for xs, ys, _ in feed.batches(None):
            out = self._forward(xs)[0]
            y = ys[0].long().reshape(-1)
            if plan.shape == (1,) and num_classes == 2:
                threshold = 0.0 if plan.logits_activation == "sigmoid" else 0.5
                pred = (out.reshape(-1) > threshold).long()
            else:
                dim = 1 if out.dim() == 4 else -1
                pred = out.argmax(dim=dim).reshape(-1)
            cm += torch.bincount(y * num_classes + pred, minlength=num_classes * num_classes)
        return cm.reshape(num_classes, num_classes).tolist()

    @torch.no_grad()
    def predict(self, xs: list[torch.Tensor]) -> list[torch.Tensor]:
        """Model outputs for a batch (list per output), fused activations applied."""
        self.module.eval()
        outs = self._forward([x.to(self.device) for x in xs])
        return [act(o) for act, o in zip(self.activations, outs, strict=True)]


def _direct_forward(module: torch.nn.Module) -> Callable:
    """`module.forward` when nothing hooks the top-level module (the trainer's own compiled graph):
    it skips nn.Module.__call__'s hook dispatch and fx's call wrapper, a few microseconds a batch.
    Submodules still run through __call__ (their hooks, if any, fire)."""
    hooked = (module._forward_hooks or module._forward_pre_hooks or module._backward_hooks
              or module._backward_pre_hooks or torch.nn.modules.module._global_forward_hooks
              or torch.nn.modules.module._global_forward_pre_hooks)
    return module if hooked else module.forward


def _augment(augment: Callable, xs: list[torch.Tensor]) -> list[torch.Tensor]:
    out = augment(xs[0] if len(xs) == 1 else tuple(xs))
    return [out] if isinstance(out, torch.Tensor) else list(out)
