"""Plot and stats widgets on Textual's line API: each keeps its last frame and refreshes only the cells that changed."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Protocol

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Container
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from logreg_tui.core.model.state import Snapshot
from logreg_tui.views.canvas import MIN_HEIGHT, MIN_WIDTH, ascii_text, fits, rows_of, size_note
from logreg_tui.views.drawing import Drawing, PlotColors, Rows, ansi_colors
from logreg_tui.views.landscape import geometry, plane_of, plane_words
from logreg_tui.views.plane_plot import geometry as plane_geometry
from logreg_tui.views.plane_plot import grid_scores
from logreg_tui.views.plot_process import PlotProcess
from logreg_tui.views.registry import VIEWS, View
from logreg_tui.views.scatter import in_data_units, sigmoid, value_at_column, x_at_column


def _cells(strip: Strip) -> list[tuple[str, object]]:
    return [(char, segment.style) for segment in strip for char in segment.text]


def changed_spans(old: Strip, new: Strip) -> list[tuple[int, int]]:
    """[start, end) of each run of cells that differ between two strips, runs closer than SPAN_GAP cells joined:
    a cursor move costs less than resending the unchanged cells between (each with its colours)."""
    a, b = _cells(old), _cells(new)
    if len(a) != len(b):
        return [(0, max(len(a), len(b)))]
    spans: list[tuple[int, int]] = []
    for x, (before, after) in enumerate(zip(a, b, strict=True)):
        if before == after:
            continue
        if spans and x - spans[-1][1] < SPAN_GAP:
            spans[-1] = (spans[-1][0], x + 1)
        else:
            spans.append((x, x + 1))
    return spans


SPAN_GAP = 6  # unchanged cells that split a row's refresh in two (a move is about 8 bytes; a coloured cell 3 to 40)


PLAIN = Style()  # every segment gets a style, even a plain one: Textual's NO_COLOR filter reads segment.style.color


def _strip(row: list[tuple[str, str]]) -> Strip:
    return Strip([Segment(text, Style.parse(style) if style else PLAIN) for text, style in row])


class LineCanvas(Widget):
    """Shows lines of text; a new frame refreshes only the changed spans of each changed row.

    Textual resends a widget's whole region when it refreshes; refreshing spans instead is what keeps
    the bytes on an SSH link low once the picture settles.
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
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
        changed = [(y, span) for y, (a, b) in enumerate(zip(old, strips, strict=True)) if a != b
                   for span in changed_spans(a, b)]
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

    def __init__(self, view: View, settings: Any, drawer: PlotProcess, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._view = view
        self._drawer = drawer
        self._settings = settings
        self._inputs: tuple[Snapshot, PlotColors] | None = None
        self._key: object = None
        self._asked = self._shown = 0  # numbers of the latest picture asked for and of the one on screen
        self.shown_epoch = 0  # the epoch of the snapshot the picture on screen shows (tests and benchmarks)
        self.builds = 0  # drawings asked for, for tests and benchmarks

    @property
    def settings(self) -> Any:
        return self._settings

    @settings.setter
    def settings(self, settings: Any) -> None:
        self._settings = settings
        self.replot()

    def update(self, snapshot: Snapshot, colors: PlotColors) -> None:
        self._inputs = (snapshot, colors)
        self.replot()

    def replot(self) -> None:
        if self._inputs is None or not self.size.area:
            return
        snapshot, colors = self._inputs
        key: object
        drawing: str | Drawing
        if note := self._size_note():
            key, drawing = ("small", note), note
        else:
            key, drawing = self._view(snapshot, self._settings, self.size.width, self.size.height, colors)
        if key == self._key:
            if self._shown == self._asked:  # the picture on screen is this snapshot's too
                self.shown_epoch = snapshot.epoch
            return
        self._key = key
        self._asked += 1
        if isinstance(drawing, str):
            self._shown, self.shown_epoch = self._asked, snapshot.epoch
            self.show_text(drawing)
            return
        self.builds += 1
        self._drawer.draw(self, drawing, partial(self._show_drawn, self._asked, epoch=snapshot.epoch))

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
        return size_note(width, height, (terminal.width, terminal.height), needed)

    def _show_drawn(self, number: int, rows: Rows, *, epoch: int) -> None:
        """Show an answer unless a newer picture (or a note) is on screen already, or the app has closed.

        An answer that a newer drawing has overtaken is still shown: while running, every answer would be
        one frame old by the time it comes, and the plots would trail the stats for good."""
        if number > self._shown and self.is_attached:
            self._shown, self.shown_epoch = number, epoch
            self.show_rows(rows)

    def on_resize(self) -> None:
        self._key = None
        self.replot()


class LandscapeView(PlotView):
    """The loss landscape (landscape.landscape_view); a click on its map asks to move θ there (on its plane)."""

    class Moved(Message):
        """A click on the map: θ under it ((w, b) with one feature)."""

        def __init__(self, theta: tuple[float, ...]) -> None:
            super().__init__()
            self.theta = theta

    def cell_size(self, snapshot: Snapshot, size: tuple[int, int] | None = None) -> tuple[float, float]:
        """(w, b) across one map cell at this widget's size (or `size`, while it is hidden); on the plane's axes
        (α, β) with more features."""
        window, frame = geometry(snapshot, self.settings, *(size or self.size))
        return frame.cell_size(window)

    def on_click(self, event: events.Click) -> None:
        if self._inputs is None or not fits(*self.size):
            return
        snapshot = self._inputs[0]
        window, frame = geometry(snapshot, self.settings, *self.size)
        point = frame.point_at(window, event.x, event.y)
        if point is not None:
            self.post_message(self.Moved(plane_of(snapshot, self.settings).theta_at(*point)))


class DataView(PlotView):
    """The data and σ(wx + b); a click on it asks for the threshold t that puts x* under the pointer."""

    class ThresholdAt(Message):
        """A click on the data plot: x there, and t = σ(wx + b) at it (None where w = 0: no x* anywhere)."""

        def __init__(self, x: float, t: float | None) -> None:
            super().__init__()
            self.x, self.t = x, t

    def on_click(self, event: events.Click) -> None:
        if self._inputs is None or not fits(*self.size):
            return
        snapshot = self._inputs[0]
        if snapshot.dataset.d > 1:
            z = self._score_under(snapshot, event.x, event.y)
            if z is not None and math.isfinite(z):
                t = float(sigmoid(np.float64(z)))
                self.post_message(self.ThresholdAt(z, min(max(t, T_NEAREST), 1 - T_NEAREST)))
            return
        x = x_at_column(in_data_units(snapshot.dataset), self.size.width, event.x, snapshot.n_train)
        w, b = snapshot.dataset.original_units(snapshot.w, snapshot.b)
        if x is None or not (math.isfinite(w) and math.isfinite(b)):
            return
        at = float(sigmoid(np.float64(w * x + b))) if w else None
        self.post_message(self.ThresholdAt(x, None if at is None else min(max(at, T_NEAREST), 1 - T_NEAREST)))

    def _score_under(self, snapshot: Snapshot, column: int, row: int) -> float | None:
        """The score z = w·x + b under a click: at the point of the (x₁, x₂) plane with two features, on the score
        axis with more; None off the plot."""
        if snapshot.dataset.in_plane:
            window, frame = plane_geometry(snapshot, *self.size)
            point = frame.point_at(window, column, row)
            if point is None:
                return None
            z = grid_scores(snapshot.weights, snapshot.b, np.array([point[0]]), np.array([point[1]]), snapshot.dataset)
            return float(z[0, 0])
        scores = snapshot.figures.scores
        return value_at_column(scores.low, scores.high, self.size.width, column) if scores else None


T_NEAREST = 1e-6  # a click far out in σ's tail: t as near 0 or 1 as this, x* as near the click as that allows
WIDGETS: dict[str, type[PlotView]] = {"landscape": LandscapeView, "data": DataView}  # where not a PlotView
WIDE = (120, 40)  # from this terminal size on, loss and data beside the landscape (m: or the evaluation)
WIDE_AND_SHORT = (180, 20)  # from this width on, a shorter terminal has three in a row (m: the same)
EVERYTHING = (190, 45)  # from here, all four: loss above data, the landscape and the evaluation beside them


@dataclass(frozen=True)
class Layout:
    """Which views a terminal size shows: `shown` in the grid's order (the registry's), and what m cycles through
    the place of the first of `swaps` (its own view first). app.tcss gives the Plots class `name` its grid; a view
    whose registry row is tall spans the grid's two rows."""

    name: str | None  # the Plots class; None: loss above one plot
    smallest: tuple[int, int]  # (columns, rows) from which it is chosen
    shown: tuple[str, ...]
    swaps: tuple[str, ...] = ()

    def on_screen(self, swap: str) -> set[str]:
        """The views shown with `swap` (one of swaps, or "") in the swapped place."""
        if not self.swaps or not swap:
            return set(self.shown)
        return (set(self.shown) - {self.swaps[0]}) | {swap}


LAYOUTS = (  # the first that fits wins: a new layout, or a view in one, is a row or a name here and a grid in app.tcss
    Layout("full", EVERYTHING, ("loss", "landscape", "evaluation", "data")),
    Layout("wide", WIDE, ("loss", "landscape", "data"), swaps=("landscape", "evaluation")),
    Layout("row", WIDE_AND_SHORT, ("loss", "landscape", "data"), swaps=("landscape", "evaluation")),
    Layout(None, (0, 0), ("loss", "data"), swaps=("data", "landscape", "evaluation")),
)


def layout_of(width: int, height: int) -> Layout:
    """The layout for a terminal size (LAYOUTS): the first whose smallest size it reaches."""
    return next(layout for layout in LAYOUTS if width >= layout.smallest[0] and height >= layout.smallest[1])


class Plots(Container):
    """The plot views: loss above data, with the landscape beside them from WIDE on and the evaluation too from
    EVERYTHING on; where one does not fit, m swaps it in (LAYOUTS says which are shown; app.tcss gives each
    layout's class its grid)."""

    def __init__(self, drawer: PlotProcess, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._drawer = drawer
        self._colors: PlotColors | None = None
        self._colors_for: tuple[object, ...] = ()  # (theme, depth, ascii) that _colors were worked out for
        self.cpu_seconds = 0.0  # the UI thread's time spent asking for plots (or drawing them)
        self._views: list[PlotView] = []  # found once: a query walks the DOM, many times a second otherwise
        self.swap = ""  # of the layout's swaps: what m has put on screen in another plot's place ("": none)

    def show(self, snapshot: Snapshot, app: ShowsPlots) -> None:
        """Every view of this snapshot, in the app's colours (worked out once per theme: ~170 CSS variables)."""
        started = time.thread_time()
        self._views = self._views or list(self.query(PlotView))
        shows = (app.theme, app.colour_depth, app.ascii)
        if self._colors is None or shows != self._colors_for:
            self._colors, self._colors_for = plot_colors(app), shows
        for view in self._views:
            view.update(snapshot, self._colors)
        self.cpu_seconds += time.thread_time() - started

    def toggle_loss(self, setting: str) -> None:
        """Flip one of the loss plot's LossSettings (log_y, smooth, tail)."""
        view = self.query_one("#loss", PlotView)
        view.settings = replace(view.settings, **{setting: not getattr(view.settings, setting)})

    def toggle_ghosts(self) -> bool:
        """Show or hide the ghosts on the loss plot and the landscape; whether they are shown now."""
        shown = False
        for view in (self.query_one("#loss", PlotView), self.query_one(LandscapeView)):
            view.settings = replace(view.settings, ghosts=not view.settings.ghosts)
            shown = view.settings.ghosts
        return shown

    def compose(self) -> ComposeResult:
        for row in VIEWS:
            yield WIDGETS.get(row.name, PlotView)(row.view, row.settings, self._drawer, id=row.name,
                                                  classes="tall" if row.tall else None)

    def on_resize(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        layout = layout_of(*self.app.size)
        for each in LAYOUTS:
            if each.name:
                self.set_class(each is layout, each.name)
        shown = layout.on_screen(self.swap if self.swap in layout.swaps else "")
        self._views = self._views or list(self.query(PlotView))
        for view in self._views:
            view.display = view.id in shown

    def hide_minimum(self, hidden: bool) -> None:
        """The landscape without its minimum's ✕ and the valley's axes through it (a lesson asks where it is)."""
        view = self.query_one(LandscapeView)
        view.settings = replace(view.settings, hide_minimum=hidden)

    def toggle_landscape(self) -> bool:
        """m: below WIDE the data's place shows the landscape, then the evaluation, then the data again; at WIDE
        and in a row the landscape's column swaps it with the evaluation; False when all are on screen anyway."""
        swaps = layout_of(*self.app.size).swaps
        if not swaps:
            return False
        turn = swaps.index(self.swap) if self.swap in swaps else 0
        self.swap = swaps[(turn + 1) % len(swaps)]
        self._lay_out()
        return True

    def map_step(self, snapshot: Snapshot, columns: int, rows: int) -> tuple[float, ...]:
        """The move of θ by `columns` and `rows` cells of the landscape's map (up: rows > 0), as shown or as it
        would be in the data's place: along w and b with one feature, along the map's plane with more."""
        view = self.query_one(LandscapeView)
        data = self.query_one("#data", PlotView).size
        across, up = view.cell_size(snapshot, None if view.size.area else (data.width, data.height))
        return plane_of(snapshot, view.settings).step(columns * across, rows * up)

    def cycle_plane(self, snapshot: Snapshot) -> str:
        """v: the landscape's next plane (with more than one feature); what it shows now, in words."""
        view = self.query_one(LandscapeView)
        if snapshot.dataset.d > 1:
            view.settings = replace(view.settings, plane=view.settings.plane + 1)
        return plane_words(snapshot, view.settings)


class KeysFooter(Footer):
    """Textual's footer lists the keys only when the bindings change while the app has focus; a browser tab
    (--serve) starts without it, so this one lists them when it comes."""

    _several = False  # more than one feature: the keys for planes are listed

    FOR_SEVERAL_FEATURES = ("cycle_plane",)  # keys that do nothing with one feature: left out of its footer

    def on_mount(self) -> None:
        self.watch(self.app, "app_focus", self._list_keys, init=False)
        self._width = self.app.size.width

    def features(self, d: int) -> None:
        """The data's feature count: where it crosses 1, the footer lists the keys again (v plane or not)."""
        several = d > 1
        if several != self._several:
            self._several = several
            self.call_later(self.recompose)  # in the footer's own context: its keys bind to it

    def _list_keys(self, focused: bool) -> None:
        if focused:
            self.call_later(self.bindings_changed, self.screen)  # in the footer's own context, as Textual does

    def compose(self) -> ComposeResult:
        """Textual's keys, but only the whole entries that fit beside the palette's (never one cut mid-word), and
        in ASCII where the terminal has no such glyphs."""
        keys = [key for key in super().compose() if isinstance(key, FooterKey)]
        palette = [key for key in keys if key.has_class("-command-palette")]
        room = self.app.size.width - sum(_footer_width(key) for key in palette)
        shown: list[FooterKey] = []
        for key in keys:
            if key in palette or (key.action in self.FOR_SEVERAL_FEATURES and not self._several):
                continue
            room -= _footer_width(key)
            if room < 0:
                break
            shown.append(key)
        self.styles.grid_size_columns = len(shown)
        for key in shown + palette:
            if getattr(self.app, "ascii", False):  # the plots' own ASCII, the four arrows as one word
                key.key_display = ascii_text(key.key_display.replace("←→↑↓", "arrows"))
                key.description = ascii_text(key.description)
            yield key

    def on_resize(self) -> None:
        if self.app.size.width != getattr(self, "_width", None):  # which entries fit has changed
            self._width = self.app.size.width
            self.call_after_refresh(self.recompose)


def _footer_width(key: FooterKey) -> int:
    """The cells a footer entry takes: its key and its words, with a cell either side and between (Textual's)."""
    return cell_len(key.key_display) + cell_len(key.description) + 3


class ShowsPlots(Protocol):
    """What plot_colors reads of the app: its theme's variables and what the terminal shows."""

    theme: str
    colour_depth: str
    ascii: bool

    def get_css_variables(self) -> dict[str, str]: ...


def plot_colors(app: ShowsPlots) -> PlotColors:
    """Plot colours from the current theme, as its CSS variables resolve them (a theme may leave some unset)."""
    depth, ascii = app.colour_depth, app.ascii
    if depth == "16":
        return ansi_colors(ascii)
    variables = app.get_css_variables()

    def rgb(name: str) -> tuple[int, int, int]:
        return Color.parse(variables[name]).rgb

    text, background = rgb("foreground"), rgb("background")
    dim = Color(*text).blend(Color(*background), 0.6).rgb
    curve, marker = rgb("accent"), rgb("warning")
    if _alike(curve, marker):  # many themes (textual-dark among them) give both one colour: σ and x* would be one
        marker = Color(*marker).blend(Color(*text), 0.6).rgb
    return PlotColors(text=text, line=rgb("primary"), dim=dim, curve=curve, class0=rgb("error"),
                      class1=rgb("success"), marker=marker, background=background, depth=depth, ascii=ascii)


def _alike(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) < 90
