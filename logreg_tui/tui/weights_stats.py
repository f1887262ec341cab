"""The stats panel's weights page (the w key): each w_j as a signed bar beside its feature's name, live.

The largest by |w_j| first, WEIGHTS_LISTED at most (a line says how many more); a weight that L1 holds at 0 says
so (exactly 0, or within the step λ₁·lr whose sign flips each step there); with a ghost of the same features, a
tick marks where its weight was. One bar scale for the page: the largest |w_j| (here or the ghost's) fills half
the bar.
"""

from __future__ import annotations

import math

from rich.segment import Segment
from rich.style import Style

from logreg_tui.core.model.state import Snapshot

WEIGHTS_LISTED = 20  # bars at most; past them one line says how many more
NAME_WIDTH, HALF, VALUE_WIDTH = 10, 3, 7  # a line: name, bar (HALF cells either side of 0), value: 25 cells
NEGATIVE, POSITIVE, DIM = Style(color="red"), Style(color="green"), Style(dim=True)


ASCII = str.maketrans({"█": "#", "▌": "+", "▐": "+", "│": "|", "┊": ":", "…": "~", "≈": "~"})


def weight_rows(snapshot: Snapshot, ascii: bool = False) -> list[list[Segment]]:
    """The page's lines under the stats it shares with the others: a heading, then a bar per weight (in ASCII
    where the terminal has no block glyphs)."""
    rows = _rows(snapshot)
    if not ascii:
        return rows
    return [[Segment(segment.text.translate(ASCII), segment.style) for segment in row] for row in rows]


def _rows(snapshot: Snapshot) -> list[list[Segment]]:
    weights, names = snapshot.weights, snapshot.dataset.features
    previous = _ghost_weights(snapshot)
    finite = [abs(w) for w in (*weights, *(previous or ())) if math.isfinite(w)]
    scale = max(finite, default=0.0) or 1.0
    order = sorted(range(len(weights)), key=lambda j: -abs(weights[j]) if math.isfinite(weights[j]) else -math.inf)
    shown = order[:WEIGHTS_LISTED]
    rows = [[Segment("weights, largest first", DIM)]]
    for j in shown:
        ghost = previous[j] if previous is not None else None
        rows.append(_bar_row(names[j], weights[j], ghost, scale, zero_band(snapshot)))
    if len(weights) > len(shown):
        rows.append([Segment(f"… {len(weights) - len(shown)} more: see the export", DIM)])
    if previous is not None:
        rows.append([Segment("┊ the previous run's", DIM)])
    return rows


def zero_band(snapshot: Snapshot) -> float | None:
    """With L1, how near 0 a weight that L1 holds at 0 stays: its subgradient step λ₁·lr flips the sign each step
    (plain gradient steps never land on 0 exactly); None without L1."""
    settings = snapshot.settings
    return settings.l1 * settings.lr if settings.l1 > 0 else None


def _ghost_weights(snapshot: Snapshot) -> tuple[float, ...] | None:
    """The newest ghost's weights where it had the same features (so that its bars mean the same)."""
    if not snapshot.ghosts:
        return None
    ghost = snapshot.ghosts[0]
    same = ghost.dataset.features == snapshot.dataset.features and ghost.dataset.d == snapshot.dataset.d
    return ghost.weights if same else None


def _bar_row(name: str, w: float, ghost: float | None, scale: float, band: float | None) -> list[Segment]:
    label = short_name(name)
    cells = [" "] * (2 * HALF + 1)
    cells[HALF] = "│"
    if math.isfinite(w) and w:
        halves = min(max(round(abs(w) / scale * 2 * HALF), 1), 2 * HALF)  # at least half a cell: not 0
        for k in range(halves // 2):
            cells[HALF + 1 + k if w > 0 else HALF - 1 - k] = "█"
        if halves % 2:
            cells[HALF + 1 + halves // 2 if w > 0 else HALF - 1 - halves // 2] = "▌" if w > 0 else "▐"
    segments = [Segment(f"{label:<{NAME_WIDTH}}", DIM)]
    if ghost is not None and math.isfinite(ghost) and ghost:
        at = HALF + (1 if ghost > 0 else -1) * min(math.ceil(abs(ghost) / scale * HALF), HALF)
        if cells[at] == " ":
            cells[at] = "┊"
    bar_style = POSITIVE if w > 0 else NEGATIVE
    segments += [Segment(cell, DIM if cell in "│┊" else bar_style) for cell in cells]
    value = ("0 (L1)" if w == 0 else "≈0 (L1)") if band is not None and abs(w) <= band else _short(w)
    return [*segments, Segment(f" {value:>{VALUE_WIDTH - 1}}", Style(bold=True))]


def short_name(name: str) -> str:
    """A feature's name in NAME_WIDTH cells: as it is, else its leading words' initials before its last word
    (worst_concave_points → wc_points), else cut with …."""
    if len(name) > NAME_WIDTH - 1 and "_" in name:
        *leading, last = name.split("_")
        name = "".join(word[:1] for word in leading) + "_" + last
    return name if len(name) <= NAME_WIDTH - 1 else name[:NAME_WIDTH - 2] + "…"


def _short(value: float) -> str:
    text = f"{value:.3g}"
    return text if len(text) <= VALUE_WIDTH - 1 else f"{value:.0e}"
