"""A lesson's step run (core/model/lesson.py): its own run from its setup's options, trained for its epochs or until
its condition holds, then the figures its reveal quotes and the learner's answer scored against them. Used by the
headless walk (cli/lesson.py) and the app alike; no UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from logreg_tui.core.files.export import run_summary
from logreg_tui.core.model.lesson import Step, figures_of, filled, score, truth_of
from logreg_tui.core.model.options import Options, load_dataset, train_config
from logreg_tui.core.model.state import Snapshot
from logreg_tui.training.engine import start_engine

CHUNK = 25  # epochs between two looks at a step's condition


@dataclass(frozen=True)
class Outcome:
    answer: Any  # None for a step without a question
    truth: Any
    score: float | None  # None: no question, or no truth the run could give
    figures: dict[str, Any]  # lesson.FIGURES' values at the step's end, with answer, truth and score
    held: bool  # the step's condition held (a step without one: True)
    reveal: str  # the step's reveal, its figures filled in, and why not where its condition never held
    snapshot: Snapshot


def run_step(step: Step, options: Options, answer: Any = None) -> Outcome:
    """The step's run to its end, and what it reveals; `options`: its setup parsed (cli/lesson.setup_options)."""
    dataset = load_dataset(options)
    engine = start_engine(dataset, train_config(options, dataset.d))
    snapshot = engine.run_epochs(0)
    held = step.until is None
    while snapshot.epoch < step.epochs and not held and snapshot.status != "diverged":
        snapshot = engine.run_epochs(min(CHUNK, step.epochs - snapshot.epoch))
        held = _holds(step.until, snapshot)
    if step.until is None:
        snapshot = engine.run_epochs(step.epochs)
    held = held or _holds(step.until, snapshot)
    figures = figures_of(run_summary(options, snapshot))
    truth = truth_of(step.question, figures) if step.question else None
    scored = score(step.question, answer, truth) if step.question and answer is not None else None
    figures |= {"answer": answer, "truth": truth, "score": scored}
    reveal = filled(step.reveal, figures)
    if not held:
        reveal = f"({step.until} did not happen within {step.epochs} epochs) {reveal}".strip()
    return Outcome(answer, truth, scored, figures, held, reveal, snapshot)


def _holds(until: str | None, snapshot: Snapshot) -> bool:
    if until == "converged":
        return snapshot.near_optimum_at is not None
    if until == "diverged":
        return snapshot.status == "diverged"
    return until is None
