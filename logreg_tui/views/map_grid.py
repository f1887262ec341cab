"""The landscape's grid: where its map sits in the plot, and lines on it in braille dots (2 × 4 a map cell)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from logreg_tui.views.surface import Window

BRAILLE_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint8)  # [row][col]


@dataclass(frozen=True)
class Frame:
    """Where the map sits in a plot `width` × `height` cells: rows 1 … rows, columns left … left + columns − 1.

    Above it the title; below it the w axis, its labels and the legend; left of it the b labels and axis.
    """

    width: int
    height: int
    label_width: int

    @property
    def left(self) -> int:
        return self.label_width + 1

    @property
    def columns(self) -> int:
        return max(self.width - self.left - 1, 1)

    @property
    def rows(self) -> int:
        return max(self.height - 4, 1)

    def point_at(self, window: Window, column: int, row: int) -> tuple[float, float] | None:
        """(w, b) at the centre of the map cell under screen cell (column, row), or None off the map."""
        col, map_row = column - self.left, row - 1
        if not (0 <= col < self.columns and 0 <= map_row < self.rows):
            return None
        return (window.w_low + (col + 0.5) / self.columns * (window.w_high - window.w_low),
                window.b_high - (map_row + 0.5) / self.rows * (window.b_high - window.b_low))

    def cell_size(self, window: Window) -> tuple[float, float]:
        """(w, b) across one map cell: what the move keys step by."""
        return (window.w_high - window.w_low) / self.columns, (window.b_high - window.b_low) / self.rows


def to_dots(w: np.ndarray, b: np.ndarray, window: Window, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) in braille dots of the map: 2 across and 4 down per cell."""
    x = (w - window.w_low) / (window.w_high - window.w_low) * 2 * frame.columns
    y = (window.b_high - b) / (window.b_high - window.b_low) * 4 * frame.rows
    return x, y


def dot_cells(x: np.ndarray, y: np.ndarray, frame: Frame) -> np.ndarray:
    """Braille bits per map cell (rows × columns) of the polyline through the dots (x, y), one dot apart."""
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size > 1:
        dx, dy = np.diff(x), np.diff(y)
        limit = 4 * (frame.columns + frame.rows)  # a jump far off the map needs no more dots than crossing it
        steps = np.clip(np.ceil(np.maximum(np.abs(dx), np.abs(dy))), 1, limit).astype(np.int64)
        segment = np.repeat(np.arange(steps.size), steps)
        t = (np.arange(segment.size) - np.repeat(np.cumsum(steps) - steps, steps)) / steps[segment]
        x = np.append(x[:-1][segment] + t * dx[segment], x[-1])
        y = np.append(y[:-1][segment] + t * dy[segment], y[-1])
    return braille_cells(np.floor(x).astype(np.int64), np.floor(y).astype(np.int64), frame)


def braille_cells(dot_x: np.ndarray, dot_y: np.ndarray, frame: Frame) -> np.ndarray:
    """Braille bits per map cell (rows × columns) of the dots (x, y) in dot units; dots off the map are left out."""
    cells = np.zeros((frame.rows, frame.columns), dtype=np.uint8)
    inside = (dot_x >= 0) & (dot_x < 2 * frame.columns) & (dot_y >= 0) & (dot_y < 4 * frame.rows)
    dot_x, dot_y = dot_x[inside], dot_y[inside]
    np.bitwise_or.at(cells, (dot_y // 4, dot_x // 2), BRAILLE_BITS[dot_y % 4, dot_x % 2])
    return cells


def bottom_rows(frame: Frame, column_labels: list[list[Any]], across: str, legend: str, text: str,
                dim: str) -> list[list[tuple[str, str]]]:
    """The rows under a map: its axis with a tick at each labelled column, the labels with the axis's name at the
    right end, and the legend (a landscape's and a two-feature data view's alike)."""
    axis, labels_row = ["─"] * frame.columns, [" "] * frame.width
    for column, label in column_labels:
        axis[column - frame.left] = "┬"
        start = column - len(label) // 2
        labels_row[start:start + len(label)] = label
    labels_row[frame.width - len(across):] = across
    return [[(" " * frame.label_width + "└" + "".join(axis), dim)], [("".join(labels_row).rstrip(), text)],
            [(legend, text)]]
