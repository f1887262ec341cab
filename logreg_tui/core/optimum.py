"""Where the loss is lowest: (w*, b*) of the mean binary cross-entropy, by Newton's method in float64.

NumPy only. The loss L(w, b) = mean(softplus(z) − y·z), z = w·x + b, is convex; when one class lies wholly
on one side of a threshold (the data is separable) it has no minimum: it keeps falling as (w, b) runs
off along a direction, and `find_optimum` says so instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEWTON_STEPS = 50  # at most; from w = b = 0 it takes about 6 on the tutorial's data
TOLERANCE = 1e-12  # stop when a step moves (w, b) by less than this (relative)


@dataclass(frozen=True)
class Optimum:
    """The minimum of the loss, or (separable data) the direction in which it keeps falling."""

    w: float  # NaN when there is no minimum
    b: float
    loss: float  # at (w, b); when separable, the infimum (0, or the entropy of points where the classes touch)
    direction: tuple[float, float] | None = None  # separable: (dw, db), unit length; None when a minimum exists
    reason: str = ""  # why there is no minimum; "" when there is one

    @property
    def exists(self) -> bool:
        return self.direction is None

    def as_json(self) -> dict | None:
        return {"w": self.w, "b": self.b, "loss": self.loss} if self.exists else None


def mean_loss(w: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    """The mean binary cross-entropy of σ(w·x + b) against y, in float64 without overflow."""
    z = w * x.astype(np.float64, copy=False) + b
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def find_optimum(x: np.ndarray, y: np.ndarray) -> Optimum:
    """(w*, b*) for the points (x, y): damped Newton from (0, 0), exact to float64; or why there is none."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    separable = _separation(x, y)
    if separable is not None:
        return separable
    w = b = 0.0
    loss = mean_loss(w, b, x, y)
    for _ in range(NEWTON_STEPS):
        step_w, step_b = _newton_step(w, b, x, y)
        scale = 1.0
        while scale > 1e-10:  # halve until the loss does not rise: plain Newton can overshoot far from (w*, b*)
            trial = mean_loss(w - scale * step_w, b - scale * step_b, x, y)
            if trial <= loss:
                break
            scale /= 2
        w, b, loss = w - scale * step_w, b - scale * step_b, min(trial, loss)
        if abs(scale * step_w) <= TOLERANCE * (1 + abs(w)) and abs(scale * step_b) <= TOLERANCE * (1 + abs(b)):
            break
    return Optimum(w, b, mean_loss(w, b, x, y))


def _newton_step(w: float, b: float, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """H⁻¹·∇L at (w, b): ∇L = mean((σ − y)·(x, 1)), H = mean(σ(1 − σ)·(x, 1)ᵀ(x, 1))."""
    p = 0.5 * (1.0 + np.tanh(0.5 * (w * x + b)))  # σ(z) without overflow
    error, curvature = p - y, p * (1.0 - p)
    gradient = np.array([np.mean(error * x), np.mean(error)])
    cx = curvature * x
    hessian = np.array([[np.mean(cx * x), np.mean(cx)], [np.mean(cx), np.mean(curvature)]])
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
