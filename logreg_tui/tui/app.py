"""The Textual app: layout, keys, the training worker and the redraw timer. Training lives in training/engine.py."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from logreg_tui.core.data import Dataset
from logreg_tui.core.display import colour_depth, light_background, wants_ascii
from logreg_tui.core.export import export_run, run_files, run_stem, write_new_file, zipped
from logreg_tui.core.formatting import format_number, printable
from logreg_tui.core.options import Options, speed, train_config
from logreg_tui.core.pacing import FLAT_OUT_STATS_FPS, RedrawPacer
from logreg_tui.core.runs import ghost_name
from logreg_tui.core.settings import learning_rate
from logreg_tui.core.state import LR_MAX, LR_MIN, SPEED_MIN, Snapshot, before_training
from logreg_tui.tui import app_signals
from logreg_tui.tui.screens import (
    FIRST_IN_FOOTER,
    FOOTER_NAMES,
    HIDDEN_IN_FOOTER,
    KEY_NAMES,
    KEYS,
    HelpScreen,
    ValuePrompt,
)
from logreg_tui.tui.stats import StatsPanel
from logreg_tui.tui.widgets import LandscapeView, Plots, PlotView, plot_colors
from logreg_tui.views.plot_process import PlotProcess
from logreg_tui.views.screenshot import placed_cells


def _footer_place(key_row: tuple[str, ...]) -> int:
    """Where a key stands in the footer: FIRST_IN_FOOTER in its order, then the rest in the key table's."""
    key = key_row[0]
    return FIRST_IN_FOOTER.index(key) if key in FIRST_IN_FOOTER else len(FIRST_IN_FOOTER)


MAX_PENDING_DELIVERIES = 5  # unfetched downloads a tab's app holds at most (1000 e presses grew it by 380 MB)


class EngineAnswered(Message):
    """The engine has published the answer to a command (posted from its thread)."""


class LogRegApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "logreg-tui"
    # the footer shows bindings in this order and cuts what does not fit: help and quit come first
    BINDINGS = [Binding(key, action, label, show=key not in HIDDEN_IN_FOOTER, tooltip=what,
                        key_display=FOOTER_NAMES.get(key))
                for key, action, label, what in sorted(KEYS, key=_footer_place)] + [
        Binding("ctrl+q,ctrl+c", "quit", "quit", show=False, priority=True),
        Binding("ctrl+z", "suspend_process", "suspend", show=False),  # in raw mode the terminal sends it as a key
    ]

    def __init__(self, options: Options, dataset: Dataset, directory: Path | None = None) -> None:
        super().__init__()
        self.options = options
        self.dataset = dataset
        self.directory = directory or Path.cwd()  # where export and screenshots go
        self.engine = None  # set by the worker once torch is imported
        self.shown_version = -1  # of the snapshot the stats show
        self.plotted_version = -1  # of the snapshot the plots were last asked to show
        self.plot_process = PlotProcess()
        self._plot_seconds = 0.0  # this thread's time spent asking for plots (or drawing them)
        self._pacer = RedrawPacer()
        self._quitting = False
        self._failed: str | None = None
        self._before_training = before_training(dataset, train_config(options))  # shown until torch is loaded
        self._queued: list[Callable] = []  # engine commands from keys pressed while torch loads, in order
        self._released = False  # the engine was told to start, after the queued commands
        self._pending_deliveries = 0  # downloads sent to a browser tab and not yet fetched
        self._message_is_engines = False  # the message line shows the engine's message (cleared with it)
        self._last_event = self._last_ghost = None  # the newest event and ghost already told in the message line
        self._alternative = "tutorial" if options.settings.autograd == "tutorial" else "custom"
        self.colour_depth = "truecolor"  # and ascii: what the terminal shows, known once it runs (on_mount)
        self.ascii = False
        self._colors_for: tuple | None = None  # (theme, depth, ascii) that self._colors were worked out for

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield Plots(self.plot_process, id="plots")
            yield StatsPanel(id="stats")
        yield Static("", id="message", markup=False)  # messages quote file names and input: never markup
        yield Footer()

    @property
    def frames_per_second(self) -> int:
        return min(self.options.fps, 2) if self.options.low_bandwidth else self.options.fps

    def on_mount(self) -> None:
        # found once: a query walks the whole DOM, and the timer asks many times a second while training holds the GIL
        self._stats = self.query_one(StatsPanel)
        self._message_line = self.query_one("#message", Static)
        self._plot_views = list(self.query(PlotView))
        self.colour_depth = colour_depth(self.options.colors, self.console.color_system, self.no_color,
                                         headless=self.is_headless)
        self.ascii = wants_ascii(os.environ) if self.options.ascii is None else self.options.ascii
        self.set_class(self.ascii, "-ascii")
        if self.colour_depth == "16":  # the terminal's own colours and background, not nearest matches of the theme's
            self.theme = "ansi-light" if light_background(os.environ) else "ansi-dark"
        self.set_interval(1 / self.frames_per_second, self.refresh_from_engine)
        self._stats.show_loading(self._before_training)
        if notes := self._data_notes():
            self._set_message(notes, from_engine=False)
        self.call_after_refresh(self._draw_waiting_plots)
        self.theme_changed_signal.subscribe(self, self._redraw_in_new_colours)
        self.call_after_refresh(self.plot_process.start)  # plots are drawn here until it is ready
        # start torch's slow import only once the first frame is on screen
        self.call_after_refresh(self.run_worker, self._train, thread=True, name="engine", exit_on_error=False)
        self.watch(self, "app_focus", self._list_keys_in_footer, init=False)
        app_signals.install(self, lambda: self.call_later(self.action_quit))

    def _list_keys_in_footer(self, focused: bool) -> None:
        """Textual's footer lists the keys only when the bindings change while the app has focus; a browser tab
        (--serve) starts without it, so list them when it comes."""
        if focused:
            footer = self.query_one(Footer)
            footer.call_later(footer.bindings_changed, self.screen)  # in the footer's own context, as Textual does

    def _redraw_in_new_colours(self, theme) -> None:
        """Plots take their colours from the theme: redraw at once, paused or not."""
        if self.engine is None:
            self._draw_waiting_plots()
        else:
            self.refresh_from_engine(force=True)

    def _draw_waiting_plots(self) -> None:
        self._plot(self._before_training)

    # -- the worker thread: owns the engine, never touches widgets

    def _train(self) -> None:
        from logreg_tui.training.engine import start_engine

        engine = start_engine(self.dataset, train_config(
            self.options, publish_interval=0.5 / self.frames_per_second,
            uncapped_publish_interval=0.5 / min(FLAT_OUT_STATS_FPS, self.frames_per_second)), held=True)
        engine.on_answer = lambda snapshot: self.post_message(EngineAnswered())  # post_message is thread-safe
        self.engine = engine
        if not self._quitting:
            engine.run()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self._failed = f"training stopped: {type(event.worker.error).__name__}: {event.worker.error}"
            self._set_message(self._failed + "  (q quits)")
            self.shown_version = -1
            self.refresh_from_engine()

    # -- the timer: read the latest snapshot, redraw what changed

    def refresh_from_engine(self, force: bool = False) -> None:
        engine = self.engine
        if engine is None or not self._widgets_up():
            return
        if not self._released:  # the keys pressed while torch loaded apply first, at epoch 0; then training starts
            queued, self._queued, self._released = self._queued, [], True
            for send in queued:
                send(engine)
            engine.release()
            if queued:
                self._set_message(self._data_notes(), from_engine=False)  # the queue's note is done
        snapshot = engine.latest
        now = time.monotonic()
        self.plot_process.check(now)
        if self.plot_process.notice:
            self._set_message(self.plot_process.notice, from_engine=False)
            self.plot_process.notice = ""
        flat_out = snapshot.speed is None and snapshot.status == "running"
        if force or (snapshot.version != self.shown_version and self._pacer.stats_due(now, flat_out)):
            self.shown_version = snapshot.version
            self._pacer.stats_shown(now)
            self._show_stats(snapshot)
        paced = flat_out or self.options.low_bandwidth  # on a slow link, plots once a second: most of the bytes
        if force or (snapshot.version != self.plotted_version and self._pacer.plots_due(now, paced)):
            self.plotted_version = snapshot.version
            started = time.thread_time()
            self._plot(snapshot)
            self._plot_seconds += time.thread_time() - started
            self._pacer.plots_shown(now, self._plot_seconds + self.plot_process.cpu_seconds)

    def _widgets_up(self) -> bool:
        """False while the app is closing: a timer or an answer can still fire after the widgets are gone."""
        return not self._quitting and self._stats.is_attached

    def _show_stats(self, snapshot: Snapshot) -> None:
        self._stats.show(snapshot, status="error" if self._failed else None)
        if snapshot.message:  # a stop's message names its cause and the way past it
            self._set_message(snapshot.message)
        elif not self._failed and self._message_is_engines:
            self._set_message("")
        self._tell_news(snapshot)

    def _tell_news(self, snapshot: Snapshot) -> None:
        """A change just recorded, or a run just kept as a ghost, in the message line (once each)."""
        event = snapshot.events[-1] if snapshot.events else None
        ghost = snapshot.ghosts[0] if snapshot.ghosts else None
        if ghost is not self._last_ghost and ghost is not None and not snapshot.message:
            self._set_message(f"new run; the last one ({ghost.epoch} epochs) stays behind it as {ghost_name(0)!r} "
                              "(g hides the earlier runs, G forgets them)", from_engine=False)
        elif event is not self._last_event and event is not None and not snapshot.message:
            self._set_message(f"epoch {event.epoch}: {event.what}", from_engine=False)
        self._last_event, self._last_ghost = event, ghost

    def _plot(self, snapshot: Snapshot) -> None:
        shows = (self.theme, self.colour_depth, self.ascii)
        if shows != self._colors_for:  # the theme's colours, worked out once per theme (~170 CSS variables)
            self._colors, self._colors_for = plot_colors(self), shows
        colors = self._colors
        for view in self._plot_views:
            view.update(snapshot, colors)

    def _set_message(self, text: str, from_engine: bool = True) -> None:
        self._message_is_engines = from_engine
        self._message_line.update(printable(text))

    # -- actions

    def _command(self, send: Callable) -> None:
        """Send a command to the engine; while torch loads, queue it, to be sent in order once the engine exists."""
        if self.engine is None or not self._released:
            self._queued.append(send)
            self._set_message(f"loading torch… {len(self._queued)} key(s) queued", from_engine=False)
        else:
            send(self.engine)

    @on(EngineAnswered)
    def _show_answer(self) -> None:
        """The engine published right after a command: show it now (the timer alone would show a key's effect up
        to a frame, or at full speed a stats period, late)."""
        self.refresh_from_engine(force=True)

    def action_engine(self, command: str, *args) -> None:
        """An engine command by name (the key table's `engine('scale_lr', 2)`)."""
        self._command(lambda engine: getattr(engine, command)(*args))

    def action_reseed(self) -> None:
        if self.dataset.seed is None:
            self._set_message(f"r does nothing here: {self.dataset.source} is a file; new data needs --seed "
                              "without --data", from_engine=False)
            return
        self._command(lambda engine: engine.reseed())

    def action_toggle_autograd(self) -> None:
        self._command(lambda engine: engine.toggle_autograd(self._alternative))

    def action_type_lr(self) -> None:
        lr = self.engine.latest.lr if self.engine else self.options.settings.lr
        self._prompt(f"learning rate ({LR_MIN:g} … {LR_MAX:g})", learning_rate, format_number(lr), "set_lr")

    def action_type_speed(self) -> None:
        cap = self.engine.latest.speed if self.engine else self.options.speed
        shown = "max" if cap is None else format_number(cap)
        self._prompt(f"epochs per second (≥ {SPEED_MIN:g}, or max)", speed, shown, "set_speed")

    def _prompt(self, question: str, parse: Callable, shown: str, command: str) -> None:
        """Ask for a value; a valid one goes to the engine command of that name."""
        self.push_screen(ValuePrompt(question, parse, shown),
                         lambda typed: typed and self.action_engine(command, *typed))

    def action_toggle_loss(self, setting: str) -> None:
        """Flip one of the loss plot's LossSettings (log_y, smooth, tail)."""
        view = self.query_one("#loss", PlotView)
        view.settings = replace(view.settings, **{setting: not getattr(view.settings, setting)})

    def action_toggle_ghosts(self) -> None:
        """Show or hide the ghosts on the loss plot and the landscape."""
        shown = False
        for view in (self.query_one("#loss", PlotView), self.query_one(LandscapeView)):
            view.settings = replace(view.settings, ghosts=not view.settings.ghosts)
            shown = view.settings.ghosts
        count = len(self.engine.latest.ghosts) if self.engine else 0
        self._set_message(f"{count} earlier run{'s' if count != 1 else ''} {'shown' if shown else 'hidden'}"
                          + ("" if count else ": z or r starts a new run and keeps the last one to compare"),
                          from_engine=False)

    def action_clear_ghosts(self) -> None:
        self.action_engine("clear_ghosts")
        self._set_message("earlier runs forgotten", from_engine=False)

    def action_toggle_landscape(self) -> None:
        if not self.query_one(Plots).toggle_landscape():
            self._set_message("m: every plot is on screen at this size", from_engine=False)

    def action_move(self, columns: int, rows: int) -> None:
        """Move (w, b) by cells of the landscape's map."""
        dw, db = self.query_one(Plots).map_cell(self.engine.latest if self.engine else self._before_training)
        self.action_engine("move_by", columns * dw, rows * db)

    def on_landscape_view_moved(self, message: LandscapeView.Moved) -> None:
        self.action_engine("move_to", message.w, message.b)

    def action_export(self) -> None:
        if self.engine is None:
            self._set_message("export: nothing to export while torch loads", from_engine=False)
            return

        snapshot = self.engine.latest
        if self.is_web:  # served to a browser: the files go to the person, not onto the server's disk
            # one zip: a page may open one download per key press (a browser blocks the second window)
            stem = run_stem(snapshot)
            files = run_files(self.options, snapshot, stem)
            self._deliver(f"{stem}.zip", zipped(files),
                          f"sent {stem}.zip to the browser: {', '.join(name for name, _ in files)}")
            return

        def export() -> str:
            csv_path, json_path, ghosts = export_run(self.directory, self.options, snapshot)
            also = f" (+ {len(ghosts)} ghost CSV{'s' if len(ghosts) > 1 else ''})" if ghosts else ""
            return f"exported {csv_path} and {json_path.name}{also}"

        self._save("export", export)

    def action_screenshot(self) -> None:
        if self.is_web:
            self._deliver("logreg-tui.svg", placed_cells(self.export_screenshot()).encode(),
                          "sent logreg-tui.svg to the browser")
            return
        svg = placed_cells(self.export_screenshot())  # drawn right by rsvg-convert and browsers alike
        self._save("screenshot", lambda: f"saved {write_new_file(self.directory, 'logreg-tui', '.svg', svg)}")

    def _data_notes(self) -> str:
        """How a CSV was read and the scale hint, when there is anything to say about the data."""
        return " · ".join(filter(None, (self.dataset.reading, self.dataset.scale_hint())))

    def _deliveries_waiting(self) -> bool:
        """True (and said) when MAX_PENDING_DELIVERIES downloads wait to be fetched: each is held in memory."""
        if self._pending_deliveries < MAX_PENDING_DELIVERIES:
            return False
        self._set_message(f"{self._pending_deliveries} downloads are waiting for the browser to fetch them; "
                          "allow this page's pop-ups (or fetch them) first", from_engine=False)
        return True

    def on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        self._pending_deliveries = max(self._pending_deliveries - 1, 0)

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        self._pending_deliveries = max(self._pending_deliveries - 1, 0)

    def _deliver(self, name: str, data: bytes, done: str) -> None:
        """A file as one download in the browser tab that runs this app (textual-serve), unless too many wait."""
        if self._deliveries_waiting():
            return
        self._pending_deliveries += 1
        self.deliver_binary(io.BytesIO(data), save_filename=name)
        self._set_message(done, from_engine=False)

    def _save(self, what: str, write: Callable[[], str]) -> None:
        """Write files into the directory; the message says where, or why not."""
        try:
            done = write()
        except OSError as error:
            done = f"{what} failed: {error.strerror or error}: {self.directory}"
        self._set_message(done, from_engine=False)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.stop_engine()
        self.exit()

    def stop_engine(self) -> None:
        self._quitting = True
        if self.engine is not None:
            self.engine.close()

    def on_unmount(self) -> None:
        self.stop_engine()
        self.plot_process.close()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own "Screenshot" writes to ~/Downloads, which may not exist: ours writes where ctrl+s does
        yield from (command for command in super().get_system_commands(screen) if command.title != "Screenshot")
        yield SystemCommand("Screenshot", "Save an SVG screenshot in the current directory (ctrl+s)",
                            self.action_screenshot)
        for key, action, label, what in KEYS:
            yield SystemCommand(f"{label} ({KEY_NAMES.get(key, key)})", what,
                                lambda action=action: self.run_action(action))
