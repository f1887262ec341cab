"""L2 and L1 penalties on w: training, the optimum and landscape of the objective, the outputs, the keys."""

import json
import math

import numpy as np
import pytest
from apphelpers import make_app, started, stat, until
from test_optimizers import plain_loop

from logreg_tui.core.maths.objective import data_loss, objective
from logreg_tui.core.maths.optimum import find_optimum
from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.runs import ghost_label
from logreg_tui.core.model.settings import OPTIMIZERS, Settings
from logreg_tui.core.model.state import TrainConfig
from logreg_tui.training.engine import Engine
from logreg_tui.views.surface import loss_surface

PENALTIES = [(0.01, 0.0), (0.0, 0.02), (0.05, 0.01)]


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("batch_size", [0, 64])
@pytest.mark.parametrize("l2,l1", PENALTIES)
def test_a_penalised_run_equals_a_torch_loop_that_adds_the_penalty_before_backward(optimizer, batch_size, l2, l1):
    dataset = make_tutorial_data(11, 300, 3.0)
    lr = 0.05 if optimizer == "adam" else 0.1
    losses, _, w, b = plain_loop(dataset, optimizer, lr, 0.8, batch_size, 0.0, 200, l2=l2, l1=l1)
    settings = Settings(lr=lr, optimizer=optimizer, momentum=0.8, batch_size=batch_size, l2=l2, l1=l1)
    snapshot = Engine(dataset, TrainConfig(settings=settings, epochs=0)).run_epochs(200)
    assert snapshot.w == pytest.approx(w, rel=1e-6) and snapshot.b == pytest.approx(b, rel=1e-6)
    np.testing.assert_allclose(snapshot.history.recent, losses, rtol=1e-5)  # the data's loss, not the objective
    assert snapshot.objective == pytest.approx(snapshot.loss + l2 / 2 * snapshot.w**2 + l1 * abs(snapshot.w))


@pytest.mark.parametrize("autograd", ["custom", "tutorial"])
def test_the_penalty_works_in_every_autograd_mode(autograd):
    dataset = make_tutorial_data()
    lr = 0.2 if autograd == "custom" else 0.0002
    plain = Engine(dataset, TrainConfig(settings=Settings(lr=lr, autograd=autograd), epochs=0)).run_epochs(50)
    penalised = Engine(dataset, TrainConfig(settings=Settings(lr=lr, autograd=autograd, l2=1.0),
                                            epochs=0)).run_epochs(50)
    assert abs(penalised.w) < abs(plain.w)  # held back toward 0


def _kkt(x, y, w, b, l2, l1):
    """The objective's optimality: ∂/∂b = 0, and ∂/∂w = 0 (w ≠ 0) or |∂L/∂w| ≤ λ₁ (w = 0)."""
    p = 1 / (1 + np.exp(-(w * x + b)))
    grad_w, grad_b = float(np.mean((p - y) * x)), float(np.mean(p - y))
    assert abs(grad_b) < 1e-9
    if w == 0.0:
        assert abs(grad_w) <= l1 + 1e-12
    else:
        assert abs(grad_w + l2 * w + l1 * math.copysign(1.0, w)) < 1e-9


@pytest.mark.parametrize("seed,gap", [(42, 4.0), (3, 1.0), (9, 8.0), (5, 2.0)])
@pytest.mark.parametrize("l2,l1", [(0.01, 0.0), (0.0, 0.01), (0.1, 0.05), (1e-4, 0.3)])
def test_the_penalised_optimum_is_the_objectives_minimum(seed, gap, l2, l1):
    dataset = make_tutorial_data(seed, 400, gap)
    x, y = dataset.x.astype(np.float64), dataset.y.astype(np.float64)
    optimum = find_optimum(x, y, l2, l1)
    assert optimum.exists and optimum.loss == pytest.approx(objective(optimum.w, optimum.b, x, y, l2, l1), rel=1e-14)
    _kkt(x, y, optimum.w, optimum.b, l2, l1)
    for dw, db in [(1e-4, 0), (-1e-4, 0), (0, 1e-4), (0, -1e-4)]:  # every step away costs
        assert objective(optimum.w + dw, optimum.b + db, x, y, l2, l1) > optimum.loss


def test_a_large_l1_puts_w_at_exactly_zero_and_b_at_the_logit_of_the_share_of_ones():
    dataset = make_tutorial_data(42, 1000, 1.0)
    x, y = dataset.x.astype(np.float64), dataset.y.astype(np.float64)
    optimum = find_optimum(x, y, 0.0, 10.0)
    share = y.mean()
    assert optimum.w == 0.0 and optimum.b == pytest.approx(math.log(share / (1 - share)), abs=1e-12)
    _kkt(x, y, 0.0, optimum.b, 0.0, 10.0)


def test_separable_data_has_a_minimum_once_penalised_but_one_class_never_does():
    dataset = make_tutorial_data(42, 1000, 12.0)
    x, y = dataset.x.astype(np.float64), dataset.y.astype(np.float64)
    assert not find_optimum(x, y).exists
    penalised = find_optimum(x, y, 1e-3)
    assert penalised.exists and math.isfinite(penalised.w) and penalised.loss > 0
    assert not find_optimum(x, np.ones_like(y), 1.0).exists  # b is not penalised: it still runs off


def test_the_landscape_is_of_the_objective():
    dataset = make_tutorial_data()
    surface = loss_surface(dataset, dataset.n_points)
    w, b = np.array([[2.0, -1.0]]), np.array([[-4.0, 1.0]])
    plain, penalised = surface.loss(w, b), surface.loss(w, b, 0.1, 0.2)
    np.testing.assert_allclose(penalised - plain, 0.1 / 2 * w**2 + 0.2 * np.abs(w), rtol=1e-12)
    x, y = dataset.x.astype(np.float64), dataset.y.astype(np.float64)
    assert plain[0, 0] == pytest.approx(data_loss(2.0, -4.0, x, y), rel=1e-3)


def test_lambda_zero_leaves_every_headless_output_as_it_was(cli):
    assert cli("--headless").stdout == cli("--headless", "--l2", "0", "--l1", "0").stdout  # the tutorial's lines
    plain = cli("--headless", "--json", "--epochs", "101")
    zero = cli("--headless", "--json", "--epochs", "101", "--l2", "0", "--l1", "0")
    summary, with_zero = json.loads(plain.stdout), json.loads(zero.stdout)
    assert summary.pop("epochs_per_second") and with_zero.pop("epochs_per_second")  # timings differ, run to run
    assert summary == with_zero
    assert summary["l2"] == summary["l1"] == 0.0 and summary["objective"] == summary["loss"]


def test_headless_prints_the_data_loss_and_the_json_has_the_objective_and_its_optimum(cli):
    lines = cli("--headless", "--epochs", "101", "--l2", "0.1").stdout.splitlines()
    summary = json.loads(cli("--headless", "--json", "--epochs", "3001", "--l2", "0.1").stdout)
    assert lines[0] == "Epochs:     0 - Loss: 0.69315"  # the data's loss at w = b = 0 (no penalty there)
    assert summary["l2"] == 0.1 and summary["objective"] == pytest.approx(summary["loss"] + 0.05 * summary["w"] ** 2)
    assert summary["optimum"]["loss"] <= summary["objective"] + 1e-9  # the objective's minimum
    assert summary["optimum"]["w"] == pytest.approx(summary["w"], rel=1e-3)


@pytest.mark.parametrize("args,message", [(["--l2", "-1"], "must be a penalty from 0 to 1000"),
                                          (["--l1", "nan"], "must be a penalty from 0 to 1000"),
                                          (["--l2", "1e9"], "must be a penalty from 0 to 1000")])
def test_a_bad_penalty_is_one_line_and_exit_2(cli, args, message):
    result = cli("--headless", *args)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_compare_takes_penalties_and_names_them(cli):
    result = cli("--headless", "--compare", "l2=0.1", "l1=0.01,l2=0")
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and "l2 0.1" in lines[0] and "l1 0.01" in lines[1] and "l2" not in lines[1]


async def test_keys_step_and_type_the_penalties_from_the_current_w_b():
    async with make_app("--paused").run_test(size=(100, 36)) as pilot:
        app = await started(pilot)
        await pilot.press("n")
        await until(pilot, lambda: app.engine.latest.epoch == 1)
        await pilot.press("2", "2")  # 0 → 1e-4 → 1e-3
        await until(pilot, lambda: app.engine.latest.settings.l2 == 1e-3)
        assert stat(app, "l2") == "0.001" and stat(app, "loss+pen")
        assert [e.what for e in app.engine.latest.events] == ["l2 0 → 0.001"]  # one change at one epoch
        await pilot.press("exclamation_mark")
        await pilot.pause(0.2)
        await pilot.press("ctrl+a", "backspace", "0", "full_stop", "5", "enter")
        await until(pilot, lambda: app.engine.latest.settings.l1 == 0.5)
        assert stat(app, "l1") == "0.5"
        await pilot.press("n")
        await until(pilot, lambda: app.engine.latest.epoch == 2)
        snapshot = app.engine.latest
        assert snapshot.optimum.loss == pytest.approx(find_optimum(snapshot.dataset.x, snapshot.dataset.y,
                                                                   1e-3, 0.5).loss)


def test_a_ghost_label_names_the_penalty_it_trained_with():
    engine = Engine(make_tutorial_data(), TrainConfig(settings=Settings(l2=0.01), start_paused=True))
    engine.run_epochs(5)
    engine.reset()  # the run so far becomes a ghost; the new one trains without the penalty
    engine.configure(l2=0.0)
    snapshot = engine.run_epochs(1)
    assert ghost_label(snapshot.ghosts[0], snapshot, 0) == "prev: l2 0.01"
    assert [event.what for event in snapshot.events] == ["l2 0.01 → 0"]


def test_with_a_penalty_the_stats_and_json_name_the_objective_as_such(cli):
    import json

    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.settings import Settings
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine
    from logreg_tui.tui.stats import STATS

    plain = Engine(make_tutorial_data(), TrainConfig(epochs=0)).run_epochs(3)
    labels = [label for label, value in STATS if value(plain) is not None]
    assert "dL/dw" in labels and "dObj/dw" not in labels
    penalised = Engine(make_tutorial_data(), TrainConfig(epochs=0, settings=Settings(l2=0.1))).run_epochs(3)
    shown = {label: value(penalised) for label, value in STATS if value(penalised) is not None}
    assert "dL/dw" not in shown and shown["dObj/dw"] and shown["dL/db"]  # b is not penalised: its is the loss's
    summary = json.loads(cli("--headless", "--json", "--epochs", "5", "--l2", "0.1").stdout)
    optimum = summary["optimum"]
    assert optimum["objective"] == pytest.approx(optimum["loss"] + 0.1 / 2 * optimum["w"] ** 2, rel=1e-12)
    assert optimum["objective"] > optimum["loss"]


def test_the_gap_view_keeps_its_title_beside_ghosts_and_a_float32_zero_reads_as_zero():

    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine
    from logreg_tui.tui.curvature_stats import CURVATURE_STATS
    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.plots import LossSettings, loss_view

    engine = Engine(make_tutorial_data(), TrainConfig(epochs=0))
    engine.run_epochs(20)
    engine.reset()  # a ghost
    snapshot = engine.run_epochs(20)
    _, drawing = loss_view(snapshot, LossSettings(gap=True, ghosts=True), 100, 20, PlotColors())
    title = "".join(text for text, _ in drawing.rows()[0])
    assert title.startswith("L − L* (log)") and "loss log" not in title
    page = dict(CURVATURE_STATS)
    at_minimum = snapshot.with_figures(loss=snapshot.optimum.loss - 1.09e-09)  # float32's loss at float64's L*
    assert page["L − L*"](at_minimum) == "≈ 0 (float32)"
    assert page["L − L*"](snapshot.with_figures(loss=snapshot.optimum.loss + 1e-4)) == "0.0001"
