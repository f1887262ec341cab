"""The training loop: parameters, SGD, one epoch, commands, snapshots, divergence. No UI here.

One thread owns an Engine and calls `run()` (or `run_epochs()` when headless). Any other thread
steers it with the command methods, which only enqueue, and reads `latest`, an immutable Snapshot
that the owning thread swaps in. Loss values stay on the device until a snapshot is published.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from logreg_tui.data import Dataset, DataError
from logreg_tui.functions import BCEWithLogits, TutorialCrossEntropyWithLogits
from logreg_tui.history import HistoryView, LossHistory

MODES = ("builtin", "custom", "tutorial")
LR_MIN, LR_MAX = 1e-6, 1e3  # where the lr keys stop; --lr itself may be any finite value > 0
SPEED_MIN, SPEED_TOP = 0.25, 6400  # epochs/s caps the speed keys step between; above the top: no cap
PENDING_MAX = 256  # epochs whose loss may wait on the device before it is fetched
SINGLE_THREAD_MAX_POINTS = 10_000  # up to this N on the CPU, torch runs one intra-op thread


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


@dataclass(frozen=True)
class TrainConfig:
    lr: float = 0.2  # SGD learning rate, the tutorial's
    mode: str = "builtin"  # one of MODES
    device: str = "cpu"  # a device that resolve_device accepts
    epoch_budget: int = 1001  # epochs per run before pausing as done; 0 = no limit
    speed_cap: float | None = None  # epochs per second at most; None = as fast as it goes
    start_paused: bool = False
    publish_interval: float = 1 / 30  # seconds between snapshots while training
    # the same while training runs uncapped (None: publish_interval): each snapshot costs about two epochs
    # at N 1e3, so a reader that looks less often at full speed can ask for fewer
    uncapped_publish_interval: float | None = None


@dataclass(frozen=True, eq=False)
class Snapshot:
    """What the engine looked like between two epochs. Never mutated; a new one replaces it."""

    version: int  # grows with every publish
    status: str  # running, paused, done, diverged
    epoch: int  # epochs completed
    loss: float  # loss of the last epoch's forward pass (NaN before the first)
    accuracy: float  # of that forward pass's logits
    w: float
    b: float
    grad_w: float  # dL/dw of the last epoch (NaN before the first)
    grad_b: float
    lr: float
    mode: str
    epochs_per_second: float
    speed_cap: float | None
    epoch_budget: int
    stop_at: int | None  # the epoch at which this run pauses as done
    device: str
    dataset: Dataset  # replaced, not changed, on reseed
    history: HistoryView
    message: str  # why it diverged, or a command that could not apply; "" otherwise

    @property
    def seed(self) -> int | None:
        return self.dataset.seed

    @property
    def n_points(self) -> int:
        return self.dataset.n_points


class Engine:
    def __init__(self, dataset: Dataset, config: TrainConfig = TrainConfig()) -> None:
        if config.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {config.mode!r}")
        self._config = config
        self._device = resolve_device(config.device)
        if self._device.type == "cpu" and dataset.n_points <= SINGLE_THREAD_MAX_POINTS:
            # small N: splitting an op across threads saves nothing (bench/engine.py: 0.97-1.09x, noise on
            # 2 cores), and one thread leaves the other core to the UI
            torch.set_num_threads(1)
        self._commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._lr = config.lr
        self._mode = config.mode
        self._speed_cap = config.speed_cap
        self._cap_before_max = config.speed_cap or SPEED_TOP  # where slowing down from max returns to
        self._status = "paused" if config.start_paused else "running"
        self._message = ""
        self._version = 0
        self._pending_steps = 0
        self._next_epoch_at = time.monotonic()  # when the next epoch is due under the speed cap
        # epochs/s, and the time, epoch and speed-cap schedule it was measured at
        self._rate = (0.0, time.monotonic(), 0, self._next_epoch_at)
        self._next_publish_at = 0.0
        self._load(dataset)
        self._publish()

    # -- commands: safe from any thread; applied by the owning thread between epochs

    def _send(self, command: Callable[[], None]) -> None:
        self._commands.put(command)
        self._wake.set()

    def pause(self) -> None:
        self._send(self._do_pause)

    def resume(self) -> None:
        self._send(self._do_resume)

    def toggle_pause(self) -> None:
        self._send(self._do_toggle_pause)

    def step(self, epochs: int = 1) -> None:
        self._send(lambda: self._do_step(epochs))

    def set_lr(self, lr: float) -> None:
        self._send(lambda: self._do_set_lr(lr))

    def scale_lr(self, factor: float) -> None:
        """lr × factor, unless that leaves LR_MIN … LR_MAX: then lr stays on its grid, so k steps back undo k.

        An lr set outside the range (--lr 1e38) steps straight into it.
        """
        def scaled() -> float:
            lr = self._lr * factor
            if (self._lr > LR_MAX and factor < 1) or (self._lr < LR_MIN and factor > 1):
                return min(max(lr, LR_MIN), LR_MAX)
            return lr if LR_MIN <= lr <= LR_MAX else self._lr

        self._send(lambda: self._do_set_lr(scaled()))

    def reseed(self, seed: int | None = None) -> None:
        """New data from `seed` (default: the next seed); w, b and epoch reset; lr and mode kept."""
        self._send(lambda: self._do_reseed(seed))

    def reset(self) -> None:
        self._send(self._do_reset)

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self._send(lambda: self._do_set_mode(mode))

    def toggle_mode(self, alternative: str) -> None:
        """builtin ↔ alternative, decided when applied so that quick presses never cancel out wrongly."""
        self._send(lambda: self._do_set_mode(alternative if self._mode == "builtin" else "builtin"))

    def set_speed_cap(self, cap: float | None) -> None:
        self._send(lambda: self._do_set_speed_cap(cap))

    def scale_speed_cap(self, factor: float) -> None:
        """Cap × factor on its grid: above SPEED_TOP is no cap (and back down, the cap it had); below SPEED_MIN it stays."""
        def scaled() -> float | None:
            cap = self._speed_cap
            if cap is None:
                return self._cap_before_max if factor < 1 else None
            if cap * factor > SPEED_TOP:
                self._cap_before_max = cap
                return None
            return cap * factor if cap * factor >= SPEED_MIN else cap

        self._send(lambda: self._do_set_speed_cap(scaled()))

    def close(self) -> None:
        """Make `run()` return at once, even when paused."""
        self._closed.set()
        self._wake.set()

    @property
    def latest(self) -> Snapshot:
        return self._latest

    # -- the owning thread

    def run(self) -> None:
        """Train while running, wait without spinning while paused, until close()."""
        while not self._closed.is_set():
            if self._apply_commands():
                self._publish()  # what a key changed is shown at once, not at the next publish interval
            wait = self._seconds_until_next_epoch()
            if wait == 0.0:
                self._train_epoch()
                if time.monotonic() >= self._next_publish_at:
                    self._publish()
            else:
                if self._dirty:
                    self._publish()
                self._wake.wait(wait)
                self._wake.clear()
        self._flush()

    def run_epochs(self, epochs: int) -> Snapshot:
        """Apply the commands sent so far, then train up to `epochs` epochs now in this thread, whatever the status.

        Stops early at divergence or close(); `training_seconds` grows by the time spent training.
        """
        self._apply_commands()
        started = time.perf_counter()
        for _ in range(epochs):
            if self._status == "diverged" or self._closed.is_set():
                break
            self._train_epoch(counting_steps=False)
        self._flush()
        self.training_seconds += time.perf_counter() - started
        return self._publish(rate=self._rate_of_run())

    def _rate_of_run(self) -> float:
        """Epochs per second of training over the whole run so far (headless)."""
        return self._epoch / self.training_seconds if self.training_seconds > 0 else 0.0

    def _apply_commands(self) -> bool:
        """Apply every command sent so far; True when there were any."""
        if self._commands.empty():
            return False
        # the pending epochs were trained with the settings before these commands: check them under those
        # settings, so that a divergence found later can be replayed exactly
        self._flush()
        while not self._commands.empty():
            self._commands.get_nowait()()
            self._dirty = True
        return True

    def _seconds_until_next_epoch(self) -> float | None:
        """0 to train now, a wait in seconds (capped speed), or None to wait for a command."""
        if self._pending_steps:
            return 0.0
        if self._status != "running":
            return None
        if self._speed_cap is None:
            return 0.0
        return max(0.0, self._next_epoch_at - time.monotonic())

    # -- command bodies (owning thread only)

    def _do_pause(self) -> None:
        if self._status == "running":
            self._status = "paused"

    def _do_resume(self) -> None:
        if self._status not in ("paused", "done"):
            return
        budget = self._config.epoch_budget
        if budget and self._stop_at is not None and self._epoch >= self._stop_at:
            self._stop_at = self._epoch + budget  # space after done: another budget's worth
        self._status = "running"
        self._next_epoch_at = time.monotonic()

    def _do_toggle_pause(self) -> None:
        if self._status == "running":
            self._do_pause()
        else:
            self._do_resume()

    def _do_step(self, epochs: int) -> None:
        if self._status == "diverged":
            return
        self._status = "paused"
        self._pending_steps += epochs

    def _do_set_lr(self, lr: float) -> None:
        self._lr = lr
        if self._status == "diverged":
            self._recover()

    def _do_reseed(self, seed: int | None) -> None:
        if seed is None:
            seed = 0 if self._dataset.seed is None else self._dataset.seed + 1
        try:
            dataset = self._dataset.reseeded(seed)
        except DataError as error:
            self._message = str(error)
            return
        self._load(dataset)

    def _do_reset(self) -> None:
        self._load(self._dataset)

    def _do_set_mode(self, mode: str) -> None:
        self._mode = mode

    def _do_set_speed_cap(self, cap: float | None) -> None:
        self._speed_cap = cap
        self._next_epoch_at = time.monotonic()
        self._rate = (self._rate[0], time.monotonic(), self._epoch, self._next_epoch_at)  # a new window

    # -- state

    def _load(self, dataset: Dataset) -> None:
        """Put data on the device and start from w = b = 0 at epoch 0 (lr, mode and speed kept)."""
        self._dataset = dataset
        self._x = torch.tensor(dataset.x, device=self._device)
        self._y = torch.tensor(dataset.y, device=self._device)
        self._w = torch.zeros(1, device=self._device, requires_grad=True)
        self._b = torch.zeros(1, device=self._device, requires_grad=True)
        self._history = LossHistory()
        # each epoch's loss waits on the device in a preallocated buffer until fetched; a fresh small tensor
        # per epoch would pin heap pages between the large freed ones (+150 MB RSS at N 1e6)
        self._pending_losses = torch.empty(PENDING_MAX, device=self._device)
        self._pending_slots = self._pending_losses.unbind()
        self._pending = 0  # epochs whose loss waits in the buffer
        self._epoch = 0
        self.training_seconds = 0.0  # spent in run_epochs since this run started
        self._pending_steps = 0
        budget = self._config.epoch_budget
        self._stop_at = budget if budget else None
        if self._status in ("done", "diverged"):
            self._status = "paused"
        self._message = ""
        self._dirty = True
        self._save_checkpoint()
        self._evaluate()

    def _save_checkpoint(self) -> None:
        """Remember the epoch and parameters as known good: a divergence is replayed from here."""
        self._checkpoint = (self._epoch, self._w.detach().clone(), self._b.detach().clone())

    def _set_parameters(self, w: torch.Tensor, b: torch.Tensor) -> None:
        with torch.no_grad():
            self._w.copy_(w)
            self._b.copy_(b)

    def _recover(self) -> None:
        """After divergence: go on from the last finite parameters (already restored), paused."""
        self._status = "paused"
        self._message = ""

    def _loss(self, logits: torch.Tensor) -> torch.Tensor:
        if self._mode == "builtin":
            return F.binary_cross_entropy(torch.sigmoid(logits), self._y)
        if self._mode == "custom":
            return BCEWithLogits.apply(logits, self._y)
        return TutorialCrossEntropyWithLogits.apply(logits, self._y)

    def _forward_backward(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Loss and logits at the current w, b (detached), with their gradients in w.grad and b.grad."""
        logits = self._w * self._x + self._b
        loss = self._loss(logits)
        self._w.grad = self._b.grad = None
        loss.backward()
        return loss.detach(), logits.detach()

    def _sgd_epoch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """One full-batch SGD epoch, exactly the tutorial's, with no host synchronisation: (loss, logits).

        The update is what torch.optim.SGD does for plain SGD (zero_grad to None, then param.add_(grad,
        alpha=-lr)) without its per-call Python (hooks, profiler ranges, foreach dispatch), a third of
        the epoch at N 1e3. A test checks every loss against torch.optim.SGD, bit for bit.
        """
        loss, logits = self._forward_backward()
        with torch.no_grad():
            self._w.add_(self._w.grad, alpha=-self._lr)
            self._b.add_(self._b.grad, alpha=-self._lr)
        return loss, logits

    def _evaluate(self) -> None:
        """Loss, accuracy and gradients at the current w, b, without a step: shown after a reset or restore."""
        loss, self._last_logits = self._forward_backward()
        # builtin BCE's scalar is a view of its N per-point losses: keep a copy, not 4·N bytes
        self._shown_loss = loss.clone()

    def _train_epoch(self, counting_steps: bool = True) -> None:
        loss, self._last_logits = self._sgd_epoch()
        self._shown_loss = self._pending_slots[self._pending]
        self._shown_loss.copy_(loss)
        self._pending += 1
        self._epoch += 1
        self._dirty = True
        if counting_steps and self._pending_steps:
            self._pending_steps -= 1
        elif counting_steps and self._stop_at is not None and self._epoch >= self._stop_at:
            self._status = "done"
        if self._speed_cap is not None:
            self._next_epoch_at = max(self._next_epoch_at + 1 / self._speed_cap, time.monotonic() - 0.1)
        if self._pending >= PENDING_MAX:
            self._flush()

    def _flush(self) -> bool:
        """Fetch pending losses into the history; False (and status diverged) once training has blown up."""
        if not self._pending:
            return self._status != "diverged"
        losses = self._pending_losses[: self._pending].cpu().numpy().copy()  # the buffer is refilled next
        self._pending = 0
        problem = self._problem(None) if np.isfinite(losses).all() else "loss is not finite"
        if not problem:
            self._history.extend(losses)
            self._save_checkpoint()
            return True
        self._diverge()
        return False

    def _diverge(self) -> None:
        """Replay from the last checkpoint one checked epoch at a time, and stop before the first that blew up.

        Afterwards the epoch, w, b and history are those of the last good epoch, and the shown loss,
        accuracy and gradients are evaluated there.
        """
        epoch, w, b = self._checkpoint
        self._set_parameters(w, b)
        self._epoch = epoch
        problem = ""
        for _ in range(PENDING_MAX + 1):  # the bad epoch was among the pending ones
            before = (self._w.detach().clone(), self._b.detach().clone())
            loss, self._last_logits = self._sgd_epoch()
            problem = self._problem(loss)
            if problem:
                self._set_parameters(*before)
                break
            self._history.extend([loss.item()])
            self._epoch += 1
        self._save_checkpoint()
        self._evaluate()
        self._status = "diverged"
        self._pending_steps = 0
        self._message = f"diverged at epoch {self._epoch} with lr {self._lr:g}: {problem or 'not finite'}"

    def _problem(self, loss: torch.Tensor | None) -> str:
        """What is not finite among the loss, w, b and the last logits, or ''.

        The logits count: builtin BCE clamps its log, so a huge lr can leave the loss finite while w·x + b
        has already overflowed float32.
        """
        with torch.no_grad():
            loss_ok = torch.isfinite(loss) if loss is not None else torch.ones((), dtype=torch.bool, device=self._device)
            checks = torch.stack([loss_ok, torch.isfinite(self._w).all() & torch.isfinite(self._b).all(),
                                  torch.isfinite(self._last_logits).all()]).tolist()
        if not checks[0]:
            return "loss is not finite"
        if not checks[1]:
            return "w or b is not finite"
        return "" if checks[2] else "w·x + b overflowed float32"

    def _publish(self, rate: float | None = None) -> Snapshot:
        self._flush()
        self._dirty = False
        now = time.monotonic()
        uncapped = self._config.uncapped_publish_interval
        interval = uncapped if uncapped and self._speed_cap is None else self._config.publish_interval
        self._next_publish_at = now + interval
        self._version += 1
        self._latest = Snapshot(
            version=self._version,
            status=self._status,
            epoch=self._epoch,
            **self._host_values(),
            lr=self._lr,
            mode=self._mode,
            epochs_per_second=self._measure_rate(now) if rate is None else rate,
            speed_cap=self._speed_cap,
            epoch_budget=self._config.epoch_budget,
            stop_at=self._stop_at,
            device=str(self._device),
            dataset=self._dataset,
            history=self._history.view(),
            message=self._message,
        )
        return self._latest

    def _host_values(self) -> dict[str, float]:
        """Everything a snapshot reads from the device, fetched in one transfer."""
        with torch.no_grad():
            accuracy = ((self._last_logits > 0) == (self._y > 0.5)).float().mean()
            values = torch.stack([self._shown_loss.reshape(()), self._w.reshape(()), self._b.reshape(()),
                                  self._w.grad.reshape(()), self._b.grad.reshape(()), accuracy])
        loss, w, b, gw, gb, acc = values.cpu().tolist()
        return dict(loss=loss, accuracy=acc, w=w, b=b, grad_w=gw, grad_b=gb)

    def _measure_rate(self, now: float) -> float:
        """Epochs per second over the last half second or more of running; 0 when stopped.

        Capped, the window is at least as long as the schedule the epochs in it were due on, which
        advances 1/cap an epoch: so the figure never shows more than the cap, even after a catch-up burst.
        """
        rate, since, epoch, scheduled = self._rate
        if self._status != "running" or self._epoch < epoch:
            self._rate = (0.0, now, self._epoch, self._next_epoch_at)
        elif now - since >= 0.5:
            window = now - since
            if self._speed_cap is not None:
                window = max(window, self._next_epoch_at - scheduled)
            self._rate = ((self._epoch - epoch) / window, now, self._epoch, self._next_epoch_at)
        return self._rate[0]
