"""Homework mode (--function FILE.py): a person's own Function for the loss on logits, loaded, checked with its
mistakes named, trained with, and reloaded on save; whatever the file does, the app survives it."""

import hashlib
import json
import sys
import time
from pathlib import Path

import pytest
from apphelpers import make_app, message, snap, started, until

from logreg_tui.training.homework import LoadError, load_and_check

FUNCTIONS = Path(__file__).parent / "data" / "functions"

VERDICTS = [  # (file, the check passes, it can train, words its diagnosis must have, words it must not)
    ("correct.py", True, True, [], []),
    ("tutorial.py", False, True, ["1/N is missing", "ignores grad_output", "NaN/inf at large |logit|"], ["sign"]),
    ("missing_mean.py", False, True, ["N× the true gradient", "1/N is missing"], ["ignores", "NaN"]),
    ("ignores_grad_output.py", False, True, ["ignores grad_output", "largest error is 0 because a final loss's "
                                             "grad_output is 1", "gets a wrong gradient"], ["1/N", "NaN", "factor"]),
    ("sign_flipped.py", False, True, ["sign is flipped"], ["1/N", "ignores"]),
    ("twice.py", False, True, ["off by a factor 2"], ["1/N", "ignores", "sign"]),
    # its gradient is right: PASS, with the float32 question as a warning after it
    ("unstable_forward.py", True, True, ["PASS (largest error 0) — but its forward is NaN/inf at large |logit| in "
                                         "float32 once z > 16.7 (y = 0); softplus(z) − y·z is stable"],
     ["1/N", "ignores", "factor"]),
    ("wrong_shape.py", False, False, ["wrong shape"], []),
    ("raises_in_backward.py", False, False, ["backward raised ValueError: not written yet",
                                             "raises_in_backward.py:16"], []),
    ("infinite_loop.py", False, False, ["did not return within"], []),
    ("one_gradient.py", False, False, ["backward returns the wrong number of gradients"], ["forward"]),
    ("float_forward.py", False, False, ["forward returns a float, not a tensor"], []),
]


@pytest.mark.parametrize("name,passes,usable,said,unsaid", VERDICTS, ids=[row[0] for row in VERDICTS])
def test_each_functions_verdict_names_its_mistakes(name, passes, usable, said, unsaid):
    homework = load_and_check(str(FUNCTIONS / name), seconds=3.0)
    verdict = homework.verdict
    assert verdict.passed == passes and verdict.usable == usable
    words = verdict.line()
    assert all(word in words for word in said), words
    assert not any(word in words for word in unsaid), words
    assert words.startswith("PASS" if passes else "FAIL: ")


@pytest.mark.parametrize("name,said", [
    ("syntax_error.py", "syntax_error.py:6: SyntaxError"),
    ("no_function.py", "defines no torch.autograd.Function subclass"),
    ("two_functions.py", "several such Functions (Good, Bad): name one, --function two_functions.py:Good"),
    ("missing.py", "cannot read"),
    # what a file does at import it would do in the app, which loads it only after the check's child found it harmless
    ("forks_at_import.py", "logreg-tui's check does not let a Function file call os.fork at import"),
    ("edits_sys_modules.py", "changes modules already loaded at import (json): the app will not load it"),
    ("exits_at_import.py", "the checking process ended without an answer while running the file (os._exit"),
])
def test_a_file_that_gives_no_function_says_why_in_one_line(name, said):
    with pytest.raises(LoadError) as error:
        load_and_check(str(FUNCTIONS / name))
    assert said in str(error.value) and "\n" not in str(error.value)


def test_a_named_class_is_the_one_taken():
    assert load_and_check(f"{FUNCTIONS / 'two_functions.py'}:Good").verdict.passed
    bad = load_and_check(f"{FUNCTIONS / 'two_functions.py'}:Bad").verdict
    assert "1/N is missing" in bad.line()
    with pytest.raises(LoadError, match="no torch.autograd.Function named Ugly"):
        load_and_check(f"{FUNCTIONS / 'two_functions.py'}:Ugly")


@pytest.mark.parametrize("name,code", [("correct.py", 0), ("tutorial.py", 1), ("infinite_loop.py", 1),
                                       ("syntax_error.py", 2), ("no_function.py", 2)])
def test_gradcheck_function_exits_0_on_pass_1_on_fail_2_when_it_cannot_load(cli, name, code):
    result = cli("--gradcheck", "--function", str(FUNCTIONS / name), "--json")
    assert result.returncode == code, result.stderr
    if code == 2:
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    else:
        report = json.loads(result.stdout)
        assert report["passed"] == (code == 0) and report["function"] == name


def test_headless_json_names_the_function_and_its_verdict(cli):
    summary = json.loads(cli("--headless", "--json", "--epochs", "10", "--function", str(FUNCTIONS / "twice.py")).stdout)
    assert summary["autograd"] == "file" and summary["function"]["file"] == "twice.py"
    assert "off by a factor 2" in summary["function"]["verdict"]


def test_headless_trains_with_a_correct_function_to_the_tutorials_numbers(cli):
    result = cli("--headless", "--function", str(FUNCTIONS / "correct.py"))
    assert result.returncode == 0, result.stderr
    assert "Epochs:  1000 - Loss: 0.06434" in result.stdout and "w: 2.6216, b: -5.1346" in result.stdout
    assert "correct.py: PASS" in result.stderr
    refused = cli("--headless", "--function", str(FUNCTIONS / "raises_in_backward.py"))
    assert refused.returncode == 2 and "cannot train with raises_in_backward.py" in refused.stderr


def test_the_template_loads_fails_until_backward_is_written_then_passes(cli, tmp_path):
    template = cli("--function-template")
    assert template.returncode == 0 and "class MyCrossEntropyWithLogits(torch.autograd.Function)" in template.stdout
    path = tmp_path / "my_loss.py"
    path.write_text(template.stdout)
    verdict = load_and_check(str(path)).verdict
    assert not verdict.usable and "backward raised NotImplementedError" in verdict.line()
    written = template.stdout.replace(
        '        raise NotImplementedError("write backward: the gradient of the mean loss with respect to each logit")',
        "        return grad_output * (probs - targets) / probs.numel(), None")
    path.write_text(written)
    assert load_and_check(str(path)).verdict.passed


@pytest.mark.parametrize("args,said", [
    (("--autograd", "file", "--headless"), "--autograd file trains with --function"),
    (("--serve", "--function", "x.py"), "--serve-allow-code"),
    (("--headless", "--compare", "lr=0.1", "--function", "x.py"), "does nothing with --compare"),
])
def test_function_options_that_cannot_go_together_get_one_line(cli, args, said):
    result = cli(*args)
    assert result.returncode == 2 and said in result.stderr and len(result.stderr.splitlines()) == 1


def _copy(name: str, to: Path) -> None:
    """A save, as an editor makes it: the new text in place (the modification time moves on)."""
    time.sleep(0.02)  # a new mtime even on a coarse-grained file system
    to.write_text((FUNCTIONS / name).read_text())


async def test_the_app_reloads_the_file_on_save_keeps_the_run_and_names_the_new_verdict(tmp_path):
    path = tmp_path / "my_loss.py"
    _copy("missing_mean.py", path)
    async with make_app("--function", str(path), "--lr", "0.01").run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await until(pilot, lambda: snap(app).function == "my_loss.py", "the Function loaded", timeout=60)
        assert snap(app).autograd == "file" and "1/N is missing" in message(app)
        await pilot.press(*["N"] * 5)
        await until(pilot, lambda: snap(app).epoch == 50)
        w, b = snap(app).w, snap(app).b
        _copy("correct.py", path)
        await until(pilot, lambda: snap(app).function_verdict.startswith("PASS"), "the reload", timeout=60)
        snapshot = snap(app)
        assert snapshot.epoch == 50 and (snapshot.w, snapshot.b) == (w, b)  # the run goes on from where it was
        digests = [hashlib.sha256((FUNCTIONS / name).read_bytes()).hexdigest()[:8] for name in ("missing_mean.py",
                                                                                                 "correct.py")]
        assert [e.what for e in snapshot.events if e.kind == "function"] == [  # each version's hash: a replay checks it
            f"function my_loss.py {digests[0]} FAIL → my_loss.py {digests[1]} PASS"]
        assert "my_loss.py reloaded: PASS" in message(app)
        _copy("raises_in_backward.py", path)  # cannot train: the last good one stays
        await until(pilot, lambda: "raises_in_backward" not in message(app) and "ValueError" in message(app),
                    "the refusal", timeout=60)
        assert "the last good my_loss.py stays" in message(app) and snap(app).function_verdict.startswith("PASS")
        assert snap(app).function_stale  # the stats say whose verdict that is
        await until(pilot, lambda: "function PASS (last good)" in " ".join(app.query_one("#stats").plain_lines))
        _copy("syntax_error.py", path)
        await until(pilot, lambda: "SyntaxError" in message(app), "the syntax error", timeout=60)
        await pilot.press("a")  # builtin ↔ the file's Function
        await until(pilot, lambda: snap(app).autograd == "builtin")
        await pilot.press("a")
        await until(pilot, lambda: snap(app).autograd == "file")
        assert "function PASS (last good)" in " ".join(app.query_one("#stats").plain_lines)  # the syntax error's save


def test_the_check_runs_the_function_at_the_training_size_too():
    spec = str(FUNCTIONS / "fails_at_training_size.py")
    assert load_and_check(spec).verdict.passed  # at N = 10 alone it looks right
    verdict = load_and_check(spec, sizes=(1000,)).verdict
    assert not verdict.passed and not verdict.usable
    assert ("fails_at_training_size.py:16: ValueError: my backward handles at most 100 points in backward at N = 1000 "
            "(the check passed at N = 10)") in verdict.line()


def test_gradcheck_says_fail_for_a_file_that_cannot_train_on_the_data(cli):
    result = cli("--gradcheck", "--function", str(FUNCTIONS / "fails_at_training_size.py"))
    assert result.returncode == 1 and "at N = 1000 (the check passed at N = 10)" in result.stdout
    small = cli("--gradcheck", "--function", str(FUNCTIONS / "fails_at_training_size.py"), "--n-points", "80")
    assert small.returncode == 0 and small.stdout.split(": ", 1)[1].startswith("PASS")  # 80 points: it can train


def test_gradcheck_passes_a_right_gradient_and_prints_its_float32_warning(cli):
    result = cli("--gradcheck", "--function", str(FUNCTIONS / "unstable_forward.py"))
    assert result.returncode == 0
    assert "PASS (largest error 0) — but its forward is NaN/inf at large |logit| in float32 once z > 16.7" in result.stdout
    report = json.loads(cli("--gradcheck", "--function", str(FUNCTIONS / "unstable_forward.py"), "--json").stdout)
    assert report["passed"] and report["warnings"] and report["sha256"] == hashlib.sha256(
        (FUNCTIONS / "unstable_forward.py").read_bytes()).hexdigest()


def test_headless_refuses_a_file_that_cannot_train_with_its_line_and_size(cli):
    spec = str(FUNCTIONS / "fails_at_training_size.py")
    result = cli("--headless", "--function", spec)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "w: 0.0000" not in result.stdout
    assert "fails_at_training_size.py:16: ValueError" in result.stderr and "at N = 1000" in result.stderr
    summary = json.loads(cli("--headless", "--json", "--function", spec).stdout)
    assert summary["status"] == "error" and "at N = 1000 (the check passed at N = 10)" in summary["message"]


def _engine_with(name: str, **settings):
    from dataclasses import replace

    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine

    config = TrainConfig(epochs=0)
    engine = Engine(make_tutorial_data(), replace(config, settings=replace(config.settings, **settings)))
    engine.use_function(load_and_check(str(FUNCTIONS / name)), switch=True)  # checked at N = 10 only: it passes
    return engine


def test_a_function_that_raises_only_in_training_goes_back_to_builtin_and_a_fixed_save_takes_over():
    engine = _engine_with("fails_at_training_size.py")
    engine.train_epochs(5)
    snapshot = engine.run_epochs(0)
    assert snapshot.autograd == "builtin" and snapshot.status == "paused" and snapshot.epoch == 0
    assert snapshot.message.startswith("fails_at_training_size.py:16: ValueError: my backward handles at most 100 "
                                       "points in backward at N = 1000 (the check passed at N = 10); training went "
                                       "back to builtin, paused")
    assert engine.function_failure  # headless exits with it
    engine.use_function(load_and_check(str(FUNCTIONS / "correct.py")))  # the fixed save: no switch asked
    snapshot = engine.run_epochs(3)
    assert snapshot.autograd == "file" and snapshot.epoch == 3 and snapshot.function == "correct.py"


@pytest.mark.parametrize("name,part", [("nan_gradient_later.py", "backward returned a gradient"),
                                       ("inf_loss_later.py", "forward returned a loss")])
def test_a_non_finite_value_from_the_function_is_blamed_on_it_not_on_the_lr(name, part):
    engine = _engine_with(name)
    snapshot = engine.run_epochs(600)
    assert snapshot.status == "diverged"
    assert f"{name}'s {part} that is not finite (NaN or inf) at finite w, b and finite logits" in snapshot.message
    assert "no lr fixes it" in snapshot.message and "a trains with builtin" in snapshot.message
    assert "lr is too large" not in snapshot.message and "lowers lr" not in snapshot.message


def test_headless_messages_name_options_not_app_keys(cli):
    result = cli("--headless", "--function", str(FUNCTIONS / "nan_gradient_later.py"))
    assert result.returncode == 3 and "no lr fixes it" in result.stderr
    assert "fix the file, or train without --function" in result.stderr
    assert not any(key in result.stderr for key in ("a trains", "a switches", "- lowers", "z resets", "(q quits)"))
    diverged = cli("--headless", "--autograd", "tutorial", "--epochs", "50")
    assert diverged.returncode == 3 and "a smaller --lr gets past it" in diverged.stderr
    assert "- lowers" not in diverged.stderr and "z resets" not in diverged.stderr


def test_a_homework_run_replays_only_with_the_file_it_loaded(cli, tmp_path):
    mine = tmp_path / "my loss.py"
    mine.write_text((FUNCTIONS / "twice.py").read_text())
    export = tmp_path / "out"
    export.mkdir()
    first = cli("--headless", "--epochs", "30", "--lr", "0.05", "--function", str(mine), "--export", str(export))
    assert first.returncode == 0, first.stderr
    (run,) = export.glob("*.json")
    summary = json.loads(run.read_text())
    assert summary["function"]["sha256"] == hashlib.sha256(mine.read_bytes()).hexdigest()
    assert summary["command"][-2:] == ["--function", str(mine)]
    again = cli("--headless", "--replay", str(run))
    assert again.returncode == 0 and again.stdout.splitlines()[-1] == first.stdout.splitlines()[-1]
    mine.write_text(mine.read_text() + "# edited\n")
    changed = cli("--headless", "--replay", str(run))
    assert changed.returncode == 2 and "Traceback" not in changed.stderr and len(changed.stderr.splitlines()) == 1
    assert "my loss.py here is not the file the run loaded" in changed.stderr and "--function OTHER.py" in changed.stderr
    other = cli("--headless", "--replay", str(run), "--function", str(FUNCTIONS / "twice.py"))
    assert other.returncode == 0 and other.stdout.splitlines()[-1] == first.stdout.splitlines()[-1]


def test_a_replay_refuses_a_run_that_reloaded_its_file(tmp_path):
    from logreg_tui.core.files.replay import ReplayError, replayed_options
    from logreg_tui.core.model.options import parse_options

    mine = tmp_path / "mine.py"
    mine.write_text((FUNCTIONS / "correct.py").read_text())
    digest = hashlib.sha256(mine.read_bytes()).hexdigest()
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"format": 1, "command": ["--function", str(mine)], "epochs": 9, "function": {
        "sha256": digest}, "events": [{"epoch": 4, "kind": "function", "before": "mine.py 1 PASS",
                                       "after": "mine.py 2 PASS"}]}))
    with pytest.raises(ReplayError, match="reloaded mine.py at epoch 4, a version this machine does not have"):
        replayed_options(parse_options(["--replay", str(run)]), ["--replay", str(run)])


def test_the_export_copies_the_source_that_was_loaded_not_the_file_now(tmp_path):
    from logreg_tui.core.files.export import script_of
    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.options import parse_options
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine

    mine = tmp_path / "mine.py"
    mine.write_text((FUNCTIONS / "correct.py").read_text())
    engine = Engine(make_tutorial_data(), TrainConfig(epochs=0))
    engine.use_function(load_and_check(str(mine)), switch=True)
    snapshot = engine.run_epochs(2)
    mine.write_text("import os\nos.system('echo injected')\n")  # changed after the load
    script = script_of(parse_options(["--function", str(mine)]), snapshot)
    assert "injected" not in script and "(F.softplus(logits) - targets * logits).mean()" in script


def test_the_engine_and_the_check_import_no_textual():
    import subprocess

    code = ("import sys; import logreg_tui.training.homework, logreg_tui.core.words.homework; "
            "print('textual' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_the_template_needs_no_torch():
    import subprocess

    code = "import sys, logreg_tui.core.words.homework; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_a_divergence_with_a_failing_function_names_what_its_check_found():
    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine

    engine = Engine(make_tutorial_data(), TrainConfig(epochs=0))
    engine.use_function(load_and_check(str(FUNCTIONS / "tutorial.py")), switch=True)
    snapshot = engine.run_epochs(5)  # its gradient is N× the true one: the first step at lr 0.2 overshoots
    assert snapshot.status == "diverged"
    assert "the likely cause: tutorial.py fails its check" in snapshot.message and "1/N is missing" in snapshot.message


async def test_the_app_survives_a_file_that_fails_at_the_training_size_and_a_fixed_save_takes_over(tmp_path):
    path = tmp_path / "my_loss.py"
    _copy("fails_at_training_size.py", path)
    async with make_app("--function", str(path), "--paused").run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await until(pilot, lambda: "at N = 1000" in message(app), "the check's verdict", timeout=60)
        said = message(app)
        assert "my_loss.py:16: ValueError" in said and "training goes on with builtin" in said
        assert snap(app).autograd == "builtin" and snap(app).status == "paused"
        await pilot.press("n")  # training is alive: it steps
        await until(pilot, lambda: snap(app).epoch == 1)
        _copy("correct.py", path)
        await until(pilot, lambda: snap(app).autograd == "file", "the fixed save", timeout=60)
        assert "my_loss.py loaded: PASS" in message(app) and snap(app).epoch == 1


def test_a_reload_is_checked_by_a_warm_checker_in_well_under_a_second(tmp_path):
    from logreg_tui.training.homework import Checker

    checker = Checker()
    checker.start()
    try:
        load_and_check(str(FUNCTIONS / "correct.py"), checker=checker)  # the first waits for torch's import
        started_at = time.monotonic()
        homework = load_and_check(str(FUNCTIONS / "missing_mean.py"), sizes=(1000,), checker=checker)
        took = time.monotonic() - started_at
        assert "1000× on your 1000 training points" in homework.verdict.line()
        assert took < 1.5, took  # a fork, not a new Python and torch (seconds); generous for a loaded CI machine
        looping = load_and_check(str(FUNCTIONS / "infinite_loop.py"), seconds=1.0, checker=checker)
        assert "did not return within 1 s" in looping.verdict.line()  # its child killed on time, the server lives on
        assert load_and_check(str(FUNCTIONS / "correct.py"), checker=checker).verdict.passed
    finally:
        checker.close()
