"""Time to build one frame (both plots, as at 160×50) at different scales, as ratios from one run.

    python bench/frames.py
"""

import statistics
import time

import numpy as np

from logreg_tui.data import make_tutorial_data
from logreg_tui.history import LossHistory
from logreg_tui.drawing import PlotColors
from logreg_tui.plots import LossSettings, loss_plot, render
from logreg_tui.scatter import data_plot

WIDTH, LOSS_HEIGHT, DATA_HEIGHT = 131, 24, 24  # the plot widgets' sizes in a 160×50 terminal
COLORS = PlotColors()


def history_after(epochs: int) -> LossHistory:
    history = LossHistory()
    e = np.arange(epochs, dtype=np.float64)
    history.extend(0.05 + 0.64 * np.exp(-e / 150) + 0.001 * np.sin(e))
    return history


def frame_seconds(dataset, history, w: float, repeats: int = 15) -> float:
    """Median time of a full frame: every plot rebuilt (the key is ignored)."""
    view = history.view()
    times = []
    for k in range(repeats):
        started = time.perf_counter()
        _, drawing = loss_plot(view, view.count, None, LossSettings(False, True, False), WIDTH, LOSS_HEIGHT, COLORS)
        render(drawing)
        _, drawing = data_plot(dataset, w + k * 1e-3, -5.0, WIDTH, DATA_HEIGHT, COLORS)
        render(drawing)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    small, big = make_tutorial_data(42, 1_000, 4.0), make_tutorial_data(42, 1_000_000, 4.0)
    short, long = history_after(1_000), history_after(1_000_000)
    data_plot(big, 1.0, 0.0, WIDTH, DATA_HEIGHT, COLORS)  # the per-data-set occupancy grid, built once
    for _ in range(3):
        base = frame_seconds(small, short, 2.0)
        many_points = frame_seconds(big, short, 2.0)
        many_epochs = frame_seconds(small, long, 2.0)
    print(f"frame at N 1e3, 1e3 epochs: {base * 1e3:.1f} ms")
    print(f"N 1e6 ÷ N 1e3:                {many_points / base:.2f}  (goal ≤ 1.5)")
    print(f"1e6 epochs ÷ 1e3 epochs:      {many_epochs / base:.2f}  (goal ≤ 1.5)")


if __name__ == "__main__":
    main()
