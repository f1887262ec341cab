"""Where the objective is lowest: θ* = (w*, b*) of the mean binary cross-entropy plus the penalties on w, by
Newton's method with the full Hessian in float64 (core/maths/objective), for any number of features.

NumPy only. The loss is convex; when a plane w·x + b = 0 splits the classes (the data is separable) it has no
minimum: it keeps falling as θ runs off along a direction, and `find_optimum` says so instead. A penalty on w
((λ₂/2)·‖w‖² + λ₁·‖w‖₁) gives separable data a minimum as long as both classes are there (b is not penalised:
one class alone still has none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from logreg_tui.core.maths.objective import design, gradient, gradient_and_hessian, hessian, objective, scores

NEWTON_STEPS = 50  # at most; from θ = 0 it takes about 6 on the tutorial's data
TOLERANCE = 1e-12  # stop when a step moves θ by less than this (relative)
FULL_RANK = 1e-12  # [X, 1]ᵀ[X, 1]'s smallest eigenvalue over its largest above this: H can be solved directly


@dataclass(frozen=True)
class Optimum:
    """The minimum of the objective, or (separable data) the direction in which it keeps falling."""

    theta: tuple[float, ...]  # (w₁ … w_d, b); NaN when there is no minimum
    loss: float  # the objective at θ; when separable, the infimum (0, or the entropy of tied points)
    direction: tuple[float, ...] | None = None  # separable: unit length in θ; None when a minimum exists
    reason: str = ""  # why there is no minimum; "" when there is one

    @property
    def exists(self) -> bool:
        return self.direction is None

    @property
    def weights(self) -> tuple[float, ...]:
        return self.theta[:-1]

    @property
    def w(self) -> float:
        """The one feature's weight (the 1-D views' w)."""
        return self.theta[0]

    @property
    def b(self) -> float:
        return self.theta[-1]

    def as_json(self, penalty: float = 0.0) -> dict | None:
        """w (a number for one feature, a list for more), b, the objective there and the data's loss there (the
        objective less the penalty on w*)."""
        if not self.exists:
            return None
        w: float | list[float] = self.w if len(self.weights) == 1 else list(self.weights)
        return {"w": w, "b": self.b, "loss": self.loss - penalty, "objective": self.loss}


def find_optimum(x: np.ndarray, y: np.ndarray, l2: float = 0.0, l1: float = 0.0) -> Optimum:
    """θ* of the objective for the points (x: N or N × d, y): damped Newton, exact to float64; or why there is
    none.

    With an L1 penalty the objective has a kink where a weight is 0: all of w* is 0 when no slope of the data
    loss at (0, b*(0)) beats λ₁; else the weights whose slope does are free, each on the side its slope points to
    (where the objective is smooth), and the others held at 0 until their slope beats λ₁ (an active set).
    """
    X, y = design(x), np.asarray(y, dtype=np.float64)
    d = X.shape[1]
    separable = _separation(X, y)
    if separable is not None and (not (l2 or l1) or y.min() == y.max()):
        return separable  # no penalty, or one class only (the penalties do not hold b back)
    side, free = np.zeros(d), np.ones(d, dtype=bool)
    if l1:
        b0 = _logit(float(np.mean(y)))  # b*(0): the best b with w = 0
        slope = gradient(np.zeros(d), b0, X, y)[:d]  # ∂L/∂w at (0, b0)
        if np.all(np.abs(slope) <= l1):
            return Optimum((*[0.0] * d, b0), objective(np.zeros(d), b0, X, y, l2, l1))
        free = np.abs(slope) > l1
        side = np.where(free, -np.sign(slope), 0.0)
    solve = _solver(X, l2)
    theta = _newton(np.zeros(d + 1), X, y, l2, l1, side, free, solve)
    for _ in range(2 * d if l1 and d > 1 else 0):  # more than one weight: settle which of them are 0
        moved = _settle_active_set(theta, X, y, l2, l1, side, free)
        if not moved:
            break
        theta = _newton(theta, X, y, l2, l1, side, free, solve)
    if separable is None and not (l2 or l1) and d > 1 and _separates(theta, X, y):
        return _plane_separation(theta)
    return Optimum(tuple(float(v) for v in theta), objective(theta[:-1], theta[-1], X, y, l2, l1))


Solve = Callable[[np.ndarray, np.ndarray], np.ndarray]  # H, g ↦ H⁻¹·g


def _least_squares(hessian: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    # when the features are collinear (every x the same, say), H is singular and the minima form a line: the
    # nearest of them
    return np.linalg.lstsq(hessian, gradient, rcond=None)[0]


def _solver(X: np.ndarray, l2: float) -> Solve:
    """How Newton solves H·s = ∇: least squares for one feature (as ever) and wherever H can be singular; with
    more features and a Hessian of full rank, an LU solve (at d = 1024 least squares took 0.17 s a step). H's null
    space is that of [X, 1] (σ(1 − σ) > 0 at every point), so one look at [X, 1] settles it for every θ; λ₂ > 0
    makes H positive definite."""
    d = X.shape[1]
    if d == 1:
        return _least_squares
    if l2 <= 0:  # H at θ = 0 is [X, 1]ᵀ[X, 1]/4N (σ(1 − σ) = 1/4 there): its rank is [X, 1]'s
        low, high = np.linalg.eigvalsh(hessian(np.zeros(d), 0.0, X))[[0, -1]]
        if not low > high * FULL_RANK:
            return _least_squares
    return _direct


def _direct(hessian: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(hessian, gradient)
    except np.linalg.LinAlgError:  # singular in floating point after all
        return _least_squares(hessian, gradient)


def _newton(theta: np.ndarray, X: np.ndarray, y: np.ndarray, l2: float, l1: float, side: np.ndarray,
            free: np.ndarray, solve: Solve) -> np.ndarray:
    """Damped Newton over the free weights and b from θ, each free weight kept on its side with L1."""
    d = X.shape[1]
    moving = np.append(free, True)  # b always moves
    theta = theta.copy()
    loss = objective(theta[:-1], theta[-1], X, y, l2, l1)
    for _ in range(NEWTON_STEPS):
        step = np.zeros(d + 1)
        step[moving] = _newton_step(theta, X, y, l2, l1 * side, moving, solve)
        scale = 1.0
        while scale > 1e-10:  # halve until the objective does not rise: plain Newton can overshoot far from θ*
            trial_theta = theta - scale * step
            # with L1, a weight that would cross 0 stops there (projected onto its side, where the objective is
            # smooth): shrinking the whole step instead stalls at 0 when many correlated weights move at once
            trial_theta[:-1][trial_theta[:-1] * side < 0] = 0.0
            trial = objective(trial_theta[:-1], trial_theta[-1], X, y, l2, l1)
            if trial <= loss:
                break
            scale /= 2
        moved = trial_theta - theta if trial <= loss else np.zeros_like(theta)
        theta, loss = theta + moved, min(trial, loss)
        if np.all(np.abs(moved) <= TOLERANCE * (1 + np.abs(theta))):
            break
    return theta


def _newton_step(theta: np.ndarray, X: np.ndarray, y: np.ndarray, l2: float, l1_slope: np.ndarray,
                 moving: np.ndarray, solve: Solve) -> np.ndarray:
    """H⁻¹·∇ over the moving coordinates of θ, of L + (λ₂/2)·‖w‖² + l1_slope·w."""
    weights, b = theta[:-1], float(theta[-1])
    full_gradient, full_hessian = gradient_and_hessian(weights, b, X, y, l2, l1_slope)
    return solve(full_hessian[np.ix_(moving, moving)], full_gradient[moving])


def _settle_active_set(theta: np.ndarray, X: np.ndarray, y: np.ndarray, l2: float, l1: float, side: np.ndarray,
                       free: np.ndarray) -> bool:
    """L1's optimality at θ, weight by weight: a free weight that came to 0 is held there; a held one whose data
    slope beats λ₁ is freed on the side it points to. Changes side and free in place; whether anything moved."""
    d = X.shape[1]
    slope = gradient(theta[:-1], float(theta[-1]), X, y, l2)[:d]
    at_zero = free & (np.abs(theta[:-1]) <= TOLERANCE)
    wakes = ~free & (np.abs(slope) > l1 * (1 + 1e-9))
    theta[:-1][at_zero] = 0.0
    free[at_zero], side[at_zero] = False, 0.0
    free[wakes], side[wakes] = True, -np.sign(slope[wakes])
    return bool(at_zero.any() or wakes.any())


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _separates(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> bool:
    """Every point strictly on its class's side of w·x + b = 0: then the loss has no minimum (θ·t lowers it for
    every t > 1), however Newton stopped."""
    margins = (2 * y - 1) * scores(theta[:-1], float(theta[-1]), X)
    return bool(np.all(margins > 0))


def _plane_separation(theta: np.ndarray) -> Optimum:
    direction = theta / np.linalg.norm(theta)
    words = ", ".join(f"{v:.3g}" for v in direction)
    nan = float("nan")
    return Optimum((nan,) * theta.size, 0.0, tuple(float(v) for v in direction),
                   f"separable: w·x + b = 0 splits the classes; the loss falls toward 0 as ‖w‖ grows along "
                   f"θ ∝ ({words})")


def _tied_share(x: np.ndarray, y: np.ndarray, threshold: float) -> float:
    """The loss left when the classes touch only at x = threshold: those points' entropy, as a share of all."""
    tied = y[x == threshold]
    share = float(tied.mean())
    entropy = -sum(p * np.log(p) for p in (share, 1 - share) if p > 0)
    return float(tied.size * entropy / x.size)


def _separation(X: np.ndarray, y: np.ndarray) -> Optimum | None:
    """The no-minimum answer when one class is missing, or (one feature) a threshold t splits the classes; else
    None. More features: find_optimum tells a splitting plane by Newton's end point instead.

    Points of both classes exactly at t (the classes touch) keep a loss (their entropy) however far θ goes,
    while every other point's falls to 0: still no minimum, only an infimum.
    """
    d = X.shape[1]
    nan = float("nan")
    if not (y > 0.5).any() or (y > 0.5).all():
        sign = 1.0 if (y > 0.5).all() else -1.0  # b → +∞ when every point is a 1 (or there are none)
        return Optimum((nan,) * (d + 1), 0.0, (*[0.0] * d, sign), "one class only: the loss falls toward 0 as b → "
                       + ("+∞" if sign > 0 else "−∞"))
    if d > 1:
        return None
    x = X[:, 0]
    ones, zeros = x[y > 0.5], x[y <= 0.5]
    for sign, low_class, high_class in ((1.0, zeros, ones), (-1.0, ones, zeros)):
        below, above = float(low_class.max()), float(high_class.min())
        if below > above or (below == above and np.all(x == below)):
            continue  # overlapping classes; or every x the same: then the minima form a line, Newton finds one
        threshold = (below + above) / 2
        norm = float(np.hypot(1.0, threshold))
        infimum = _tied_share(x, y, threshold) if below == above else 0.0
        return Optimum((nan, nan), infimum, (sign / norm, -sign * threshold / norm),
                       f"separable at x = {threshold:.4g}: the loss falls toward {infimum:.4g} as |w| grows "
                       f"along b = {-threshold:.4g}·w")
    return None
