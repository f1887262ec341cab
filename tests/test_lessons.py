"""Lessons that ask before they show (issue 43): a TOML file of steps, each a run with a question locked before it
and a reveal quoting the run's own figures; --check finds every mistake with its line; --headless --answers walks
the steps; the answers and scores are written as JSON and Markdown, never over a file."""

import json
from dataclasses import replace

import pytest
from textual.actions import parse

from logreg_tui.core.files.lesson_file import built_in_names
from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.lesson import Question, score
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import TrainConfig
from logreg_tui.core.words.key_table import KEYS
from logreg_tui.training.engine import Engine

RIGHT = {  # each built-in lesson's right choices, and a number or position for the rest
    "slow": [800, 2, 2.0], "homework": [2, 2], "overfitting": [2, 1.5], "penalty": [2, 1.5, 2],
    "boundary": [0.85, 2, 2],
}


def test_the_built_in_lessons_are_the_five_the_issue_names():
    assert set(built_in_names()) == set(RIGHT) == {"slow", "homework", "overfitting", "penalty", "boundary"}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_each_built_in_lesson_checks_and_walks_to_its_end_with_scripted_answers(cli, tmp_path, name):
    checked = cli("--lesson", name, "--check")
    assert checked.returncode == 0 and checked.stdout.strip().endswith(": ok"), checked.stderr
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"answers": RIGHT[name]}))
    walked = cli("--lesson", name, "--headless", "--answers", str(answers), "--export", str(tmp_path))
    assert walked.returncode == 0, walked.stderr
    steps = walked.stdout.count("\nstep ")
    assert steps >= 2 and f"step {steps} of {steps}" in walked.stdout and "{" not in walked.stdout  # all filled in
    results = json.loads((tmp_path / f"lesson-{name}.json").read_text())
    assert results["done"] == results["steps"] == steps and len(results["answers"]) == len(RIGHT[name])
    choices = [row for row in results["answers"] if row["kind"] == "choice"]
    assert all(row["score"] == 1.0 for row in choices) and all(0 <= row["score"] <= 1 for row in results["answers"])
    summary = (tmp_path / f"lesson-{name}.md").read_text()
    assert summary.startswith(f"# {results['lesson']}\n") and "| step | question | answer | truth | score |" in summary


def test_the_slow_lessons_truth_is_the_runs_own_epochs_to_one_percent(cli, tmp_path):
    """The number the learner is scored against is measured, not typed in: the tutorial's run reaches 1 % of the
    minimum's loss at the epoch the engine finds by itself."""
    engine = Engine(make_tutorial_data(), TrainConfig(settings=Settings(lr=0.2)))
    while engine.latest.near_optimum_at is None:
        engine.run_epochs(500)
    measured = engine.latest.near_optimum_at
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps([measured // 2, 1, 2.0]))
    walked = cli("--lesson", "slow", "--headless", "--answers", str(answers))
    assert f"truth: {measured}  score: 0.50" in walked.stdout  # half the epochs: scored by ratio
    assert f"{measured} epochs (you said {measured // 2}: score 0.50)" in walked.stdout
    assert "truth: 2  score: 0.00" in walked.stdout  # the wrong choice


BAD_LESSON = """title = "broken"
colour = "red"

[[steps]]
setup = "--preset tutorial --lr 0"
question = "How many?"
kind = "number"
reveal = "it took {epochs_to_one} epochs"

[[steps]]
setup = "--serve"
question = "Which?"
choices = ["a", "b"]
until = "forever"
"""


def test_check_finds_every_mistake_with_its_line_number(cli, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(BAD_LESSON)
    result = cli("--lesson", str(path), "--check")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    expected = [f"{path}:2: unknown key 'colour'",
                f"{path}:5: step 1: setup: argument --lr: must be",  # the option's own words
                f"{path}:8: step 1: {{epochs_to_one}} is no figure",
                f"{path}:6: step 1: a number question needs its truth",
                f"{path}:11: step 2: setup: --serve is not an option of a run's data or settings",
                f"{path}:12: step 2: a choice question needs its answer",
                f"{path}:14: step 2: until must be one of converged, diverged"]
    for want in expected:
        assert any(line.startswith(f"logreg-tui: {want}") for line in lines), (want, lines)
    assert len(lines) == len(expected)
    path.write_text('title = "x"\n[[steps]\n')
    syntax = cli("--lesson", str(path), "--check")
    assert syntax.returncode == 2 and len(syntax.stderr.splitlines()) == 1 and "line 2" in syntax.stderr
    missing = cli("--lesson", "no-such-lesson", "--check")
    assert missing.returncode == 2 and "built-in lessons: boundary, homework" in missing.stderr


def test_answers_that_do_not_fit_the_lesson_are_one_line(cli, tmp_path):
    answers = tmp_path / "answers.json"
    for given, says in (([1, 2], "the lesson asks 3 questions; give one answer each"),
                        ([800, 7, 2.0], "answer 2 (7): a choice, 1 … 3"),
                        ([800, 2, "x"], "answer 3 (\"x\"): a position"),
                        ({"answer": []}, "the lesson asks 3 questions")):
        answers.write_text(json.dumps(given))
        result = cli("--lesson", "slow", "--headless", "--answers", str(answers))
        assert result.returncode == 2 and says in result.stderr and len(result.stderr.splitlines()) == 1, given
    for args, says in ((["--lesson", "slow", "--headless"], "--lesson --headless needs the answers"),
                       (["--check"], "--check belongs to --lesson"),
                       (["--lesson", "slow", "--answers", str(answers)], "--answers walks a lesson with --headless"),
                       (["--lesson", "slow", "--headless", "--answers", str(answers), "--json"],
                        "--json does nothing with --lesson")):
        result = cli(*args)
        assert result.returncode == 2 and says in result.stderr, args


def test_a_condition_that_never_holds_stops_at_its_timeout_and_the_reveal_says_so(cli, tmp_path):
    path = tmp_path / "wait.toml"
    path.write_text('title = "wait"\n[[steps]]\nsetup = "--lr 0.01"\nquestion = "w?"\ntruth = "w"\n'
                    'until = "converged"\ntimeout = 60\nreveal = "w is {w}"\n')
    answers = tmp_path / "answers.json"
    answers.write_text("[1.0]")
    walked = cli("--lesson", str(path), "--headless", "--answers", str(answers), "--export", str(tmp_path))
    assert walked.returncode == 0 and "after 60 epochs: (converged did not happen within 60 epochs) w is" in walked.stdout
    again = cli("--lesson", str(path), "--headless", "--answers", str(answers), "--export", str(tmp_path))
    assert again.returncode == 0 and (tmp_path / "lesson-wait-1.json").exists()  # never over the first results
    assert json.loads((tmp_path / "lesson-wait.json").read_text())["answers"][0]["answer"] == 1.0


def test_scores_by_kind():
    number, position = Question("?", "number"), Question("?", "position")
    assert score(Question("?", "choice", ("a", "b"), 2), 2, 2) == 1.0 and score(number, 50, 100) == 0.5
    assert score(number, -1, 1) == 0.0 and score(number, 3, None) is None
    assert score(position, [1.0, 2.0], (1.0, 2.0)) == 1.0 and score(position, [4.0, 6.0], (1.0, 2.0)) == 0.0
    assert 0 < score(position, 2.5, 2.0) < 1  # one number: x* on the data plot


def test_a_lesson_in_the_app_starts_its_engine_paused_so_nothing_runs_before_the_first_question():
    """The first step's run is set up behind its question once the app has drawn; until then the engine must not
    train the run it was started with (its snapshots said running, and a test once caught one)."""
    from logreg_tui.cli.lesson import app_lesson
    from logreg_tui.core.model.options import parse_options, train_config

    for name in sorted(RIGHT):
        _, options, dataset = app_lesson(parse_options(["--lesson", name, "--speed", "max"]))
        assert train_config(options, dataset.d).start_paused, name


async def test_the_app_asks_locks_runs_and_reveals_each_step_and_writes_the_answers(tmp_path):
    """--lesson homework in the app: each step's run set up behind its question (the tutorial's Function at lr
    0.001), the answer locked by a key before the run starts, the run to its budget, the reveal beside it with the
    run's own figures; p goes back a step, n on; the answers are written at the end."""
    from apphelpers import message, snap, until

    from logreg_tui.cli.lesson import app_lesson
    from logreg_tui.core.model.options import parse_options
    from logreg_tui.tui.app import LogRegApp
    from logreg_tui.tui.lesson_mode import LessonQuestion, LessonReveal

    lesson, options, dataset = app_lesson(parse_options(["--lesson", "homework", "--speed", "max"]))
    app = LogRegApp(options, dataset, directory=tmp_path, lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LessonQuestion), "the first question")
        assert "step 1 of 2" in str(app.screen.query_one("#lesson-heading").render())
        await until(pilot, lambda: app.engine is not None and snap(app).epoch == 0)
        assert snap(app).status == "paused" and snap(app).settings.autograd == "tutorial"  # locked before it runs
        await pilot.press("3")  # a wrong answer
        await until(pilot, lambda: isinstance(app.screen, LessonReveal), "the reveal", timeout=60)
        first = snap(app)
        assert first.epoch == 200 and first.lr == 0.001
        shown = " ".join(str(widget.render()) for widget in app.screen.query("Static"))
        assert "you said: 3. diverges at once · right: 2." in shown and "score 0.00" in shown
        assert f"loss {first.loss:.6g}" in shown  # the reveal quotes the run it is shown next to
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, LessonQuestion), "the second question")
        await pilot.press("escape")  # skipped: not scored
        await until(pilot, lambda: isinstance(app.screen, LessonReveal), "the second reveal", timeout=60)
        assert snap(app).status == "diverged" and snap(app).lr == 0.2
        await pilot.press("p")  # back a step: its run again, its question again
        await until(pilot, lambda: isinstance(app.screen, LessonQuestion) and "step 1 of 2" in str(
            app.screen.query_one("#lesson-heading").render()), "step 1 again")
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, LessonReveal), "the reveal again", timeout=60)
        await pilot.press("n", )
        await until(pilot, lambda: isinstance(app.screen, LessonQuestion), "the second question again")
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, LessonReveal), "the second reveal again", timeout=60)
        await pilot.press("n")
        await until(pilot, lambda: "lesson done: answers in lesson-homework.json" in message(app))
    results = json.loads((tmp_path / "lesson-homework.json").read_text())
    assert [(row["answer"], row["score"]) for row in results["answers"]] == [(2, 1.0), (2, 1.0)]
    assert all(row["seconds"] is not None and row["seconds"] >= 0 for row in results["answers"])
    assert "| 1 | Trained with it at lr 0.001" in (tmp_path / "lesson-homework.md").read_text()


def test_the_readmes_example_lesson_is_a_lesson_that_checks(cli, tmp_path):
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", readme, re.S).group(1)
    path = tmp_path / "example.toml"
    path.write_text(example)
    result = cli("--lesson", str(path), "--check")
    assert result.returncode == 0 and result.stdout.strip().endswith("'What lr does', 2 steps, 2 questions: ok")


@pytest.mark.pty  # the installed program in a real pseudo-terminal of 80 × 24
def test_a_lesson_walks_to_its_end_in_a_real_terminal_at_80x24(tmp_path):
    from terminal import Terminal, installed_command

    term = Terminal([installed_command(), "--lesson", "homework", "--speed", "max"], 80, 24, cwd=str(tmp_path))
    try:
        # the question drawn (the stats say "step 1 of 2" while the step's run still loads, before it shows)
        term.wait_for(r"enter locks your answer", timeout=60)
        assert "step 1 of 2" in term.text and "3. diverges at once" in term.text  # all of it in 80 × 24
        term.wait_for(r"epoch\s+0 / 200")  # the step's run, paused behind the question
        term.pump(1.0)  # the list has focus: a digit answers
        term.press("2")
        term.wait_for(r"score 1\.00", timeout=60)
        assert "you said: 2. trains exactly" in term.text and "right: 2." in term.text, term.text
        term.press("n")
        term.wait_for(r"step 2 of 2")
        term.pump(1.0)
        term.press("2")
        term.wait_for(r"after 0 epochs \(diverged\)", timeout=60)
        term.press("enter")
        term.wait_for(r"lesson done: answers in lesson-homework\.json")
        term.press("q")
        assert term.wait_exit(20) == 0
    finally:
        term.close()
    assert json.loads((tmp_path / "lesson-homework.json").read_text())["score"] == 1.0


@pytest.mark.parametrize("name", sorted(RIGHT))
async def test_each_built_in_lesson_runs_start_to_end_in_the_app_with_scripted_answers(tmp_path, name):
    """Every step of every built-in lesson in the app, answered by keys as a learner would (a choice's number, a
    number or a position typed and entered): each reveal follows its run, the stats say which step, and the answers
    are written at the end with the right choices scored 1."""
    from apphelpers import message, stat, until

    from logreg_tui.cli.lesson import app_lesson
    from logreg_tui.core.model.options import parse_options
    from logreg_tui.tui.app import LogRegApp
    from logreg_tui.tui.lesson_mode import LessonQuestion, LessonReveal
    from logreg_tui.tui.stats import StatsPanel

    lesson, options, dataset = app_lesson(parse_options(["--lesson", name, "--speed", "max"]))
    app = LogRegApp(options, dataset, directory=tmp_path, lesson=lesson)
    answers = iter(RIGHT[name])
    async with app.run_test(size=(120, 40)) as pilot:
        for k, step in enumerate(lesson.steps, 1):
            if step.question is not None:
                await until(pilot, lambda: isinstance(app.screen, LessonQuestion) and app.engine is not None,
                            f"step {k}'s question", timeout=60)
                assert stat(app, "lesson") == f"step {k} of {len(lesson.steps)}"
                for key in step.locked:  # what would give the answer away does nothing until the reveal
                    action = next(row.action for row in KEYS if row.key == key)
                    assert app.check_action(*parse(action)[1:]) is None, key
                if "k" in step.views:
                    await until(pilot, lambda: app.query_one(StatsPanel).page == "curvature", "the k page")
                answer = next(answers)
                if step.question.kind == "choice":
                    await pilot.press(str(answer))
                else:
                    text = ", ".join(map(str, answer)) if isinstance(answer, list) else str(answer)
                    await pilot.press(*text, "enter")
            await until(pilot, lambda: isinstance(app.screen, LessonReveal), f"step {k}'s reveal", timeout=120)
            assert all(app.check_action(*parse(row.action)[1:]) for row in KEYS if row.key in step.locked)
            await pilot.press("n")
        await until(pilot, lambda: f"lesson done: answers in lesson-{name}.json" in message(app))
        assert stat(app, "lesson") == "done"
    results = json.loads((tmp_path / f"lesson-{name}.json").read_text())
    assert [row["answer"] for row in results["answers"]] == RIGHT[name]
    assert all(row["score"] == 1.0 for row in results["answers"] if row["kind"] == "choice")


async def test_a_steps_init_starts_its_run_there_in_the_app_as_headless(tmp_path):
    from apphelpers import snap, until

    from logreg_tui.cli.lesson import app_lesson
    from logreg_tui.core.model.options import parse_options
    from logreg_tui.tui.app import LogRegApp
    from logreg_tui.tui.lesson_mode import LessonQuestion

    path = tmp_path / "init.toml"
    path.write_text('title = "init"\n[[steps]]\nsetup = "--init 1.5,-2 --lr 0.1"\nquestion = "w?"\ntruth = "w"\n'
                    'epochs = 3\nreveal = "w {w}"\n')
    lesson, options, dataset = app_lesson(parse_options(["--lesson", str(path)]))
    app = LogRegApp(options, dataset, directory=tmp_path, lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LessonQuestion) and app.engine is not None
                    and snap(app).lr == 0.1, "the step's run")
        assert snap(app).theta == (1.5, -2.0) and snap(app).epoch == 0


async def test_a_point_of_the_landscape_is_answered_by_moving_the_dot_with_the_arrows(tmp_path):
    """"Put ● where you think the minimum is": the arrows move ● on the landscape as they move θ, enter locks the
    point; then the step's run starts again from its own start (the moves were the answer, not the run's), and the
    reveal scores the point against the minimum by distance."""
    from apphelpers import message, snap, until

    from logreg_tui.cli.lesson import app_lesson
    from logreg_tui.core.model.options import parse_options
    from logreg_tui.tui.app import LogRegApp
    from logreg_tui.tui.lesson_mode import LessonQuestion, LessonReveal
    from logreg_tui.tui.widgets import LandscapeView
    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.landscape import landscape_view

    path = tmp_path / "point.toml"
    path.write_text('title = "point"\n[[steps]]\nsetup = "--preset separable --l2 0.01"\n'
                    'question = "Put ● where you think the minimum is."\nkind = "position"\ntruth = "minimum"\n'
                    'epochs = 20\nreveal = "the minimum: w {min_w}, b {min_b}; score {score}"\n')
    lesson, options, dataset = app_lesson(parse_options(["--lesson", str(path), "--speed", "max"]))
    app = LogRegApp(options, dataset, directory=tmp_path, lesson=lesson)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LessonQuestion) and app.engine is not None
                    and snap(app).settings.l2 == 0.01, "the question")
        view = app.query_one(LandscapeView)
        assert view.settings.hide_minimum  # no ✕ and no valley axes through it while it asks
        _, drawing = landscape_view(snap(app), view.settings, 60, 30, PlotColors())
        assert "optimum" not in [kind for _, _, kind in drawing.markers] and "min" not in drawing.legend
        _, shown = landscape_view(snap(app), replace(view.settings, hide_minimum=False), 60, 30, PlotColors())
        assert "optimum" in [kind for _, _, kind in shown.markers]  # (what it would have drawn)
        await pilot.press("right", "right", "right", "down", "down")
        await until(pilot, lambda: snap(app).w > 0 and snap(app).b < 0, "● moved")
        moved = snap(app).theta
        await until(pilot, lambda: f"● at w {moved[0]:.6g}" in str(app.screen.query_one("#lesson-answer").render()))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LessonReveal), "the reveal", timeout=60)
        assert snap(app).epoch == 20 and not any(event.kind == "move" for event in snap(app).events)  # started anew
        assert not view.settings.hide_minimum  # the reveal shows it
        outcome = app.lesson.outcomes[0]
        assert outcome.answer == [moved[0], moved[-1]] and 0 <= outcome.score < 1
        assert message(app).startswith(f"locked: ● at w {moved[0]:.6g}")  # not the guess's moves, as if the run's
        assert outcome.truth == (outcome.figures["min_w"], outcome.figures["min_b"])


async def test_a_question_shows_whole_at_60x20(tmp_path):
    """The smallest terminal the app supports still shows every choice and how to answer (at 60 % of the height
    the box had cut the homework's choices after the first)."""
    from apphelpers import until

    from logreg_tui.cli.lesson import app_lesson
    from logreg_tui.core.model.options import parse_options
    from logreg_tui.tui.app import LogRegApp
    from logreg_tui.tui.lesson_mode import LessonQuestion

    lesson, options, dataset = app_lesson(parse_options(["--lesson", "homework"]))
    app = LogRegApp(options, dataset, directory=tmp_path, lesson=lesson)
    async with app.run_test(size=(60, 20)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LessonQuestion), "the question")
        choices, note = app.screen.query_one("#lesson-choices"), app.screen.query_one("#lesson-note")
        assert choices.region.height >= 2 + 4 and choices.region.bottom <= 20  # 3 choices, one wrapped, a frame
        assert note.region.height == 1 and note.region.bottom <= 20


HOSTILE_LESSON = '''title = "markup [bold]x[/bold] and [/oops]"
[[steps]]
setup = "--lr 0.1"
look = "look at [x1, x2] and [/b] \\u001b[31mred"
question = "pick [red]one[/red]?"
choices = ["[x1, x2]", "[/close]"]
answer = 1
epochs = 3
reveal = "done [link=http://x]here[/link] {loss}"
'''


async def test_a_lessons_words_are_shown_as_written_never_as_markup_or_terminal_codes(cli, tmp_path):
    """A shared lesson file's brackets are text (an unmatched [/oops] had ended the app with Textual's MarkupError)
    and its control characters are shown as symbols, in the app and headless (an ESC had reached the terminal)."""
    from apphelpers import until

    from logreg_tui.cli.lesson import app_lesson
    from logreg_tui.core.model.options import parse_options
    from logreg_tui.tui.app import LogRegApp
    from logreg_tui.tui.lesson_mode import LessonQuestion, LessonReveal

    path = tmp_path / "hostile.toml"
    path.write_text(HOSTILE_LESSON)
    answers = tmp_path / "answers.json"
    answers.write_text("[1]")
    walked = cli("--lesson", str(path), "--headless", "--answers", str(answers))
    assert walked.returncode == 0 and "\x1b" not in walked.stdout and "look at [x1, x2] and [/b] ␛[31mred" in walked.stdout
    lesson, options, dataset = app_lesson(parse_options(["--lesson", str(path), "--speed", "max"]))
    app = LogRegApp(options, dataset, directory=tmp_path, lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LessonQuestion), "the question")
        shown = [str(widget.render()) for widget in app.screen.query("Static")]
        assert "markup [bold]x[/bold] and [/oops] · step 1 of 1" in shown and "pick [red]one[/red]?" in shown
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, LessonReveal), "the reveal", timeout=60)
        assert any(str(widget.render()).startswith("done [link=http://x]here[/link] ")
                   for widget in app.screen.query("Static"))
