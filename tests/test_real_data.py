"""Real data without a network (issue 42): the small sets scikit-learn ships, one class against the rest; what
they teach (standardizing rounds the valley; a fixed set is not reseeded); their files replay and script exactly."""

import json
import subprocess
import sys

import numpy as np
import pytest

from logreg_tui.core.maths.curvature import at_minimum
from logreg_tui.core.maths.optimum import find_optimum
from logreg_tui.core.model.data import DataError
from logreg_tui.core.model.real_data import REAL_SETS, load_real


@pytest.mark.parametrize(("name", "shape", "ones", "first"), [
    ("breast-cancer", (569, 30), 357, "mean_radius"), ("iris", (150, 4), 50, "sepal_length"),
    ("wine", (178, 13), 59, "alcohol")])
def test_each_set_is_one_class_against_the_rest_with_its_features_names(name, shape, ones, first):
    dataset = load_real(name)
    assert dataset.X.shape == shape and int(dataset.y.sum()) == ones and set(np.unique(dataset.y)) == {0.0, 1.0}
    assert dataset.features[0] == first and len(dataset.features) == shape[1] and dataset.seed is None
    assert dataset.recipe == name and name in REAL_SETS and dataset.source == f"{name} (scikit-learn)"
    with pytest.raises(DataError, match="cannot be reseeded"):
        dataset.reseeded(7)


def test_without_scikit_learn_the_set_asks_for_the_extra_in_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn raises ImportError
    with pytest.raises(DataError) as raised:
        load_real("iris")
    assert str(raised.value) == ("--dataset iris needs scikit-learn's bundled data: pip install "
                                 "'logreg-tui[datasets]' (scikit-learn, which ships it)")


def test_standardizing_rounds_the_valley_kappa_before_and_after():
    iris = load_real("iris")
    raw = at_minimum(find_optimum(iris.X, iris.y), iris.X, iris.y)
    scaled_data = iris.standardized()
    scaled = at_minimum(find_optimum(scaled_data.X, scaled_data.y), scaled_data.X, scaled_data.y)
    assert raw.condition > 50_000 and scaled.condition < 1_000 and raw.condition / scaled.condition > 100


def test_breast_cancer_raw_saturates_and_standardized_learns(cli):
    raw = cli("--headless", "--dataset", "breast-cancer", "--epochs", "101", "--log-every", "100")
    assert "saturated" in raw.stderr and "stuck, not converged" in raw.stderr
    scaled = cli("--headless", "--dataset", "breast-cancer", "--standardize", "--epochs", "101", "--log-every",
                 "100")
    loss = float(scaled.stdout.splitlines()[-2].split()[-1])
    assert scaled.returncode == 0 and loss < 0.1 and "original x: w: [" in scaled.stdout.splitlines()[-1]


@pytest.mark.parametrize("args", [["--n-points", "100"], ["--noise", "0.1"], ["--features", "x1"], ["--gap", "2"]])
def test_a_fixed_set_refuses_what_shapes_seeded_data(cli, args):
    result = cli("--headless", "--dataset", "wine", *args)
    assert result.returncode == 2 and "--dataset wine is a fixed set" in result.stderr


@pytest.mark.parametrize("args", [["--dataset", "breast-cancer", "--standardize", "--l1", "0.01"],
                                  ["--dataset", "iris", "--batch-size", "16", "--val-frac", "0.2"]])
def test_a_run_on_a_bundled_set_scripts_and_replays_bit_for_bit(cli, tmp_path, args):
    from test_replay import _script_output, recorded

    from logreg_tui.core.files.export import run_summary

    options, snapshot = recorded(args, [(30, lambda e: e.scale_lr(0.5)), (20, None)])
    lines, exact = _script_output(tmp_path, options, snapshot)
    assert exact == (*snapshot.weights, snapshot.b)
    summary = run_summary(options, snapshot)
    assert "--data" not in summary["command"] and summary["command"][:2] == ["--dataset", args[1]]
    path = tmp_path / "run.json"
    path.write_text(json.dumps(summary))
    assert lines == cli("--replay", str(path), "--headless").stdout.splitlines()


def test_a_csv_of_several_columns_standardized_scripts_per_column(cli, tmp_path):
    from test_replay import _script_output, recorded

    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 3)) * [1.0, 100.0, 0.01] + [0.0, 50.0, 3.0]
    y = (X[:, 0] + X[:, 1] / 100 > 0.5).astype(int)
    path = tmp_path / "three.csv"
    path.write_text("a,b,c,y\n" + "\n".join(f"{r[0]:.5f},{r[1]:.5f},{r[2]:.7f},{label}"
                                              for r, label in zip(X, y, strict=True)) + "\n")
    options, snapshot = recorded(["--data", str(path), "--x-columns", "all", "--standardize"], [(40, None)])
    _, exact = _script_output(tmp_path, options, snapshot)
    assert exact == (*snapshot.weights, snapshot.b)  # each column scaled by its own mean and std


def test_the_sets_load_without_importing_scikit_learn_until_asked():
    code = ("import sys, logreg_tui.core.model.options, logreg_tui.core.model.real_data; "
            "print('sklearn' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_l1_drops_breast_cancers_features_one_by_one_at_its_exact_minimum():
    """30 correlated features: the L1 minimum meets its optimality conditions (a weight at 0 has a data slope within
    λ₁; any other's slope is −λ₁·sign w) and more weights are 0 as λ₁ grows. (Damped Newton once stalled at θ = 0
    here, shrinking the whole step whenever one weight crossed 0: the message then said no line splits them.)"""
    from logreg_tui.core.maths.objective import gradient, objective

    data = load_real("breast-cancer").standardized()
    X, y = data.X.astype(np.float64), data.y.astype(np.float64)
    zeros = []
    for l1 in (0.001, 0.02, 0.1):
        optimum = find_optimum(data.X, data.y, l1=l1)
        w = np.array(optimum.weights)
        slope = gradient(w, optimum.b, X, y)[:-1]
        assert np.all(np.abs(slope[w == 0]) <= l1 * (1 + 1e-9))
        np.testing.assert_allclose(slope[w != 0], -l1 * np.sign(w[w != 0]), atol=1e-7)
        assert optimum.loss < objective(np.zeros(30), 0.5, X, y, 0.0, l1)  # far below guessing's
        zeros.append(int((w == 0).sum()))
    assert zeros == [15, 23, 26]  # the README's figures: at λ₁ = 0.02 the minimum keeps 7 of 30


def test_the_k_page_says_what_kappa_the_other_scaling_would_give():
    """iris: κ 97 300 on its own scales, 733 standardized; the k page shows each beside the other (one feature's
    tutorial has no such line: its start stays one Newton solve)."""
    from logreg_tui.core.model.options import load_dataset, parse_options, train_config
    from logreg_tui.training.engine import Engine
    from logreg_tui.tui.curvature_stats import CURVATURE_STATS

    line = dict(CURVATURE_STATS)["κ if"]
    for args, kappa, says in ((["--dataset", "iris"], 97_305, "std 733"),
                              (["--dataset", "iris", "--standardize"], 733.3, "raw 9.73e+04")):
        options = parse_options(args)
        snapshot = Engine(load_dataset(options), train_config(options)).run_epochs(1)
        assert snapshot.curvature_at_minimum.condition == pytest.approx(kappa, rel=1e-3) and line(snapshot) == says
    options = parse_options([])
    assert line(Engine(load_dataset(options), train_config(options)).run_epochs(1)) is None


def test_every_figure_of_the_k_page_fits_its_panel_at_breast_cancers_scales():
    """κ 1e9 and eigenvalues from 3e-5 to 3e4 once ran past the panel's edge, cut mid-number; they are written
    shorter (3.5e4, 1.07e9) until they fit."""
    from logreg_tui.core.model.options import load_dataset, parse_options, train_config
    from logreg_tui.training.engine import Engine
    from logreg_tui.tui.curvature_stats import CURVATURE_STATS, VALUE_WIDTH

    options = parse_options(["--preset", "cancer-raw"])
    snapshot = Engine(load_dataset(options), train_config(options)).run_epochs(50)
    shown = {label: figure(snapshot) for label, figure in CURVATURE_STATS}
    assert all(value is None or len(value) <= VALUE_WIDTH for value in shown.values()), shown
    assert shown["λ at min"] == "3.2e-5 … 3.5e4" and shown["κ at min"] == "1.07e9" and shown["κ if"] == "std 22.9"
