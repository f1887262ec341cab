"""An asciicast (tui/recording.py's, or asciinema's) as an animated SVG: a terminal emulator (pyte) plays the cast,
the screen is taken --fps times a second, and the SVG draws the first frame whole and then, per frame, only the
cells that changed, each frame's cells shown from its time on by a CSS animation (no script: it plays where an
image plays, a code forge's README included, and loops after holding the last frame).

Cells are placed on a grid of CELL_WIDTH × CELL_HEIGHT pixels; a run of cells with one style is one rectangle (its
background, covering what was there) and one text. A run with other than ASCII in it is stretched to its cells
(textLength), so that a font without the box-drawing or braille glyphs still keeps the columns.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from xml.sax.saxutils import escape

CELL_WIDTH, CELL_HEIGHT, FONT_SIZE = 8.43, 17, 14  # DejaVu Sans Mono's advance at 14 px: 0.602 em
BASELINE = 13  # the text's baseline below its row's top
HOLD_SECONDS = 4.0  # the last frame stays this long before the animation starts again
MERGE_GAP = 3  # changed cells this close in a row are drawn as one run (fewer, longer elements)
DEFAULT_FOREGROUND, DEFAULT_BACKGROUND = "e0e0e0", "121212"  # the terminal's own (an app that sets none)
ANSI = {  # xterm's 16 colours, by pyte's names
    "black": "000000", "red": "cd0000", "green": "00cd00", "brown": "cdcd00", "blue": "0000ee",
    "magenta": "cd00cd", "cyan": "00cdcd", "white": "e5e5e5", "brightblack": "7f7f7f", "brightred": "ff0000",
    "brightgreen": "00ff00", "brightbrown": "ffff00", "brightblue": "5c5cff", "brightmagenta": "ff00ff",
    "brightcyan": "00ffff", "brightwhite": "ffffff",
}

Cell = tuple[str, str, str, bool]  # (character, foreground rrggbb, background rrggbb, bold)
Row = tuple[Cell, ...]


class CastError(ValueError):
    """A file that is not an asciicast v2 this can play: one line."""


@dataclass(frozen=True)
class Frame:
    seconds: float  # when it is shown, from the start
    rows: tuple[Row, ...]


def _colour(name: str, default: str) -> str:
    if name == "default":
        return default
    return ANSI.get(name, name if len(name) == 6 else default)


def _cell(char: object) -> Cell:
    """A pyte Char as (character, foreground, background, bold), reverse video applied."""
    fg = _colour(char.fg, DEFAULT_FOREGROUND)  # type: ignore[attr-defined]
    bg = _colour(char.bg, DEFAULT_BACKGROUND)  # type: ignore[attr-defined]
    if char.reverse:  # type: ignore[attr-defined]
        fg, bg = bg, fg
    return char.data, fg, bg, bool(char.bold)  # type: ignore[attr-defined]


def _events(text: str) -> tuple[tuple[int, int], list[tuple[float, str, str]]]:
    """The cast's size (columns, rows) and its events (seconds, kind, data), in order."""
    lines = text.splitlines()
    try:
        header = json.loads(lines[0]) if lines else None
        events = [json.loads(line) for line in lines[1:] if line.strip()]
    except json.JSONDecodeError as error:
        raise CastError(f"not an asciicast: line {error.lineno}: {error.msg}") from None
    if not isinstance(header, dict) or header.get("version") != 2:
        raise CastError("not an asciicast v2: its first line is no header with version 2")
    size = header.get("width"), header.get("height")
    if not all(isinstance(value, int) and 0 < value <= 1000 for value in size):
        raise CastError("its header has no terminal size (width, height)")
    if not all(isinstance(event, list) and len(event) == 3 and isinstance(event[0], (int, float))
               and isinstance(event[2], str) for event in events):
        raise CastError("an event that is not [seconds, kind, text]")
    return (size[0], size[1]), [(float(t), str(kind), data) for t, kind, data in events]  # type: ignore[return-value]


def frames(text: str, fps: float = 10.0) -> list[Frame]:
    """The screens of a cast as a player sampling it `fps` times a second shows them: a screen that lasts until the
    next instant k/fps is a frame at that instant; the last screen always is one. Frame 0 is the blank terminal."""
    import pyte

    (columns, rows), events = _events(text)
    screen = pyte.Screen(columns, rows)
    stream = pyte.Stream(screen)
    shown = [_row(screen, y) for y in range(rows)]
    taken, reached = [Frame(0.0, tuple(shown))], 0.0  # reached: when the screen last changed
    for seconds, kind, data in events:
        instant = math.ceil(reached * fps - 1e-9) / fps
        if instant < seconds and tuple(shown) != taken[-1].rows:
            taken.append(Frame(instant, tuple(shown)))
        if kind == "o":
            stream.feed(data)
        elif kind == "r" and "x" in data:
            width, height = (int(part) for part in data.split("x", 1))
            screen.resize(min(height, rows), min(width, columns))  # drawn in the cast's own size
        if screen.dirty:
            for y in screen.dirty:
                if y < rows:
                    shown[y] = _row(screen, y)
            screen.dirty.clear()
            reached = seconds
    if tuple(shown) != taken[-1].rows:
        taken.append(Frame(max(math.ceil(reached * fps - 1e-9) / fps, taken[-1].seconds + 1 / fps), tuple(shown)))
    return taken


def _row(screen: object, y: int) -> Row:
    line = screen.buffer[y]  # type: ignore[attr-defined]
    return tuple(_cell(line[x]) for x in range(screen.columns))  # type: ignore[attr-defined]


def _runs(row: Row, columns: range) -> Iterator[tuple[int, list[Cell]]]:
    """(first column, cells) of each stretch of one style within `columns`."""
    start, run = columns.start, [row[columns.start]]
    for x in columns[1:]:
        if row[x][1:] == run[-1][1:]:
            run.append(row[x])
        else:
            yield start, run
            start, run = x, [row[x]]
    yield start, run


def _changed(before: Row | None, after: Row) -> list[range]:
    """The stretches of a row that differ from what was there (all of it at the first frame), near ones merged."""
    if before is None:
        return [range(len(after))]
    spans: list[range] = []
    for x, (old, new) in enumerate(zip(before, after, strict=True)):
        if old == new:
            continue
        if spans and x - spans[-1].stop <= MERGE_GAP:
            spans[-1] = range(spans[-1].start, x + 1)
        else:
            spans.append(range(x, x + 1))
    return spans


class _Styles:
    """A short class per colour and weight (.c0{fill:#…}): a rectangle and a text of one colour share it."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def of(self, colour: str) -> str:
        return self.names.setdefault(colour, f"c{len(self.names)}")

    def css(self) -> str:
        return "".join(f".{name}{{fill:#{colour}}}" for colour, name in self.names.items())


def _draw(y: int, x: int, cells: list[Cell], styles: _Styles) -> str:
    """One run: its background, and its text where it has any."""
    _, fg, bg, bold = cells[0]
    left, top, width = round(x * CELL_WIDTH, 2), y * CELL_HEIGHT, round(len(cells) * CELL_WIDTH, 2)
    drawn = f'<rect x="{left}" y="{top}" width="{width}" height="{CELL_HEIGHT}" class="{styles.of(bg)}"/>'
    text = "".join(cell[0] or "" for cell in cells)
    if text.strip():
        stretch = f' textLength="{width}" lengthAdjust="spacingAndGlyphs"' if not text.isascii() else ""
        weight = " b" if bold else ""
        drawn += (f'<text x="{left}" y="{top + BASELINE}"{stretch} class="{styles.of(fg)}{weight}">'
                  f"{escape(text)}</text>")
    return drawn


def animated_svg(taken: list[Frame]) -> str:
    """The frames as one self-contained SVG that plays them at their times and loops."""
    rows, columns = len(taken[0].rows), len(taken[0].rows[0])
    width, height = round(columns * CELL_WIDTH, 2), rows * CELL_HEIGHT
    total = taken[-1].seconds + HOLD_SECONDS
    styles, groups, keyframes = _Styles(), [], []
    previous: tuple[Row, ...] | None = None
    for k, frame in enumerate(taken):
        parts = [_draw(y, x, cells, styles)
                 for y, row in enumerate(frame.rows)
                 for span in _changed(previous[y] if previous else None, row)
                 for x, cells in _runs(row, span)]
        previous = frame.rows
        if not parts:
            continue
        if k == 0:
            groups.append(f'<g>{"".join(parts)}</g>')
            continue
        at = round(100 * frame.seconds / total, 4)
        keyframes.append(f"@keyframes k{k}{{0%{{opacity:0}}{at}%,100%{{opacity:1}}}}.k{k}{{animation-name:k{k}}}")
        groups.append(f'<g class="k f k{k}">{"".join(parts)}</g>')
    style = (f"text{{white-space:pre;font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;"
             f"font-size:{FONT_SIZE}px}}.b{{font-weight:bold}}rect{{shape-rendering:crispEdges}}"
             f".f{{opacity:0;animation-duration:{round(total, 3)}s;animation-timing-function:step-end;"
             f"animation-iteration-count:infinite}}{styles.css()}{''.join(keyframes)}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xml:space="preserve">'
            f'<style>{style}</style>{"".join(groups)}</svg>\n')


def cast_to_svg(text: str, fps: float = 10.0) -> str:
    return animated_svg(frames(text, fps))


def cast_to_gif(cast: Path, fps: float = 10.0) -> bytes:
    """A cast as an animated GIF: asciinema's own renderer (agg, through agg-python-bindings) draws each screen as a
    PNG, `fps` a second at most, and Pillow joins them at their times (each frame only where it differs from the
    last), the last held HOLD_SECONDS; loops."""
    from agg_python_bindings import load_asciicast_and_save_png_screenshots
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        load_asciicast_and_save_png_screenshots(str(cast), png_write_dir=folder, png_filename_prefix="f",
                                                frame_time_min_spacing=1 / fps)
        shots = sorted((float(path.stem.removeprefix("f_")), path) for path in Path(folder).glob("f_*.png"))
        if not shots:
            raise CastError(f"{cast}: no screen to draw")
        images = [Image.open(path).convert("RGB").quantize(colors=128, dither=Image.Dither.NONE) for _, path in shots]
        times = [seconds for seconds, _ in shots]
        durations = [max(20, round(1000 * (later - now))) for now, later in pairwise(times)]
        buffer = io.BytesIO()
        images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], loop=0,
                       duration=[*durations, round(1000 * HOLD_SECONDS)])
    return buffer.getvalue()
