"""Why it is slow, in numbers (core/maths/curvature.py): the Hessian's eigenvalues, κ, and the learning rates they imply."""

import json
import math

import numpy as np
import pytest
from apphelpers import make_app, message, snap, started, until

from logreg_tui.core.maths.curvature import Curvature, best_settings, curvature_at, epochs_to_near
from logreg_tui.core.maths.optimum import find_optimum
from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import TrainConfig
from logreg_tui.training.engine import Engine


def direct(w, b, x, y, l2):
    """The Hessian written out and numpy's symmetric eigen-solver, in float64."""
    x = x.astype(np.float64)
    p = 1 / (1 + np.exp(-(w * x + b)))
    k = p * (1 - p)
    h = np.array([[np.mean(k * x * x) + l2, np.mean(k * x)], [np.mean(k * x), np.mean(k)]])
    return np.linalg.eigvalsh(h)


@pytest.mark.parametrize("seed,n,gap,l2", [
    *((seed, n, gap, l2) for seed, n, gap in [(42, 1000, 4.0), (7, 200, 2.0), (3, 5000, 1.0), (11, 50, 3.0)]
      for l2 in (0.0, 0.01, 0.5)),
    (5, 100, 12.0, 0.1), (8, 400, 10.0, 0.01),  # separable: only the penalty gives it a minimum
])
def test_eigenvalues_condition_and_learning_rates_match_a_direct_computation(seed, n, gap, l2):
    dataset = make_tutorial_data(seed, n, gap)
    x, y = dataset.x, dataset.y
    optimum = find_optimum(x, y, l2)
    curvature = curvature_at(optimum.w, optimum.b, x, y, l2)
    low, high = direct(optimum.w, optimum.b, x, y, l2)
    assert curvature.low == pytest.approx(low, rel=1e-9) and curvature.high == pytest.approx(high, rel=1e-9)
    assert curvature.condition == pytest.approx(high / low, rel=1e-9)
    assert curvature.max_stable_lr == pytest.approx(2 / high, rel=1e-9)
    assert curvature.best_lr == pytest.approx(2 / (low + high), rel=1e-9)
    assert curvature.momentum_lr == pytest.approx(4 / (math.sqrt(low) + math.sqrt(high)) ** 2, rel=1e-9)
    kappa = high / low
    assert curvature.momentum_beta == pytest.approx(((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** 2, rel=1e-9)


def test_the_reading_says_how_long_the_valley_is():
    assert Curvature(1.0, 134.0).reading() == "κ 134: the valley is 11.6× longer than wide"


def test_best_settings_per_optimizer_and_why_not():
    curvature = Curvature(0.1, 10.0)
    assert best_settings(curvature, Settings()) == ({"lr": curvature.best_lr}, "")
    assert best_settings(curvature, Settings(optimizer="momentum")) == (
        {"lr": curvature.momentum_lr, "momentum": curvature.momentum_beta}, "")
    for settings in (Settings(optimizer="adam"), Settings(batch_size=16), Settings(optimizer="nesterov")):
        changes, why = best_settings(curvature, settings)
        assert changes == {} and why


def _epochs_to_near(settings, epochs=20000, chunk=500):
    """The epoch at which the run first came within 1 % of the minimum (None if not within `epochs`), found by
    running a chunk at a time up to it (the same epoch as running all of them: it is recorded when it happens)."""
    engine = Engine(make_tutorial_data(), TrainConfig(settings=settings, epochs=0))
    for _ in range(0, epochs, chunk):
        near = engine.run_epochs(chunk).near_optimum_at
        if near is not None:
            return near
    return None


def test_the_best_lr_beats_the_tutorials_by_a_large_factor_on_seed_42():
    dataset = make_tutorial_data()
    optimum = find_optimum(dataset.x, dataset.y)
    curvature = curvature_at(optimum.w, optimum.b, dataset.x, dataset.y)
    tutorial, best = _epochs_to_near(Settings()), _epochs_to_near(Settings(lr=curvature.best_lr))
    heavy = _epochs_to_near(Settings(lr=curvature.momentum_lr, optimizer="momentum", momentum=curvature.momentum_beta))
    assert tutorial is not None and best is not None and heavy is not None
    assert tutorial > 5 * best and tutorial > 5 * heavy


def test_the_json_has_the_curvature_and_null_without_a_minimum(cli):
    summary = json.loads(cli("--headless", "--json").stdout)
    curvature = summary["curvature"]
    low, high = curvature["at_minimum"]["eigenvalues"]
    assert curvature["at_minimum"]["condition"] == pytest.approx(high / low)
    assert curvature["best_lr"] == pytest.approx(2 / (low + high)) and curvature["max_stable_lr"] == pytest.approx(2 / high)
    assert set(curvature["best_momentum"]) == {"lr", "beta"} and len(curvature["at_end"]["eigenvalues"]) == 2
    separable = json.loads(cli("--headless", "--json", "--preset", "separable", "--epochs", "2").stdout)
    assert separable["curvature"] is None and "separable" in separable["optimum_reason"]


def test_compare_takes_lr_best_and_momentum_best(cli):
    result = cli("--headless", "--json", "--compare", "lr=0.2", "lr=best", "optimizer=momentum,lr=best,momentum=best",
                 "--epochs", "3001")
    runs = json.loads(result.stdout)
    dataset = make_tutorial_data()
    optimum = find_optimum(dataset.x, dataset.y)
    curvature = curvature_at(optimum.w, optimum.b, dataset.x, dataset.y)
    assert runs[1]["config"]["lr"] == pytest.approx(curvature.best_lr)
    assert runs[2]["config"]["lr"] == pytest.approx(curvature.momentum_lr)
    assert runs[2]["config"]["momentum"] == pytest.approx(curvature.momentum_beta)
    assert runs[0]["epochs_to_1pct_of_optimum"] is None  # lr 0.2 takes 7878 epochs, past this budget
    assert runs[1]["epochs_to_1pct_of_optimum"] < 3001 and runs[2]["epochs_to_1pct_of_optimum"] < 3001
    refused = cli("--headless", "--compare", "optimizer=adam,lr=best")
    assert refused.returncode == 2 and "Adam" in refused.stderr and len(refused.stderr.splitlines()) == 1


def test_an_lr_past_the_stable_limit_here_is_warned_before_it_zig_zags():
    engine = Engine(make_tutorial_data(), TrainConfig(settings=Settings(lr=1.6), start_paused=True))
    snapshot = engine.run_epochs(0)  # at (0, 0), where λ_max is 29× its value at the minimum
    assert snapshot.warning.startswith("lr 1.6 > 2/λ_max = 0.845 here: expect zig-zag or divergence")
    assert snapshot.message == ""  # a message is a stop or a command's note; the warning is the state's
    calm = Engine(make_tutorial_data(), TrainConfig(start_paused=True)).run_epochs(1)
    assert calm.warning == ""


async def test_the_b_key_sets_the_best_lr_and_for_momentum_beta_too():
    async with make_app("--paused").run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        dataset = snap(app).dataset
        optimum = find_optimum(dataset.x, dataset.y)
        curvature = curvature_at(optimum.w, optimum.b, dataset.x, dataset.y)
        await pilot.press("B")
        await until(pilot, lambda: snap(app).lr != 0.2)
        assert snap(app).lr == pytest.approx(curvature.best_lr) and "κ " in message(app)
        assert [event.kind for event in snap(app).events] == ["lr"]
        await pilot.press("o", "B")  # momentum
        await until(pilot, lambda: snap(app).momentum != 0.9)
        assert snap(app).lr == pytest.approx(curvature.momentum_lr)
        assert snap(app).momentum == pytest.approx(curvature.momentum_beta)
        await pilot.press("o", "o", "B")  # adam: says why not
        await until(pilot, lambda: "Adam" in message(app))


def _gap_drawing(settings=Settings(), epochs=1000, **data):
    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.plots import LossSettings, gap_view

    engine = Engine(make_tutorial_data(**data), TrainConfig(settings=settings, epochs=0))
    snapshot = engine.run_epochs(epochs)
    return snapshot, gap_view(snapshot, LossSettings(gap=True), 90, 24, PlotColors())[1]


def test_the_gap_view_shows_log10_of_the_loss_above_the_minimums_and_the_predicted_slope():
    snapshot, drawing = _gap_drawing(epochs=900)  # the axis runs on to 1000: room for the prediction
    floor = snapshot.optimum.loss
    gaps = snapshot.history.recent - floor
    assert 10 ** drawing.high.max() == pytest.approx(gaps.max(), rel=1e-9)  # epoch 0's ln 2 − L*
    assert 10 ** drawing.low.min() == pytest.approx(gaps.min(), rel=1e-9)
    assert drawing.gap and "− min" in drawing.text()
    xs, ys = drawing.prediction
    dataset = snapshot.dataset
    curvature = curvature_at(snapshot.optimum.w, snapshot.optimum.b, dataset.x, dataset.y)
    slope = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    assert slope == pytest.approx(2 * math.log10(curvature.contraction(0.2)), rel=1e-9)
    at_epoch = ys[0] + slope * (snapshot.epoch - xs[0])  # the line goes through the current point
    assert at_epoch == pytest.approx(math.log10(snapshot.last_loss - floor), rel=1e-9)
    assert xs[0] < snapshot.epoch < xs[-1]


def test_the_gap_view_says_why_without_a_minimum_and_predicts_nothing_for_adam():
    _, note = _gap_drawing(epochs=5, gap=12.0)
    assert isinstance(note, str) and "no minimum" in note
    _, adam = _gap_drawing(Settings(optimizer="adam", lr=0.05), epochs=50)
    assert adam.prediction.shape == (2, 0)


async def test_the_d_key_shows_the_gap_view():
    async with make_app("--paused").run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        await pilot.press("d")
        await until(pilot, lambda: any("− min" in line for line in app.query_one("#loss").plain_lines))


@pytest.mark.parametrize("seed,n,gap,l2", [(42, 1000, 4.0, 0.0), (7, 200, 2.0, 0.01), (3, 5000, 1.0, 0.5),
                                           (11, 50, 3.0, 0.0)])
def test_the_valley_directions_are_the_hessians_eigenvectors(seed, n, gap, l2):
    dataset = make_tutorial_data(seed, n, gap)
    x, y = dataset.x, dataset.y
    optimum = find_optimum(x, y, l2)
    curvature = curvature_at(optimum.w, optimum.b, x, y, l2)
    xf = x.astype(np.float64)
    p = 1 / (1 + np.exp(-(optimum.w * xf + optimum.b)))
    k = p * (1 - p)
    h = np.array([[np.mean(k * xf * xf) + l2, np.mean(k * xf)], [np.mean(k * xf), np.mean(k)]])
    _, vectors = np.linalg.eigh(h)  # columns, eigenvalues ascending
    assert abs(np.dot(curvature.floor, vectors[:, 0])) == pytest.approx(1, abs=1e-9)
    assert abs(np.dot(curvature.steep, vectors[:, 1])) == pytest.approx(1, abs=1e-9)
    assert math.hypot(*curvature.floor) == pytest.approx(1, abs=1e-12)


def test_epochs_to_near_follow_the_squared_rate():
    assert epochs_to_near(1.0, 0.01, 0.9) == pytest.approx(math.log(0.01) / (2 * math.log(0.9)))
    assert epochs_to_near(0.005, 0.01, 0.9) == 0.0  # there already
    assert epochs_to_near(1.0, 0.01, 1.0) is None and epochs_to_near(1.0, 0.01, None) is None


@pytest.mark.slow
def test_the_predicted_epoch_for_1_percent_holds_near_the_minimum_on_seed_42():
    engine = Engine(make_tutorial_data(), TrainConfig(epochs=0))
    early = engine.run_epochs(100).near_estimate  # far from the minimum the valley is steeper: it overestimates
    late = engine.run_epochs(6900).near_estimate  # epoch 7000, of 7878
    measured = engine.run_epochs(2000).near_optimum_at
    assert measured is not None and early is not None and late is not None
    assert late == pytest.approx(measured, rel=0.05) and early > 2 * measured


def _page(app) -> dict[str, str]:
    return {line[:9].strip(): line[9:].strip() for line in app.query_one("#stats").plain_lines if line[:9].strip()}


async def test_the_k_key_shows_the_curvature_page_and_back():
    async with make_app("--paused").run_test(size=(80, 24)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        await pilot.press("k")
        await until(pilot, lambda: "κ at min" in _page(app))
        page, snapshot = _page(app), snap(app)
        at_minimum, here = snapshot.curvature_at_minimum, snapshot.curvature_here
        assert page["κ at min"] == f"{at_minimum.condition:.3g}: {math.sqrt(at_minimum.condition):.3g}× long"
        assert page["λ at min"] == f"{at_minimum.low:.3g} {at_minimum.high:.3g}"
        assert page["λ here"] == f"{here.low:.3g} {here.high:.3g}"
        assert page["lr max"] == f"<{at_minimum.max_stable_lr:.3g} here {here.max_stable_lr:.3g}"
        assert page["best lr"] == f"{at_minimum.best_lr:.3g}" and page["1 % at"] == "not yet"
        assert page["per step"] == f"×{at_minimum.contraction(0.2):.6g}"
        assert page["1 % est"] == f"ep ~{snapshot.near_estimate:.0f}" and page["epoch"] == "10 / 1001"
        await pilot.press("o", "o", "o")  # adam: the rates do not apply, and the page says so
        await until(pilot, lambda: _page(app).get("best lr") == "n/a (see below)")
        assert "do not apply" in " ".join(app.query_one("#stats").plain_lines) and "per step" not in _page(app)
        await pilot.press("k")
        await until(pilot, lambda: "dL/dw" in _page(app))


def test_the_landscape_draws_the_valleys_axes_labelled_by_their_eigenvalues():
    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.landscape import LandscapeSettings, landscape_view
    from logreg_tui.views.valley_axes import axis_label

    snapshot = Engine(make_tutorial_data(), TrainConfig(epochs=0)).run_epochs(300)
    curvature = snapshot.curvature_at_minimum
    _, drawing = landscape_view(snapshot, LandscapeSettings(), 80, 40, PlotColors())
    assert sorted(text for _, _, text in drawing.axis_labels) == sorted([axis_label(curvature.low),
                                                                          axis_label(curvature.high)])
    assert axis_label(curvature.low) == "λ 0.00061" and drawing.axes.any()
    screen = ["".join(text for text, _ in row) for row in drawing.rows()]
    for column, row, text in drawing.axis_labels:
        assert screen[row][column:column + len(text)] == text
    # the floor's line runs through the minimum along the valley: its cells are where the loss is low
    separable = Engine(make_tutorial_data(gap=12.0), TrainConfig(epochs=0)).run_epochs(5)
    _, flat = landscape_view(separable, LandscapeSettings(), 80, 40, PlotColors())
    assert not flat.axes.any() and flat.axis_labels == []


def _engine(**settings):
    from dataclasses import replace

    from logreg_tui.core.model.data import make_tutorial_data as data

    config = TrainConfig(epochs=0)
    return Engine(data(n_points=settings.pop("n", 1000)),
                  replace(config, settings=replace(config.settings, **settings)))


def test_b_at_the_start_warns_as_every_other_way_of_setting_that_lr_does():
    engine = _engine()
    engine.use_best()
    snapshot = engine.run_epochs(0)
    best = snapshot.curvature_at_minimum.best_lr
    limit = snapshot.curvature_here.max_stable_lr
    assert snapshot.settings.lr == best and best > limit
    assert f"lr {best:.3g} (best near the minimum) — lr {best:.3g} > 2/λ_max = {limit:.3g} here" in snapshot.message
    assert snapshot.warning.startswith(f"lr {best:.3g} > 2/λ_max = {limit:.3g} here")  # the same words as a typed lr


def test_momentums_stable_limit_is_its_own_on_the_page_and_in_the_warning():
    from logreg_tui.core.model.settings import Settings
    from logreg_tui.tui.curvature_stats import CURVATURE_STATS

    snapshot = _engine(optimizer="momentum").run_epochs(3)
    at_minimum, here = snapshot.curvature_at_minimum, snapshot.curvature_here
    page = dict((label, value(snapshot)) for label, value in CURVATURE_STATS)
    beta = snapshot.settings.momentum
    assert page["lr max"] == f"<{2 * (1 + beta) / at_minimum.high:.3g} here {2 * (1 + beta) / here.high:.3g}"
    assert at_minimum.momentum_lr < 2 * (1 + beta) / at_minimum.high  # the best lr converges: below its own limit
    assert at_minimum.momentum_lr > at_minimum.max_stable_lr  # and past sgd's, which the page used to show
    engine = _engine(optimizer="momentum")
    engine.use_best()  # lr 41.4 and its β at (0, 0), where the valley is steep: past momentum's own limit there
    best = engine.run_epochs(0)
    momentum = Settings(optimizer="momentum", lr=best.settings.lr, momentum=best.settings.momentum)
    limit = best.curvature_here.stable_lr(momentum)
    assert best.warning.startswith(f"lr {best.settings.lr:.3g} > 2(1 + β)/λ_max = {limit:.3g} here")
    assert limit == pytest.approx(2 * (1 + best.settings.momentum) / best.curvature_here.high)


def test_one_rule_decides_whether_the_curvature_applies_a_batch_as_large_as_the_data_is_full_batch():
    from logreg_tui.core.model.options import compared_runs, load_dataset, parse_options
    from logreg_tui.tui.curvature_stats import CURVATURE_STATS, curvature_note

    snapshot = _engine(n=200, batch_size=256).run_epochs(5)  # 256 ≥ the 200 training points: full batch
    page = dict((label, value(snapshot)) for label, value in CURVATURE_STATS)
    assert page["best lr"] == f"{snapshot.curvature_at_minimum.best_lr:.3g}" and "n/a" not in page["lr max"]
    assert snapshot.near_estimate is not None and "do not apply" not in curvature_note(snapshot)
    engine = _engine(n=200, batch_size=256)
    engine.use_best()
    assert engine.run_epochs(0).settings.lr == pytest.approx(snapshot.curvature_at_minimum.best_lr)
    options = parse_options(["--headless", "--n-points", "200", "--batch-size", "256", "--compare", "lr=best"])
    ((_, run),) = compared_runs(options, dataset=load_dataset(options))
    assert run.settings.lr == pytest.approx(snapshot.curvature_at_minimum.best_lr)
    minibatch = _engine(n=200, batch_size=64).run_epochs(1)
    assert "full batch only" in curvature_note(minibatch) and minibatch.near_estimate is None
