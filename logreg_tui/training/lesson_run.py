"""A lesson's step run (core/model/lesson.py): its own run from its setup's options, trained for its epochs or until
its condition holds, then the figures its reveal quotes and the learner's answer scored against them. Used by the
headless walk (cli/lesson.py) and the app alike; no UI.
"""

from __future__ import annotations

from typing import Any

from logreg_tui.core.files.lesson_results import Outcome, holds, outcome_of
from logreg_tui.core.model.lesson import Step
from logreg_tui.core.model.options import Options, load_dataset, train_config
from logreg_tui.training.engine import start_engine

CHUNK = 25  # epochs between two looks at a step's condition


def run_step(step: Step, options: Options, answer: Any = None) -> Outcome:
    """The step's run to its end, and what it reveals; `options`: its setup parsed (cli/lesson.setup_options)."""
    dataset = load_dataset(options)
    engine = start_engine(dataset, train_config(options, dataset.d))
    snapshot = engine.run_epochs(0)
    held = step.until is None
    while snapshot.epoch < step.epochs and not held and snapshot.status != "diverged":
        snapshot = engine.run_epochs(min(CHUNK, step.epochs - snapshot.epoch))
        held = holds(step.until, snapshot)
    if step.until is None:
        snapshot = engine.run_epochs(step.epochs)
    return outcome_of(step, options, snapshot, answer, held or holds(step.until, snapshot))
