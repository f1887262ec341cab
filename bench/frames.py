"""Time to build one frame (every plot, as at 160×50) at different scales, and with 3 ghosts, as ratios from one run.

The landscape's map is computed once per data set, window and size (as in the app, where it is cached):
a frame rasterizes the path and draws the cells. Ghosts are reduced to the screen once (cached as in the
app): a frame draws them.

    python bench/frames.py
"""

import statistics
import time
from dataclasses import replace

import numpy as np

from logreg_tui.core.maths.evaluation import ranked_points
from logreg_tui.core.maths.optimum import find_optimum
from logreg_tui.core.model.data import make_shape_data, make_tutorial_data
from logreg_tui.core.model.history import LossHistory, PathHistory
from logreg_tui.core.model.state import TrainConfig, before_training
from logreg_tui.views.drawing import PlotColors
from logreg_tui.views.evaluation import EvaluationSettings, evaluation_view
from logreg_tui.views.landscape import LandscapeSettings, landscape_view, map_codes
from logreg_tui.views.plane_plot import plane_view
from logreg_tui.views.plots import LossSettings, loss_plot, picture, render
from logreg_tui.views.scatter import data_plot
from logreg_tui.views.surface import loss_surface

WIDTH, LOSS_HEIGHT, DATA_HEIGHT = 66, 24, 24  # the plot widgets' sizes in a 160×50 terminal (2 × 2)
LANDSCAPE_WIDTH, LANDSCAPE_HEIGHT = 66, 48
COLORS = PlotColors()


def history_after(epochs: int) -> LossHistory:
    history = LossHistory()
    e = np.arange(epochs, dtype=np.float64)
    history.extend(0.05 + 0.64 * np.exp(-e / 150) + 0.001 * np.sin(e))
    return history


def path_after(epochs: int) -> PathHistory:
    """A path of this many epochs, spiralling into (w*, b*) of the tutorial's data (crossing the map again and
    again, like a momentum run)."""
    path = PathHistory()
    path.start(0, 0.0, 0.0)
    e = np.arange(1, epochs + 1, dtype=np.float64)
    decay = np.exp(-e / (epochs / 5))
    path.extend(e.astype(np.int64), 4.54 - 4.54 * decay * np.cos(e / 7), -9.44 + 9.44 * decay * np.cos(e / 11))
    return path


def frame_seconds(dataset, history, path, w: float, repeats: int = 15, ghosts: int = 0, plots: str = "all",
                  settings: LossSettings = LossSettings(smooth=True)) -> float:
    """Median time of a frame: every plot (or only the loss plot; "evaluation": every plot and the evaluation view,
    at a threshold that moves each frame) rebuilt (the key is ignored) and drawn.

    ghosts: that many earlier runs of 1e6 epochs (their histories and paths), on the same data.
    """
    view = history.view()
    snapshot = replace(before_training(dataset, TrainConfig()).with_figures(theta=(0.0, -5.0)), path=path.view(),
                       optimum=find_optimum(dataset.x[:1000], dataset.y[:1000]))
    earlier = tuple(replace(snapshot.with_figures(theta=(4.0 + k, -9.0)), history=history_after(1_000_000 - k).view(),
                            path=path_after(999_999 - k).view()) for k in range(ghosts))
    snapshot = replace(snapshot, ghosts=earlier)
    shown = [(f"prev {k}", ["sgd"], ghost.history) for k, ghost in enumerate(earlier)]
    times = []
    for k in range(repeats):
        started = time.perf_counter()
        _, drawing = loss_plot(view, view.count, None, settings, WIDTH, LOSS_HEIGHT, COLORS,
                               ghosts=shown, events=[10, 500])
        picture(drawing)
        if plots == "loss":
            times.append(time.perf_counter() - started)
            continue
        _, drawing = data_plot(dataset, w + k * 1e-3, -5.0, WIDTH, DATA_HEIGHT, COLORS)
        render(drawing)
        _, drawing = landscape_view(snapshot.with_figures(theta=(w + k * 1e-3, snapshot.b)), LandscapeSettings(),
                                    LANDSCAPE_WIDTH, LANDSCAPE_HEIGHT, COLORS)
        picture(drawing)
        if plots == "evaluation":
            moved = replace(snapshot.with_figures(theta=(w + k * 1e-3, snapshot.b)),
                            settings=replace(snapshot.settings, threshold=0.3 + k * 0.01))
            _, drawing = evaluation_view(moved, EvaluationSettings(), WIDTH, DATA_HEIGHT, COLORS)
            picture(drawing)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    small, big = make_tutorial_data(42, 1_000, 4.0), make_tutorial_data(42, 1_000_000, 4.0)
    short, long = history_after(1_000), history_after(1_000_000)
    short_path, long_path = path_after(1_000), path_after(1_000_000)
    data_plot(big, 1.0, 0.0, WIDTH, DATA_HEIGHT, COLORS)  # the per-data-set occupancy grid, built once
    for _ in range(3):
        base = frame_seconds(small, short, short_path, 2.0)
        many_points = frame_seconds(big, short, short_path, 2.0)
        many_epochs = frame_seconds(small, long, long_path, 2.0)
    print(f"frame (loss, data, landscape) at N 1e3, 1e3 epochs: {base * 1e3:.1f} ms")
    print(f"N 1e6 ÷ N 1e3:                {many_points / base:.2f}  (goal ≤ 1.5)")
    print(f"1e6 epochs ÷ 1e3 epochs:      {many_epochs / base:.2f}  (goal ≤ 1.5)")
    evaluation(small, big, short, short_path)
    ghosts(small, short, short_path)
    small_map, big_map = map_seconds(small), map_seconds(big)
    print(f"the map, once per data set, window and size: {small_map * 1e3:.1f} ms at N 1e3, "
          f"{big_map * 1e3:.1f} ms at N 1e6 (summary included): {big_map / small_map:.2f}")
    two_features()


PLANE_WIDTH, PLANE_HEIGHT = 86, 28  # the data view's size in a 200×60 terminal (2 × 2 beside the stats)


def plane_frame_seconds(dataset, history, repeats: int = 15) -> float:
    """Median time of a frame of two features at 200×60: the loss plot, the data view (the points in the plane over
    σ's shaded map, the boundary) and the landscape on its plane, θ moving each frame."""
    view = history.view()
    optimum = find_optimum(dataset.X[:1000], dataset.y[:1000])
    path = PathHistory()
    path.start(0, 0.0, 0.0, 0.0)
    e = np.arange(1, 1_001, dtype=np.float64)
    path.extend(e.astype(np.int64), 1.0 - np.exp(-e / 200), -0.5 + 0.5 * np.exp(-e / 300), 0.1 * np.sin(e / 50))
    snapshot = replace(before_training(dataset, TrainConfig()), path=path.view(), optimum=optimum)
    times = []
    for k in range(repeats):
        moved = snapshot.with_figures(theta=(1.0 + k * 1e-3, -0.5, 0.1))
        started = time.perf_counter()
        _, drawing = loss_plot(view, view.count, None, LossSettings(smooth=True), PLANE_WIDTH, PLANE_HEIGHT, COLORS)
        picture(drawing)
        _, drawing = plane_view(moved, PLANE_WIDTH, PLANE_HEIGHT, COLORS)
        picture(drawing)
        _, drawing = landscape_view(moved, LandscapeSettings(), PLANE_WIDTH, PLANE_HEIGHT, COLORS)
        picture(drawing)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def two_features() -> None:
    """Issue 41's bar: the frame with the 2-D data map at 200×60 ≤ 30 ms at N 1e3, and ≤ 1.2× that at N 1e6 (the
    points binned to the screen and the plane's summary made once per data set, as the app caches them)."""
    small, big = make_shape_data("moons", 42, 1_000), make_shape_data("moons", 42, 1_000_000)
    history = history_after(1_000)
    plane_frame_seconds(big, history, repeats=1)  # the per-data-set caches, built once as in the app
    for _ in range(3):
        base, many = plane_frame_seconds(small, history), plane_frame_seconds(big, history)
    print(f"two features (moons), frame at 200×60: {base * 1e3:.1f} ms at N 1e3 (goal ≤ 30); "
          f"N 1e6 ÷ N 1e3: {many / base:.2f}  (goal ≤ 1.2)")


def evaluation(small, big, history, path) -> None:
    """The frame with the evaluation view on screen (issue 30): its cost must not grow with N. The points are
    ranked once per data set (timed apart)."""
    started = time.perf_counter()
    ranked_points(big, 0, big.n_points)
    ranking = time.perf_counter() - started
    ranked_points(small, 0, small.n_points)
    for _ in range(3):
        base = frame_seconds(small, history, path, 2.0, plots="evaluation")
        many_points = frame_seconds(big, history, path, 2.0, plots="evaluation")
        view_only = frame_seconds(small, history, path, 2.0)
    print(f"with the evaluation view: {base * 1e3:.1f} ms at N 1e3 (without it {view_only * 1e3:.1f} ms); "
          f"N 1e6 ÷ N 1e3: {many_points / base:.2f}  (goal ≤ 1.5); ranking N 1e6 once: {ranking * 1e3:.0f} ms")


def ghosts(dataset, history, path) -> None:
    """Three ghosts of 1e6 epochs behind a run of 1e3: the frame, and the loss plot per ghost against its own curve."""
    empty = LossHistory()
    for _ in range(3):
        whole = frame_seconds(dataset, history, path, 2.0), frame_seconds(dataset, history, path, 2.0, ghosts=3)
        plain = LossSettings()  # one curve, as a ghost is drawn
        loss = [frame_seconds(dataset, history, path, 2.0, plots="loss", ghosts=g, settings=plain) for g in (0, 3)]
        no_curve = frame_seconds(dataset, empty, path, 2.0, plots="loss", settings=plain)
    per_ghost, curve = (loss[1] - loss[0]) / 3, loss[0] - no_curve
    print(f"3 ghosts of 1e6 epochs: frame {whole[1] * 1e3:.1f} ms ÷ without {whole[0] * 1e3:.1f} ms = "
          f"{whole[1] / whole[0]:.2f}; loss plot: a ghost {per_ghost * 1e3:.2f} ms ÷ the current curve "
          f"{curve * 1e3:.2f} ms = {per_ghost / curve:.2f}  (goal ≤ 1)")


def map_seconds(dataset, repeats: int = 5) -> float:
    """Median time to summarise the data and compute the landscape's map from nothing (no cache)."""
    times = []
    for _ in range(repeats):
        loss_surface.cache_clear()
        map_codes.cache_clear()
        snapshot = replace(before_training(dataset, TrainConfig()), path=path_after(1_000).view(),
                           optimum=find_optimum(dataset.x[:1000], dataset.y[:1000]))  # no minimum: no map drawn
        started = time.perf_counter()
        landscape_view(snapshot, LandscapeSettings(), LANDSCAPE_WIDTH, LANDSCAPE_HEIGHT, COLORS)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    main()
