"""The key table, and the screens that open over the app: help (keys and options) and a prompt for a value."""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable

from rich.console import Console
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from logreg_tui.core.options import build_parser

KEYS = [
    # (key, action, footer label, what it does)
    ("space", "engine('toggle_pause')", "pause", "pause / resume"),
    ("n", "engine('step', 1)", "step", "step one epoch (pauses first when running)"),
    ("N", "engine('step', 10)", "step 10", "step ten epochs"),
    ("plus", "engine('scale_lr', 2)", "lr×2", "lr × 2, from the current w, b"),
    ("minus", "engine('scale_lr', 0.5)", "lr÷2", "lr ÷ 2 (after a divergence, this or any other change goes on "
     "from the last w, b whose loss is finite)"),
    ("r", "reseed", "reseed", "next seed: new data, w, b and epoch reset; lr and mode kept"),
    ("z", "engine('reset')", "reset", "w, b to 0 and epoch to 0 on the same data"),
    ("o", "engine('cycle_optimizer')", "optimizer", "optimizer sgd → momentum → nesterov → adam, from the current w, b "
     "(the new one's state starts fresh)"),
    ("b", "engine('cycle_batch_size')", "batch", "batch size full → 256 → 64 → 16 → 1 (those below N), from "
     "the current w, b"),
    ("left", "move(-1, 0)", "move w, b", "landscape: w − one map cell (→ +; ↑ ↓ move b); a click on the map "
     "moves w, b there, paused or running"),
    ("right", "move(1, 0)", "w+", "landscape: w + one map cell"),
    ("up", "move(0, 1)", "b+", "landscape: b + one map cell"),
    ("down", "move(0, -1)", "b−", "landscape: b − one map cell"),
    ("m", "toggle_landscape", "map", "when not every plot fits: the bottom plot shows the loss landscape or the data"),
    ("g", "toggle_ghosts", "ghosts", "show / hide the earlier runs (ghosts: up to 3, kept when z or r starts a new "
     "run) on the loss plot and the landscape"),
    ("G", "clear_ghosts", "clear ghosts", "forget the earlier runs"),
    ("a", "toggle_autograd", "autograd", "autograd builtin ↔ custom (or tutorial), keeping w, b"),
    ("l", "toggle_loss('log_y')", "log-y", "log-scale y on the loss plot"),
    ("s", "toggle_loss('smooth')", "smooth", "smooth the loss (TensorBoard's debiased EMA, 0.6)"),
    ("t", "toggle_loss('tail')", "recent", "loss plot: the last quarter of the run, y fitted to it (outliers ignored)"),
    ("L", "type_lr", "lr…", "type an lr"),
    ("left_square_bracket", "engine('scale_speed', 0.5)", "slower", "epochs-per-second cap ÷ 2"),
    ("right_square_bracket", "engine('scale_speed', 2)", "faster", "epochs-per-second cap × 2; the top step is max"),
    ("S", "type_speed", "speed…", "type an epochs-per-second cap (or max)"),
    ("e", "export", "export", "export the run: CSV and JSON in the current directory"),
    ("ctrl+s", "screenshot", "svg", "save an SVG screenshot in the current directory"),
    ("question_mark", "help", "help", "this help screen (esc closes it)"),
    ("q", "quit", "quit", "quit (also ctrl+q, ctrl+c)"),
]
KEY_NAMES = {"plus": "+", "minus": "-", "left_square_bracket": "[", "right_square_bracket": "]",
             "question_mark": "?", "L": "L", "S": "S", "N": "N", "G": "G",
             "left": "←", "right": "→", "up": "↑", "down": "↓"}
FOOTER_NAMES = KEY_NAMES | {"left": "←→↑↓"}  # the footer shows the four move keys as one
HIDDEN_IN_FOOTER = ("N", "ctrl+s", "L", "S", "right", "up", "down", "G")
# the footer leads with these: how to get help, how to leave, and (cut at 80×24 otherwise) how to see the landscape
FIRST_IN_FOOTER = ("question_mark", "q", "m")


def option_lines() -> list[tuple[str, str]]:
    """(flags with metavar, help) per command-line option, for a screen that wraps text itself."""
    lines = []
    for action in build_parser()._actions:
        if not action.option_strings or action.dest == "help":
            continue
        metavar = "" if action.nargs == 0 else f" {action.metavar or action.dest.upper()}"
        lines.append((", ".join(action.option_strings) + metavar, action.help or ""))
    return lines


def _two_columns(rows: list[tuple[str, str]], first_width: int) -> Table:
    """A name and what it does per row; a long description wraps under itself, not back to column 0."""
    table = Table(box=None, show_header=False, padding=(0, 1, 0, 2), expand=True)
    table.add_column(min_width=first_width, no_wrap=True)
    table.add_column(ratio=1)
    for name, what in rows:
        table.add_row(Text(name), Text(what))
    return table


class HelpScreen(ModalScreen):
    """Keys and options, laid out for the screen; esc or ? closes it, q quits as everywhere."""

    BINDINGS = [Binding("escape,question_mark", "app.pop_screen", "close"), Binding("q", "app.quit", "quit")]

    def _parts(self) -> list[Text | Table]:
        keys = [(KEY_NAMES.get(key, key), what) for key, _, _, what in KEYS]
        keys.append(("ctrl+p", "command palette: every action by name"))
        return [Text("Keys", style="bold"), _two_columns(keys, 8), Text("\nOptions", style="bold"),
                _two_columns(option_lines(), 24)]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            for part in self._parts():
                yield Static(part)

    @property
    def plain_text(self) -> str:
        """The screen's text as it reads at its width, without styles (what tests read)."""
        console = Console(width=self.size.width or 100, record=True, file=io.StringIO(), color_system=None)
        for part in self._parts():
            console.print(part)
        return console.export_text()


class ValuePrompt(ModalScreen[tuple | None]):
    """Asks for one value; enter sends (value,) when `parse` accepts it, esc sends None. A bad value says why."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, parse: Callable[[str], object], initial: str) -> None:
        super().__init__()
        self._question, self._parse, self._initial = question, parse, initial

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Static(self._question)
            yield Input(value=self._initial, select_on_focus=True, id="prompt-value")
            yield Static("enter sets it, esc cancels", id="prompt-note")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            value = self._parse(event.value)
        except argparse.ArgumentTypeError as error:
            self.query_one("#prompt-note", Static).update(f"not set: {error}")
            return
        self.dismiss((value,))

    def action_cancel(self) -> None:
        self.dismiss(None)
