"""What a stop means, in words a learner can act on: divergence by its cause, saturation, going on afterwards.

No torch and no UI: the engine decides *that* a run stopped; this module says *why* and *what gets past it*.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from logreg_tui.core.optimum import Optimum
    from logreg_tui.core.runs import Event
    from logreg_tui.core.settings import Settings

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

    @property
    def at_start(self) -> bool:
        """True when the w, b the epoch started from are at fault, not the step it took."""
        return self in (Cause.LOGITS, Cause.LOSS)


def divergence_message(cause: Cause, failed_at: int, back_at: int, settings: Settings, reached: float,
                       n_train: int) -> str:
    """diverged at epoch 271 with lr 0.001: <the true cause>; <what gets past it>.

    reached: max |w·x + b| where the forward failed. Just past σ's float32 edge, the tutorial's forward failed as
    w, b grew slowly: only a stable autograd helps. Far past it, one step overshot: the lr is too large.
    """
    head = f"diverged at epoch {failed_at} with lr {settings.lr:g}"
    back = f"back at epoch {back_at}, the last w, b with a finite loss"
    tutorial = settings.autograd == "tutorial"
    if cause is Cause.LOSS and tutorial and reached <= SLOW_GROWTH_LOGIT:
        return (f"{head}: the tutorial's forward takes log(1 − σ(w·x + b)), which is log 0 = −inf in float32 once "
                f"w·x + b > {FLOAT32_SIGMOID_EDGE} on a point (σ rounds to 1); {back}. a switches to a stable "
                "autograd and goes on (a smaller lr only delays it)")
    if cause is Cause.LOSS and not tutorial:
        return f"{head}: the loss is not finite at finite w, b; {back}. a, o or a smaller lr (-) goes on; z resets"
    if cause is Cause.PARAMS:
        what = "the step took w or b past float32's range"
    elif cause is Cause.LOGITS:
        what = "w·x + b overflowed float32 (about 3.4e38)"
    else:
        what = f"one step took w·x + b to {reached:.3g}, where the tutorial's forward is log 0 = −inf"
    why = (f" (the tutorial's backward skips the mean's 1/N: its steps are {n_train}× lr's)" if tutorial else "")
    return f"{head}: {what}, so lr is too large for this data{why}; {back}. - lowers lr and goes on; z resets"


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
