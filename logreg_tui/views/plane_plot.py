"""The data plot of two features: the points in the (x₁, x₂) plane by class, over σ(w·x + b) as a shaded map, and
the boundary w·x + b = logit(t) as a line: how a linear model classifies a plane, live.

Drawn cell by cell on the landscape's grid (map_grid.Frame): the points are binned to the screen once per data
set and size (what a frame draws is O(screen) at any N), σ is evaluated at each half cell, the boundary is
braille. The map: the classes' colours toward σ's ends in truecolour and 256 colours, shades ` ░▒▓` in 16
colours (a ramp ` .:` in 16-colour ASCII), and without colour bands of σ dotted like contour lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np

from logreg_tui.core.maths.evaluation import logit
from logreg_tui.core.model.crosses import cross
from logreg_tui.core.model.data import Dataset
from logreg_tui.core.model.state import Snapshot
from logreg_tui.views.canvas import too_small
from logreg_tui.views.drawing import Drawing, PlotColors, Rows, blend, merged_runs, style_color, to_hex, whole
from logreg_tui.views.landscape import column_labels, first_fitting, row_labels
from logreg_tui.views.map_grid import Frame, bottom_rows, braille_cells, dot_cells, to_dots
from logreg_tui.views.surface import Window, round_range

BANDS = 10  # σ's bands: the map's colour steps, and the dotted bands without colour
TRAIN0, TRAIN1, HELD0, HELD1 = 1, 2, 4, 8  # a cell's points: bits
GLYPHS = {"class0": ("○", "o"), "class1": ("●", "+"), "both": ("◐", "%"), "held": ("×", "x")}  # (unicode, ASCII)
SHADES = " ░▒▓"  # 16 colours: how sure σ is, in the colour of the class it leans to
ASCII_RAMP = " .:"  # the same in ASCII (a Linux console): light marks, so that the points (o + %) stand out


@lru_cache(maxsize=2)
def plane_window(dataset: Dataset) -> Window:
    """Round limits around the points, a margin on each side (the same rounding as the landscape's window)."""
    X = dataset.plane_points
    low1, high1, step1 = round_range([float(X[:, 0].min()), float(X[:, 0].max())])
    low2, high2, step2 = round_range([float(X[:, 1].min()), float(X[:, 1].max())])
    return Window(low1, high1, low2, high2, step1, step2)


@lru_cache(maxsize=2)
def point_cells(dataset: Dataset, n_train: int, window: Window, frame: Frame) -> np.ndarray:
    """Per map cell (rows × columns), which points fall in it: TRAIN0 | TRAIN1 | HELD0 | HELD1 (once per data set,
    split, window and size)."""
    X = dataset.plane_points.astype(np.float64)
    column = ((X[:, 0] - window.w_low) / (window.w_high - window.w_low) * frame.columns).astype(np.int64)
    row = ((window.b_high - X[:, 1]) / (window.b_high - window.b_low) * frame.rows).astype(np.int64)
    inside = (column >= 0) & (column < frame.columns) & (row >= 0) & (row < frame.rows)
    held, positive = np.arange(X.shape[0]) >= n_train, dataset.y > 0.5
    bits = np.where(held, np.where(positive, HELD1, HELD0), np.where(positive, TRAIN1, TRAIN0)).astype(np.uint8)
    cells = np.zeros((frame.rows, frame.columns), dtype=np.uint8)
    np.bitwise_or.at(cells, (row[inside], column[inside]), bits[inside])
    return cells


def geometry(snapshot: Snapshot, width: int, height: int) -> tuple[Window, Frame]:
    window = plane_window(snapshot.dataset)
    labels = [label for _, label in row_labels(window, Frame(width, height, 1))]
    return window, Frame(width, height, max(map(len, labels), default=1))


def sigma_at(weights: tuple[float, ...], b: float, window: Window, frame: Frame,
             dataset: Dataset | None = None) -> np.ndarray:
    """σ(w·x + b) at the centre of each half cell: (2 × rows, columns); x crossed from (x₁, x₂) where the data's
    features are crosses."""
    x1 = window.w_low + (np.arange(frame.columns) + 0.5) / frame.columns * (window.w_high - window.w_low)
    x2 = window.b_high - (np.arange(2 * frame.rows) + 0.5) / (2 * frame.rows) * (window.b_high - window.b_low)
    z = grid_scores(weights, b, x1, x2, dataset)
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def grid_scores(weights: tuple[float, ...], b: float, x1: np.ndarray, x2: np.ndarray,
                dataset: Dataset | None = None) -> np.ndarray:
    """z = w·x + b on the grid x1 (across) × x2 (down): (len(x2), len(x1)); with crosses, of the crossed features
    (standardized as the data's columns are), so the map is σ of what trains."""
    if dataset is None or not dataset.crosses:
        return weights[0] * x1[None, :] + weights[1] * x2[:, None] + b
    grid = np.column_stack([np.tile(x1, len(x2)), np.repeat(x2, len(x1))])
    features = cross(grid, dataset.crosses)
    if dataset.scale is not None:
        mean, std = np.array(dataset.scale).T
        features = (features - mean) / std
    return (features @ np.array(weights) + b).reshape(len(x2), len(x1))


def boundary_cells(weights: tuple[float, ...], b: float, t: float, window: Window, frame: Frame,
                   dataset: Dataset | None = None) -> np.ndarray:
    """Braille bits of the boundary w·x + b = logit(t) across the map (none where w = 0): a line in (x₁, x₂), or
    with crosses the curve where z crosses logit(t) between two neighbouring dots."""
    if dataset is not None and dataset.crosses:
        return _curve_cells(weights, b, t, window, frame, dataset)
    w1, w2 = weights[0], weights[1]
    cut = logit(t) - b
    if not (w1 or w2) or not all(map(math.isfinite, (w1, w2, b))):
        return np.zeros((frame.rows, frame.columns), dtype=np.uint8)
    if abs(w2) >= abs(w1):  # one dot per dot column across, x₂ from x₁
        x1 = np.linspace(window.w_low, window.w_high, 4 * frame.columns)
        x2 = (cut - w1 * x1) / w2
    else:  # one dot per dot row, x₁ from x₂
        x2 = np.linspace(window.b_low, window.b_high, 8 * frame.rows)
        x1 = (cut - w2 * x2) / w1
    return dot_cells(*to_dots(x1, x2, window, frame), frame)


def _curve_cells(weights: tuple[float, ...], b: float, t: float, window: Window, frame: Frame,
                 dataset: Dataset) -> np.ndarray:
    """The dots (2 across, 4 down a cell) where z − logit(t) changes sign toward the next dot right or down."""
    x1 = window.w_low + (np.arange(2 * frame.columns) + 0.5) / (2 * frame.columns) * (window.w_high - window.w_low)
    x2 = window.b_high - (np.arange(4 * frame.rows) + 0.5) / (4 * frame.rows) * (window.b_high - window.b_low)
    side = grid_scores(weights, b, x1, x2, dataset) > logit(t)
    on = np.zeros_like(side)
    on[:, :-1] |= side[:, :-1] != side[:, 1:]
    on[:-1, :] |= side[:-1, :] != side[1:, :]
    dot_y, dot_x = np.nonzero(on)
    return braille_cells(dot_x, dot_y, frame)


def plane_view(snapshot: Snapshot, width: int, height: int, colors: PlotColors) -> tuple[object, str | Drawing]:
    """(key, a note or the Drawing) of two features' data with σ and the boundary at t."""
    note = too_small(width, height)
    if note is not None:
        return ("small", width, height), note
    weights, b, t = snapshot.weights, snapshot.b, snapshot.settings.threshold
    if not all(map(math.isfinite, (*weights, b))):
        return ("not finite", width, height), "no boundary: θ is not finite (the run diverged)"
    window, frame = geometry(snapshot, width, height)
    sigma = sigma_at(weights, b, window, frame, snapshot.dataset)
    bands = np.minimum((sigma * BANDS).astype(np.int64), BANDS - 1).astype(np.uint8)
    points = point_cells(snapshot.dataset, snapshot.n_train, window, frame)
    line = boundary_cells(weights, b, t, window, frame, snapshot.dataset)
    equation = boundary_equation(weights, b, snapshot.dataset.features, t)
    axes = ("x1", "x2") if snapshot.dataset.crosses else snapshot.dataset.features[:2]
    title = first_fitting(frame.columns + 2, f"data and σ(w·x + b); boundary {equation}", f"boundary {equation}",
                          f"data and σ(w·x + b), boundary at σ = {t:g}", f"σ(w·x + b), t {t:g}")
    legend = "  ".join([f"{GLYPHS['class1'][colors.ascii]} y=1", f"{GLYPHS['class0'][colors.ascii]} y=0"]
                       + ([f"{GLYPHS['held'][colors.ascii]} held out"] if snapshot.n_train < snapshot.n_points
                          else []) + ["⠒ boundary"])
    key = ("plane", id(snapshot.dataset), snapshot.n_train, width, height, colors, bands.tobytes(), line.tobytes(),
           t, title)
    return key, PlaneDrawing(colors=colors, bands=bands, points=points, line=line,
                             row_labels=row_labels(window, frame), column_labels=column_labels(window, frame),
                             label_width=frame.label_width, title=title, legend=legend, width=width, height=height,
                             across=axes[0], up=axes[1])


def boundary_equation(weights: tuple[float, ...], b: float, names: tuple[str, ...], t: float) -> str:
    """The boundary where σ = t, as an equation in the features: 1.12 x1 − 4.97 x2 + 0.689 = 0 (logit t on the
    right: 0 at t = ½)."""
    def number(value: float) -> str:
        return f"{value:.3g}".replace("-", "−")

    terms = [f"{number(weights[0])} {names[0]}"] + [f"{'−' if value < 0 else '+'} {number(abs(value))} {name}"
                                                    for value, name in zip(weights[1:], names[1:], strict=True)]
    return " ".join([*terms, f"{'−' if b < 0 else '+'} {number(abs(b))}", "=", number(logit(t))])


@dataclass(frozen=True, eq=False)
class PlaneDrawing(Drawing):
    """draw_plane's arguments: σ's band per half cell, each cell's points, the boundary's braille, the ticks."""

    plot: ClassVar[str] = "plane"
    bands: np.ndarray  # (2 × rows, columns) σ's band 0 … BANDS − 1
    points: np.ndarray  # (rows, columns) TRAIN0 | TRAIN1 | HELD0 | HELD1
    line: np.ndarray  # (rows, columns) braille bits
    row_labels: list[list[Any]]  # (row, label) of the x₂ ticks
    column_labels: list[list[Any]]  # (column, label) of the x₁ ticks
    label_width: int
    title: str
    legend: str
    width: int
    height: int
    across: str = "x1"  # the features' names
    up: str = "x2"

    def rows(self) -> Rows:
        return draw_plane(**self.args, colors=self.colors)


def draw_plane(bands: np.ndarray, points: np.ndarray, line: np.ndarray, row_labels: list[list[Any]],
               column_labels: list[list[Any]], label_width: int, title: str, legend: str, width: int, height: int,
               across: str = "x1", up: str = "x2", *, colors: PlotColors) -> Rows:
    frame = Frame(width, height, label_width)
    paint = _palette(colors) if not (colors.monochrome or colors.ansi) else []
    text, dim = style_color(colors.text), style_color(colors.dim)
    ticks_at = dict((row, label) for row, label in row_labels)
    rows: Rows = [[(f"{up[:label_width]:>{label_width}}  " + title.center(frame.columns)[: frame.columns], text)]]
    for map_row in range(frame.rows):
        label = ticks_at.get(1 + map_row)
        cells = [(f"{label or '':>{label_width}}", text), ("┤" if label else "│", dim)]
        for column in range(frame.columns):
            upper, lower = int(bands[2 * map_row, column]), int(bands[2 * map_row + 1, column])
            cells.append(_cell(colors, paint, upper, lower, int(points[map_row, column]), int(line[map_row, column]),
                               _band_edge(bands, map_row, column)))
        rows.append(merged_runs(cells))
    return (rows + bottom_rows(frame, column_labels, across, legend, text, dim))[:height]


def _palette(colors: PlotColors) -> list[str]:
    """A background per σ band: class 0's colour faintly at σ ≈ 0, the plot's background at ½, class 1's at 1."""
    background, class0, class1 = colors.background or (0, 0, 0), colors.class0, colors.class1
    assert isinstance(background, tuple) and isinstance(class0, tuple) and isinstance(class1, tuple)
    shades = []
    for band in range(BANDS):
        sure = abs((band + 0.5) / BANDS - 0.5) * 2  # 0 at σ = ½, 1 at the ends
        shades.append(to_hex(whole(blend(background, class1 if band >= BANDS // 2 else class0, 0.45 * sure))))
    return shades


def _band_edge(bands: np.ndarray, map_row: int, column: int) -> bool:
    """Whether σ crosses into another band inside this cell or toward its right neighbour."""
    upper, lower = bands[2 * map_row, column], bands[2 * map_row + 1, column]
    right = bands[2 * map_row, column + 1] if column + 1 < bands.shape[1] else upper
    return bool(upper != lower or upper != right)


def _cell(colors: PlotColors, paint: list[str], upper: int, lower: int, points: int, line: int,
          edge: bool) -> tuple[str, str]:
    """A point (by class; × where only held-out points are), else the boundary, else the map."""
    under = f" on {paint[upper]}" if paint and colors.ascii else (f" on {paint[lower]}" if paint else "")
    if points:
        ones, zeros = bool(points & (TRAIN1 | HELD1)), bool(points & (TRAIN0 | HELD0))
        held_only = not points & (TRAIN0 | TRAIN1)
        kind = "held" if held_only else "both" if ones and zeros else "class1" if ones else "class0"
        color = colors.class1 if ones and not zeros else colors.class0 if zeros and not ones else colors.text
        glyph = GLYPHS[kind][colors.ascii]
        return glyph, ("bold" if colors.monochrome else f"bold {style_color(color)}{under}")
    if line:
        glyph = "*" if colors.ascii else chr(0x2800 + line)
        return glyph, ("bold" if colors.monochrome else f"{style_color(colors.marker)}{under}")
    if paint:
        if colors.ascii:
            return " ", under.lstrip()
        return "▀", f"{paint[upper]} on {paint[lower]}"
    if colors.ansi:  # how sure σ is, in the colour of the class it leans to: shades, or an ASCII ramp
        sure = abs((upper + lower + 1) / (2 * BANDS) - 0.5) * 2
        color = colors.class1 if upper >= BANDS // 2 else colors.class0
        ramp = ASCII_RAMP if colors.ascii else SHADES
        return ramp[min(int(sure * len(ramp)), len(ramp) - 1)], style_color(color)
    dot = "." if colors.ascii else "·"
    return (dot, "" if colors.monochrome else style_color(colors.dim)) if edge else (" ", "")
