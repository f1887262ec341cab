"""A class's lesson (--serve --lesson): each tab's app appends its answers, locked before a step runs, and the
step's truth once it is revealed, to its own file in a folder only the server's user can read; the teacher page
reads them all (class_answers) and no tab ever sees another's. No torch, no UI.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_TAB_BYTES = 1 << 20  # one tab's file, read at most this far (a lesson writes a few hundred bytes)


class ClassReport:
    """One tab's side: its lines in `directory`/<pid>.jsonl, appended and flushed one by one."""

    def __init__(self, directory: str) -> None:
        self._path = Path(directory) / f"{os.getpid()}.jsonl"

    def answered(self, step: int, answer: Any) -> None:
        self._write({"step": step, "answer": answer})

    def revealed(self, step: int, truth: Any, score: float | None) -> None:
        self._write({"step": step, "truth": truth, "score": score})

    def _write(self, line: dict[str, Any]) -> None:
        with self._path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(line, allow_nan=False, default=str) + "\n")


@dataclass
class StepAnswers:
    """What the class answered at one step (each tab's last answer counts) and the truth once a run showed it."""

    answers: dict[str, Any] = field(default_factory=dict)  # tab → its answer
    truth: Any = None
    revealed: int = 0  # tabs that have seen the reveal

    def counts(self) -> Counter:
        return Counter(json.dumps(answer) for answer in self.answers.values())


def class_answers(directory: str) -> dict[int, StepAnswers]:
    """Every tab's answers so far, by step (1-based); a line that is not a tab's is skipped."""
    steps: dict[int, StepAnswers] = {}
    for path in sorted(Path(directory).glob("*.jsonl")):
        try:
            with path.open("rb") as file:
                text = file.read(MAX_TAB_BYTES).decode("utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            try:
                row = json.loads(line)
                step = int(row["step"])
            except (ValueError, KeyError, TypeError):
                continue
            answers = steps.setdefault(step, StepAnswers())
            if "answer" in row:
                answers.answers[path.stem] = row["answer"]
            if "truth" in row:
                answers.truth, answers.revealed = row["truth"], answers.revealed + 1
    return steps
