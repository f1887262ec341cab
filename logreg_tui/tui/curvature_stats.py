"""The stats panel's curvature page (the k key): why gradient descent is slow here, in numbers (core/maths/curvature).

Each line is (label, value) like the stats' own; a value of None leaves the line out. What does not fit a value
is a note under the lines: why the formulas do not apply, or that there is no minimum.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from logreg_tui.core.maths.curvature import Curvature, predicted_rate, rates_apply
from logreg_tui.core.model.state import Snapshot
from logreg_tui.core.words.formatting import FLOAT32_EPSILON, format_number


def _eigenvalues(curvature: Curvature | None) -> str | None:
    """λ_min λ_max with one feature; with more, every eigenvalue where they fit the panel (three at d = 2: to 3
    digits, or 2, or 2 without the leading zeros, .0052 .037 .13), else the two ends with … between."""
    if curvature is None:
        return None
    for digits, bare in ((3, False), (2, False), (2, True)):
        every = " ".join(_short(value, digits, bare) for value in curvature.eigenvalues)
        if len(every) <= VALUE_WIDTH:
            return every
    return _fitting(*(f"{_number(curvature.low, digits)} … {_number(curvature.high, digits)}" for digits in (2, 1)))


def _number(value: float, digits: int) -> str:
    """`value` to `digits` significant digits, an exponent without its sign's + and leading zeros (3.5e4, 3.2e-5)."""
    text = f"{value:.{digits}g}"
    mantissa, e, exponent = text.partition("e")
    if e and 1 <= abs(value) < 10_000:  # 200 reads better than 2e2
        return f"{value:.0f}"
    return f"{mantissa}e{int(exponent)}" if e else text


def _fitting(*choices: str) -> str:
    """The first of the ways to write a value that fits the panel's VALUE_WIDTH (the last, shortest, else)."""
    return next((choice for choice in choices if len(choice) <= VALUE_WIDTH), choices[-1])


def _short(value: float, digits: int, bare: bool) -> str:
    text = f"{value:.{digits}g}"
    return text.replace("0.", ".", 1) if bare and text.startswith("0.") else text


VALUE_WIDTH = 16  # what fits after a stat's label in the 28-cell panel (app.tcss: width, border, padding)


def _condition(curvature: Curvature | None) -> str | None:
    """κ and how many times longer the valley is than wide (its level sets' axes go as 1/√λ)."""
    if curvature is None:
        return None
    if not math.isfinite(curvature.condition):
        return "∞ (flat)"
    kappa, length = curvature.condition, math.sqrt(curvature.condition)
    return _fitting(f"{kappa:.3g}: {length:.3g}× long", f"{_number(kappa, 3)}: {_number(length, 2)}× long",
                    _number(kappa, 3))


def _stable(snapshot: Snapshot) -> str | None:
    """The current optimizer's largest stable lr (2/λ_max, heavy ball's 2(1 + β)/λ_max) at the minimum and at the
    current point; n/a where the rates do not apply."""
    at_minimum, here = snapshot.curvature_at_minimum, snapshot.curvature_here
    if formulas_apply(snapshot):
        return "n/a (see below)" if at_minimum else None
    written = []
    for digits in (3, 2):
        parts = [f"<{_number(at_minimum.stable_lr(snapshot.settings), digits)}"] if at_minimum else []
        if here is not None and here.high > 0:
            parts.append(f"here {_number(here.stable_lr(snapshot.settings), digits)}")
        written.append(" ".join(parts))
    return _fitting(*written) or None


def formulas_apply(snapshot: Snapshot) -> str:
    """"" where the curvature's learning rates hold (core/curvature.rates_apply: the one rule); else why not."""
    return rates_apply(snapshot.settings, snapshot.n_train)


def _best(snapshot: Snapshot) -> str | None:
    """The best lr (and β) for the current optimizer, from the curvature at the minimum; B sets them."""
    at_minimum = snapshot.curvature_at_minimum
    if at_minimum is None:
        return None
    if formulas_apply(snapshot):
        return "n/a (see below)"
    if snapshot.settings.optimizer == "momentum":
        return f"{at_minimum.momentum_lr:.3g} β {at_minimum.momentum_beta:.3g}"
    return f"{at_minimum.best_lr:.3g}"


def _rate(snapshot: Snapshot) -> float | None:
    at_minimum = snapshot.curvature_at_minimum
    return None if at_minimum is None else predicted_rate(at_minimum, snapshot.settings, snapshot.n_train)


def _per_step(snapshot: Snapshot) -> str | None:
    """How much the slowest direction's error shrinks per step at the current settings, near the minimum."""
    rate = _rate(snapshot)
    if rate is None:
        return None
    return f"×{rate:.6g}" + (" grows" if rate >= 1 else "")


def _predicted(snapshot: Snapshot) -> str | None:
    """The epoch the curvature predicts for coming within 1 % of the minimum's loss (frozen once it happens)."""
    estimate, rate = snapshot.near_estimate, _rate(snapshot)
    if estimate is not None and math.isfinite(estimate):
        return f"ep ~{estimate:.0f}"
    if snapshot.near_optimum_at is None and rate is not None and rate >= 1:
        return "never at this lr"
    return None


def _measured(snapshot: Snapshot) -> str | None:
    """The epoch it happened, beside the prediction."""
    if snapshot.near_optimum_at is not None:
        return f"ep {snapshot.near_optimum_at}"
    return "not yet" if snapshot.optimum is not None and snapshot.optimum.exists else None


def _gap(snapshot: Snapshot) -> str | None:
    """L − L*: the float32 objective against the float64 minimum, so within float32's resolution of the loss it
    is ≈ 0 (a negative −1e-09 there is rounding, not a point below the minimum)."""
    optimum = snapshot.optimum
    if optimum is None or not optimum.exists:
        return None
    gap = snapshot.objective - optimum.loss
    if abs(gap) <= FLOAT32_RESOLUTION * max(abs(optimum.loss), abs(snapshot.objective)):
        return "≈ 0 (float32)"
    return format_number(gap)


FLOAT32_RESOLUTION = 8 * FLOAT32_EPSILON  # a few units in the last place of a float32 mean (its sum rounds N times)


def _rescaled(snapshot: Snapshot) -> str | None:
    """κ at the minimum were the data scaled the other way (more than one feature): how much standardizing
    rounds the valley, or how long it would be without."""
    kappa = snapshot.condition_rescaled
    if kappa is None:
        return None
    return ("raw " if snapshot.dataset.scale is not None else "std ") + (f"{kappa:.3g}" if math.isfinite(kappa)
                                                                         else "∞")


CURVATURE_STATS: list[tuple[str, Callable[[Snapshot], str | None]]] = [
    ("λ at min", lambda s: _eigenvalues(s.curvature_at_minimum)),  # λ_min λ_max of the Hessian there
    ("κ at min", lambda s: _condition(s.curvature_at_minimum)),
    ("κ if", _rescaled),  # κ at the minimum were the data standardized (std) or not (raw)
    ("λ here", lambda s: _eigenvalues(s.curvature_here)),
    ("κ here", lambda s: _condition(s.curvature_here)),
    ("lr max", _stable),
    ("best lr", _best),
    ("per step", _per_step),
    ("L − L*", _gap),
    ("1 % est", _predicted),  # within 1 % of the minimum's loss: the curvature's prediction, and when it happened
    ("1 % at", _measured),
]


def curvature_note(snapshot: Snapshot) -> str:
    """What the page says under its lines: no minimum, or why the rates do not hold, or how to use them."""
    optimum = snapshot.optimum
    if optimum is None:
        return "the minimum is being found…"
    if not optimum.exists:
        return f"no minimum: {optimum.reason}"
    return formulas_apply(snapshot) or "B sets the best lr; d shows the gap L − L* against the prediction"
