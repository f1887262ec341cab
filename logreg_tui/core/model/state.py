"""The words every layer shares: settings and their limits, statuses, TrainConfig and Snapshot.

No torch and no Textual here, so the app's widgets, the export and the command line can all name what
the engine publishes. A setting has one name everywhere: the command line's (`--autograd` is
`options.autograd`, `config.autograd` and `snapshot.autograd`; `--epochs` is `epochs`, `--speed` is `speed`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from logreg_tui.core.maths.curvature import Curvature
from logreg_tui.core.maths.optimum import Optimum
from logreg_tui.core.model.data import Dataset
from logreg_tui.core.model.history import HistoryView, LossHistory, PathHistory, PathView
from logreg_tui.core.model.runs import Event
from logreg_tui.core.model.settings import (
    AUTOGRADS,
    LR_MAX,
    LR_MIN,
    OPTIMIZERS,
    Autograd,
    Optimizer,
    Settings,
)

# the settings' vocabulary is settings.py's; named here too for the modules that import the shared words from one place
__all__ = ["AUTOGRADS", "EPOCHS_MAX", "LR_MAX", "LR_MIN", "OPTIMIZERS", "SCORE_BINS", "SPEED_MIN", "SPEED_TOP",
           "Autograd", "Figures", "Optimizer", "ScoreSummary", "Settings", "Snapshot", "Status", "TrainConfig",
           "before_training", "next_speed"]

Status = Literal["running", "paused", "done", "diverged"]

SPEED_MIN, SPEED_TOP = 0.25, 6400  # epochs/s caps: the lowest any way of setting it allows; above the top: no cap
EPOCHS_MAX = 10**12  # an epoch budget beyond this could never run (30 years at 1000 epochs/s)


def next_speed(speed: float | None, factor: float, before_max: float) -> tuple[float | None, float]:
    """(cap × factor on its grid, the cap to return to from max): above SPEED_TOP is max (None), and
    down from max is the cap it had; below SPEED_MIN the cap stays."""
    if speed is None:
        return (before_max if factor < 1 else None), before_max
    if speed * factor > SPEED_TOP:
        return None, speed
    return (speed * factor if speed * factor >= SPEED_MIN else speed), before_max


@dataclass(frozen=True)
class TrainConfig:
    """How a run starts; commands change the live values (the settings, the speed) afterwards."""

    settings: Settings = Settings()  # lr, autograd, optimizer, β, batch size, split, penalties (settings.py)
    init: tuple[float, ...] | None = None  # the θ = (w₁ … w_d, b) every run starts from (z returns there); None: 0
    shuffle_seed: int = 42  # minibatch order of data from a file (generated data uses its own seed)
    device: str = "cpu"  # auto, cpu, cuda, cuda:N or mps
    epochs: int = 1001  # per run, then done; 0 = no limit
    speed: float | None = None  # epochs per second at most; None = as fast as it goes
    start_paused: bool = False
    publish_interval: float = 1 / 30  # seconds between snapshots while training
    # the same while training runs uncapped (None: publish_interval): a reader that looks less often at
    # full speed can ask for fewer, since each snapshot costs training time
    uncapped_publish_interval: float | None = None
    script: tuple[Event, ...] = ()  # --replay: changes to apply at their epochs, until a person takes over

    def start(self, d: int) -> tuple[float, ...]:
        """θ where a run on data with d features starts: init, or 0 (also when init is another dimension's: a
        preset that brings data with more features starts from 0)."""
        return self.init if self.init is not None and len(self.init) == d + 1 else (0.0,) * (d + 1)


SCORE_BINS = 4096  # the score summary's bins: every screen-sized plot of the scores is drawn from them


@dataclass(frozen=True, eq=False)
class ScoreSummary:
    """Where the points' scores z = w·x + b lie, binned where the data is (Trainer.score_summary): for the views
    of data with more than one feature, whose cost then stays O(screen) at any N and d."""

    low: float  # z of the first bin's left edge (the smallest finite score, less a margin)
    high: float  # of the last bin's right edge
    occupied: np.ndarray  # 4 × SCORE_BINS bool: training class 0, training class 1, held-out class 0, class 1


@dataclass(frozen=True)
class Figures:
    """What the engine measured at one θ = (w₁ … w_d, b), where the data is, in one transfer (Trainer.host_values).

    Every figure is at `theta`; the gradient is as the current autograd mode computes it (the tutorial's Function:
    N× the true one).
    """

    theta: tuple[float, ...]  # (w₁ … w_d, b)
    gradient: tuple[float, ...]  # (∂L/∂w₁ … ∂L/∂w_d, ∂L/∂b)
    loss: float  # the mean BCE there, in the current autograd mode (the loss curve's next point)
    accuracy: float  # at threshold σ = 0.5
    saturated_share: float  # of the training points whose σ(w·x + b) is exactly 0 or 1 in float32
    stuck_share: float  # of those on the wrong side: builtin BCE clamps their loss at 100 and gives no gradient
    epoch_loss_so_far: float  # the mean of a long minibatch epoch's batch losses so far; NaN between epochs
    val_loss: float  # NaN without a held-out split
    val_accuracy: float
    scores: ScoreSummary | None = None  # with more than one feature (one feature's views bin x itself)

    @classmethod
    def unknown(cls, theta: tuple[float, ...]) -> Figures:
        """θ alone, before anything is measured there (torch still loading)."""
        nan = float("nan")
        return cls(tuple(theta), (nan,) * len(theta), nan, nan, nan, nan, nan, nan, nan)

    @property
    def d(self) -> int:
        return len(self.theta) - 1

    @property
    def weights(self) -> tuple[float, ...]:
        return self.theta[:-1]

    @property
    def b(self) -> float:
        return self.theta[-1]


@dataclass(frozen=True, eq=False)
class Snapshot:
    """What the engine looked like between two epochs. Never changed; a new one replaces it."""

    version: int  # grows with every publish
    status: Status
    epoch: int  # epochs completed
    figures: Figures  # what the engine measured at the shown θ (after `epoch` epochs' steps)
    settings: Settings  # what this run trains with now
    steps: int  # optimizer steps so far in this run
    epoch_progress: float  # the share of the points a long minibatch epoch has stepped over (0 between epochs)
    last_loss: float  # the last epoch's loss: the curve's last point (at the w, b that epoch started from)
    last_val_loss: float  # the last epoch's held-out loss (full batch: where last_loss is; minibatch: after its steps)
    saturated: bool  # σ is 0 or 1 on nearly every point and the gradient has vanished far above the minimum's loss
    val_history: HistoryView | None  # None without a split
    epochs_per_second: float  # measured over the last half second of running; 0 when stopped
    run_epochs_per_second: float  # the run's epochs ÷ the time spent training them
    speed: float | None  # the cap; None = no cap
    epochs: int  # the budget per run; 0 = no limit
    stop_at: int | None  # the epoch at which this run pauses as done
    device: str
    dataset: Dataset  # replaced, not changed, on reseed
    history: HistoryView
    path: PathView  # the (w, b) of every epoch, reduced to a bounded number of points
    optimum: Optimum | None  # the loss's minimum on the training points; None until computed
    near_optimum_at: int | None  # the first epoch whose loss was within 1 % of the minimum's; None: not yet
    events: tuple[Event, ...]  # the changes a person made during this run, oldest first
    ghosts: tuple[Snapshot, ...]  # the runs that ended before this one (their last snapshots), newest first
    message: str  # why it diverged, or a command that could not apply; "" otherwise
    warning: str = ""  # what the state itself warns of (an lr past the stable limit here); the line shows it after
    curvature_here: Curvature | None = None  # the objective's Hessian at the shown w, b (core/maths/curvature.py)
    curvature_at_minimum: Curvature | None = None  # and at its minimum; None without one (or before training)
    condition_rescaled: float | None = None  # κ at the minimum with the data scaled the other way (d > 1: run.py)
    near_estimate: float | None = None  # the epoch the curvature predicts for near_optimum_at; None: not predicted
    function: str = ""  # --function's file name, once a usable Function is loaded from it
    function_class: str = ""  # the Function's class in that file (the script an export writes calls it)
    function_verdict: str = ""  # its check: PASS (…) or FAIL: the diagnosis (…)
    function_sha256: str = ""  # sha256 of the source that was loaded (a replay checks its file against it)
    function_source: str = ""  # that source: an export copies it into its script (never the file as it is now)
    function_stale: bool = False  # the file's last save could not be used: function_verdict is the last good one's
    # the paths before each change of features in this run (f), oldest first: (those features, their path)
    earlier_paths: tuple[tuple[tuple[str, ...], PathView], ...] = ()

    # the figures by name, for their many readers (one feature's w and ∂w: the first weight's)
    @property
    def loss(self) -> float:
        return self.figures.loss

    @property
    def accuracy(self) -> float:
        return self.figures.accuracy

    @property
    def theta(self) -> tuple[float, ...]:
        return self.figures.theta

    @property
    def weights(self) -> tuple[float, ...]:
        return self.figures.weights

    @property
    def w(self) -> float:
        """One feature's w (with more: the first weight; the views that draw one feature read it)."""
        return self.figures.theta[0]

    @property
    def b(self) -> float:
        return self.figures.b

    @property
    def grad_w(self) -> float:
        return self.figures.gradient[0]

    @property
    def grad_b(self) -> float:
        return self.figures.gradient[-1]

    @property
    def saturated_share(self) -> float:
        return self.figures.saturated_share

    @property
    def stuck_share(self) -> float:
        return self.figures.stuck_share

    @property
    def epoch_loss_so_far(self) -> float:
        return self.figures.epoch_loss_so_far

    @property
    def val_loss(self) -> float:
        return self.figures.val_loss

    @property
    def val_accuracy(self) -> float:
        return self.figures.val_accuracy

    def with_figures(self, **changes: Any) -> Snapshot:
        """This snapshot with some figures changed (a what-if: the stats at another loss or θ)."""
        return replace(self, figures=replace(self.figures, **changes))

    # the settings by name, for the many readers of one of them
    @property
    def lr(self) -> float:
        return self.settings.lr

    @property
    def autograd(self) -> Autograd:
        return self.settings.autograd

    @property
    def optimizer(self) -> Optimizer:
        return self.settings.optimizer

    @property
    def momentum(self) -> float:
        return self.settings.momentum

    @property
    def batch_size(self) -> int:
        return self.settings.batch_size

    @property
    def val_frac(self) -> float:
        return self.settings.val_frac

    @property
    def objective(self) -> float:
        """What training minimises, at the shown θ: the data loss plus the penalties (the loss when none)."""
        return self.loss + self.settings.penalty(self.w) if self.settings.penalized else self.loss

    @property
    def full_batch(self) -> bool:
        return self.settings.full_batch(self.n_train)

    @property
    def seed(self) -> int | None:
        return self.dataset.seed

    @property
    def n_points(self) -> int:
        return self.dataset.n_points

    @property
    def n_train(self) -> int:
        """The points trained on: all but the held-out ones."""
        return self.dataset.n_train(self.settings.val_frac)

    @property
    def class_share(self) -> float:
        """The share of trained points in class 1 (what guessing knows)."""
        trained = self.dataset.y[:self.n_train]
        return float(trained.mean()) if len(trained) else 0.0


def before_training(dataset: Dataset, config: TrainConfig) -> Snapshot:
    """What there is to show before the engine exists (torch still loading): the data, θ where the run starts,
    no history."""
    nan = float("nan")
    start = config.start(dataset.d)
    return Snapshot(version=0, status="paused", epoch=0, figures=Figures.unknown(start), settings=config.settings,
                    steps=0, epoch_progress=0.0, last_loss=nan, last_val_loss=nan, saturated=False, val_history=None,
                    epochs_per_second=0.0, run_epochs_per_second=0.0, speed=config.speed,
                    epochs=config.epochs, stop_at=config.epochs or None, device=config.device, dataset=dataset,
                    history=LossHistory().view(), path=_start_path(start), optimum=None, near_optimum_at=None,
                    events=(), ghosts=(), message="")


def _start_path(theta: tuple[float, ...]) -> PathView:
    path = PathHistory()
    path.start(0, *theta)
    return path.view()
