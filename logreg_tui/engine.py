"""The training loop: parameters, SGD, one epoch, commands, snapshots, divergence. No UI here.

One thread owns an Engine and calls `run()` (or `run_epochs()` when headless). Any other thread
steers it with the command methods, which only enqueue, and reads `latest`, an immutable Snapshot
that the owning thread swaps in. Loss values stay on the device until a snapshot is published.
"""

from __future__ import annotations

import math
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
        self._status = "paused" if config.start_paused else "running"
        self._message = ""
        self._version = 0
        self._pending_steps = 0
        self._rate = (0.0, time.monotonic(), 0)  # epochs/s, and the time and epoch it was measured at
        self._next_epoch_at = 0.0
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
        """lr × factor, kept within LR_MIN … LR_MAX."""
        self._send(lambda: self._do_set_lr(min(max(self._lr * factor, LR_MIN), LR_MAX)))

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
        """Cap × factor between SPEED_MIN and SPEED_TOP; faster than the top is no cap, slower than none the top."""
        def scaled() -> float | None:
            cap = self._speed_cap
            if factor > 1:
                return None if cap is None or cap * factor > SPEED_TOP else cap * factor
            return SPEED_TOP if cap is None else max(cap * factor, SPEED_MIN)

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
            self._apply_commands()
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
        """Apply the commands sent so far, then train `epochs` epochs now in this thread, whatever the status."""
        self._apply_commands()
        started, first = time.perf_counter(), self._epoch
        for _ in range(epochs):
            self._train_epoch(counting_steps=False)
            if len(self._pending) >= PENDING_MAX and not self._flush():
                break
        self._flush()
        elapsed = time.perf_counter() - started
        return self._publish(rate=(self._epoch - first) / elapsed if elapsed > 0 else 0.0)

    def _apply_commands(self) -> None:
        while not self._commands.empty():
            self._commands.get_nowait()()
            self._dirty = True

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

    # -- state

    def _load(self, dataset: Dataset) -> None:
        """Put data on the device and start from w = b = 0 at epoch 0 (lr, mode and speed kept)."""
        self._dataset = dataset
        self._x = torch.tensor(dataset.x, device=self._device)
        self._y = torch.tensor(dataset.y, device=self._device)
        self._w = torch.zeros(1, device=self._device, requires_grad=True)
        self._b = torch.zeros(1, device=self._device, requires_grad=True)
        self._good_params = (self._w.detach().clone(), self._b.detach().clone())
        self._history = LossHistory()
        self._pending: list[torch.Tensor] = []
        self._last_logits: torch.Tensor | None = None
        self._epoch = 0
        self._pending_steps = 0
        budget = self._config.epoch_budget
        self._stop_at = budget if budget else None
        if self._status in ("done", "diverged"):
            self._status = "paused"
        self._message = ""
        self._dirty = True

    def _recover(self) -> None:
        """After divergence: back to the last parameters that were finite, paused."""
        with torch.no_grad():
            self._w.copy_(self._good_params[0])
            self._b.copy_(self._good_params[1])
        self._status = "paused"
        self._message = ""

    def _loss(self, logits: torch.Tensor) -> torch.Tensor:
        if self._mode == "builtin":
            return F.binary_cross_entropy(torch.sigmoid(logits), self._y)
        if self._mode == "custom":
            return BCEWithLogits.apply(logits, self._y)
        return TutorialCrossEntropyWithLogits.apply(logits, self._y)

    def _train_epoch(self, counting_steps: bool = True) -> None:
        """One full-batch SGD epoch, exactly the tutorial's; no host synchronisation.

        The update is what torch.optim.SGD does for plain SGD (zero_grad to None, then param.add_(grad,
        alpha=-lr)) without its per-call Python (hooks, profiler ranges, foreach dispatch): at N 1e3
        that was a third of the epoch (bench/engine.py). A test checks every loss against torch.optim.SGD, bit for bit.
        """
        logits = self._w * self._x + self._b
        loss = self._loss(logits)
        self._w.grad = self._b.grad = None
        loss.backward()
        with torch.no_grad():
            self._w.add_(self._w.grad, alpha=-self._lr)
            self._b.add_(self._b.grad, alpha=-self._lr)
        self._pending.append(loss.detach())
        self._last_logits = logits.detach()
        self._epoch += 1
        self._dirty = True
        if counting_steps and self._pending_steps:
            self._pending_steps -= 1
        elif counting_steps and self._stop_at is not None and self._epoch >= self._stop_at:
            self._status = "done"
        if self._speed_cap is not None:
            self._next_epoch_at = max(self._next_epoch_at + 1 / self._speed_cap, time.monotonic() - 0.1)
        if len(self._pending) >= PENDING_MAX:
            self._flush()

    def _flush(self) -> bool:
        """Fetch pending losses into the history; False (and status diverged) once training has blown up.

        Blown up: a non-finite loss, w or b, or logits w·x + b that overflowed float32 (builtin BCE clamps
        its log, so a huge lr can leave the loss finite while the logits are already infinite).
        """
        if not self._pending:
            return self._status != "diverged"
        losses = torch.stack(self._pending).cpu().numpy()
        first_epoch = self._epoch - len(self._pending)
        self._pending = []
        finite = np.isfinite(losses)
        problem = self._non_finite_state() if finite.all() else "loss is not finite"
        if not problem:
            self._history.extend(losses)
            self._good_params = (self._w.detach().clone(), self._b.detach().clone())
            return True
        bad = int(np.argmin(finite)) if not finite.all() else len(losses) - 1
        self._history.extend(losses[:bad])
        self._status = "diverged"
        self._pending_steps = 0
        self._message = f"diverged by epoch {first_epoch + bad} with lr {self._lr:g}: {problem}"
        return False

    def _non_finite_state(self) -> str:
        """What is not finite among w, b and the last logits, or ''."""
        with torch.no_grad():
            checks = torch.stack([torch.isfinite(self._w).all(), torch.isfinite(self._b).all(),
                                  torch.isfinite(self._last_logits).all()]).tolist()
        if not (checks[0] and checks[1]):
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
        nan = torch.tensor(math.nan, device=self._device)
        grad_w = self._w.grad.reshape(()) if self._w.grad is not None else nan
        grad_b = self._b.grad.reshape(()) if self._b.grad is not None else nan
        if self._last_logits is None:
            accuracy = nan
        else:
            accuracy = ((self._last_logits > 0) == (self._y > 0.5)).float().mean()
        with torch.no_grad():
            values = torch.stack([self._w.reshape(()), self._b.reshape(()), grad_w, grad_b, accuracy])
        w, b, gw, gb, acc = values.cpu().tolist()
        return dict(loss=self._history.last, accuracy=acc, w=w, b=b, grad_w=gw, grad_b=gb)

    def _measure_rate(self, now: float) -> float:
        """Epochs per second over the last half second or more of running; 0 when stopped."""
        rate, since, epoch = self._rate
        if self._status != "running" or self._epoch < epoch:
            self._rate = (0.0, now, self._epoch)
        elif now - since >= 0.5:
            self._rate = ((self._epoch - epoch) / (now - since), now, self._epoch)
        return self._rate[0]
