"""The valley's axes on the landscape: the Hessian's two eigen-directions through the minimum (the floor, along
λ_min, and the steep side, along λ_max), as light braille lines labelled by their eigenvalues.

The map's w and b scales differ, so on screen the two lines need not look perpendicular: they are, in (w, b).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from logreg_tui.core.maths.curvature import Curvature
from logreg_tui.core.maths.optimum import Optimum
from logreg_tui.views.map_grid import Frame, dot_cells, to_dots
from logreg_tui.views.surface import Window

Label = tuple[int, int, str]  # (screen column, screen row, text)


def axis_label(eigenvalue: float) -> str:
    return f"λ {eigenvalue:.2g}"


@lru_cache(maxsize=4)  # the same every frame until the minimum, the window or the size changes
def valley_axes(curvature: Curvature | None, optimum: Optimum | None, window: Window,
                frame: Frame) -> tuple[np.ndarray, tuple[Label, ...]]:
    """(braille bits per map cell of both lines, their labels); nothing without a minimum."""
    cells = np.zeros((frame.rows, frame.columns), dtype=np.uint8)
    if curvature is None or optimum is None or not optimum.exists or curvature.high <= 0:
        return cells, ()
    labels: list[Label] = []
    for direction, eigenvalue in ((curvature.floor, curvature.low), (curvature.steep, curvature.high)):
        x, y = _line_dots(optimum, direction, window, frame)
        cells |= dot_cells(x, y, frame)
        label = _label_at_end(x, y, axis_label(eigenvalue), frame, labels)
        if label is not None:
            labels.append(label)
    return cells, tuple(labels)


def _line_dots(optimum: Optimum, direction: tuple[float, ...], window: Window,
               frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """The line through the minimum along direction (in (w, b): one feature's), far enough both ways to cross the
    whole map, in dots."""
    span = math.hypot(window.w_high - window.w_low, window.b_high - window.b_low)
    centre = math.hypot(optimum.w - (window.w_low + window.w_high) / 2, optimum.b - (window.b_low + window.b_high) / 2)
    far = np.linspace(-2 * (span + centre), 2 * (span + centre), 8 * (frame.columns + frame.rows) + 1)
    return to_dots(optimum.w + far * direction[0], optimum.b + far * direction[1], window, frame)


def _label_at_end(x: np.ndarray, y: np.ndarray, text: str, frame: Frame, taken: list[Label]) -> Label | None:
    """The label inside the map where the line leaves it on the right (on top for an upright line), ending at that
    cell; a row further in when another label has that row there."""
    inside = np.flatnonzero((x >= 0) & (x < 2 * frame.columns) & (y >= 0) & (y < 4 * frame.rows))
    if not inside.size or len(text) > frame.columns:
        return None
    end = inside[np.lexsort((y[inside], -x[inside]))[0]]  # the rightmost dot, the highest of those
    column = min(max(frame.left + int(x[end] // 2) - len(text) + 1, frame.left), frame.left + frame.columns - len(text))
    row = 1 + int(y[end] // 4)
    for other_column, other_row, other in taken:
        if other_row == row and column < other_column + len(other) and other_column < column + len(text):
            row = row + 1 if row < frame.rows else row - 1
    return column, row, text
