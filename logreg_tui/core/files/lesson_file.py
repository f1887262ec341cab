"""A lesson as a file a teacher writes (TOML, the standard library's reader; `tomli` on Python 3.10): a title and
steps. `read_lesson` gives the Lesson, or a LessonError holding every mistake as one line with its line number
(--lesson FILE --check prints them): a syntax error, an unknown key, a step's setup its options refuse (in their own
words), a question without its answer, a placeholder that names no figure. The built-in lessons are files here too.
"""

from __future__ import annotations

import io
import re
import shlex
import sys
from collections.abc import Callable
from contextlib import redirect_stderr
from dataclasses import replace
from pathlib import Path
from typing import Any

from logreg_tui.core.files.reading import NotReadable, read_regular_file
from logreg_tui.core.files.replay import RUN_OPTIONS
from logreg_tui.core.model.data import DataError
from logreg_tui.core.model.lesson import (
    CONDITIONS,
    DEFAULT_TIMEOUT,
    FIGURES,
    KINDS,
    Lesson,
    Question,
    Step,
    placeholders,
)
from logreg_tui.core.model.options import DATA_OPTIONS, Options, load_dataset, parse_options
from logreg_tui.core.words.formatting import printable
from logreg_tui.core.words.key_table import KEY_NAMES, KEYS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

BUILT_IN = Path(__file__).parent / "lessons"
STEP_KEYS = {"setup", "look", "question", "kind", "choices", "answer", "truth", "epochs", "until", "timeout",
             "reveal", "views", "locked"}
MAX_LESSON_BYTES = 1 << 20
MAX_STEPS = 100


SETUP_OPTIONS = {f"--{name.replace('_', '-')}" for name in RUN_OPTIONS if name != "function"}


def setup_options(words_: tuple[str, ...]) -> Options:
    """A step's setup as the options of its run (headless, so that the app's own options stay out)."""
    return parse_options([*words_, "--headless"])


def step_run_options(base: Options, setup: tuple[str, ...]) -> Options:
    """The app's options (`base`: speed, colours …) with a step's run in them: its data, settings and budget."""
    step = setup_options(setup)
    names = (*DATA_OPTIONS, "settings", "epochs", "x_column", "label_column", "positive")
    return replace(base, **{name: getattr(step, name) for name in names}, script=())


def setup_problem(words_: tuple[str, ...]) -> str:
    """Why a step's setup cannot start a run, in the options' own words; "" when it can."""
    named = [word.split("=", 1)[0] for word in words_ if word.startswith("--")]
    if other := [word for word in named if word not in SETUP_OPTIONS]:
        return f"{printable(other[0])} is not an option of a run's data or settings"
    said = io.StringIO()
    try:
        with redirect_stderr(said):
            options = setup_options(words_)
        load_dataset(options)
    except SystemExit:
        return said.getvalue().strip().split("error: ", 1)[-1]
    except DataError as error:
        return str(error)
    return ""


class LessonError(ValueError):
    """The lesson's mistakes, one line each (`lines`); str() is the first."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(lines[0])
        self.lines = lines


def built_in_names() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in BUILT_IN.glob("*.toml")))


def lesson_path(name: str) -> Path:
    """A built-in lesson's file by its name, or the file given."""
    return BUILT_IN / f"{name}.toml" if name in built_in_names() else Path(name)


def read_lesson(name: str, check_setup: Callable[[tuple[str, ...]], str] | None = None) -> Lesson:
    """The lesson `name` (a built-in one's name, or a .toml file); LessonError with every mistake found.
    `check_setup`: why a step's setup words cannot start a run ("" when they can: the options' own check)."""
    path = lesson_path(name)
    try:
        text = read_regular_file(str(path), MAX_LESSON_BYTES).decode("utf-8")
    except NotReadable as error:
        raise LessonError([f"{path}: {error}"]) from None
    except OSError as error:
        known = ", ".join(built_in_names())
        raise LessonError([f"{path}: {error.strerror or error} (built-in lessons: {known})"]) from None
    except UnicodeDecodeError:
        raise LessonError([f"{path}: not UTF-8 text"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LessonError([f"{path}: {printable(str(error))}"]) from None
    return _lesson(data, text, name if name in built_in_names() else str(path), check_setup)


def _lesson(data: dict[str, Any], text: str, source: str, check_setup: Callable[[tuple[str, ...]], str] | None
            ) -> Lesson:
    lines = _Lines(text)
    mistakes: list[str] = []
    for key in set(data) - {"title", "steps"}:
        mistakes.append(f"{source}:{lines.key(key)}: unknown key {printable(key)!r} (a lesson has title and steps)")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        mistakes.append(f"{source}:{lines.key('title')}: no title (title = \"…\")")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps or len(raw_steps) > MAX_STEPS:
        mistakes.append(f"{source}:1: no steps: each is a [[steps]] table (at most {MAX_STEPS})")
        raw_steps = []
    steps = []
    for k, raw in enumerate(raw_steps):
        step = _step(raw, k, lines, mistakes, check_setup, source)
        if step is not None:
            steps.append(step)
    if mistakes:
        raise LessonError(mistakes)
    return Lesson(printable(str(title)), tuple(steps), source)


class _Lines:
    """Where a key of the file is written: its line number, found in the text (tomllib gives values, not places)."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._steps = [n for n, line in enumerate(self._lines, 1) if re.match(r"\s*\[\[\s*steps\s*\]\]", line)]

    def step(self, k: int) -> int:
        return self._steps[k] if k < len(self._steps) else 1

    def key(self, key: str, k: int | None = None) -> int:
        """The line of `key =` (in step k's table when given, else before the first step)."""
        start = self.step(k) if k is not None else 0
        stop = self._steps[k + 1] - 1 if k is not None and k + 1 < len(self._steps) else len(self._lines)
        if k is None and self._steps:
            stop = self._steps[0] - 1
        pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
        return next((n for n in range(start + 1 if k is not None else 1, stop + 1)
                     if pattern.match(self._lines[n - 1])), start or 1)


def _step(raw: Any, k: int, lines: _Lines, mistakes: list[str], check_setup: Callable[[tuple[str, ...]], str] | None,
          source: str) -> Step | None:
    def said(key: str, what: str) -> None:
        mistakes.append(f"{source}:{lines.key(key, k)}: step {k + 1}: {what}")

    if not isinstance(raw, dict):
        mistakes.append(f"{source}:{lines.step(k)}: step {k + 1}: not a table")
        return None
    before = len(mistakes)
    for key in sorted(set(raw) - STEP_KEYS):
        said(key, f"unknown key {printable(key)!r} (a step has {', '.join(sorted(STEP_KEYS))})")
    setup = _words(raw.get("setup", ""), said)
    if check_setup is not None and (problem := check_setup(setup)):
        said("setup", f"setup: {problem}")
    texts = {key: raw.get(key, "") for key in ("look", "question", "reveal")}
    for key, value in texts.items():
        if not isinstance(value, str):
            said(key, f"{key} must be text")
            texts[key] = ""
        texts[key] = _paragraphs(texts[key])
        for name in placeholders(texts[key]):
            if name not in FIGURES:
                said(key, f"{{{printable(name)}}} is no figure: {', '.join(FIGURES)}")
    question = _question(raw, texts["question"], said)
    epochs, until, timeout = raw.get("epochs"), raw.get("until"), raw.get("timeout", DEFAULT_TIMEOUT)
    if until is not None and until not in CONDITIONS:
        said("until", f"until must be one of {', '.join(CONDITIONS)}, got {printable(str(until))!r}")
    if not _whole(timeout, 1, 10**7):
        said("timeout", "timeout must be a whole number of epochs, 1 … 10000000")
    if epochs is None and until is None:
        epochs = 0  # a step that only shows and asks
    elif epochs is None:
        epochs = timeout
    if not _whole(epochs, 0, 10**7):
        said("epochs", "epochs must be a whole number, 0 … 10000000")
    views, locked = _keys(raw.get("views", ()), "views", said), _keys(raw.get("locked", ()), "locked", said)
    if len(mistakes) > before:
        return None
    return Step(setup, texts["look"], question, int(epochs), until, texts["reveal"], lines.step(k), views, locked)


def _keys(value: Any, name: str, said: Callable[[str, str], None]) -> tuple[str, ...]:
    """Keys named as the key table names them (plus, k, B …) or as the help screen shows them (+, -, ?)."""
    words = value.split() if isinstance(value, str) else value
    if not (isinstance(words, (list, tuple)) and all(isinstance(word, str) for word in words)):
        said(name, f"{name} must be keys: \"k w\" or [\"plus\", \"B\"]")
        return ()
    by_shown = {shown: key for key, shown in KEY_NAMES.items()}
    keys = tuple(by_shown.get(word, word) for word in words)
    known = {row.key for row in KEYS}
    if unknown := [word for word, key in zip(words, keys, strict=True) if key not in known]:
        said(name, f"{printable(unknown[0])!r} is no key of the app (? shows them)")
        return ()
    return keys


def _paragraphs(text: str) -> str:
    """A text as the screen wraps it: a single line break (a long TOML string's) is a space, a blank line stays;
    control characters shown as symbols (a shared file's ESC never reaches a terminal)."""
    return "\n\n".join(printable(" ".join(part.split())) for part in re.split(r"\n\s*\n", text.strip()))


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _words(value: Any, said: Callable[[str, str], None]) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(word, str) for word in value):
        return tuple(value)
    if isinstance(value, str):
        try:
            return tuple(shlex.split(value))
        except ValueError as error:
            said("setup", f"setup: {error}")
            return ()
    said("setup", "setup must be the options as on the command line (\"--preset overlap --lr 0.5\")")
    return ()


def _question(raw: dict[str, Any], text: str, said: Callable[[str, str], None]) -> Question | None:
    kind = raw.get("kind", "choice" if "choices" in raw else "number")
    if not text:
        for key in ("kind", "choices", "answer", "truth"):
            if key in raw:
                said(key, f"{key} without a question")
        return None
    if kind not in KINDS:
        said("kind", f"kind must be one of {', '.join(KINDS)}, got {printable(str(kind))!r}")
        return None
    if kind == "choice":
        choices, answer = raw.get("choices"), raw.get("answer")
        if not (isinstance(choices, list) and 2 <= len(choices) <= 9 and all(isinstance(c, str) for c in choices)):
            said("choices", "a choice question needs choices = [\"…\", \"…\"] (2 … 9 of them)")
            return None
        if not _whole(answer, 1, len(choices)):
            said("answer" if "answer" in raw else "question",
                 f"a choice question needs its answer: the right choice's number, 1 … {len(choices)}")
            return None
        return Question(text, kind, tuple(_paragraphs(choice) for choice in choices), answer)
    truth = raw.get("truth")
    named = ("minimum", "end", *FIGURES) if kind == "position" else tuple(FIGURES)
    if isinstance(truth, str) and truth in named and truth not in ("answer", "truth", "score", "status"):
        return Question(text, kind, truth=truth)
    if isinstance(truth, (int, float)) and not isinstance(truth, bool):
        return Question(text, kind, truth=float(truth))
    said("truth" if "truth" in raw else "question",
         f"a {kind} question needs its truth: a number, or a figure the run measures "
         f"({'minimum, end, ' if kind == 'position' else ''}epochs_to_1pct, kappa, best_lr, x_star …)")
    return None
