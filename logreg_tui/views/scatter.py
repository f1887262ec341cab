"""The data plot: the points on their class rows, σ(wx + b) between them, and the threshold x* = −b/w; with more
than one feature, the points by their score z = w·x + b (the engine's ScoreSummary) under σ(z)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np
import plotext as plt

from logreg_tui.core.maths.evaluation import logit
from logreg_tui.core.model.data import Dataset
from logreg_tui.core.model.state import SCORE_BINS, ScoreSummary
from logreg_tui.core.words.formatting import format_number
from logreg_tui.views.axes import fit_title, round_ticks
from logreg_tui.views.canvas import quantize, rows_of, start_canvas, too_small
from logreg_tui.views.drawing import Drawing, PlotColors, Rows, plotext_color

FINE_BINS = SCORE_BINS  # per-data-set occupancy grid that every screen-sized scatter is drawn from


@lru_cache(maxsize=1)  # the current data's only: a cache keyed by a data set keeps it alive after a reseed
def _fine_occupancy(dataset: Dataset, n_train: int) -> tuple[float, float, list[np.ndarray]]:
    """Which of FINE_BINS x-bins hold a training point of class 0, of class 1, a held-out one of class 0 and of
    class 1 (the points from n_train on): computed once per data set and split."""
    x_min, x_max = float(dataset.x.min()), float(dataset.x.max())
    if x_max <= x_min:
        x_min, x_max = x_min - 1, x_max + 1
    margin = (x_max - x_min) * 0.02
    x_min, x_max = x_min - margin, x_max + margin
    bins = np.clip(((dataset.x - x_min) / (x_max - x_min) * FINE_BINS).astype(np.int64), 0, FINE_BINS - 1)
    labels, trained = dataset.y > 0.5, np.arange(dataset.x.size) < n_train
    return x_min, x_max, [np.bincount(bins[part], minlength=FINE_BINS) > 0
                          for part in (trained & ~labels, trained & labels, ~trained & ~labels, ~trained & labels)]


@lru_cache(maxsize=1)  # like _fine_occupancy; another width is O(FINE_BINS) from it
def scatter_columns(dataset: Dataset, columns: int,
                    n_train: int | None = None) -> tuple[float, float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_min, x_max, x of columns holding training points of class 0, of class 1, and of columns holding only
    held-out points of class 0, of class 1): at most `columns` each."""
    x_min, x_max, fine = _fine_occupancy(dataset, dataset.n_points if n_train is None else n_train)
    return _columns(x_min, x_max, fine, columns)


def _columns(x_min: float, x_max: float, fine: list[np.ndarray] | np.ndarray,
             columns: int) -> tuple[float, float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scatter_columns from a fine occupancy grid (4 parts × FINE_BINS) over x_min … x_max."""
    index = np.arange(FINE_BINS) * columns // FINE_BINS
    centres = x_min + (np.arange(columns) + 0.5) / columns * (x_max - x_min)
    occupied = [np.bincount(index[part], minlength=columns) > 0 for part in fine]
    return (x_min, x_max, centres[occupied[0]], centres[occupied[1]], centres[occupied[2] & ~occupied[0]],
            centres[occupied[3] & ~occupied[1]])


@lru_cache(maxsize=1)
def in_data_units(dataset: Dataset) -> Dataset:
    """The data set with x in its own units (a standardized one turned back; any other as it is)."""
    if dataset.scale is None:
        return dataset
    mean, std = np.array(dataset.scale).T  # one (mean, std) per feature
    x = dataset.x.astype(np.float64) * std + mean
    return Dataset(x, dataset.y, dataset.seed, dataset.gap, dataset.source)


Y_LABEL_WIDTH = 3  # the data plot's y tick labels (y=0, 0.5, y=1): then its axis, the canvas, the right border


def x_at_column(dataset: Dataset, width: int, column: int, n_train: int | None = None) -> float | None:
    """The data's x under a screen column of a data plot `width` wide, where plotext puts x_min … x_max across its
    canvas (measured: a vline at x lands within half a column of this); None off the canvas."""
    x_min, x_max, _ = _fine_occupancy(dataset, dataset.n_points if n_train is None else n_train)
    return value_at_column(x_min, x_max, width, column)


def value_at_column(low: float, high: float, width: int, column: int) -> float | None:
    """The axis's value under a screen column of a data plot `width` wide whose axis runs low … high (x, or the
    score z with more features); None off the canvas."""
    canvas = width - Y_LABEL_WIDTH - 2
    position = column - Y_LABEL_WIDTH - 1
    if canvas < 2 or not 0 <= position < canvas:
        return None
    return low + position / (canvas - 1) * (high - low)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # σ without overflow warnings for huge |z|


def data_plot(dataset: Dataset, w: float, b: float, width: int, height: int, colors: PlotColors,
              n_train: int | None = None, t: float = 0.5) -> tuple[object, str | Drawing]:
    """(key, a note or the Drawing) of the data with σ(wx + b) and the threshold x* where σ = t, (logit(t) − b)/w
    (−b/w at t = 0.5); points from n_train on (held out) drawn as × where no training point of their class shares
    the column."""
    note = too_small(width, height)
    if note is not None:
        return ("small", width, height), note
    columns = scatter_columns(dataset, width, n_train)  # one dot per cell: see draw_data
    return _sigmoid_plot(columns, w, b, width, height, colors, t, ("data", id(dataset), n_train))


def score_plot(scores: ScoreSummary, width: int, height: int, colors: PlotColors,
               t: float = 0.5) -> tuple[object, str | Drawing]:
    """The points by their score z = w·x + b (any number of features) with σ(z) and z* = logit(t): the data plot of
    data_plot with w = 1, b = 0 on the scores' axis, drawn from the engine's summary (O(screen))."""
    note = too_small(width, height)
    if note is not None:
        return ("small", width, height), note
    if not (math.isfinite(scores.low) and math.isfinite(scores.high)):
        return ("no scores", width, height), "no scores to show: θ is not finite (the run diverged)"
    columns = _columns(scores.low, scores.high, scores.occupied, width)
    occupied = b"".join(part.tobytes() for part in columns[2:])
    return _sigmoid_plot(columns, 1.0, 0.0, width, height, colors, t, ("scores", scores.low, scores.high, occupied),
                         axis="z")


def _sigmoid_plot(columns: tuple[float, float, np.ndarray, np.ndarray, np.ndarray, np.ndarray], w: float, b: float,
                  width: int, height: int, colors: PlotColors, t: float, key_head: tuple[object, ...],
                  axis: str = "x") -> tuple[object, Drawing]:
    x_min, x_max, x0, x1, held0, held1 = columns
    curve_x = np.linspace(x_min, x_max, 2 * width)
    with np.errstate(all="ignore"):
        curve_y = sigmoid(w * curve_x + b) if math.isfinite(w) and math.isfinite(b) else np.full_like(curve_x, np.nan)
        threshold = (logit(t) - b) / w if w and math.isfinite(w) and math.isfinite(b) else math.nan
    show_threshold = x_min <= threshold <= x_max
    threshold_column = round((threshold - x_min) / (x_max - x_min) * 2 * width) if show_threshold else -1
    # the title's x* to its shown digits: a curve that looks the same may still move x* in the title
    key = (*key_head, width, height, colors, quantize(curve_y, -0.1, 1.1, 4 * height), threshold_column,
           threshold_text(threshold, x_min, x_max) if show_threshold else None)
    finite = np.isfinite(curve_y)
    return (*key, t), DataDrawing(colors=colors, x0=x0, x1=x1, held0=held0, held1=held1, curve_x=curve_x[finite],
                                  curve_y=curve_y[finite], threshold=threshold if show_threshold else None,
                                  t=t, x_min=x_min, x_max=x_max, width=width, height=height, axis=axis)


def threshold_text(threshold: float, x_min: float, x_max: float) -> str:
    """x* to 4 digits; 0 where it is below float32's resolution across the data (-1.171e-09 is noise)."""
    return "0" if format_number(threshold, x_max - x_min) == "0" else f"{threshold:.4g}"


def class_rows(height: int) -> tuple[float, float, float, float]:
    """(y of class 0's row, y of class 1's row, y-axis low, high) for a data plot `height` rows tall.

    The points get their own rows, one below σ = 0 and one above σ = 1, so the curve's flat tails and
    the data never hide each other. Every one of these values sits at the centre of a canvas row, so
    plotext puts a dot and its tick label on the same row whatever its rounding (height − 4 rows: title,
    two borders and the x ticks take the rest).
    """
    step = 1 / max(height - 4 - 3, 1)  # the canvas rows between the two class rows span σ from 0 to 1
    return -step, 1 + step, -1.5 * step, 1 + 1.5 * step


@dataclass(frozen=True, eq=False)
class DataDrawing(Drawing):
    """draw_data's arguments: the dot grid's points per class, σ's curve, the threshold x*, the x range."""

    plot: ClassVar[str] = "data"
    x0: np.ndarray  # class 0's binned points
    x1: np.ndarray
    held0: np.ndarray  # columns with held-out points of class 0 only
    held1: np.ndarray
    curve_x: np.ndarray  # σ(wx + b) where it is finite
    curve_y: np.ndarray
    threshold: float | None  # x*, where σ(wx + b) = t, when it is on the plot
    t: float  # the decision threshold on σ
    x_min: float
    x_max: float
    width: int
    height: int
    axis: str = "x"  # x: one feature's own axis; z: the scores (more features)

    def text(self) -> str:
        """plotext's picture, as ANSI text."""
        return draw_data(**self.args, colors=self.colors)

    def rows(self) -> Rows:
        return rows_of(self.text())


def draw_data(x0: np.ndarray, x1: np.ndarray, held0: np.ndarray, held1: np.ndarray, curve_x: np.ndarray,
              curve_y: np.ndarray, threshold: float | None, t: float,
              x_min: float, x_max: float, width: int, height: int, axis: str = "x", *, colors: PlotColors) -> str:
    start_canvas(width, height, colors)
    where = f"{axis}* = {threshold_text(threshold, x_min, x_max)}" if threshold is not None else ""
    where += f" (σ = {t:g})" if where and t != 0.5 else ""
    if axis == "x":
        plt.title(fit_title(width, 3, f"data and σ(wx + b)   {where}".rstrip(), f"σ(wx + b)  {where}".rstrip(),
                            where, "σ(wx + b)"))
    else:
        plt.title(fit_title(width, 3, f"data by score z = w·x + b, and σ(z)   {where}".rstrip(),
                            f"σ(z), z = w·x + b  {where}".rstrip(), where, "σ(z)"))
    plt.xlim(x_min, x_max)
    plt.xticks(*round_ticks(x_min, x_max, max(width // 6, 2)))
    row0, row1, low, high = class_rows(height)
    plt.ylim(low, high)
    plt.yticks([row0, 0, 0.5, 1, row1], ["y=0", "0", "0.5", "1", "y=1"])
    if threshold is not None:
        plt.vline(threshold, plotext_color(colors.marker))
    plt.plot(curve_x.tolist(), curve_y.tolist(), marker="*" if colors.ascii else "braille",
             color=plotext_color(colors.curve))
    # one-cell dots (braille's sub-rows round to a row off their tick label at some heights)
    dot = "o" if colors.ascii else "dot"
    plt.scatter(x0.tolist(), [row0] * len(x0), marker=dot, color=plotext_color(colors.class0))
    plt.scatter(x1.tolist(), [row1] * len(x1), marker=dot, color=plotext_color(colors.class1))
    held = "x" if colors.ascii else "×"  # a shape of its own: held out reads without colour too
    for points, row, color in ((held0, row0, colors.class0), (held1, row1, colors.class1)):
        if len(points):
            plt.scatter(points.tolist(), [row] * len(points), marker=held, color=plotext_color(color))
    return plt.build()
