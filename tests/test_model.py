"""The model above the trainer speaks θ = (w₁ … w_d, b): an engine on data with two and five features publishes
figures that equal the float64 objective's, keeps its path as rows of θ, moves by θ, and exports and replays them;
with one feature every word stays the tutorial's (the rest of the suite holds those byte for byte)."""

import json

import numpy as np
import pytest

from logreg_tui.core.files.export import history_csv, run_summary, theta_columns
from logreg_tui.core.files.replay import ReplayError, _event
from logreg_tui.core.maths import objective
from logreg_tui.core.maths.evaluation import evaluations
from logreg_tui.core.model.data import DataError, Dataset, make_tutorial_data
from logreg_tui.core.model.options import initial_theta, load_dataset, parse_options
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import SCORE_BINS, TrainConfig
from logreg_tui.core.words.formatting import theta_words
from logreg_tui.training.engine import Engine


def features(d: int, n: int = 400, seed: int = 3) -> Dataset:
    """Two overlapping classes in d dimensions (a minimum exists)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.float32)
    X = rng.normal(size=(n, d)) + np.outer(2 * y - 1, np.linspace(1.0, 0.2, d))
    return Dataset(X.astype(np.float32), y, seed=None, gap=float("nan"), source=f"test d={d}")


def paused(dataset: Dataset, **settings) -> Engine:
    init = (0.0,) * (dataset.d + 1)
    return Engine(dataset, TrainConfig(settings=Settings(**settings), init=init, start_paused=True))


@pytest.mark.parametrize("d", [2, 5])
@pytest.mark.parametrize("settings", [{}, {"l2": 0.05}, {"optimizer": "momentum", "l1": 0.01}])
def test_an_engine_on_d_features_publishes_theta_and_the_objectives_figures_there(d, settings):
    dataset = features(d)
    snapshot = paused(dataset, **settings).run_epochs(40)
    assert len(snapshot.theta) == d + 1 and len(snapshot.figures.gradient) == d + 1
    weights, b = np.array(snapshot.weights), snapshot.b
    X, y = dataset.X.astype(np.float64), dataset.y.astype(np.float64)
    assert snapshot.loss == pytest.approx(objective.data_loss(weights, b, X, y), rel=1e-5)
    expected = objective.gradient(weights, b, X, y, settings.get("l2", 0.0), 0.0)
    l1_slope = settings.get("l1", 0.0) * np.sign(weights)
    np.testing.assert_allclose(snapshot.figures.gradient, expected + np.append(l1_slope, 0.0), rtol=1e-4, atol=1e-6)
    here = snapshot.curvature_here
    assert here is not None and len(here.eigenvalues) == d + 1
    np.testing.assert_allclose(sorted(here.eigenvalues),
                               np.linalg.eigvalsh(objective.hessian(weights, b, X, settings.get("l2", 0.0))),
                               rtol=1e-4, atol=1e-7)
    path = snapshot.path
    assert path.theta.shape == (41, d + 1) and path.epoch[-1] == 40
    np.testing.assert_array_equal(path.theta[-1], np.array(snapshot.theta, dtype=np.float32))
    assert snapshot.optimum is not None and len(snapshot.optimum.weights) == d


def test_a_move_is_theta_in_the_events_and_the_path_and_a_wrong_length_is_refused_in_words():
    engine = paused(features(2))
    engine.run_epochs(5)
    engine.move_to(1.0, -0.5, 0.25)
    moved = engine.run_epochs(3)
    move = moved.events[-1]
    assert move.kind == "move" and move.after == (1.0, -0.5, 0.25) and len(move.before) == 3
    assert move.what.startswith("w, b ((") and move.what.endswith("→ ((1, -0.5), 0.25)")
    start = moved.path.segments[1].start
    assert moved.path.epoch[start] == 5 and tuple(moved.path.theta[start]) == (1.0, -0.5, 0.25)
    engine.move_by(0.5, 0.0, -0.25)
    after = engine.run_epochs(0)
    assert after.events[-1].after == pytest.approx(tuple(np.add(moved.theta, (0.5, 0.0, -0.25))), rel=1e-6)
    engine.move_to(1.0, 2.0)
    refused = engine.run_epochs(0)
    assert refused.message == "cannot move to w 1, b 2: θ has 3 numbers here" and refused.theta == after.theta


def test_the_export_writes_w1_to_wd_and_a_list_of_weights_beyond_one_feature():
    dataset = features(3)
    snapshot = paused(dataset).run_epochs(12)
    rows = history_csv(snapshot).splitlines()
    assert rows[0] == "epoch,loss,w1,w2,w3,b" and len(rows) == 13
    first, last = rows[1].split(","), rows[-1].split(",")
    assert first[2:] == ["0.0"] * 4  # epoch 0's loss is at θ = 0
    np.testing.assert_array_equal([float(v) for v in last[2:]], snapshot.path.theta[-2])  # epoch 11 started there
    summary = run_summary(parse_options(["--headless"]), snapshot)
    assert summary["w"] == pytest.approx(list(snapshot.weights)) and summary["b"] == snapshot.b
    json.dumps(summary, allow_nan=False)  # every number finite or null
    assert theta_columns(1) == ("w", "b") and theta_columns(2) == ("w1", "w2", "b")


def test_one_feature_keeps_the_tutorials_words():
    snapshot = paused(make_tutorial_data()).run_epochs(3)
    assert history_csv(snapshot).splitlines()[0] == "epoch,loss,w,b"
    assert isinstance(run_summary(parse_options(["--headless"]), snapshot)["w"], float)
    assert theta_words((1.5, -2.0)) == "w 1.5, b -2" and theta_words((1.0, 0.5, -2.0)) == "w (1, 0.5), b -2"


def test_init_takes_d_plus_one_numbers_or_random():
    assert initial_theta(parse_options(["--init", "random"]), 1) == initial_theta(parse_options(["--init", "random"]))
    drawn = initial_theta(parse_options(["--init", "random", "--seed", "7"]), 4)
    assert len(drawn) == 5 and drawn[:2] == initial_theta(parse_options(["--init", "random", "--seed", "7"]), 1)
    assert initial_theta(parse_options([]), 3) == (0.0, 0.0, 0.0, 0.0)
    assert initial_theta(parse_options(["--init", "1,2,3"]), 2) == (1.0, 2.0, 3.0)
    with pytest.raises(DataError, match=r"^--init gives 3 numbers; the data has 1 feature: give 2 \(W,B\) or random$"):
        load_dataset(parse_options(["--init", "1,2,3"]))


def test_init_with_the_wrong_count_is_one_line_and_exit_2(cli):
    result = cli("--headless", "--init", "1,2,3")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("logreg-tui: --init gives 3 numbers; the data has 1 feature: give 2 (W,B) or random\n")


@pytest.mark.parametrize("theta", [[1.0, 2.0, 3.0], [0.5] * 6])
def test_a_replay_reads_moves_of_theta_and_refuses_what_is_not_one(theta):
    event = _event({"epoch": 3, "kind": "move", "before": [0.0] * len(theta), "after": theta}, epochs=10)
    assert event.after == tuple(theta)
    for bad in ([1.0], [1.0, float("inf")], [1.0] * 1026, [1.0, True], "1,2"):
        with pytest.raises(ReplayError, match="a move must be"):
            _event({"epoch": 3, "kind": "move", "before": [0.0, 0.0], "after": bad}, epochs=10)


def test_standardizing_d_features_keeps_a_mean_and_std_per_column_and_original_units_undo_it():
    dataset = features(3)
    scaled = dataset.standardized()
    assert scaled.scale is not None and len(scaled.scale) == 3
    np.testing.assert_allclose(scaled.X.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(scaled.X.std(axis=0), 1.0, rtol=1e-5)
    weights, b = (0.5, -1.0, 2.0), 0.25
    original, b_original = scaled.original_units(weights, b)
    X = dataset.X.astype(np.float64)
    z_scaled = scaled.X.astype(np.float64) @ np.array(weights) + b
    np.testing.assert_allclose(X @ np.array(original) + b_original, z_scaled, rtol=1e-5, atol=1e-5)
    assert scaled.features == ("x1", "x2", "x3") and make_tutorial_data().features == ("x",)
    assert scaled.without_points().X.shape == (0, 3)


@pytest.mark.parametrize("threshold", [0.5, 0.2, 0.9])
def test_the_evaluation_ranks_d_features_by_their_score(threshold):
    """Confusion, AUC at θ on the training and held-out points, against a direct count over every pair."""
    dataset = features(3, n=300)
    theta = (0.8, -0.3, 0.5, 0.1)
    train, held = evaluations(dataset, 240, theta[:-1], theta[-1], threshold)
    assert train is not None and held is not None
    for evaluation, part in ((train, slice(0, 240)), (held, slice(240, 300))):
        z = dataset.X[part].astype(np.float64) @ np.array(theta[:-1]) + theta[-1]
        positive, called = dataset.y[part] > 0.5, 1 / (1 + np.exp(-z)) > threshold
        matrix = evaluation.confusion
        assert (matrix.tp, matrix.fp, matrix.fn) == (int((called & positive).sum()), int((called & ~positive).sum()),
                                                     int((~called & positive).sum()))
        wins = (z[positive][:, None] > z[~positive][None, :]).mean()
        assert evaluation.auc == pytest.approx(wins, abs=1e-12)
    assert evaluations(dataset, 240, (float("nan"), 0.0, 0.0), 0.0, 0.5) == (None, None)


def test_the_score_summary_bins_each_points_z_where_the_data_is():
    dataset = features(2, n=500)
    engine = Engine(dataset, TrainConfig(settings=Settings(val_frac=0.2), init=(0.0, 0.0, 0.0), start_paused=True))
    snapshot = engine.run_epochs(25)
    summary = snapshot.figures.scores
    assert summary is not None and summary.occupied.shape == (4, SCORE_BINS)
    z = dataset.X.astype(np.float64) @ np.array(snapshot.weights) + snapshot.b
    assert summary.low < z.min() and z.max() < summary.high
    bins = np.clip(((z - summary.low) / (summary.high - summary.low) * SCORE_BINS).astype(int), 0, SCORE_BINS - 1)
    held, positive = np.arange(500) >= 400, dataset.y > 0.5
    for part, chosen in enumerate((~held & ~positive, ~held & positive, held & ~positive, held & positive)):
        expected = np.zeros(SCORE_BINS, dtype=bool)
        expected[bins[chosen]] = True
        # float32 scores on the device: a point on a bin's edge may fall on either side of it
        assert np.abs(np.flatnonzero(summary.occupied[part]) - np.flatnonzero(expected)).max() <= 1
    assert paused(make_tutorial_data()).run_epochs(1).figures.scores is None  # one feature: the views bin x


def test_the_data_view_of_more_features_draws_the_points_by_score_under_sigma():
    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.plots import DataSettings, data_view, picture

    snapshot = paused(features(3)).run_epochs(30)
    _, drawing = data_view(snapshot, DataSettings(), 80, 20, PlotColors(ascii=True))
    assert drawing.axis == "z" and drawing.threshold == 0.0  # z* = logit(0.5)
    text = "\n".join("".join(text for text, _ in row) for row in picture(drawing))
    assert "data by score z = w.x + b, and s(z)" in text.splitlines()[0] and "z* = 0" in text.splitlines()[0]
    assert len(drawing.x0) and len(drawing.x1) and drawing.x0.mean() < 0 < drawing.x1.mean()  # classes apart in z


@pytest.mark.parametrize(("d", "shown"), [(2, 3), (6, 2)])
def test_the_curvature_page_lists_every_eigenvalue_that_fits_and_the_ends_beyond(d, shown):
    from logreg_tui.core.maths.objective import hessian
    from logreg_tui.tui.curvature_stats import CURVATURE_STATS, VALUE_WIDTH

    dataset = features(d)
    snapshot = paused(dataset).run_epochs(30)
    pages = {label: value(snapshot) for label, value in CURVATURE_STATS}
    minimum = snapshot.optimum
    expected = np.linalg.eigvalsh(hessian(np.array(minimum.weights), minimum.b, dataset.X.astype(np.float64)))
    numbers = [float(word) for word in pages["λ at min"].split() if word != "…"]
    assert len(numbers) == shown and len(pages["λ at min"]) <= VALUE_WIDTH
    ends = expected if shown == d + 1 else expected[[0, -1]]
    assert numbers == pytest.approx(ends, rel=0.05)  # as printed, to 2 or 3 digits
    assert float(pages["κ at min"].split(":")[0]) == pytest.approx(expected[-1] / expected[0], rel=1e-2)


async def test_the_w_key_shows_each_weight_as_a_signed_bar_by_name_largest_first(tmp_path):
    from apphelpers import snap, started, until

    from logreg_tui.core.model.options import load_dataset, parse_options
    from logreg_tui.tui.app import LogRegApp
    from logreg_tui.tui.weights_stats import WEIGHTS_LISTED

    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 24))
    y = (X[:, 3] - 2 * X[:, 7] + 0.3 * rng.normal(size=200) > 0).astype(int)
    path = tmp_path / "wide.csv"
    path.write_text(",".join([f"f{j}" for j in range(24)] + ["label"]) + "\n" + "\n".join(
        ",".join([f"{v:.4f}" for v in row] + [str(label)]) for row, label in zip(X, y, strict=True)) + "\n")
    options = parse_options(["--paused", "--data", str(path), "--x-columns", "all", "--l1", "0.05"])
    async with LogRegApp(options, load_dataset(options)).run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await pilot.press("N", "N", "N", "z", *["N"] * 6)
        await until(pilot, lambda: snap(app).epoch == 60 and len(snap(app).ghosts) == 1)
        await pilot.press("w")
        await until(pilot, lambda: "weights, largest first" in app.query_one("#stats").plain_lines)
        lines = app.query_one("#stats").plain_lines
        bars = lines[lines.index("weights, largest first") + 1:][:WEIGHTS_LISTED]
        weights = snap(app).weights
        order = sorted(range(24), key=lambda j: -abs(weights[j]))
        assert [line.split()[0] for line in bars] == [f"f{j}" for j in order[:WEIGHTS_LISTED]]
        assert bars[0].startswith("f7") and "█" in bars[0].split("│")[0]  # the largest, negative: left of 0
        assert "█" in next(line for line in bars if line.startswith("f3")).split("│")[1]  # positive: right of it
        band = 0.05 * snap(app).settings.lr  # λ₁·lr: L1's step flips a dropped weight's sign about 0
        zeros = [line for line in bars if line.endswith("0 (L1)")]
        assert zeros and len(zeros) == sum(1 for j in order[:WEIGHTS_LISTED] if abs(weights[j]) <= band)
        assert "… 4 more: see the export" in lines and "┊ the previous run's" in lines
        assert all(len(line) <= 25 for line in lines)
        await pilot.press("k")  # the curvature page takes over; w again: the weights; w: back to the stats
        await until(pilot, lambda: any(line.startswith("λ at min") for line in app.query_one("#stats").plain_lines))
        await pilot.press("w", "w")
        await until(pilot, lambda: any(line.startswith("loss") for line in app.query_one("#stats").plain_lines))


def test_the_weights_page_in_ascii_has_only_ascii():
    from logreg_tui.tui.weights_stats import weight_rows

    snapshot = paused(features(3), l1=0.5).run_epochs(20)
    text = ["".join(segment.text for segment in row) for row in weight_rows(snapshot, ascii=True)]
    assert all(line.isascii() for line in text) and any("#" in line or "+" in line for line in text), text
    assert any(line.endswith("~0 (L1)") or line.endswith(" 0 (L1)") for line in text), text  # λ₁ 0.5 holds some
