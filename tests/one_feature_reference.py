"""The 1-D formulas that core/maths/objective, optimum and curvature replaced, frozen as they were (commit
f6fd9c3): the reference that test_objective holds the general maths to, bit for bit, with one feature."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Curvature:
    low: float
    high: float
    floor: tuple[float, float] = (1.0, 0.0)

    @property
    def steep(self) -> tuple[float, float]:
        return -self.floor[1], self.floor[0]


NEWTON_STEPS = 50  # at most; from w = b = 0 it takes about 6 on the tutorial's data
TOLERANCE = 1e-12  # stop when a step moves (w, b) by less than this (relative)


@dataclass(frozen=True)
class Optimum:
    """The minimum of the loss, or (separable data) the direction in which it keeps falling."""

    w: float  # NaN when there is no minimum
    b: float
    loss: float  # the objective at (w, b); when separable, the infimum (0, or the entropy of tied points)
    direction: tuple[float, float] | None = None  # separable: (dw, db), unit length; None when a minimum exists
    reason: str = ""  # why there is no minimum; "" when there is one

    @property
    def exists(self) -> bool:
        return self.direction is None

    def as_json(self, penalty: float = 0.0) -> dict | None:
        """w, b, the objective there and the data's loss there (the objective less the penalty on w*)."""
        if not self.exists:
            return None
        return {"w": self.w, "b": self.b, "loss": self.loss - penalty, "objective": self.loss}


def mean_loss(w: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    """The mean binary cross-entropy of σ(w·x + b) against y, in float64 without overflow."""
    z = w * x.astype(np.float64, copy=False) + b
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def objective(w: float, b: float, x: np.ndarray, y: np.ndarray, l2: float = 0.0, l1: float = 0.0) -> float:
    """The mean loss plus the penalties on w."""
    return mean_loss(w, b, x, y) + l2 / 2 * w * w + l1 * abs(w)


def find_optimum(x: np.ndarray, y: np.ndarray, l2: float = 0.0, l1: float = 0.0) -> Optimum:
    """(w*, b*) of the objective for the points (x, y): damped Newton, exact to float64; or why there is none.

    With an L1 penalty the objective has a kink at w = 0: w* = 0 exactly when |∂L/∂w| at (0, b*(0)) ≤ λ₁ (no
    slope of the data loss there beats the penalty's), else the minimum lies on the side the slope points to,
    where the objective is smooth and Newton finds it without leaving that side.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    separable = _separation(x, y)
    if separable is not None and (not (l2 or l1) or y.min() == y.max()):
        return separable  # no penalty, or one class only (the penalties do not hold b back)
    side = 0.0
    if l1:
        b0 = _logit(float(np.mean(y)))  # b*(0): the best b with w = 0
        slope = float(np.mean((_sigmoid(b0 + 0 * x) - y) * x))  # ∂L/∂w at (0, b0)
        if abs(slope) <= l1:
            return Optimum(0.0, b0, objective(0.0, b0, x, y, l2, l1))
        side = -1.0 if slope > 0 else 1.0
    w, b = 0.0, 0.0
    loss = objective(w, b, x, y, l2, l1)
    for _ in range(NEWTON_STEPS):
        step_w, step_b = _newton_step(w, b, x, y, l2, l1 * side)
        scale = 1.0
        while scale > 1e-10:  # halve until the objective does not rise: plain Newton can overshoot far from (w*, b*)
            trial_w = w - scale * step_w
            trial = objective(trial_w, b - scale * step_b, x, y, l2, l1)
            if trial <= loss and trial_w * side >= 0:  # with L1, on the smooth side
                break
            scale /= 2
        w, b, loss = w - scale * step_w, b - scale * step_b, min(trial, loss)
        if abs(scale * step_w) <= TOLERANCE * (1 + abs(w)) and abs(scale * step_b) <= TOLERANCE * (1 + abs(b)):
            break
    return Optimum(w, b, objective(w, b, x, y, l2, l1))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # σ(z) without overflow


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _newton_step(w: float, b: float, x: np.ndarray, y: np.ndarray, l2: float = 0.0,
                 l1_slope: float = 0.0) -> tuple[float, float]:
    """H⁻¹·∇ at (w, b) of L + (λ₂/2)·w² + l1_slope·w: ∇L = mean((σ − y)·(x, 1)), H = mean(σ(1 − σ)·(x, 1)ᵀ(x, 1))."""
    p = _sigmoid(w * x + b)
    error, curvature = p - y, p * (1.0 - p)
    gradient = np.array([np.mean(error * x) + l2 * w + l1_slope, np.mean(error)])
    cx = curvature * x
    hessian = np.array([[np.mean(cx * x) + l2, np.mean(cx)], [np.mean(cx), np.mean(curvature)]])
    # least squares: when every x is the same, H is singular and the minima form a line; take the nearest
    step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
    return float(step[0]), float(step[1])


def _tied_share(x: np.ndarray, y: np.ndarray, threshold: float) -> float:
    """The loss left when the classes touch only at x = threshold: those points' entropy, as a share of all."""
    tied = y[x == threshold]
    share = float(tied.mean())
    entropy = -sum(p * np.log(p) for p in (share, 1 - share) if p > 0)
    return float(tied.size * entropy / x.size)


def _separation(x: np.ndarray, y: np.ndarray) -> Optimum | None:
    """The no-minimum answer when a threshold t splits the classes, else None.

    Points of both classes exactly at t (the classes touch) keep a loss (their entropy) however far (w, b)
    goes, while every other point's falls to 0: still no minimum, only an infimum.
    """
    ones, zeros = x[y > 0.5], x[y <= 0.5]
    nan = float("nan")
    if ones.size == 0 or zeros.size == 0:
        sign = 1.0 if zeros.size == 0 else -1.0
        return Optimum(nan, nan, 0.0, (0.0, sign), "one class only: the loss falls toward 0 as b → "
                       + ("+∞" if sign > 0 else "−∞"))
    for sign, low_class, high_class in ((1.0, zeros, ones), (-1.0, ones, zeros)):
        below, above = float(low_class.max()), float(high_class.min())
        if below > above or (below == above and np.all(x == below)):
            continue  # overlapping classes; or every x the same: then the minima form a line, Newton finds one
        threshold = (below + above) / 2
        norm = float(np.hypot(1.0, threshold))
        infimum = _tied_share(x, y, threshold) if below == above else 0.0
        return Optimum(nan, nan, infimum, (sign / norm, -sign * threshold / norm),
                       f"separable at x = {threshold:.4g}: the loss falls toward {infimum:.4g} as |w| grows "
                       f"along b = {-threshold:.4g}·w")
    return None


def hessian(w: float, b: float, x: np.ndarray, y: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """The objective's 2 × 2 Hessian at (w, b) in float64 (y does not enter: the loss is linear in it)."""
    x = np.asarray(x, dtype=np.float64)
    z = w * x + b
    p = 0.5 * (1.0 + np.tanh(0.5 * z))
    weight = p * (1.0 - p)
    wx = weight * x
    return np.array([[float(np.mean(wx * x)) + l2, float(np.mean(wx))], [float(np.mean(wx)), float(np.mean(weight))]])


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


def curvature_at(w: float, b: float, x: np.ndarray, y: np.ndarray, l2: float = 0.0) -> Curvature:
    (h_ww, h_wb), (_, h_bb) = hessian(w, b, x, y, l2)
    return from_hessian(h_ww, h_wb, h_bb)


