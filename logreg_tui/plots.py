"""Snapshot data → plot text with plotext, decimated to the screen so a frame costs the same at any scale.

Each plot function first reduces its input to what the character grid can show, and returns a
`key` of that reduced input and a Drawing of it: equal keys mean an identical picture, so the caller
can skip plotext. `Drawing.text()` runs plotext, here or in the plot process.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import plotext as plt

from logreg_tui.data import Dataset
from logreg_tui.history import HistoryView

MIN_WIDTH, MIN_HEIGHT = 30, 8  # below this a plot is unreadable: show a note instead
MIN_EPOCH_AXIS = 10  # the loss plot's shortest x axis, in epochs
MIN_TICK_GAP, MAX_INTERVALS = 2, 8  # rows between y ticks at least; intervals between ticks at most
FRAME_ROWS = 4  # rows of a plot that are not canvas: title, top and bottom border, x tick labels
FINE_BINS = 4096  # per-data-set occupancy grid that every screen-sized scatter is drawn from
SMOOTHING = 0.6  # TensorBoard's default EMA weight
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class PlotColors:
    """Plot colours, taken from the app's theme."""

    text: RGB = (200, 200, 200)
    line: RGB = (80, 160, 255)
    dim: RGB = (90, 90, 90)
    curve: RGB = (255, 160, 60)
    class0: RGB = (230, 90, 90)
    class1: RGB = (90, 200, 120)
    marker: RGB = (240, 220, 80)
    background: RGB | None = None  # the theme's; None: the terminal's own


@dataclass(frozen=True)
class Drawing:
    """A plot to draw: which one and its arguments, as numbers, strings and float arrays.

    Plain, so that it can go as JSON to the process that draws plots (plot_process.py) and be drawn there
    exactly as here.
    """

    plot: str  # "loss" or "data"
    args: dict

    def text(self) -> str:
        """The plot as plotext's text with ANSI colours."""
        colors = PlotColors(**{name: rgb and tuple(rgb) for name, rgb in self.args["colors"].items()})
        return _DRAW[self.plot](**{**self.args, "colors": colors})


def _drawing(plot: str, colors: PlotColors, **args) -> Drawing:
    return Drawing(plot, {**args, "colors": asdict(colors)})


def format_number(value: float) -> str:
    """Plain decimal with up to 6 significant digits (0.4, 0.0125; 1e-05 only when tiny); — for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int) or (abs(value) < 1e15 and value == int(value)):
        return str(int(value))
    return f"{value:.6g}"


def debiased_ema(values: np.ndarray, weight: float = SMOOTHING) -> np.ndarray:
    """TensorBoard's smoothing: an exponential moving average divided by (1 − weight^k) to undo its start at 0."""
    smoothed = np.empty(len(values))
    last = 0.0
    for k, value in enumerate(values, start=1):
        last = last * weight + (1 - weight) * value
        smoothed[k - 1] = last / (1 - weight**k)
    return smoothed


def nice_ceiling(value: float) -> float:
    """The next of 1, 1.5, 2, 3, 4, 5, 7 × 10^k at or above value: axis ends that change rarely."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    decade = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 3, 4, 5, 7, 10):
        if step * decade >= value * (1 - 1e-12):
            return float(f"{step * decade:.12g}")  # 0.7, not 0.7000000000000001
    return 10 * decade


def epoch_axis_end(epoch: int, stop_at: int | None) -> int:
    """x-axis end for the whole run: grows with the run in round steps (10, 20, 50, 100 …), never past the budget.

    Every change of the end redraws the whole plot (bytes on an SSH link), so the steps are coarse and
    come rarely; between them the curve grows to the right and most rows stay unchanged. The budget
    itself is in the stats (epoch 419 / 1001).
    """
    end = round_up_125(max(epoch, MIN_EPOCH_AXIS))
    return max(min(end, stop_at), epoch) if stop_at else end


def round_up_125(value: float) -> int:
    """The next of 1, 2, 5 × 10^k at or above value (value ≥ 1)."""
    decade = 10 ** math.floor(math.log10(value))
    return int(next(step * decade for step in (1, 2, 5, 10) if step * decade >= value))


def tail_window(epoch: int) -> tuple[int, int]:
    """(first, last) epoch of the tail view: about the last quarter of the run, in round steps, at least 10 epochs.

    The end moves a fifth of the window at a time, so the picture shifts now and then, not every epoch.
    """
    span = int(nice_ceiling(max(epoch / 4, MIN_EPOCH_AXIS)))
    step = max(span // 5, 1)
    end = max(-(-epoch // step) * step, span)
    return end - span, end


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


@dataclass(frozen=True)
class Axis:
    """An axis range and its ticks: evenly spaced round values, each on the centre of a character row."""

    low: float
    high: float
    ticks: tuple[float, ...]
    labels: tuple[str, ...]


def row_axis(low: float, high: float, rows: int, whole: bool = False) -> Axis:
    """The axis that shows [low, high] on `rows` character rows with round ticks the same number of rows apart.

    plotext maps a range onto the rows linearly and rounds each tick to a row: ticks that fall between
    rows come out unevenly spaced (0.70 0.58 0.35 0.23 0.00). So the range is chosen to put every tick on
    a row centre, `gap` rows apart: ticks 1, 2, 2.5 or 5 × 10^k (whole: 1, 2, 5 × 10^k, for decades),
    at least MIN_TICK_GAP rows apart, as many as fit while the data still fills the height.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high <= low:
        low, high = low - 0.5 * (abs(low) or 1), high + 0.5 * (abs(high) or 1)
    mantissas = (1, 2, 5) if whole else (1, 2, 2.5, 5)
    decade = 10 ** math.floor(math.log10((high - low) / MAX_INTERVALS))
    if whole:
        decade = max(decade, 1)
    choices = []
    for step in (m * decade * 10**k for k in range(8) for m in mantissas):
        first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
        intervals = max(last - first, 1)
        gap = max((rows - 1) // intervals, 1)
        if intervals <= MAX_INTERVALS and gap >= min(MIN_TICK_GAP, rows - 1):
            choices.append((step / gap, step, first, intervals))
    # the data should fill the height (rows of the finest value), then the more ticks the better
    finest = min(choices)[0] if choices else None
    per_row, step, first, intervals = min(
        (c for c in choices if c[0] <= finest * 1.15), key=lambda c: c[1]) if choices else (step / gap, step, first, intervals)
    ticks = tuple(float(f"{(first + k) * step:.12g}") for k in range(intervals + 1))
    axis_low = first * step - per_row / 2
    return Axis(axis_low, axis_low + rows * per_row, ticks, tuple(tick_labels(ticks, step)))


def tick_labels(ticks: tuple[float, ...], step: float) -> list[str]:
    """Labels with the same number of decimals, as many as the step needs: 0.00 0.25 0.50; 0 5 10."""
    decimals = len(f"{step:.10f}".rstrip("0").partition(".")[2])  # 0.25 → 2, 2.5 → 1, 5 → 0
    if decimals > 5 or max(abs(t) for t in ticks) >= 1e6:
        return [f"{t:.3g}" for t in ticks]
    return [f"{t:.{decimals}f}" for t in ticks]


def round_ticks(low: float, high: float, most: int) -> tuple[list[float], list[str]]:
    """Round ticks inside [low, high], as many as fit in `most` (the data plot's x axis: −2.5, 0.0, 2.5 …)."""
    span = high - low if high > low else 1.0
    decade = 10 ** math.floor(math.log10(span / max(most, 1)))
    for step in (m * decade for m in (1, 2, 2.5, 5, 10, 20, 25, 50)):
        first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
        if last - first + 1 <= max(most, 2):
            break
    ticks = tuple(float(f"{k * step:.12g}") for k in range(first, last + 1))
    return list(ticks), tick_labels(ticks, step) if ticks else []


def fit_title(width: int, label_width: int, *titles: str) -> str:
    """The first title that plotext will show above a canvas this wide (it drops one that does not fit)."""
    room = width - label_width - 2
    return next((title for title in titles if len(title) <= room), "")


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


def epoch_ticks(x_start: int, x_end: int) -> tuple[list[int], list[str]]:
    """About five round epoch ticks in [x_start, x_end]: 0, 250, 500 …; 20k, 1.5M for big runs."""
    span = max(x_end - x_start, 1)
    decade = 10 ** max(math.floor(math.log10(span / 5)), 0)
    step = next(s * decade for s in (1, 2, 2.5, 5, 10) if s * decade * 5 >= span)
    ticks = [int(round(k * step)) for k in range(math.ceil(x_start / step), int(x_end // step) + 1)]
    return ticks, [short_count(t) for t in ticks]


def short_count(count: int) -> str:
    """12, 9999, 20k, 1.5M: counts for tight places."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if count >= (size if suffix == "M" else 10 * size):
            return f"{count / size:g}{suffix}"
    return str(count)


def _decade_label(power: int) -> str:
    return format_number(10.0**power) if power >= -4 else f"1e{power}"


def tail_range(low: np.ndarray, high: np.ndarray) -> tuple[float, float]:
    """y range of the tail view, fitted to the bulk of the values (TensorBoard's "ignore outliers").

    The 5th to 95th percentile of the columns' minima and maxima, widened to take in the latest value:
    a spike or the window's steep start runs off the top instead of squashing the rest flat.
    """
    values = np.concatenate([low, high])
    bottom, top = np.percentile(values, [5, 95])
    return float(min(bottom, low[-1])), float(max(top, high[-1]))


def loss_plot(history: HistoryView, epoch: int, stop_at: int | None, log_y: bool, smooth: bool, tail: bool,
              width: int, height: int, colors: PlotColors) -> tuple[object, str | Drawing]:
    """(key, a note or the Drawing) of the loss against epoch: the whole run, or (tail) its last quarter."""
    note = _too_small(width, height)
    if note is not None:
        return ("small", width, height), note
    x_start, x_end = tail_window(epoch) if tail else (0, epoch_axis_end(epoch, stop_at))
    x, low, high, mean = decimate(history, x_start, x_end, 2 * width)
    finite = np.isfinite(low) & np.isfinite(high) & (low > 0 if log_y else True)
    x, low, high, mean = x[finite], low[finite], high[finite], mean[finite]
    if log_y and x.size:
        low, high, mean = np.log10(low), np.log10(high), np.log10(mean)
    if not x.size:
        y_range = (0.0, 1.0)
    elif tail:
        y_range = tail_range(low, high)
    else:
        y_range = (float(low.min()) if log_y else 0.0, float(high.max()))
    axis = row_axis(*y_range, height - FRAME_ROWS, whole=log_y and not tail)
    key = ("loss", width, height, x_start, x_end, axis, log_y, smooth, colors,
           _quantize(np.stack([low, high]), axis.low, axis.high, 4 * height), x.size)
    return key, _drawing("loss", colors, x=x, low=low, high=high, mean=mean, x_start=x_start, x_end=x_end,
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
        return [_decade_label(round(tick)) for tick in axis.ticks]
    return [f"{10**tick:.3g}" for tick in axis.ticks]


def _draw_loss(x, low, high, mean, x_start, x_end, y_axis, width, height, log_y, smooth, tail, colors) -> str:
    axis = Axis(**{**y_axis, "ticks": tuple(y_axis["ticks"]), "labels": tuple(y_axis["labels"])})
    labels = _loss_labels(axis, log_y)
    _start(width, height, colors)
    plt.title(_loss_title(width, max(map(len, labels)), log_y, smooth, tail))
    plt.xlim(x_start, x_end)
    plt.xticks(*epoch_ticks(x_start, x_end))
    plt.ylim(axis.low, axis.high)
    plt.yticks(list(axis.ticks), labels)
    if x.size:
        # each column's max then min: one line that shows the whole spread of the epochs in it
        xs = np.repeat(x, 2)
        ys = np.column_stack([high, low]).ravel()
        plt.plot(xs.tolist(), ys.tolist(), marker="braille", color=colors.dim if smooth else colors.line)
        if smooth:
            plt.plot(x.tolist(), debiased_ema(mean).tolist(), marker="braille", color=colors.line)
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
