"""A lesson that asks before it shows (issue 43): steps that each set up a run, ask a question, run, and reveal the
prediction beside what happened, with an explanation that quotes the run's own figures. Data and scoring only: the
file format is core/files/lesson_file.py's, the running training/lesson_run.py's. No torch, no UI.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from typing import Any

from logreg_tui.core.words.formatting import format_number

KINDS = ("choice", "number", "position")
CONDITIONS = ("converged", "diverged")  # what `until` may wait for, besides the step's epochs running out
DEFAULT_TIMEOUT = 20_000  # epochs a step waits for its condition, at most

# the figures a reveal may quote, from the run's export summary (core/files/export.run_summary) at the step's end
FIGURES: dict[str, str] = {
    "epoch": "the epochs the step's run trained",
    "status": "done, diverged …",
    "loss": "the training loss at the end",
    "accuracy": "the training accuracy at the end",
    "val_loss": "the held-out loss at the end (a split)",
    "auc": "ROC AUC on the training points",
    "lr": "the lr at the end",
    "w": "w at the end (the first weight)",
    "b": "b at the end",
    "x_star": "the boundary −b/w (one feature)",
    "min_loss": "the minimum's loss",
    "min_w": "the minimum's w (the first weight)",
    "min_b": "the minimum's b",
    "kappa": "κ of the Hessian at the minimum",
    "best_lr": "the fastest lr for plain gradient descent, from the curvature at the minimum",
    "max_stable_lr": "the largest lr that does not diverge near the minimum",
    "epochs_to_1pct": "the first epoch within 1 % of the minimum's loss",
    "answer": "the learner's answer",
    "truth": "the right answer",
    "score": "the answer's score, 0 … 1",
}


@dataclass(frozen=True)
class Question:
    text: str
    kind: str  # KINDS
    choices: tuple[str, ...] = ()  # choice: the options, right one at `answer` (1-based)
    answer: int | None = None  # choice: which is right
    truth: str | float | None = None  # number / position: a FIGURES name (measured by the run) or a fixed number


@dataclass(frozen=True)
class Step:
    setup: tuple[str, ...]  # the options of the step's run, as on the command line ("--preset overlap --lr 0.5")
    look: str  # what to look at, before the question
    question: Question | None
    epochs: int  # how many epochs the step's run trains at most
    until: str | None  # CONDITIONS: stop when it holds (before `epochs` run out: then the reveal says it did not)
    reveal: str  # said after the run, with {figures}
    line: int  # where the step starts in its file
    views: tuple[str, ...] = ()  # keys pressed as the step begins (the key table's names: k, w, m …)
    locked: tuple[str, ...] = ()  # keys that do nothing during the step (plus, B …: what would give it away)


@dataclass(frozen=True)
class Lesson:
    title: str
    steps: tuple[Step, ...]
    source: str  # the file, or the built-in lesson's name


def figures_of(summary: dict[str, Any]) -> dict[str, Any]:
    """FIGURES' values (None where the run has none: no minimum, no split, never within 1 %) from a run summary."""
    def first(value: Any) -> Any:
        return value[0] if isinstance(value, list) else value

    optimum = summary.get("optimum") or {}
    curvature = summary.get("curvature") or {}
    w, b = first(summary.get("w")), summary.get("b")
    one = not isinstance(summary.get("w"), list)  # one feature: a boundary x* = −b/w
    return {
        "epoch": summary.get("epochs"), "status": summary.get("status"), "loss": summary.get("loss"),
        "accuracy": summary.get("accuracy"), "val_loss": summary.get("val_loss"), "auc": summary.get("auc"),
        "lr": summary.get("lr"), "w": w, "b": b,
        "x_star": -b / w if one and isinstance(w, float) and isinstance(b, float) and w else None,
        "min_loss": optimum.get("loss"), "min_w": first(optimum.get("w")), "min_b": optimum.get("b"),
        "kappa": (curvature.get("at_minimum") or {}).get("condition"), "best_lr": curvature.get("best_lr"),
        "max_stable_lr": curvature.get("max_stable_lr"), "epochs_to_1pct": summary.get("epochs_to_1pct_of_optimum"),
    }


def placeholders(text: str) -> list[str]:
    """The {names} a text quotes."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def words(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(words(v) for v in value) + ")"
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return str(value)
    return format_number(float(value))


def answer_words(question: Question, value: Any) -> str:
    """An answer (or a truth) as a person reads it: a choice with its words (2. it diverges), else its value."""
    if question.kind == "choice" and isinstance(value, int) and 1 <= value <= len(question.choices):
        return f"{value}. {question.choices[value - 1]}"
    return words(value)


def filled(text: str, values: dict[str, Any]) -> str:
    """text with each {name} as its value in words ({{ and }} for braces); a score as 0.00 … 1.00."""
    return text.format_map({name: score_words(values.get(name)) if name == "score" else words(values.get(name))
                            for name in placeholders(text)})


def score_words(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def truth_of(question: Question, figures: dict[str, Any]) -> Any:
    """The right answer: a choice's number, or the figure (or number) a number or position question names."""
    if question.kind == "choice":
        return question.answer
    if isinstance(question.truth, str):
        if question.kind == "position" and question.truth in ("minimum", "end"):
            key = "min_" if question.truth == "minimum" else ""
            return (figures.get(f"{key}w"), figures.get(f"{key}b"))
        return figures.get(question.truth)
    return question.truth


def score(question: Question, answer: Any, truth: Any) -> float | None:
    """0 … 1: a choice right or wrong; a number by ratio (min/max of the two, same sign); a position by distance
    (1 on the point, falling to 0 at a distance of half the truth's size plus one). None where the run gave no
    truth to compare with (a figure the run does not have)."""
    if truth is None or (isinstance(truth, tuple) and None in truth):
        return None
    if question.kind == "choice":
        return 1.0 if answer == truth else 0.0
    if question.kind == "number":
        a, t = float(answer), float(truth)
        if a == t:
            return 1.0
        return min(abs(a), abs(t)) / max(abs(a), abs(t)) if a * t > 0 else 0.0
    here, there = _point(answer), _point(truth)
    distance, size = math.dist(here, there), math.hypot(*there)
    return max(0.0, 1.0 - distance / (0.5 * size + 1.0))


def _point(value: Any) -> tuple[float, ...]:
    """A position as coordinates: (w, b) on the landscape, or one number (x* on the data plot)."""
    return tuple(float(v) for v in value) if isinstance(value, (list, tuple)) else (float(value),)
