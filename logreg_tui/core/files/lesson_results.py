"""What a learner answered in a lesson, written at its end (and on quit) as a small JSON and a readable Markdown
summary: each question, the answer, the truth the run measured, the score and the seconds taken to answer."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from logreg_tui.core.files.export import run_summary
from logreg_tui.core.model.lesson import Lesson, Step, figures_of, filled, score, truth_of, words
from logreg_tui.core.model.options import Options
from logreg_tui.core.model.state import Snapshot


@dataclass(frozen=True)
class Outcome:
    """A step once its run ended: the answer beside what happened."""

    answer: Any  # None for a step without a question (or one the learner skipped)
    truth: Any
    score: float | None  # None: no question, no answer, or no truth the run could give
    figures: dict[str, Any]  # lesson.FIGURES' values at the step's end, with answer, truth and score
    held: bool  # the step's condition held (a step without one: True)
    reveal: str  # the step's reveal, its figures filled in, and why not where its condition never held
    snapshot: Snapshot


def holds(until: str | None, snapshot: Snapshot) -> bool:
    """Whether a step's condition holds in this snapshot (no condition: it does)."""
    if until == "converged":
        return snapshot.near_optimum_at is not None
    if until == "diverged":
        return snapshot.status == "diverged"
    return until is None


def outcome_of(step: Step, options: Options, snapshot: Snapshot, answer: Any, held: bool) -> Outcome:
    """The step's outcome from its run's last snapshot (`options`: the step's setup)."""
    figures = figures_of(run_summary(options, snapshot))
    truth = truth_of(step.question, figures) if step.question else None
    scored = score(step.question, answer, truth) if step.question and answer is not None else None
    figures |= {"answer": answer, "truth": truth, "score": scored}
    reveal = filled(step.reveal, figures)
    if not held:
        reveal = f"({step.until} did not happen within {step.epochs} epochs) {reveal}".strip()
    return Outcome(answer, truth, scored, figures, held, reveal, snapshot)


def results_stem(lesson: Lesson) -> str:
    """lesson-<the lesson's file name>: the results' names."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", lesson.source.rsplit("/", 1)[-1].removesuffix(".toml")).strip("-")
    return f"lesson-{name or 'lesson'}"


def results_files(lesson: Lesson, outcomes: Sequence[Outcome], seconds: Sequence[float | None] | None = None
                  ) -> list[tuple[str, str]]:
    """[(".json", text), (".md", text)] for the steps answered so far (`outcomes`, in order)."""
    seconds = seconds or [None] * len(outcomes)
    rows = [{"step": k, "question": step.question.text, "kind": step.question.kind, "answer": outcome.answer,
             "truth": outcome.truth, "score": outcome.score, "seconds": taken}
            for k, (step, outcome, taken) in enumerate(zip(lesson.steps, outcomes, seconds, strict=False), 1)
            if step.question is not None]
    scored = [row["score"] for row in rows if row["score"] is not None]
    total = sum(scored) / len(scored) if scored else None
    data = {"lesson": lesson.title, "source": lesson.source, "steps": len(lesson.steps), "done": len(outcomes),
            "answers": rows, "score": total}
    lines = [f"# {lesson.title}", "", f"{len(outcomes)} of {len(lesson.steps)} steps; score {words(total)}", "",
             "| step | question | answer | truth | score | seconds |", "|---|---|---|---|---|---|"]
    lines += [f"| {row['step']} | {_cell(row['question'])} | {words(row['answer'])} | {words(row['truth'])} | "
              f"{words(row['score'])} | {words(row['seconds'])} |" for row in rows]
    lines += ["", *(f"{k}. {_cell(outcome.reveal)}" for k, outcome in enumerate(outcomes, 1) if outcome.reveal)]
    text = json.dumps(data, indent=1, allow_nan=False, default=str) + "\n"
    return [(".json", text), (".md", "\n".join(lines) + "\n")]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
