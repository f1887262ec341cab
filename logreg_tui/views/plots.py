"""The plot views: a snapshot → a Drawing, decimated to the screen so a frame costs the same at any scale; and
the plotext code that turns a Drawing into text.

A view is a function (snapshot, its settings, width, height, colours) → (key, a note or a Drawing). It
first reduces its input to what the character grid can show; equal keys mean an identical picture, so
the caller can skip plotext. `render(drawing)` runs plotext, in the app or in the plot process.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
import plotext as plt

from logreg_tui.core.maths.curvature import predicted_rate
from logreg_tui.core.model.history import HistoryView, LossHistory
from logreg_tui.core.model.runs import differences, ghost_label
from logreg_tui.core.model.state import Snapshot
from logreg_tui.views.axes import Axis, decade_label, epoch_axis_end, epoch_ticks, fit_title, row_axis, tail_window
from logreg_tui.views.canvas import FRAME_ROWS, as_ascii, quantize, rows_of, start_canvas, too_small
from logreg_tui.views.drawing import Drawing, PlotColors, Rows, plotext_color
from logreg_tui.views.ghosts import EVENT_TICK, ghost_color, ghost_marker, legend_runs, run_marker
from logreg_tui.views.plane_plot import plane_view
from logreg_tui.views.scatter import DataDrawing, data_plot, in_data_units, score_plot

SMOOTHING = 0.6  # TensorBoard's default EMA weight


@dataclass(frozen=True)
class LossSettings:
    """How the loss plot shows the run (the l, s and t keys)."""

    log_y: bool = False
    smooth: bool = False
    tail: bool = False  # the recent part of the run, y fitted to it
    ghosts: bool = True  # earlier runs drawn faded behind this one (the g key)
    gap: bool = False  # log10(L − L*), the gap to the minimum's loss, with the predicted rate (the d key)


@dataclass(frozen=True)
class DataSettings:
    """The data plot has no settings yet."""


def loss_view(snapshot: Snapshot, settings: LossSettings, width: int, height: int,
              colors: PlotColors) -> tuple[object, str | Drawing]:
    if settings.gap:
        return gap_view(snapshot, settings, width, height, colors)
    ghosts = [(ghost_label(ghost, snapshot, k), differences(ghost, snapshot), ghost.history)
              for k, ghost in enumerate(snapshot.ghosts if settings.ghosts else ())]
    history = snapshot.history
    if not history.count and math.isfinite(snapshot.loss):  # epoch 0's point, before any epoch: the loss at w, b
        start = LossHistory()
        start.extend(np.array([snapshot.loss]))
        history = start.view()
    return loss_plot(history, snapshot.epoch, snapshot.stop_at, settings, width, height, colors,
                     snapshot.val_history, ghosts=ghosts, events=[event.epoch for event in snapshot.events])


def minimum_data_loss(run: Snapshot) -> float | None:
    """The data's loss at the run's minimum (the objective's minimum less its penalty); None without one."""
    optimum = run.optimum
    if optimum is None or not optimum.exists:
        return None
    return optimum.loss - run.settings.penalty(optimum.w)


def gap_view(snapshot: Snapshot, settings: LossSettings, width: int, height: int,
             colors: PlotColors) -> tuple[object, str | Drawing]:
    """log10 of the loss's gap to the minimum's: where convergence is linear, a straight line; through the current
    point, dotted, the slope that the curvature at the minimum predicts for these settings (2·log10 of the rate per
    epoch: the gap goes as the error squared), so that the curve's own slope can be held against it. Each ghost
    against its own minimum."""
    floor = minimum_data_loss(snapshot)
    if floor is None:
        return ("gap", width, height), "no minimum, so no gap to it: a penalty (2) gives the objective one"
    ghosts = [(ghost_label(ghost, snapshot, k), differences(ghost, snapshot), ghost.history.shifted(ghost_floor))
              for k, ghost in enumerate(snapshot.ghosts if settings.ghosts else ())
              if (ghost_floor := minimum_data_loss(ghost)) is not None]
    key, drawing = loss_plot(snapshot.history.shifted(floor), snapshot.epoch, snapshot.stop_at,
                             replace(settings, log_y=True), width, height, colors, None, ghosts=ghosts,
                             events=[event.epoch for event in snapshot.events])
    curvature = snapshot.curvature_at_minimum  # the run's (training/run.py: once per data set and objective)
    if not isinstance(drawing, LossDrawing) or curvature is None:
        return key, drawing
    rate = predicted_rate(curvature, snapshot.settings, snapshot.n_train)
    gap = snapshot.last_loss - floor
    prediction = np.empty((2, 0))
    if rate is not None and 0 < rate < 1 and gap > 0 and snapshot.epoch > 0:
        # through the current point: back over a third of the window (beside the curve, to compare slopes) and
        # on to the axis's end (where the run is going)
        since = max(drawing.x_start, snapshot.epoch - (drawing.x_end - drawing.x_start) / 3)
        xs = np.linspace(since, drawing.x_end, max(width // 2, 2))
        ys = math.log10(gap) + 2 * math.log10(rate) * (xs - snapshot.epoch)
        inside = (ys >= drawing.y_axis["low"]) & (ys <= drawing.y_axis["high"])
        prediction = np.stack([xs[inside], ys[inside]])
    # beside a legend (ghosts) the short title is the gap's too, never "loss log", which reads as the loss
    return ("gap", key, prediction.round(3).tobytes()), replace(drawing, gap=True, prediction=prediction,
                                                                short_title=GAP_SHORT_TITLE)


def data_view(snapshot: Snapshot, settings: DataSettings, width: int, height: int,
              colors: PlotColors) -> tuple[object, str | Drawing]:
    """In the data's own units: a standardized run's x, w and b are turned back (x* too); two features in their
    plane with the boundary (plane_plot.py); more, the points by their score (scatter.score_plot)."""
    dataset = snapshot.dataset
    if dataset.in_plane:
        return plane_view(snapshot, width, height, colors)
    if dataset.d > 1:
        if snapshot.figures.scores is None:
            return ("no scores", width, height), "the scores come with the first figures"
        return score_plot(snapshot.figures.scores, width, height, colors, snapshot.settings.threshold)
    w, b = dataset.original_units(snapshot.w, snapshot.b)
    return data_plot(in_data_units(dataset), w, b, width, height, colors, snapshot.n_train, snapshot.settings.threshold)


def render(drawing: LossDrawing | DataDrawing) -> str:
    """A plotext plot's picture as its ANSI text."""
    return drawing.text()


def picture(drawing: Drawing) -> Rows:
    """The picture as rows of styled runs (each kind of Drawing draws its own), in ASCII where asked."""
    rows = drawing.rows()
    return as_ascii(rows) if drawing.colors.ascii else rows


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


def tail_range(low: np.ndarray, high: np.ndarray) -> tuple[float, float]:
    """y range of the tail view, fitted to the bulk of the values (TensorBoard's "ignore outliers").

    The 5th to 95th percentile of the columns' minima and maxima, widened to take in the latest value:
    a spike or the window's steep start runs off the top instead of squashing the rest flat.
    """
    values = np.concatenate([low, high])
    bottom, top = np.percentile(values, [5, 95])
    return float(min(bottom, low[-1])), float(max(top, high[-1]))


@lru_cache(maxsize=16)
def _ghost_series(history: HistoryView, x_start: int, x_end: int, columns: int,
                  log_y: bool) -> tuple[np.ndarray, ...]:
    """A ghost's series, reduced to the screen once (a ghost never changes; its view is its identity)."""
    return _series(history, x_start, x_end, columns, log_y)


def _series(history: HistoryView, x_start: int, x_end: int, columns: int, log_y: bool) -> tuple[np.ndarray, ...]:
    """(x, min, max, mean) per column of what can be drawn (finite; > 0 on a log axis), log10'd on a log axis."""
    x, low, high, mean = decimate(history, x_start, x_end, columns)
    finite = np.isfinite(low) & np.isfinite(high) & (low > 0 if log_y else True)
    x, low, high, mean = x[finite], low[finite], high[finite], mean[finite]
    if log_y and x.size:
        low, high, mean = np.log10(low), np.log10(high), np.log10(mean)
    return x, low, high, mean


def loss_plot(history: HistoryView, epoch: int, stop_at: int | None, settings: LossSettings,
              width: int, height: int, colors: PlotColors, val_history: HistoryView | None = None,
              ghosts: Sequence[tuple[str, list[str], HistoryView]] = (),  # (label, what differs, history) each
              events: Sequence[int] = ()) -> tuple[object, str | Drawing]:
    """(key, a note or the Drawing) of the loss against epoch: the whole run, or (tail) its last quarter; with
    a held-out split, its loss beside the training loss; behind it the ghosts (name, what differs, history),
    on the same axes; a tick at each event's epoch."""
    note = too_small(width, height)
    if note is not None:
        return ("small", width, height), note
    log_y, smooth, tail = settings.log_y, settings.smooth, settings.tail
    longest = max([epoch] + [ghost.count for _, _, ghost in ghosts])
    x_start, x_end = tail_window(epoch) if tail else (0, epoch_axis_end(longest, stop_at))
    x, low, high, mean = _series(history, x_start, x_end, 2 * width, log_y)
    val_x, val_low, val_high, _ = _series(val_history, x_start, x_end, 2 * width, log_y) if val_history \
        else (np.empty(0),) * 4
    shades = [_ghost_series(ghost, x_start, x_end, 2 * width, log_y)[:3] for _, _, ghost in ghosts]
    lows, highs = np.concatenate([low, val_low]), np.concatenate([high, val_high])
    if not tail:  # the whole runs share the axes; the recent view fits the current run alone
        lows, highs = np.concatenate([lows, *(shade[1] for shade in shades)]), \
            np.concatenate([highs, *(shade[2] for shade in shades)])
    if not lows.size:
        y_range = (0.0, 1.0)
    elif tail:
        y_range = tail_range(lows, highs)
    else:
        y_range = (float(lows.min()) if log_y else 0.0, float(highs.max()))
    axis = row_axis(*y_range, height - FRAME_ROWS, whole=log_y and not tail)
    ticks = sorted({x_start + (column + 0.5) / width * (x_end - x_start)  # an event a column, at most
                    for column in (int((e - x_start) / max(x_end - x_start, 1) * width)
                                   for e in events if x_start <= e <= x_end)})
    names, words = [label for label, _, _ in ghosts], [list(what) for _, what, _ in ghosts]
    key = ("loss", width, height, x_start, x_end, axis, log_y, smooth, colors, val_history is not None,
           quantize(np.stack([low, high]), axis.low, axis.high, 4 * height), x.size,
           quantize(np.stack([val_low, val_high]), axis.low, axis.high, 4 * height), tuple(ticks),
           tuple(map(tuple, words)),
           tuple(quantize(np.stack(shade[1:]), axis.low, axis.high, 4 * height) for shade in shades))
    stacked = [np.concatenate([shade[k] for shade in shades]) if shades else np.empty(0) for k in range(3)]
    return key, LossDrawing(colors=colors, x=x, low=low, high=high, mean=mean, val_x=val_x, val_low=val_low,
                            val_high=val_high, validation=val_history is not None, x_start=x_start, x_end=x_end,
                            y_axis=asdict(axis), width=width, height=height, log_y=log_y, smooth=smooth, tail=tail,
                            ghost_x=stacked[0], ghost_low=stacked[1], ghost_high=stacked[2],
                            ghost_sizes=[int(shade[0].size) for shade in shades], ghost_names=names,
                            ghost_words=words, events=np.array(ticks),
                            short_title=_loss_title(width, 0, log_y, smooth, tail, short=True))


GAP_SHORT_TITLE = "L − L* (log)"


def _loss_title(width: int, label_width: int, log_y: bool, smooth: bool, tail: bool, short: bool = False,
                gap: bool = False) -> str:
    if gap:  # log10(L − L*): the dots are the curvature's prediction from here
        return fit_title(width, label_width, "loss − minimum's (log)  ··· predicted rate", "loss − min (log)", "gap")
    parts = [("  (log scale)", " log"), ("  smoothed", " smooth"), ("  recent", " recent")]
    shown = [part for part, on in zip(parts, (log_y, smooth, tail), strict=True) if on]
    if short:  # beside a legend
        return "loss" + "".join(short for _, short in shown)
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


VAL_MONOCHROME_MARKER = "·"  # not a ghost's (∘ + x) nor braille


def _val_marker(colors: PlotColors) -> str:
    """The held-out curve's marker: without colour it needs its own shape beside the training curve's."""
    if colors.ascii:
        return "o"
    return VAL_MONOCHROME_MARKER if colors.monochrome else "braille"


@dataclass(frozen=True, eq=False)
class LossDrawing(Drawing):
    """draw_loss's arguments: the run's loss per column (min, max, mean), the held-out one, the ghosts' stacked, the
    y axis (an Axis as a dict), the events' epochs, the settings that change the picture."""

    plot: ClassVar[str] = "loss"
    x: np.ndarray  # the columns' epochs
    low: np.ndarray
    high: np.ndarray
    mean: np.ndarray
    val_x: np.ndarray
    val_low: np.ndarray
    val_high: np.ndarray
    validation: bool
    x_start: float
    x_end: float
    y_axis: dict[str, Any]
    width: int
    height: int
    log_y: bool
    smooth: bool
    tail: bool
    ghost_x: np.ndarray  # every ghost's columns, one after another (ghost_sizes each)
    ghost_low: np.ndarray
    ghost_high: np.ndarray
    ghost_sizes: list[int]
    ghost_names: list[str]
    ghost_words: list[list[str]]  # what tells each ghost apart
    events: np.ndarray  # the epochs at which a person changed something
    short_title: str
    gap: bool = False  # the values are log10(L − L*) (gap_view)
    prediction: np.ndarray = field(default_factory=lambda: np.empty((2, 0)))  # (x, y) of the predicted line, dotted

    def text(self) -> str:
        """plotext's picture, as ANSI text."""
        return draw_loss(**self.args, colors=self.colors)

    def rows(self) -> Rows:
        """With ghosts, the title row is the title and a legend (plotext's own legend box would sit on the curves'
        start, top left, where every run begins)."""
        rows = rows_of(self.text())
        if self.ghost_names:
            ghosts = list(zip(self.ghost_names, self.ghost_words, strict=True))
            rows[0] = legend_runs(self.short_title, ghosts, self.width, self.colors)
        return rows


def draw_loss(x: np.ndarray, low: np.ndarray, high: np.ndarray, mean: np.ndarray, val_x: np.ndarray,
              val_low: np.ndarray, val_high: np.ndarray, validation: bool, x_start: float, x_end: float,
              y_axis: dict[str, Any], width: int, height: int, log_y: bool, smooth: bool, tail: bool,
              ghost_x: np.ndarray, ghost_low: np.ndarray, ghost_high: np.ndarray, ghost_sizes: list[int],
              ghost_names: list[str], ghost_words: list[list[str]], events: np.ndarray, short_title: str,
              gap: bool, prediction: np.ndarray, colors: PlotColors) -> str:
    axis = Axis(**{**y_axis, "ticks": tuple(y_axis["ticks"]), "labels": tuple(y_axis["labels"])})
    labels = _loss_labels(axis, log_y)
    start_canvas(width, height, colors)
    plt.title(_loss_title(width, max(map(len, labels)), log_y, smooth, tail, gap=gap))
    plt.xlim(x_start, x_end)
    plt.xticks(*epoch_ticks(x_start, x_end))
    plt.ylim(axis.low, axis.high)
    plt.yticks(list(axis.ticks), labels)
    legend = {"label": "train"} if validation else {}
    ends = np.cumsum([0, *ghost_sizes])
    for k in reversed(range(len(ghost_sizes))):  # the oldest first: the newest ghost lies over it
        part = slice(ends[k], ends[k + 1])
        if ends[k + 1] > ends[k]:
            plt.plot(*_zigzag(ghost_x[part], ghost_low[part], ghost_high[part]), marker=ghost_marker(colors, k),
                     color=plotext_color(ghost_color(colors, k)))
    if prediction.shape[1]:  # dotted, in the marker's colour, beneath the run's curve: the curvature's forecast
        plt.scatter(prediction[0].tolist(), prediction[1].tolist(), marker="." if colors.ascii else "·",
                    color=plotext_color(colors.marker))
    if validation and val_x.size:  # first: where the two share a cell, the training curve stays on top
        plt.plot(*_zigzag(val_x, val_low, val_high), marker=_val_marker(colors), color=plotext_color(colors.class1),
                 label="val")
    run = run_marker(colors)
    if x.size:
        plt.plot(*_zigzag(x, low, high), marker="." if smooth and colors.ascii else run,
                 color=plotext_color(colors.dim if smooth else colors.line), **({} if smooth else legend))
        if smooth:
            plt.plot(x.tolist(), debiased_ema(mean).tolist(), marker=run, color=plotext_color(colors.line), **legend)
    if len(events):  # last: a tick on the bottom row stays visible where the curve runs along it
        plt.scatter(list(events), [axis.low] * len(events), marker="|" if colors.ascii else EVENT_TICK,
                    color=plotext_color(colors.marker))
    return plt.build()


