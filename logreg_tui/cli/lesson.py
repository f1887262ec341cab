"""--lesson NAME|FILE.toml --check (the file checked) and --headless --answers FILE.json (the steps walked with those
answers, each step's outcome printed; with --export DIR the results written there as the app writes them).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from logreg_tui.core.files.lesson_file import (
    LessonError,
    read_lesson,
    setup_options,
    setup_problem,
    step_run_options,
)
from logreg_tui.core.files.lesson_results import results_files, results_stem
from logreg_tui.core.files.reading import NotReadable, read_regular_file
from logreg_tui.core.model.data import Dataset
from logreg_tui.core.model.lesson import Lesson, Question, score_words, words
from logreg_tui.core.model.options import EXIT_BAD_INPUT, Options, fail, load_dataset
from logreg_tui.core.words.formatting import printable


def run_lesson(options: Options) -> int:
    name = options.lesson or ""
    try:
        lesson = read_lesson(name, setup_problem)
    except LessonError as error:
        for line in error.lines:
            print(f"logreg-tui: {printable(line)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if options.check:
        asked = sum(step.question is not None for step in lesson.steps)
        print(f"{lesson.source}: {lesson.title!r}, {len(lesson.steps)} steps, {asked} questions: ok")
        return 0
    try:
        answers = read_answers(options.answers or "", lesson)
    except ValueError as error:
        return fail(str(error))
    return _walk(lesson, answers, options)


def _walk(lesson: Lesson, answers: list[Any], options: Options) -> int:
    from logreg_tui.training.lesson_run import run_step

    given = iter(answers)
    outcomes = []
    print(lesson.title)
    for k, step in enumerate(lesson.steps, 1):
        answer = next(given) if step.question else None
        print(f"\nstep {k} of {len(lesson.steps)}" + (f": {step.look}" if step.look else ""))
        if step.question:
            print(f"  question: {step.question.text}" + "".join(
                f"\n    {n}. {choice}" for n, choice in enumerate(step.question.choices, 1)))
            print(f"  answer: {words(answer)}")
        outcome = run_step(step, setup_options(step.setup), answer)
        outcomes.append(outcome)
        if step.question:
            print(f"  truth: {words(outcome.truth)}  score: {score_words(outcome.score)}")
        diverged = " (diverged)" if outcome.snapshot.status == "diverged" else ""
        print(f"  after {outcome.snapshot.epoch} epochs{diverged}: {outcome.reveal}")
    if options.export:
        from logreg_tui.core.files.export import write_new_files

        try:
            written = write_new_files(Path(options.export), results_stem(lesson), results_files(lesson, outcomes))
        except OSError as error:
            return fail(f"--export {options.export}: {error.strerror or error}")
        print(f"logreg-tui: wrote {', '.join(path.name for path in written)}", file=sys.stderr)
    return 0


def app_lesson(options: Options) -> tuple[Lesson, Options, Dataset]:
    """--lesson in the app: the lesson, and the options and data of its first step's run; ValueError (its first
    mistake: --check lists them all) where it cannot start."""
    try:
        lesson = read_lesson(options.lesson or "", setup_problem)
    except LessonError as error:
        more = f" (and {len(error.lines) - 1} more: --check lists them)" if len(error.lines) > 1 else ""
        raise ValueError(f"{error}{more}") from None
    # paused from the start: each step sets up its own run, paused behind its question, and nothing runs before it
    first = replace(step_run_options(options, lesson.steps[0].setup), paused=True)
    return lesson, first, load_dataset(first)


def read_answers(path: str, lesson: Lesson) -> list[Any]:
    """The answers of an --answers file, one per question in order, each as its question takes it; ValueError in
    one line where they do not match the lesson."""
    try:
        data = json.loads(read_regular_file(path, 1 << 20))
    except OSError as error:
        raise ValueError(f"--answers {path}: {error.strerror or error}") from None
    except (NotReadable, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"--answers {path}: {error}") from None
    answers = data.get("answers") if isinstance(data, dict) else data
    questions = [step.question for step in lesson.steps if step.question]
    if not isinstance(answers, list) or len(answers) != len(questions):
        raise ValueError(f"--answers {path}: the lesson asks {len(questions)} questions; give one answer each "
                         f"({{\"answers\": [...]}})")
    for k, (question, answer) in enumerate(zip(questions, answers, strict=True), 1):
        if problem := _unfit(question, answer):
            raise ValueError(f"--answers {path}: answer {k} ({printable(json.dumps(answer))[:40]}): {problem}")
    return answers


def _unfit(question: Question, answer: Any) -> str:
    def number(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e300

    if question.kind == "choice":
        ok = isinstance(answer, int) and not isinstance(answer, bool) and 1 <= answer <= len(question.choices)
        return "" if ok else f"a choice, 1 … {len(question.choices)}"
    if question.kind == "number":
        return "" if number(answer) else "a number"
    ok = number(answer) or (isinstance(answer, list) and 1 <= len(answer) <= 2 and all(map(number, answer)))
    return "" if ok else "a position: [w, b] on the landscape, or a number (x*)"
