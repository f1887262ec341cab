"""What a learner answered in a lesson, written at its end (and on quit) as a small JSON and a readable Markdown
summary: each question, the answer, the truth the run measured, the score and the seconds taken to answer."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Protocol

from logreg_tui.core.model.lesson import Lesson, words


class Answered(Protocol):
    """A step's outcome as the results need it (training/lesson_run.Outcome)."""

    @property
    def answer(self) -> Any: ...
    @property
    def truth(self) -> Any: ...
    @property
    def score(self) -> float | None: ...
    @property
    def reveal(self) -> str: ...


def results_stem(lesson: Lesson) -> str:
    """lesson-<the lesson's file name>: the results' names."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", lesson.source.rsplit("/", 1)[-1].removesuffix(".toml")).strip("-")
    return f"lesson-{name or 'lesson'}"


def results_files(lesson: Lesson, outcomes: Sequence[Answered], seconds: Sequence[float | None] | None = None
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
