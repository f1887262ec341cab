"""What every plot shares: plotext's canvas set up for a widget, the note for a plot too small to read, a
Drawing of the arguments, quantized keys, and plotext's ANSI text as rows of styled runs."""

from __future__ import annotations

import textwrap

import numpy as np
import plotext as plt
from rich.console import Console
from rich.text import Text

from logreg_tui.views.drawing import PlotColors, Rows, plotext_color

MIN_WIDTH, MIN_HEIGHT = 30, 8  # below this a plot is unreadable: show a note instead
FRAME_ROWS = 4  # rows of a plot that are not canvas: title, top and bottom border, x tick labels
_CONSOLE = Console(width=10_000, color_system="truecolor", force_terminal=False)  # renders Text to segments


def start_canvas(width: int, height: int, colors: PlotColors) -> None:
    plt.clf()
    plt.limit_size(False, False)  # the widget's size, not the terminal's: plotext would cap at 80×24 off a tty
    plt.plotsize(width, height)
    plt.theme("clear")
    # the theme's background, not the terminal's: a dark theme in a light terminal stays dark
    plt.canvas_color(plotext_color(colors.background))
    plt.axes_color(plotext_color(colors.background))
    plt.ticks_color(plotext_color(colors.text))


def fits(width: int, height: int) -> bool:
    """Whether a plot this size is readable (at least MIN_WIDTH × MIN_HEIGHT)."""
    return width >= MIN_WIDTH and height >= MIN_HEIGHT


def too_small(width: int, height: int) -> str | None:
    return None if fits(width, height) else size_note(width, height)


def size_note(width: int, height: int, terminal: tuple[int, int] | None = None,
              needed: tuple[int, int] | None = None) -> str:
    """What size is needed, in lines that fit `width` columns: the terminal's when known, else the plot's."""
    if terminal and needed:
        words = f"enlarge the terminal to {needed[0]}×{needed[1]} (now {terminal[0]}×{terminal[1]})"
    else:
        words = f"enlarge the terminal (plot needs {MIN_WIDTH}×{MIN_HEIGHT}, has {width}×{height})"
    lines = textwrap.wrap(words, max(width, 1), break_long_words=False, break_on_hyphens=False)
    if any(len(line) > width for line in lines):
        return ""  # too narrow for a word: a blank plot says as much as a cut one
    return "\n".join(lines[:max(height, 1)])


def quantize(values: np.ndarray, low: float, high: float, steps: int) -> bytes:
    """Values as pixel rows: two series that quantize alike draw alike."""
    scaled = (np.asarray(values, dtype=np.float64) - low) / ((high - low) or 1.0) * steps
    return np.nan_to_num(scaled, nan=-1, posinf=steps + 1, neginf=-1).round().astype(np.int32).tobytes()


# --ascii: what the plots draw, in the characters every font and console has
_ASCII = str.maketrans({
    **dict.fromkeys("─━┄┈╌═", "-"), **dict.fromkeys("│┃┆┊╎║▏▕╻╹", "|"),
    **dict.fromkeys("┌┐└┘├┤┬┴┼╭╮╯╰", "+"), "·": ".", "•": "o", "∘": "o", "●": "@", "○": "o", "✕": "X",
    "▀": " ", "▄": " ", "█": "#", "░": ".", "▒": ":", "▓": "#", "σ": "s", "β": "b", "×": "x", "÷": "/", "−": "-",
    "…": "...", "≤": "<=", "≥": ">=", "→": "->", "←": "<-", "↑": "^", "↓": "v", "²": "^2", "Δ": "d", "⋯": "...",
    "λ": "l", "κ": "k", "ŷ": "p", "–": "-", "┅": "+", "θ": "th",
    "\u2800": " ",  # an empty braille cell
})


def ascii_text(text: str) -> str:
    """Text in plain ASCII: box lines as - | +, a braille cell as * (any dot), anything else unknown as ?."""
    text = text.translate(_ASCII)
    if text.isascii():
        return text
    return "".join(c if c.isascii() else "*" if 0x2800 < ord(c) <= 0x28FF else "?" for c in text)


def as_ascii(rows: Rows) -> Rows:
    return [[(ascii_text(text), style) for text, style in row] for row in rows]


def rows_of(text: str) -> Rows:
    """ANSI text (plotext's) as rows of (text, style) runs; the style as rich writes it ("" for none)."""
    lines = Text.from_ansi(text).split("\n", allow_blank=True)
    return [[(segment.text, str(segment.style) if segment.style else "") for segment in line.render(_CONSOLE, end="")]
            for line in lines]
