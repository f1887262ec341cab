"""The Textual app: layout, keys, the training worker and the redraw timer. Training lives in engine.py."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from logreg_tui.data import Dataset
from logreg_tui.export import export_run, write_new_file
from logreg_tui.formatting import format_number
from logreg_tui.options import Options, positive, speed, train_config
from logreg_tui.plot_process import PlotProcess
from logreg_tui.plots import DataSettings, LossSettings, data_view, loss_view
from logreg_tui.screens import FIRST_IN_FOOTER, KEY_NAMES, KEYS, HelpScreen, ValuePrompt
from logreg_tui.state import Snapshot, before_training
from logreg_tui.widgets import PlotView, StatsPanel, plot_colors

PLOT_SHARE = 0.015  # of wall time that plots may take this thread while training runs uncapped
FLAT_OUT_PLOT_FPS = 1  # plot updates per second at most while training runs uncapped
FLAT_OUT_STATS_FPS = 5  # stats updates per second while training runs uncapped


class LogRegApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "logreg-tui"
    # the footer shows bindings in this order and cuts what does not fit: help and quit come first
    BINDINGS = [Binding(key, action, label, show=key not in ("N", "ctrl+s", "L", "S"), tooltip=what,
                        key_display=KEY_NAMES.get(key))
                for key, action, label, what in sorted(KEYS, key=lambda k: k[0] not in FIRST_IN_FOOTER)] + [
        Binding("ctrl+q,ctrl+c", "quit", "quit", show=False, priority=True),
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
        self._plot_seconds_then = 0.0  # that plus taking the plot process's answers, at the last plot update
        self._next_plot_at = 0.0
        self._next_stats_at = 0.0
        self._quitting = False
        self._failed: str | None = None
        self._queued: list[Callable] = []  # engine commands from keys pressed while torch loads, in order
        self._message_is_engines = False  # the message line shows the engine's message (cleared with it)
        self._alternative = "tutorial" if options.autograd == "tutorial" else "custom"

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="plots"):
                yield PlotView(loss_view, LossSettings(), self.plot_process, id="loss")
                yield PlotView(data_view, DataSettings(), self.plot_process, id="data")
            yield StatsPanel(id="stats")
        yield Static("", id="message")
        yield Footer()

    @property
    def frames_per_second(self) -> int:
        return min(self.options.fps, 2) if self.options.low_bandwidth else self.options.fps

    def on_mount(self) -> None:
        self.set_interval(1 / self.frames_per_second, self.refresh_from_engine)
        self.query_one(StatsPanel).show_loading(self.dataset.n_points, self.dataset.seed, self.dataset.source,
                                                  self.options.device)
        if hint := self.dataset.scale_hint():
            self._set_message(hint, from_engine=False)
        self.call_after_refresh(self._draw_waiting_plots)
        self.theme_changed_signal.subscribe(self, self._redraw_in_new_colours)
        self.call_after_refresh(self.plot_process.start)  # plots are drawn here until it is ready
        # start torch's slow import only once the first frame is on screen
        self.call_after_refresh(self.run_worker, self._train, thread=True, name="engine", exit_on_error=False)

    def _redraw_in_new_colours(self, theme) -> None:
        """Plots take their colours from the theme: redraw at once, paused or not."""
        if self.engine is None:
            self._draw_waiting_plots()
        else:
            self.refresh_from_engine(force=True)

    def _draw_waiting_plots(self) -> None:
        self._plot(before_training(self.dataset, train_config(self.options)))

    # -- the worker thread: owns the engine, never touches widgets

    def _train(self) -> None:
        from logreg_tui.engine import start_engine

        engine = start_engine(self.dataset, train_config(
            self.options, publish_interval=0.5 / self.frames_per_second,
            uncapped_publish_interval=0.5 / min(FLAT_OUT_STATS_FPS, self.frames_per_second)))
        self.engine = engine
        if not self._quitting:
            engine.run()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self._failed = f"training stopped: {type(event.worker.error).__name__}: {event.worker.error}"
            self._set_message(self._failed + "  (q quits)")
            self.shown_version = -1
            self.refresh_from_engine()

    @property
    def plots_settled(self) -> bool:
        """True when every plot asked for is on screen (tests wait for it)."""
        return not self.plot_process.busy

    # -- the timer: read the latest snapshot, redraw what changed

    def refresh_from_engine(self, force: bool = False) -> None:
        engine = self.engine
        if engine is None:
            return
        if self._queued:
            queued, self._queued = self._queued, []
            for send in queued:
                send(engine)
            self._set_message(self.dataset.scale_hint() or "", from_engine=False)  # the queue's note is done
        snapshot = engine.latest
        now = time.monotonic()
        # Uncapped training is Python-bound and shares the GIL with this thread: each millisecond drawn here
        # is one that training loses. So at full speed the stats change FLAT_OUT_STATS_FPS times a second and
        # the plots at most FLAT_OUT_PLOT_FPS times, taking at most PLOT_SHARE of this thread's time: what
        # they cost here is mostly taking the plot process's answers, or everything if it is not running
        # (bench/terminal.py: app ÷ headless epochs/s).
        flat_out = snapshot.speed is None and snapshot.status == "running"
        if force or (snapshot.version != self.shown_version and (now >= self._next_stats_at or not flat_out)):
            self.shown_version = snapshot.version
            self._next_stats_at = now + 1 / FLAT_OUT_STATS_FPS
            self._show_stats(snapshot)
        paced = flat_out or self.options.low_bandwidth  # on a slow link, plots once a second: most of the bytes
        if force or (snapshot.version != self.plotted_version and (now >= self._next_plot_at or not paced)):
            self.plotted_version = snapshot.version
            started = time.thread_time()
            self._plot(snapshot)
            self._plot_seconds += time.thread_time() - started
            total = self._plot_seconds + self.plot_process.cpu_seconds
            spent, self._plot_seconds_then = total - self._plot_seconds_then, total  # since the last update
            self._next_plot_at = now + max(1 / FLAT_OUT_PLOT_FPS, spent / PLOT_SHARE)

    def _show_stats(self, snapshot: Snapshot) -> None:
        self.query_one(StatsPanel).show(snapshot, status="error" if self._failed else None)
        if snapshot.message or snapshot.status == "diverged":
            self._set_message(snapshot.message + "  (- lowers lr and goes back to the last finite w, b; z resets)")
        elif not self._failed and self._message_is_engines:
            self._set_message("")

    def _plot(self, snapshot: Snapshot) -> None:
        colors = plot_colors(self)
        for view in self.query(PlotView):
            view.update(snapshot, colors)

    def _set_message(self, text: str, from_engine: bool = True) -> None:
        self._message_is_engines = from_engine
        self.query_one("#message", Static).update(text)

    # -- actions

    def _command(self, send: Callable) -> None:
        """Send a command to the engine; while torch loads, queue it, to be sent in order once the engine exists."""
        if self.engine is None or self._queued:
            self._queued.append(send)
            self._set_message(f"loading torch… {len(self._queued)} key(s) queued", from_engine=False)
        else:
            send(self.engine)
            self._show_answer(self.engine.latest.version)

    def _show_answer(self, version: int, tries: int = 25) -> None:
        """Show the engine's next snapshot as soon as it is published (it publishes right after a command).

        The timer alone would show a key's effect up to a frame (or, at full speed, a stats period) late.
        """
        if self.engine.latest.version > version:
            self.refresh_from_engine(force=True)
        elif tries:
            self.set_timer(0.004, lambda: self._show_answer(version, tries - 1))

    def action_toggle_pause(self) -> None:
        self._command(lambda engine: engine.toggle_pause())

    def action_step(self, epochs: int) -> None:
        self._command(lambda engine: engine.step(epochs))

    def action_scale_lr(self, factor: float) -> None:
        self._command(lambda engine: engine.scale_lr(factor))

    def action_reseed(self) -> None:
        if self.dataset.seed is None:
            self._set_message(f"r does nothing here: {self.dataset.source} is a file; new data needs --seed "
                              "without --data", from_engine=False)
            return
        self._command(lambda engine: engine.reseed())

    def action_reset(self) -> None:
        self._command(lambda engine: engine.reset())

    def action_toggle_autograd(self) -> None:
        self._command(lambda engine: engine.toggle_autograd(self._alternative))

    def action_cycle_optimizer(self) -> None:
        self._command(lambda engine: engine.cycle_optimizer())

    def action_cycle_batch_size(self) -> None:
        self._command(lambda engine: engine.cycle_batch_size())

    def action_scale_speed(self, factor: float) -> None:
        self._command(lambda engine: engine.scale_speed(factor))

    def action_type_lr(self) -> None:
        lr = self.engine.latest.lr if self.engine else self.options.lr
        self.push_screen(ValuePrompt("learning rate (a finite number > 0)", positive, format_number(lr)),
                         lambda typed: typed and self._command(lambda engine: engine.set_lr(typed[0])))

    def action_type_speed(self) -> None:
        cap = self.engine.latest.speed if self.engine else self.options.speed
        self.push_screen(ValuePrompt("epochs per second (a number > 0, or max)", speed,
                                     "max" if cap is None else format_number(cap)),
                         lambda typed: typed and self._command(lambda engine: engine.set_speed(typed[0])))

    def action_toggle_loss(self, setting: str) -> None:
        """Flip one of the loss plot's LossSettings (log_y, smooth, tail)."""
        view = self.query_one("#loss", PlotView)
        view.settings = replace(view.settings, **{setting: not getattr(view.settings, setting)})

    def action_export(self) -> None:
        if (engine := self.engine) is None:
            self._set_message("export: nothing to export while torch loads", from_engine=False)
            return
        try:
            csv_path, json_path = export_run(self.directory, self.options, engine.latest)
        except OSError as error:
            self._set_message(f"export failed: {error.strerror or error}: {self.directory}", from_engine=False)
            return
        self._set_message(f"exported {csv_path} and {json_path.name}", from_engine=False)

    def action_screenshot(self) -> None:
        try:
            path = write_new_file(self.directory, "logreg-tui", ".svg", self.export_screenshot())
        except OSError as error:
            self._set_message(f"screenshot failed: {error.strerror or error}: {self.directory}", from_engine=False)
            return
        self._set_message(f"saved {path}", from_engine=False)

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


def run_app(options: Options, dataset: Dataset) -> int:
    app = LogRegApp(options, dataset)
    app.run(mouse=not options.no_mouse)  # without mouse tracking the terminal selects text, as over SSH
    app.stop_engine()
    # The screen is restored and nothing is left to save: skip the interpreter's slow teardown of torch
    # and don't wait for a worker that may still be importing it, so quitting takes well under a second.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(app.return_code or 0)
