"""The loss over a window of the landscape's plane (core/maths/plane.py): a per-data-set summary of the points
that makes a map cost the same at any N, and the window itself, in round limits that change rarely.

NumPy only. With one feature the plane is (w, b) and the summary keeps, per x-bin, the count, the mean x and the
spread of x; with more, each point's score on the plane is z₀ + α·p + β·q and the summary keeps, per bin of
(z₀, p, q), the count, the mean and the scatter. Either map's error against the exact mean loss is third order in
the bins' width, far below the printed precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from logreg_tui.core.maths.optimum import Optimum
from logreg_tui.core.maths.plane import WB_PLANE, Plane
from logreg_tui.core.model.data import Dataset
from logreg_tui.core.model.history import PathView

SUMMARY_BINS = 256  # x-bins of a large data set's summary; a smaller one is kept point by point
MARGIN = 0.12  # of the span, on each side of what the window must show
TICKS_PER_AXIS = 4  # the limits are multiples of about span / 4, in 1-2-5 steps


@dataclass(frozen=True, eq=False)
class LossSurface:
    """What the mean loss needs of the training points: per bin, count, mean x and Σ(x − mean)²."""

    count: np.ndarray
    mean_x: np.ndarray
    spread: np.ndarray
    sum_xy: float  # Σ y·x over all points: the loss's linear part is exact
    sum_y: float
    n_points: int

    def loss(self, w: np.ndarray, b: np.ndarray, l2: float = 0.0, l1: float = 0.0) -> np.ndarray:
        """Mean loss at each (w, b) of two equal-shaped arrays, in float64, plus the penalties on w when asked
        ((λ₂/2)·w² + λ₁·|w|: the objective training minimises).

        Σ softplus(w·x + b) − y·(w·x + b), each bin's softplus expanded to second order about its mean:
        the first-order terms cancel, the second is ½·w²·σ'(z̄)·Σ(x − x̄)².
        """
        w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
        flat_w, flat_b = w.ravel(), b.ravel()
        total = np.empty(flat_w.size)
        rows = max(1, (1 << 20) // max(self.count.size, 1))  # points per chunk: about 8 MB at a time
        for start in range(0, flat_w.size, rows):
            cw, cb = flat_w[start:start + rows, None], flat_b[start:start + rows, None]
            z = cw * self.mean_x + cb
            softplus = np.logaddexp(0.0, z) @ self.count
            sig = 0.5 * (1.0 + np.tanh(0.5 * z))
            curvature = (sig * (1.0 - sig)) @ self.spread
            total[start:start + rows] = softplus + 0.5 * cw[:, 0] ** 2 * curvature
        linear = flat_w * self.sum_xy + flat_b * self.sum_y
        penalty = l2 / 2 * flat_w**2 + l1 * np.abs(flat_w) if l2 or l1 else 0.0
        return ((total - linear) / self.n_points + penalty).reshape(w.shape)


@lru_cache(maxsize=1)  # the current data's only: a cache keyed by a data set keeps it alive
def loss_surface(dataset: Dataset, n_train: int) -> LossSurface:
    """The summary of the first n_train points (the ones trained on): computed once per data set."""
    x, y = dataset.x[:n_train].astype(np.float64), dataset.y[:n_train].astype(np.float64)
    if x.size <= SUMMARY_BINS:
        return LossSurface(np.ones(x.size), x, np.zeros(x.size), float(x @ y), float(y.sum()), int(x.size))
    low, high = float(x.min()), float(x.max())
    bins = np.clip(((x - low) / ((high - low) or 1.0) * SUMMARY_BINS).astype(np.int64), 0, SUMMARY_BINS - 1)
    count = np.bincount(bins, minlength=SUMMARY_BINS).astype(np.float64)
    mean_x = np.bincount(bins, weights=x, minlength=SUMMARY_BINS) / np.maximum(count, 1)
    spread = np.bincount(bins, weights=(x - mean_x[bins]) ** 2, minlength=SUMMARY_BINS)
    used = count > 0
    return LossSurface(count[used], mean_x[used], spread[used], float(x @ y), float(y.sum()), int(x.size))


PLANE_BINS = 16  # per axis of the (z₀, p, q) grid of a large data set's plane summary (at most 16³ bins)
EXACT_POINTS = 4096  # up to this many training points a plane summary keeps every point


@dataclass(frozen=True, eq=False)
class PlaneSurface:
    """What the objective on a plane needs of the training points (more than one feature): each point's score there
    is z = z₀ + α·p + β·q, with z₀ = x·w₀ + b₀ at the plane's origin and p, q the same for u and v; per bin of
    (z₀, p, q), the count, the mean and the scatter Σ(r − r̄)(r − r̄)ᵀ."""

    plane: Plane
    count: np.ndarray  # (bins,)
    mean: np.ndarray  # (bins, 3)
    scatter: np.ndarray  # (bins, 3, 3)
    sum_yr: np.ndarray  # Σ y·(z₀, p, q) over all points: the loss's linear part is exact
    n_points: int

    def loss(self, alpha: np.ndarray, beta: np.ndarray, l2: float = 0.0, l1: float = 0.0) -> np.ndarray:
        """The objective at each (α, β) of two equal-shaped arrays, in float64: the mean loss, each bin's softplus
        expanded to second order about its mean (½·σ'(z̄)·cᵀSc with c = (1, α, β)), plus the penalties on
        w = w₀ + α·u_w + β·v_w (never on b)."""
        alpha, beta = np.asarray(alpha, dtype=np.float64), np.asarray(beta, dtype=np.float64)
        c = np.stack([np.ones(alpha.size), alpha.ravel(), beta.ravel()], axis=1)  # (cells, 3)
        total = np.empty(alpha.size)
        s = self.scatter
        rows = max(1, (1 << 20) // max(self.count.size, 1))
        for start in range(0, alpha.size, rows):
            part = c[start:start + rows]
            z = part @ self.mean.T  # (cells, bins)
            a, b = part[:, 1:2], part[:, 2:3]
            quadratic = (s[:, 0, 0] + 2 * a * s[:, 0, 1] + 2 * b * s[:, 0, 2] + a * a * s[:, 1, 1]
                         + 2 * a * b * s[:, 1, 2] + b * b * s[:, 2, 2])
            sig = 0.5 * (1.0 + np.tanh(0.5 * z))
            total[start:start + rows] = np.logaddexp(0.0, z) @ self.count + 0.5 * (sig * (1.0 - sig) * quadratic).sum(1)
        plane = self.plane
        weights = (np.array(plane.origin[:-1]) + c[:, 1:2] * np.array(plane.u[:-1])
                   + c[:, 2:3] * np.array(plane.v[:-1]))
        penalty = l2 / 2 * (weights**2).sum(1) + l1 * np.abs(weights).sum(1) if l2 or l1 else 0.0
        return ((total - c @ self.sum_yr) / self.n_points + penalty).reshape(alpha.shape)


@lru_cache(maxsize=1)  # the current data's and plane's only
def plane_surface(dataset: Dataset, n_train: int, plane: Plane) -> PlaneSurface:
    """The summary of the first n_train points on `plane`: computed once per data set and plane, O(N·d)."""
    X, y = dataset.X[:n_train].astype(np.float64), dataset.y[:n_train].astype(np.float64)
    r = np.stack([X @ np.array(vector[:-1]) + vector[-1] for vector in (plane.origin, plane.u, plane.v)], axis=1)
    sum_yr = y @ r
    if n_train <= EXACT_POINTS:
        return PlaneSurface(plane, np.ones(n_train), r, np.zeros((n_train, 3, 3)), sum_yr, n_train)
    low, high = r.min(axis=0), r.max(axis=0)
    cells = np.clip(((r - low) / np.where(high > low, high - low, 1.0) * PLANE_BINS).astype(np.int64), 0,
                    PLANE_BINS - 1)
    bins = (cells[:, 0] * PLANE_BINS + cells[:, 1]) * PLANE_BINS + cells[:, 2]
    size = PLANE_BINS**3
    count = np.bincount(bins, minlength=size).astype(np.float64)
    sums = np.stack([np.bincount(bins, weights=r[:, k], minlength=size) for k in range(3)], axis=1)
    mean = sums / np.maximum(count, 1)[:, None]
    deviation = r - mean[bins]
    scatter = np.stack([np.stack([np.bincount(bins, weights=deviation[:, j] * deviation[:, k], minlength=size)
                                  for k in range(3)], axis=1) for j in range(3)], axis=1)
    used = count > 0
    return PlaneSurface(plane, count[used], mean[used], scatter[used], sum_yr, n_train)


@dataclass(frozen=True)
class Window:
    """The rectangle of the landscape's plane a landscape shows: (w, b) with one feature, (α, β) on the plane with
    more (core/maths/plane.py)."""

    w_low: float
    w_high: float
    b_low: float
    b_high: float
    w_step: float  # the limits are multiples of these: where the ticks go
    b_step: float


def path_box(path: PathView, plane: Plane) -> tuple[float, float, float, float]:
    """(α low, α high, β low, β high) of a path on the plane: of every point ever added when the plane is two of
    θ's coordinates (one feature: (w, b)), else of the points kept."""
    if plane.axes is not None:
        (i, j), (low, high) = plane.axes, (path.low, path.high)
        return low[i], high[i], low[j], high[j]
    alpha, beta = plane.project(path.theta)
    finite = np.isfinite(alpha) & np.isfinite(beta)
    if not finite.any():
        return math.inf, -math.inf, math.inf, -math.inf
    return (float(alpha[finite].min()), float(alpha[finite].max()), float(beta[finite].min()),
            float(beta[finite].max()))


def landscape_window(path: PathView, optimum: Optimum | None, w: float, b: float,
                     others: tuple[PathView, ...] = (), plane: Plane = WB_PLANE) -> Window:
    """Round limits around the whole path, the current point (w, b) (on the plane: α, β), the minimum and the
    `others` paths, with a margin.

    The path's bounds only grow during a run and the limits are rounded outward to coarse steps, so the
    window stays put while training and extends, in a step, when the path leaves it.
    """
    box = path_box(path, plane)
    w_points, b_points = [box[0], box[1], w], [box[2], box[3], b]
    for other in others:
        other_box = path_box(other, plane)
        w_points += other_box[:2]
        b_points += other_box[2:]
    if optimum is not None and optimum.exists:
        alpha, beta = plane.project(np.array(optimum.theta))
        w_points.append(float(alpha))
        b_points.append(float(beta))
    w_low, w_high, w_step = round_range([v for v in w_points if math.isfinite(v)])
    b_low, b_high, b_step = round_range([v for v in b_points if math.isfinite(v)])
    return Window(w_low, w_high, b_low, b_high, w_step, b_step)


def round_range(values: list[float]) -> tuple[float, float, float]:
    """(low, high, tick step): the values' range with a margin, rounded out to half a 1-2-5 tick step."""
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    span = max(high - low, 1e-3 * max(abs(low), abs(high)), 1.0 if high == low else 0.0)
    low, high = low - MARGIN * span, high + MARGIN * span
    decade = 10 ** math.floor(math.log10((high - low) / TICKS_PER_AXIS))
    step = next(m * decade for m in (1, 2, 5, 10) if m * decade * TICKS_PER_AXIS >= high - low)
    limit_step = step / 2
    return (float(f"{math.floor(low / limit_step) * limit_step:.12g}"),
            float(f"{math.ceil(high / limit_step) * limit_step:.12g}"), float(f"{step:.12g}"))
