"""The screens that open over the app: help (keys and options), a prompt for a value and the features' checklist."""

from __future__ import annotations

import argparse
import asyncio
import io
from collections.abc import Callable, Iterable
from typing import TypeVar

from rich.console import Console
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.command import CommandPalette
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, SelectionList, Static

from logreg_tui.core.model.options import build_parser
from logreg_tui.tui.keys import KEY_NAMES, KEYS

AnswerType = TypeVar("AnswerType")


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

    def __init__(self, command: str = "") -> None:
        super().__init__()
        self._command = command  # the command line that starts the current run

    def _parts(self) -> list[Text | Table]:
        keys = [(KEY_NAMES.get(key, key), what) for key, _, _, what in KEYS]
        keys.append(("ctrl+p", "command palette: every action by name"))
        run = [Text("This run starts with", style="bold"), Text(self._command),
               Text("(its changes since then: e exports them in a JSON that logreg-tui --replay plays back)\n")] \
            if self._command else []
        return [*run, Text("Keys", style="bold"), _two_columns(keys, 8), Text("\nOptions", style="bold"),
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


class AnsweredOnce(ModalScreen[AnswerType]):
    """A prompt dismissed once with its answer: two enters in quick succession would pop the screen stack twice
    (Textual's ScreenStackError, the app's end); a second enter (or esc) before the screen is gone does nothing."""

    _answered = False

    def _answer(self, answer: AnswerType) -> None:
        if not self._answered and self.is_current:
            self._answered = True
            self.dismiss(answer)


class ValuePrompt(AnsweredOnce[tuple | None]):
    """Asks for one value; enter sends (value,) when `parse` accepts it, esc sends None. A bad value says why.

    Keys typed in one burst with the key that opens it (`L0.5⏎` as a terminal delivers a quick typist's keys) reach
    the app before the Input has focus: the app hands them here (take_early_key), and they type and enter as they
    would have in the Input, in the order they came."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, parse: Callable[[str], object], initial: str) -> None:
        super().__init__()
        self._question, self._parse, self._initial = question, parse, initial
        self._early, self._early_enter = "", False

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Static(self._question)
            yield Input(value=self._initial, select_on_focus=True, id="prompt-value")
            yield Static("enter sets it, esc cancels", id="prompt-note")

    def take_early_key(self, key: str, character: str | None) -> bool:
        """A key the Input did not get: a character typed (it replaces the initial value, as typing into the
        selected value does) or an enter while the Input has no focus. Whether it was taken."""
        field = next(self.query("#prompt-value").results(Input), None)  # None until the screen has composed
        if key == "enter" and not (field is not None and field.has_focus):
            self._early_enter = True
        elif character is not None and len(character) == 1 and character.isprintable():
            self._early += character
        else:
            return False
        if field is not None:
            self._type_early(field)
        return True

    def on_mount(self) -> None:
        self._type_early(self.query_one("#prompt-value", Input))

    def _type_early(self, field: Input) -> None:
        if self._early:
            field.select_on_focus = False  # focus after them leaves them, not selected for the next key to replace
            field.value = self._early
            field.cursor_position = len(self._early)
        if self._early_enter:
            self._early_enter = False
            self._submit(field.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit(event.value)

    def _submit(self, text: str) -> None:
        try:
            value = self._parse(text)
        except argparse.ArgumentTypeError as error:
            self.query_one("#prompt-note", Static).update(f"not set: {error}")
            return
        self._answer((value,))

    def action_cancel(self) -> None:
        self._answer(None)


class FeaturesList(SelectionList[str]):
    """The checklist's list, safe for keys typed in one burst (a terminal delivers a quick typist's keys at once):

    - enter trains on what is ticked (the screen's apply) instead of ticking the highlighted line. A priority binding
      on the screen would not do: keys typed with the f that opens the checklist pass the app's priority check while
      the screen under it is still current, and come back to the bindings of what has focus by then, this list;
    - space ticks the highlighted line at once. SelectionList ticks it when it handles a message of its own, by then
      wherever the ↓ typed after the space have moved the highlight (down space down space ticked one line twice)."""

    BINDINGS = [Binding("enter", "screen.apply", "apply", show=False)]

    def action_select(self) -> None:
        # what SelectionList does on its message (its private _toggle_highlighted_selection), through public calls
        if self.highlighted is not None:
            self.toggle(self.get_option_at_index(self.highlighted))


class FeaturesPrompt(AnsweredOnce[tuple[str, ...] | None]):
    """A checklist of the crosses of x₁, x₂ (as Playground's inputs): space ticks one, enter trains on those
    ticked (in the checklist's order), esc keeps the features as they are. None ticked says so and stays open."""

    # the list's own keys here too: keys typed as the checklist opens arrive before the list has focus, and would
    # reach the app's bindings under it (↓ moves θ, space pauses)
    BINDINGS = [Binding("enter", "apply", "apply"), Binding("escape", "cancel", "cancel"),
                Binding("down", "in_list('cursor_down')", show=False),
                Binding("up", "in_list('cursor_up')", show=False), Binding("space", "in_list('select')", show=False)]

    def __init__(self, names: tuple[str, ...], ticked: tuple[str, ...]) -> None:
        super().__init__()
        self._names, self._ticked = names, ticked

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Static("train on these features of x1, x2")
            yield FeaturesList(*[(name, name, name in self._ticked) for name in self._names], id="features-list")
            yield Static(self._ticked_words(self._ticked), id="features-ticked")
            yield Static("space ticks, enter trains on them (from here, in this run), esc cancels", id="prompt-note")

    @staticmethod
    def _ticked_words(ticked: Iterable[str]) -> str:
        """The ticked features in words: the list's marks differ only by colour (none without colour)."""
        return "ticked: " + (", ".join(ticked) or "none")

    def on_selection_list_selected_changed(self, changed: SelectionList.SelectedChanged) -> None:
        ticked = set(changed.selection_list.selected)
        self.query_one("#features-ticked", Static).update(
            self._ticked_words(name for name in self._names if name in ticked))

    def action_in_list(self, action: str) -> None:
        """A list key that came before the list had focus: done by the list, which takes focus now."""
        checklist = self.query_one(FeaturesList)
        checklist.focus()
        getattr(checklist, f"action_{action}")()

    def action_apply(self) -> None:
        ticked = set(self.query_one(FeaturesList).selected)
        if not ticked:
            self.query_one("#prompt-note", Static).update("tick at least one feature (space)")
            return
        self._answer(tuple(name for name in self._names if name in ticked))

    def action_cancel(self) -> None:
        self._answer(None)


class OnceClosingPalette(CommandPalette):
    """Textual's command palette (8.2.8), but a second enter that arrives before it has closed does nothing: Textual's
    own pops the screen stack twice then (ScreenStackError, the app's end; a bare Textual app does the same)."""

    _once_dismissed = False

    @on(Input.Submitted)
    @on(Button.Pressed)
    @on(OptionList.OptionSelected)
    def _only_once(self, event: Input.Submitted | Button.Pressed | OptionList.OptionSelected) -> None:
        if self._once_dismissed or not self.is_current:  # this class's handlers run first; the default ones then not
            event.prevent_default()
            event.stop()

    def dismiss(self, result: None = None) -> AwaitComplete:
        if self._once_dismissed:  # closing already: popping again would empty the stack
            return AwaitComplete(asyncio.sleep(0))
        self._once_dismissed = True
        return super().dismiss(result)
