"""The loss landscape: L(w, b) as a colour map with contours, and over it the optimizer's path, the start, the
current point and the minimum (or, for separable data, the way the loss keeps falling).

Drawn without plotext, cell by cell, so that the map, its ticks and a click's (w, b) agree to the cell:
each map cell is a half block holding two values (upper and lower), the path is braille (2 × 4 dots
a cell). The map is computed once per data set, window and size (surface.py); a frame rasterizes the
path only, so while training only the path's cells change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np

from logreg_tui.core.maths.optimum import Optimum
from logreg_tui.core.maths.plane import WB_PLANE, Plane, landscape_plane, landscape_planes
from logreg_tui.core.model.history import PathView
from logreg_tui.core.model.settings import Settings, objective_of
from logreg_tui.core.model.state import Snapshot
from logreg_tui.views.axes import multiples, tick_labels
from logreg_tui.views.canvas import too_small
from logreg_tui.views.drawing import (
    Drawing,
    PlotColors,
    Rows,
    Shade,
    blend,
    merged_runs,
    style_color,
    to_hex,
    whole,
)
from logreg_tui.views.ghosts import ghost_color, ghost_marker
from logreg_tui.views.map_grid import Frame, bottom_rows, dot_cells, to_dots
from logreg_tui.views.surface import (
    LossSurface,
    PlaneSurface,
    Window,
    landscape_window,
    loss_surface,
    plane_surface,
)
from logreg_tui.views.valley_axes import Label, valley_axes

LEVELS = 24  # colour steps of the map, log-spaced in the loss
CONTOUR = LEVELS  # added to a half cell's level where a contour line passes: drawn a shade lighter
CONTOUR_SERIES = ((1, 2, 5), (1, 3), (1,))  # contour losses m·10^k: the finest series with at most MAX_CONTOURS
MAX_CONTOURS = 5
MARKERS = {"start": "○", "optimum": "✕", "now": "●"}  # glyphs of one cell in every terminal font we tried


@dataclass(frozen=True)
class LandscapeSettings:
    ghosts: bool = True  # earlier runs' paths on the same data, faded (the g key)
    plane: int = 0  # with more than one feature: which of plane.landscape_planes (the v key)
    hide_minimum: bool = False  # no ✕, no valley axes through it: while a lesson asks where the minimum is


def ghosts_on_map(snapshot: Snapshot, settings: LandscapeSettings) -> list[tuple[int, Snapshot]]:
    """(index, ghost) of the ghosts shown: those on this data and split (another's landscape is another map)."""
    if not settings.ghosts:
        return []
    return [(k, ghost) for k, ghost in enumerate(snapshot.ghosts)
            if ghost.dataset.same_data(snapshot.dataset) and ghost.n_train == snapshot.n_train]


def plane_of(snapshot: Snapshot, settings: LandscapeSettings | None = None) -> Plane:
    """The plane this snapshot's landscape shows (core/maths/plane.landscape_plane): (w, b) with one feature; with
    more the one the v key chose."""
    return landscape_plane(snapshot.dataset.d, snapshot.optimum, snapshot.curvature_at_minimum,
                           settings.plane if settings else 0)


def geometry(snapshot: Snapshot, settings: LandscapeSettings, width: int, height: int) -> tuple[Window, Frame]:
    """The window and the frame of a landscape of this snapshot, drawn width × height."""
    others = tuple(ghost.path for _, ghost in ghosts_on_map(snapshot, settings))
    plane = plane_of(snapshot, settings)
    alpha, beta = plane.project(np.array(snapshot.theta))
    window = landscape_window(snapshot.path, snapshot.optimum, float(alpha), float(beta), others, plane)
    labels = tick_labels(multiples(window.b_low, window.b_high, window.b_step), window.b_step)
    return window, Frame(width, height, max(map(len, labels)) if labels else 1)


def landscape_view(snapshot: Snapshot, settings: LandscapeSettings, width: int, height: int,
                   colors: PlotColors) -> tuple[object, str | Drawing]:
    note = too_small(width, height)
    if note is not None:
        return ("small", width, height), note
    if snapshot.optimum is None:  # before the engine exists: no minimum to place the window around yet
        return ("computing", width, height), "computing the landscape…"
    window, frame = geometry(snapshot, settings, width, height)
    plane = plane_of(snapshot, settings)
    surface: LossSurface | PlaneSurface = (loss_surface(snapshot.dataset, snapshot.n_train) if plane == WB_PLANE
                                           else plane_surface(snapshot.dataset, snapshot.n_train, plane))
    optimum = snapshot.optimum
    lowest = optimum.loss if optimum and optimum.exists else math.inf
    codes, contours = map_codes(surface, window, frame.columns, frame.rows, lowest, objective_of(snapshot.settings))
    path = path_cells(snapshot.path, snapshot.theta, window, frame, plane)
    ghosts = ghosts_on_map(snapshot, settings)
    ghost_paths = np.array([_ghost_cells(ghost.path, ghost.theta, window, frame, plane) for _, ghost in ghosts],
                           dtype=np.uint8).reshape(len(ghosts), frame.rows, frame.columns)
    ray = _ray_cells(optimum, snapshot.theta, window, frame, plane)
    markers = [marker for marker in _markers(snapshot, window, frame, plane)
               if not (settings.hide_minimum and marker[2] == "optimum")]
    if plane == WB_PLANE and not settings.hide_minimum:  # the valley's eigen-directions in (w, b): axes on theirs
        axes, axis_labels = valley_axes(snapshot.curvature_at_minimum, optimum, window, frame)
    else:
        axes, axis_labels = np.zeros((frame.rows, frame.columns), dtype=np.uint8), ()
    axis_labels = clear_of(axis_labels, path, ray, markers, frame)
    # the title has the row beside the v axis's name: what is left of the width after the labels' column
    title = _title(optimum, width - frame.label_width, snapshot.settings, plane)
    legend = _legend(None if settings.hide_minimum else optimum, contours, width, plane)
    # the map's codes follow from the data set, its split, the window and the size: no need to compare them
    key = ("landscape", id(snapshot.dataset), snapshot.n_train, objective_of(snapshot.settings), width, height,
           window, colors,
           path.tobytes(), ray.tobytes(), axis_labels, tuple(markers), title, legend, tuple(k for k, _ in ghosts),
           tuple(ghost.path for _, ghost in ghosts))
    return key, LandscapeDrawing(colors=colors, codes=codes, path=path, ray=ray, axes=axes,
                                 axis_labels=list(axis_labels), markers=markers,
                                 ghost_paths=ghost_paths, ghost_indexes=[k for k, _ in ghosts],
                                 b_labels=row_labels(window, frame), w_labels=column_labels(window, frame),
                                 label_width=frame.label_width, title=title, legend=legend, width=width,
                                 height=height, across=plane.u_name, up=plane.v_name)


def row_labels(window: Window, frame: Frame) -> list[list]:
    """[row, label] of the b ticks on the map's rows, each on the row that holds its value, two rows apart at least."""
    ticks = multiples(window.b_low, window.b_high, window.b_step)
    labels, last_row = [], -2
    for tick, label in zip(reversed(ticks), reversed(tick_labels(ticks, window.b_step)), strict=True):
        row = min(int((window.b_high - tick) / (window.b_high - window.b_low) * frame.rows), frame.rows - 1)
        if row - last_row >= 2:
            labels.append([1 + row, label])
            last_row = row
    return labels


def column_labels(window: Window, frame: Frame) -> list[list]:
    """[column, label] of the w ticks, each centred on the column that holds its value, never touching."""
    ticks = multiples(window.w_low, window.w_high, window.w_step)
    labels, free_from = [], 0
    for tick, label in zip(ticks, tick_labels(ticks, window.w_step), strict=True):
        column = frame.left + min(int((tick - window.w_low) / (window.w_high - window.w_low) * frame.columns),
                                  frame.columns - 1)
        start = column - len(label) // 2
        if start >= free_from and start + len(label) <= frame.width - 2:
            labels.append([column, label])
            free_from = start + len(label) + 1
    return labels


@lru_cache(maxsize=8)
def map_codes(surface: LossSurface | PlaneSurface, window: Window, columns: int, rows: int, optimum_loss: float,
              objective: tuple[tuple[str, Any], ...] = ()) -> tuple[np.ndarray, tuple[float, ...]]:
    """(a code per half cell, rows × 2 by columns: its colour level 0 … LEVELS − 1, plus CONTOUR on a contour
    line; the contour losses).

    The levels are log-spaced from the lowest loss (the minimum's, when it is on the map) to the highest.
    """
    w = window.w_low + (np.arange(columns) + 0.5) / columns * (window.w_high - window.w_low)
    b = window.b_high - (np.arange(2 * rows) + 0.5) / (2 * rows) * (window.b_high - window.b_low)
    grid_w, grid_b = np.meshgrid(w, b)
    losses = np.maximum(surface.loss(grid_w, grid_b, **dict(objective)), 1e-300)
    low, high = math.log(min(float(losses.min()), optimum_loss)), math.log(float(losses.max()))
    scaled = (np.log(losses) - low) / ((high - low) or 1.0) * LEVELS
    codes = np.clip(scaled.astype(np.int64), 0, LEVELS - 1).astype(np.uint8)
    contours = _contour_losses(math.exp(low), math.exp(high))
    band = np.searchsorted(np.array(contours), losses)
    edge = np.zeros(losses.shape, dtype=bool)
    edge[:, :-1] |= band[:, :-1] != band[:, 1:]
    edge[:-1, :] |= band[:-1, :] != band[1:, :]
    codes[edge] += CONTOUR
    return codes, contours


def _contour_losses(low: float, high: float) -> tuple[float, ...]:
    """Round losses strictly between low and high: the finest of CONTOUR_SERIES with at most MAX_CONTOURS."""
    if not (0 < low < high and math.isfinite(high)):
        return ()
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    for series in CONTOUR_SERIES:
        levels = [float(f"{m * 10.0**k:.12g}") for k in decades for m in series if low < m * 10.0**k < high]
        if len(levels) <= MAX_CONTOURS:
            return tuple(levels)
    return tuple(levels[:: -(-len(levels) // MAX_CONTOURS)])


def path_cells(path: PathView, theta: tuple[float, ...], window: Window, frame: Frame,
               plane: Plane = WB_PLANE) -> np.ndarray:
    """Braille bits per map cell of the path on the plane: every segment, the last one up to the current θ."""
    cells = np.zeros((frame.rows, frame.columns), dtype=np.uint8)
    segments = path.segments
    now = plane.project(np.array(theta))
    for index, segment in enumerate(segments):
        seg_w, seg_b = plane.project(path.theta[segment])
        if index == len(segments) - 1:
            seg_w, seg_b = np.append(seg_w, now[0]), np.append(seg_b, now[1])
        cells |= dot_cells(*to_dots(seg_w, seg_b, window, frame), frame)
    return cells


@lru_cache(maxsize=16)
def _ghost_cells(path: PathView, theta: tuple[float, ...], window: Window, frame: Frame, plane: Plane) -> np.ndarray:
    """A ghost's path_cells, once per window and size: a ghost never changes."""
    return path_cells(path, theta, window, frame, plane)


def _ray_cells(optimum: Optimum | None, theta: tuple[float, ...], window: Window, frame: Frame,
               plane: Plane) -> np.ndarray:
    """Separable data: braille bits of the ray from θ the way the loss keeps falling, to the map's edge."""
    w, b = (float(value) for value in plane.project(np.array(theta)))
    if optimum is None or optimum.exists or not (math.isfinite(w) and math.isfinite(b)):
        return np.zeros((frame.rows, frame.columns), dtype=np.uint8)
    span = math.hypot(window.w_high - window.w_low, window.b_high - window.b_low)
    far = np.linspace(0.0, span * 2, 2)
    # separable data has a direction (optimum.exists is False): its part along the plane
    direction = plane.direction(optimum.direction or (0.0,) * len(theta))
    ray_w, ray_b = w + far * direction[0], b + far * direction[1]
    return dot_cells(*to_dots(ray_w, ray_b, window, frame), frame)


def _markers(snapshot: Snapshot, window: Window, frame: Frame, plane: Plane) -> list[tuple[int, int, str]]:
    """(column, row, kind) of the start, the minimum and the current point, where they are on the map; in this
    order, so that where two share a cell the later is drawn (the current point on top)."""
    thetas = [("start", snapshot.path.theta[0])]
    if snapshot.optimum and snapshot.optimum.exists:
        thetas.append(("optimum", np.array(snapshot.optimum.theta)))
    thetas.append(("now", np.array(snapshot.theta)))
    points = [(kind, *plane.project(theta)) for kind, theta in thetas]
    markers = []
    for kind, w, b in points:
        x, y = to_dots(np.array([w]), np.array([b]), window, frame)
        if np.isfinite(x[0]) and np.isfinite(y[0]) and 0 <= x[0] < 2 * frame.columns and 0 <= y[0] < 4 * frame.rows:
            markers.append((frame.left + int(x[0] // 2), 1 + int(y[0] // 4), kind))
    return markers


def _title(optimum: Optimum | None, width: int, settings: Settings, plane: Plane = WB_PLANE) -> str:
    if plane != WB_PLANE:  # which plane of θ-space this is
        if plane.u_name == "u":
            return first_fitting(width, "objective through θ* along u (flattest) and v (steepest)",
                                 "through θ*: u flattest, v steepest", "θ* + u, v", "slice")
        if plane.u_name == "s":
            return first_fitting(width, "no minimum: objective along s (it falls for ever) and v",
                                 "no minimum: along s and v", "0 + s, v", "slice")
        through = "θ*" if optimum is not None and optimum.exists else "0"
        where = f"({plane.u_name}, {plane.v_name})"
        return first_fitting(width, f"objective on {where}, the rest at {through}", f"{where} at {through}",
                             where, "slice")
    if optimum is not None and not optimum.exists:
        words = optimum.reason.split(":")[0]
        return first_fitting(width, f"loss landscape  no minimum: {words}", "no minimum: " + words, "no minimum")
    if settings.penalized:  # the map is of what training minimises
        terms = " + ".join(term for term, on in (("(λ₂/2)w²", settings.l2), ("λ₁|w|", settings.l1)) if on)
        return first_fitting(width, f"objective L(w, b) + {terms}", "objective: loss + penalty", "objective")
    return first_fitting(width, "loss landscape L(w, b)", "loss landscape", "landscape")


def _legend(optimum: Optimum | None, contours: tuple[float, ...], width: int, plane: Plane = WB_PLANE) -> str:
    parts = [f"{MARKERS['start']} start", f"{MARKERS['now']} {'w, b' if plane == WB_PLANE else 'θ'}"]
    if optimum is not None and optimum.exists:
        parts.append(f"{MARKERS['optimum']} min {optimum.loss:.5g}")
    elif optimum is not None:
        parts.append("⠒ loss falls")
    if contours:
        parts.append("contours " + " ".join(f"{level:g}" for level in contours))
    while parts and len("  ".join(parts)) > width - 1:
        parts.pop()
    return "  ".join(parts)


def first_fitting(width: int, *titles: str) -> str:
    return next((title for title in titles if len(title) <= width - 2), "")


# -- drawing (in the plot process): codes and cells to rows of styled runs


def palette(colors: PlotColors) -> list[Shade]:
    """LEVELS colours from low loss to high, then the same a shade lighter for contour lines: the theme's
    background tinted toward its primary colour in the valleys and its accent on the heights, so that the
    path (text colour) reads on both. Only for RGB colours (not 16 colours, not NO_COLOR)."""
    background, line, curve, text = colors.background or (0, 0, 0), colors.line, colors.curve, colors.text
    assert isinstance(background, tuple) and isinstance(line, tuple) and isinstance(curve, tuple)
    assert isinstance(text, tuple)
    stops = [blend(background, line, 0.18), blend(background, line, 0.6), blend(background, curve, 0.85)]
    levels = []
    for level in range(LEVELS):
        t = level / (LEVELS - 1) * (len(stops) - 1)
        k = min(int(t), len(stops) - 2)
        levels.append(blend(stops[k], stops[k + 1], t - k))
    return levels + [blend(level, text, 0.3) for level in levels]


@dataclass(frozen=True, eq=False)
class LandscapeDrawing(Drawing):
    """draw_landscape's arguments: the map's level codes (two per cell, upper and lower), the path's, the ray's and
    each ghost's braille bits per cell, the markers' cells, the axes' labels, title and legend."""

    plot: ClassVar[str] = "landscape"
    codes: np.ndarray  # (2 × rows, columns) levels
    path: np.ndarray  # (rows, columns) braille bits
    ray: np.ndarray
    axes: np.ndarray  # the valley's eigen-directions (valley_axes.py)
    axis_labels: list[Label]  # (column, row, text) of their eigenvalues
    markers: list[tuple[int, int, str]]  # (column, row, kind)
    ghost_paths: np.ndarray  # (ghosts, rows, columns) braille bits
    ghost_indexes: list[int]
    b_labels: list[list[Any]]  # (row, label)
    w_labels: list[list[Any]]  # (column, label)
    label_width: int
    title: str
    legend: str
    width: int
    height: int
    across: str = "w"  # the names of the map's axes: w and b, or the plane's (core/maths/plane.py)
    up: str = "b"

    def rows(self) -> Rows:
        return draw_landscape(**self.args, colors=self.colors)


def clear_of(labels: tuple[Label, ...], path: np.ndarray, ray: np.ndarray, markers: list[tuple[int, int, str]],
             frame: Frame) -> tuple[Label, ...]:
    """The axes' labels moved off the path, the ray and the markers (✕, ●, ○), which are drawn over them: a row
    up or down (up to three), or left out where none is clear; a label is never half hidden."""
    marked = {(column, row) for column, row, _ in markers}

    def clear(column: int, row: int, text: str) -> bool:
        if not 1 <= row <= frame.rows:
            return False
        cells = range(max(column - frame.left, 0), min(column - frame.left + len(text), frame.columns))
        return not any(path[row - 1, c] or ray[row - 1, c] or (frame.left + c, row) in marked for c in cells)

    kept: list[Label] = []
    for column, row, text in labels:
        for shift in (0, -1, 1, -2, 2, -3, 3):
            taken = any(other_row == row + shift for _, other_row, _ in kept)
            if not taken and clear(column, row + shift, text):
                kept.append((column, row + shift, text))
                break
    return tuple(kept)


def draw_landscape(codes: np.ndarray, path: np.ndarray, ray: np.ndarray, axes: np.ndarray, axis_labels: list[Label],
                   markers: list[tuple[int, int, str]],
                   ghost_paths: np.ndarray, ghost_indexes: list[int], b_labels: list[list[Any]],
                   w_labels: list[list[Any]], label_width: int, title: str, legend: str, width: int, height: int,
                   across: str = "w", up: str = "b", *, colors: PlotColors) -> Rows:
    frame = Frame(width, height, label_width)
    ghost_styles = _ghost_styles(colors, ghost_indexes)
    paint = palette(colors) if _in_colour_map(colors) else []
    text, dim = style_color(colors.text), style_color(colors.dim)
    marks = {(column, row): kind for column, row, kind in markers}
    lettered = {(column + k, row): char for column, row, text in axis_labels for k, char in enumerate(text)}
    ticks_at = dict((row, label) for row, label in b_labels)
    # the b axis's name above its labels, the title centred over the map
    rows: Rows = [[(f"{up:>{label_width}}  " + title.center(frame.columns)[: width - label_width - 2], text)]]
    for map_row in range(frame.rows):
        screen_row = 1 + map_row
        label = ticks_at.get(screen_row)
        cells = [(f"{label or '':>{label_width}}", text), ("┤" if label else "│", dim)]
        for column in range(frame.columns):
            upper, lower = int(codes[2 * map_row, column]), int(codes[2 * map_row + 1, column])
            kind = marks.get((frame.left + column, screen_row))
            bits, ray_bits = int(path[map_row, column]), int(ray[map_row, column])
            ghost = next(((int(cells_of[map_row, column]), k) for k, cells_of in enumerate(ghost_paths)
                          if cells_of[map_row, column]), None)  # the newest ghost on top
            letter, axis_bits = lettered.get((frame.left + column, screen_row)), int(axes[map_row, column])
            if kind or bits:
                cells.append(_mark_cell(colors, kind, bits, ray_bits, _under(paint, upper, lower)))
            elif letter or (axis_bits and not (ghost or ray_bits)):
                cells.append(_axis_cell(colors, letter or chr(0x2800 + axis_bits), _under(paint, upper, lower)))
            elif ghost:
                paint_of, glyph = ghost_styles[ghost[1]]
                cells.append((glyph, "") if colors.monochrome
                             else (chr(0x2800 + ghost[0]), paint_of + _under(paint, upper, lower)))
            elif ray_bits:
                cells.append(_mark_cell(colors, kind, bits, ray_bits, _under(paint, upper, lower)))
            else:
                cells.append(_map_cell(paint, colors, upper, lower))
        rows.append(merged_runs(cells))
    return (rows + bottom_rows(frame, w_labels, across, legend, text, dim))[:height]


SHADES = " ░▒▓"  # 16 colours: the map's loss in bands of shade, low to high, in one quiet colour


def _in_colour_map(colors: PlotColors) -> bool:
    """Whether the map is drawn in blended colours (RGB terminals); else in shades or contour dots."""
    return not (colors.monochrome or colors.ansi)


def _under(paint: list[Shade], upper: int, lower: int) -> str:
    """The background a mark sits on: the map's colour there, or none where the map is not in colour."""
    return f" on {to_hex(blend(paint[upper], paint[lower], 0.5))}" if paint else ""


def _mark_cell(colors: PlotColors, kind: str | None, bits: int, ray_bits: int, under: str) -> tuple[str, str]:
    """A marker, or the path's or the ray's braille, on the map."""
    bold = "bold " if kind or bits else ""
    if kind:
        glyph, paint = MARKERS[kind], {"start": colors.text, "optimum": colors.class1, "now": colors.marker}[kind]
    else:
        glyph, paint = chr(0x2800 + (bits or ray_bits)), colors.text if bits else colors.marker
    if colors.monochrome:
        return glyph, bold.strip()
    return glyph, (f"bold {style_color(paint)}" if kind else style_color(paint)) + under


def _axis_cell(colors: PlotColors, glyph: str, under: str) -> tuple[str, str]:
    """A cell of the valley's axes or their labels: light, in the text colour toward the map's."""
    if colors.monochrome:
        return glyph, "dim"  # faint beside the path's bold braille
    paint = colors.text
    if isinstance(paint, tuple) and isinstance(colors.dim, tuple):
        paint = whole(blend(paint, colors.dim, 0.5))
    return glyph, style_color(paint) + under


def _map_cell(paint: list[Shade], colors: PlotColors, upper: int, lower: int) -> tuple[str, str]:
    """A cell of the map alone: two half cells in colour; in 16 colours a shade for its loss; without colours
    (or in ASCII without a colour map) its contour lines, dotted, like a topographic map."""
    if paint:
        if colors.ascii:  # no half blocks: the cell's colour as its background
            return " ", _under(paint, upper, lower).lstrip()
        return "▀", f"{to_hex(paint[upper])} on {to_hex(paint[lower])}"
    contour = max(upper, lower) >= CONTOUR
    if colors.ansi and not colors.ascii:
        level = (upper % CONTOUR + lower % CONTOUR) / 2
        return SHADES[min(int(level * len(SHADES) / LEVELS), len(SHADES) - 1)], style_color(colors.dim)
    dot = "." if colors.ascii else "·"
    return (dot if contour else " "), style_color(colors.dim) if contour and not colors.monochrome else ""


def _ghost_styles(colors: PlotColors, indexes: list[int]) -> list[tuple[str, str]]:
    """(style of its braille, its glyph without colours) of each ghost shown, by its index among all ghosts (as the loss
    plot's legend); over a colour map a ghost's colour is lifted toward the text's to read on it."""
    styles = []
    for k in indexes:
        paint = ghost_color(colors, k)
        if isinstance(paint, tuple) and isinstance(colors.text, tuple):
            paint = whole(blend(paint, colors.text, 0.25))
        styles.append(("" if colors.monochrome else style_color(paint), ghost_marker(colors, k)))
    return styles


def plane_words(snapshot: Snapshot, settings: LandscapeSettings) -> str:
    """What the v key says: which plane the landscape shows now, of how many."""
    planes = landscape_planes(snapshot.dataset.d, snapshot.optimum, snapshot.curvature_at_minimum)
    if len(planes) == 1:
        return "v: with one feature the landscape is the (w, b) plane itself"
    plane = planes[settings.plane % len(planes)]
    what = ("u (flattest) and v (steepest) through the minimum" if plane.u_name == "u"
            else "s (the direction in which the loss falls for ever) and v (b, square to s) through 0"
            if plane.u_name == "s" else f"{plane.u_name} across, {plane.v_name} up")
    return f"landscape plane {settings.plane % len(planes) + 1} of {len(planes)}: {what} (v: the next)"
