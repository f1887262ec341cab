"""The evaluation view: the confusion matrix at the threshold t (counts and each true class's rates), precision,
recall, F1 and accuracy, for the training points and the held-out ones; beside it the ROC curve with its AUC and
the point of the current t.

Drawn cell by cell like the landscape (braille for the curves). Its cost does not grow with N: the points are
ranked once per data set (core/maths/evaluation.py), a confusion matrix is a binary search, and the ROC's staircase is
rasterized once per data set, direction of w and size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np

from logreg_tui.core.maths.evaluation import Confusion, Evaluation, Ranked, evaluations, scoring
from logreg_tui.core.model.state import Snapshot
from logreg_tui.views.canvas import too_small
from logreg_tui.views.drawing import Drawing, PlotColors, Rows, blend, merged_runs, style_color, whole
from logreg_tui.views.map_grid import Frame, dot_cells

LABEL_WIDTH = 2  # the ROC's y labels: 1, .5, 0
MIN_ROC_WIDTH = 18  # narrower than this the view shows the table alone


@dataclass(frozen=True)
class EvaluationSettings:
    pass  # nothing to toggle yet: the threshold is a setting of the run (settings.py)


def evaluation_view(snapshot: Snapshot, settings: EvaluationSettings, width: int, height: int,
                    colors: PlotColors) -> tuple[object, str | Drawing]:
    note = too_small(width, height)
    if note is not None:
        return ("small", width, height), note
    threshold = snapshot.settings.threshold
    train, held = evaluations(snapshot.dataset, snapshot.n_train, snapshot.weights, snapshot.b, threshold)
    if train is None:
        return ("none", width, height), "no evaluation: w, b are not finite (the run diverged)"
    table = table_lines(train, held, colors.ascii)
    roc_width, roc_height = roc_box(width, height, max(len(text) for text, _ in table) + 1, len(table))
    frame = Frame(roc_width, roc_height, LABEL_WIDTH)
    curves = np.zeros((2, frame.rows, frame.columns), dtype=np.uint8)
    marks: list[list[Any]] = []
    if roc_width:
        for curve, (start, stop) in enumerate(((0, snapshot.n_train), (snapshot.n_train, snapshot.n_points))):
            if curve == 0 or held is not None:
                scored = scoring(snapshot.dataset, start, stop, snapshot.weights, snapshot.b)
                curves[curve] = roc_cells(scored.ranked, int(np.sign(scored.w)), frame)
        marks = [[*_cell_of(train.confusion, frame), "train"]]
    title = _title(train, held, width, colors.ascii)
    legend = _legend(threshold, held is not None, roc_width, colors.ascii) if roc_width else ""
    chance = chance_cells(frame) if roc_width else np.zeros((frame.rows, frame.columns), dtype=np.uint8)
    key = ("evaluation", width, height, colors, title, tuple(table), curves.tobytes(), str(marks))
    return key, EvaluationDrawing(colors=colors, curves=curves, chance=chance, marks=marks,
                                  table=[list(line) for line in table], title=title, legend=legend,
                                  roc_width=roc_width, roc_height=roc_height, width=width, height=height)


def roc_box(width: int, height: int, table_width: int, table_rows: int) -> tuple[int, int]:
    """(width, height) of the ROC box, drawn square (a cell is about twice as tall as wide): above the table where
    the view is tall, beside it where it is wide, (0, height) where neither leaves MIN_ROC_WIDTH."""
    def square(columns: int, rows: int) -> tuple[int, int]:
        map_rows = min(rows - 4, (columns - LABEL_WIDTH - 2) // 2)
        return 2 * map_rows + LABEL_WIDTH + 2, map_rows + 4

    above = height - table_rows - 1  # rows left over the table, which then starts at the left edge
    if above >= 12 and width < 2.5 * height:
        box_width, box_height = square(width, above)
        return (box_width, box_height) if box_width >= MIN_ROC_WIDTH else (0, height)
    if width - table_width >= MIN_ROC_WIDTH:
        return square(width - table_width, height)[0], height
    return 0, height


def _rate(count: int, total: int) -> str:
    """A share of its row in whole percent, never rounded to 100 % or 0 % when it is not (1 miss in 500: >99%)."""
    if not total:
        return "–"
    if 0 < count < total and round(100 * count / total) in (0, 100):
        return "<1%" if count / total < 0.5 else ">99%"
    return f"{count / total:.0%}"


def _figure(value: float) -> str:
    """Precision, recall, F1, accuracy: one precision (3 decimals), never rounded to 1 or 0 when it is not."""
    if not math.isfinite(value):
        return "–"
    text = f"{value:.3f}"
    if text == "1.000" and value < 1:
        return ">0.999"
    if text == "0.000" and value > 0:
        return "<0.001"
    return text


def _auc(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value:.4f}"


def matrix_lines(matrix: Confusion, head: str, ascii: bool) -> list[tuple[str, str]]:
    """The confusion matrix as three lines: rows the true class, columns what the threshold calls it, each count
    with its share of its row (the true-positive, false-negative, false-positive and true-negative rates)."""
    counts = (matrix.tp, matrix.fn, matrix.fp, matrix.tn)
    digits = max(3, *(len(str(count)) for count in counts))
    said = ("p=1", "p=0") if ascii else ("ŷ=1", "ŷ=0")
    cell = digits + 5  # a count, a space, its rate (up to 100%)
    lines = [(f"{head:<5}" + " ".join(f"{word:>{cell}}" for word in said), "head")]
    for label, (hit, miss) in (("y=1", (matrix.tp, matrix.fn)), ("y=0", (matrix.fp, matrix.tn))):
        total = hit + miss
        lines.append((f"{label:<5}" + " ".join(f"{count:>{digits}} {_rate(count, total):>4}" for count in (hit, miss)),
                      "count"))
    return lines


def table_lines(train: Evaluation, held: Evaluation | None, ascii: bool) -> list[tuple[str, str]]:
    """(text, role) lines: the training points' matrix and figures, then the held-out ones'."""
    lines: list[tuple[str, str]] = []
    for evaluation, head in ((train, "train"), (held, "held")):
        if evaluation is None:
            continue
        matrix = evaluation.confusion
        lines += matrix_lines(matrix, head, ascii)
        lines += [(f"prec {_figure(matrix.precision):<6} rec {_figure(matrix.recall)}", "figure"),
                  (f"F1   {_figure(matrix.f1):<6} acc {_figure(matrix.accuracy)}", "figure")]
    return [(text.replace("–", "-") if ascii else text, role) for text, role in lines]


def _title(train: Evaluation, held: Evaluation | None, width: int, ascii: bool) -> str:
    auc = f"AUC {_auc(train.auc)}" + (f" (held {_auc(held.auc)})" if held is not None else "")
    t = f"t = {train.threshold:g}"
    for title in (f"evaluation at {t}   ROC {auc}", f"at {t}  {auc}", auc):
        if len(title) <= width:
            return title
    return ""


def _legend(threshold: float, held: bool, width: int, ascii: bool) -> str:
    glyphs = ("*", "o", ".", "+") if ascii else ("━", "●", "⠢", "┅")
    parts = [f"{glyphs[0]} ROC", f"{glyphs[1]} t {threshold:g}", f"{glyphs[2]} chance"]
    if held:
        parts.append(f"{glyphs[3]} held")
    while parts and len("  ".join(parts)) > width:
        parts.pop()
    return "  ".join(parts)


def _dots(fpr: np.ndarray, tpr: np.ndarray, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Rates 0 … 1 onto the ROC box's braille dots, 1 on the last dot (not past it)."""
    return fpr * (2 * frame.columns - 1), (1 - tpr) * (4 * frame.rows - 1)


@lru_cache(maxsize=8)  # a curve changes only with the data, the direction of w and the size
def roc_cells(ranked: Ranked, sign: int, frame: Frame) -> np.ndarray:
    """Braille bits per cell of the ROC staircase: its points thinned to one per dot first (it has one per
    distinct x, up to N), so drawing it costs the screen, not the data."""
    x, y = _dots(*ranked.roc(sign), frame)
    dot_x, dot_y = np.floor(x), np.floor(y)
    keep = np.ones(x.size, dtype=bool)
    keep[1:-1] = (dot_x[1:-1] != dot_x[:-2]) | (dot_y[1:-1] != dot_y[:-2]) | \
        (dot_x[1:-1] != dot_x[2:]) | (dot_y[1:-1] != dot_y[2:])  # a dot's first and last point: the corners
    return dot_cells(x[keep], y[keep], frame)


@lru_cache(maxsize=4)
def chance_cells(frame: Frame) -> np.ndarray:
    """The diagonal a classifier that guesses draws, every other dot."""
    steps = np.arange(0, 2 * frame.columns + 4 * frame.rows, 2)
    t = steps / max(steps[-1], 1)
    x, y = _dots(t, t, frame)
    cells = np.zeros((frame.rows, frame.columns), dtype=np.uint8)
    for k in range(t.size):
        cells |= dot_cells(x[k:k + 1], y[k:k + 1], frame)
    return cells


def _cell_of(matrix: Confusion, frame: Frame) -> tuple[int, int]:
    """(column, row) on screen of the point (FPR, TPR) of a threshold."""
    x, y = _dots(np.array([matrix.false_positive_rate]), np.array([matrix.recall]), frame)
    x, y = np.nan_to_num(x), np.nan_to_num(y)
    return frame.left + int(x[0] // 2), 1 + int(y[0] // 4)


@dataclass(frozen=True, eq=False)
class EvaluationDrawing(Drawing):
    """draw_evaluation's arguments: the ROC curves' braille (training, held-out), the chance line, the threshold's
    point, the table's lines (text, role), the title and legend, the ROC box's width (0: none) and the size."""

    plot: ClassVar[str] = "evaluation"
    curves: np.ndarray  # (2, rows, columns) braille bits: training points, held-out points
    chance: np.ndarray
    marks: list[list[Any]]  # [column, row, kind]
    table: list[list[str]]  # [text, role]
    title: str
    legend: str
    roc_width: int  # 0: the table alone
    roc_height: int  # the view's height with the table beside the box; less: the table goes under it
    width: int
    height: int

    def rows(self) -> Rows:
        return draw_evaluation(**self.args, colors=self.colors)


def draw_evaluation(curves: np.ndarray, chance: np.ndarray, marks: list[list[Any]], table: list[list[str]],
                    title: str, legend: str, roc_width: int, roc_height: int, width: int, height: int,
                    colors: PlotColors) -> Rows:
    frame = Frame(roc_width, roc_height, LABEL_WIDTH)
    text, dim = style_color(colors.text), style_color(colors.dim)
    styles = _styles(colors)
    box = [_roc_row(curves, chance, marks, frame, row, styles) if roc_width else [] for row in range(1, roc_height)]
    if roc_width:  # the FPR axis and its labels, then the legend, under the box
        box[frame.rows] = [(" " * LABEL_WIDTH + "└" + "─" * (frame.columns + 1), dim)]  # to the box's edge
        box[frame.rows + 1] = [(" " * (LABEL_WIDTH + 1) + "0" + "FPR".center(frame.columns - 2) + "1", text)]
        box[frame.rows + 2] = [(legend, text)]
    role_styles = {"head": dim, "count": text, "figure": text}
    lines = [[(line, role_styles.get(role, text))] for line, role in table]
    rows: Rows = [[(title.center(width)[:width], text)]]
    if roc_height < height:  # the table under the box
        return (rows + box + [[]] + lines)[:height]
    for index, runs in enumerate(box):
        pad = [(" " * (roc_width + 1 - sum(len(run) for run, _ in runs)), "")] if index < len(lines) else []
        rows.append(runs + pad + (lines[index] if index < len(lines) else []))
    return rows[:height]


def _styles(colors: PlotColors) -> dict[str, tuple[str, str]]:
    """(glyph without braille, style) of each thing in the box; without colours they differ by shape."""
    held = colors.class0
    if isinstance(held, tuple) and isinstance(colors.text, tuple):
        held = whole(blend(held, colors.text, 0.2))
    ascii = colors.ascii
    shapes = {"held": "+" if ascii or colors.monochrome else "", "chance": "." if ascii else "",
              "point": "o" if ascii else "●"}
    if colors.monochrome:
        return {"train": ("", "bold"), "held": (shapes["held"], ""), "chance": (shapes["chance"], "dim"),
                "point": (shapes["point"], "bold")}
    return {"train": ("", style_color(colors.curve)), "held": (shapes["held"], style_color(held)),
            "chance": (shapes["chance"], style_color(colors.dim)),
            "point": (shapes["point"], f"bold {style_color(colors.marker)}")}


def _y_label(map_row: int, rows: int) -> str:
    """1 on the top row, 0 on the bottom one, and .5 on the middle row only where one holds 0.5 at its centre (an
    odd number of rows): with an even number 0.5 is the edge between two rows, and either label is half a row off."""
    labels = {0: "1", rows - 1: "0"}
    if rows % 2:
        labels[rows // 2] = ".5"
    return labels.get(map_row, "")


def _roc_row(curves: np.ndarray, chance: np.ndarray, marks: list[list[Any]], frame: Frame, screen_row: int,
             styles: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """One screen row of the ROC box: its y label and axis, then each cell (the point, the training curve, the
    held-out one, the chance line, or blank, in that order of precedence)."""
    map_row = screen_row - 1
    if not 0 <= map_row < frame.rows:
        return []
    label = _y_label(map_row, frame.rows)
    runs = [(f"{label:>{LABEL_WIDTH}}", ""), ("┤" if label else "│", styles["chance"][1])]
    points = {(column, row) for column, row, _ in marks}
    for column in range(frame.columns):
        train, held, diagonal = (int(curves[0, map_row, column]), int(curves[1, map_row, column]),
                                 int(chance[map_row, column]))
        if (frame.left + column, screen_row) in points:
            runs.append(styles["point"])
        elif train:
            runs.append((chr(0x2800 + train), styles["train"][1]))
        elif held:
            glyph, style = styles["held"]
            runs.append((glyph or chr(0x2800 + held), style))
        elif diagonal:
            glyph, style = styles["chance"]
            runs.append((glyph or chr(0x2800 + diagonal), style))
        else:
            runs.append((" ", ""))
    return merged_runs(runs)
