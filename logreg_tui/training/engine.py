"""The engine: the thread that trains, the commands that steer it, the speed cap, the budget, divergence
and the snapshots it publishes. The maths is the Trainer's (trainer.py); no UI here.

One thread owns an Engine and calls `run()` (or `run_epochs()` when headless). Any other thread
steers it with the command methods, which only enqueue, and reads `latest`, an immutable Snapshot
that the owning thread swaps in. Records stay on the device until a snapshot is published.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

import numpy as np

from logreg_tui.core.data import SEED_MAX, DataError, Dataset
from logreg_tui.core.history import LossHistory, PathHistory
from logreg_tui.core.lessons import Cause, divergence_message, going_on_message, saturation_message
from logreg_tui.core.optimum import Optimum, find_optimum
from logreg_tui.core.pacing import EpochPace
from logreg_tui.core.runs import MAX_GHOSTS, Event, record
from logreg_tui.core.state import (
    AUTOGRADS,
    LR_MAX,
    LR_MIN,
    Autograd,
    Optimizer,
    Snapshot,
    TrainConfig,
    next_batch_size,
    next_lr,
    next_optimizer,
)
from logreg_tui.training.trainer import PENDING_MAX, Trainer, choose_threads, resolve_device


def start_engine(dataset: Dataset, config: TrainConfig, held: bool = False) -> Engine:
    """An Engine for an entry point (the app, a headless run), with torch's threads chosen for the data first."""
    choose_threads(dataset, resolve_device(config.device))
    return Engine(dataset, config, held)


def _check_autograd(autograd: str) -> None:
    if autograd not in AUTOGRADS:
        raise ValueError(f"autograd must be one of {AUTOGRADS}, got {autograd!r}")


@lru_cache(maxsize=1)  # one: a cache keyed by a data set keeps it alive, and a reseed lets the old one go
def optimum_of(dataset: Dataset, n_train: int) -> Optimum:
    """The minimum over the training points, once per data set (z resets to the same data: 0.3 s at N 1e6)."""
    return find_optimum(dataset.x[:n_train], dataset.y[:n_train])


STUCK_EPOCHS = 50  # saturated this long before it is said
PUBLISH_COST_FACTOR = 40  # a publish waits at least this many times what the last one's figures cost
NEAR_OPTIMUM = 0.01  # a run has reached the minimum when its loss is within 1 % of the minimum's
LIVE_SETTINGS = ("lr", "autograd", "optimizer", "momentum", "batch_size", "val_frac")  # config → snapshot as they are


class Engine:
    """Trains one run at a time in the thread that calls `run()`; steered by commands from any thread."""

    def __init__(self, dataset: Dataset, config: TrainConfig = TrainConfig(), held: bool = False) -> None:
        """`held`: train nothing until release(), so that commands sent first apply at epoch 0."""
        _check_autograd(config.autograd)
        self._held = held
        self._config = config
        self._device = resolve_device(config.device)
        self._ghosts: tuple[Snapshot, ...] = ()  # the runs that ended, newest first
        self._commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._live = config  # lr, autograd, optimizer, momentum and batch size as they are now
        self._status = "paused" if config.start_paused else "running"
        self._message = ""
        self._version = 0
        self._pending_steps = 0
        self._pace = EpochPace(config.speed, time.monotonic())
        self._next_publish_at = 0.0
        # told of each publish that follows commands, in the engine's thread (never per epoch): the app schedules
        # its redraw from it instead of polling for the answer
        self.on_answer: Callable[[Snapshot], None] | None = None
        self._flush_seconds = 0.0  # what checking w, b and the figures there cost (PUBLISH_COST_FACTOR)
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
        self._send(lambda: self._do_scale_lr(factor))

    def release(self) -> None:
        """Start training (as the config says: running or paused) after the commands sent before this one."""
        self._send(self._do_release)

    def reseed(self, seed: int | None = None) -> None:
        """New data from `seed` (default: the next seed); w, b and epoch reset; lr and autograd kept."""
        self._send(lambda: self._do_reseed(seed))

    def reset(self) -> None:
        self._send(lambda: self._load(self._dataset))

    def set_autograd(self, autograd: Autograd) -> None:
        _check_autograd(autograd)
        self._send(lambda: self._do_set_autograd(autograd))

    def toggle_autograd(self, alternative: Autograd) -> None:
        """builtin ↔ alternative, decided when applied so that quick presses never cancel out wrongly."""
        self._send(lambda: self._do_set_autograd(alternative if self._live.autograd == "builtin" else "builtin"))

    def cycle_optimizer(self) -> None:
        """The next optimizer (state.next_optimizer), from the current w, b; it starts with fresh state."""
        self._send(lambda: self._configure(optimizer=next_optimizer(self._live.optimizer)))

    def set_optimizer(self, optimizer: Optimizer) -> None:
        self._send(lambda: self._configure(optimizer=optimizer))

    def cycle_batch_size(self) -> None:
        """The next batch size (state.next_batch_size), from the current w, b."""
        self._send(lambda: self._configure(batch_size=next_batch_size(self._live.batch_size, self._trainer.n_train)))

    def set_batch_size(self, batch_size: int) -> None:
        self._send(lambda: self._configure(batch_size=batch_size))

    def move_to(self, w: float, b: float) -> None:
        """Put (w, b) there, paused or running: the path starts a new segment, the optimizer's state fresh."""
        self._send(lambda: self._do_move(w, b))

    def move_by(self, dw: float, db: float) -> None:
        """(w + dw, b + db), from where w, b are when the command applies."""
        self._send(lambda: self._do_move(self._trainer.w.item() + dw, self._trainer.b.item() + db))

    def clear_ghosts(self) -> None:
        """Forget the runs kept to compare (the current run stays)."""
        self._send(self._do_clear_ghosts)

    def set_speed(self, speed: float | None) -> None:
        self._send(lambda: self._do_set_speed(speed))

    def scale_speed(self, factor: float) -> None:
        self._send(lambda: self._do_set_speed(self._pace.scale(factor)))

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
                answer = self._publish()  # what a key changed is shown at once, not at the next publish interval
                if self.on_answer is not None:
                    self.on_answer(answer)
            wait = self._seconds_until_next_epoch()
            if wait == 0.0:
                self._train_epoch(stop=self._should_yield)
                if time.monotonic() >= self._next_publish_at:
                    self._publish()
            else:
                if self._dirty:
                    self._publish()
                self._wake.wait(wait)
                self._wake.clear()
        self._flush()

    def run_epochs(self, epochs: int) -> Snapshot:
        """train_epochs, then a snapshot whose epochs/s is the run's own (epochs ÷ the time spent training them)."""
        self.train_epochs(epochs)
        snapshot = self._publish()
        return replace(snapshot, epochs_per_second=snapshot.run_epochs_per_second)

    def train_epochs(self, epochs: int) -> int:
        """Apply the commands sent so far, then train up to `epochs` epochs now in this thread, whatever the status;
        the epochs completed. Stops early at divergence or close(); publishes nothing (last_logged_loss reads)."""
        self._apply_commands()
        for _ in range(epochs):
            if self._status == "diverged" or self._closed.is_set():
                break
            self._train_epoch(counting_steps=False, stop=self._closed.is_set)
        self._flush()
        return self._trainer.epoch

    def _apply_commands(self) -> bool:
        """Apply every command sent so far; True when there were any."""
        if self._commands.empty():
            return False
        # the pending epochs were trained with the settings before these commands: check them under those
        # settings, so that a divergence found later can be replayed exactly
        self._flush()
        while not self._commands.empty():
            command = self._commands.get_nowait()
            self._values = None  # a command may change what the figures at w, b are
            if self._status != "diverged":
                self._message = ""  # a note about the last command ("lr stays …") is over with the next
            try:
                command()
            except Exception as error:  # a key must never end training: say what could not apply
                self._message = f"could not apply that: {type(error).__name__}: {error}"
            self._dirty = True
        return True

    def _seconds_until_next_epoch(self) -> float | None:
        """0 to train now, a wait in seconds (capped speed), or None to wait for a command."""
        if self._held:
            return None
        if self._pending_steps:
            return 0.0
        if self._status != "running":
            return None
        return self._pace.wait(time.monotonic())

    # -- command bodies (owning thread only)

    def _do_pause(self) -> None:
        if self._status == "running":
            self._status = "paused"

    def _do_resume(self) -> None:
        if self._status == "diverged":
            self._message = self._divergence + "  (space cannot go on until one of those changes)"
            return
        if self._status not in ("paused", "done"):
            return
        if self._config.epochs and self._stop_at is not None and self._trainer.epoch >= self._stop_at:
            self._stop_at = self._trainer.epoch + self._config.epochs  # space after done: another budget's worth
        self._status = "running"
        self._pace.restart(time.monotonic())

    def _do_toggle_pause(self) -> None:
        if self._status == "running":
            self._do_pause()
        else:
            self._do_resume()

    def _do_release(self) -> None:
        self._held = False
        self._pace.restart(time.monotonic())

    def _do_step(self, epochs: int) -> None:
        if self._status == "diverged":
            self._do_resume()  # says why not
            return
        self._status = "paused"
        self._pending_steps += epochs

    def _configure(self, **changes: object) -> None:
        """Live settings changed from the current w, b; after a divergence, training goes on from there."""
        events = [Event(self._trainer.epoch, setting, getattr(self._live, setting), value)
                  for setting, value in changes.items() if getattr(self._live, setting) != value]
        self._live = replace(self._live, **changes)
        self._trainer.configure(self._live)
        if self._status == "diverged" and events:
            self._go_on(events[0])
            return
        for event in events:
            self._events = record(self._events, event)

    def _go_on(self, change: Event) -> None:
        """After a divergence: a change was made at the last w, b whose loss is finite; go on from there, paused."""
        self._events = record(self._events, Event(change.epoch, "restore", None, change))
        self._status = "paused"
        self._message = going_on_message(self._cause, change, self._trainer.epoch)

    def _do_set_lr(self, lr: float) -> None:
        self._configure(lr=lr)

    def _do_scale_lr(self, factor: float) -> None:
        lr = next_lr(self._live.lr, factor)
        if lr == self._live.lr:
            edge, word = (LR_MAX, "top") if factor > 1 else (LR_MIN, "bottom")
            self._message = (f"lr stays {self._live.lr:g}: × {factor:g} would pass {edge:g}, the {word} of the lr "
                             "range (L types any lr in it)")
            return
        self._configure(lr=lr)

    def _do_reseed(self, seed: int | None) -> None:
        wrapped = seed is None and self._dataset.seed == SEED_MAX
        if seed is None:
            seed = 0 if self._dataset.seed is None or wrapped else self._dataset.seed + 1
        try:
            dataset = self._dataset.reseeded(seed)
        except DataError as error:
            self._message = str(error)
            return
        self._load(dataset)
        if wrapped:
            self._message = f"seed {SEED_MAX} is the last seed: r wrapped around to seed 0"

    def _do_set_autograd(self, autograd: Autograd) -> None:
        self._configure(autograd=autograd)

    def _do_move(self, w: float, b: float) -> None:
        if not (np.isfinite(w) and np.isfinite(b)):
            self._message = f"cannot move to w {w:g}, b {b:g}: not finite"
            return
        move = Event(self._trainer.epoch, "move", (self._trainer.w.item(), self._trainer.b.item()), (w, b))
        self._trainer.move_to(w, b)
        self._path.start(self._trainer.epoch, w, b)
        self._checkpoint = self._trainer.save()
        if self._status == "diverged":
            self._go_on(move)
        else:
            self._events = record(self._events, move)
            self._message = ""

    def _do_clear_ghosts(self) -> None:
        self._ghosts = ()

    def _do_set_speed(self, speed: float | None) -> None:
        self._pace.set(speed, time.monotonic(), self._trainer.epoch)

    # -- training and divergence

    def _load(self, dataset: Dataset) -> None:
        """Put data on the device and start from w = b = 0 at epoch 0 (lr, autograd and speed kept).

        The run that ends, if it trained, is kept as a ghost: its last snapshot.
        """
        if getattr(self, "_trainer", None) is not None and self._trainer.epoch:
            ghost = replace(self._snapshot(self._pace.rate(time.monotonic(), self._trainer.epoch, False)), ghosts=(),
                            dataset=self._dataset.without_points())  # a ghost's plots need its curves, not its data
            self._ghosts = (ghost,) + self._ghosts[: MAX_GHOSTS - 1]
        self._dataset = dataset
        self._trainer = Trainer(dataset, self._device, self._live)
        self._history = LossHistory()
        self._val_history = LossHistory() if self._trainer.val_x is not None else None
        self._path = PathHistory()
        self._path.start(0, 0.0, 0.0)
        self._optimum = optimum_of(dataset, self._trainer.n_train)
        self._near_optimum_at: int | None = None
        self._events: tuple[Event, ...] = ()
        self._last_record = (float("nan"), float("nan"))  # (loss, held-out loss) of the last epoch kept
        self.training_seconds = 0.0  # spent training this run (the run's own epochs/s: epochs ÷ this)
        self._pending_steps = 0
        self._stop_at = self._config.epochs or None
        if self._status in ("done", "diverged"):
            self._status = "paused"
        self._message = self._divergence = ""
        self._cause = Cause.NONE
        self._stuck_since: int | None = None  # the epoch from which the run has been saturated
        self._saturation = ""  # why the run is stuck (lessons.saturation_message), once it has been for a while
        self._values: dict[str, float] | None = None  # the figures at the current w, b, when known since the flush
        self._dirty = True
        self._checkpoint = self._trainer.save()  # a divergence is replayed from the last checkpoint

    def _should_yield(self) -> bool:
        """Between two steps of a long epoch: a key is waiting, the app is closing, or the stats are due."""
        return not self._commands.empty() or self._closed.is_set() or time.monotonic() >= self._next_publish_at

    def _train_epoch(self, counting_steps: bool = True, stop: Callable[[], bool] | None = None) -> None:
        started = time.perf_counter()
        completed = self._trainer.train_epoch(stop)
        self.training_seconds += time.perf_counter() - started
        self._dirty = True
        if not completed:
            return  # paused between steps; the epoch goes on after the commands or the publish
        if counting_steps and self._pending_steps:
            self._pending_steps -= 1
        elif counting_steps and self._stop_at is not None and self._trainer.epoch >= self._stop_at:
            self._status = "done"
        self._pace.trained(time.monotonic())
        if self._trainer.full:
            self._flush()

    def _flush(self) -> bool:
        """Fetch pending records into the history and check the w, b they reached; False (and status diverged)
        once training has blown up.

        The check is a forward at the current w, b (once per flush, not per epoch): it gives the shown loss,
        accuracy and gradients there, and it keeps the invariant that the checkpoint's own loss is finite.
        """
        trainer = self._trainer
        if not trainer.pending and not trainer.stepped:
            return self._status != "diverged"
        records = trainer.fetch()
        started = time.perf_counter()
        trainer.evaluate()
        ok = bool(np.isfinite(records[:, :3]).all()) and trainer.problem() is Cause.NONE
        if not ok:
            self._diverge()
            return False
        self._keep(records)
        self._checkpoint = trainer.save()
        self._values = trainer.host_values()
        self._saturation = self._saturated(saturation_message(self._values, self._optimum, self._live.autograd))
        self._flush_seconds = time.perf_counter() - started
        return True

    def _keep(self, records: np.ndarray) -> None:
        """Epochs' records (see trainer.RECORD) into the histories and the path."""
        if not len(records):
            return
        first = self._history.count
        self._extend_history(records[:, 0])
        epochs = np.arange(first + 1, first + 1 + len(records))
        self._path.extend(epochs, records[:, 1], records[:, 2])
        if self._val_history:
            self._val_history.extend(records[:, 3])
        self._last_record = (float(records[-1, 0]), float(records[-1, 3]))

    def _extend_history(self, losses: np.ndarray) -> None:
        """The losses of the next epochs; notes the first within 1 % of the minimum's loss."""
        if self._near_optimum_at is None and self._optimum.exists:
            near = np.flatnonzero(losses <= self._optimum.loss * (1 + NEAR_OPTIMUM))
            if near.size:
                self._near_optimum_at = self._history.count + int(near[0])
        self._history.extend(losses)

    def _diverge(self) -> None:
        """Replay from the last checkpoint one checked epoch at a time and stop at the last w, b whose loss is
        finite: before a step that blew up, or one epoch further back when the w, b an epoch started from
        already had a non-finite loss or overflowing logits (going on from there would fail at once).

        Afterwards the epoch, w, b and history are those of that state, and the shown figures are evaluated there.
        """
        trainer = self._trainer
        trainer.restore(self._checkpoint)
        held: tuple[np.ndarray, object] | None = None  # the last epoch replayed, kept once the next one starts well
        cause, reached = Cause.NONE, 0.0
        for _ in range(PENDING_MAX + 2):  # the bad epoch was among the pending ones, or is the next
            before = trainer.save()
            trainer.train_epoch()
            record = trainer.fetch()
            cause = trainer.problem(record[0])
            reached = trainer.largest_logit() if cause.at_start else 0.0
            if cause.at_start and held is not None:
                trainer.restore(held[1])  # the held epoch reached the bad w, b: drop it
                break
            if held is not None:
                self._keep(held[0])
            if cause is not Cause.NONE:
                trainer.restore(before)
                break
            held = (record, before)
        else:
            if held is not None:
                self._keep(held[0])
        failed_at = trainer.epoch + (1 if cause.at_start and held is not None else 0)
        self._checkpoint = trainer.save()
        trainer.evaluate()
        self._values = None
        self._status = "diverged"
        self._pending_steps = 0
        self._cause = cause
        self._divergence = self._message = divergence_message(cause, failed_at, trainer.epoch, self._live,
                                                                    reached, trainer.n_train)

    # -- publishing

    def _publish(self, rate: float | None = None) -> Snapshot:
        self._flush()
        self._dirty = False
        now = time.monotonic()
        uncapped = self._config.uncapped_publish_interval
        interval = uncapped if uncapped and self._pace.speed is None else self._config.publish_interval
        self._version += 1
        self._latest = self._snapshot(
            self._pace.rate(now, self._trainer.epoch, self._status == "running") if rate is None else rate)
        # each publish checks the w, b it shows and computes the figures there (at N 1e5 about 1.4 epochs' work):
        # at large N the next one waits until that is under 2.5 % of training
        self._next_publish_at = now + max(interval, PUBLISH_COST_FACTOR * self._flush_seconds)
        return self._latest

    def _saturated(self, message: str) -> str:
        """message once the run has been stuck that way for STUCK_EPOCHS (a point or two saturating for a moment at
        a large lr is not a stop)."""
        epoch = self._trainer.epoch
        if not message:
            self._stuck_since = None
        elif self._stuck_since is None or self._stuck_since > epoch:
            self._stuck_since = epoch
        return message if message and epoch - self._stuck_since >= STUCK_EPOCHS else ""

    def last_logged_loss(self) -> tuple[float, float]:
        """(the last epoch's loss, its held-out loss) without building a snapshot: what a headless line prints."""
        self._flush()
        return self._last_record

    def _snapshot(self, rate: float) -> Snapshot:
        """The engine as it is now (records already fetched)."""
        values = self._values or self._trainer.host_values()
        saturated = self._saturation if self._status != "diverged" else ""
        message = self._message or saturated
        return Snapshot(
            version=self._version,
            status=self._status,
            epoch=self._trainer.epoch,
            **values,
            **{setting: getattr(self._live, setting) for setting in LIVE_SETTINGS},
            steps=self._trainer.steps,
            epoch_progress=self._trainer.epoch_progress,
            last_loss=self._last_record[0],
            last_val_loss=self._last_record[1],
            saturated=bool(saturated),
            val_history=self._val_history.view() if self._val_history else None,
            epochs_per_second=rate,
            run_epochs_per_second=self._trainer.epoch / self.training_seconds if self.training_seconds else 0.0,
            speed=self._pace.speed,
            epochs=self._config.epochs,
            stop_at=self._stop_at,
            device=str(self._device),
            dataset=self._dataset,
            history=self._history.view(),
            path=self._path.view(),
            optimum=self._optimum,
            near_optimum_at=self._near_optimum_at,
            events=self._events,
            ghosts=self._ghosts,
            message=message,
        )
