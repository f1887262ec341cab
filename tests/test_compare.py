"""Comparing runs: the engine's ghosts and events, and `--headless --compare` against separate headless runs."""

import json

import numpy as np
import pytest

from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.runs import MAX_GHOSTS, ghost_label
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import TrainConfig
from logreg_tui.training.engine import Engine


def paused_engine(**settings) -> Engine:
    return Engine(make_tutorial_data(), TrainConfig(settings=Settings(**settings), start_paused=True))


def whats(snapshot) -> list[tuple[int, str]]:
    return [(event.epoch, event.what) for event in snapshot.events]


def test_every_kind_of_change_is_an_event_at_the_epoch_it_applied():
    engine = paused_engine()
    engine.run_epochs(30)
    engine.scale_lr(2)
    engine.run_epochs(20)
    engine.set_autograd("custom")
    engine.cycle_optimizer()
    engine.run_epochs(7)
    engine.set_batch_size(64)
    engine.move_to(1.5, -2.0)
    snapshot = engine.run_epochs(3)
    assert whats(snapshot) == [(30, "lr 0.2 → 0.4"), (50, "autograd builtin → custom"), (50, "sgd → momentum"),
                               (57, "full batch → batch 64"), (57, f"w, b ({snapshot.path.w[-5]:.6g}, "
                                                                   f"{snapshot.path.b[-5]:.6g}) → (1.5, -2)")]
    assert snapshot.path.epoch[snapshot.path.starts][-1] == 57  # the move's tick and the path's new segment agree


def test_changes_of_one_kind_at_one_epoch_merge_and_undone_ones_vanish():
    engine = paused_engine()
    engine.run_epochs(5)
    for _ in range(3):
        engine.scale_lr(2)
    engine.move_by(1, 0)
    engine.move_by(0, 1)
    assert whats(engine.run_epochs(0))[0] == (5, "lr 0.2 → 1.6")
    engine.scale_lr(0.5)  # a move came between: a new event
    engine.scale_lr(2)
    engine.set_optimizer("sgd")  # no change: no event
    assert [what for _, what in whats(engine.run_epochs(0))] == [
        "lr 0.2 → 1.6", "w, b " + whats(engine.latest)[1][1].split("w, b ")[1]]
    assert whats(engine.latest)[1][1].endswith("→ (" + f"{engine.latest.w:.6g}, {engine.latest.b:.6g})")


def test_going_on_after_a_divergence_is_an_event():
    engine = paused_engine(lr=1e38)
    diverged = engine.run_epochs(50)
    assert diverged.status == "diverged"
    engine.scale_lr(0.5)
    snapshot = engine.run_epochs(0)
    assert [(event.epoch, event.what) for event in snapshot.events] == [
        (diverged.epoch, "after the divergence: back to the last finite w, b, lr 1e+38 → 1000")]  # LR_MAX


def test_a_run_that_ends_is_kept_as_a_ghost_newest_first_at_most_three():
    engine = paused_engine()
    engine.reset()  # nothing trained yet: no ghost
    assert engine.run_epochs(0).ghosts == ()
    epochs = [40, 30, 20, 10]
    for count in epochs:
        engine.run_epochs(count)
        engine.scale_lr(2)
        engine.reset()
    snapshot = engine.run_epochs(5)
    assert [ghost.epoch for ghost in snapshot.ghosts] == [10, 20, 30][:MAX_GHOSTS]
    newest = snapshot.ghosts[0]
    assert newest.history.count == 10 and newest.ghosts == () and newest.lr == 0.2 * 2**4
    assert whats(newest) == [(10, "lr 1.6 → 3.2")]  # a ghost keeps its events
    assert snapshot.events == () and snapshot.epoch == 5
    engine.clear_ghosts()
    assert engine.run_epochs(0).ghosts == ()


def test_reseeding_keeps_the_run_on_the_old_data_and_the_label_says_what_differs():
    engine = paused_engine()
    engine.run_epochs(20)
    engine.reseed(7)
    engine.set_optimizer("adam")
    snapshot = engine.run_epochs(1)
    ghost = snapshot.ghosts[0]
    assert ghost.seed == 42 and snapshot.seed == 7
    assert ghost_label(ghost, snapshot, 0) == "prev: seed 42 sgd"
    engine.reset()
    snapshot = engine.run_epochs(1)
    assert [ghost_label(g, snapshot, k) for k, g in enumerate(snapshot.ghosts)] == [
        "prev: adam lr 0.2", "prev 2: seed 42 sgd"]  # nothing differs: its optimizer and lr


def test_near_optimum_is_the_first_epoch_within_one_percent_of_the_minimums_loss():
    engine = paused_engine(optimizer="momentum")
    snapshot = engine.run_epochs(1001)
    losses = snapshot.history.recent
    first = int(np.flatnonzero(losses <= snapshot.optimum.loss * 1.01)[0])
    assert snapshot.near_optimum_at == first and 0 < first < 1001
    assert paused_engine().run_epochs(1001).near_optimum_at is None  # the tutorial's SGD gets to 0.0643


SPECS = ["optimizer=sgd", "optimizer=momentum,momentum=0.5", "optimizer=adam,lr=0.05", "batch-size=64,lr=0.1",
         "autograd=custom,val-frac=0.2,epochs=300"]
SHARED = ["--seed", "7", "--n-points", "400", "--epochs", "500"]


def single_run_args(spec: str) -> list[str]:
    return [arg for pair in spec.split(",") for arg in (f"--{pair.split('=')[0]}", pair.split("=")[1])]


@pytest.mark.slow
def test_compare_runs_are_the_single_runs_of_their_specs(cli):
    result = cli("--headless", "--json", *SHARED, "--compare", *SPECS)
    assert result.returncode == 0, result.stderr
    compared = json.loads(result.stdout)
    assert [run["spec"] for run in compared] == SPECS
    for spec, run in zip(SPECS, compared, strict=True):
        single = json.loads(cli("--headless", "--json", *SHARED, *single_run_args(spec)).stdout)
        for field in ("w", "b", "loss", "accuracy", "val_loss", "epochs", "steps", "optimizer", "lr", "batch_size",
                      "epochs_to_1pct_of_optimum"):
            assert run[field] == single[field], (spec, field)
        assert set(single) <= set(run)  # shaped like a single run's
    assert compared[1]["momentum"] == 0.5 and compared[4]["epochs"] == 300 and compared[4]["val_loss"] is not None


def test_compare_prints_a_line_per_run_as_the_json_says(cli):
    specs = ["optimizer=sgd", "optimizer=momentum,epochs=1000"]
    lines = cli("--headless", *SHARED, "--compare", *specs).stdout.splitlines()
    runs = json.loads(cli("--headless", "--json", *SHARED, "--compare", *specs).stdout)
    assert len(lines) == 2
    for line, run in zip(lines, runs, strict=True):
        near = run["epochs_to_1pct_of_optimum"]
        assert line.startswith(run["optimizer"])
        assert f"loss {run['loss']:.5f}" in line and f"acc {run['accuracy']:.3f}" in line
        assert f"within 1% of min: {'never' if near is None else f'epoch {near}'}" in line
        assert line.rstrip().endswith("epochs/s")
    assert runs[1]["epochs_to_1pct_of_optimum"] is not None  # momentum gets there in 1000 epochs


def test_a_run_that_diverges_is_reported_and_the_others_still_run(cli):
    result = cli("--headless", "--compare", "autograd=tutorial,lr=0.001", "optimizer=adam")
    assert result.returncode == 3
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[1].startswith("adam")
    # the last finite loss (at the w, b the run went back to) and the true cause, not "loss nan"
    assert "loss 0.06045" in lines[0] and "nan" not in lines[0]
    assert lines[0].endswith("diverged at epoch 271 with lr 0.001: the tutorial's forward takes log(1 − σ(w·x + b)), "
                             "which is log 0 = −inf in float32 once w·x + b > 16.6 on a point (σ rounds to 1)")
    assert result.stderr.startswith("logreg-tui: diverged: 'autograd=tutorial,lr=0.001': diverged at epoch 271")


@pytest.mark.parametrize("args,says", [
    (["--compare", "lr=0.1"], "--compare needs --headless"),
    (["--headless", "--compare", "optimizer=adamw"], "optimizer must be one of sgd, momentum, nesterov, adam"),
    (["--headless", "--compare", "lr=-1"], "lr must be a learning rate from 1e-06 to 1000, got '-1'"),
    (["--headless", "--compare", "lr=1e308"], "lr must be a learning rate from 1e-06 to 1000, got '1e308'"),
    (["--headless", "--compare", "lr"], "a pair must be name=value"),
    (["--headless", "--compare", "seed=3"], "give --seed once"),
    (["--headless", "--compare", "colour=red"], "'colour' is not one of lr, epochs"),
    (["--headless", "--compare", "batch-size=1.5"], "batch-size must be a whole number"),
    (["--headless", "--epochs", "0", "--compare", "lr=0.1"], "--epochs 0 never ends"),
    (["--headless", "--compare", "val-frac=0.999"], "lacks one of the two classes"),
])
def test_a_bad_spec_gets_one_line_and_exit_2(cli, args, says):
    result = cli(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and says in result.stderr, result.stderr


def test_a_legend_names_shaped_data_by_its_shape_preset_or_what_sets_it_apart():
    from logreg_tui.core.model.data import make_shape_data
    from logreg_tui.core.model.runs import data_words

    assert data_words(make_tutorial_data()) == "seed 42"  # not 'gauss': a preset's shape is part of its recipe
    assert data_words(make_tutorial_data(43, gap=1.0)) == "seed 43 gap 1"
    assert data_words(make_shape_data("moons")) == "moons"  # the preset's recipe exactly
    assert data_words(make_shape_data("moons", 7)) == "moons seed 7"
    assert data_words(make_shape_data("circle", noise=0.4)) == "circle seed 42 spread 0.4"
    assert data_words(make_shape_data("spiral", n_points=300)) == "spiral seed 42 N 300"
