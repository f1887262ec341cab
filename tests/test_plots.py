"""Plots: what plotext is given stays bounded by the screen, and equal keys mean equal pictures."""

import math
import re

import numpy as np
import pytest

from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.history import LossHistory
from logreg_tui.core.words.formatting import format_number, short_count
from logreg_tui.views import plots
from logreg_tui.views.axes import epoch_axis_end, epoch_ticks, nice_ceiling
from logreg_tui.views.canvas import MIN_HEIGHT
from logreg_tui.views.drawing import PlotColors
from logreg_tui.views.plots import LossSettings, debiased_ema, decimate, loss_plot, render
from logreg_tui.views.scatter import data_plot

WIDTH, HEIGHT = 100, 20
COLORS = PlotColors()


@pytest.fixture
def points_given(monkeypatch):
    """Lengths of every series the plots hand to plotext."""
    given = []
    for name in ("plot", "scatter"):
        original = getattr(plots.plt, name)

        def record(x, y, *args, original=original, **kwargs):
            assert len(x) == len(y)
            given.append(len(x))
            return original(x, y, *args, **kwargs)

        monkeypatch.setattr(plots.plt, name, record)
    return given


def history_of(epochs: int) -> LossHistory:
    history = LossHistory()
    e = np.arange(epochs, dtype=np.float64)
    history.extend(0.05 + 0.64 * np.exp(-e / 150) + 0.01 * np.sin(e))
    return history


@pytest.mark.parametrize("epochs", [10, 1_001, 1_000_000])
@pytest.mark.parametrize("smooth", [False, True])
def test_the_loss_plot_gives_plotext_at_most_four_points_per_column(points_given, epochs, smooth):
    view = history_of(epochs).view()
    _, drawing = loss_plot(view, view.count, None, LossSettings(False, smooth, False), WIDTH, HEIGHT, COLORS)
    assert "loss" in render(drawing)
    assert points_given and max(points_given) <= 4 * WIDTH
    assert sum(points_given) <= (6 if smooth else 4) * WIDTH


@pytest.mark.parametrize("n_points", [30, 1_000_000])
def test_the_data_plot_gives_plotext_at_most_two_points_per_column_per_series(points_given, n_points):
    dataset = make_tutorial_data(42, n_points, 4.0)
    _, drawing = data_plot(dataset, 2.6, -5.1, WIDTH, HEIGHT, COLORS)
    assert "σ" in render(drawing)
    assert len(points_given) == 3 and max(points_given) <= 2 * WIDTH  # curve, class 0, class 1
    assert min(points_given) > 0


def test_decimation_keeps_each_columns_min_and_max():
    history = LossHistory()
    history.extend([5.0, 1.0, 3.0, 2.0, 9.0, 4.0, 0.5, 7.0])
    x, low, high, mean = decimate(history.view(), 0, 8, 2)
    np.testing.assert_array_equal(x, [2.0, 6.0])  # column centres in epochs
    np.testing.assert_array_equal(low, [1.0, 0.5])
    np.testing.assert_array_equal(high, [5.0, 9.0])
    np.testing.assert_array_equal(mean, [2.75, 5.125])


def test_decimating_a_million_epochs_keeps_the_extremes():
    history = history_of(1_000_000)
    history.extend([1e-4, 3.0])
    x, low, high, _ = decimate(history.view(), 0, 1_000_002, 2 * WIDTH)
    assert x.size <= 2 * WIDTH
    assert low.min() == 1e-4 and high.max() == 3.0


def test_data_plot_keys_change_with_the_picture_only():
    dataset = make_tutorial_data(42, 1_000, 4.0)
    key, _ = data_plot(dataset, 2.6, -5.1, WIDTH, HEIGHT, COLORS)
    assert data_plot(dataset, 2.6 + 1e-9, -5.1, WIDTH, HEIGHT, COLORS)[0] == key  # no pixel moves
    assert data_plot(dataset, 1.0, -5.1, WIDTH, HEIGHT, COLORS)[0] != key
    assert data_plot(dataset, 2.6, -5.1, WIDTH + 1, HEIGHT, COLORS)[0] != key
    assert data_plot(make_tutorial_data(43, 1_000, 4.0), 2.6, -5.1, WIDTH, HEIGHT, COLORS)[0] != key


def test_loss_plot_keys_change_with_the_picture_only():
    history = history_of(500)
    view = history.view()
    key, _ = loss_plot(view, view.count, 1001, LossSettings(False, False, False), WIDTH, HEIGHT, COLORS)
    assert loss_plot(history.view(), view.count, 1001, LossSettings(), WIDTH, HEIGHT, COLORS)[0] == key
    assert loss_plot(view, view.count, 1001, LossSettings(True, False, False), WIDTH, HEIGHT, COLORS)[0] != key
    history.extend([5.0])  # a spike moves pixels and the y axis
    later = history.view()
    assert loss_plot(later, later.count, 1001, LossSettings(False, False, False), WIDTH, HEIGHT, COLORS)[0] != key


def test_a_plot_too_small_to_read_says_so_without_plotext(points_given):
    key, note = loss_plot(history_of(10).view(), 10, None, LossSettings(), 20, 5, COLORS)
    assert key[0] == "small" and "30×8" in note.replace("\n", " ")  # the size needed, in lines that fit
    assert all(len(line) <= 20 for line in note.splitlines()) and len(note.splitlines()) <= 5
    assert data_plot(make_tutorial_data(42, 30, 4.0), 0.0, 0.0, 3, 3, COLORS)[1] == ""
    assert points_given == []


def test_the_log_axis_is_log10_of_the_loss_on_a_linear_axis():
    view = history_of(1_001).view()
    _, drawing = loss_plot(view, view.count, 1001, LossSettings(True, False, False), WIDTH, HEIGHT, COLORS)
    text = render(drawing)
    assert "log scale" in text and "0.01" in text and "0.1" in text  # decade labels, not log10 values


def test_smoothing_is_tensorboards_debiased_ema():
    values = np.array([1.0, 0.0, 0.0])
    # debiased: the first value is itself; then (0.6·0.4 + 0.4·0) / (1 − 0.36) …
    np.testing.assert_allclose(debiased_ema(values), [1.0, 0.24 / 0.64, 0.144 / 0.784])


@pytest.mark.parametrize("value, text", [(0.2, "0.2"), (0.0125, "0.0125"), (1e-05, "1e-05"), (1001, "1001"),
                                         (2.0, "2"), (0.0643416, "0.0643416"), (float("nan"), "—")])
def test_format_number(value, text):
    assert format_number(value) == text


def test_axis_ends_and_ticks_are_round():
    assert [nice_ceiling(v) for v in (0.69, 1.0, 1.2, 0.0, float("inf"))] == [0.7, 1.0, 1.5, 1.0, 1.0]
    assert epoch_ticks(0, 1001) == ([0, 250, 500, 750, 1000], ["0", "250", "500", "750", "1000"])
    assert epoch_ticks(0, 2_000_000)[1][-1] == "2M"
    assert [short_count(c) for c in (12, 9999, 20_000, 1_500_000)] == ["12", "9999", "20k", "1.5M"]
    assert [short_count(c) for c in (2 * 10**9, 10**12)] == ["2G", "1T"]  # the largest budget, not "1e+06M"


@pytest.mark.parametrize("width", [40, 70, 157])
def test_data_dots_sit_on_their_labelled_rows_and_never_on_the_curve(width):
    """At every height the class rows carry the dots and their labels, and the sigmoid's tails stay visible."""
    import re

    dataset = make_tutorial_data(7, 3000, 3.0)
    for height in range(8, 61):
        for w, b in ((2.6216, -5.1346), (40.0, -80.0), (0.1, 0.0)):
            _, drawing = data_plot(dataset, w, b, width, height, PlotColors())
            lines = re.sub(r"\x1b\[[0-9;]*m", "", render(drawing)).splitlines()
            dots = [i for i, line in enumerate(lines) if "•" in line]
            labels = [i for i, line in enumerate(lines) if re.match(r"\s*y=[01]┤", line)]
            curve = [i for i, line in enumerate(lines) if re.search("[\u2801-\u28ff]", line)]
            assert dots == labels and len(dots) == 2, (height, dots, labels)
            assert not set(curve) & set(dots), (height, curve, dots)


TICK = re.compile(r"^\s*(-?[0-9][0-9.e+-]*)┤")


def y_ticks(drawing) -> list[tuple[int, float]]:
    """(row, value) of each y tick label in a drawn plot."""
    lines = re.sub(r"\x1b\[[0-9;]*m", "", render(drawing)).splitlines()
    return [(row, float(match[1])) for row, line in enumerate(lines) if (match := TICK.match(line))]


def assert_even_and_round(ticks, where):
    rows, values = [r for r, _ in ticks], [v for _, v in ticks]
    assert len(ticks) >= 2, where
    assert len(set(np.diff(rows))) == 1, (where, ticks)  # the same number of rows apart
    steps = np.diff(values)
    assert np.allclose(steps, steps[0], rtol=1e-6), (where, ticks)  # the same value apart
    step = abs(steps[0])
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5)), (where, ticks)
    assert all(math.isclose(v / step, round(v / step), abs_tol=1e-6) for v in values), (where, ticks)


@pytest.mark.parametrize("tail", [False, True])
@pytest.mark.slow
def test_loss_ticks_are_evenly_spaced_round_values_at_every_height(tail):
    """Linear loss axes from 8 rows (a 40×12 terminal can't hold a plot; 30×8 is a plot's smallest) to 60."""
    view = history_of(1_001).view()
    spiky = LossHistory()
    spiky.extend(np.r_[np.linspace(3.0, 0.5, 300), [40.0], np.linspace(0.5, 0.4, 300)])
    for height in range(MIN_HEIGHT, 61):
        for width in (30, 57, 160):
            for history in (view, spiky.view()):
                _, drawing = loss_plot(history, history.count, 1001, LossSettings(False, False, tail), width, height, COLORS)
                ticks = y_ticks(drawing)
                assert_even_and_round(ticks, (height, width, history.count))
                low, high = drawing.args["y_axis"]["low"], drawing.args["y_axis"]["high"]
                assert low <= drawing.args["low"][-1] <= drawing.args["high"][-1] <= high  # the latest loss is shown


def test_log_ticks_are_whole_decades_evenly_spaced():
    view = history_of(1_001).view()
    for height in range(MIN_HEIGHT, 61):
        _, drawing = loss_plot(view, view.count, 1001, LossSettings(True, False, False), 60, height, COLORS)
        rows = [row for row, _ in y_ticks(drawing)]
        assert len(rows) >= 2 and len(set(np.diff(rows))) == 1, (height, rows)


def test_the_loss_axis_grows_with_the_run_in_round_steps_up_to_the_budget():
    ends = {epoch: epoch_axis_end(epoch, 1001) for epoch in (0, 3, 11, 37, 120, 999, 1001)}
    assert ends == {0: 10, 3: 10, 11: 20, 37: 50, 120: 200, 999: 1000, 1001: 1001}
    assert epoch_axis_end(1_234_567, None) == 2_000_000
    view = history_of(37).view()
    _, drawing = loss_plot(view, 37, 1001, LossSettings(False, False, False), WIDTH, HEIGHT, COLORS)
    assert drawing.args["x_end"] == 50 and drawing.args["x"].max() < 50  # the curve fills most of the width


def test_the_recent_view_shows_the_last_quarter_with_y_fitted_to_it_ignoring_a_spike():
    history = LossHistory()
    losses = np.r_[np.linspace(0.7, 0.1, 800), np.linspace(0.1, 0.08, 200)]
    losses[900] = 50.0  # one wild epoch
    history.extend(losses)
    view = history.view()
    _, drawing = loss_plot(view, view.count, 1001, LossSettings(False, False, True), WIDTH, HEIGHT, COLORS)
    start, end = drawing.args["x_start"], drawing.args["x_end"]
    assert start <= 750 and end >= 1000 and end - start <= 300
    axis = drawing.args["y_axis"]
    assert axis["low"] <= 0.08 and 0.1 <= axis["high"] < 0.2  # fitted to 0.1 … 0.08, not to the spike or 0
    assert "recent" in render(drawing)


def test_the_data_plots_x_ticks_are_round_and_its_title_fits():
    dataset = make_tutorial_data(42, 1_000, 4.0)
    for width in (30, 32, 45, 80, 157):
        for height in (8, 9, 20):
            _, drawing = data_plot(dataset, 2.6216, -5.1346, width, height, PlotColors())
            lines = re.sub(r"\x1b\[[0-9;]*m", "", render(drawing)).splitlines()
            assert "x* = 1.959" in lines[0], (width, height, lines[0])
            values = [float(v) for v in lines[-1].split()]
            assert len(values) >= 2 and all(math.isclose(v * 2, round(v * 2)) for v in values), lines[-1]
