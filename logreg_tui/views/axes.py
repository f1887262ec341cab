"""Axes that read well: round ticks on evenly spaced rows, x ranges that grow in round steps, titles that fit.

Pure arithmetic on numbers: no plotext, no arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from logreg_tui.core.words.formatting import format_number, short_count

MIN_EPOCH_AXIS = 10  # the loss plot's shortest x axis, in epochs
MIN_TICK_GAP, MAX_INTERVALS = 2, 8  # rows between y ticks at least; intervals between ticks at most


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
    finest = min(choices)[0] if choices else 0.0
    per_row, step, first, intervals = (min((c for c in choices if c[0] <= finest * 1.15), key=lambda c: c[1])
                                       if choices else (step / gap, step, first, intervals))
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
        ticks = multiples(low, high, step)
        if len(ticks) <= max(most, 2):
            break
    return list(ticks), tick_labels(ticks, step) if ticks else []


def multiples(low: float, high: float, step: float) -> tuple[float, ...]:
    """The multiples of step in [low, high], as round floats (0.3, not 0.30000000000000004)."""
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return tuple(float(f"{k * step:.12g}") for k in range(first, last + 1))


def fit_title(width: int, label_width: int, *titles: str) -> str:
    """The first title that plotext will show above a canvas this wide (it drops one that does not fit)."""
    room = width - label_width - 2
    return next((title for title in titles if len(title) <= room), "")


def epoch_ticks(x_start: float, x_end: float) -> tuple[list[int], list[str]]:
    """About five round epoch ticks in [x_start, x_end]: 0, 250, 500 …; 20k, 1.5M for big runs."""
    span = max(x_end - x_start, 1)
    decade = 10 ** max(math.floor(math.log10(span / 5)), 0)
    step = next(s * decade for s in (1, 2, 2.5, 5, 10) if s * decade * 5 >= span)
    ticks = [int(round(k * step)) for k in range(math.ceil(x_start / step), int(x_end // step) + 1)]
    return ticks, [short_count(t) for t in ticks]


def decade_label(power: int) -> str:
    return format_number(10.0**power) if power >= -4 else f"1e{power}"
