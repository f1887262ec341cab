"""What a stop means, in words a learner can act on: divergence by its cause, saturation, going on afterwards.

No torch and no UI: the engine decides *that* a run stopped; this module says *why* and *what gets past it*.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from logreg_tui.core.maths.optimum import Optimum
    from logreg_tui.core.model.runs import Event
    from logreg_tui.core.model.settings import Settings

# σ(z) rounds to 1 in float32 once e^−z < 2^−24: z > 16.6 (and to 0 below about −88): then the tutorial's
# log(1 − σ) or log σ is log 0 = −inf, and 0·(−inf) = NaN
FLOAT32_SIGMOID_EDGE = 16.6
SLOW_GROWTH_LOGIT = 100.0  # |w·x + b| up to this at a failed forward: w, b grew there, no step overshot
CLAMPED_LOSS = 100.0  # torch's binary_cross_entropy clamps log at −100: a saturated wrong point's loss
FAR_ABOVE_MINIMUM = 1.0  # nats of loss above the minimum's, held by stuck points: not converged


class Cause(str, Enum):
    """Why an epoch could not be kept."""

    NONE = ""
    LOGITS = "logits"  # w·x + b overflowed float32 at the w, b the forward started from
    LOSS = "loss"  # the loss is not finite at finite w, b and logits (the tutorial's log(1 − σ) in float32)
    PARAMS = "params"  # the step took w or b past float32's range
    GRADIENT = "gradient"  # the gradient is not finite at finite w, b, logits and loss: the autograd's own doing

    @property
    def at_start(self) -> bool:
        """True when the w, b the epoch started from are at fault, not the step it took."""
        return self in (Cause.LOGITS, Cause.LOSS)


def divergence_message(cause: Cause, failed_at: int, back_at: int, settings: Settings, reached: float,
                       n_train: int, function: str = "") -> str:
    """diverged at epoch 271 with lr 0.001: <the true cause>; <what gets past it>.

    reached: max |w·x + b| where the forward failed. Just past σ's float32 edge, the tutorial's forward failed as
    w, b grew slowly: only a stable autograd helps. Far past it, one step overshot: the lr is too large.
    """
    head = f"diverged at epoch {failed_at} with lr {settings.lr:g}"
    back = f"back at epoch {back_at}, the last w, b with a finite loss"
    if settings.autograd == "file" and cause in (Cause.GRADIENT, Cause.LOSS):
        return function_blamed(cause, failed_at, back_at, function or "the --function file")
    tutorial = settings.autograd == "tutorial"
    if cause is Cause.LOSS and tutorial and reached <= SLOW_GROWTH_LOGIT:
        return (f"{head}: the tutorial's forward takes log(1 − σ(w·x + b)), which is log 0 = −inf in float32 once "
                f"w·x + b > {FLOAT32_SIGMOID_EDGE} on a point (σ rounds to 1); {back}. a switches to a stable "
                "autograd and goes on (a smaller lr only delays it)")
    if cause is Cause.LOSS and not tutorial:
        return f"{head}: the loss is not finite at finite w, b; {back}. a, o or a smaller lr (-) goes on; z resets"
    if cause is Cause.GRADIENT:
        return f"{head}: the gradient is not finite at finite w, b and logits; {back}. a, o or z goes on"
    if cause is Cause.PARAMS:
        what = "the step took w or b past float32's range"
    elif cause is Cause.LOGITS:
        what = "w·x + b overflowed float32 (about 3.4e38)"
    else:
        what = f"one step took w·x + b to {reached:.3g}, where the tutorial's forward is log 0 = −inf"
    why = (f" (the tutorial's backward skips the mean's 1/N: its steps are {n_train}× lr's)" if tutorial else "")
    return f"{head}: {what}, so lr is too large for this data{why}; {back}. - lowers lr and goes on; z resets"


def function_blamed(cause: Cause, failed_at: int, back_at: int, function: str) -> str:
    """A person's Function returned NaN or inf from finite w, b and logits: no lr fixes that."""
    part = "forward returned a loss" if cause is Cause.LOSS else "backward returned a gradient"
    return (f"stopped at epoch {failed_at}: {function}'s {part} that is not finite (NaN or inf) at finite w, b and "
            f"finite logits, so no lr fixes it; back at epoch {back_at}. a trains with builtin; fix the file and "
            "save (it reloads)")


# what the app's messages advise with keys, said with options for a headless run (its stderr line)
HEADLESS_WAYS = (
    ("a switches to a stable autograd and goes on (a smaller lr only delays it)",
     "--autograd custom or builtin is stable (a smaller --lr only delays it)"),
    ("a, o or a smaller lr (-) goes on; z resets", "another --autograd, --optimizer or a smaller --lr gets past it"),
    ("- lowers lr and goes on; z resets", "a smaller --lr gets past it"),
    ("a, o or z goes on", "another --autograd or --optimizer gets past it"),
    ("a trains with builtin; fix the file and save (it reloads)", "fix the file, or train without --function"),
    ("z resets (then a smaller lr), a uses custom autograd (its σ − y does not vanish), or ←→↑↓ move w, b by hand",
     "a smaller --lr, --autograd custom (its σ − y does not vanish) or another --init gets past it"),
    ("(- lowers lr; B sets the best lr for this data)", "(a smaller --lr; --compare lr=best finds the best lr)"),
)


def headless_words(message: str) -> str:
    """An engine message with its advice in options instead of app keys (a headless run has no keys)."""
    for app, options in HEADLESS_WAYS:
        message = message.replace(app, options)
    return message


def going_on_message(cause: Cause, change: Event, epoch: int) -> str:
    """What a change after a divergence does: going on from the restored w, b, and whether the cause remains."""
    text = f"going on from epoch {epoch}'s w, b after {change.what}"
    if cause is Cause.LOSS and change.kind != "autograd":
        text += (f" (the tutorial's forward fails again once w·x + b passes {FLOAT32_SIGMOID_EDGE}: "
                 "a switches to a stable autograd)")
    return text + "; space runs"


def saturation_message(values: dict[str, float], optimum: Optimum | None, autograd: str) -> str:
    """Why training is stuck though nothing diverged, or "" when it is not.

    Saturated: σ is exactly 0 or 1 in float32 on points of the wrong class, where builtin BCE clamps the loss at
    100 and its gradient through σ is 0, and these points hold the loss far above the minimum's: stuck, not
    converged, whatever the lr (custom autograd's gradient σ − y does not vanish there).
    """
    share, stuck, loss = values["saturated_share"], values["stuck_share"], values["loss"]
    floor = optimum.loss if optimum is not None and math.isfinite(optimum.loss) else 0.0
    if autograd != "builtin" or not (stuck * CLAMPED_LOSS >= FAR_ABOVE_MINIMUM and loss > floor + FAR_ABOVE_MINIMUM):
        return ""
    return (f"saturated: σ(w·x + b) is 0 or 1 in float32 on {share:.1%} of the points, {stuck:.1%} on the wrong "
            f"side, where the gradient is 0: the loss {loss:.4g} stays far above the minimum's {floor:.4g} (stuck, "
            "not converged). z resets (then a smaller lr), a uses custom autograd (its σ − y does not vanish), "
            "or ←→↑↓ move w, b by hand")


AS_GOOD_AS_GUESSING = 0.98  # the minimum's loss within 2 % of guessing's: no line does much better than a coin


def guessing_note(optimum: Optimum | None, share: float, how: str = "") -> str:
    """Why the loss stays where it started, when that is the lesson (xor, a disc in a ring): the best line is no
    better than guessing the class share (the share of trained points in class 1), so the minimum's loss is the
    labels' entropy (ln 2 when half are 1); "" otherwise. A separable set has no minimum and is never this."""
    if optimum is None or not optimum.exists or not 0.0 < share < 1.0:
        return ""
    entropy = -share * math.log(share) - (1 - share) * math.log(1 - share)
    if optimum.loss < AS_GOOD_AS_GUESSING * entropy:
        return ""
    guess = "ln 2 = 0.693" if abs(share - 0.5) < 0.005 else f"{entropy:.3g} with {share:.0%} in class 1"
    return (f"no line splits these classes: the loss stays at guessing's ({guess}; the minimum {optimum.loss:.4g}), "
            "the lesson, not a failure: features x₁·x₂ or x₁² + x₂² would split them" + (f" ({how})" if how else ""))
