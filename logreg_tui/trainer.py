"""The maths of one run: parameters, the loss of each autograd mode, the optimizer step, epochs, records.

Torch only: no threads, no clock, no UI. The engine (engine.py) decides when to train and what to show;
the Trainer does the arithmetic and never waits for the device except in `fetch()`, `problem()` and
`host_values()`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from logreg_tui.data import Dataset
from logreg_tui.functions import BCEWithLogits, TutorialCrossEntropyWithLogits
from logreg_tui.state import Autograd

PENDING_MAX = 256  # epochs whose records may wait on the device before they are fetched
RECORD = ("loss", "w", "b")  # one record per epoch: its loss, and the w, b its step arrived at
SINGLE_THREAD_MAX_POINTS = 10_000  # up to this N on the CPU, one intra-op thread is as fast (bench/README.md)


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


class SGD:
    """torch.optim.SGD without momentum, bit for bit, without its per-call Python.

    torch.optim.SGD's step is `param.add_(grad, alpha=-lr)` after zero_grad set grads to None; its hooks,
    profiler ranges and foreach dispatch cost a third of an epoch at N 1e3. A test checks every loss
    against torch.optim.SGD.
    """

    def __init__(self, params: tuple[torch.Tensor, ...], lr: float) -> None:
        self.params = params
        self.lr = lr

    @torch.no_grad()
    def step(self) -> None:
        for param in self.params:
            param.add_(param.grad, alpha=-self.lr)

    def state(self) -> dict[str, torch.Tensor]:
        """What the next step depends on besides the parameters (plain SGD: nothing)."""
        return {}

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        pass


@dataclass(frozen=True)
class Checkpoint:
    """Parameters and optimizer state at one epoch, copied: a run can go back to it exactly."""

    epoch: int
    params: tuple[torch.Tensor, ...]
    optimizer: dict[str, torch.Tensor]


class Trainer:
    """w, b and an optimizer over one data set on one device; epochs leave their records on the device."""

    def __init__(self, dataset: Dataset, device: torch.device, autograd: Autograd, lr: float) -> None:
        self.device = device
        self.autograd = autograd
        self.x = torch.tensor(dataset.x, device=device)
        self.y = torch.tensor(dataset.y, device=device)
        self.w = torch.zeros(1, device=device, requires_grad=True)
        self.b = torch.zeros(1, device=device, requires_grad=True)
        self.optimizer = SGD((self.w, self.b), lr)
        # records wait in a preallocated buffer: a fresh small tensor per epoch would pin heap pages between
        # large freed ones, and builtin BCE's scalar loss is a view that keeps its N per-point losses alive
        self._records = torch.empty(PENDING_MAX, len(RECORD), device=device)
        self._slots = self._records.unbind()
        self.pending = 0  # epochs whose records wait in the buffer
        self.epoch = 0
        self.evaluate()

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    @lr.setter
    def lr(self, lr: float) -> None:
        self.optimizer.lr = lr

    def loss(self, logits: torch.Tensor) -> torch.Tensor:
        """The mean binary cross-entropy of logits against y, through the current autograd mode."""
        if self.autograd == "builtin":
            return F.binary_cross_entropy(torch.sigmoid(logits), self.y)
        if self.autograd == "custom":
            return BCEWithLogits.apply(logits, self.y)
        return TutorialCrossEntropyWithLogits.apply(logits, self.y)

    def forward_backward(self) -> torch.Tensor:
        """Loss at the current w, b (detached), with its gradients in w.grad and b.grad."""
        logits = self.w * self.x + self.b
        loss = self.loss(logits)
        self.w.grad = self.b.grad = None  # what zero_grad() does
        loss.backward()
        self.logits = logits.detach()
        return loss.detach()

    def step_epoch(self) -> torch.Tensor:
        """One full-batch epoch, exactly the tutorial's, with no host synchronisation: its loss."""
        loss = self.forward_backward()
        self.optimizer.step()
        self.epoch += 1
        return loss

    def train_epoch(self) -> None:
        """One epoch, its record left on the device: the loss (at the w, b before the step) and the w, b after it."""
        slot = self._slots[self.pending]
        loss = self.step_epoch()
        torch.cat([loss.reshape(1), self.w.detach(), self.b.detach()], out=slot)  # one op: cheap at small N
        self.shown_loss = slot[0]
        self.pending += 1

    @property
    def full(self) -> bool:
        return self.pending >= PENDING_MAX

    def fetch(self) -> np.ndarray:
        """The waiting records as a (k, 3) array of loss, w, b; the buffer is free again."""
        records = self._records[: self.pending].cpu().numpy().copy()
        self.pending = 0
        return records

    def evaluate(self) -> None:
        """Loss, logits and gradients at the current w, b, without a step (shown after a reset or restore)."""
        self.shown_loss = self.forward_backward().clone()  # a copy, not a view of N per-point losses

    def save(self) -> Checkpoint:
        return Checkpoint(self.epoch, (self.w.detach().clone(), self.b.detach().clone()),
                          {name: value.clone() for name, value in self.optimizer.state().items()})

    def restore(self, checkpoint: Checkpoint) -> None:
        with torch.no_grad():
            self.w.copy_(checkpoint.params[0])
            self.b.copy_(checkpoint.params[1])
        self.optimizer.load_state({name: value.clone() for name, value in checkpoint.optimizer.items()})
        self.epoch = checkpoint.epoch
        self.pending = 0

    def problem(self, loss: torch.Tensor | None = None) -> str:
        """What is not finite among the loss, w, b and the last logits, or ''.

        The logits count: builtin BCE clamps its log, so a huge lr can leave the loss finite while w·x + b
        has already overflowed float32.
        """
        with torch.no_grad():
            loss_ok = torch.isfinite(loss) if loss is not None else torch.ones((), dtype=torch.bool, device=self.device)
            checks = torch.stack([loss_ok, torch.isfinite(self.w).all() & torch.isfinite(self.b).all(),
                                  torch.isfinite(self.logits).all()]).tolist()
        if not checks[0]:
            return "loss is not finite"
        if not checks[1]:
            return "w or b is not finite"
        return "" if checks[2] else "w·x + b overflowed float32"

    def host_values(self) -> dict[str, float]:
        """The shown loss, accuracy, w, b and gradients, fetched in one transfer."""
        with torch.no_grad():
            accuracy = ((self.logits > 0) == (self.y > 0.5)).float().mean()
            values = torch.stack([self.shown_loss.reshape(()), self.w.reshape(()), self.b.reshape(()),
                                  self.w.grad.reshape(()), self.b.grad.reshape(()), accuracy])
        loss, w, b, grad_w, grad_b, accuracy = values.cpu().tolist()
        return dict(loss=loss, accuracy=accuracy, w=w, b=b, grad_w=grad_w, grad_b=grad_b)
