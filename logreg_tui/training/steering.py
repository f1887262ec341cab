"""The commands that steer an engine (core/model/commands.py): safe from any thread, sending only enqueues; the
engine's thread applies them between epochs, each in one place (`_apply`). Bodies that read the run's state are
decided when applied, so that quick presses never cancel out wrongly.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from logreg_tui.core.maths.curvature import best_settings
from logreg_tui.core.model.commands import (
    ClearGhosts,
    Command,
    Configure,
    CycleBatchSize,
    CycleOptimizer,
    FunctionFailed,
    MoveBy,
    MoveTo,
    Pause,
    Release,
    Reseed,
    Reset,
    Resume,
    ScaleLr,
    ScaleSpeed,
    SetSpeed,
    StartOver,
    Step,
    StepSetting,
    ToggleAutograd,
    TogglePause,
    UseBest,
    UseFeatures,
    UseFunction,
    from_event,
)
from logreg_tui.core.model.data import Dataset
from logreg_tui.core.model.pacing import EpochPace
from logreg_tui.core.model.runs import Event
from logreg_tui.core.model.settings import (
    AUTOGRADS,
    BY_NAME,
    Autograd,
    Optimizer,
    Settings,
    lr_scaled,
    next_batch_size,
    next_on_ladder,
    next_optimizer,
)
from logreg_tui.core.model.state import Status, TrainConfig
from logreg_tui.training.homework import Homework
from logreg_tui.training.run import Run
from logreg_tui.training.trainer import HomeworkError


def _check_autograd(autograd: str) -> None:
    if autograd not in AUTOGRADS:
        raise ValueError(f"autograd must be one of {AUTOGRADS}, got {autograd!r}")


class Steering:
    """The command queue and every command. The Engine gives the bodies that change its status or its run (its
    `_do_…`, `_configure`, `_load`); the ones that only decide what to ask of those (the lr's next step, the best
    settings, a preset's new run) are here."""

    # the engine's state and command bodies, applied in its thread
    _run: Run
    _pace: EpochPace
    _ghosts: tuple[object, ...]
    _status: Status
    _do_pause: Callable[[], None]
    _do_resume: Callable[[], None]
    _do_release: Callable[[], None]
    _do_step: Callable[[int], None]
    _do_reseed: Callable[[int | None], None]
    _message: str
    _dirty: bool
    _flush: Callable[[], None]
    _do_move: Callable[[tuple[float, ...]], None]
    _do_features: Callable[[tuple[str, ...]], None]
    _configure: Callable[..., None]
    _load: Callable[[Dataset, Settings | None], None]
    _config: TrainConfig
    _pending_steps: int

    def __init__(self) -> None:
        self._homework: Homework | None = None  # the last usable Function from --function's file
        self._function_stale = False  # the file's last save gave no usable Function (the last good one stays)
        self._function_fell_back = False  # it raised in training: the next usable save trains again
        self.function_failure = ""  # what the Function raised in training, the last time it did (headless exits)
        self._script: list[Event] = []  # --replay's changes still to apply, oldest first
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._closed = threading.Event()

    @property
    def _settings(self) -> Settings:
        return self._run.settings

    def send(self, command: Command) -> None:
        """Any command (core/model/commands.py), applied in the engine's thread before its next epoch."""
        self._commands.put(command)
        self._wake.set()

    # the commands by name, for the engine's callers (the app sends them by name through commands.BY_NAME)

    def pause(self) -> None:
        self.send(Pause())

    def resume(self) -> None:
        self.send(Resume())

    def toggle_pause(self) -> None:
        self.send(TogglePause())

    def step(self, epochs: int = 1) -> None:
        self.send(Step(epochs))

    def release(self) -> None:
        """Start training (as the config says: running or paused) after the commands sent before this one."""
        self.send(Release())

    def reseed(self, seed: int | None = None) -> None:
        """New data from `seed` (default: the next seed); θ and the epoch reset; the settings kept."""
        self.send(Reseed(seed))

    def reset(self) -> None:
        self.send(Reset())

    def configure(self, **changes: Any) -> None:
        """Settings (settings.Settings' fields) changed live, from the current θ."""
        self.send(Configure.of(**changes))

    def set_lr(self, lr: float) -> None:
        self.configure(lr=lr)

    def scale_lr(self, factor: float) -> None:
        self.send(ScaleLr(factor))

    def set_autograd(self, autograd: Autograd) -> None:
        _check_autograd(autograd)
        self.configure(autograd=autograd)

    def toggle_autograd(self, alternative: Autograd) -> None:
        """builtin ↔ alternative, decided when applied so that quick presses never cancel out wrongly."""
        self.send(ToggleAutograd(alternative))

    def cycle_optimizer(self) -> None:
        """The next optimizer (settings.next_optimizer), from the current θ; it starts with fresh state."""
        self.send(CycleOptimizer())

    def set_optimizer(self, optimizer: Optimizer) -> None:
        self.configure(optimizer=optimizer)

    def cycle_batch_size(self) -> None:
        """The next batch size (settings.next_batch_size), from the current θ."""
        self.send(CycleBatchSize())

    def step_setting(self, name: str, direction: int = 1) -> None:
        """A setting with a ladder (settings.SETTINGS) to its next step up (or down), from the current θ; past
        an end, round to the other if its ladder wraps, else it stays and says so."""
        self.send(StepSetting(name, direction))

    def use_function(self, homework: Homework, switch: bool = False) -> None:
        """A checked Function from --function's file (loaded, or reloaded on save), between steps, keeping θ and
        the run: a reload is an event. `switch`: train with it now (autograd "file"). One that cannot run (it
        raised, looped, or answered the wrong shape) is not used: the last good one stays, and training pauses."""
        self.send(UseFunction(homework, switch))

    def function_failed(self, why: str) -> None:
        """The file gave no Function (a syntax error, no class, an error at import): said; the last good one kept."""
        self.send(FunctionFailed(why))

    def set_batch_size(self, batch_size: int) -> None:
        self.configure(batch_size=batch_size)

    def start_over(self, dataset: Dataset, settings: Settings, epochs: int,
                   init: tuple[float, ...] | None = None) -> None:
        """A new run on other data, with other settings and budget (a preset, a lesson's step), from `init` (None:
        θ = 0); the one that ends becomes a ghost."""
        self.send(StartOver(dataset, settings, epochs, init))

    def use_best(self) -> None:
        """The lr (and β) that the curvature at the minimum says is fastest for the current optimizer, from the
        current θ; or why the formulas do not apply (Adam, minibatches, no minimum)."""
        self.send(UseBest())

    def move_to(self, *theta: float) -> None:
        """Put θ = (w₁ … w_d, b) there, paused or running: the path starts a new segment, the optimizer's state
        fresh."""
        self.send(MoveTo(tuple(theta)))

    def move_by(self, *delta: float) -> None:
        """θ + delta, from where θ is when the command applies."""
        self.send(MoveBy(tuple(delta)))

    def use_features(self, *features: str) -> None:
        """Train on these crosses of x₁, x₂ from the current θ, in the same run (an event): a kept feature keeps its
        weight, a new one starts at 0, b stays, the optimizer's state fresh."""
        self.send(UseFeatures(tuple(features)))

    def clear_ghosts(self) -> None:
        """Forget the runs kept to compare (the current run stays)."""
        self.send(ClearGhosts())

    def set_speed(self, speed: float | None) -> None:
        self.send(SetSpeed(speed))

    def scale_speed(self, factor: float) -> None:
        self.send(ScaleSpeed(factor))

    def close(self) -> None:
        """Make `run()` return at once, even when paused."""
        self._closed.set()
        self._wake.set()

    def _apply(self, command: Command) -> None:
        """The one place a command changes the engine (its thread, between epochs)."""
        match command:
            case Pause():
                self._do_pause()
            case Resume():
                self._do_resume()
            case TogglePause():
                self._do_pause() if self._status == "running" else self._do_resume()
            case Step(epochs):
                self._do_step(epochs)
            case Release():
                self._do_release()
            case Reseed(seed):
                self._do_reseed(seed)
            case Reset():
                self._load(self._run.start_dataset, None)  # the run's own start: its features before any f
            case Configure(changes):
                self._configure(**dict(changes))
            case ScaleLr(factor):
                self._do_scale_lr(factor)
            case ToggleAutograd(alternative):
                self._do_toggle_autograd(alternative)
            case CycleOptimizer():
                self._configure(optimizer=next_optimizer(self._settings.optimizer))
            case CycleBatchSize():
                self._configure(batch_size=next_batch_size(self._settings.batch_size, self._run.trainer.n_train))
            case StepSetting(name, direction):
                self._do_step_setting(name, direction)
            case UseBest():
                self._do_use_best()
            case MoveTo(theta):
                self._do_move(theta)
            case MoveBy(delta):
                self._do_move(tuple(a + b for a, b in zip(self._run.trainer.theta(), delta, strict=True)))
            case UseFeatures(features):
                self._do_features(features)
            case ClearGhosts():
                self._ghosts = ()
            case SetSpeed(speed):
                self._pace.set(speed, time.monotonic(), self._run.epoch)
            case ScaleSpeed(factor):
                self._pace.set(self._pace.scale(factor), time.monotonic(), self._run.epoch)
            case StartOver(dataset, settings, epochs, init):
                self._start_over(dataset, settings, epochs, init)
            case UseFunction(homework, switch):
                self._do_use_function(homework, switch)
            case FunctionFailed(why):
                self._keep_last_function(why)

    # -- applied in the engine's thread, between epochs

    def _apply_commands(self) -> bool:
        """Apply every command sent so far; True when there were any."""
        if self._commands.empty():
            return False
        # the pending epochs were trained with the settings before these commands: check them under those
        # settings, so that a divergence found later can be replayed exactly
        self._flush()
        while not self._commands.empty():
            command = self._commands.get_nowait()
            if self._status != "diverged" and not isinstance(command, Release):
                self._message = ""  # a note about the last command ("lr stays …") is over with the next (a key's)
            run, changes = self._run, len(self._run.events)
            try:
                self._apply(command)
            except HomeworkError as error:  # the person's Function raised where a change evaluated it
                self._homework_failed(error)
            except Exception as error:  # a key must never end training: say what could not apply
                self._message = f"could not apply that: {type(error).__name__}: {error}"
            if self._script and (self._run is not run or len(run.events) != changes):
                self._take_over()
            self._dirty = True
        return True

    def _take_over(self) -> None:
        """A person changed the run during a replay: the replay's remaining changes are dropped."""
        left, self._script = len(self._script), []
        note = (f"replay stopped at epoch {self._run.epoch}: you took over ({left} recorded change(s) not "
                "applied)")
        self._message = f"{self._message} · {note}" if self._message else note

    def _script_due(self) -> bool:
        """The next recorded change is due: at its epoch, between epochs or, made inside one, at its step."""
        if not self._script:
            return False
        event, trainer = self._script[0], self._run.trainer
        if event.epoch != self._run.epoch:
            return event.epoch < self._run.epoch
        return trainer.progress is None if event.step is None else trainer.steps >= event.step

    def _apply_script(self) -> None:
        """--replay: the recorded changes due now, as the person made them (a divergence's way on too)."""
        if not self._script_due():
            return
        self._flush()  # the epochs before were trained with the settings before these changes
        while self._script_due():
            command = from_event(self._script[0])
            if command == Configure((("autograd", "file"),)) and self._homework is None:
                return  # the --function file is still being checked: the script waits for it (use_function)
            self._script.pop(0)
            if command is not None:
                self._apply(command)
        self._dirty = True

    def _start_over(self, dataset: Dataset, settings: Settings, epochs: int, init: tuple[float, ...] | None) -> None:
        self._config = replace(self._config, epochs=epochs, init=init)  # the new run's start, where z returns
        self._load(dataset, settings)

    def _do_toggle_autograd(self, alternative: Autograd) -> None:
        if alternative == "file" and self._homework is None and self._settings.autograd == "builtin":
            self._message = "no usable --function loaded yet: fix the file and save (it reloads)"
            return
        self._configure(autograd=alternative if self._settings.autograd == "builtin" else "builtin")

    def _do_use_best(self) -> None:
        run = self._run
        if not run.optimum.exists:
            self._message = f"no best lr: {run.optimum.reason} (a penalty, 2, gives it a minimum)"
            return
        curvature = run.curvature
        assert curvature is not None  # there is a minimum
        changes, why_not = best_settings(curvature, self._settings, run.trainer.n_train)
        if why_not:
            self._message = why_not
            return
        self._configure(**changes)
        best = f"{curvature.reading()}; " + ", ".join(f"{name} {value:.3g}" for name, value in changes.items())
        if warning := self._run.stability_here():  # the lr is best near the minimum; here it may be past the limit
            best += f" (best near the minimum) — {warning}"
        self._message = f"{self._message} · {best}" if self._message else best  # after a divergence: going on too

    def _do_use_function(self, homework: Homework, switch: bool) -> None:
        if not homework.verdict.usable:
            self._keep_last_function(f"{homework.label}: {homework.verdict.line()}")
            return
        before, self._homework = self._homework, homework
        self._function_stale = False
        self._run.trainer.homework = homework.function
        if before is not None:
            self._run.record(Event(self._run.epoch, "function", before.summary, homework.summary))
        switch = switch or self._function_fell_back  # a fixed save takes over from the builtin fallback
        self._function_fell_back, self.function_failure = False, ""
        if self._settings.autograd == "file":  # the shown loss and gradients are the new Function's
            self._run.trainer.evaluate()
            self._run.values = None
        elif switch:
            self._configure(autograd="file")
        self._message = f"{homework.label} {'reloaded' if before else 'loaded'}: {homework.verdict.line()}"
        self._apply_script()  # a replay's switch to this file, waiting for it

    def _keep_last_function(self, why: str) -> None:
        kept = f"; the last good {self._homework.label} stays" if self._homework else ""
        self._function_stale = self._homework is not None
        self._function_fell_back = self._function_fell_back or self._homework is None  # the first good save trains
        if self._settings.autograd == "file" and self._status == "running":
            self._status = "paused"
        now = ("paused; a trains with builtin" if self._settings.autograd == "file"
               else f"training goes on with {self._settings.autograd}")
        self._message = f"{why}{kept}; {now} (fix the file and save: it reloads)"

    def _homework_failed(self, error: HomeworkError) -> None:
        """The Function raised while training: back to builtin from the current w, b, paused, and why (a save
        that loads takes over again)."""
        self._status, self._pending_steps = "paused", 0
        checked = " (the check passed at N = 10)" if self._homework and self._homework.verdict.passed else ""
        self._function_fell_back = True
        self._configure(autograd="builtin")
        self.function_failure = f"{error}{checked}"
        self._message = (f"{error}{checked}; training went back to builtin, paused (fix the file and save: it "
                         "reloads and takes over)")

    def _do_step_setting(self, name: str, direction: int) -> None:
        row, value = BY_NAME[name], getattr(self._settings, name)
        step = next_on_ladder(row.ladder, value, direction, row.wraps)
        if step == value:
            end = "top" if direction > 0 else "bottom"
            self._message = f"{row.label}stays {row.words(value)}: the {end} of its steps (type any value in its range)"
        else:
            self._configure(**{name: step})

    def _do_scale_lr(self, factor: float) -> None:
        lr, stays = lr_scaled(self._settings.lr, factor)
        if stays:
            self._message = stays
        else:
            self._configure(lr=lr)
