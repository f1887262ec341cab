"""A small input for typing a value (lr, speed cap) instead of stepping to it: checked before it is sent."""

from __future__ import annotations

import argparse
from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


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
