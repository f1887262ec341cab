"""--lesson in the app (issue 43): each step sets up its run, asks its question over the plots, locks the answer,
runs, and reveals the answer beside what happened; n (or space, enter) goes on, p goes back a step. The answers,
scores and seconds are written when the lesson ends, or when the app quits before (tui/outbox-style: all or none,
never over a file). The engine is steered by commands only, as every key steers it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static

from logreg_tui.core.files.class_answers import ClassReport
from logreg_tui.core.files.export import write_new_files
from logreg_tui.core.files.lesson_file import step_run_options
from logreg_tui.core.files.lesson_results import Outcome, holds, outcome_of, results_files, results_stem
from logreg_tui.core.model.data import DataError
from logreg_tui.core.model.lesson import Lesson, Question, Step, answer_words, score_words, words
from logreg_tui.core.model.options import Options, initial_theta, load_dataset
from logreg_tui.core.model.state import Snapshot
from logreg_tui.core.words.key_table import KEYS
from logreg_tui.tui.link import Command
from logreg_tui.tui.screens import AnsweredOnce


class LessonHost(Protocol):
    """What a lesson needs of the app (tui/app.LogRegApp): its options, its message line, the engine's commands
    and its screens."""

    options: Options

    def say(self, text: str) -> None: ...
    def send(self, command: Command) -> None: ...
    def push_screen(self, screen: Any, callback: Any = None) -> Any: ...
    def refresh_from_engine(self, force: bool = False) -> None: ...
    def run_action(self, action: str) -> Any: ...
    def call_later(self, callback: Any, *args: Any) -> bool: ...
    def latest(self) -> Snapshot: ...
    def hide_minimum(self, hidden: bool) -> None: ...

SKIPPED = object()  # esc at a question: no answer, nothing scored


def parse_answer(question: Question, text: str) -> Any:
    """A typed answer as its question takes it: a number, or a position "w, b" (or one number, x*); ValueError."""
    parts = [float(part) for part in text.replace(",", " ").split()]
    if question.kind == "number" and len(parts) == 1:
        return parts[0]
    if question.kind == "position" and len(parts) in (1, 2):
        return parts[0] if len(parts) == 1 else parts
    raise ValueError("one number" if question.kind == "number" else "w, b (or one number, x*)")


class Plain(Static):
    """A lesson's words as written: a teacher's [brackets] are text, never Textual markup (an unmatched [/b] would
    raise at render)."""

    def __init__(self, text: str, id: str | None = None) -> None:
        super().__init__(text, id=id, markup=False)


def on_landscape(question: Question | None) -> bool:
    """A position question whose answer is a point of the landscape (w, b): put there with the arrow keys."""
    return question is not None and question.kind == "position" and question.truth in ("minimum", "end")


class LessonQuestion(AnsweredOnce[Any]):
    """A step's question over the plots: what to look at, the question, and its answer (a choice, a number, a
    position typed, or a point of the landscape: the arrows move ● there, as they move θ); enter locks it, esc
    skips it. `where`: θ as the plots show it now (the landscape's ● while the arrows move it)."""

    BINDINGS = [Binding("escape", "skip", "skip"), Binding("enter", "lock_point", show=False),
                *(Binding(row.key, f"app.{row.action}", show=False) for row in KEYS if row.action.startswith("move("))]

    def __init__(self, heading: str, step: Step, where: Callable[[], tuple[float, ...]]) -> None:
        super().__init__()
        self._heading, self._step, self._where = heading, step, where

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The arrows move ● only for a point of the landscape (a choice's list takes them otherwise)."""
        return on_landscape(self._step.question) if action in ("app.move", "lock_point") else True

    def on_mount(self) -> None:
        if on_landscape(self._step.question):
            self.set_interval(0.1, self._show_where)

    def _show_where(self) -> None:
        w, b = self._point()
        self.query_one("#lesson-answer", Static).update(f"● at w {words(w)}, b {words(b)}")

    def _point(self) -> list[float]:
        theta = self._where()
        return [theta[0], theta[-1]]

    def compose(self) -> ComposeResult:
        question = self._step.question
        assert question is not None
        with Vertical(id="lesson"):
            yield Plain(self._heading, id="lesson-heading")
            if self._step.look:
                yield Plain(self._step.look)
            yield Plain(question.text, id="lesson-question")
            if question.kind == "choice":
                yield OptionList(*(Text(f"{k}. {choice}") for k, choice in enumerate(question.choices, 1)),
                                 id="lesson-choices")
                note = "↑ ↓ or a number, enter locks your answer; esc skips"
            elif on_landscape(question):
                yield Static("", id="lesson-answer")
                note = "← → ↑ ↓ move ● on the landscape, enter locks it there; esc skips"
            else:
                yield Input(placeholder="w, b" if question.kind == "position" else "a number", id="lesson-answer")
                note = "type your answer, enter locks it; esc skips"
            yield Static(note, id="lesson-note")

    def on_key(self, event: Any) -> None:
        question = self._step.question
        if question and question.kind == "choice" and event.character and event.character.isdigit():
            choice = int(event.character)
            if 1 <= choice <= len(question.choices):
                event.stop()
                self._answer(choice)

    def action_lock_point(self) -> None:
        self._answer(self._point())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._answer(event.option_index + 1)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        assert self._step.question is not None
        try:
            self._answer(parse_answer(self._step.question, event.value))
        except ValueError as error:
            self.query_one("#lesson-note", Static).update(f"not locked: {error}")

    def action_skip(self) -> None:
        self._answer(SKIPPED)


class LessonReveal(AnsweredOnce[str]):
    """The answer beside what happened, and the explanation; n, space or enter: on; p: back a step."""

    BINDINGS = [Binding("n,space,enter", "on", "next"), Binding("p", "back", "back"), Binding("q", "app.quit", "quit")]

    def __init__(self, heading: str, lines: list[str]) -> None:
        super().__init__()
        self._heading, self._lines = heading, lines

    def compose(self) -> ComposeResult:
        with Vertical(id="lesson"):
            yield Plain(self._heading, id="lesson-heading")
            for line in self._lines:
                yield Plain(line)
            yield Static("n, space or enter: go on · p: back a step · q: quit", id="lesson-note")

    def action_on(self) -> None:
        self._answer("on")

    def action_back(self) -> None:
        self._answer("back")


class LessonMode:
    """Which step the app is at and what it waits for: an answer ("asking"), its run ("running"), the pause that
    ends it ("stopping"), the learner ("revealed"), nothing ("finished")."""

    def __init__(self, lesson: Lesson, app: LessonHost, directory: Path) -> None:
        self.lesson, self._app, self._directory = lesson, app, directory
        self.k, self.state = 0, "asking"
        self.outcomes: dict[int, Outcome] = {}
        self.seconds: dict[int, float] = {}
        self._answer: Any = None
        self._asked_at = 0.0
        self._options: Options = app.options
        self._dataset_key = -1
        self._set_up: Command = lambda engine: None  # the step's run, as a command (begin)
        self._version = -1  # the latest snapshot's version when the step's run was (re)started
        self.written: list[Path] = []
        self._class = ClassReport(app.options.class_dir) if app.options.class_dir else None  # --serve --lesson

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.k]

    def locks(self, action: str) -> bool:
        """Whether the step locks the key bound to `action` (the key table's action text), until its reveal."""
        if self.state not in ("asking", "running", "stopping"):
            return False
        return any(row.action == action for row in KEYS if row.key in self.step.locked)

    @property
    def where(self) -> str:
        """The stats' lesson line: step 2 of 3, or done."""
        return "done" if self.state == "finished" else f"step {self.k + 1} of {len(self.lesson.steps)}"

    @property
    def heading(self) -> str:
        return f"{self.lesson.title} · step {self.k + 1} of {len(self.lesson.steps)}"

    def begin(self) -> None:
        """The step's run set up, paused at epoch 0, and its question asked (a step without one runs at once)."""
        step = self.step
        try:
            self._options = step_run_options(self._app.options, step.setup)
            dataset = load_dataset(self._options)
        except DataError as error:  # a bundled set without its extra: said, and the step cannot run
            self._app.say(f"step {self.k + 1} cannot run: {error}")
            return
        self._app.options = self._options  # export and help name the step's run
        self._dataset_key = dataset.key
        settings, budget = self._options.settings, max(step.epochs, 1)
        init = initial_theta(self._options, dataset.d) if self._options.init is not None else None  # --init
        self._set_up = lambda engine: engine.start_over(dataset, settings, budget, init)
        self._start_run()
        self.state, self._answer = "asking", None
        self._app.say(f"{self.heading}" + (f": {step.look}" if step.look else ""))
        for key in step.views:  # the views the step wants on screen: their keys' actions, whatever has focus
            self._app.call_later(self._app.run_action, next(row.action for row in KEYS if row.key == key))
        if step.question is None:
            self._answered(SKIPPED)
            return
        self._asked_at = time.monotonic()
        self._app.hide_minimum(on_landscape(step.question) and step.question.truth == "minimum")
        self._app.push_screen(LessonQuestion(self.heading, step, lambda: self._app.latest().theta), self._answered)

    def _start_run(self) -> None:
        """The step's run at its start, paused: as it begins, and again once a point of the landscape was
        chosen by moving ● there (the moves were the answer, not the run's)."""
        set_up = self._set_up

        def paused_anew(engine: Any) -> None:  # queued together: applied together
            engine.pause()
            set_up(engine)

        self._app.send(paused_anew)
        self._version = self._app.latest().version  # the run's own snapshots come after this one

    def _answered(self, answer: Any) -> None:
        if self.step.question is not None:
            self.seconds[self.k] = round(time.monotonic() - self._asked_at, 1)
        self._answer = None if answer is SKIPPED else answer
        if self._class and self.step.question is not None:
            self._report(lambda report: report.answered(self.k + 1, self._answer))
        if on_landscape(self.step.question):
            self._start_run()
            if self._answer is not None:  # the moves' own line ("w, b … → …") was of the guess, not the run
                self._app.say(f"locked: ● at w {words(self._answer[0])}, b {words(self._answer[1])}; the run "
                              "starts from its own start")
        self._app.hide_minimum(False)
        self.state = "running"
        if self.step.epochs:
            self._app.send(lambda engine: engine.resume())

    def check(self, snapshot: Snapshot) -> None:
        """Called with each snapshot the app shows: the step's run is over once its budget is spent, it diverged,
        or its condition holds; then it is paused, and the reveal opens once the pause has applied, so that its
        figures are the ones the plots and stats show beside it."""
        if self.state not in ("running", "stopping") or snapshot.dataset.key != self._dataset_key \
                or snapshot.version <= self._version:
            return
        held = holds(self.step.until, snapshot)
        over = not self.step.epochs or snapshot.status in ("done", "diverged") or (self.step.until and held)
        if self.state == "running" and over:
            self.state = "stopping"
            self._app.send(lambda engine: engine.pause())
        if self.state != "stopping" or snapshot.status == "running":
            return
        outcome = outcome_of(self.step, self._options, snapshot, self._answer, held)
        self.outcomes[self.k] = outcome
        if self._class and self.step.question is not None:
            self._report(lambda report: report.revealed(self.k + 1, outcome.truth, outcome.score))
        self.state = "revealed"
        self._app.push_screen(LessonReveal(self.heading, self._reveal_lines(outcome)), self._moved)

    def _report(self, write: Callable[[ClassReport], None]) -> None:
        """A line for the teacher's page; if it cannot be written, said once and the lesson goes on."""
        assert self._class is not None
        try:
            write(self._class)
        except OSError as error:
            self._class = None
            self._app.say(f"the teacher's page will not see your answers: {error.strerror or error}")

    def _reveal_lines(self, outcome: Outcome) -> list[str]:
        question = self.step.question
        lines = [f"after {outcome.snapshot.epoch} epochs" + (" (diverged)" if outcome.snapshot.status == "diverged"
                                                             else "")]
        if question is not None:
            said = "skipped" if outcome.answer is None else answer_words(question, outcome.answer)
            truth = "right" if question.kind == "choice" else "the run"
            lines.append(f"you said: {said} · {truth}: {answer_words(question, outcome.truth)}"
                         f" · score {score_words(outcome.score)}")
        return [*lines, outcome.reveal]

    def _moved(self, where: str | None) -> None:
        if where == "back":
            self.k = max(0, self.k - 1)
        elif self.k + 1 < len(self.lesson.steps):
            self.k += 1
        else:
            self.finish()
            return
        self.begin()

    def finish(self) -> None:
        """The answers so far written (once); said where."""
        if self.written or not self.outcomes:
            self.state = "finished"
            return
        done = [self.outcomes[k] for k in sorted(self.outcomes)]
        seconds = [self.seconds.get(k) for k in sorted(self.outcomes)]
        try:
            self.written = write_new_files(self._directory, results_stem(self.lesson),
                                           results_files(self.lesson, done, seconds))
        except OSError as error:
            self._app.say(f"the answers could not be written: {error.strerror or error}")
            return
        self.state = "finished"
        self._app.refresh_from_engine(force=True)  # the stats' lesson line says so, paused as it is
        self._app.say(f"lesson done: answers in {', '.join(path.name for path in self.written)}")


