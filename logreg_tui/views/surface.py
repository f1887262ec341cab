"""The loss over a (w, b) window: a per-data-set summary of x that makes a map cost the same at any N, and
the window itself, in round limits that change rarely.

NumPy only. The summary keeps, per x-bin, the count, the mean x and the spread of x; the map's error
against the exact mean loss is third order in the bins' width, far below the printed precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from logreg_tui.core.maths.optimum import Optimum
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


@dataclass(frozen=True)
class Window:
    """The (w, b) rectangle a landscape shows."""

    w_low: float
    w_high: float
    b_low: float
    b_high: float
    w_step: float  # the limits are multiples of these: where the ticks go
    b_step: float


def landscape_window(path: PathView, optimum: Optimum | None, w: float, b: float,
                     others: tuple[PathView, ...] = ()) -> Window:
    """Round limits around the whole path, the current point, the minimum and the `others` paths, with a margin.

    The path's bounds only grow during a run and the limits are rounded outward to coarse steps, so the
    window stays put while training and extends, in a step, when the path leaves it.
    """
    w_points, b_points = [path.bounds[0], path.bounds[1], w], [path.bounds[2], path.bounds[3], b]
    for other in others:
        w_points += other.bounds[:2]
        b_points += other.bounds[2:]
    if optimum is not None and optimum.exists:
        w_points.append(optimum.w)
        b_points.append(optimum.b)
    w_low, w_high, w_step = _round_range([v for v in w_points if math.isfinite(v)])
    b_low, b_high, b_step = _round_range([v for v in b_points if math.isfinite(v)])
    return Window(w_low, w_high, b_low, b_high, w_step, b_step)


def _round_range(values: list[float]) -> tuple[float, float, float]:
    """(low, high, tick step): the values' range with a margin, rounded out to half a 1-2-5 tick step."""
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    span = max(high - low, 1e-3 * max(abs(low), abs(high)), 1.0 if high == low else 0.0)
    low, high = low - MARGIN * span, high + MARGIN * span
    decade = 10 ** math.floor(math.log10((high - low) / TICKS_PER_AXIS))
    step = next(m * decade for m in (1, 2, 5, 10) if m * decade * TICKS_PER_AXIS >= high - low)
    limit_step = step / 2
    return (float(f"{math.floor(low / limit_step) * limit_step:.12g}"),
            float(f"{math.ceil(high / limit_step) * limit_step:.12g}"), float(f"{step:.12g}"))
