"""The app's bindings, footer and command palette, made from the key table (core/words/key_table.py: every key the
app answers, as data); an action is a method of the app (`engine('scale_lr', 2)` sends an engine command)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType

from logreg_tui.core.words.key_table import KEY_NAMES, KEYS, Key

FOOTER_NAMES = KEY_NAMES | {"left": "←→↑↓"}  # the footer shows the four move keys as one
HIDDEN_IN_FOOTER = ("N", "ctrl+s", "L", "S", "right", "up", "down", "G", "2", "1", "at", "exclamation_mark", "p", "B",
                    "d", "k", "w", "f", "greater_than_sign", "less_than_sign", "T")
# the footer leads with these: how to get help, how to leave, and (cut at 80×24 otherwise) how to see the landscape
FIRST_IN_FOOTER = ("question_mark", "q", "m")




def _footer_place(key: Key) -> int:
    """Where a key stands in the footer: FIRST_IN_FOOTER in its order, then the rest in the key table's."""
    return FIRST_IN_FOOTER.index(key.key) if key.key in FIRST_IN_FOOTER else len(FIRST_IN_FOOTER)


def bindings() -> list[BindingType]:
    """The app's bindings; the footer shows them in this order and cuts what does not fit: help and quit first."""
    keys: list[BindingType] = [Binding(row.key, row.action, row.label, show=row.key not in HIDDEN_IN_FOOTER,
                                       tooltip=row.what, key_display=FOOTER_NAMES.get(row.key))
                               for row in sorted(KEYS, key=_footer_place)]
    return keys + [
        Binding("ctrl+q,ctrl+c", "quit", "quit", show=False, priority=True),
        Binding("ctrl+z", "suspend_process", "suspend", show=False),  # in raw mode the terminal sends it as a key
        Binding("ctrl+l", "repaint", "repaint", show=False),  # as in a shell: redraw every cell
    ]


def system_commands(app: App, textuals: Iterable[SystemCommand]) -> Iterable[SystemCommand]:
    """The command palette: Textual's own commands, ours for its Screenshot (which writes to ~/Downloads, which may
    not exist: ours writes where ctrl+s does), and every key of the table."""
    yield from (command for command in textuals if command.title != "Screenshot")
    yield SystemCommand("Screenshot", "Save an SVG screenshot in the current directory (ctrl+s)",
                        lambda: app.run_action("screenshot"))
    for row in KEYS:
        yield SystemCommand(f"{row.label} ({KEY_NAMES.get(row.key, row.key)})", row.what,
                            lambda action=row.action: app.run_action(action))
