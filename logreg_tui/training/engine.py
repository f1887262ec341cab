"""The engine: the thread that trains, the commands that steer it, the status, the speed cap, the budget, the
ghosts and the snapshots it publishes. What one run holds is the Run's (run.py), the maths the Trainer's; no UI.

One thread owns an Engine and calls `run()` (or `run_epochs()` when headless). Any other thread
steers it with the command methods, which only enqueue, and reads `latest`, an immutable Snapshot
that the owning thread swaps in. Records stay on the device until a snapshot is published.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from logreg_tui.core.model.crosses import CrossError
from logreg_tui.core.model.data import DataError, Dataset
from logreg_tui.core.model.pacing import EpochPace
from logreg_tui.core.model.runs import MAX_GHOSTS
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import Snapshot, Status, TrainConfig
from logreg_tui.core.words.formatting import theta_words
from logreg_tui.training.run import Run
from logreg_tui.training.steering import Steering, _check_autograd
from logreg_tui.training.trainer import HomeworkError, choose_threads, resolve_device


def start_engine(dataset: Dataset, config: TrainConfig, held: bool = False) -> Engine:
    """An Engine for an entry point (the app, a headless run), with torch's threads chosen for the data first."""
    choose_threads(dataset, resolve_device(config.device))
    return Engine(dataset, config, held)


PUBLISH_COST_FACTOR = 40  # a publish waits at least this many times what the last one's figures cost


class Engine(Steering):
    """Trains one run at a time in the thread that calls `run()`; steered by commands from any thread (Steering)."""

    _stop_at: int | None  # the epoch at which this run pauses as done; None: no budget
    _pending_steps: int  # epochs asked for by n / N while paused
    _dirty: bool  # something changed since the last publish

    def __init__(self, dataset: Dataset, config: TrainConfig = TrainConfig(), held: bool = False) -> None:
        """`held`: train nothing until release(), so that commands sent first apply at epoch 0."""
        _check_autograd(config.settings.autograd)
        self._held = held
        self._config = config
        self._device = resolve_device(config.device)
        self._ghosts: tuple[Snapshot, ...] = ()  # the runs that ended, newest first
        super().__init__()
        self._status: Status = "paused" if config.start_paused else "running"
        self._message, self._version = "", 0
        self._pace = EpochPace(config.speed, time.monotonic())
        self._next_publish_at = 0.0
        # told of each publish that follows commands, in the engine's thread (never per epoch): the app schedules
        # its redraw from it instead of polling for the answer
        self.on_answer: Callable[[Snapshot], None] | None = None
        self._run = self._start_run(dataset, config.settings)
        self._script = list(config.script)
        self._apply_script()  # what was changed at epoch 0
        self._publish()

    @property
    def latest(self) -> Snapshot:
        return self._latest

    @property
    def training_seconds(self) -> float:
        """Spent training the current run."""
        return self._run.training_seconds

    # -- the owning thread

    def run(self) -> None:
        """Train while running, wait without spinning while paused, until close()."""
        while not self._closed.is_set():
            try:
                self._run_once()
            except HomeworkError as error:  # the person's own Function raised: never the end of training
                self._homework_failed(error)
                self._publish()
            except Exception as error:  # what a person's Function returned broke a step (a None gradient …)
                if self._settings.autograd != "file":
                    raise
                self._homework_failed(HomeworkError(error, "training", self._run.trainer.n_train,
                                                    self._run.trainer.homework))
                self._publish()
        self._flush()

    def _run_once(self) -> None:
        """One turn of run(): the commands, then an epoch or a wait."""
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

    def run_epochs(self, epochs: int) -> Snapshot:
        """train_epochs, then a snapshot whose epochs/s is the run's own (epochs ÷ the time spent training them)."""
        self.train_epochs(epochs)
        snapshot = self._publish()
        return replace(snapshot, epochs_per_second=snapshot.run_epochs_per_second)

    def train_epochs(self, epochs: int) -> int:
        """Apply the commands sent so far, then train up to `epochs` epochs now in this thread, whatever the status;
        the epochs completed. Stops early at divergence, a --function that failed, or close(); publishes nothing
        (last_logged_loss reads)."""
        self._apply_commands()
        try:
            target = self._run.epoch + epochs
            while (self._run.epoch < target and self._status != "diverged" and not self._closed.is_set()
                   and not self.function_failure):
                self._train_epoch(counting_steps=False, stop=self._closed.is_set)
            self._flush()
        except HomeworkError as error:
            self._homework_failed(error)
        return self._run.epoch

    @property
    def reached(self) -> tuple[int, tuple[float, ...]]:
        """(epoch, θ) as they are now, readable from another thread while this one is stuck in a step."""
        trainer = self._run.trainer
        return trainer.epoch, tuple(float(value) for value in (*trainer.w.detach().tolist(), trainer.b.detach()[0]))

    def last_logged_loss(self) -> tuple[float, float]:
        """(the last epoch's loss, its held-out loss) without building a snapshot: what a headless line prints."""
        self._flush()
        return self._run.last_record

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
            self._message = self._run.divergence + "  (space cannot go on until one of those changes)"
            return
        if self._status not in ("paused", "done"):
            return
        if self._config.epochs and self._stop_at is not None and self._run.epoch >= self._stop_at:
            self._stop_at = self._run.epoch + self._config.epochs  # space after done: another budget's worth
        self._status = "running"
        self._pace.restart(time.monotonic())

    def _do_release(self) -> None:
        self._held = False
        self._pace.restart(time.monotonic())

    def _do_step(self, epochs: int) -> None:
        if self._status == "diverged":
            self._do_resume()  # says why not
            return
        self._status = "paused"
        self._pending_steps += epochs

    def _configure(self, **changes: Any) -> None:
        """Live settings changed from the current w, b; after a divergence, training goes on from there."""
        events = self._run.configure(changes)
        if self._status == "diverged" and events:
            self._go_on(self._run.go_on(events[0]))
            return
        for event in events:
            self._run.record(event)

    def _go_on(self, message: str) -> None:
        """After a divergence: a change was made at the last w, b whose loss is finite; go on from there, paused."""
        self._status = "paused"
        self._message = message

    def _do_reseed(self, seed: int | None) -> None:
        seed, note = self._run.dataset.next_seed() if seed is None else (seed, "")
        try:
            dataset = self._run.dataset.reseeded(seed)
        except DataError as error:
            self._message = str(error)
            return
        self._load(dataset)
        self._message = note

    def _do_move(self, theta: tuple[float, ...]) -> None:
        if len(theta) != self._run.dataset.d + 1:
            self._message = f"cannot move to {theta_words(theta)}: θ has {self._run.dataset.d + 1} numbers here"
            return
        if not np.isfinite(theta).all():
            self._message = f"cannot move to {theta_words(theta)}: not finite"
            return
        move = self._run.move_to(theta)
        if self._status == "diverged":
            self._go_on(self._run.go_on(move))
        else:
            self._run.record(move)
            self._message = ""

    def _do_features(self, features: tuple[str, ...]) -> None:
        dataset = self._run.dataset
        if features == dataset.crossed_as:
            return
        try:
            crossed = dataset.crossed(features)
        except (DataError, CrossError) as error:  # no shape to cross; a name that is no cross
            self._message = f"features stay: {error}"
            return
        if not np.isfinite(self._run.trainer.theta()).all():
            self._message = "features stay: θ is not finite here (- or z first)"
            return
        change = self._run.use_features(crossed)
        if self._status == "diverged":
            self._go_on(self._run.go_on(change))
            return
        self._run.record(change)
        self._message = f"{change.what}: from the current θ, a new feature's weight at 0 (the path starts anew)"

    # -- runs and training

    def _start_run(self, dataset: Dataset, settings: Settings) -> Run:
        """A run from w = b = 0 at epoch 0 (the settings and the speed kept)."""
        run = Run(dataset, self._device, settings, self._config.shuffle_seed, self._config.start(dataset.d),
                  self._homework.function if self._homework else None)
        self._pending_steps = 0
        self._stop_at = self._config.epochs or None
        if self._status in ("done", "diverged"):
            self._status = "paused"
        self._message = ""
        self._dirty = True
        return run

    def _load(self, dataset: Dataset, settings: Settings | None = None) -> None:
        """A new run on `dataset`; the one that ends, if it trained, is kept as a ghost: its last snapshot."""
        if self._run.epoch:
            ghost = replace(self._snapshot(self._pace.rate(time.monotonic(), self._run.epoch, False)), ghosts=(),
                            dataset=self._run.dataset.without_points())  # its plots need its curves, not its data
            self._ghosts = (ghost,) + self._ghosts[: MAX_GHOSTS - 1]
        self._run = self._start_run(dataset, settings or self._settings)

    def _should_yield(self) -> bool:
        """Between two steps of a long epoch: a key is waiting, the app is closing, or the stats are due."""
        return not self._commands.empty() or self._closed.is_set() or time.monotonic() >= self._next_publish_at

    def _train_epoch(self, counting_steps: bool = True, stop: Callable[[], bool] | None = None) -> None:
        outer = stop

        def stop_for_script() -> bool:  # a replay's change recorded inside a minibatch epoch stops it at its step
            return self._script_due() or bool(outer and outer())

        completed = self._run.train_epoch(stop_for_script if self._script else stop)
        self._dirty = True
        if not completed:
            self._apply_script()
            return  # paused between steps; the epoch goes on after the commands or the publish
        self._apply_script()
        if counting_steps and self._pending_steps:
            self._pending_steps -= 1
        elif counting_steps and self._stop_at is not None and self._run.epoch >= self._stop_at:
            self._status = "done"
        self._pace.trained(time.monotonic())
        if self._run.trainer.full:
            self._flush()

    def _flush(self) -> None:
        """The pending epochs checked and kept (run.flush); a blow-up among them stops the run as diverged."""
        if not self._run.flush():
            self._status, self._pending_steps, self._message = "diverged", 0, self._run.divergence

    # -- publishing

    def _publish(self, rate: float | None = None) -> Snapshot:
        self._flush()
        self._dirty = False
        now = time.monotonic()
        uncapped = self._config.uncapped_publish_interval
        interval = uncapped if uncapped and self._pace.speed is None else self._config.publish_interval
        self._version += 1
        self._latest = self._snapshot(
            self._pace.rate(now, self._run.epoch, self._status == "running") if rate is None else rate)
        # each publish checks the w, b it shows and computes the figures there (at N 1e5 about 1.4 epochs' work):
        # at large N the next one waits until that is under 2.5 % of training
        self._next_publish_at = now + max(interval, PUBLISH_COST_FACTOR * self._run.flush_seconds)
        return self._latest

    def _snapshot(self, rate: float) -> Snapshot:
        """The engine as it is now (records already fetched); while training with a --function that fails its
        check, the warning says so."""
        homework = self._homework
        snapshot = self._run.snapshot(self._status, self._message, version=self._version, epochs_per_second=rate,
                                      speed=self._pace.speed, epochs=self._config.epochs, stop_at=self._stop_at,
                                      device=str(self._device), ghosts=self._ghosts,
                                      function=homework.label if homework else "",
                                      function_class=homework.function.__name__ if homework else "",
                                      function_verdict=homework.verdict.line() if homework else "",
                                      function_sha256=homework.digest if homework else "",
                                      function_source=homework.source if homework else "",
                                      function_stale=bool(homework) and self._function_stale)
        if homework and not homework.verdict.passed and snapshot.autograd == "file":
            why = f"{homework.label} fails its check: {homework.verdict.findings()}"
            if snapshot.status == "diverged":  # the stop's message names what the check found too
                return replace(snapshot, message=f"{snapshot.message} — the likely cause: {why}")
            return replace(snapshot, warning=why)
        return snapshot
