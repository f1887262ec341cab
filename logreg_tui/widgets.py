"""Plot and stats widgets on Textual's line API: each keeps its last frame and refreshes only the cells that changed."""

from __future__ import annotations

from typing import Callable

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import App
from textual.color import Color
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from logreg_tui.drawing import PlotColors, Rows
from logreg_tui.formatting import format_number, short_count
from logreg_tui.plot_process import PlotProcess
from logreg_tui.canvas import MIN_HEIGHT, MIN_WIDTH, fits, rows_of, size_note
from logreg_tui.landscape import geometry
from logreg_tui.state import Snapshot


def _cells(strip: Strip) -> list[tuple[str, object]]:
    return [(char, segment.style) for segment in strip for char in segment.text]


def changed_span(old: Strip, new: Strip) -> tuple[int, int]:
    """[start, end) of the cells that differ between two strips of equal length."""
    a, b = _cells(old), _cells(new)
    if len(a) != len(b):
        return 0, max(len(a), len(b))
    start = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), len(a))
    end = len(a) - next((i for i, (x, y) in enumerate(zip(reversed(a), reversed(b))) if x != y), 0)
    return start, max(end, start)


PLAIN = Style()  # every segment gets a style, even a plain one: Textual's NO_COLOR filter reads segment.style.color


def _strip(row) -> Strip:
    return Strip([Segment(text, Style.parse(style) if style else PLAIN) for text, style in row])


class LineCanvas(Widget):
    """Shows lines of text; a new frame refreshes only the changed span of each changed row.

    Textual resends a widget's whole region when it refreshes; refreshing spans instead is what keeps
    the bytes on an SSH link low once the picture settles.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # as given, kept to lay out again on resize (the first frame may come before layout)
        self._lines: list[Strip] = []
        self._strips: list[Strip] = []  # as shown: cropped and padded to the widget's size
        self._rows: Rows = []  # as given to show_rows, with their strips: a row that has not changed is reused
        self._row_strips: list[Strip] = []
        self.frames_shown = 0  # frames that changed something, for tests and benchmarks

    def show_text(self, text: str) -> None:
        """Show text with ANSI colour codes (plotext's output)."""
        self.show_rows(rows_of(text))

    def show_rows(self, rows: Rows) -> None:
        """Show rows of (text, style) runs (plot_process.py's pictures)."""
        old_rows, old_strips = self._rows, self._row_strips
        strips = [old_strips[y] if y < len(old_rows) and row == old_rows[y] else _strip(row)
                  for y, row in enumerate(rows)]
        self._rows, self._row_strips = rows, strips
        self.show_lines(strips)

    def show_lines(self, lines: list[Strip]) -> None:
        self._lines = lines
        width = self.size.width
        strips = [line.adjust_cell_length(width, PLAIN) for line in lines[: self.size.height]]
        old, self._strips = self._strips, strips
        if len(old) != len(strips) or any(s.cell_length != width for s in old):
            self.frames_shown += 1
            self.refresh()
            return
        changed = [(y, changed_span(a, b)) for y, (a, b) in enumerate(zip(old, strips)) if a != b]
        if changed:
            self.frames_shown += 1
            self.refresh(*(Region(start, y, end - start, 1) for y, (start, end) in changed))

    def on_resize(self) -> None:
        self.show_lines(self._lines)

    @property
    def plain_lines(self) -> list[str]:
        """The frame's text without styles (what tests read)."""
        return [strip.text.rstrip() for strip in self._strips]

    def render_line(self, y: int) -> Strip:
        # the widget's colours under every cell: a line API widget gets no background unless it asks,
        # and a cell without one shows the terminal's (white behind a dark theme in a light terminal)
        base = self.rich_style
        if y < len(self._strips):
            return self._strips[y].apply_style(base)
        return Strip.blank(self.size.width, base)


class PlotView(LineCanvas):
    """One plot view (plots.loss_view, plots.data_view …), redrawn only when what it would draw has changed.

    `update(snapshot, colors)` stores what to show; the view turns it, the widget's `settings` and its
    size into a key and a Drawing; an unchanged key skips plotext, the costly part. Drawings go to the
    app's PlotProcess, which draws them in its child process or, until that is ready, here.
    """

    def __init__(self, view: Callable, settings: object, drawer: PlotProcess, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._view = view
        self._drawer = drawer
        self._settings = settings
        self._inputs: tuple[Snapshot, PlotColors] | None = None
        self._key: object = None
        self.builds = 0  # drawings asked for, for tests and benchmarks

    @property
    def settings(self) -> object:
        return self._settings

    @settings.setter
    def settings(self, settings: object) -> None:
        self._settings = settings
        self.replot()

    def update(self, snapshot: Snapshot, colors: PlotColors) -> None:
        self._inputs = (snapshot, colors)
        self.replot()

    def replot(self) -> None:
        if self._inputs is None or not self.size.area:
            return
        snapshot, colors = self._inputs
        if note := self._size_note():
            key, drawing = ("small", note), note
        else:
            key, drawing = self._view(snapshot, self._settings, self.size.width, self.size.height, colors)
        if key == self._key:
            return
        self._key = key
        if isinstance(drawing, str):
            self.show_text(drawing)
            return
        self.builds += 1
        self._drawer.draw(self, drawing, lambda rows, key=key: self._show_drawn(key, rows))

    def _size_note(self) -> str | None:
        """Too small to plot: the terminal size that would fit every plot (the plots stack, sharing the height)."""
        width, height = self.size
        if fits(width, height):
            return None
        siblings = self.parent.children if self.parent else [self]
        stacked = sum(isinstance(child, PlotView) and child.display and child.region.x == self.region.x
                      for child in siblings)
        terminal = self.app.size
        needed = (terminal.width + max(MIN_WIDTH - width, 0), terminal.height + stacked * max(MIN_HEIGHT - height, 0))
        return size_note(width, height, tuple(terminal), needed)

    def _show_drawn(self, key: object, rows: Rows) -> None:
        # an answer that comes after a newer key (a note shown since, say) or after the app closed is dropped
        if key == self._key and self.is_attached:
            self.show_rows(rows)

    def on_resize(self) -> None:
        self._key = None
        self.replot()


class LandscapeView(PlotView):
    """The loss landscape (landscape.landscape_view); a click on its map asks to move (w, b) there."""

    class Moved(Message):
        """A click on the map: (w, b) under it."""

        def __init__(self, w: float, b: float) -> None:
            super().__init__()
            self.w, self.b = w, b

    def cell_size(self, snapshot: Snapshot, size: tuple[int, int] | None = None) -> tuple[float, float]:
        """(w, b) across one map cell at this widget's size (or `size`, while it is hidden)."""
        window, frame = geometry(snapshot, *(size or self.size))
        return frame.cell_size(window)

    def on_click(self, event: events.Click) -> None:
        if self._inputs is None or not fits(*self.size):
            return
        window, frame = geometry(self._inputs[0], *self.size)
        point = frame.point_at(window, event.x, event.y)
        if point is not None:
            self.post_message(self.Moved(*point))


def plot_colors(app: App) -> PlotColors:
    """Plot colours from the current theme, as its CSS variables resolve them (a theme may leave some unset)."""
    variables = app.get_css_variables()

    def rgb(name: str) -> tuple[int, int, int]:
        return Color.parse(variables[name]).rgb

    text, background = rgb("foreground"), rgb("background")
    dim = Color(*text).blend(Color(*background), 0.6).rgb
    return PlotColors(text=text, line=rgb("primary"), dim=dim, curve=rgb("accent"), class0=rgb("error"),
                      class1=rgb("success"), marker=rgb("warning"), background=background, monochrome=app.no_color)


LABEL_WIDTH = 9
VALUE_WIDTH = 16  # what fits after the label in the 28-cell panel (app.tcss: width, border, padding)


def _epoch(snapshot) -> str:
    """12 / 1001; past VALUE_WIDTH, 1000000/1M."""
    if not snapshot.stop_at:
        return str(snapshot.epoch)
    text = f"{snapshot.epoch} / {snapshot.stop_at}"
    return text if len(text) <= VALUE_WIDTH else f"{snapshot.epoch}/{short_count(snapshot.stop_at)}"


def _speed(snapshot) -> str:
    cap = "max" if snapshot.speed is None else format_number(snapshot.speed)
    return f"{snapshot.epochs_per_second:.0f}/s cap {cap}"


def _optimizer(snapshot) -> str:
    with_beta = snapshot.optimizer in ("momentum", "nesterov")
    return snapshot.optimizer + (f" β {snapshot.momentum:.3g}" if with_beta else "")


def _file_name(path: str) -> str:
    """The data file's name, its end kept when it is too long for the panel."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name if len(name) <= VALUE_WIDTH else "…" + name[-(VALUE_WIDTH - 1):]


STATS: list[tuple[str, Callable]] = [  # (label, value); a value of None leaves the line out
    ("status", lambda s: s.status),
    ("epoch", _epoch),
    ("loss", lambda s: format_number(s.loss)),
    ("acc", lambda s: format_number(s.accuracy)),
    ("lr", lambda s: format_number(s.lr)),
    ("w", lambda s: format_number(s.w)),
    ("b", lambda s: format_number(s.b)),
    ("dL/dw", lambda s: format_number(s.grad_w)),
    ("dL/db", lambda s: format_number(s.grad_b)),
    ("val loss", lambda s: format_number(s.val_loss) if s.val_history else None),
    ("val acc", lambda s: format_number(s.val_accuracy) if s.val_history else None),
    ("autograd", lambda s: s.autograd),
    ("optim", _optimizer),
    ("batch", lambda s: "full" if not s.batch_size or s.batch_size >= s.n_train else str(s.batch_size)),
    ("steps", lambda s: short_count(s.steps)),
    ("speed", _speed),
    ("seed", lambda s: "file" if s.seed is None else str(s.seed)),
    ("data", lambda s: _file_name(s.dataset.source) if s.seed is None else "generated"),
    ("N", lambda s: str(s.n_points)),
    ("held out", lambda s: str(s.n_points - s.n_train) if s.n_train != s.n_points else None),
    ("device", lambda s: s.device),
]
LOADING = ("seed", "data", "N", "held out", "device")  # the lines shown while torch loads
STATUS_STYLES = {"running": "bold green", "paused": "bold yellow", "done": "bold cyan", "diverged": "bold red",
                 "loading": "bold", "error": "bold red"}
LABEL_STYLE, VALUE_STYLE, NOTE_STYLE = Style(dim=True), Style(bold=True), Style(dim=True, italic=True)


class StatsPanel(LineCanvas):
    """One `label value` line per item of the latest snapshot.

    Lines are built from segments, not rendered rich Text: this runs every frame on the UI thread,
    which shares the GIL with training.
    """

    def show(self, snapshot, status: str | None = None) -> None:
        values = [(label, status if label == "status" and status else value(snapshot)) for label, value in STATS]
        self.show_lines([_stat_line(label, value) for label, value in values if value is not None])

    def show_loading(self, snapshot) -> None:
        """What is known before torch is loaded (state.before_training): the data and the device."""
        items = [("status", "loading")] + [(label, value(snapshot)) for label, value in STATS if label in LOADING]
        note = Strip([Segment("starting torch…", NOTE_STYLE)])
        self.show_lines([_stat_line(label, value) for label, value in items if value is not None] + [Strip([]), note])


def _stat_line(label: str, value: str) -> Strip:
    style = Style.parse(STATUS_STYLES.get(value, "bold")) if label == "status" else VALUE_STYLE
    return Strip([Segment(f"{label:<{LABEL_WIDTH}}", LABEL_STYLE), Segment(value, style)])
