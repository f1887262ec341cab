"""The landscape as a plane of θ-space: with one feature exactly the (w, b) map; with more, the plane through the
minimum along the flattest and steepest eigen-directions, its map the objective there, and the path, the markers,
a click and the arrow keys on it."""

import numpy as np
import pytest
from test_model import features, paused

from logreg_tui.core.maths import objective
from logreg_tui.core.maths.plane import WB_PLANE, Plane, landscape_plane
from logreg_tui.core.model.options import parse_options
from logreg_tui.views.drawing import PlotColors
from logreg_tui.views.landscape import LandscapeSettings, geometry, landscape_view, plane_of
from logreg_tui.views.plots import picture
from logreg_tui.views.surface import EXACT_POINTS, plane_surface


def test_one_features_plane_is_w_and_b_exactly():
    rows = np.array([[1.5, -2.0], [np.nan, 3.0], [1e300, -1e-300]])
    alpha, beta = WB_PLANE.project(rows)
    assert alpha.tobytes() == rows[:, 0].tobytes() and beta.tobytes() == rows[:, 1].tobytes()
    assert WB_PLANE.theta_at(0.25, -7.0) == (0.25, -7.0) and WB_PLANE.step(0.5, -0.125) == (0.5, -0.125)
    assert WB_PLANE.direction((0.6, 0.8)) == (0.6, 0.8) and landscape_plane(1, None, None) == WB_PLANE


@pytest.mark.parametrize("d", [2, 5])
def test_more_features_show_the_plane_through_the_minimum_along_its_flattest_and_steepest_directions(d):
    snapshot = paused(features(d), l2=0.01).run_epochs(3)
    plane = plane_of(snapshot)
    u, v = np.array(plane.u), np.array(plane.v)
    assert plane.origin == pytest.approx(snapshot.optimum.theta, abs=0)
    assert u @ u == pytest.approx(1) and v @ v == pytest.approx(1) and abs(u @ v) < 1e-12
    H = objective.hessian(np.array(snapshot.optimum.weights), snapshot.optimum.b, features(d).X, 0.01)
    eigenvalues = np.linalg.eigvalsh(H)
    assert u @ H @ u == pytest.approx(eigenvalues[0]) and v @ H @ v == pytest.approx(eigenvalues[-1])
    theta = (0.3,) * (d + 1)
    alpha, beta = plane.project(np.array(theta))
    back = np.array(plane.theta_at(float(alpha), float(beta)))
    assert np.allclose(plane.project(back), (alpha, beta))  # the projection of the point on the plane is itself
    first = Plane.coordinates(0, d, (0.0,) * (d + 1), ("w1", "b"))  # no minimum known yet: (w1, b) first
    assert landscape_plane(d, None, None) == first and first.project(np.array(theta)) == (0.3, 0.3)


def test_separable_data_is_shown_along_the_direction_in_which_its_loss_falls_for_ever():
    from logreg_tui.core.model.data import make_shape_data

    dataset = make_shape_data("gauss", 42, 400, noise=1.0)
    snapshot = paused(dataset).run_epochs(200)
    direction = np.array(snapshot.optimum.direction)
    plane = plane_of(snapshot)
    s, v = np.array(plane.u), np.array(plane.v)
    assert (plane.u_name, plane.v_name) == ("s", "v") and plane.origin == (0.0, 0.0, 0.0)
    assert s == pytest.approx(direction / np.linalg.norm(direction)) and v @ v == pytest.approx(1)
    b_axis = np.array([0.0, 0.0, 1.0])
    assert abs(s @ v) < 1e-12 and v == pytest.approx((b_axis - (b_axis @ s) * s) / np.linalg.norm(
        b_axis - (b_axis @ s) * s))  # v is b's axis made square to s
    theta = np.array(snapshot.theta)

    def off(plane: Plane) -> float:  # how far θ is from its projection on the plane
        alpha, beta = plane.project(theta)
        return float(np.linalg.norm(theta - np.array(plane.theta_at(float(alpha), float(beta)))))

    assert off(plane) < 0.6 * off(Plane.coordinates(0, 2, (0.0, 0.0, 0.0), ("w1", "b")))  # nearer the path
    assert landscape_plane(2, snapshot.optimum, None, 1).u_name == "w1"  # v then cycles to the coordinates


@pytest.mark.parametrize("n", [EXACT_POINTS, 40_000])
@pytest.mark.parametrize("penalties", [{}, {"l2": 0.1, "l1": 0.01}])
def test_the_plane_map_is_the_objective_there(n, penalties):
    """Exact up to EXACT_POINTS points; binned beyond, within what the map's 24 colour levels could show."""
    dataset = features(3, n=n)
    snapshot = paused(dataset, **penalties).run_epochs(2)
    plane = plane_of(snapshot)
    surface = plane_surface(dataset, n, plane)
    alpha, beta = np.meshgrid(np.linspace(-3, 3, 7), np.linspace(-2, 2, 5))
    mapped = surface.loss(alpha, beta, **penalties)
    X, y = dataset.X.astype(np.float64), dataset.y.astype(np.float64)
    for index in np.ndindex(alpha.shape):
        theta = np.array(plane.theta_at(alpha[index], beta[index]))
        exact = objective.objective(theta[:-1], theta[-1], X, y, penalties.get("l2", 0.0), penalties.get("l1", 0.0))
        assert mapped[index] == pytest.approx(exact, rel=1e-12 if n <= EXACT_POINTS else 2e-3)


def test_the_landscape_of_two_features_puts_the_path_and_markers_at_their_projections():
    dataset = features(2)
    engine = paused(dataset)
    snapshot = engine.run_epochs(60)
    _, drawing = landscape_view(snapshot, LandscapeSettings(), 60, 24, PlotColors(ascii=True))
    text = ["".join(run for run, _ in row) for row in picture(drawing)]
    assert "through th*: u flattest, v steepest" in text[0] and text[0].lstrip().startswith("v")  # the title that fits
    assert text[-2].rstrip().endswith("u") and text[-1].startswith("o start  @ th")
    plane = plane_of(snapshot)
    window, frame = geometry(snapshot, LandscapeSettings(), 60, 24)
    for kind, theta in (("start", snapshot.path.theta[0]), ("now", snapshot.theta)):
        alpha, beta = plane.project(np.array(theta))
        column, row = next((c, r) for c, r, k in drawing.markers if k == kind)
        assert frame.point_at(window, column, row) == pytest.approx((alpha, beta), abs=max(*frame.cell_size(window)))


async def test_a_click_and_the_arrows_move_theta_within_the_plane():
    from apphelpers import settle, snap, started, until

    from logreg_tui.tui.app import LogRegApp

    options = parse_options(["--paused", "--init", "0,0,0"])
    async with LogRegApp(options, features(2)).run_test(size=(160, 50)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        view = app.query_one("#landscape")
        window, frame = geometry(snap(app), view.settings, *view.size)
        plane = plane_of(snap(app))
        column, row = frame.left + frame.columns // 3, 1 + frame.rows * 3 // 4
        expected = plane.theta_at(*frame.point_at(window, column, row))
        await pilot.click("#landscape", offset=(column, row))
        await until(pilot, lambda: len(snap(app).path.segments) == 2, "the click's move")
        assert snap(app).theta == pytest.approx(expected, rel=1e-6, abs=1e-6)  # float32 parameters
        before = snap(app).theta
        cell_across, cell_up = view.cell_size(snap(app))
        await pilot.press("right", "up")
        await until(pilot, lambda: len(snap(app).path.segments) == 4, "the arrows' moves")
        await settle(pilot)
        moved = np.array(snap(app).theta) - np.array(before)
        assert moved == pytest.approx(np.array(plane.step(cell_across, cell_up)), rel=1e-5, abs=1e-6)
        (move,) = snap(app).events  # moves at one epoch merge into one (runs.record)
        assert move.kind == "move" and move.after == pytest.approx(snap(app).theta, rel=1e-6)


def test_every_pair_of_coordinates_is_a_plane_too_through_the_minimum():
    from logreg_tui.core.maths.plane import landscape_planes

    snapshot = paused(features(2), l2=0.01).run_epochs(3)
    planes = landscape_planes(2, snapshot.optimum, snapshot.curvature_at_minimum)
    assert [(p.u_name, p.v_name) for p in planes] == [("u", "v"), ("w1", "w2"), ("w1", "b"), ("w2", "b")]
    theta = np.array(snapshot.optimum.theta)
    for plane in planes[1:]:
        i, j = plane.axes
        assert plane.project(theta) == (theta[i], theta[j])  # the minimum at its own coordinates
        assert plane.theta_at(1.0, 2.0)[3 - i - j] == pytest.approx(theta[3 - i - j])  # the third held at θ*
    none = landscape_planes(2, None, None)
    assert (none[0].u_name, none[0].v_name) == ("w1", "b") and len(none) == 3  # no minimum: (w1, b) through 0 first
    for choice, plane in enumerate(planes):
        _, drawing = landscape_view(snapshot, LandscapeSettings(plane=choice), 100, 30, PlotColors(ascii=True))
        head = "".join(run for run, _ in picture(drawing)[0])
        if plane.u_name != "u":
            assert f"objective on ({plane.u_name}, {plane.v_name}), the rest at th*" in head
        assert head.lstrip().startswith(plane.v_name)


async def test_v_cycles_the_landscapes_planes_and_says_which():
    from apphelpers import message, snap, started, until

    from logreg_tui.tui.app import LogRegApp

    options = parse_options(["--paused", "--dataset", "moons"])
    from logreg_tui.core.model.options import load_dataset

    async with LogRegApp(options, load_dataset(options)).run_test(size=(160, 50)) as pilot:
        app = await started(pilot)
        await pilot.press("v")
        await until(pilot, lambda: "plane 2 of 4" in message(app), "the v key's words")
        assert "w1 across, w2 up" in message(app)
        assert app.query_one("#landscape").settings.plane == 1
        await pilot.press("v", "v", "v")
        await until(pilot, lambda: "plane 1 of 4" in message(app), "round to the first")
        assert "u (flattest) and v (steepest)" in message(app) and snap(app).epoch == 0
