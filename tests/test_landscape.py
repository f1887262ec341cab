"""The loss landscape's maths: the optimum against an independent float64 minimiser, the binned surface
against the exact loss, the window, the path kept per run, and moving (w, b) by hand."""

import json
import math
from itertools import pairwise

import numpy as np
import pytest

from logreg_tui.core.maths.objective import data_loss
from logreg_tui.core.maths.optimum import find_optimum
from logreg_tui.core.model.data import Dataset, make_tutorial_data
from logreg_tui.core.model.history import PathHistory
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import TrainConfig
from logreg_tui.training.engine import Engine
from logreg_tui.views.drawing import PlotColors
from logreg_tui.views.landscape import CONTOUR, LEVELS, LandscapeSettings, geometry, landscape_view, map_codes
from logreg_tui.views.surface import landscape_window, loss_surface


def lbfgs_minimum(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(w, b, loss) by torch's L-BFGS in float64 on the exact points: a minimiser that shares no code with Newton's."""
    import torch
    import torch.nn.functional as F

    tx, ty = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    params = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([params], lr=1, max_iter=500, tolerance_grad=1e-13, tolerance_change=1e-16,
                                  history_size=20, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(params[0] * tx + params[1], ty)
        loss.backward()
        return loss

    for _ in range(5):
        optimizer.step(closure)
    w, b = params.tolist()
    return w, b, F.binary_cross_entropy_with_logits(w * tx + b, ty).item()


def test_the_tutorials_minimum_is_far_from_where_its_1001_epochs_stop():
    optimum = find_optimum(*_xy(make_tutorial_data()))
    assert (round(optimum.w, 4), round(optimum.b, 4), round(optimum.loss, 6)) == (4.5427, -9.4396, 0.050792)
    assert optimum.exists and optimum.reason == "" and optimum.as_json() == {
        "w": optimum.w, "b": optimum.b, "loss": optimum.loss, "objective": optimum.loss}  # no penalty: the same


@pytest.mark.parametrize("seed,n,gap", [(0, 30, 2.0), (7, 1000, 1.0), (42, 1000, 4.0), (123, 20_000, 2.5),
                                        (5, 200, 0.0), (99, 3, 1.0)])
def test_the_optimum_is_the_float64_minimiser(seed, n, gap):
    data = make_tutorial_data(seed, n, gap)
    x, y = _xy(data)
    optimum = find_optimum(x, y)
    if not optimum.exists:  # a tiny draw can come out separable: then no minimiser can find a minimum
        pytest.fail(f"seed {seed}, n {n}, gap {gap} is separable: pick another case")
    w, b, loss = lbfgs_minimum(x, y)
    assert optimum.w == pytest.approx(w, rel=1e-6, abs=1e-7) and optimum.b == pytest.approx(b, rel=1e-6, abs=1e-7)
    assert optimum.loss <= loss + 1e-13  # Newton's is at least as low as L-BFGS's
    assert optimum.loss == pytest.approx(data_loss(optimum.w, optimum.b, x, y), rel=1e-15)
    # and it is a minimum: the gradient vanishes there
    z = optimum.w * x + optimum.b
    error = 1 / (1 + np.exp(-z)) - y
    assert abs(np.mean(error * x)) < 1e-10 and abs(np.mean(error)) < 1e-10


def test_separable_data_has_no_minimum_and_the_loss_falls_along_the_direction_given():
    data = make_tutorial_data(3, 40, 12.0)
    x, y = _xy(data)
    optimum = find_optimum(x, y)
    assert not optimum.exists and math.isnan(optimum.w) and optimum.as_json() is None
    assert optimum.reason.startswith("separable at x = ") and optimum.loss == 0.0
    dw, db = optimum.direction
    assert math.hypot(dw, db) == pytest.approx(1.0)
    losses = [data_loss(t * dw, t * db, x, y) for t in (1, 10, 100, 1000)]
    assert all(a > b for a, b in pairwise(losses)) and losses[-1] < 1e-6


def test_separable_the_other_way_round_and_with_a_tie():
    flipped = find_optimum(np.array([0.0, 1, 2, 3]), np.array([1.0, 1, 0, 0]))
    assert not flipped.exists and flipped.direction[0] < 0  # class 1 on the left: w falls
    tied = find_optimum(np.array([0.0, 1, 1, 2]), np.array([0.0, 0, 1, 1]))
    assert not tied.exists and tied.loss == pytest.approx(2 * math.log(2) / 4)  # the tied pair keeps log 2 each
    touching = find_optimum(np.array([0.0, 1, 1, 1, 2]), np.array([0.0, 1, 0, 0, 1]))  # at x = 1: one 1, two 0s
    assert not touching.exists and touching.loss == pytest.approx(3 * -(np.log(1 / 3) / 3 + np.log(2 / 3) * 2 / 3) / 5)
    assert data_loss(1e4, -1e4, np.array([0.0, 1, 1, 1, 2]), np.array([0.0, 1, 0, 0, 1])) > touching.loss
    assert find_optimum(np.array([0.0, 1, 2, 3]), np.array([0.0, 1, 0, 1])).exists


def test_every_x_the_same_has_a_line_of_minima_and_newton_still_lands_on_it():
    optimum = find_optimum(np.full(10, 2.0), np.array([1.0] * 3 + [0.0] * 7))
    assert optimum.exists
    assert 1 / (1 + math.exp(-(2 * optimum.w + optimum.b))) == pytest.approx(0.3)  # the class share


@pytest.mark.parametrize("n", [100, 256, 1000, 200_000])
def test_the_surface_is_exact_to_the_printed_loss_at_any_n(n):
    data = make_tutorial_data(11, n, 3.0)
    x, y = _xy(data)
    surface = loss_surface(data, n)
    optimum = find_optimum(x, y)
    for w, b in [(optimum.w, optimum.b), (0.0, 0.0), (6.0, -1.0), (-2.0, 3.0), (10.0, -20.0)]:
        exact = data_loss(w, b, x, y)
        assert float(surface.loss(np.array(w), np.array(b))) == pytest.approx(exact, rel=2e-6)
    assert f"{float(surface.loss(np.array(optimum.w), np.array(optimum.b))):.5g}" == f"{optimum.loss:.5g}"


def test_the_surface_covers_the_training_points_only():
    data = make_tutorial_data()
    held_out = loss_surface(data, 800)
    x, y = _xy(data)
    assert float(held_out.loss(np.array(1.0), np.array(-2.0))) == pytest.approx(
        data_loss(1.0, -2.0, x[:800], y[:800]), rel=1e-8)
    assert float(held_out.loss(np.array(1.0), np.array(-2.0))) != pytest.approx(data_loss(1.0, -2.0, x, y), rel=1e-4)


def test_the_window_holds_start_path_and_minimum_in_round_limits_and_moves_only_when_left():
    engine = Engine(make_tutorial_data(), TrainConfig(start_paused=True))
    first = engine.run_epochs(1)
    window = landscape_window(first.path, first.optimum, first.w, first.b)
    assert window.w_low < 0 < first.optimum.w < window.w_high and window.b_low < first.optimum.b < 0 < window.b_high
    for limit, step in ((window.w_low, window.w_step), (window.w_high, window.w_step),
                        (window.b_low, window.b_step), (window.b_high, window.b_step)):
        assert limit / (step / 2) == pytest.approx(round(limit / (step / 2)))
    windows = {landscape_window(s.path, s.optimum, s.w, s.b) for s in (engine.run_epochs(100) for _ in range(10))}
    assert windows == {window}  # 1001 epochs inside the box the start and the minimum set: never a change
    engine.move_to(window.w_high + 3, window.b_low - 3)
    moved = engine.run_epochs(0)
    outside = landscape_window(moved.path, moved.optimum, moved.w, moved.b)
    assert outside.w_high > window.w_high + 3 and outside.b_low < window.b_low - 3


def test_the_path_is_every_epoch_while_it_fits_then_evenly_thinned_keeping_every_segment_start():
    path = PathHistory(capacity=64)
    path.start(0, 0.0, 0.0)
    path.extend(np.arange(1, 41), np.arange(1, 41) * 1.0, -np.arange(1, 41) * 1.0)
    path.start(40, 100.0, 5.0)
    path.extend(np.arange(41, 201), np.linspace(100, 0, 160), np.zeros(160))
    view = path.view()
    assert view.w.size <= 64 and list(view.epoch) == sorted(view.epoch)
    assert [int(view.epoch[s.start]) for s in view.segments] == [0, 40]
    assert view.w[view.segments[1].start] == 100.0  # the moved-to point, not the one before the move
    stride = int(np.diff(view.epoch[view.segments[1]]).max())
    assert stride in (4, 8) and np.all(view.epoch[1:][~view.starts[1:]] % stride == 0)
    assert view.bounds == (0.0, 100.0, -40.0, 5.0)  # every point ever added, thinned or not


def test_move_to_starts_a_segment_with_fresh_optimizer_state_and_the_loss_there():
    data = make_tutorial_data()
    engine = Engine(data, TrainConfig(settings=Settings(optimizer="momentum"), start_paused=True))
    engine.run_epochs(50)
    engine.move_to(1.5, -4.0)
    moved = engine.run_epochs(0)
    assert (moved.w, moved.b, moved.epoch) == (1.5, -4.0, 50)
    assert moved.loss == pytest.approx(data_loss(1.5, -4.0, *_xy(data)), rel=1e-6)
    assert [int(moved.path.epoch[s.start]) for s in moved.path.segments] == [0, 50]
    # fresh momentum: the first step from the new point is plain SGD's, lr · gradient
    after = engine.run_epochs(1)
    assert after.w == pytest.approx(1.5 - 0.2 * moved.grad_w, rel=1e-5)
    engine.move_by(0.5, 1.0)
    nudged = engine.run_epochs(0)
    assert (nudged.w, nudged.b) == pytest.approx((after.w + 0.5, after.b + 1.0))


def test_moving_out_of_a_divergence_pauses_there():
    engine = Engine(make_tutorial_data(), TrainConfig(settings=Settings(lr=1e38), start_paused=True))
    assert engine.run_epochs(50).status == "diverged"
    engine.move_to(1.0, -2.0)
    snapshot = engine.run_epochs(0)
    assert snapshot.status == "paused" and (snapshot.w, snapshot.b) == (1.0, -2.0)
    assert snapshot.message.startswith(f"going on from epoch {snapshot.epoch}'s w, b after w, b (")
    engine.move_to(math.nan, 0.0)
    assert "not finite" in engine.run_epochs(0).message


def test_the_map_is_lowest_around_the_minimum_and_the_markers_sit_on_their_cells():
    engine = Engine(make_tutorial_data(), TrainConfig(start_paused=True))
    snapshot = engine.run_epochs(1001)
    window, frame = geometry(snapshot, LandscapeSettings(), 66, 40)
    codes, contours = map_codes(loss_surface(snapshot.dataset, 1000), window, frame.columns, frame.rows,
                                snapshot.optimum.loss)
    levels = codes % CONTOUR
    assert levels.min() == 0 and levels.max() == LEVELS - 1 and contours == (0.1, 0.3, 1.0, 3.0)
    row, column = np.unravel_index(np.argmin(loss_surface(snapshot.dataset, 1000).loss(*np.meshgrid(
        window.w_low + (np.arange(frame.columns) + 0.5) / frame.columns * (window.w_high - window.w_low),
        window.b_high - (np.arange(2 * frame.rows) + 0.5) / (2 * frame.rows) * (window.b_high - window.b_low)))),
        levels.shape)
    point = frame.point_at(window, frame.left + column, 1 + row // 2)
    cell_w, cell_b = frame.cell_size(window)
    assert abs(point[0] - snapshot.optimum.w) <= 1.5 * cell_w  # the valley's floor is near (w*, b*) ...
    assert levels[row, column] == 0  # ... at the lowest colour
    _, drawing = landscape_view(snapshot, LandscapeSettings(), 66, 40, PlotColors())
    markers = {kind: (column, row) for column, row, kind in drawing.args["markers"]}
    for kind, (w, b) in (("now", (snapshot.w, snapshot.b)), ("optimum", (snapshot.optimum.w, snapshot.optimum.b)),
                         ("start", (0.0, 0.0))):
        centre = frame.point_at(window, *markers[kind])
        assert abs(centre[0] - w) <= cell_w / 2 + 1e-9 and abs(centre[1] - b) <= cell_b / 2 + 1e-9, kind


def test_headless_json_has_the_optimum_or_null_with_a_reason(cli):
    done = cli("--headless", "--json", "--epochs", "5")
    assert json.loads(done.stdout)["optimum"] == pytest.approx({"w": 4.5427066, "b": -9.4396342, "loss": 0.0507919,
                                                                "objective": 0.0507919})  # no penalty: the same
    separable = json.loads(cli("--headless", "--json", "--epochs", "5", "--gap", "12", "--n-points", "40").stdout)
    assert separable["optimum"] is None and separable["optimum_reason"].startswith("separable at x = ")


def _xy(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return data.x.astype(np.float64), data.y.astype(np.float64)


# -- in the app: layout, clicks, the move keys


async def test_from_120_by_40_loss_data_landscape_and_stats_are_on_screen_and_m_swaps_in_the_evaluation():
    from apphelpers import make_app, message, settle, started

    async with make_app().run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await settle(pilot)
        for name in ("#loss", "#data", "#landscape", "#stats"):
            assert app.query_one(name).region.area > 0, name
        assert any("loss landscape" in line for line in app.query_one("#landscape").plain_lines)
        await pilot.press("m")
        await settle(pilot)
        assert app.query_one("#evaluation").region.area > 0 and app.query_one("#landscape").region.area == 0
        assert app.query_one("#data").region.area > 0 and message(app) == ""


async def test_below_120_by_40_m_switches_the_bottom_plot_between_data_and_landscape():
    from apphelpers import make_app, settle, started

    async with make_app().run_test(size=(80, 24)) as pilot:
        app = await started(pilot)
        landscape, data = app.query_one("#landscape"), app.query_one("#data")
        assert landscape.region.area == 0 and data.region.area > 0
        bottom = data.region
        await pilot.press("m")
        await settle(pilot)
        assert landscape.region == bottom and data.region.area == 0
        assert any("landscape" in line for line in landscape.plain_lines)
        assert any("✕ min 0.050792" in line for line in landscape.plain_lines)
        await pilot.press("m")  # the evaluation, then the data again
        await settle(pilot)
        assert landscape.region.area == 0 and app.query_one("#evaluation").region == bottom
        await pilot.press("m")
        await settle(pilot)
        assert landscape.region.area == 0 and data.region.area > 0
        await pilot.resize_terminal(130, 45)
        await settle(pilot)
        assert landscape.region.area > 0 and data.region.area > 0


@pytest.mark.parametrize("status_keys", [(), ("space",)])  # paused, and while training
async def test_a_click_on_the_map_moves_w_b_to_that_cell_and_the_data_plot_follows(status_keys):
    from apphelpers import make_app, settle, snap, started, until

    async with make_app("--speed", "20").run_test(size=(160, 50)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        await pilot.press(*status_keys)
        view = app.query_one("#landscape")
        window, frame = geometry(snap(app), view.settings, *view.size)
        column, row = frame.left + frame.columns // 3, 1 + frame.rows * 3 // 4
        w, b = frame.point_at(window, column, row)
        epoch = snap(app).epoch
        await pilot.click("#landscape", offset=(column, row))
        await until(pilot, lambda: len(snap(app).path.segments) == 2, "the move")
        moved = snap(app)
        start = moved.path.segments[1].start
        assert (moved.path.w[start], moved.path.b[start]) == pytest.approx((w, b), rel=1e-6)  # float32 parameters
        assert moved.path.epoch[start] >= epoch
        if not status_keys:
            assert (moved.w, moved.b) == pytest.approx((w, b), rel=1e-6) and moved.status == "paused"
            await settle(pilot)
            threshold = -b / w
            assert any(f"x* = {threshold:.4g}" in line for line in app.query_one("#data").plain_lines)
        await pilot.click("#landscape", offset=(0, 0))  # the title row: off the map, nothing moves
        await settle(pilot)
        assert len(snap(app).path.segments) == 2


async def test_the_arrow_keys_move_w_and_b_by_one_map_cell_even_with_the_landscape_hidden():
    from apphelpers import make_app, snap, started, until

    async with make_app().run_test(size=(80, 24)) as pilot:
        app = await started(pilot)
        view = app.query_one("#landscape")
        assert view.region.area == 0  # hidden: the cell is that of the landscape in the data plot's place
        cell_w, cell_b = view.cell_size(snap(app), tuple(app.query_one("#data").size))
        await pilot.press("right", "right", "up")
        await until(pilot, lambda: snap(app).b != 0.0, "the moves")
        assert (snap(app).w, snap(app).b) == pytest.approx((2 * cell_w, cell_b), rel=1e-6)
        await pilot.press("m", "left", "down", "down")
        await until(pilot, lambda: snap(app).b < 0, "the moves")
        cell_w, cell_b = view.cell_size(snap(app))
        assert snap(app).w == pytest.approx(2 * cell_w - cell_w, rel=1e-6)
        assert len(snap(app).path.segments) == 7 and snap(app).status == "paused"
