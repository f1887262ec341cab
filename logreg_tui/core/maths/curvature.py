"""Why gradient descent is slow, in numbers: the objective's curvature and the learning rates it implies. NumPy only.

The Hessian of the objective at θ = (w, b) is H = mean(σ(1 − σ)·[x, 1][x, 1]ᵀ), plus λ₂ on the w block with an L2
penalty (core/maths/objective); with d features it is (d + 1) × (d + 1). Near the minimum, gradient descent with
step lr multiplies the error along each eigen-direction by (1 − lr·λ): it is stable for lr < 2/λ_max and fastest at
lr = 2/(λ_min + λ_max), where the slowest direction shrinks by (κ − 1)/(κ + 1) per step, κ = λ_max/λ_min. Heavy-ball
momentum does best at lr = (2/(√λ_min + √λ_max))², β = ((√κ − 1)/(√κ + 1))², shrinking by √β per step (Distill, "Why
Momentum Really Works"). These hold for full-batch gradient descent and heavy-ball momentum near the minimum, not
for Adam or minibatches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from logreg_tui.core.maths.objective import hessian
from logreg_tui.core.maths.optimum import Optimum
from logreg_tui.core.model.settings import Settings


@dataclass(frozen=True)
class Curvature:
    """The Hessian's eigenvalues low ≤ … ≤ high at one θ, and what follows from them."""

    low: float
    high: float
    floor: tuple[float, ...] = (1.0, 0.0)  # the unit eigenvector of low in θ: along the valley's floor
    inner: tuple[float, ...] = ()  # the eigenvalues between low and high (more than one feature), ascending
    across: tuple[float, ...] | None = None  # high's unit eigenvector; None: perpendicular to the floor in (w, b)

    @property
    def eigenvalues(self) -> tuple[float, ...]:
        return (self.low, *self.inner, self.high)

    @property
    def steep(self) -> tuple[float, ...]:
        """The unit eigenvector of high, across the valley (with one feature, perpendicular to the floor)."""
        return self.across if self.across is not None else (-self.floor[1], self.floor[0])

    @property
    def condition(self) -> float:
        """κ = λ_max / λ_min (inf when the valley is flat along one direction)."""
        return self.high / self.low if self.low > 0 else math.inf

    @property
    def max_stable_lr(self) -> float:
        return 2 / self.high

    @property
    def best_lr(self) -> float:
        return 2 / (self.low + self.high)

    @property
    def momentum_lr(self) -> float:
        return (2 / (math.sqrt(self.low) + math.sqrt(self.high))) ** 2

    @property
    def momentum_beta(self) -> float:
        root = math.sqrt(self.condition)
        return ((root - 1) / (root + 1)) ** 2

    def stable_lr(self, settings: Settings) -> float:
        """The largest stable lr of the settings' optimizer: 2/λ_max for gradient descent, 2(1 + β)/λ_max for
        heavy-ball momentum (the root modulus of z² − (1 + β − lr·λ)z + β reaches 1 there)."""
        if settings.optimizer == "momentum":
            return 2 * (1 + settings.momentum) / self.high
        return self.max_stable_lr

    def contraction(self, lr: float) -> float:
        """How much gradient descent at lr shrinks the slowest direction's error per step (≥ 1: it does not)."""
        return max(abs(1 - lr * self.low), abs(1 - lr * self.high))

    def reading(self) -> str:
        """κ 134: the valley is 12× longer than wide (the level sets' axes go as 1/√λ)."""
        return f"κ {self.condition:.3g}: the valley is {math.sqrt(self.condition):.3g}× longer than wide"

    def as_json(self) -> dict[str, object]:
        return {"eigenvalues": list(self.eigenvalues), "condition": self.condition}


def rates_apply(settings: Settings, n_train: int | None = None) -> str:
    """"" where the curvature's learning rates hold: full-batch (no batch size, or one ≥ the training points)
    gradient descent or heavy-ball momentum; else why not. The one rule for the k page, B, the warning, the
    prediction and --compare lr=best."""
    full_batch = settings.full_batch(n_train) if n_train is not None else not settings.batch_size
    if not full_batch:
        return "minibatch steps are noisy: the curvature's rates hold for full batch only"
    if settings.optimizer == "adam":
        return "Adam scales each step by its own moments: the curvature's rates do not apply to it"
    if settings.optimizer == "nesterov":
        return "the curvature's best lr and β are heavy-ball momentum's (o to momentum): nesterov's differ"
    return ""


def limit_words(settings: Settings) -> str:
    """How the optimizer's stable limit is written: 2/λ_max or 2(1 + β)/λ_max."""
    return "2(1 + β)/λ_max" if settings.optimizer == "momentum" else "2/λ_max"


def predicted_rate(curvature: Curvature, settings: Settings, n_train: int | None = None) -> float | None:
    """How much the error shrinks per epoch near the minimum at these settings (the loss's gap, its square): for
    full-batch gradient descent the slowest |1 − lr·λ|; for heavy-ball momentum the largest root modulus of
    z² − (1 + β − lr·λ)·z + β over both eigenvalues. None where the formulas do not hold (Adam, nesterov,
    minibatches)."""
    if rates_apply(settings, n_train):
        return None
    if settings.optimizer == "sgd":
        return curvature.contraction(settings.lr)
    beta, radii = settings.momentum, []
    for eigenvalue in (curvature.low, curvature.high):
        roots = np.roots([1.0, -(1 + beta - settings.lr * eigenvalue), beta])
        radii.append(float(np.abs(roots).max()))
    return max(radii)


def epochs_to_near(gap: float, target: float, rate: float | None) -> float | None:
    """Epochs until a loss gap L − L* shrinks to target at `rate` per epoch for the error (so rate² for the gap,
    which goes as its square); 0 when it is there already, None where the rate says it will not shrink."""
    if gap <= target:
        return 0.0
    if rate is None or not 0 < rate < 1 or not (math.isfinite(gap) and target > 0):
        return None
    return math.log(target / gap) / (2 * math.log(rate))


def from_matrix(matrix: np.ndarray) -> Curvature:
    """The curvature of a symmetric Hessian: a 2 × 2 (one feature) in closed form, exact in low where an
    eigensolver's error is about ε·λ_max; a larger one by np.linalg.eigh, every eigenvalue."""
    if matrix.shape == (2, 2):
        return from_hessian(matrix[0, 0], matrix[0, 1], matrix[1, 1])
    values, vectors = np.linalg.eigh(matrix)
    return Curvature(float(values[0]), float(values[-1]), _oriented(vectors[:, 0]),
                     tuple(float(v) for v in values[1:-1]), _oriented(vectors[:, -1]))


def _oriented(vector: np.ndarray) -> tuple[float, ...]:
    """An eigenvector with its first non-zero component > 0, so that it is one vector, not ±."""
    nonzero = vector[np.nonzero(vector)[0]]
    sign = -1.0 if nonzero.size and nonzero[0] < 0 else 1.0
    return tuple(float(sign * v) for v in vector)


def from_hessian(h_ww: float, h_wb: float, h_bb: float) -> Curvature:
    """The eigenvalues of [[h_ww, h_wb], [h_wb, h_bb]], exact for a symmetric 2 × 2 (no cancellation in low), and
    low's eigenvector."""
    h_ww, h_wb, h_bb = float(h_ww), float(h_wb), float(h_bb)
    mean, half_gap = (h_ww + h_bb) / 2, math.hypot((h_ww - h_bb) / 2, h_wb)
    high = mean + half_gap
    low = (h_ww * h_bb - h_wb * h_wb) / high if high > 0 else 0.0  # det / λ_max: exact where mean − gap is not
    return Curvature(low, high, _eigenvector(h_ww, h_wb, h_bb, low))


def _eigenvector(h_ww: float, h_wb: float, h_bb: float, eigenvalue: float) -> tuple[float, float]:
    """A unit eigenvector of the symmetric 2 × 2 for eigenvalue: of its two rows' null vectors (h_wb, λ − h_ww)
    and (λ − h_bb, h_wb), the longer (the other may vanish); w's component made ≥ 0 so that it is one vector."""
    candidates = [(h_wb, eigenvalue - h_ww), (eigenvalue - h_bb, h_wb)]
    w, b = max(candidates, key=lambda v: math.hypot(*v))
    length = math.hypot(w, b)
    if not length > 0 or not math.isfinite(length):  # a multiple of the identity: every direction is one
        return 1.0, 0.0
    sign = -1.0 if w < 0 or (w == 0 and b < 0) else 1.0
    return sign * w / length, sign * b / length


def curvature_at(weights: float | np.ndarray | tuple[float, ...], b: float, x: np.ndarray, y: np.ndarray,
                 l2: float = 0.0) -> Curvature:
    """The curvature at θ = (w, b) for the points x (N, or N × d); y does not enter (the Hessian has none)."""
    return from_matrix(hessian(weights, b, x, l2))


def at_minimum(optimum: Optimum | None, x: np.ndarray, y: np.ndarray, l2: float = 0.0) -> Curvature | None:
    """The curvature at the objective's minimum; None where there is none (separable data)."""
    if optimum is None or not optimum.exists:
        return None
    return curvature_at(optimum.weights, optimum.b, x, y, l2)


def best_settings(curvature: Curvature, settings: Settings,
                  n_train: int | None = None) -> tuple[dict[str, float], str]:
    """The lr (and β) that the curvature at the minimum says is best for the current optimizer, and "" — or no
    changes and why the formulas do not apply (rates_apply)."""
    why_not = rates_apply(settings, n_train)
    if why_not:
        return {}, why_not
    if settings.optimizer == "momentum":
        return {"lr": curvature.momentum_lr, "momentum": curvature.momentum_beta}, ""
    return {"lr": curvature.best_lr}, ""


def stability_warning(here: Curvature, settings: Settings, minimum: Curvature | None = None,
                      n_train: int | None = None) -> str:
    """Where the curvature's rates apply (rates_apply), a warning when lr is past the optimizer's stable limit at
    the current point; and what follows: stable near the minimum after all (the valley is flatter there), or the
    way back."""
    if rates_apply(settings, n_train) or here.high <= 0 or settings.lr < here.stable_lr(settings):
        return ""
    warning = (f"lr {settings.lr:.3g} > {limit_words(settings)} = {here.stable_lr(settings):.3g} here: expect "
               "zig-zag or divergence")
    if minimum is not None and settings.lr < minimum.stable_lr(settings):
        return f"{warning}, calming near the minimum (stable there below {minimum.stable_lr(settings):.3g})"
    return f"{warning} (- lowers lr; B sets the best lr for this data)"


def curvature_json(optimum: Optimum | None, w: float | tuple[float, ...], b: float, x: np.ndarray, y: np.ndarray,
                   l2: float = 0.0) -> dict[str, object] | None:
    """--json's "curvature": at the minimum and at the end θ = (w, b) (w a number or the d weights), and the
    learning rates that follow; None without a minimum (the caller says why)."""
    minimum = at_minimum(optimum, x, y, l2)
    if minimum is None or not np.isfinite(np.append(w, b)).all():
        return None
    return {"at_minimum": minimum.as_json(), "at_end": curvature_at(w, b, x, y, l2).as_json(),
            "max_stable_lr": minimum.max_stable_lr, "best_lr": minimum.best_lr,
            "best_momentum": {"lr": minimum.momentum_lr, "beta": minimum.momentum_beta}}
