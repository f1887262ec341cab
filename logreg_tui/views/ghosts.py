"""How earlier runs (ghosts) and a run's events look on the plots: their colours, shapes and legend.

Shared by the loss plot and the landscape; plain data and arithmetic, no plotext here.
"""

from __future__ import annotations

from logreg_tui.views.drawing import BLUE, BRIGHT, MAGENTA, RED, Paint, PlotColors, blend, style_color, whole

GHOST_FADE = 0.45  # a ghost's hue this far toward the background: behind the current run, still told apart
MONO_MARKERS = ("∘", "+", "x")  # NO_COLOR: ghosts told apart by shape (the current run is braille; "·" is a contour)
ASCII_MARKERS = ("%", "+", "x")  # --ascii: the same in plain ASCII ("o" is the landscape's start, "*" the run)
ANSI_GHOSTS = (MAGENTA, BRIGHT + BLUE, RED)  # 16 colours: none the run's, the held-out curve's or an event's
EVENT_TICK = "╻"  # on the loss plot's bottom row, touching the x axis: where a person changed something
SWATCH = "━"


def ghost_color(colors: PlotColors, index: int) -> Paint:
    """prev in the accent, prev 2 in green, prev 3 in red: each faded toward the background. In 16 colours,
    which cannot fade, three ANSI colours of their own."""
    if colors.ansi:
        return ANSI_GHOSTS[index % 3]
    hue = (colors.curve, colors.class1, colors.class0)[index % 3]
    assert isinstance(hue, tuple) and not isinstance(colors.background, int)
    return whole(blend(hue, colors.background or (0, 0, 0), GHOST_FADE))


def ghost_marker(colors: PlotColors, index: int) -> str:
    """plotext's marker for a ghost's curve: braille in colour, a shape of its own without colours or braille."""
    if colors.ascii:
        return ASCII_MARKERS[index % 3]
    return MONO_MARKERS[index % 3] if colors.monochrome else "braille"


def run_marker(colors: PlotColors) -> str:
    """plotext's marker for the current run's curve."""
    return "*" if colors.ascii else "braille"


def legend_runs(title: str, ghosts: list[tuple[str, list[str]]], width: int,
                colors: PlotColors) -> list[tuple[str, str]]:
    """The plot's title row with a legend: "loss  ━ now  ━ prev: sgd lr 0.2  ━ prev 2: adam", fitted to `width`.

    ghosts: (label, the settings that differ) each: "prev: sgd lr 0.2", ["sgd", "lr 0.2"]. While it does not
    fit, the longest label is shortened a step (to its first difference, that without β, its name alone);
    then the oldest ghosts go.
    """
    steps = [_shorter(label, words) for label, words in ghosts]
    shown = [0] * len(ghosts)

    def length() -> int:
        return len(title) + 4 + len("now") + sum(4 + len(steps[k][shown[k]]) for k in range(len(steps)))

    while length() > width and len(steps):
        longest = max((k for k in range(len(steps)) if shown[k] < len(steps[k]) - 1),
                      key=lambda k: len(steps[k][shown[k]]), default=None)
        if longest is None:
            steps, shown = steps[:-1], shown[:-1]
        else:
            shown[longest] += 1
    entries = [("now", colors.line, _swatch(colors, None))] + [
        (steps[k][shown[k]], ghost_color(colors, k), _swatch(colors, k)) for k in range(len(steps))]
    background = f" on {style_color(colors.background)}" if colors.background is not None else ""
    text_style = "" if colors.monochrome else style_color(colors.text) + background
    runs = [(title, text_style)]
    for label, paint, swatch in entries:
        runs += [("  ", text_style), (swatch, "" if colors.monochrome else style_color(paint) + background),
                 (" " + label, text_style)]
    used = sum(len(text) for text, _ in runs)
    return runs + [(" " * max(width - used, 0), text_style)]


def _swatch(colors: PlotColors, ghost: int | None) -> str:
    """The legend's sample of a curve (ghost None: the current run): its marker where shapes tell them apart."""
    if not (colors.ascii or colors.monochrome):
        return SWATCH
    if ghost is not None:
        return ghost_marker(colors, ghost)
    return run_marker(colors) if colors.ascii else "⣿"


def _shorter(label: str, words: list[str]) -> list[str]:
    """A ghost's label, then shorter forms of it: "prev: momentum β 0.9 lr 0.2", "prev: momentum β 0.9",
    "prev: momentum", "prev"."""
    name = label.split(":")[0]
    forms = [label] + ([f"{name}: {words[0]}", f"{name}: {words[0].split(' β ')[0]}"] if words else []) + [name]
    return list(dict.fromkeys(forms))  # in order, without repeats

