"""Reproduce a run (core/files/replay.py): the export's JSON carries the command line that starts the run and its
changes; --replay plays them back at their epochs, headless and in the app, to the same w, b bit for bit."""

import json

import pytest
from apphelpers import make_app, message, snap, started, until
from warm_python import run_python

from logreg_tui.core.files.export import run_summary
from logreg_tui.core.files.replay import FORMAT, replayed_options
from logreg_tui.core.model.options import load_dataset, parse_options, train_config
from logreg_tui.training.engine import Engine


def recorded(args, steps):
    """A run steered by engine commands between stretches of epochs: (its options, its last snapshot)."""
    options = parse_options(args)
    engine = Engine(load_dataset(options), train_config(options))
    for epochs, command in steps:
        engine.run_epochs(epochs)
        if command:
            command(engine)
    return options, engine.run_epochs(0)


EVERY_KIND = [
    (40, lambda e: e.scale_lr(2)), (25, lambda e: e.cycle_optimizer()), (10, lambda e: e.configure(momentum=0.5)),
    (10, lambda e: e.move_to(1.0, -2.0)), (15, lambda e: e.configure(l2=0.01)), (5, lambda e: e.configure(l1=0.001)),
    (5, lambda e: e.configure(threshold=0.3)), (5, lambda e: e.toggle_autograd("custom")),
    (10, lambda e: e.set_optimizer("adam")), (20, lambda e: e.cycle_batch_size()), (15, None),
]


def _replay(cli, tmp_path, options, snapshot, *more):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(run_summary(options, snapshot)))
    result = cli("--replay", str(path), "--headless", "--json", *more)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("args", [["--seed", "7", "--n-points", "500"],
                                  ["--seed", "3", "--n-points", "300", "--batch-size", "16", "--val-frac", "0.2"],
                                  ["--preset", "overlap", "--lr", "0.5"]])
def test_a_headless_replay_ends_at_the_same_w_b_bit_for_bit_with_the_same_events(cli, tmp_path, args):
    options, snapshot = recorded(args, EVERY_KIND)
    replay = _replay(cli, tmp_path, options, snapshot)
    assert replay["epochs"] == snapshot.epoch and (replay["w"], replay["b"]) == (snapshot.w, snapshot.b)
    assert [event["what"] for event in replay["events"]] == [event.what for event in snapshot.events]
    assert len(snapshot.events) == 10


def test_a_divergence_and_the_way_on_replay_too(cli, tmp_path):
    options, snapshot = recorded(["--autograd", "tutorial", "--lr", "0.2"],
                                 [(30, lambda e: e.scale_lr(0.001)), (40, None)])
    assert [event.kind for event in snapshot.events] == ["restore"]
    replay = _replay(cli, tmp_path, options, snapshot)
    assert (replay["w"], replay["b"], replay["epochs"]) == (snapshot.w, snapshot.b, snapshot.epoch)


def test_the_json_has_a_format_and_the_command_line_that_starts_the_run(cli, tmp_path):
    options, snapshot = recorded(["--seed", "7", "--n-points", "500", "--lr", "0.05"], EVERY_KIND[:2])
    summary = run_summary(options, snapshot)
    assert summary["format"] == FORMAT
    assert summary["command_line"].startswith("logreg-tui --seed 7 --n-points 500")
    assert "--lr 0.05" in summary["command_line"] and "momentum" not in summary["command_line"]  # the start's
    started = cli(*summary["command"], "--headless", "--json", "--epochs", "3")
    assert json.loads(started.stdout)["config"]["lr"] == 0.05


@pytest.mark.parametrize("text,said", [
    ("not json", "is not JSON"),
    ('{"a": 1}', "is not a logreg-tui export"),
    ('{"format": 99, "command": [], "epochs": 3}', "newer than this logreg-tui reads"),
    ('{"format": 1, "command": [], "epochs": 3, "events": [{"epoch": 1}]}', "an event without"),
    ('{"format": 1, "command": "--lr 2", "epochs": 3}', "not a list of words"),
])
def test_a_file_that_is_not_an_export_gets_one_line_and_exit_2(cli, tmp_path, text, said):
    path = tmp_path / "x.json"
    path.write_text(text)
    result = cli("--replay", str(path), "--headless")
    assert result.returncode == 2 and said in result.stderr and len(result.stderr.splitlines()) == 1
    assert cli("--replay", str(tmp_path / "missing.json")).returncode == 2


async def test_a_run_made_with_keys_exports_a_json_that_replays_in_the_app_and_headless(cli, tmp_path):
    keys = ["N", "plus", "N", "o", "N", "right", "down", "N", "2", "greater_than_sign", "N", "b", "N"]
    async with make_app("--n-points", "400", directory=tmp_path).run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await pilot.press(*keys)
        await until(pilot, lambda: snap(app).epoch == 60)
        recorded_run = snap(app)
        await pilot.press("e")
        await until(pilot, lambda: "exported" in message(app))
    assert len(recorded_run.events) >= 6
    path = next(tmp_path.glob("*.json"))
    headless = json.loads(cli("--replay", str(path), "--headless", "--json").stdout)
    assert (headless["w"], headless["b"]) == (recorded_run.w, recorded_run.b)
    script = run_python(next(tmp_path.glob("*-script.py")), "--exact").stdout.splitlines()[-1]
    assert tuple(float(v) for v in script.split()) == (recorded_run.w, recorded_run.b)
    options = replayed_options(parse_options(["--replay", str(path)]), ["--replay", str(path)])
    from logreg_tui.tui.app import LogRegApp

    async with LogRegApp(options, load_dataset(options)).run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await until(pilot, lambda: snap(app).status == "done", "the replay's end", timeout=60)
        assert (snap(app).w, snap(app).b) == (recorded_run.w, recorded_run.b)
        assert [e.what for e in snap(app).events] == [e.what for e in recorded_run.events]


async def test_a_person_takes_over_a_replay_and_it_stops_applying_and_says_so(tmp_path):
    options, snapshot = recorded(["--n-points", "400", "--epochs", "400"], [(100, lambda e: e.scale_lr(2)),
                                                                              (100, lambda e: e.cycle_optimizer()),
                                                                              (100, None)])
    path = tmp_path / "run.json"
    path.write_text(json.dumps(run_summary(options, snapshot)))
    replay = replayed_options(parse_options(["--replay", str(path), "--paused"]), ["--replay", str(path), "--paused"])
    from logreg_tui.tui.app import LogRegApp

    async with LogRegApp(replay, load_dataset(replay)).run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await pilot.press(*["N"] * 15)  # steps: still the replay's
        await until(pilot, lambda: snap(app).epoch == 150)
        assert snap(app).lr == 0.4 and [e.kind for e in snap(app).events] == ["lr"]
        await pilot.press("minus")  # a change of one's own: the replay stops
        await until(pilot, lambda: "you took over" in message(app))
        await pilot.press(*["N"] * 10)
        await until(pilot, lambda: snap(app).epoch == 250)
        assert snap(app).optimizer == "sgd" and snap(app).lr == 0.2  # the recorded optimizer change never came


def _script_output(tmp_path, options, snapshot):
    from logreg_tui.core.files.export import run_files

    path = tmp_path / "run-script.py"
    path.write_text(dict(run_files(options, snapshot, "run"))["run-script.py"])
    result = run_python(path, "--exact", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    *lines, exact = result.stdout.splitlines()
    return lines, tuple(float(v) for v in exact.split())


@pytest.mark.parametrize("args", [["--seed", "7", "--n-points", "500"],
                                  ["--seed", "3", "--n-points", "300", "--batch-size", "16", "--val-frac", "0.2"],
                                  ["--preset", "overlap", "--lr", "0.5", "--standardize", "--init", "0.5,-1"],
                                  ["--autograd", "tutorial", "--lr", "0.001", "--n-points", "200"]])
def test_the_exported_script_runs_with_plain_python_to_the_same_w_b_bit_for_bit(cli, tmp_path, args):
    options, snapshot = recorded(args, EVERY_KIND)
    lines, (w, b) = _script_output(tmp_path, options, snapshot)
    assert (w, b) == (snapshot.w, snapshot.b)
    path = tmp_path / "run.json"
    path.write_text(json.dumps(run_summary(options, snapshot)))
    replayed = cli("--replay", str(path), "--headless").stdout.splitlines()
    assert lines == replayed  # the table and the final line, as the replay prints them


def test_headless_export_writes_a_script_that_prints_the_runs_own_lines(cli, tmp_path):
    run = cli("--headless", "--seed", "5", "--batch-size", "64", "--l2", "0.001", "--epochs", "301", "--log-every", "50",
              "--export", str(tmp_path))  # seven lines of the table and the last
    assert run.returncode == 0, run.stderr
    script = next(tmp_path.glob("*-script.py"))
    output = run_python(script).stdout
    assert output == run.stdout and "w: " in output.splitlines()[-1]
    summary = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert summary["script"] == script.name
    refused = cli("--headless", "--export", str(tmp_path / "missing"))
    assert refused.returncode == 2 and "not a directory" in refused.stderr and "Epochs" not in refused.stdout


def test_a_function_files_run_writes_the_function_into_its_script(tmp_path):
    from pathlib import Path

    source = Path(__file__).parent / "data" / "functions" / "twice.py"
    options = parse_options(["--function", str(source), "--n-points", "300"])
    from logreg_tui.training.homework import load_and_check

    engine = Engine(load_dataset(options), train_config(options))
    engine.use_function(load_and_check(str(source)), switch=True)
    engine.run_epochs(30)
    engine.scale_lr(0.5)
    snapshot = engine.run_epochs(30)
    lines, exact = _script_output(tmp_path, options, snapshot)
    assert exact == (snapshot.w, snapshot.b) and snapshot.autograd == "file"


def test_changes_made_inside_a_minibatch_epoch_replay_and_script_at_their_step(cli, tmp_path):
    options = parse_options(["--n-points", "2000", "--batch-size", "16", "--seed", "9"])
    engine = Engine(load_dataset(options), train_config(options))
    engine.run_epochs(3)
    trainer = engine._run.trainer
    for change in (lambda: engine.scale_lr(2), lambda: engine.cycle_optimizer(), lambda: engine.move_to(2.0, -3.0),
                   lambda: engine.cycle_batch_size()):
        at = trainer.steps + 37
        engine._run.train_epoch(stop=lambda at=at: trainer.steps >= at)  # as a key stops a long epoch in the app
        change()
        engine.run_epochs(1)
    snapshot = engine.run_epochs(2)
    assert all(event.step is not None for event in snapshot.events) and len(snapshot.events) == 4
    replay = _replay(cli, tmp_path, options, snapshot)
    assert (replay["w"], replay["b"], replay["epochs"]) == (snapshot.w, snapshot.b, snapshot.epoch)
    _, exact = _script_output(tmp_path, options, snapshot)
    assert exact == (snapshot.w, snapshot.b)


async def test_a_preset_chosen_with_p_exports_its_own_data_and_replays_to_the_same_w_b(cli, tmp_path):
    async with make_app(directory=tmp_path).run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await pilot.press("p", "p")  # overlap, then separable: gap 8, its own lr and budget
        await until(pilot, lambda: snap(app).dataset.gap == 8.0)
        await pilot.press("N", "N", "plus", "N")
        await until(pilot, lambda: snap(app).epoch == 30)
        recorded_run = snap(app)
        await pilot.press("e")
        await until(pilot, lambda: "exported" in message(app))
    summary = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert "--gap 8.0" in summary["command_line"]
    replay = json.loads(cli("--replay", str(next(tmp_path.glob("*.json"))), "--headless", "--json").stdout)
    assert (replay["w"], replay["b"]) == (recorded_run.w, recorded_run.b)


@pytest.mark.parametrize("args", [["--dataset", "circle", "--features", "x1^2,x2^2,x1x2", "--n-points", "300"],
                                  ["--dataset", "xor", "--features", "x1,x2,x1x2,sin(x1)", "--standardize",
                                   "--batch-size", "64", "--optimizer", "adam", "--lr", "0.05"],
                                  ["--dataset", "xor", "--features", "x1x2", "--standardize", "--n-points", "200"]])
def test_a_run_on_crossed_features_scripts_and_replays_bit_for_bit(cli, tmp_path, args):
    steps = [(40, lambda e: e.scale_lr(2)), (10, lambda e: e.configure(l2=0.01)),
             (20, lambda e: e.cycle_batch_size()), (15, None)]
    options, snapshot = recorded(args, steps)
    lines, exact = _script_output(tmp_path, options, snapshot)
    assert exact == (*snapshot.weights, snapshot.b) and snapshot.dataset.features == options.features
    path = tmp_path / "run.json"
    path.write_text(json.dumps(run_summary(options, snapshot)))
    assert lines == cli("--replay", str(path), "--headless").stdout.splitlines()


def test_a_negative_init_is_one_word_in_the_command_so_the_replay_parses_it(cli, tmp_path):
    """argparse takes "-0.5,1" after --init for an option: the recorded command writes --init=-0.5,1."""
    run = cli("--headless", "--init=-0.5,1", "--epochs", "40", "--export", str(tmp_path))
    assert run.returncode == 0, run.stderr
    path = next(tmp_path.glob("*.json"))
    assert "--init=-0.5,1.0" in json.loads(path.read_text())["command"]
    replay = cli("--replay", str(path), "--headless")
    assert replay.returncode == 0 and replay.stdout == run.stdout


@pytest.mark.parametrize("args", [["--dataset", "circle", "--n-points", "300", "--lr", "0.05"],
                                  ["--dataset", "xor", "--features", "x1,x2,x1x2", "--standardize", "--n-points",
                                   "400", "--batch-size", "64", "--val-frac", "0.25", "--optimizer", "momentum"],
                                  ["--dataset", "moons", "--seed", "5", "--optimizer", "adam", "--l2", "0.01",
                                   "--init", "0.5,-0.25,0.125"]])
def test_features_changed_during_a_run_script_and_replay_bit_for_bit(cli, tmp_path, args):
    """f in the middle of a run (core/model/commands.UseFeatures): events at their epochs, one of them inside a
    minibatch epoch, then a move and a setting after them; the script makes x again at each and the replay applies
    them, both to the same θ bit for bit; the JSON's command is the run's start, the CSV a column per feature."""
    options = parse_options(args)
    engine = Engine(load_dataset(options), train_config(options))
    engine.run_epochs(15)
    start = engine.latest.dataset.crossed_as
    engine.use_features("x1", "x2", "x1^2", "x2^2")
    engine.run_epochs(12)
    trainer = engine._run.trainer
    at = trainer.steps + 2
    engine._run.train_epoch(stop=lambda: trainer.steps >= at)  # inside a long epoch, as a key stops it in the app
    engine.use_features("x1^2",)  # one feature: a vector x, as the tutorial's
    engine.run_epochs(10)
    engine.use_features("x2^2", "x1^2", "x1x2")
    engine.run_epochs(5)
    engine.move_to(0.25, -0.5, 0.0, 1.0)
    engine.scale_lr(0.5)
    snapshot = engine.run_epochs(7)
    assert [event.after for event in snapshot.events if event.kind == "features"] == [
        ("x1", "x2", "x1^2", "x2^2"), ("x1^2",), ("x2^2", "x1^2", "x1x2")]
    assert snapshot.dataset.crosses == ("x2^2", "x1^2", "x1x2") and snapshot.history.count == snapshot.epoch
    lines, exact = _script_output(tmp_path, options, snapshot)
    assert exact == snapshot.theta
    summary = run_summary(options, snapshot)
    assert summary["config"]["features"] == list(options.features) and start == (options.features or ("x1", "x2"))
    path = tmp_path / "run.json"
    path.write_text(json.dumps(summary))
    replay = cli("--replay", str(path), "--headless", "--json")
    assert replay.returncode == 0, replay.stderr
    assert (*json.loads(replay.stdout)["w"], json.loads(replay.stdout)["b"]) == snapshot.theta
    assert lines == cli("--replay", str(path), "--headless").stdout.splitlines()


def test_a_change_of_features_carries_theta_z_goes_back_to_the_start_and_a_bad_one_changes_nothing():
    from logreg_tui.core.model.data import make_shape_data, make_tutorial_data

    engine = Engine(make_shape_data("circle", 3, 200))
    before = engine.run_epochs(30)
    engine.use_features("x2", "sin(x1)", "x1")
    after = engine.run_epochs(0)
    assert after.theta == (before.weights[1], 0.0, before.weights[0], before.b) and after.epoch == 30
    assert "features x1, x2 → x2, sin(x1), x1: from the current θ" in after.message
    for bad, said in ((("x3",),  "'x3' is not a feature"), (("x1", "x1"), "x1 is given twice"), ((), "no features")):
        engine.use_features(*bad)
        refused = engine.run_epochs(0)
        assert said in refused.message and refused.theta == after.theta and len(refused.events) == 1
    engine.reset()  # z: the run's own start, features and all
    reset = engine.run_epochs(0)
    assert reset.epoch == 0 and reset.dataset.crosses == () and reset.theta == (0.0, 0.0, 0.0)
    tutorial = Engine(make_tutorial_data())
    tutorial.use_features("x1^2")
    assert "crosses of x1, x2 need a two-feature --dataset" in tutorial.run_epochs(0).message
    assert tutorial.latest.dataset.d == 1 and not tutorial.latest.events


def test_a_replay_refuses_a_features_event_that_names_no_cross(cli, tmp_path):
    run = cli("--headless", "--dataset", "circle", "--epochs", "5", "--export", str(tmp_path))
    path = next(tmp_path.glob("*.json"))
    summary = json.loads(path.read_text())
    for after, said in ((["x1", "x9"], "'x9' is not a feature"), ("x1", "must be a list of names")):
        summary["events"] = [{"epoch": 2, "step": None, "what": "", "kind": "features", "before": ["x1", "x2"],
                              "after": after}]
        path.write_text(json.dumps(summary))
        result = cli("--replay", str(path), "--headless")
        assert result.returncode == 2 and said in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert run.returncode == 0
