"""The plot views: a snapshot → a Drawing, decimated to the screen so a frame costs the same at any scale; and
the plotext code that turns a Drawing into text.

A view is a function (snapshot, its settings, width, height, colours) → (key, a note or a Drawing). It
first reduces its input to what the character grid can show; equal keys mean an identical picture, so
the caller can skip plotext. `render(drawing)` runs plotext, in the app or in the plot process.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import plotext as plt
from rich.console import Console
from rich.text import Text

from logreg_tui.axes import (Axis, decade_label, epoch_axis_end, epoch_ticks, fit_title, round_ticks, row_axis,
                             tail_window)
from logreg_tui.data import Dataset
from logreg_tui.drawing import Drawing, PlotColors, Rows
from logreg_tui.history import HistoryView
from logreg_tui.state import Snapshot

MIN_WIDTH, MIN_HEIGHT = 30, 8  # below this a plot is unreadable: show a note instead
FRAME_ROWS = 4  # rows of a plot that are not canvas: title, top and bottom border, x tick labels
FINE_BINS = 4096  # per-data-set occupancy grid that every screen-sized scatter is drawn from
SMOOTHING = 0.6  # TensorBoard's default EMA weight
_CONSOLE = Console(width=10_000, color_system="truecolor", force_terminal=False)  # renders Text to segments


@dataclass(frozen=True)
class LossSettings:
    """How the loss plot shows the run (the l, s and t keys)."""

    log_y: bool = False
    smooth: bool = False
    tail: bool = False  # the recent part of the run, y fitted to it


@dataclass(frozen=True)
class DataSettings:
    """The data plot has no settings yet."""


def loss_view(snapshot: Snapshot, settings: LossSettings, width: int, height: int,
              colors: PlotColors) -> tuple[object, str | Drawing]:
    return loss_plot(snapshot.history, snapshot.epoch, snapshot.stop_at, settings, width, height, colors,
                     snapshot.val_history)


def data_view(snapshot: Snapshot, settings: DataSettings, width: int, height: int,
              colors: PlotColors) -> tuple[object, str | Drawing]:
    return data_plot(snapshot.dataset, snapshot.w, snapshot.b, width, height, colors)


def render(drawing: Drawing) -> str:
    """The picture as plotext's text with ANSI colours."""
    return _DRAW[drawing.plot](**{**drawing.args, "colors": drawing.colors})


def rows_of(text: str) -> Rows:
    """ANSI text (plotext's) as rows of (text, style) runs; the style as rich writes it ("" for none)."""
    lines = Text.from_ansi(text).split("\n", allow_blank=True)
    return [[(segment.text, str(segment.style) if segment.style else "") for segment in line.render(_CONSOLE, end="")]
            for line in lines]


def picture(drawing: Drawing) -> Rows:
    return rows_of(render(drawing))


def _drawing(plot: str, colors: PlotColors, **args) -> Drawing:
    return Drawing(plot, {**args, "colors": asdict(colors)})


def debiased_ema(values: np.ndarray, weight: float = SMOOTHING) -> np.ndarray:
    """TensorBoard's smoothing: an exponential moving average divided by (1 − weight^k) to undo its start at 0."""
    smoothed = np.empty(len(values))
    last = 0.0
    for k, value in enumerate(values, start=1):
        last = last * weight + (1 - weight) * value
        smoothed[k - 1] = last / (1 - weight**k)
    return smoothed


def decimate(history: HistoryView, x_start: float, x_end: float, columns: int) -> tuple[np.ndarray, ...]:
    """Per screen column of [x_start, x_end]: (x, min, max, mean) of the losses in it; empty columns dropped."""
    starts, low, high, mean = history.series(since=x_start)
    keep = starts >= x_start
    starts, low, high, mean = starts[keep], low[keep], high[keep], mean[keep]
    if starts.size == 0:
        return (np.empty(0),) * 4
    width = max(x_end - x_start, 1)
    index = np.clip(((starts - x_start) / width * columns).astype(np.int64), 0, columns - 1)  # nondecreasing
    first = np.flatnonzero(np.diff(index, prepend=-1))  # where each used column's stretch begins
    count = np.diff(first, append=index.size)
    x = x_start + (index[first] + 0.5) / columns * width
    return (x, np.minimum.reduceat(low, first), np.maximum.reduceat(high, first),
            np.add.reduceat(mean, first) / count)


def _start(width: int, height: int, colors: PlotColors) -> None:
    plt.clf()
    plt.limit_size(False, False)  # the widget's size, not the terminal's: plotext would cap at 80×24 off a tty
    plt.plotsize(width, height)
    plt.theme("clear")
    # the theme's background, not the terminal's: a dark theme in a light terminal stays dark
    plt.canvas_color(colors.background or "default")
    plt.axes_color(colors.background or "default")
    plt.ticks_color(colors.text)


def _too_small(width: int, height: int) -> str | None:
    if width >= MIN_WIDTH and height >= MIN_HEIGHT:
        return None
    return size_note(width, height)


def size_note(width: int, height: int, terminal: tuple[int, int] | None = None,
              needed: tuple[int, int] | None = None) -> str:
    """What size is needed, in lines that fit `width` columns: the terminal's when known, else the plot's."""
    if terminal and needed:
        words = f"enlarge the terminal to {needed[0]}×{needed[1]} (now {terminal[0]}×{terminal[1]})"
    else:
        words = f"enlarge the terminal (plot needs {MIN_WIDTH}×{MIN_HEIGHT}, has {width}×{height})"
    lines = textwrap.wrap(words, max(width, 1), break_long_words=False, break_on_hyphens=False)
    if any(len(line) > width for line in lines):
        return ""  # too narrow for a word: a blank plot says as much as a cut one
    return "\n".join(lines[:max(height, 1)])


def _quantize(values: np.ndarray, low: float, high: float, steps: int) -> bytes:
    """Values as pixel rows: two series that quantize alike draw alike."""
    scaled = (np.asarray(values, dtype=np.float64) - low) / ((high - low) or 1.0) * steps
    return np.nan_to_num(scaled, nan=-1, posinf=steps + 1, neginf=-1).round().astype(np.int32).tobytes()


def tail_range(low: np.ndarray, high: np.ndarray) -> tuple[float, float]:
    """y range of the tail view, fitted to the bulk of the values (TensorBoard's "ignore outliers").

    The 5th to 95th percentile of the columns' minima and maxima, widened to take in the latest value:
    a spike or the window's steep start runs off the top instead of squashing the rest flat.
    """
    values = np.concatenate([low, high])
    bottom, top = np.percentile(values, [5, 95])
    return float(min(bottom, low[-1])), float(max(top, high[-1]))


def _series(history: HistoryView, x_start: int, x_end: int, columns: int, log_y: bool) -> tuple[np.ndarray, ...]:
    """(x, min, max, mean) per column of what can be drawn (finite; > 0 on a log axis), log10'd on a log axis."""
    x, low, high, mean = decimate(history, x_start, x_end, columns)
    finite = np.isfinite(low) & np.isfinite(high) & (low > 0 if log_y else True)
    x, low, high, mean = x[finite], low[finite], high[finite], mean[finite]
    if log_y and x.size:
        low, high, mean = np.log10(low), np.log10(high), np.log10(mean)
    return x, low, high, mean


def loss_plot(history: HistoryView, epoch: int, stop_at: int | None, settings: LossSettings,
              width: int, height: int, colors: PlotColors,
              val_history: HistoryView | None = None) -> tuple[object, str | Drawing]:
    """(key, a note or the Drawing) of the loss against epoch: the whole run, or (tail) its last quarter; with
    a held-out split, its loss beside the training loss."""
    note = _too_small(width, height)
    if note is not None:
        return ("small", width, height), note
    log_y, smooth, tail = settings.log_y, settings.smooth, settings.tail
    x_start, x_end = tail_window(epoch) if tail else (0, epoch_axis_end(epoch, stop_at))
    x, low, high, mean = _series(history, x_start, x_end, 2 * width, log_y)
    val_x, val_low, val_high, _ = _series(val_history, x_start, x_end, 2 * width, log_y) if val_history \
        else (np.empty(0),) * 4
    lows, highs = np.concatenate([low, val_low]), np.concatenate([high, val_high])
    if not lows.size:
        y_range = (0.0, 1.0)
    elif tail:
        y_range = tail_range(lows, highs)
    else:
        y_range = (float(lows.min()) if log_y else 0.0, float(highs.max()))
    axis = row_axis(*y_range, height - FRAME_ROWS, whole=log_y and not tail)
    key = ("loss", width, height, x_start, x_end, axis, log_y, smooth, colors, val_history is not None,
           _quantize(np.stack([low, high]), axis.low, axis.high, 4 * height), x.size,
           _quantize(np.stack([val_low, val_high]), axis.low, axis.high, 4 * height))
    return key, _drawing("loss", colors, x=x, low=low, high=high, mean=mean, val_x=val_x, val_low=val_low,
                         val_high=val_high, validation=val_history is not None, x_start=x_start, x_end=x_end,
                         y_axis=asdict(axis), width=width, height=height, log_y=log_y, smooth=smooth, tail=tail)


def _loss_title(width: int, label_width: int, log_y: bool, smooth: bool, tail: bool) -> str:
    parts = [("  (log scale)", " log"), ("  smoothed", " smooth"), ("  recent", " recent")]
    shown = [part for part, on in zip(parts, (log_y, smooth, tail)) if on]
    return fit_title(width, label_width, "loss" + "".join(long for long, _ in shown),
                     "loss" + "".join(short for _, short in shown), "loss")


def _loss_labels(axis: Axis, log_y: bool) -> list[str]:
    """Tick labels: the axis's own; on a log axis the losses themselves (0.1, 0.01, or 0.0832 between decades)."""
    if not log_y:
        return list(axis.labels)
    if all(tick == round(tick) for tick in axis.ticks):
        return [decade_label(round(tick)) for tick in axis.ticks]
    return [f"{10**tick:.3g}" for tick in axis.ticks]


def _zigzag(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[list[float], list[float]]:
    """Each column's max then min: one line that shows the whole spread of the epochs in it."""
    return np.repeat(x, 2).tolist(), np.column_stack([high, low]).ravel().tolist()


def _draw_loss(x, low, high, mean, val_x, val_low, val_high, validation, x_start, x_end, y_axis, width, height,
               log_y, smooth, tail, colors) -> str:
    axis = Axis(**{**y_axis, "ticks": tuple(y_axis["ticks"]), "labels": tuple(y_axis["labels"])})
    labels = _loss_labels(axis, log_y)
    _start(width, height, colors)
    plt.title(_loss_title(width, max(map(len, labels)), log_y, smooth, tail))
    plt.xlim(x_start, x_end)
    plt.xticks(*epoch_ticks(x_start, x_end))
    plt.ylim(axis.low, axis.high)
    plt.yticks(list(axis.ticks), labels)
    legend = {"label": "train"} if validation else {}
    if validation and val_x.size:  # first: where the two share a cell, the training curve stays on top
        plt.plot(*_zigzag(val_x, val_low, val_high), marker="braille", color=colors.class1, label="val")
    if x.size:
        plt.plot(*_zigzag(x, low, high), marker="braille", color=colors.dim if smooth else colors.line,
                 **({} if smooth else legend))
        if smooth:
            plt.plot(x.tolist(), debiased_ema(mean).tolist(), marker="braille", color=colors.line, **legend)
    return plt.build()


@lru_cache(maxsize=4)
def _fine_occupancy(dataset: Dataset) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Which of FINE_BINS x-bins hold a point of class 0 and of class 1: computed once per data set."""
    x_min, x_max = float(dataset.x.min()), float(dataset.x.max())
    if x_max <= x_min:
        x_min, x_max = x_min - 1, x_max + 1
    margin = (x_max - x_min) * 0.02
    x_min, x_max = x_min - margin, x_max + margin
    bins = np.clip(((dataset.x - x_min) / (x_max - x_min) * FINE_BINS).astype(np.int64), 0, FINE_BINS - 1)
    labels = dataset.y > 0.5
    return (x_min, x_max,
            np.bincount(bins[~labels], minlength=FINE_BINS) > 0, np.bincount(bins[labels], minlength=FINE_BINS) > 0)


@lru_cache(maxsize=4)  # like _fine_occupancy: a big data set is not kept alive long after a reseed
def scatter_columns(dataset: Dataset, columns: int) -> tuple[float, float, np.ndarray, np.ndarray]:
    """(x_min, x_max, x of columns holding class 0, x of columns holding class 1): at most `columns` each."""
    x_min, x_max, class0, class1 = _fine_occupancy(dataset)
    index = np.arange(FINE_BINS) * columns // FINE_BINS
    centres = x_min + (np.arange(columns) + 0.5) / columns * (x_max - x_min)
    occupied = [np.bincount(index[fine], minlength=columns) > 0 for fine in (class0, class1)]
    return x_min, x_max, centres[occupied[0]], centres[occupied[1]]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # σ without overflow warnings for huge |z|


def data_plot(dataset: Dataset, w: float, b: float, width: int, height: int,
              colors: PlotColors) -> tuple[object, str | Drawing]:
    """(key, a note or the Drawing) of the data with σ(wx + b) and the threshold x* = −b/w."""
    note = _too_small(width, height)
    if note is not None:
        return ("small", width, height), note
    x_min, x_max, x0, x1 = scatter_columns(dataset, width)  # one dot per cell: see _draw_data
    curve_x = np.linspace(x_min, x_max, 2 * width)
    with np.errstate(all="ignore"):
        curve_y = sigmoid(w * curve_x + b) if math.isfinite(w) and math.isfinite(b) else np.full_like(curve_x, np.nan)
        threshold = -b / w if w and math.isfinite(w) and math.isfinite(b) else math.nan
    show_threshold = x_min <= threshold <= x_max
    threshold_column = round((threshold - x_min) / (x_max - x_min) * 2 * width) if show_threshold else -1
    key = ("data", id(dataset), width, height, colors, _quantize(curve_y, -0.1, 1.1, 4 * height), threshold_column)
    finite = np.isfinite(curve_y)
    return key, _drawing("data", colors, x0=x0, x1=x1, curve_x=curve_x[finite], curve_y=curve_y[finite],
                         threshold=threshold if show_threshold else None, x_min=x_min, x_max=x_max,
                         width=width, height=height)


def class_rows(height: int) -> tuple[float, float, float, float]:
    """(y of class 0's row, y of class 1's row, y-axis low, high) for a data plot `height` rows tall.

    The points get their own rows, one below σ = 0 and one above σ = 1, so the curve's flat tails and
    the data never hide each other. Every one of these values sits at the centre of a canvas row, so
    plotext puts a dot and its tick label on the same row whatever its rounding (height − 4 rows: title,
    two borders and the x ticks take the rest).
    """
    step = 1 / max(height - 4 - 3, 1)  # the canvas rows between the two class rows span σ from 0 to 1
    return -step, 1 + step, -1.5 * step, 1 + 1.5 * step


def _draw_data(x0, x1, curve_x, curve_y, threshold, x_min, x_max, width, height, colors) -> str:
    _start(width, height, colors)
    where = f"x* = {threshold:.4g}" if threshold is not None else ""
    plt.title(fit_title(width, 3, f"data and σ(wx + b)   {where}".rstrip(), f"σ(wx + b)  {where}".rstrip(),
                        where, "σ(wx + b)"))
    plt.xlim(x_min, x_max)
    plt.xticks(*round_ticks(x_min, x_max, max(width // 6, 2)))
    row0, row1, low, high = class_rows(height)
    plt.ylim(low, high)
    plt.yticks([row0, 0, 0.5, 1, row1], ["y=0", "0", "0.5", "1", "y=1"])
    if threshold is not None:
        plt.vline(threshold, colors.marker)
    plt.plot(curve_x.tolist(), curve_y.tolist(), marker="braille", color=colors.curve)
    # one-cell dots (braille's sub-rows round to a row off their tick label at some heights)
    plt.scatter(x0.tolist(), [row0] * len(x0), marker="dot", color=colors.class0)
    plt.scatter(x1.tolist(), [row1] * len(x1), marker="dot", color=colors.class1)
    return plt.build()


_DRAW = {"loss": _draw_loss, "data": _draw_data}
