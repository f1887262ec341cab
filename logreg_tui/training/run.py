"""A run: what z and r start afresh. Its trainer, histories, path, events, checkpoint, the optimum and when the run
came near it; the flush that checks each epoch's w, b, the replay that finds where a divergence began, and the
figures a snapshot shows. The engine (engine.py) owns the thread, the commands, the status and the publishing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from logreg_tui.core.maths.curvature import (
    Curvature,
    at_minimum,
    epochs_to_near,
    from_matrix,
    predicted_rate,
    stability_warning,
)
from logreg_tui.core.maths.optimum import Optimum, find_optimum
from logreg_tui.core.model.crosses import carried_theta
from logreg_tui.core.model.data import DataError, Dataset
from logreg_tui.core.model.history import LossHistory, PathHistory, PathView
from logreg_tui.core.model.runs import Event, record
from logreg_tui.core.model.settings import Settings, objective_of
from logreg_tui.core.model.state import Figures, Snapshot, Status
from logreg_tui.core.words.lessons import Cause, divergence_message, going_on_message, saturation_message
from logreg_tui.training.trainer import PENDING_MAX, Checkpoint, Trainer

STUCK_EPOCHS = 50  # saturated this long before it is said
RESCALED_VALUES_MAX = 1_000_000  # N·d up to which the k page says what κ the other scaling would give (8 MB)
NEAR_OPTIMUM = 0.01  # a run has reached the minimum when its loss is within 1 % of the minimum's
EARLIER_PATHS = 32  # the paths a run keeps from before its last changes of features (f), for the export


@lru_cache(maxsize=1)  # one: a cache keyed by a data set keeps it alive, and a reseed lets the old one go
def optimum_of(dataset: Dataset, n_train: int, objective: tuple[tuple[str, Any], ...] = ()) -> Optimum:
    """The objective's minimum over the training points (settings.objective_of), once per data set and objective
    (z resets to the same data: 0.3 s at N 1e6)."""
    return find_optimum(dataset.x[:n_train], dataset.y[:n_train], **dict(objective))  # x: N, or N × d


@lru_cache(maxsize=1)
def curvature_of(dataset: Dataset, n_train: int, objective: tuple[tuple[str, Any], ...] = ()) -> Curvature | None:
    """The objective's curvature at its minimum (None without one), once per data set and objective like the
    minimum itself: the rates it predicts and the landscape's eigen-directions read it every frame."""
    return at_minimum(optimum_of(dataset, n_train, objective), dataset.x[:n_train], dataset.y[:n_train],
                      float(dict(objective).get("l2", 0.0)))


@lru_cache(maxsize=1)
def condition_rescaled(dataset: Dataset, n_train: int, objective: tuple[tuple[str, Any], ...] = ()) -> float | None:
    """κ at the minimum of the same objective on the data scaled the other way: standardized by --standardize's
    own Dataset.standardized where it is raw, back in its own units where it is standardized; None where that has
    no minimum, or where --standardize refuses the data (a constant column). The k page's lesson: standardizing
    rounds the valley."""
    if dataset.scale is None:
        try:
            other = dataset.standardized().X
        except DataError:
            return None
    else:
        mean, std = np.array(dataset.scale).T
        other = dataset.X * std + mean
    x, y = other[:n_train], dataset.y[:n_train]
    curvature = at_minimum(find_optimum(x, y, **dict(objective)), x, y, float(dict(objective).get("l2", 0.0)))
    return None if curvature is None else curvature.condition


def figures_of(values: dict[str, Any]) -> Figures:
    """The trainer's figures (Trainer.host_values) as the snapshot carries them."""
    return Figures(theta=(*values["weights"], values["b"]), gradient=values["gradient"], loss=values["loss"],
                   accuracy=values["accuracy"], saturated_share=values["saturated_share"],
                   stuck_share=values["stuck_share"], epoch_loss_so_far=values["epoch_loss_so_far"],
                   val_loss=values["val_loss"], val_accuracy=values["val_accuracy"], scores=values["scores"])


def _curvature_here(hessian: tuple[tuple[float, ...], ...]) -> Curvature:
    """The curvature at the current θ from the Hessian the trainer published (host_values)."""
    return from_matrix(np.array(hessian))


class Run:
    """One run from θ = 0 (or `start`) at epoch 0 on one data set; used by one thread (the engine's)."""

    def __init__(self, dataset: Dataset, device: torch.device, settings: Settings, shuffle_seed: int,
                 start: tuple[float, ...] | None = None,
                 homework: type[torch.autograd.Function] | None = None) -> None:
        """`start`: θ = (w₁ … w_d, b) to start from (d + 1 numbers); None: all 0."""
        self.dataset = self.start_dataset = dataset  # the features change in a run (f); z goes back to its start
        self._shuffle_seed = shuffle_seed
        self.trainer = Trainer(dataset, device, settings, shuffle_seed, homework)
        start = tuple(start) if start is not None else (0.0,) * (dataset.d + 1)
        if len(start) != dataset.d + 1:
            raise ValueError(f"θ has {dataset.d + 1} numbers here (w₁ … w_d, b), got {len(start)}")
        if any(start):
            self.trainer.move_to(start)
        self.history = LossHistory()
        self.val_history = LossHistory() if self.trainer.val_x is not None else None
        self.path = PathHistory()
        self.path.start(0, *start)
        # the paths before each change of features, oldest first: (the features, their path), at most EARLIER_PATHS
        self.earlier_paths: tuple[tuple[tuple[str, ...], PathView], ...] = ()
        self._find_minimum()
        self._start_weights = np.array(start[:-1])  # the weights where the next kept epoch started (its loss is there)
        self.near_optimum_at: int | None = None  # the first epoch within NEAR_OPTIMUM of the minimum's loss
        self.near_estimate: float | None = None  # the epoch the curvature predicts for that (frozen once it happens)
        self.events: tuple[Event, ...] = ()
        self.last_record = (float("nan"), float("nan"))  # (loss, held-out loss) of the last epoch kept
        self.training_seconds = 0.0  # spent training (the run's own epochs/s: epochs ÷ this)
        self.cause = Cause.NONE  # why it diverged
        self.divergence = ""  # that, in words (lessons.divergence_message)
        self.saturation = ""  # why it is stuck (lessons.saturation_message), once it has been for STUCK_EPOCHS
        self._stuck_since: int | None = None
        self.values: dict[str, Any] | None = None  # host_values at the current θ, known since the flush
        self.flush_seconds = 0.0  # what checking w, b and the figures there cost at the last flush
        self.checkpoint: Checkpoint = self.trainer.save()  # a divergence is replayed from the last checkpoint

    @property
    def settings(self) -> Settings:
        return self.trainer.settings

    @property
    def epoch(self) -> int:
        return self.trainer.epoch

    def train_epoch(self, stop: Callable[[], bool] | None = None) -> bool:
        """One epoch, or part of a minibatch epoch until `stop` says so; True when it completed."""
        started = time.perf_counter()
        completed = self.trainer.train_epoch(stop)
        self.training_seconds += time.perf_counter() - started
        return completed

    # -- what a person changes

    def configure(self, changes: dict[str, Any]) -> list[Event]:
        """Settings changed from the current w, b; the events they make (none for a value it already had)."""
        before = self.settings
        events = [Event(self.epoch, name, getattr(before, name), value, self._step)
                  for name, value in changes.items() if getattr(before, name) != value]
        self.trainer.configure(replace(before, **changes))
        self.values = None
        if objective_of(self.settings) != objective_of(before):  # a new objective: its own minimum to reach
            self._find_minimum()
            self.near_optimum_at = None
        return events

    def _find_minimum(self) -> None:
        objective = objective_of(self.settings)
        self.optimum = optimum_of(self.dataset, self.trainer.n_train, objective)
        self.curvature = curvature_of(self.dataset, self.trainer.n_train, objective)
        # more features than one: κ the other scaling would give (one feature's tutorial keeps its start quick);
        # it copies the data scaled the other way, so only where that copy is small
        self.condition_rescaled = condition_rescaled(self.dataset, self.trainer.n_train, objective) \
            if self.dataset.d > 1 and 0 < self.dataset.x.size <= RESCALED_VALUES_MAX else None

    @property
    def _step(self) -> int | None:
        """The optimizer step a change comes before when it is made inside a minibatch epoch; None between epochs."""
        return self.trainer.steps if self.trainer.progress is not None else None

    def move_to(self, theta: tuple[float, ...]) -> Event:
        """θ put there by hand: the path starts a new segment, the optimizer's state fresh."""
        theta = tuple(theta)
        move = Event(self.epoch, "move", self.trainer.theta(), theta, self._step)
        self.trainer.move_to(theta)
        self.path.start(self.epoch, *theta)
        self._start_weights = np.array(theta[:-1])
        self.checkpoint = self.trainer.save()
        self.values = None
        return move

    def use_features(self, dataset: Dataset) -> Event:
        """Train on other crosses of the same points (Dataset.crossed) from the current θ, in this run: a kept
        feature keeps its weight, a new one starts at 0, b stays (crosses.carried_theta). The trainer is made again
        for the new columns at the same epoch, step and minibatch order, its optimizer fresh as after a move; the
        loss history goes on, the path starts anew in the new θ's coordinates (the old one kept for the export),
        and the new objective has its own minimum."""
        before, trainer = self.dataset, self.trainer
        theta = carried_theta(before.crossed_as, trainer.theta(), dataset.crossed_as)
        change = Event(self.epoch, "features", before.crossed_as, dataset.crossed_as, self._step)
        self.trainer = Trainer(dataset, trainer.device, trainer.settings, self._shuffle_seed, trainer.homework)
        self.trainer.go_on_from(trainer)
        self.trainer.move_to(theta)
        self.dataset = dataset
        self.earlier_paths = (*self.earlier_paths, (before.crossed_as, self.path.view()))[-EARLIER_PATHS:]
        self.path = PathHistory()
        self.path.start(self.epoch, *theta)
        self._start_weights = np.array(theta[:-1])
        self._find_minimum()
        self.near_optimum_at, self._stuck_since = None, None
        self.checkpoint = self.trainer.save()
        self.values = None
        return change

    def record(self, event: Event) -> None:
        self.events = record(self.events, event)

    def go_on(self, change: Event) -> str:
        """After a divergence a change was made at the last finite w, b: noted, and what the message says."""
        self.record(Event(change.epoch, "restore", None, change))
        return going_on_message(self.cause, change, self.epoch)

    # -- checking what training reached

    def flush(self) -> bool:
        """Fetch pending records into the histories and check the w, b they reached; False when training blew up
        since the last flush (then w, b are the last finite ones and `divergence` says why).

        The check is a forward at the current w, b (once per flush, not per epoch): it gives the shown loss,
        accuracy and gradients there, and it keeps the invariant that the checkpoint's own loss is finite.
        """
        trainer = self.trainer
        if not trainer.pending and not trainer.stepped:
            return True
        records = trainer.fetch()
        started = time.perf_counter()
        trainer.evaluate()
        if not (np.isfinite(records[:, :-1]).all() and trainer.problem() is Cause.NONE):
            self._diverge()
            return False
        self._keep(records)
        self.checkpoint = trainer.save()
        self.values = trainer.host_values()
        self.saturation = self._saturated(saturation_message(self.values, self.optimum, self.settings.autograd))
        self.flush_seconds = time.perf_counter() - started
        return True

    def snapshot(self, status: Status, message: str, **engine: Any) -> Snapshot:
        """The run as it is now (records already fetched), with what the engine adds (its version, epochs/s, speed
        cap, budget, device, ghosts); a saturated run that has not diverged says so when nothing else is said."""
        trainer = self.trainer
        saturated = self.saturation if status != "diverged" else ""
        values = self.values or trainer.host_values()  # loss, accuracy, gradients … at θ
        figures = figures_of(values)
        here = _curvature_here(values["hessian"])
        self._estimate_near(figures)
        calm = status == "diverged" or here.high <= 0  # a divergence says more; no curvature: nothing to warn of
        warning = "" if calm else stability_warning(here, self.settings, self.curvature, trainer.n_train)
        return Snapshot(
            status=status, message=message or saturated, warning=warning, saturated=bool(saturated), epoch=self.epoch,
            figures=figures, settings=self.settings, steps=trainer.steps,
            epoch_progress=trainer.epoch_progress, last_loss=self.last_record[0], last_val_loss=self.last_record[1],
            val_history=self.val_history.view() if self.val_history else None,
            run_epochs_per_second=self.epoch / self.training_seconds if self.training_seconds else 0.0,
            dataset=self.dataset, history=self.history.view(), path=self.path.view(), optimum=self.optimum,
            near_optimum_at=self.near_optimum_at, near_estimate=self.near_estimate, curvature_here=here,
            curvature_at_minimum=self.curvature, condition_rescaled=self.condition_rescaled, events=self.events,
            earlier_paths=self.earlier_paths, **engine)

    def stability_here(self) -> str:
        """The stability warning at the current w, b and settings (core/curvature.stability_warning)."""
        here = _curvature_here((self.values or self.trainer.host_values())["hessian"])
        return stability_warning(here, self.settings, self.curvature, self.trainer.n_train)

    def _estimate_near(self, figures: Figures) -> None:
        """The epoch at which the curvature at the minimum says the run comes within NEAR_OPTIMUM of its loss, from
        the gap at the current θ (its figures given); kept as it was once that happens, to be read beside the
        measured epoch."""
        if self.near_optimum_at is not None:
            return
        if self.curvature is None:
            self.near_estimate = None
            return
        gap = figures.loss + self.settings.penalty(figures.weights) - self.optimum.loss
        epochs = epochs_to_near(gap, self.optimum.loss * NEAR_OPTIMUM, predicted_rate(self.curvature, self.settings,
                                                                                    self.trainer.n_train))
        self.near_estimate = None if epochs is None else self.epoch + epochs

    def _keep(self, records: np.ndarray) -> None:
        """Epochs' records (see trainer.RECORD) into the histories and the path."""
        if not len(records):
            return
        first = self.history.count
        losses = records[:, 0]
        if self.near_optimum_at is None and self.optimum.exists:
            objectives = losses
            if self.settings.penalized:  # each epoch's loss is at the weights it started from
                started_at = np.concatenate([self._start_weights[None, :], records[:-1, 1:-2]])
                # objective.penalty row by row, vectorised (terms added in its order)
                objectives = (losses + self.settings.l2 / 2 * (started_at**2).sum(axis=1)
                              + self.settings.l1 * np.abs(started_at).sum(axis=1))
            near = np.flatnonzero(objectives <= self.optimum.loss * (1 + NEAR_OPTIMUM))
            if near.size:
                self.near_optimum_at = first + int(near[0])
        self.history.extend(losses)
        self.path.extend(np.arange(first + 1, first + 1 + len(records)), *records[:, 1:-1].T)  # θ's columns
        self._start_weights = records[-1, 1:-2].astype(np.float64)
        if self.val_history:
            self.val_history.extend(records[:, -1])
        self.last_record = (float(records[-1, 0]), float(records[-1, -1]))

    def _diverge(self) -> None:
        """Replay from the last checkpoint one checked epoch at a time and stop at the last w, b whose loss is
        finite: before a step that blew up, or one epoch further back when the w, b an epoch started from
        already had a non-finite loss or overflowing logits (going on from there would fail at once).

        Afterwards the epoch, w, b and history are those of that state, and the shown figures are evaluated there.
        """
        trainer = self.trainer
        trainer.restore(self.checkpoint)
        held: tuple[np.ndarray, Checkpoint] | None = None  # the last epoch replayed, kept once the next starts well
        cause, reached = Cause.NONE, 0.0
        for _ in range(PENDING_MAX + 2):  # the bad epoch was among the pending ones, or is the next
            before = trainer.save()
            trainer.train_epoch()
            fetched = trainer.fetch()
            cause = trainer.problem(fetched[0])
            reached = trainer.largest_logit() if cause.at_start else 0.0
            if cause.at_start and held is not None:
                trainer.restore(held[1])  # the held epoch reached the bad w, b: drop it
                break
            if held is not None:
                self._keep(held[0])
            if cause is not Cause.NONE:
                trainer.restore(before)
                break
            held = (fetched, before)
        else:
            if held is not None:
                self._keep(held[0])
        failed_at = trainer.epoch + (1 if cause.at_start and held is not None else 0)
        self.checkpoint = trainer.save()
        trainer.evaluate()
        self.values = None
        self.cause = cause
        self.divergence = divergence_message(cause, failed_at, trainer.epoch, self.settings, reached, trainer.n_train,
                                             trainer.function_label)

    def _saturated(self, message: str) -> str:
        """message once the run has been stuck that way for STUCK_EPOCHS (a point or two saturating for a moment at
        a large lr is not a stop)."""
        epoch = self.epoch
        if not message:
            self._stuck_since = None
        elif self._stuck_since is None or self._stuck_since > epoch:
            self._stuck_since = epoch
        return message if message and self._stuck_since is not None and epoch - self._stuck_since >= STUCK_EPOCHS \
            else ""
