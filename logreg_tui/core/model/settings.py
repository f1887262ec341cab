"""Each training setting described once: its default, its option, how its values read in the stats, events,
legends and compare lines, and whether a key changes it during a run.

`Settings` is what a run trains with now (the snapshot carries it whole); `SETTINGS` describes its fields, and
everything that lists settings (the parser, --compare, events, ghost labels, compare lines, the stats, the export)
reads that table. A new setting is a field here and a row in SETTINGS; the maths that uses it lives in training/.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

from logreg_tui.core.maths.objective import penalty
from logreg_tui.core.words.formatting import format_number

# torch's, the hand-written correct one, the tutorial's as written, a person's own (--function FILE.py)
Autograd = Literal["builtin", "custom", "tutorial", "file"]
AUTOGRADS: tuple[Autograd, ...] = get_args(Autograd)
Optimizer = Literal["sgd", "momentum", "nesterov", "adam"]  # torch.optim.SGD, with momentum, nesterov; Adam
OPTIMIZERS: tuple[Optimizer, ...] = get_args(Optimizer)
BETA_OPTIMIZERS: tuple[Optimizer, ...] = ("momentum", "nesterov")  # the ones that read β

LR_MIN, LR_MAX = 1e-6, 1e3  # every way of setting lr (--lr, --compare, L, + and -) stays within these
BATCH_SIZES = (256, 64, 16, 1)  # what the b key steps through after full batch
PENALTY_MAX = 1e3  # λ of --l2 and --l1 at most
PENALTY_LADDER = (0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)  # what the 2 and 1 keys step through
THRESHOLD_LADDER = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)  # what < and > step through


@dataclass(frozen=True)
class Settings:
    """What a run trains with now. Commands change them live; the split takes effect when a run starts."""

    lr: float = 0.2  # the tutorial's
    autograd: Autograd = "builtin"
    optimizer: Optimizer = "sgd"
    momentum: float = 0.9  # β of momentum and nesterov
    batch_size: int = 0  # 0 (or ≥ the training points): full batch
    val_frac: float = 0.0  # the last round(N·val_frac) points are held out
    l2: float = 0.0  # λ of the L2 penalty (λ/2)·w² added to the objective (b is not penalised)
    l1: float = 0.0  # λ of the L1 penalty λ·|w|
    threshold: float = 0.5  # t: a point is called positive where σ(wx + b) > t (not trained on; evaluation only)

    @property
    def penalized(self) -> bool:
        return bool(self.l2 or self.l1)

    def penalty(self, w: float | tuple[float, ...]) -> float:
        """What the penalties add to the mean loss at w (a number, or the d weights): the objective is the data
        loss plus this (core/maths/objective.penalty)."""
        return penalty(w, self.l2, self.l1)

    @property
    def uses_beta(self) -> bool:
        """Whether the optimizer reads β (momentum): where β is shown and where changing it means something."""
        return self.optimizer in BETA_OPTIMIZERS

    def full_batch(self, n_train: int) -> bool:
        return not self.batch_size or self.batch_size >= n_train

    def batch_points(self, n_train: int) -> int:
        """The points one step averages over."""
        return n_train if self.full_batch(n_train) else self.batch_size


# -- what the command line accepts: one range per setting, for every way of setting it


def number(text: str, what: str) -> float:
    """text as a finite float; ArgumentTypeError names `what` was expected."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def whole(text: str, low: int, high: int | None = None) -> int:
    what = f"a whole number ≥ {low}" if high is None else f"a whole number from {low} to {high}"
    value = number(text, what)
    if value != int(value) or value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return int(value)


def in_range(text: str, what: str, within: Callable[[float], bool]) -> float:
    """text as a number that `within` accepts; ArgumentTypeError names `what` was expected otherwise."""
    value = number(text, what)
    if not within(value):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def learning_rate(text: str) -> float:
    """The one lr range, for --lr, --compare, the L prompt and the + / - keys."""
    return in_range(text, f"a learning rate from {LR_MIN:g} to {LR_MAX:g}", lambda v: LR_MIN <= v <= LR_MAX)


def penalty_rate(text: str) -> float:
    """λ of a penalty: 0 (none) … PENALTY_MAX."""
    return in_range(text, f"a penalty from 0 to {PENALTY_MAX:g}", lambda v: 0 <= v <= PENALTY_MAX)


def unit_fraction(text: str) -> float:
    """0 ≤ value < 1: β, and the share held out."""
    return in_range(text, "a number from 0 up to (not including) 1", lambda v: 0 <= v < 1)


def probability_threshold(text: str) -> float:
    """0 < t < 1: the decision threshold on σ(wx + b) (at 0 or 1 every point, or none, is called positive)."""
    return in_range(text, "a threshold strictly between 0 and 1", lambda v: 0 < v < 1)

# -- the table


@dataclass(frozen=True)
class Setting:
    """One training setting: how it is given, and how its values read.

    `name` is the Settings field, the option's dest (--batch-size is batch_size), an event's kind and a
    --compare name. A legend or compare line shows `legend(settings, n_train)`; an event `label` + `words`.
    """

    name: str
    parse: Callable[[str], Any] | None  # the option's argparse type; None with `choices`
    help: str
    words: Callable[[Any], str] = format_number  # one value, as an event says it: lr 0.2 → 0.4
    label: str = ""  # what comes before the values in an event ("lr "); "" where the value names itself
    choices: tuple[str, ...] | None = None
    metavar: str | None = None
    stat: str | None = None  # its line's label in the stats panel; None: shown elsewhere (or not at all)
    stat_value: Callable[[Settings, int], str | None] | None = None  # its value there (None: no line); default: words
    legend: Callable[[Settings, int], str] | None = None  # in legends and compare lines; None: not there
    always_in_line: bool = False  # a compare line names it even at its default
    legend_rank: int = 0  # lower first: where a legend has room for one difference, the one that names a run best
    live: bool = True  # a key changes it during a run (False: it takes effect when a run starts)
    ladder: tuple[Any, ...] = ()  # the values a key steps through (Steering.step_setting), if any
    shapes_objective: bool = False  # it changes the loss being minimised: the optimum and the landscape follow it
    question: str = ""  # what a prompt for a typed value asks (tui: L, @, !)
    wraps: bool = True  # past the ladder's last step comes its first (False: it stays at either end)

    @property
    def default(self) -> Any:
        return getattr(Settings(), self.name)

    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


def _batch_words(batch_size: int) -> str:
    return f"batch {batch_size}" if batch_size else "full batch"


SETTINGS: tuple[Setting, ...] = (
    Setting("lr", learning_rate, f"learning rate, {LR_MIN:g} … {LR_MAX:g} (0.2)", label="lr ", stat="lr",
            legend=lambda s, n: f"lr {format_number(s.lr)}", always_in_line=True, legend_rank=1,
            question=f"learning rate ({LR_MIN:g} … {LR_MAX:g})"),
    Setting("autograd", None, "gradient mode (builtin)", str, "autograd ", choices=AUTOGRADS, stat="autograd",
            legend=lambda s, n: s.autograd, legend_rank=3),
    Setting("optimizer", None, "optimizer (sgd)", str, choices=OPTIMIZERS, stat="optim",
            stat_value=lambda s, n: s.optimizer + (f" β {s.momentum:.3g}" if s.uses_beta else ""),
            legend=lambda s, n: s.optimizer + (f" β {s.momentum:g}" if s.uses_beta else ""), always_in_line=True),
    Setting("momentum", unit_fraction, "β of momentum and nesterov (0.9)", lambda beta: f"{beta:.3g}", "β ",
            metavar="β"),  # shown with the optimizer that reads it
    Setting("batch_size", lambda t: whole(t, 0), "minibatch size; 0 = full batch (0)", _batch_words,
            metavar="B", stat="batch", stat_value=lambda s, n: "full" if s.full_batch(n) else str(s.batch_size),
            legend=lambda s, n: _batch_words(0 if s.full_batch(n) else s.batch_size),
            always_in_line=True, legend_rank=2),
    Setting("val_frac", unit_fraction, "hold out the last round(N·F) points for a validation loss (0)",
            lambda f: f"{f:g}", "val ", metavar="F", legend_rank=4, live=False,
            legend=lambda s, n: f"val {s.val_frac:g}" if s.val_frac else "no val"),
    Setting("l2", penalty_rate, "L2 penalty λ: the objective adds (λ/2)·w², b is not penalised (0)", label="l2 ",
            metavar="λ", stat="l2", stat_value=lambda s, n: format_number(s.l2) if s.l2 else None,
            legend=lambda s, n: f"l2 {format_number(s.l2)}", legend_rank=5, ladder=PENALTY_LADDER,
            shapes_objective=True, question=f"L2 penalty λ (0 … {PENALTY_MAX:g})"),
    Setting("l1", penalty_rate, "L1 penalty λ: the objective adds λ·|w|, b is not penalised (0)", label="l1 ",
            metavar="λ", stat="l1", stat_value=lambda s, n: format_number(s.l1) if s.l1 else None,
            legend=lambda s, n: f"l1 {format_number(s.l1)}", legend_rank=6, ladder=PENALTY_LADDER,
            shapes_objective=True, question=f"L1 penalty λ (0 … {PENALTY_MAX:g})"),
    Setting("threshold", probability_threshold, "decision threshold t: a point is called 1 where σ(wx + b) > t "
            "(0.5); the confusion matrix, precision, recall and F1 are at t", label="t ", metavar="T",
            stat="t", stat_value=lambda s, n: format_number(s.threshold) if s.threshold != 0.5 else None,
            legend=lambda s, n: f"t {format_number(s.threshold)}", legend_rank=7, ladder=THRESHOLD_LADDER,
            wraps=False, question="decision threshold t (strictly between 0 and 1)"),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}
assert list(BY_NAME) == [field.name for field in fields(Settings)], "a row in SETTINGS per Settings field, in order"


def stat_words(setting: Setting, settings: Settings, n_train: int) -> str | None:
    """A setting's value in the stats panel (its label names it)."""
    if setting.stat_value is not None:
        return setting.stat_value(settings, n_train)
    return setting.words(getattr(settings, setting.name))


def legend_words(settings: Settings, n_train: int) -> dict[str, str]:
    """Each setting a legend can name, as it reads there, the best namer first."""
    shown = sorted((row for row in SETTINGS if row.legend), key=lambda row: row.legend_rank)
    return {row.name: row.legend(settings, n_train) for row in shown if row.legend}


def line_words(settings: Settings, n_train: int) -> list[str]:
    """What a compare line names: the settings always named, and any other away from its default."""
    words = legend_words(settings, n_train)
    return [words[row.name] for row in sorted(SETTINGS, key=lambda row: row.legend_rank)
            if row.name in words and (row.always_in_line or getattr(settings, row.name) != row.default)]


def next_on_ladder(ladder: tuple[Any, ...], value: Any, direction: int = 1, wraps: bool = True) -> Any:
    """The ladder's next value after `value` going up (direction 1) or down (−1); a value between two steps goes
    to the one that way. Past the end: round to the other end when it wraps, else `value` stays."""
    if direction > 0:
        beyond = [step for step in ladder if step > value]
        return beyond[0] if beyond else ladder[0] if wraps else value
    beyond = [step for step in ladder if step < value]
    return beyond[-1] if beyond else ladder[-1] if wraps else value


def objective_of(settings: Settings) -> tuple[tuple[str, Any], ...]:
    """The settings that shape the loss being minimised, (name, value) each: equal keys, the same optimum and
    landscape; dict() of it is the keywords that find_optimum and LossSurface.loss take."""
    return tuple((row.name, getattr(settings, row.name)) for row in SETTINGS if row.shapes_objective)


def next_lr(lr: float, factor: float) -> float:
    """lr × factor, unless that leaves LR_MIN … LR_MAX: then lr stays on its grid, so k steps back undo k.

    An lr outside the range (--lr 1e38) steps straight into it.
    """
    scaled = lr * factor
    if (lr > LR_MAX and factor < 1) or (lr < LR_MIN and factor > 1):
        return min(max(scaled, LR_MIN), LR_MAX)
    return scaled if LR_MIN <= scaled <= LR_MAX else lr


def lr_scaled(lr: float, factor: float) -> tuple[float, str]:
    """(next_lr, "") or, when it stays, (lr, why): what + and - do."""
    scaled = next_lr(lr, factor)
    if scaled != lr:
        return scaled, ""
    edge, word = (LR_MAX, "top") if factor > 1 else (LR_MIN, "bottom")
    return lr, f"lr stays {lr:g}: × {factor:g} would pass {edge:g}, the {word} of the lr range (L types any lr in it)"


def next_optimizer(optimizer: Optimizer) -> Optimizer:
    """sgd → momentum → nesterov → adam → sgd."""
    return OPTIMIZERS[(OPTIMIZERS.index(optimizer) + 1) % len(OPTIMIZERS)]


def next_batch_size(batch_size: int, n_train: int) -> int:
    """Full batch (0) → 256 → 64 → 16 → 1 → full, skipping sizes not below the training points."""
    sizes = [0] + [size for size in BATCH_SIZES if size < n_train]
    current = batch_size if batch_size < n_train else 0
    return sizes[(sizes.index(current) + 1) % len(sizes)] if current in sizes else 0
