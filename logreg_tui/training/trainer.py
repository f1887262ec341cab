"""The maths of one run: parameters, the loss of each autograd mode, the optimizer step, epochs, records.

Torch only: no threads, no clock, no UI. The engine (engine.py) decides when to train and what to show;
the Trainer does the arithmetic and never waits for the device except in `fetch()`, `problem()` and
`host_values()`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from logreg_tui.core.model.data import Dataset
from logreg_tui.core.model.settings import Settings, objective_of
from logreg_tui.core.model.state import SCORE_BINS, ScoreSummary
from logreg_tui.core.words.lessons import Cause
from logreg_tui.training.functions import BCEWithLogits, TutorialCrossEntropyWithLogits
from logreg_tui.training.homework import error_words, where
from logreg_tui.training.optimizers import BY_NAME, SGD, copy_state

PENDING_MAX = 256  # epochs whose records may wait on the device before they are fetched
# one record per epoch: its training loss (the mean of its batches'), the θ = (w, b) its steps arrived at, and the
# held-out loss there (NaN without a split); with d features, w is d columns (record_columns)
RECORD = ("loss", "w", "b", "val_loss")
HESSIAN_ROWS = 1024  # rows at a time in the published Hessian beyond one feature (temporaries of 1024 × d)
SINGLE_THREAD_MAX_POINTS = 10_000  # up to this N on the CPU, one intra-op thread is as fast (bench/README.md)


def record_columns(d: int) -> tuple[str, ...]:
    """The record's columns with d features: loss, w (or w1 … wd), b, val_loss."""
    return RECORD if d == 1 else ("loss", *(f"w{i}" for i in range(1, d + 1)), "b", "val_loss")


class DeviceError(ValueError):
    """The asked-for device does not exist here."""


def resolve_device(name: str) -> torch.device:
    """auto|cpu|cuda|cuda:N|mps to a torch.device that exists on this machine."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DeviceError(f"--device: unknown device {name!r} (use auto, cpu, cuda, cuda:N or mps)") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"--device: {name} is not available (torch sees no CUDA GPU)")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(f"--device: {name} is not available ({torch.cuda.device_count()} CUDA GPUs)")
    elif device.type == "mps":
        if not torch.backends.mps.is_available():
            raise DeviceError(f"--device: {name} is not available on this machine")
    elif device.type != "cpu":
        raise DeviceError(f"--device: unknown device {name!r} (use auto, cpu, cuda, cuda:N or mps)")
    return device


def choose_threads(dataset: Dataset, device: torch.device) -> None:
    """One torch thread for small data on the CPU, leaving the other core to the UI.

    Process-wide, so it is the entry point's call (the app or the headless run), not the engine's.
    """
    if device.type == "cpu" and dataset.n_points <= SINGLE_THREAD_MAX_POINTS:
        torch.set_num_threads(1)


@dataclass
class EpochInProgress:
    """A minibatch epoch part-way: its order, the points stepped over so far, and its batches' loss so far."""

    order: torch.Tensor  # never changed in place: checkpoints share it
    done: int = 0
    batches: int = 0
    total: torch.Tensor | None = None  # the sum of the batches' losses, on the device

    def copy(self) -> EpochInProgress:
        return EpochInProgress(self.order, self.done, self.batches, None if self.total is None else self.total.clone())


@dataclass(frozen=True)
class Checkpoint:
    """Parameters, optimizer state and the minibatch generator at one epoch, copied: a run can go back exactly."""

    epoch: int
    steps: int
    params: tuple[torch.Tensor, ...]
    optimizer: dict[str, object]
    generator: torch.Tensor
    progress: EpochInProgress | None  # a minibatch epoch begun and not finished


def function_path(function: type[torch.autograd.Function] | None) -> str:
    """The file a --function Function was loaded from (its code says where), or "" without one."""
    return function.forward.__code__.co_filename if function is not None else ""


class HomeworkError(Exception):
    """The person's own Function failed while training: where in its file, what it raised, in which part and at
    which N (str: my_loss.py:27: ValueError: … in backward at N = 1000)."""

    def __init__(self, error: BaseException | None, part: str, n: int,
                 function: type[torch.autograd.Function] | None = None) -> None:
        self.where = where(error, function_path(function)) if error is not None else "--function"
        self.what = error_words(error) if error is not None else "no --function is loaded"
        self.part, self.n = part, n
        super().__init__(f"{self.where}: {self.what} in {part} at N = {n}")


class Trainer:
    """w, b and an optimizer over one data set on one device; epochs leave their records on the device.

    `settings` holds the live values (lr, autograd, optimizer, momentum, batch size); the engine replaces
    it with `configure()`. The split and the minibatch generator are fixed at construction, as a run starts.
    """

    def __init__(self, dataset: Dataset, device: torch.device, settings: Settings, shuffle_seed: int = 42,
                 homework: type[torch.autograd.Function] | None = None) -> None:
        """`shuffle_seed`: the minibatch order of data from a file (generated data uses its own seed); `homework`:
        the Function of the autograd mode "file" (--function)."""
        self.device = device
        x, y = _on_device(dataset.x, device), _on_device(dataset.y, device)
        x = x[:, None] if x.dim() == 1 else x  # X: N × d, one column per feature
        n_train = dataset.n_train(settings.val_frac)
        self.x, self.y = x[:n_train], y[:n_train]
        self.val_x: torch.Tensor | None = x[n_train:] if n_train < dataset.n_points else None
        self.val_y: torch.Tensor | None = y[n_train:] if n_train < dataset.n_points else None
        self.d = x.shape[1]
        self.w = torch.zeros(self.d, device=device, requires_grad=True)
        self.b = torch.zeros(1, device=device, requires_grad=True)
        seed = dataset.seed if dataset.seed is not None else shuffle_seed
        self.generator = torch.Generator().manual_seed(seed)  # minibatch order; full batch draws nothing
        self.settings = settings
        self.optimizer = self._fresh_optimizer()
        # records wait in a preallocated buffer: a fresh small tensor per epoch would pin heap pages between
        # large freed ones, and builtin BCE's scalar loss is a view that keeps its N per-point losses alive
        self._records = torch.full((PENDING_MAX, len(record_columns(self.d))), float("nan"), device=device)
        self._slots = self._records.unbind()
        self.pending = 0  # epochs whose records wait in the buffer
        self.epoch = self.steps = 0
        self.progress: EpochInProgress | None = None  # a minibatch epoch paused between its steps
        self.homework = homework
        self._true = torch.ones((), dtype=torch.bool, device=device)
        self.evaluate()

    def configure(self, settings: Settings) -> None:
        """New live settings; a new optimizer starts with fresh state, from the current w, b."""
        before, self.settings = self.settings, settings
        fresh = (settings.optimizer, settings.momentum) != (before.optimizer, before.momentum)
        if fresh:
            self.optimizer = self._fresh_optimizer()
        self.optimizer.lr = settings.lr
        if fresh or settings.autograd != before.autograd or objective_of(settings) != objective_of(before):
            self.evaluate()  # the shown loss and gradients are the new mode's (a fresh optimizer's, the objective's)

    def _fresh_optimizer(self) -> SGD:
        settings = self.settings
        return BY_NAME[settings.optimizer]((self.w, self.b), settings.lr, settings.momentum)

    @property
    def n_train(self) -> int:
        return self.x.shape[0]

    def loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The mean binary cross-entropy of logits against y, through the current autograd mode."""
        autograd = self.settings.autograd
        if autograd == "builtin":
            return F.binary_cross_entropy(torch.sigmoid(logits), y)
        if autograd == "custom":
            return BCEWithLogits.apply(logits, y)
        if autograd == "file":
            return self._homework_loss(logits, y)
        return TutorialCrossEntropyWithLogits.apply(logits, y)

    def _homework_loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The person's own Function (--function); what it raises becomes a HomeworkError that names it."""
        if self.homework is None:
            raise HomeworkError(None, "forward", logits.numel())
        try:
            return self.homework.apply(logits, y)
        except Exception as error:
            raise HomeworkError(error, "forward", logits.numel(), self.homework) from error

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """z = X·w + b for the rows of X (core/maths/objective.scores). One feature's is w * x + b, the tutorial's
        own floats; more, a matrix product as a person's torch loop writes it (at N 1e5, d 100 summing each row's
        products took 7 times as long)."""
        if self.d == 1:
            return self.w * x[:, 0] + self.b
        return x @ self.w + self.b

    def forward_backward(self, x: torch.Tensor | None = None, y: torch.Tensor | None = None) -> torch.Tensor:
        """Loss at the current θ on (X, y) (default: the training data), with its gradients in w.grad, b.grad."""
        if x is None or y is None:
            x, y = self.x, self.y
        logits = self.scores(x)
        loss = self.loss(logits, y)
        self.w.grad = self.b.grad = None  # what zero_grad() does
        # the penalties join outside the autograd Function: its gradient stays the one gradcheck checks
        objective = loss + self._penalty() if self.settings.penalized else loss
        if self.settings.autograd != "file":
            objective.backward()
        else:
            try:
                objective.backward()
            except Exception as error:
                raise HomeworkError(error, "backward", logits.numel(), self.homework) from error
        self.logits = logits.detach()
        return loss.detach()

    def _penalty(self) -> torch.Tensor:
        """(λ₂/2)·‖w‖² + λ₁·‖w‖₁ on the device (b is not penalised)."""
        return (self.settings.l2 / 2 * self.w * self.w + self.settings.l1 * self.w.abs()).sum()

    def step_epoch(self, stop: Callable[[], bool] | None = None) -> torch.Tensor | None:
        """One epoch (or the rest of one begun) with no host synchronisation: its loss. Full batch is exactly the
        tutorial's epoch. Between minibatch steps, after the first, stop() may pause the epoch: then None, and
        the next call goes on with the same order (a long epoch never keeps a key waiting)."""
        self.stepped = True
        if self.full_batch and self.progress is None:
            loss = self.forward_backward()
            self.optimizer.step()
            self.steps += 1
            self.epoch += 1
            return loss
        if self.progress is None:
            self.progress = EpochInProgress(torch.randperm(self.n_train, generator=self.generator).to(self.device))
        progress, batch = self.progress, self.settings.batch_points(self.n_train)
        first = progress.done
        while progress.done < self.n_train:
            if stop is not None and progress.done > first and stop():
                return None
            indices = progress.order[progress.done: progress.done + batch]
            batch_loss = self.forward_backward(self.x[indices], self.y[indices])
            self.optimizer.step()
            progress.total = batch_loss if progress.total is None else progress.total + batch_loss
            progress.done = min(progress.done + batch, self.n_train)
            progress.batches += 1
            self.steps += 1
        self.progress = None
        self.epoch += 1
        return None if progress.total is None else progress.total / progress.batches

    def train_epoch(self, stop: Callable[[], bool] | None = None) -> bool:
        """One epoch, its record (see RECORD) left on the device.

        The held-out loss is measured where the training loss is: for full batch at the w, b the epoch starts
        from (epoch 0 shows ln 2 twice); for minibatches, whose loss is the mean over the epoch's steps, after them.
        """
        slot = self._slots[self.pending]
        val = self.val_loss() if self.val_x is not None and self.full_batch and self.progress is None else None
        loss = self.step_epoch(stop)
        if loss is None:
            return False  # paused between steps: the epoch goes on at the next call
        if self.val_x is None:
            torch.cat([loss.reshape(1), self.w.detach(), self.b.detach()], out=slot[:-1])  # one op: cheap at small N
        else:
            val = self.val_loss() if val is None else val
            torch.cat([loss.reshape(1), self.w.detach(), self.b.detach(), val.reshape(1)], out=slot)
        self.pending += 1
        return True

    @property
    def full_batch(self) -> bool:
        return self.settings.full_batch(self.n_train)

    def val_loss(self) -> torch.Tensor:
        """The held-out loss at the current w, b: the training forward, without gradients (callers check a split)."""
        assert self.val_x is not None and self.val_y is not None
        with torch.no_grad():
            return self.loss(self.scores(self.val_x), self.val_y)

    @property
    def full(self) -> bool:
        return self.pending >= PENDING_MAX

    def fetch(self) -> np.ndarray:
        """The waiting records as a (k, len(RECORD)) array; the buffer is free again."""
        records = self._records[: self.pending].cpu().numpy().copy()
        self.pending = 0
        return records

    def evaluate(self) -> None:
        """Loss, logits and gradients at the current w, b, without a step (shown after a reset or restore)."""
        self.shown_loss = self.forward_backward().clone()  # a copy, not a view of N per-point losses
        self.stepped = False  # the shown figures are at the current w, b until the next step

    def move_to(self, theta: tuple[float, ...]) -> None:
        """Put the parameters at θ = (w₁ … w_d, b), with the optimizer's state fresh: momentum from elsewhere would
        carry the old path's speed to the new place."""
        with torch.no_grad():
            self.w.copy_(torch.tensor(theta[:-1], dtype=self.w.dtype))
            self.b.fill_(theta[-1])
        self.optimizer = self._fresh_optimizer()
        self.evaluate()

    def go_on_from(self, other: Trainer) -> None:
        """Stand where another trainer on the same points stands (other features of them): its epoch, step and
        minibatch order, an epoch begun included."""
        self.epoch, self.steps, self.progress = other.epoch, other.steps, other.progress
        self.generator.set_state(other.generator.get_state())

    def theta(self) -> tuple[float, ...]:
        """θ = (w₁ … w_d, b) now, as numbers (one transfer)."""
        return tuple(torch.cat([self.w.detach(), self.b.detach()]).tolist())

    def save(self) -> Checkpoint:
        return Checkpoint(self.epoch, self.steps, (self.w.detach().clone(), self.b.detach().clone()),
                          copy_state(self.optimizer.state()), self.generator.get_state(),
                          self.progress.copy() if self.progress else None)

    def restore(self, checkpoint: Checkpoint) -> None:
        with torch.no_grad():
            self.w.copy_(checkpoint.params[0])
            self.b.copy_(checkpoint.params[1])
        self.optimizer.load_state(copy_state(checkpoint.optimizer))
        self.generator.set_state(checkpoint.generator)
        self.epoch, self.steps = checkpoint.epoch, checkpoint.steps
        self.progress = checkpoint.progress.copy() if checkpoint.progress else None
        self.pending = 0

    def _loss_so_far(self) -> torch.Tensor:
        """The mean of this epoch's batch losses so far (NaN between epochs)."""
        progress = self.progress
        if progress is None or progress.total is None:
            return torch.full((), float("nan"), device=self.device)
        return (progress.total / progress.batches).reshape(())

    @property
    def epoch_progress(self) -> float:
        """The share of the training points this epoch has stepped over so far (0 between epochs)."""
        return self.progress.done / self.n_train if self.progress else 0.0

    @property
    def function_label(self) -> str:
        """The file of the --function Function (my_loss.py), or ""."""
        return Path(function_path(self.homework)).name if self.homework is not None else ""

    def largest_logit(self) -> float:
        """max |w·x + b| of the last forward (one transfer: for a divergence's message only)."""
        return self.logits.abs().max().item()

    def problem(self, record: np.ndarray | None = None) -> Cause:
        """What went wrong in an epoch (its fetched record) or, without one, at the evaluated w, b: a Cause.

        The logits count: builtin BCE clamps its log, so a huge lr can leave the loss finite while w·x + b
        has already overflowed float32. LOSS and LOGITS are about the w, b a forward started from; PARAMS about
        where a step went.
        """
        grads = [g for g in (self.w.grad, self.b.grad) if g is not None]
        with torch.no_grad():
            checks = torch.stack([torch.isfinite(self.shown_loss) if record is None else self._true,
                                  torch.isfinite(self.w).all() & torch.isfinite(self.b).all(),
                                  torch.isfinite(self.logits).all(),
                                  torch.stack([torch.isfinite(g).all() for g in grads]).all() if grads
                                  else self._true]).tolist()
        if record is not None:
            checks[0] = bool(np.isfinite(record[0]))
            checks[1] = checks[1] and bool(np.isfinite(record[1:-1]).all())
        if not checks[2]:
            return Cause.LOGITS
        if not checks[0]:
            return Cause.LOSS
        if not checks[3]:  # at finite w, b, logits and loss: the autograd returned it (a person's Function)
            return Cause.GRADIENT
        return Cause.NONE if checks[1] else Cause.PARAMS

    def host_values(self) -> dict[str, Any]:
        """The figures at the current θ (as evaluate() left it), computed where the data is and fetched in one
        transfer: loss, accuracy (training and held out), b, the share of points whose σ is exactly 0 or 1 in
        float32 (and of those on the wrong side: stuck), the held-out loss; "weights" (d), "gradient" (d + 1:
        ∂w₁ … ∂w_d, ∂b, as the autograd mode computed it) and "hessian" ((d + 1)², the objective's:
        core/maths/objective.hessian)."""
        nan = torch.full((), float("nan"), device=self.device)
        d = self.d
        with torch.no_grad():
            p = torch.sigmoid(self.logits)
            gradient = [nan.expand(d) if self.w.grad is None else self.w.grad.reshape(d),
                        nan.reshape(1) if self.b.grad is None else self.b.grad.reshape(1)]
            # accuracy at the current θ: the logits may be a step older (a setting changed since the last flush)
            values = [self.shown_loss.reshape(()), _accuracy(self.scores(self.x), self.y), self.b.reshape(()),
                      ((p == 0) | (p == 1)).float().mean(),
                      (((p == 1) & (self.y < 0.5)) | ((p == 0) & (self.y > 0.5))).float().mean(), self._loss_so_far()]
            if self.val_x is None or self.val_y is None:
                values += [nan, nan]
            else:
                values += [self.val_loss().reshape(()), _accuracy(self.scores(self.val_x), self.val_y)]
            flat = torch.cat([torch.stack(values), self.w.detach(), *gradient, self._hessian(p).reshape(-1)])
        numbers = flat.cpu().tolist()
        names = ("loss", "accuracy", "b", "saturated_share", "stuck_share", "epoch_loss_so_far", "val_loss",
                 "val_accuracy")
        figures: dict[str, Any] = dict(zip(names, numbers[:len(names)], strict=True))
        rest = numbers[len(names):]
        figures["weights"], figures["gradient"] = tuple(rest[:d]), tuple(rest[d:2 * d + 1])
        hessian = rest[2 * d + 1:]
        figures["hessian"] = tuple(tuple(hessian[row * (d + 1):(row + 1) * (d + 1)]) for row in range(d + 1))
        figures["scores"] = self.score_summary() if d > 1 else None  # one feature's views bin x itself
        return figures

    def score_summary(self) -> ScoreSummary:
        """Which of SCORE_BINS bins of the scores z = w·x + b hold a training point of class 0, of class 1, a
        held-out one of class 0 and of class 1, computed where the data is (O(N·d), one transfer)."""
        with torch.no_grad():
            xs, ys = [self.x], [self.y]
            if self.val_x is not None and self.val_y is not None:
                xs, ys = [self.x, self.val_x], [self.y, self.val_y]
            z, y = torch.cat([self.scores(x) for x in xs]), torch.cat(ys)
            held = torch.arange(z.numel(), device=z.device) >= self.n_train
            finite = torch.isfinite(z)
            z, part = z[finite], (2 * held + (y > 0.5))[finite]
            if not z.numel():
                return ScoreSummary(math.nan, math.nan, np.zeros((4, SCORE_BINS), dtype=bool))
            low, high = z.min(), z.max()
            margin = torch.clamp((high - low) * 0.02, min=1.0)  # all scores equal (θ = 0): a unit on each side
            low, high = low - margin, high + margin
            bins = ((z - low) / (high - low) * SCORE_BINS).long().clamp(0, SCORE_BINS - 1)
            occupied = torch.bincount(part * SCORE_BINS + bins, minlength=4 * SCORE_BINS) > 0
            numbers = torch.cat([torch.stack([low, high]).double(), occupied.double()]).cpu().numpy()
        flags = numbers[2:].astype(bool).reshape(4, SCORE_BINS)
        flags.flags.writeable = False
        return ScoreSummary(float(numbers[0]), float(numbers[1]), flags)

    def _hessian(self, p: torch.Tensor) -> torch.Tensor:
        """The objective's Hessian at θ on the device from σ of the training points' logits, as
        core/maths/objective.hessian: the mean of σ(1 − σ)·[x, 1][x, 1]ᵀ, λ₂ on the w block."""
        weight = p * (1 - p)
        d, n = self.d, self.x.shape[0]
        if d == 1:  # a mean down the points, as ever
            weighted = weight[:, None] * self.x
            w_block, cross = (weighted * self.x).mean(dim=0, keepdim=True), weighted.mean(dim=0)
        else:  # matrix products a block of rows at a time: no N × d temporary (column by column took 0.5 s a
            w_block = torch.zeros(d, d, device=self.device)  # publish at N 1e5, d 100)
            cross = torch.zeros(d, device=self.device)
            for start in range(0, n, HESSIAN_ROWS):
                rows, weights = self.x[start:start + HESSIAN_ROWS], weight[start:start + HESSIAN_ROWS]
                root = weights.sqrt()[:, None] * rows
                w_block += root.T @ root
                cross += rows.T @ weights
            w_block, cross = w_block / n, cross / n
        w_block = w_block + self.settings.l2 * torch.eye(d, device=self.device)
        top = torch.cat([w_block, cross[:, None]], dim=1)
        return torch.cat([top, torch.cat([cross, weight.mean().reshape(1)])[None, :]], dim=0)


def _on_device(values: np.ndarray, device: torch.device) -> torch.Tensor:
    """A data set's array as a tensor on the device: on the CPU the array's own memory (a copy would double the
    data's share of the peak: 40 MB at N 1e5, d 100). The array is read-only and so is the tensor in use: training
    never writes x or y in place (torch warns of a read-only array; that is the point here)."""
    if device.type != "cpu":
        return torch.tensor(values, device=device)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(values)


def _accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((logits > 0) == (y > 0.5)).float().mean()
