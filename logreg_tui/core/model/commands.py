"""What a person asks of the engine, as data: a key, a typed value, a click and a replay's recorded change each
become one of these frozen commands, which the engine applies in one place (training/steering.Steering._apply).
No torch, no Textual: the app builds them by name (BY_NAME), the replay from its events (from_event).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from logreg_tui.core.model.data import Dataset
from logreg_tui.core.model.runs import Event
from logreg_tui.core.model.settings import BY_NAME as SETTING_BY_NAME
from logreg_tui.core.model.settings import Autograd, Settings


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class TogglePause:
    """Pause when running, else resume: decided when applied, so that quick presses never cancel out wrongly."""


@dataclass(frozen=True)
class Step:
    epochs: int = 1


@dataclass(frozen=True)
class Release:
    """Start training (as the config says) after the commands sent before this one."""


@dataclass(frozen=True)
class Reseed:
    seed: int | None = None  # None: the next seed


@dataclass(frozen=True)
class Reset:
    """θ and the epoch back to the start on the same data."""


@dataclass(frozen=True)
class Configure:
    """Live settings changed from the current θ: (name, value) pairs, a setting's name as settings.SETTINGS has it."""

    changes: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, **changes: Any) -> Configure:
        return cls(tuple(changes.items()))


@dataclass(frozen=True)
class ScaleLr:
    factor: float


@dataclass(frozen=True)
class ToggleAutograd:
    alternative: Autograd  # builtin ↔ this


@dataclass(frozen=True)
class CycleOptimizer:
    pass


@dataclass(frozen=True)
class CycleBatchSize:
    pass


@dataclass(frozen=True)
class StepSetting:
    """A setting with a ladder one step up (direction 1) or down (−1)."""

    name: str
    direction: int = 1


@dataclass(frozen=True)
class UseBest:
    """The lr (and β) the curvature at the minimum says is fastest."""


@dataclass(frozen=True)
class MoveTo:
    theta: tuple[float, ...]  # (w₁ … w_d, b)


@dataclass(frozen=True)
class MoveBy:
    delta: tuple[float, ...]  # added to θ as it is when the command applies


@dataclass(frozen=True)
class UseFeatures:
    """Train on other crosses of x₁, x₂ (crosses.py) from the current θ, in the same run: a kept feature keeps its
    weight, a new one starts at 0, b stays; the optimizer's state fresh, as after a move."""

    features: tuple[str, ...]


@dataclass(frozen=True)
class ClearGhosts:
    pass


@dataclass(frozen=True)
class SetSpeed:
    speed: float | None  # epochs/s at most; None: no cap


@dataclass(frozen=True)
class ScaleSpeed:
    factor: float


@dataclass(frozen=True, eq=False)
class StartOver:
    """A new run on other data, with other settings and budget (a preset, a lesson's step), from `init` (z returns
    there; None: θ = 0)."""

    dataset: Dataset
    settings: Settings
    epochs: int
    init: tuple[float, ...] | None = None


@dataclass(frozen=True, eq=False)
class UseFunction:
    """A checked Function from --function's file (training/homework.Homework), loaded or reloaded on save."""

    homework: Any
    switch: bool = False  # train with it now


@dataclass(frozen=True)
class FunctionFailed:
    """The file gave no Function: why, in words."""

    why: str


Command = (Pause | Resume | TogglePause | Step | Release | Reseed | Reset | Configure | ScaleLr | ToggleAutograd
           | CycleOptimizer | CycleBatchSize | StepSetting | UseBest | MoveTo | MoveBy | UseFeatures | ClearGhosts
           | SetSpeed | ScaleSpeed | StartOver | UseFunction | FunctionFailed)

# the commands a key or a prompt names (the key table's engine('scale_lr', 2)), with the arguments it passes
BY_NAME: dict[str, Callable[..., Command]] = {
    "toggle_pause": TogglePause, "pause": Pause, "resume": Resume, "step": Step, "reset": Reset, "reseed": Reseed,
    "scale_lr": ScaleLr, "toggle_autograd": ToggleAutograd, "cycle_optimizer": CycleOptimizer,
    "cycle_batch_size": CycleBatchSize, "use_best": UseBest, "clear_ghosts": ClearGhosts,
    "step_setting": StepSetting, "step_setting_down": lambda name: StepSetting(name, -1),
    "configure_one": lambda name, value: Configure(((name, value),)),
    "move_to": lambda *theta: MoveTo(tuple(theta)), "move_by": lambda *delta: MoveBy(tuple(delta)),
    "set_speed": SetSpeed, "scale_speed": ScaleSpeed, "use_features": lambda *names: UseFeatures(tuple(names)),
}


def from_event(event: Event) -> Command | None:
    """The command that makes a recorded change again (a replay): a move, the features, or a live setting; None
    for what a replay does not apply itself (a reload of the Function, which waits for the file's check)."""
    change = event.change
    if change.kind == "move" and isinstance(change.after, tuple):
        return MoveTo(change.after)
    if change.kind == "features" and isinstance(change.after, tuple):
        return UseFeatures(change.after)
    if change.kind in SETTING_BY_NAME and SETTING_BY_NAME[change.kind].live:
        return Configure(((change.kind, change.after),))
    return None
