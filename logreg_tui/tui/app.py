"""The Textual app: layout, keys, the training worker and the redraw timer. Training lives in training/engine.py."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen

from logreg_tui.core.files.export import run_command
from logreg_tui.core.files.replay import command_line
from logreg_tui.core.model.commands import BY_NAME as COMMANDS
from logreg_tui.core.model.crosses import CROSSES
from logreg_tui.core.model.data import DataError, Dataset
from logreg_tui.core.model.datasets import SHAPES
from logreg_tui.core.model.lesson import Lesson
from logreg_tui.core.model.options import Options, load_dataset, preset_options, speed, train_config
from logreg_tui.core.model.pacing import FLAT_OUT_STATS_FPS, RedrawPacer
from logreg_tui.core.model.settings import BY_NAME, Autograd
from logreg_tui.core.model.state import SPEED_MIN, Snapshot, before_training
from logreg_tui.core.words.display import terminal_look
from logreg_tui.core.words.formatting import format_number, printable
from logreg_tui.core.words.presets import PRESETS, next_preset
from logreg_tui.tui import app_signals, partial_updates
from logreg_tui.tui.keys import bindings, system_commands
from logreg_tui.tui.lesson_mode import LessonMode
from logreg_tui.tui.link import Command, EngineAnswered, EngineLink
from logreg_tui.tui.message_line import MessageLine
from logreg_tui.tui.outbox import Outbox
from logreg_tui.tui.screens import FeaturesPrompt, HelpScreen, OnceClosingPalette, ValuePrompt
from logreg_tui.tui.stats import StatsPanel
from logreg_tui.tui.widgets import DataView, KeysFooter, LandscapeView, Plots
from logreg_tui.views.plot_process import PlotProcess

if TYPE_CHECKING:
    from logreg_tui.training.engine import Engine


LAST_FRAME_SECONDS = 1.0  # --exit-when-done: the run's last plots drawn before the app leaves


class LogRegApp(App):
    """Layout, bindings and actions; the engine through `link`, the message line, files through `outbox`."""

    CSS_PATH = "app.tcss"
    TITLE = "logreg-tui"
    BINDINGS: ClassVar[list[BindingType]] = bindings()  # the key table (keys.py)

    def __init__(self, options: Options, dataset: Dataset, directory: Path | None = None,
                 lesson: Lesson | None = None) -> None:
        """`lesson`: --lesson's steps, each a run with its question and reveal (tui/lesson_mode.py)."""
        super().__init__()
        partial_updates.install()  # a changed span of a row is sent alone, not from the row's start
        self.options = options
        self.dataset = dataset
        self.link = EngineLink(before_training(dataset, train_config(options, dataset.d)), options.preset,
                               options.function)
        self.outbox = Outbox(self, directory or Path.cwd())  # export and screenshots go there
        self.frames_per_second = min(options.fps, 2) if options.low_bandwidth else options.fps
        self.plot_process = PlotProcess()
        self.pacer = RedrawPacer()
        self.frames = 0  # refresh_from_engine's runs: a frame's tick, which a test can wait for instead of guessing
        self._quitting = False
        self._leaving = False  # --exit-when-done: the run is done and the app is about to leave
        self._alternative: Autograd = "file" if options.function else \
            "tutorial" if options.settings.autograd == "tutorial" else "custom"
        self.colour_depth = "truecolor"  # and ascii: what the terminal shows, known once it runs (on_mount)
        self.ascii = False
        self.lesson = LessonMode(lesson, self, directory or Path.cwd()) if lesson else None

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield Plots(self.plot_process, id="plots")
            yield StatsPanel(id="stats")
        yield MessageLine(id="message")
        yield KeysFooter()

    @property
    def engine(self) -> Engine | None:
        """The engine, once the worker has made it (torch loaded)."""
        return self.link.engine

    def on_key(self, event: events.Key) -> None:
        """A key no binding took and no widget used: one typed in one burst with the key that opened a prompt,
        before its Input had focus, belongs to the prompt."""
        if isinstance(self.screen, ValuePrompt) and self.screen.take_early_key(event.key, event.character):
            event.stop()

    def on_mount(self) -> None:
        # found once: a query walks the whole DOM, and the timer asks many times a second while training holds the GIL
        self._stats = self.query_one(StatsPanel)
        self._message_line = self.query_one(MessageLine)
        self._plots = self.query_one(Plots)
        self._footer = self.query_one(KeysFooter)
        self.colour_depth, self.ascii, theme = terminal_look(self.options.colors, self.options.ascii,
                                                             self.console.color_system, self.no_color,
                                                             self.is_headless, os.environ)
        self.set_class(self.ascii, "-ascii")
        if theme or self.options.theme:  # 16 colours: the terminal's own palette, whatever --theme says
            self.theme = theme or self.options.theme or self.theme
        self.set_interval(1 / self.frames_per_second, self.refresh_from_engine)
        if self.link.function is not None:  # --function's file: reloaded when saved
            self.set_interval(0.5, self._watch_function)
        self._stats.show_loading(self.link.before_training)
        if notes := self.dataset.notes() or self._replaying():
            self.say(notes)
        self.call_after_refresh(self._plots.show, self.link.before_training, self)
        self.theme_changed_signal.subscribe(self, self._redraw_in_new_colours)
        self.call_after_refresh(self.plot_process.start)  # plots are drawn here until it is ready
        # start torch's slow import only once the first frame is on screen
        self.call_after_refresh(self._start_training)
        for key in self.options.keys:  # --keys: the views a --render shows, as if pressed at once
            self.call_after_refresh(self.simulate_key, key)
        if self.lesson:
            self.call_after_refresh(self.lesson.begin)
        app_signals.install(self, partial(self.call_later, self.action_quit))

    def _replaying(self) -> str:
        script = self.options.script
        return (f"replaying {self.options.replay}: {len(script)} recorded change(s) at their epochs; any change of "
                "yours takes over") if script else ""

    def _redraw_in_new_colours(self, theme: object) -> None:
        """Plots take their colours from the theme: redraw at once, paused or not."""
        if self.engine is None:
            self._plots.show(self.link.before_training, self)
        else:
            self.refresh_from_engine(force=True)

    # -- the worker thread: owns the engine, never touches widgets

    def _start_training(self) -> None:
        """The engine's thread: a daemon, so that quitting never waits for it, whatever it is doing (a person's
        Function looping for ever on the real data, a step that does not end)."""
        threading.Thread(target=self._train, name="engine", daemon=True).start()

    def _train(self) -> None:
        config = train_config(self.options, self.dataset.d, publish_interval=0.5 / self.frames_per_second,
                              uncapped_publish_interval=0.5 / min(FLAT_OUT_STATS_FPS, self.frames_per_second))
        try:
            self.link.train(self.dataset, config, self._answered, lambda: self._quitting)
        except Exception as error:  # said on screen; the app and the run's figures stay
            if not self._quitting:
                self.call_from_thread(self._training_failed, error)

    def _watch_function(self) -> None:
        watch, engine = self.link.function, self.engine
        if watch is not None and engine is not None and watch.changed():
            self.say(f"checking {printable(Path(watch.path).name)}…")
            watch.check_in_background(engine)

    def _answered(self, snapshot: Snapshot) -> None:
        self.post_message(EngineAnswered())  # from the engine's thread: post_message is thread-safe

    def _training_failed(self, error: Exception) -> None:
        self._message_line.failed = True
        self.say(f"training stopped: {type(error).__name__}: {error}  (q quits)")
        self.pacer.shown_version = -1
        self.refresh_from_engine()

    # -- the timer: read the latest snapshot, redraw what changed

    def refresh_from_engine(self, force: bool = False) -> None:
        engine = self.engine
        if engine is None or not self._widgets_up():
            return
        self.frames += 1
        if self.link.release():  # the keys pressed while torch loaded applied first, at epoch 0
            self.say(self.dataset.notes())  # the queue's note is done
        snapshot = engine.latest
        if self.options.exit_when_done and snapshot.status == "done" and not self._leaving:
            self._leaving = True  # --render: the last frame drawn, then out
            self.set_timer(LAST_FRAME_SECONDS, self.exit)
        self._footer.features(snapshot.dataset.d)
        now = time.monotonic()
        self.plot_process.check(now)
        if notice := self.plot_process.take_notice():
            self.say(notice)
        flat_out = snapshot.speed is None and snapshot.status == "running"
        if self.lesson:
            self.lesson.check(snapshot)
        if self.pacer.show_stats(snapshot.version, now, flat_out, force):
            self._stats.show(snapshot, status="error" if self._message_line.failed else None,
                             lesson=self.lesson.where if self.lesson else None)
            self._message_line.show_engine(snapshot)
        paced = flat_out or self.options.low_bandwidth  # on a slow link, plots once a second: most of the bytes
        if self.pacer.show_plots(snapshot.version, now, paced, force):
            self._plots.show(snapshot, self)
            self.pacer.plots_shown(now, self._plots.cpu_seconds + self.plot_process.cpu_seconds)

    def _widgets_up(self) -> bool:
        """False while the app is closing: a timer or an answer can still fire after the widgets are gone."""
        return not self._quitting and self._stats.is_attached

    def say(self, text: str) -> None:
        """A line on the message line (keys, prompts, a lesson step)."""
        self._message_line.say(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A lesson's step may lock keys (lesson_mode.LessonMode.locks): shown dimmed, they do nothing."""
        if self.lesson is not None:
            bound = f"{action}({', '.join(map(repr, parameters))})" if parameters else action
            if self.lesson.locks(bound):
                return None
        return True

    def hide_minimum(self, hidden: bool) -> None:
        """The landscape's minimum hidden or shown again (lesson mode's: where is the minimum?)."""
        self._plots.hide_minimum(hidden)
        self.call_later(self.refresh_from_engine, True)

    def latest(self) -> Snapshot:
        """The engine's latest snapshot (lesson mode's: where ● is)."""
        return self.link.latest

    # -- actions

    def send(self, command: Command) -> None:
        """A command to the engine (a key, a prompt, a lesson step); while torch loads, it waits in the link's queue."""
        if queued := self.link.send(command):
            self.say(f"loading torch… {queued} key(s) queued")

    @on(EngineAnswered)
    def _show_answer(self) -> None:
        """The engine published right after a command: show it now (the timer alone would show a key's effect up
        to a frame, or at full speed a stats period, late)."""
        self.refresh_from_engine(force=True)

    def action_engine(self, command: str, *args: Any) -> None:
        """An engine command by name (the key table's `engine('scale_lr', 2)`: core/model/commands.BY_NAME), made
        here and sent whole; Textual passes the command one argument at most (it counts *args as one parameter), so a
        key table action names one."""
        typed = COMMANDS[command](*args)
        self.send(lambda engine: engine.send(typed))

    def action_cycle_preset(self) -> None:
        preset = preset_options(self.options, next_preset(self.link.preset))
        try:
            dataset = load_dataset(preset)
        except DataError as error:  # a bundled set without its extra: said, and the next p goes on past it
            self.link.preset = preset.preset
            self.say(f"preset {preset.preset} skipped: {error}")
            return
        self.link.preset = preset.preset
        self.options = preset  # the run's own options from now on: help, export and replay name them
        self.send(lambda engine: engine.start_over(dataset, preset.settings, preset.epochs))
        self._message_line.about_next_run(f"preset {preset.preset}: {PRESETS[preset.preset][0]}",
                                          ghost_coming=bool(self.link.latest.epoch))

    def action_choose_features(self) -> None:
        dataset = self.link.latest.dataset
        if not dataset.crossable:
            self.say(f"f does nothing here: crosses of x1, x2 need a two-feature --dataset ({', '.join(SHAPES)})")
            return
        self.push_screen(FeaturesPrompt(tuple(CROSSES), dataset.crossed_as), self._train_on)

    def _train_on(self, chosen: tuple[str, ...] | None) -> None:
        """Train on the features ticked from the current θ, in the same run (an event: a kept feature keeps its
        weight, a new one starts at 0); esc (None) changes nothing."""
        if chosen is not None:
            self.send(lambda engine: engine.use_features(*chosen))

    def action_reseed(self) -> None:
        if (dataset := self.link.latest.dataset).seed is None:
            self.say(f"r does nothing here: {dataset.source} is a file; new data needs --seed without --data")
        else:
            self.send(lambda engine: engine.reseed())

    def action_toggle_autograd(self) -> None:
        self.send(lambda engine: engine.toggle_autograd(self._alternative))

    def action_type_speed(self) -> None:
        cap = self.link.latest.speed
        self.push_screen(ValuePrompt(f"epochs per second (≥ {SPEED_MIN:g}, or max)", speed,
                                     "max" if cap is None else format_number(cap)),
                         lambda typed: self.action_engine("set_speed", *typed) if typed else None)

    def action_type_setting(self, name: str) -> None:
        """Ask for a setting's value (its range is its option's); a valid one applies from the current w, b."""
        row, shown = BY_NAME[name], format_number(getattr(self.link.latest.settings, name))
        self.push_screen(ValuePrompt(row.question, row.parse or str, shown),
                         lambda typed: self.action_engine("configure_one", name, typed[0]) if typed else None)

    def action_toggle_loss(self, setting: str) -> None:
        self._plots.toggle_loss(setting)

    def action_toggle_curvature(self) -> None:
        self._stats.turn_to("curvature")
        self.refresh_from_engine(force=True)

    def action_toggle_weights(self) -> None:
        self._stats.turn_to("weights")
        self.refresh_from_engine(force=True)

    def action_toggle_ghosts(self) -> None:
        shown, count = self._plots.toggle_ghosts(), len(self.link.latest.ghosts)
        self.say(f"{count} earlier run{'s' if count != 1 else ''} {'shown' if shown else 'hidden'}"
                  + ("" if count else ": z or r starts a new run and keeps the last one to compare"))

    def action_cycle_plane(self) -> None:
        self.say(self._plots.cycle_plane(self.link.latest))

    def action_clear_ghosts(self) -> None:
        self.action_engine("clear_ghosts")
        self.say("earlier runs forgotten")

    def action_toggle_landscape(self) -> None:
        if not self._plots.toggle_landscape():
            self.say("m: every plot is on screen at this size")

    def action_move(self, columns: int, rows: int) -> None:
        """Move θ by cells of the landscape's map ((w, b) with one feature)."""
        self.action_engine("move_by", *self._plots.map_step(self.link.latest, columns, rows))

    def on_landscape_view_moved(self, message: LandscapeView.Moved) -> None:
        self.action_engine("move_to", *message.theta)

    def on_data_view_threshold_at(self, message: DataView.ThresholdAt) -> None:
        if message.t is None:
            self.say("a click sets t so that x* is there; with w = 0, σ is flat and x* is nowhere")
        else:
            self.action_engine("configure_one", "threshold", message.t)

    def action_export(self) -> None:
        if self.engine is None:
            self.say("export: nothing to export while torch loads")
            return
        self.say(self.outbox.export(self.options, self.engine.latest))

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """ctrl+s: an SVG in the current directory, or to the browser (Textual's arguments are not used)."""
        self.say(self.outbox.screenshot())

    @on(events.DeliveryComplete)
    @on(events.DeliveryFailed)
    def _delivered(self) -> None:
        self.outbox.delivered()

    def run_in_terminal(self, mouse: bool = True) -> None:
        """run() in a real terminal, with os._exit restoring the terminal first while it runs (a person's Function
        may call it from the training thread: app_signals.restoring_exit)."""
        os._exit = app_signals.restoring_exit(os._exit)  # type: ignore[assignment]
        self.run(mouse=mouse)

    def action_command_palette(self) -> None:
        """Textual's palette, guarded against a quick second enter (screens.OnceClosingPalette)."""
        if self.use_command_palette and not OnceClosingPalette.is_open(self):
            self.push_screen(OnceClosingPalette(id="--command-palette"))

    def action_repaint(self) -> None:
        app_signals.repaint(self)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(command_line(run_command(self.options, self.link.latest))))

    async def action_quit(self) -> None:
        if self.lesson:  # the answers so far are kept
            self.lesson.finish()
        self.stop_engine()
        self.exit()

    def stop_engine(self) -> None:
        self._quitting = True
        self.link.close()

    def on_unmount(self) -> None:
        self.stop_engine()
        self.plot_process.close()
        if counts := os.environ.get("LOGREG_TUI_PLOT_COUNTS"):  # bench/terminal.py: who drew the pictures
            process = self.plot_process
            Path(counts).write_text(f"{process.drawn} {process.drawn_here} {process.restarts}\n")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        return system_commands(self, super().get_system_commands(screen))
