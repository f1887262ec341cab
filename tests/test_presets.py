"""The data a lesson needs: label noise, class balance, a start point, and the presets that show one lesson each."""

import json
import math

import numpy as np
import pytest

from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.options import initial_theta, load_dataset, parse_options, train_config
from logreg_tui.core.words.presets import PRESETS
from logreg_tui.training.engine import Engine


@pytest.mark.parametrize("seed,n,noise", [(42, 1000, 0.2), (7, 333, 0.1), (3, 50, 0.3)])
def test_label_noise_flips_that_share_of_the_labels_the_same_way_for_a_seed(seed, n, noise):
    clean, noisy = make_tutorial_data(seed, n, 4.0), make_tutorial_data(seed, n, 4.0, label_noise=noise)
    assert np.array_equal(clean.x, noisy.x)  # the same points; only labels change
    assert int((clean.y != noisy.y).sum()) == round(n * noise)
    again = make_tutorial_data(seed, n, 4.0, label_noise=noise)
    assert np.array_equal(noisy.y, again.y)
    assert not np.array_equal(noisy.y, make_tutorial_data(seed + 1, n, 4.0, label_noise=noise).y)
    assert np.array_equal(noisy.reseeded(seed).y, noisy.y)  # r repeats the recipe, noise and all


@pytest.mark.parametrize("n,share", [(1000, 0.9), (101, 0.25), (10, 0.05)])
def test_class_balance_makes_that_share_of_points_class_one(n, share):
    dataset = make_tutorial_data(5, n, 4.0, class_balance=share)
    assert int(dataset.y.sum()) == min(max(int(n * share), 1), n - 1)
    assert (dataset.x[dataset.y == 1].mean() - dataset.x[dataset.y == 0].mean()) > 2  # class 1 is the shifted one


def test_the_defaults_leave_the_tutorials_data_as_it_was():
    plain = make_tutorial_data(42, 1000, 4.0)
    explicit = make_tutorial_data(42, 1000, 4.0, label_noise=0.0, class_balance=0.5)
    assert plain.x.tobytes() == explicit.x.tobytes() and plain.y.tobytes() == explicit.y.tobytes()
    assert int(plain.y.sum()) == 500


@pytest.mark.parametrize("args,message", [
    (["--label-noise", "0.5"], "must be a share from 0 up to (not including) 0.5"),
    (["--class-balance", "1"], "must be a share strictly between 0 and 1"),
    (["--init", "1"], "must be W,B (two numbers) or random"),
    (["--init", "1,nan"], "must be a finite number"),
    (["--preset", "nope"], "invalid choice"),
    (["--data", "x.csv", "--label-noise", "0.1"], "--label-noise shapes the seeded data; it does nothing with --data"),
])
def test_bad_data_options_are_one_line_and_exit_2(cli, args, message):
    result = cli("--headless", *args)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_preset_sets_defaults_and_options_given_with_it_win():
    options = parse_options(["--preset", "overfit", "--headless"])
    assert (options.n_points, options.gap, options.settings.val_frac, options.settings.lr) == (30, 2.0, 0.5, 0.5)
    options = parse_options(["--preset", "overfit", "--lr", "0.1", "--n-points", "40", "--headless"])
    assert (options.n_points, options.settings.lr, options.settings.val_frac) == (40, 0.1, 0.5)
    assert parse_options(["--preset", "separable"]).gap == 8.0
    assert parse_options(["--preset", "tutorial"]) == parse_options([])


def test_every_preset_is_named_in_the_help(cli):
    text = cli("--help").stdout
    assert all(name in text for name in PRESETS)


def _final(*args):
    options = parse_options(["--headless", *args])
    dataset = load_dataset(options)
    engine = Engine(dataset, train_config(options))
    return engine.run_epochs(options.epochs)


def test_overfit_shows_the_held_out_loss_rising_while_the_training_loss_falls():
    snapshot = _final("--preset", "overfit")
    val = snapshot.val_history.recent
    assert snapshot.val_loss > 2 * float(val.min())  # well above its own minimum at the end
    assert int(np.argmin(val)) < len(val) // 10  # reached early
    assert snapshot.history.recent[-1] < snapshot.history.recent[len(val) // 10]  # training loss kept falling


def test_separable_has_no_minimum_until_a_penalty_gives_it_one():
    assert not _final("--preset", "separable", "--epochs", "1").optimum.exists
    penalised = _final("--preset", "separable", "--epochs", "1", "--l2", "0.01").optimum
    assert penalised.exists and np.isfinite(penalised.w)


def test_imbalanced_noisy_and_overlap_show_their_lessons_in_numbers():
    imbalanced, balanced = _final("--preset", "imbalanced", "--epochs", "2001"), _final("--epochs", "2001")
    assert imbalanced.dataset.y.mean() == pytest.approx(0.9, rel=1e-6)  # always saying 1 would score 0.9
    assert -imbalanced.b / imbalanced.w < -balanced.b / balanced.w - 0.3  # x* moves toward class 0
    noisy, tutorial = _final("--preset", "noisy"), _final("--epochs", "1001")
    assert noisy.optimum.loss > 3 * tutorial.optimum.loss  # the noise sets a floor the fit cannot pass
    overlap = _final("--preset", "overlap").optimum
    assert overlap.exists and overlap.loss > 0.4  # no threshold splits them


def test_init_starts_every_run_there_and_z_goes_back_to_it(cli):
    lines = cli("--headless", "--init", "1.5,-2", "--epochs", "1", "--json").stdout
    summary = json.loads(lines)
    assert summary["config"]["init"] == [1.5, -2.0]
    options = parse_options(["--init", "1.5,-2", "--paused"])
    engine = Engine(load_dataset(options), train_config(options))
    assert (engine.latest.w, engine.latest.b) == (1.5, -2.0) and engine.latest.epoch == 0
    engine.run_epochs(10)
    engine.reset()
    snapshot = engine.run_epochs(0)
    assert (snapshot.w, snapshot.b, snapshot.epoch) == (1.5, -2.0, 0)
    assert snapshot.path.w[0] == 1.5 and snapshot.path.b[0] == -2.0


def test_init_random_draws_from_the_seed():
    first, again = initial_theta(parse_options(["--init", "random"])), initial_theta(parse_options(["--init", "random"]))
    other = initial_theta(parse_options(["--init", "random", "--seed", "7"]))
    assert first == again and first != other and first != (0.0, 0.0)


def test_the_data_plot_marks_held_out_points_by_shape():
    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.scatter import data_plot

    dataset = make_tutorial_data(42, 30, 2.0)
    colors = PlotColors(depth="16", ascii=False)
    _, split = data_plot(dataset, 1.0, -1.0, 60, 16, colors, n_train=15)
    _, whole = data_plot(dataset, 1.0, -1.0, 60, 16, colors)
    assert len(split.held0) + len(split.held1) > 0 and "×" in split.text()
    assert len(whole.held0) == len(whole.held1) == 0 and "×" not in whole.text()
    assert len(split.x0) + len(split.x1) + len(split.held0) + len(split.held1) <= 30


async def test_the_p_key_cycles_presets_each_a_new_run_the_last_one_a_ghost():
    from apphelpers import make_app, message, snap, started, until

    async with make_app("--paused").run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        await pilot.press("p")
        await until(pilot, lambda: snap(app).dataset.gap == 1.0)
        assert snap(app).epoch == 0 and len(snap(app).ghosts) == 1 and "preset overlap" in message(app)
        for _ in range(4):  # separable, imbalanced, noisy, overfit
            await pilot.press("p")
        await until(pilot, lambda: snap(app).n_points == 30)
        now = snap(app)
        assert (now.val_frac, now.lr, now.epochs, now.dataset.gap) == (0.5, 0.5, 3001, 2.0)
        await pilot.press("p")  # the two-feature lessons: gauss, moons, xor, circle
        await until(pilot, lambda: snap(app).dataset.recipe == "gauss")
        assert snap(app).dataset.d == 2 and len(snap(app).theta) == 3 and "preset gauss" in message(app)
        await pilot.press("p", "p", "p")
        await until(pilot, lambda: snap(app).dataset.recipe == "circle")
        await pilot.press("p")  # circle on x1, x2, x1^2, x2^2: the plane still shows x1, x2
        await until(pilot, lambda: snap(app).dataset.crosses == ("x1", "x2", "x1^2", "x2^2"))
        assert snap(app).dataset.d == 4 and snap(app).dataset.in_plane and "preset circle-squares" in message(app)
        await pilot.press("p")  # breast cancer's 30 features: raw, standardized, under L1
        await until(pilot, lambda: snap(app).dataset.recipe == "breast-cancer")
        assert snap(app).dataset.d == 30 and snap(app).dataset.scale is None
        assert "preset cancer-raw" in message(app) or "expect zig-zag or divergence" in message(app)  # its lesson
        await pilot.press("p", "p")
        await until(pilot, lambda: snap(app).settings.l1 == 0.02)
        assert snap(app).dataset.scale is not None and app.options.standardize
        await pilot.press("p")  # round to the tutorial's
        await until(pilot, lambda: snap(app).n_points == 1000 and snap(app).val_frac == 0.0 and snap(app).dataset.d == 1)
        assert snap(app).epochs == 1001 and snap(app).dataset.gap == 4.0


def test_every_presets_words_are_true_of_its_numbers():
    """Each claim a preset's line makes, checked on its own data (the words quoted, so new words need new checks)."""
    from logreg_tui.core.maths.curvature import at_minimum
    from logreg_tui.core.maths.optimum import find_optimum

    def minimum(name, **extra):
        options = parse_options(["--preset", name, *[f"--{k}={v}" for k, v in extra.items()]])
        dataset = load_dataset(options)
        n_train = dataset.n_train(options.settings.val_frac)
        x, y = dataset.x[:n_train], dataset.y[:n_train]
        optimum = find_optimum(x, y, l2=options.settings.l2)
        return options, dataset, optimum, at_minimum(optimum, x, y, options.settings.l2)

    words = {name: line for name, (line, _) in PRESETS.items()}
    options, dataset, tutorial, tutorial_curvature = minimum("tutorial")
    assert words["tutorial"] == "the tutorial's data and settings: seed 42, 1000 points, gap 4, lr 0.2, 1001 epochs"
    assert (options.seed, dataset.n_points, options.gap, options.settings.lr, options.epochs) == (42, 1000, 4.0, 0.2, 1001)

    assert words["overlap"].startswith("gap 1: the classes overlap, no threshold splits them, the landscape is one round")
    _, dataset, overlap, curvature = minimum("overlap")
    assert dataset.gap == 1.0 and overlap.exists and overlap.loss > 0.5  # a threshold would leave the loss near 0
    assert curvature.condition < 5 < tutorial_curvature.condition / 20  # round: κ ≈ 3 beside the tutorial's 134

    assert "gap 8: a threshold splits the classes, so the loss has no minimum" in words["separable"]
    _, dataset, separable, _ = minimum("separable")
    order = np.argsort(dataset.x)
    assert dataset.gap == 8.0 and not separable.exists and np.all(np.diff(dataset.y[order]) >= 0)
    assert "press 2 for L2" in words["separable"] and minimum("separable", l2=0.01)[2].exists

    assert words["imbalanced"].startswith("nine points in ten are class 1: accuracy flatters (always saying 1 scores 0.9)")
    _, dataset, imbalanced, _ = minimum("imbalanced")
    assert dataset.y.mean() == pytest.approx(0.9)
    assert "x* moves toward class 0" in words["imbalanced"] and -imbalanced.b / imbalanced.w < -tutorial.b / tutorial.w - 0.3

    noisy_words = ("a fifth of the labels flipped: the loss stays far above 0 and the minimum's w shrinks to an eighth "
                   "(a flatter σ), while x* barely moves")
    assert words["noisy"] == noisy_words
    _, dataset, noisy, _ = minimum("noisy")
    assert dataset.label_noise == 0.2 and noisy.loss > 10 * tutorial.loss
    assert noisy.w == pytest.approx(tutorial.w / 8, rel=0.1)  # 0.59 against 4.54: the minimum moves a long way
    assert abs(-noisy.b / noisy.w + tutorial.b / tutorial.w) < 0.1  # x* 2.000 against 2.078

    assert words["overfit"].startswith("30 points, half held out, lr 0.5, 3001 epochs: the 15 trained on are separable")
    options, dataset, overfit, _ = minimum("overfit")
    assert (dataset.n_points, options.settings.val_frac, options.settings.lr, options.epochs) == (30, 0.5, 0.5, 3001)
    assert dataset.n_train(0.5) == 15 and not overfit.exists  # separable: the loss falls toward 0

    # two features: their words and their numbers
    assert words["gauss"].startswith("two features, two Gaussians: a line separates them, so the loss has no minimum")
    _, dataset, gauss, _ = minimum("gauss")
    assert dataset.d == 2 and not gauss.exists and "press 2 for L2" in words["gauss"]
    assert minimum("gauss", l2=0.01)[2].exists
    assert "(accuracy 0.875 at its minimum)" in words["moons"]
    _, dataset, moons, _ = minimum("moons")
    z = dataset.X.astype(np.float64) @ np.array(moons.weights) + moons.b
    assert round(float(((z > 0) == (dataset.y > 0.5)).mean()), 3) == 0.875
    for name in ("xor", "circle"):
        assert "ln 2" in words[name]
        _, dataset, best, _ = minimum(name)
        assert best.loss == pytest.approx(math.log(2), abs=2e-3) and max(map(abs, best.weights)) < 0.1
    assert "the loss stops at ln 2 = 0.693 with w near 0" in words["xor"]
    assert "x₁, x₂, x₁² and x₂²: a line in those four is a circle in the plane, so it splits them" in words[
        "circle-squares"]
    _, dataset, squares, _ = minimum("circle-squares")
    assert dataset.features == ("x1", "x2", "x1^2", "x2^2") and dataset.d == 4
    z = dataset.X.astype(np.float64) @ np.array(squares.weights) + squares.b
    assert ((z > 0) == (dataset.y > 0.5)).mean() > 0.99  # a circle splits them (the noise crosses a few points)
    assert squares.weights[2] < 0 and squares.weights[3] < 0 < squares.b  # inside the circle: class 1
    assert "(lr 0.05: the squares, up to about 30, make the valley steep at the start)" in words["circle-squares"]
    from logreg_tui.core.maths.objective import hessian

    steepest = np.linalg.eigvalsh(hessian(np.zeros(4), 0.0, dataset.X.astype(np.float64)))[-1]
    assert 25 < float(dataset.X[:, 2:].max()) < 35 and 0.05 < 2 / steepest < 0.2  # lr 0.2 would be past it

    # many features: scikit-learn's breast cancer, raw, standardized, and under L1
    from logreg_tui.core.model.options import train_config
    from logreg_tui.training.engine import Engine

    assert "κ ≈ 1e9 at the minimum (k: 23 if standardized), so lr 0.2 overshoots" in words["cancer-raw"]
    options, dataset, _, raw = minimum("cancer-raw")
    assert dataset.d == 30 and dataset.scale is None and options.settings.l2 == 0.01 and 5e8 < raw.condition < 5e9
    trained = Engine(dataset, train_config(options)).run_epochs(100)
    assert "σ saturates" in words["cancer-raw"] and trained.figures.saturated_share > 0.99
    assert round(trained.condition_rescaled) == 23
    assert "κ falls from 1e9 to 23 and the loss below 0.1 in 100 epochs" in words["cancer"]
    options, dataset, _, scaled = minimum("cancer")
    assert dataset.scale is not None and round(scaled.condition) == 23
    trained = Engine(dataset, train_config(options)).run_epochs(100)
    assert trained.loss < 0.1 and trained.condition_rescaled == pytest.approx(raw.condition, rel=1e-6)
    assert "at its minimum 23 of the 30 weights are exactly 0 (15 at λ 0.001, 26 at 0.1)" in words["cancer-l1"]
    options, dataset, _, _ = minimum("cancer-l1")
    zeros = [sum(w == 0 for w in find_optimum(dataset.x, dataset.y, l1=l1).weights) for l1 in (0.001, 0.02, 0.1)]
    assert options.settings.l1 == 0.02 and dataset.scale is not None and zeros == [15, 23, 26]


async def test_a_preset_reached_with_p_is_the_runs_command_line_in_help_and_export(tmp_path):
    from apphelpers import make_app, snap, started, until

    async with make_app("--paused").run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        for _ in range(5):  # tutorial → overlap → separable → imbalanced → noisy → overfit
            await pilot.press("p")
        await until(pilot, lambda: snap(app).dataset.n_points == 30, "the overfit preset")
        await pilot.press("question_mark")
        await pilot.pause()
        shown = " ".join(str(part) for part in app.screen._parts())
        assert "logreg-tui --n-points 30 --gap 2.0 --lr 0.5 --val-frac 0.5 --epochs 3001" in shown, shown
        assert "--device" not in shown  # auto, as chosen: a replay elsewhere resolves it there
