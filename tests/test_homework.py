"""Homework mode (--function FILE.py): a person's own Function for the loss on logits, loaded, checked with its
mistakes named, trained with, and reloaded on save; whatever the file does, the app survives it."""

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
    ("ignores_grad_output.py", False, True, ["ignores grad_output"], ["1/N", "NaN", "factor"]),
    ("sign_flipped.py", False, True, ["sign is flipped"], ["1/N", "ignores"]),
    ("twice.py", False, True, ["off by a factor 2"], ["1/N", "ignores", "sign"]),
    ("unstable_forward.py", False, True, ["NaN/inf at large |logit| in float32"], ["1/N", "ignores", "factor"]),
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
        assert [e.what for e in snapshot.events if e.kind == "function"] == ["function my_loss.py FAIL → my_loss.py PASS"]
        assert "my_loss.py reloaded: PASS" in message(app)
        _copy("raises_in_backward.py", path)  # cannot train: the last good one stays
        await until(pilot, lambda: "raises_in_backward" not in message(app) and "ValueError" in message(app),
                    "the refusal", timeout=60)
        assert "the last good my_loss.py stays" in message(app) and snap(app).function_verdict.startswith("PASS")
        _copy("syntax_error.py", path)
        await until(pilot, lambda: "SyntaxError" in message(app), "the syntax error", timeout=60)
        await pilot.press("a")  # builtin ↔ the file's Function
        await until(pilot, lambda: snap(app).autograd == "builtin")
        await pilot.press("a")
        await until(pilot, lambda: snap(app).autograd == "file")
        assert "function my_loss.py PASS" in " ".join(app.query_one("#stats").plain_lines)


def test_a_function_that_raises_only_in_training_sends_training_back_to_builtin(tmp_path):
    from logreg_tui.core.data import make_tutorial_data
    from logreg_tui.core.state import TrainConfig
    from logreg_tui.training.engine import Engine

    path = tmp_path / "late.py"  # passes the check at N = 10, fails on 1000 points
    source = (FUNCTIONS / "correct.py").read_text().replace(
        "        n = probs.numel()", "        n = probs.numel()\n        assert n < 100, 'too many points'")
    path.write_text(source)
    homework = load_and_check(str(path))
    assert homework.verdict.passed
    engine = Engine(make_tutorial_data(), TrainConfig(epochs=0))
    engine.use_function(homework, switch=True)
    engine.train_epochs(5)
    snapshot = engine.run_epochs(0)
    assert snapshot.autograd == "builtin" and snapshot.status == "paused"
    assert "late.py failed in training: its backward raised AssertionError: too many points" in snapshot.message


def test_the_engine_and_the_check_import_no_textual():
    import subprocess

    code = ("import sys; import logreg_tui.training.homework, logreg_tui.core.homework; "
            "print('textual' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_the_template_needs_no_torch():
    import subprocess

    code = "import sys, logreg_tui.core.homework; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_a_divergence_with_a_failing_function_names_what_its_check_found():
    from logreg_tui.core.data import make_tutorial_data
    from logreg_tui.core.state import TrainConfig
    from logreg_tui.training.engine import Engine

    engine = Engine(make_tutorial_data(), TrainConfig(epochs=0))
    engine.use_function(load_and_check(str(FUNCTIONS / "tutorial.py")), switch=True)
    snapshot = engine.run_epochs(5)  # its gradient is N× the true one: the first step at lr 0.2 overshoots
    assert snapshot.status == "diverged"
    assert "the likely cause: tutorial.py fails its check" in snapshot.message and "1/N is missing" in snapshot.message
