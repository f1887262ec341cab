"""Partial screen updates that send only what changed, in cells.

A widget that refreshes a span of a row (widgets.LineCanvas: only the cells that changed) asks Textual to
repaint that span, but Textual 8's ChopsUpdate.render_segments writes each span from the left edge of the widget's
row to the span's end (its own "TODO: crop to x extents"), and once per span: a σ map whose boundary moves at the
right of the data plot resends the whole row, labels and points included, several times a frame (bench/terminal.py:
three times the bytes of one feature). This module replaces that one method with one that crops both ends.
Installed once, by the app's module, in the app's process only; anything else about the update is Textual's.
"""

from __future__ import annotations

from rich.console import Console
from rich.control import Control
from textual._compositor import ChopsUpdate


def render_cropped(update: ChopsUpdate, console: Console) -> str:
    """ChopsUpdate.render_segments, each span's chops cropped to [x1, x2) instead of [chop start, x2)."""
    sequences: list[str] = []
    append = sequences.append
    last_y = update.spans[-1][0]
    for y, x1, x2 in update.spans:
        for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
            if strip is None or x >= x2 or end <= x1:
                continue
            start = max(x, x1)
            append(Control.move_to(start, y).segment.text)
            append(strip.crop(start - x, min(end, x2) - x).render(console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


def install() -> None:
    """Use render_cropped for every partial update (once; a Textual without the method keeps its own)."""
    if hasattr(ChopsUpdate, "render_segments") and ChopsUpdate.render_segments is not render_cropped:
        ChopsUpdate.render_segments = render_cropped  # type: ignore[method-assign, assignment]
