"""Two-feature data sets from a seed: Playground's shapes and scikit-learn's moons, repeatable, with the recipe's
options, and what each teaches (a line separates gauss; xor stops at ln 2); a run on them from the command line."""

import json
import math
import re

import numpy as np
import pytest

from logreg_tui.core.maths.optimum import find_optimum
from logreg_tui.core.model.data import make_shape_data
from logreg_tui.core.model.datasets import DEFAULT_NOISE, SHAPES, make_points
from logreg_tui.core.model.options import load_dataset, parse_options


@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_repeats_from_its_seed_and_keeps_its_recipe(shape):
    X, y = make_points(shape, 7, 501, label_noise=0.1, class_balance=0.3)
    again, labels = make_points(shape, 7, 501, label_noise=0.1, class_balance=0.3)
    assert X.shape == (501, 2) and np.array_equal(X, again) and np.array_equal(y, labels)
    assert not np.array_equal(X, make_points(shape, 8, 501, label_noise=0.1, class_balance=0.3)[0])
    clean_X, clean_y = make_points(shape, 7, 501, class_balance=0.3)
    assert clean_y.sum() == round(501 * 0.3)  # the balance is the share of class 1 before any flip
    assert np.array_equal(clean_X, X) and (clean_y != y).sum() == round(501 * 0.1)  # flips after the same draws
    assert clean_y[:250].mean() == pytest.approx(0.3, abs=0.1)  # shuffled: the held-out end is a sample too


def test_the_shapes_are_where_their_recipes_say():
    X, y = make_points("gauss", 1, 4000, noise=0.0)
    assert np.array_equal(np.unique(X[y == 1], axis=0), [[2.0, 2.0]])
    assert np.array_equal(np.unique(X[y == 0], axis=0), [[-2.0, -2.0]])
    X, y = make_points("circle", 1, 4000, noise=0.0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius[y == 1].max() <= 2.5 and 3.5 <= radius[y == 0].min() and radius.max() <= 5.0
    X, y = make_points("xor", 1, 4000, noise=0.0)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(float)) and np.abs(X).min() >= 0.3
    X, y = make_points("moons", 1, 4000, noise=0.0)
    upper = X[y == 0]
    assert np.allclose(np.hypot(*upper.T), 1.0) and (upper[:, 1] >= 0).all()
    X, y = make_points("spiral", 1, 4000, noise=0.0)
    assert np.hypot(X[:, 0], X[:, 1]).max() < 5.0 and set(np.unique(y)) == {0.0, 1.0}
    assert set(DEFAULT_NOISE) == set(SHAPES)


def test_what_they_teach_a_line_separates_gauss_and_no_line_helps_xor():
    gauss = make_shape_data("gauss", 42, 1000, noise=0.5)
    assert not find_optimum(gauss.X, gauss.y).exists  # separable: the loss falls to 0 along a direction
    xor = make_shape_data("xor", 42, 4000)
    best = find_optimum(xor.X, xor.y)
    assert best.exists and best.loss == pytest.approx(math.log(2), abs=2e-3)  # ln 2: a line is no better than none


def test_r_reseeds_a_shape_with_its_recipe_and_standardizes_per_column():
    dataset = make_shape_data("moons", 42, 300, noise=0.2, label_noise=0.05, class_balance=0.4).standardized()
    fresh = dataset.reseeded(43)
    X, y = make_points("moons", 43, 300, 0.2, 0.05, 0.4)
    assert fresh.recipe == "moons" and fresh.seed == 43 and np.array_equal(fresh.y, y.astype(np.float32))
    assert fresh.scale is not None and len(fresh.scale) == 2 and fresh.source == "moons, seed 43"
    np.testing.assert_allclose(fresh.X.mean(axis=0), 0.0, atol=1e-6)


def test_the_command_line_options_of_a_shape():
    dataset = load_dataset(parse_options(["--dataset", "circle", "--n-points", "64", "--noise", "0", "--seed", "3"]))
    assert dataset.d == 2 and dataset.n_points == 64 and dataset.noise == 0.0
    assert np.array_equal(dataset.X, make_points("circle", 3, 64, 0.0)[0].astype(np.float32))


@pytest.mark.parametrize("args,message", [
    (["--dataset", "gauss", "--gap", "2"], "--gap shifts the tutorial's data; --dataset gauss has its own shape"),
    (["--noise", "0.5"], "--noise spreads a two-feature --dataset"),
    (["--dataset", "xor", "--noise", "9"], "argument --noise: must be a spread from 0 to 5"),
    (["--dataset", "rings"], "invalid choice"),
    (["--dataset", "xor", "--data", "x.csv"], "--dataset shapes the seeded data; it does nothing with --data"),
    (["--dataset", "gauss", "--init", "1,2"], "--init gives 2 numbers; the data has 2 features: give 3 (W1,…,W2,B)"),
])
def test_misused_shape_options_are_one_line_and_exit_2(cli, args, message):
    result = cli("--headless", *args)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1, \
        result.stderr


def test_a_headless_run_on_a_shape_prints_w_as_a_list_and_its_json_says_so(cli):
    result = cli("--headless", "--dataset", "gauss", "--epochs", "201", "--log-every", "100")
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and [line[:12] for line in lines[:3]] == ["Epochs:     ", "Epochs:   10",
                                                                             "Epochs:   20"]
    assert lines[-1].startswith("w: [") and "], b: " in lines[-1]
    summary = json.loads(cli("--headless", "--dataset", "gauss", "--epochs", "201", "--json").stdout)
    weights = [float(v) for v in lines[-1][4:lines[-1].index("]") + 1].strip("[]").split(",")]
    assert summary["w"] == pytest.approx(weights, abs=5e-5) and summary["config"]["dataset"] == "gauss"
    assert summary["optimum"] is None and "separable" in summary["optimum_reason"]


def _text(drawing) -> list[str]:
    from logreg_tui.views.plots import picture

    return ["".join(run for run, _ in row) for row in picture(drawing)]


def _gauss_snapshot(epochs: int = 60, **options):
    from logreg_tui.core.model.settings import Settings
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine

    dataset = make_shape_data("gauss", 42, 400, noise=1.0)
    engine = Engine(dataset, TrainConfig(settings=Settings(**options), init=(0.0, 0.0, 0.0), start_paused=True))
    return engine.run_epochs(epochs)


def test_two_features_are_drawn_in_their_plane_with_the_boundary_where_sigma_is_t():
    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.plane_plot import BANDS, HELD0, HELD1, TRAIN0, TRAIN1, geometry, sigma_at
    from logreg_tui.views.plots import DataSettings, data_view

    snapshot = _gauss_snapshot(val_frac=0.25)
    _, drawing = data_view(snapshot, DataSettings(), 70, 24, PlotColors(ascii=True))
    window, frame = geometry(snapshot, 70, 24)
    assert drawing.plot == "plane" and drawing.points.shape == (frame.rows, frame.columns)
    X, y = snapshot.dataset.X, snapshot.dataset.y
    bits = drawing.points
    assert bits[bits > 0].size and set(np.unique(bits)) <= set(range(16))
    held = np.arange(400) >= 300
    for mask, bit in ((~held & (y == 0), TRAIN0), (~held & (y == 1), TRAIN1), (held & (y == 0), HELD0),
                      (held & (y == 1), HELD1)):
        column = ((X[mask, 0] - window.w_low) / (window.w_high - window.w_low) * frame.columns).astype(int)
        row = ((window.b_high - X[mask, 1]) / (window.b_high - window.b_low) * frame.rows).astype(int)
        assert (bits[row, column] & bit).all()  # every point is in its cell
    sigma = sigma_at(snapshot.weights, snapshot.b, window, frame)
    line_rows, line_columns = np.nonzero(drawing.line)
    assert line_rows.size  # the boundary crosses the map: on it σ is t = 0.5, so its cells straddle the bands' middle
    near = [abs(sigma[2 * r:2 * r + 2, c].mean() - 0.5) for r, c in zip(line_rows, line_columns, strict=True)]
    assert np.median(near) < 0.25
    assert drawing.bands.max() <= BANDS - 1 and drawing.bands.min() >= 0
    text = _text(drawing)
    w1, w2, b = (float(f"{value:.3g}") for value in (*snapshot.weights, snapshot.b))
    title = re.search(r"boundary (\S+) x1 ([+-]) (\S+) x2 ([+-]) (\S+) = 0\b", text[0])  # where σ = ½
    assert title, text[0]
    assert [float(title[1]), float(title[2] + title[3]), float(title[4] + title[5])] == [w1, w2, b]
    assert text[-2].rstrip().endswith("x1")
    narrow = _text(data_view(snapshot, DataSettings(), 40, 24, PlotColors(ascii=True))[1])[0]
    assert "s(w.x + b), t 0.5" in narrow  # no room for the equation: the threshold
    assert text[-1] == "+ y=1  o y=0  x held out  * boundary"  # the braille of the line, in ASCII


@pytest.mark.parametrize("depth", ["truecolor", "256", "16", "none"])
def test_the_plane_reads_in_every_colour_depth(depth):
    from logreg_tui.views.drawing import PlotColors, ansi_colors
    from logreg_tui.views.plots import DataSettings, data_view

    snapshot = _gauss_snapshot()
    colors = ansi_colors(False) if depth == "16" else PlotColors(depth=depth)
    _, drawing = data_view(snapshot, DataSettings(), 60, 20, colors)
    rows = drawing.rows()
    glyphs = "".join(run for row in rows for run, _ in row)
    assert "●" in glyphs and "○" in glyphs
    if depth in ("truecolor", "256"):
        assert any(" on #" in style for row in rows for _, style in row)  # σ's shading behind the points
    elif depth == "16":
        assert set("░▒▓") & set(glyphs)
    else:
        styles = {style for row in rows for _, style in row}
        assert not any(" on " in style or "#e65a5a" in style or "#5ac878" in style for style in styles), styles
        assert "·" in glyphs  # σ's bands, dotted: no colour, no class colours, no shading


async def test_a_click_on_the_plane_sets_t_to_sigma_there():
    from apphelpers import snap, started, until

    from logreg_tui.tui.app import LogRegApp
    from logreg_tui.views.plane_plot import geometry

    options = parse_options(["--paused", "--dataset", "gauss", "--noise", "1"])
    async with LogRegApp(options, load_dataset(options)).run_test(size=(80, 24)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        view = app.query_one("#data")
        window, frame = geometry(snap(app), *view.size)
        column, row = frame.left + frame.columns // 4, 1 + frame.rows // 3
        x1, x2 = frame.point_at(window, column, row)
        w, b = snap(app).weights, snap(app).b
        expected = 1 / (1 + math.exp(-(w[0] * x1 + w[1] * x2 + b)))
        await pilot.click("#data", offset=(column, row))
        await until(pilot, lambda: snap(app).settings.threshold != 0.5, "the click's threshold")
        assert snap(app).settings.threshold == pytest.approx(min(max(expected, 1e-6), 1 - 1e-6), rel=1e-9)


def test_a_csv_gives_several_features_by_name_number_or_all(tmp_path):
    from logreg_tui.core.model.data import DataError, load_csv

    path = tmp_path / "m.csv"
    rows = np.random.default_rng(0).normal(size=(50, 3)).round(3)
    labels = (rows[:, 0] + rows[:, 2] > 0).astype(int)
    path.write_text("a;b;c;klass\n" + "".join(f"{r[0]};{r[1]};{r[2]};{y}\n" for r, y in zip(rows, labels, strict=True)))
    two = load_csv(path, "c,A", "klass")
    assert two.d == 2 and two.features == ("c", "a") and np.array_equal(two.X, rows[:, [2, 0]].astype(np.float32))
    every = load_csv(path, "all", "klass")
    assert every.d == 3 and every.features == ("a", "b", "c") and np.array_equal(every.y, labels.astype(np.float32))
    assert "x = 'a', 'b', 'c', label = 'klass'" in every.reading
    assert load_csv(path, "2", "klass").d == 1  # one column: the tutorial's 1-D x
    for given, message in (("a,zz", "--x-columns 'zz' is not a column"), ("a,klass", "the same column"),
                           ("a,a", "names a column twice")):
        with pytest.raises(DataError, match=message):
            load_csv(path, given, "klass")
    path.write_text("a,b,label\n1,2,0\n2,x,1\n")
    with pytest.raises(DataError, match=r"m.csv:3: not a number: 'x'"):
        load_csv(path, "a,b")


def test_a_headless_run_on_csv_columns_reports_w_in_both_units(cli, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("u,v,y\n" + "".join(f"{k % 7},{(3 * k) % 5 * 100},{int(k % 7 > 3)}\n" for k in range(40)))
    result = cli("--headless", "--data", str(path), "--x-columns", "u,v", "--standardize", "--epochs", "51",
                 "--log-every", "50")
    assert result.returncode == 0, result.stderr
    last = result.stdout.splitlines()[-1]
    assert last.startswith("w: [") and "(standardized x); original x: w: [" in last


@pytest.mark.parametrize(("columns", "says"), [
    ("all", "const.csv: --standardize: b is 5 in every row (its std is 0, so (x − mean) / std would divide by 0): "
            "leave it out of --x-columns"),
    ("b", "const.csv: --standardize: x is 5 in every row (its std is 0, so (x − mean) / std would divide by 0): "
          "it cannot separate the classes"),
], ids=["all", "one"])
def test_standardizing_a_constant_column_is_one_line_and_exit_2(cli, tmp_path, columns, says):
    """(One column is the tutorial's x, as the reading line above the refusal says: x = 'b'.)"""
    path = tmp_path / "const.csv"
    path.write_text("a,b,c,label\n1,5,2,0\n2,5,3,1\n3,5,1,0\n4,5,5,1\n")
    refused = cli("--headless", "--data", str(path), "--x-columns", columns, "--standardize")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().splitlines()[-1] == f"logreg-tui: {tmp_path}/{says}"
    trained = cli("--headless", "--data", str(path), "--x-columns", "a,c", "--standardize", "--epochs", "3")
    assert trained.returncode == 0, trained.stderr  # without the constant column it trains


@pytest.mark.parametrize(("shape", "note"), [("xor", True), ("circle", True), ("gauss", False), ("moons", False)])
def test_where_no_line_beats_guessing_the_lesson_says_so_and_elsewhere_nothing(shape, note):
    from logreg_tui.core.words.lessons import guessing_note

    dataset = make_shape_data(shape, 42, 600)
    optimum = find_optimum(dataset.X, dataset.y)
    said = guessing_note(optimum, float(dataset.y.mean()))
    assert bool(said) == note, said
    if note:
        assert "ln 2 = 0.693" in said and f"{optimum.loss:.4g}" in said
        assert optimum.loss == pytest.approx(math.log(2), rel=0.02)


def test_the_lesson_names_guessings_loss_for_a_lopsided_class_share():
    from logreg_tui.core.maths.optimum import Optimum
    from logreg_tui.core.words.lessons import guessing_note

    entropy = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    assert "0.325 with 90% in class 1" in guessing_note(Optimum((0.0, 2.2), entropy * 0.99), 0.9)
    assert guessing_note(Optimum((3.0, 2.2), entropy * 0.5), 0.9) == ""  # a line does better: no lesson
    assert guessing_note(Optimum((0.0, 0.0), 0.0), 1.0) == ""  # one class: nothing to guess


def test_a_headless_xor_run_says_why_its_loss_stays_at_ln_2(cli):
    result = cli("--headless", "--dataset", "xor", "--epochs", "101", "--log-every", "100")
    assert result.returncode == 0 and result.stdout.splitlines()[-1].startswith("w: [")
    assert "no line splits these classes" in result.stderr and "ln 2 = 0.693" in result.stderr
    assert "would split them (--features x1x2, or x1,x2,x1^2,x2^2)" in result.stderr  # the way past it
    assert "no line splits" not in cli("--headless", "--dataset", "moons", "--epochs", "11").stderr


async def test_the_app_tells_the_xor_lesson_once_the_line_is_quiet(monkeypatch):
    from apphelpers import message, started, until

    from logreg_tui.tui import message_line
    from logreg_tui.tui.app import LogRegApp

    monkeypatch.setattr(message_line, "QUIET_SECONDS", 0.0)
    options = parse_options(["--paused", "--dataset", "xor"])
    async with LogRegApp(options, load_dataset(options)).run_test(size=(80, 24)) as pilot:
        app = await started(pilot)
        await until(pilot, lambda: "no line splits these classes" in message(app), "the xor lesson")
        assert message(app).endswith("would split them (f ticks them)")
        await pilot.press("plus")
        await until(pilot, lambda: "lr 0.2 → 0.4" in message(app), "news over it")  # said once, not again
        await pilot.pause(0.3)
        assert "no line splits" not in message(app)


async def test_the_keys_of_one_feature_work_on_two_best_lr_gap_ghosts_and_the_curvature_page():
    from apphelpers import message, snap, started, until

    from logreg_tui.tui.app import LogRegApp

    options = parse_options(["--paused", "--dataset", "moons"])
    async with LogRegApp(options, load_dataset(options)).run_test(size=(160, 50)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        best = snap(app).curvature_at_minimum.best_lr
        await pilot.press("B")  # sgd: 2/(λ_min + λ_max) of the 3 × 3 Hessian at the minimum
        await until(pilot, lambda: snap(app).settings.lr == pytest.approx(best, rel=1e-9), "B's lr")
        assert "best near the minimum" in message(app)
        await pilot.press("d", "N")
        await until(pilot, lambda: snap(app).epoch == 20)
        await until(pilot, lambda: "loss − minimum's (log)" in app.query_one("#loss").plain_lines[0], "the gap")
        await pilot.press("z", "N")
        await until(pilot, lambda: len(snap(app).ghosts) == 1 and snap(app).epoch == 10, "a ghost")
        assert len(snap(app).ghosts[0].theta) == 3 and snap(app).ghosts[0].epoch == 20
        await pilot.press("k")
        await until(pilot, lambda: any(line.startswith("λ at min") for line in app.query_one("#stats").plain_lines))
        line = next(line for line in app.query_one("#stats").plain_lines if line.startswith("λ at min"))
        eigenvalues = np.linalg.eigvalsh(_hessian_at_minimum(snap(app)))
        assert [float(word) for word in line[9:].split()] == pytest.approx(eigenvalues, rel=0.05)


def _hessian_at_minimum(snapshot):
    from logreg_tui.core.maths.objective import hessian

    optimum = snapshot.optimum
    return hessian(np.array(optimum.weights), optimum.b, snapshot.dataset.X.astype(np.float64))


def test_crosses_are_the_features_trained_on_and_the_plane_keeps_x1_x2():
    from logreg_tui.core.model.crosses import CROSSES, cross

    dataset = make_shape_data("circle", 42, 400, features=("x1", "x2", "x1^2", "x2^2", "x1x2", "sin(x1)"))
    points = dataset.plane_points.astype(np.float64)
    expected = np.column_stack([points[:, 0], points[:, 1], points[:, 0] ** 2, points[:, 1] ** 2,
                                points[:, 0] * points[:, 1], np.sin(points[:, 0])]).astype(np.float32)
    assert dataset.X.tobytes() == expected.tobytes() and dataset.features == dataset.crosses
    assert dataset.plane_points.tobytes() == make_shape_data("circle", 42, 400).X.tobytes()
    assert dataset.d == 6 and dataset.in_plane and set(CROSSES) >= set(dataset.crosses)
    assert dataset.reseeded(7).crosses == dataset.crosses  # r keeps them
    assert cross(points[:3], ("x2",)).shape == (3, 1)


def test_the_map_and_the_boundary_of_crosses_are_sigma_of_what_trains():
    from logreg_tui.core.model.state import TrainConfig, before_training
    from logreg_tui.views.plane_plot import boundary_cells, geometry, sigma_at

    dataset = make_shape_data("circle", 42, 400, features=("x1^2", "x2^2")).standardized()
    snapshot = before_training(dataset, TrainConfig())
    window, frame = geometry(snapshot, 60, 24)
    mean, std = np.array(dataset.scale).T
    weights, b = (-std[0], -std[1]), 9.0 - mean[0] - mean[1]
    # z = Σ w_j (x_j² − m_j)/s_j + b = 9 − x₁² − x₂²: the boundary z = 0 is a circle of radius 3 in the plane
    sigma = sigma_at(weights, b, window, frame, dataset)
    x1 = window.w_low + (np.arange(frame.columns) + 0.5) / frame.columns * (window.w_high - window.w_low)
    x2 = window.b_high - (np.arange(2 * frame.rows) + 0.5) / (2 * frame.rows) * (window.b_high - window.b_low)
    expected = 1 / (1 + np.exp(-(9.0 - x1[None, :] ** 2 - x2[:, None] ** 2)))
    np.testing.assert_allclose(sigma, expected, atol=1e-6)
    rows, columns = np.nonzero(boundary_cells(weights, b, 0.5, window, frame, dataset))
    cx = window.w_low + (columns + 0.5) / frame.columns * (window.w_high - window.w_low)
    cy = window.b_high - (rows + 0.5) / frame.rows * (window.b_high - window.b_low)
    radius = np.hypot(cx, cy)
    assert rows.size > 20 and np.abs(radius - 3).max() < 0.6  # the curve is the circle, a cell off at most
    assert (cx < -2).any() and (cx > 2).any() and (cy < -2).any() and (cy > 2).any()  # all the way round


@pytest.mark.parametrize(("args", "says"), [
    (["--features", "x1^2"], "--features crosses a two-feature --dataset"),
    (["--dataset", "circle", "--features", "x3"], "'x3' is not a feature: give some of x1, x2, x1^2"),
    (["--dataset", "circle", "--features", "x1,,x2"], "an empty name is not a feature"),
    (["--dataset", "circle", "--features", "x1^2,x1^2"], "x1^2 is given twice"),
])
def test_bad_crosses_are_one_line_and_exit_2(cli, args, says):
    result = cli("--headless", *args)
    assert result.returncode == 2 and says in result.stderr and len(result.stderr.strip().splitlines()) <= 3


def test_a_headless_run_on_crosses_learns_the_circle(cli):
    result = cli("--headless", "--dataset", "circle", "--features", "x1^2,x2^2", "--epochs", "301",
                 "--log-every", "300")
    loss = float(result.stdout.splitlines()[-2].split()[-1])
    w = json.loads(result.stdout.splitlines()[-1][3:result.stdout.splitlines()[-1].index("]") + 1])
    assert result.returncode == 0 and loss < 0.2 and len(w) == 2 and w[0] < 0 and w[1] < 0


def test_a_homework_function_sees_logits_so_it_works_unchanged_on_two_features(cli):
    from pathlib import Path

    functions = Path(__file__).parent / "data" / "functions"
    right = cli("--headless", "--dataset", "moons", "--function", str(functions / "correct.py"), "--epochs", "101",
                "--log-every", "100")
    losses = [float(line.split()[-1]) for line in right.stdout.splitlines() if line.startswith("Epochs:")]
    assert right.returncode == 0 and losses[-1] < losses[0] and right.stdout.splitlines()[-1].startswith("w: [")
    wrong = cli("--headless", "--dataset", "moons", "--function", str(functions / "sign_flipped.py"), "--epochs",
                "11")
    assert "FAIL: backward's sign is flipped" in wrong.stderr


def test_one_cross_is_one_feature_and_every_view_draws_it():
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine
    from logreg_tui.views.drawing import Drawing, PlotColors
    from logreg_tui.views.registry import VIEWS

    dataset = make_shape_data("xor", 42, 400, features=("x1x2",))
    assert dataset.x.ndim == 1 and dataset.d == 1 and dataset.in_plane and dataset.features == ("x1x2",)
    snapshot = Engine(dataset, TrainConfig(epochs=0)).run_epochs(200)
    assert snapshot.loss < 0.5 and snapshot.w > 0  # xor is the sign of x1·x2: one cross splits it
    for row in VIEWS:
        _, drawing = row.view(snapshot, row.settings, 100, 30, PlotColors())
        assert isinstance(drawing, Drawing), (row, drawing)
    data = next(row for row in VIEWS if row.name == "data")
    title = _text(data.view(snapshot, data.settings, 100, 30, PlotColors(ascii=True))[1])[0]
    assert "boundary" in title and " x1x2 " in title  # the plane of x1, x2; the equation in the cross


async def test_f_ticks_crosses_live_and_the_circle_bends_from_the_current_theta(tmp_path):
    """Playground's inputs as a checklist: x1^2 and x2^2 ticked on circle go on in the same run from the current θ
    (x1, x2 keep their weights, the new ones 0, b kept), an event at its epoch; the circle becomes separable and the
    run exports (its command the features it started with) and replays bit for bit; esc and an empty list change
    nothing; the tutorial's data says why not."""
    import json

    from apphelpers import make_app, message, snap, started, until

    from logreg_tui.core.files.replay import replayed_options
    from logreg_tui.core.model.options import train_config
    from logreg_tui.training.engine import Engine

    async with make_app("--dataset", "circle", "--lr", "0.05", "--speed", "max", directory=tmp_path).run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await pilot.press("N", "N")
        await until(pilot, lambda: snap(app).epoch == 20)
        before = snap(app)
        await pilot.press("f", "escape")  # esc: nothing changes
        await pilot.press("f", "space", "down", "space", "enter")  # x1 and x2 unticked: none, it says so
        await until(pilot, lambda: "tick at least one" in str(app.screen.query_one("#prompt-note").render()))
        assert str(app.screen.query_one("#features-ticked").render()) == "ticked: none"  # in words: no colour needed
        await pilot.press("up", "space", "down", "space", "down", "space", "down", "space", "enter")  # + x1^2, x2^2
        await until(pilot, lambda: snap(app).dataset.crosses == ("x1", "x2", "x1^2", "x2^2"), "the crossed features")
        after = snap(app)
        assert after.epoch == 20 and after.theta == (*before.weights, 0.0, 0.0, before.b) and not after.ghosts
        assert [(event.epoch, event.kind, event.after) for event in after.events] == [
            (20, "features", ("x1", "x2", "x1^2", "x2^2"))]
        assert after.history.count == 20 and after.path.epoch[0] == 20  # the loss goes on; the path starts anew
        assert np.array_equal(after.dataset.plane_points, before.dataset.X) and after.dataset.in_plane
        await until(pilot, lambda: "features x1, x2 → x1, x2, x1^2, x2^2: from the current θ" in message(app),
                    f"what changed: {message(app)}")
        await pilot.press(*["N"] * 30)
        await until(pilot, lambda: snap(app).epoch == 320, "training on the crosses", timeout=60)
        assert snap(app).loss < 0.3 < before.loss  # a line in (x1², x2²) is a circle in the plane
        trained = snap(app)
        await pilot.press("e")
        await until(pilot, lambda: "exported" in message(app))
    summary = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert "--features" not in summary["command"] and "--init" not in summary["command"]  # as the run started
    assert [(e["epoch"], e["kind"], e["before"], e["after"]) for e in summary["events"]] == [
        (20, "features", ["x1", "x2"], ["x1", "x2", "x1^2", "x2^2"])]
    csv = next(tmp_path.glob("*.csv")).read_text().splitlines()
    assert csv[0] == "epoch,loss,w_x1,w_x2,w_x1^2,w_x2^2,b"  # a column per feature the run had
    assert csv[21].split(",")[4:6] == ["0.0", "0.0"] and csv[20].split(",")[4:6] == ["", ""]  # epochs 20, 19
    options = replayed_options(parse_options(["--replay", str(next(tmp_path.glob("*.json")))]),
                               ["--replay", str(next(tmp_path.glob("*.json")))])
    replay = Engine(load_dataset(options), train_config(options)).run_epochs(trained.epoch)
    assert (replay.weights, replay.b, replay.dataset.crosses) == (trained.weights, trained.b, trained.dataset.crosses)

    async with make_app().run_test(size=(80, 24)) as pilot:
        app = await started(pilot)
        await pilot.press("f")
        await until(pilot, lambda: "f does nothing here: crosses of x1, x2 need a two-feature --dataset" in message(app))


async def test_the_checklists_keys_typed_in_one_burst_with_f_land_in_order():
    """As a terminal delivers a quick typist's keys (simulate_key: no wait between them): the arrows and spaces
    typed with the f that opens the checklist tick what they would one by one, and the enter after them trains on
    that, not on what was ticked before them (nor does it tick the highlighted line). Esc in a burst keeps all."""
    from apphelpers import make_app, snap, started, until
    from textual.widgets import SelectionList

    from logreg_tui.tui.screens import FeaturesPrompt

    async with make_app("--dataset", "moons").run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        for key in ("f", "down", "down", "space", "down", "down", "space", "escape"):
            app.simulate_key(key)
        await until(pilot, lambda: not isinstance(app.screen, FeaturesPrompt), "esc to close the checklist")
        for key in ("f", "down", "down", "space", "down", "down", "space", "enter"):  # + x1^2, x1x2
            app.simulate_key(key)
        await until(pilot, lambda: snap(app).dataset.crosses != (), "the features ticked in the burst")
        assert snap(app).dataset.crosses == ("x1", "x2", "x1^2", "x1x2") and snap(app).status == "paused"
        assert [event.after for event in snap(app).events] == [("x1", "x2", "x1^2", "x1x2")]  # esc's burst: none
        for key in ("f", "space", "down", "space", "enter"):  # x1 and x2 unticked too: two left
            app.simulate_key(key)
        await until(pilot, lambda: len(snap(app).events) == 2, "the second burst")
        assert snap(app).dataset.crosses == ("x1^2", "x1x2")
        for key in ("f", "down", "down", "space", "down", "down", "space", "enter"):  # none left: it says so
            app.simulate_key(key)
        await until(pilot, lambda: isinstance(app.screen, FeaturesPrompt)
                    and "tick at least one" in str(app.screen.query_one("#prompt-note").render()), "the refusal")
        assert app.screen.query_one(SelectionList).selected == [] and len(snap(app).events) == 2


def test_crossing_keeps_the_shapes_points_and_carries_theta_by_name():
    from logreg_tui.core.model.crosses import carried_theta
    from logreg_tui.core.model.data import DataError, make_shape_data, make_tutorial_data

    circle = make_shape_data("circle", 7, 300).standardized()
    crossed = circle.crossed(("x1^2", "x1"))
    again = make_shape_data("circle", 7, 300, features=("x1^2", "x1")).standardized()
    assert np.array_equal(crossed.X, again.X) and np.array_equal(crossed.y, circle.y) and crossed.scale is not None
    assert crossed.crossed(("x1", "x2")).crosses == () and np.array_equal(crossed.crossed(("x1", "x2")).X, circle.X)
    assert carried_theta(("x1", "x2"), (0.5, -1.5, 0.25), ("x2", "x1x2", "x1")) == (-1.5, 0.0, 0.5, 0.25)
    with pytest.raises(DataError, match="crosses of x1, x2 need a two-feature --dataset"):
        make_tutorial_data().crossed(("x1",))
