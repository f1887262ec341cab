"""The teacher's page of a class's lesson (--serve --lesson): per step, how the class answered (each choice's count,
the numbers typed) beside the run's truth once a tab has seen the reveal, so that the wrong answers can be talked
about before it. Plain HTML that reloads itself every few seconds; its own token, not the tabs'.
"""

from __future__ import annotations

import json
import statistics
from html import escape

from logreg_tui.core.files.class_answers import StepAnswers, class_answers
from logreg_tui.core.model.lesson import Lesson, Question, answer_words, words

RELOAD_SECONDS = 3
PAGE = """<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="{reload}">
<title>logreg-tui: {title}, the class</title><style>
body {{ font-family: monospace; margin: 2em; max-width: 60em }} td {{ padding: 0 1em 0 0 }}
.bar {{ color: #0a7 }} .truth {{ font-weight: bold }}</style></head><body>
<h1>{title}</h1><p>{tabs} tab(s) answering; this page reloads every {reload} s.</p>{steps}</body></html>"""


def teacher_page(lesson: Lesson, directory: str) -> str:
    answered = class_answers(directory)
    tabs = len({tab for step in answered.values() for tab in step.answers})
    parts = [_step(k, step.question, answered.get(k, StepAnswers()))
             for k, step in enumerate(lesson.steps, 1) if step.question is not None]
    return PAGE.format(reload=RELOAD_SECONDS, title=escape(lesson.title), tabs=tabs, steps="".join(parts))


def _step(k: int, question: Question, answers: StepAnswers) -> str:
    truth = (f'<p class="truth">the run: {escape(answer_words(question, answers.truth))} '
             f"({answers.revealed} tab(s) have seen the reveal)</p>" if answers.revealed else "<p>not revealed yet</p>")
    head = f"<h2>step {k}: {escape(question.text)}</h2><p>{len(answers.answers)} answer(s)</p>"
    return head + _spread(question, answers) + truth


def _spread(question: Question, answers: StepAnswers) -> str:
    counts = answers.counts()
    if question.kind == "choice":
        rows = "".join(f"<tr><td>{n}. {escape(choice)}</td><td class=\"bar\">{'█' * counts[json.dumps(n)]}</td>"
                       f"<td>{counts[json.dumps(n)]}</td></tr>" for n, choice in enumerate(question.choices, 1))
        return f"<table>{rows}</table>"
    values = sorted((answer for answer in answers.answers.values() if answer is not None), key=json.dumps)
    numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    middle = f"; median {words(statistics.median(numbers))}" if numbers else ""
    return f"<p>{escape(', '.join(words(v) for v in values)) or '—'}{middle}</p>"

