"""--theme and --keys checked against what the app has (Textual's themes, the key table), before the app or a
render starts: one line for a name it does not know."""

from __future__ import annotations

from textual.theme import BUILTIN_THEMES

from logreg_tui.core.model.options import Options
from logreg_tui.core.words.formatting import printable
from logreg_tui.tui.keys import KEY_NAMES, KEYS


def look_problem(options: Options) -> str:
    """Why --theme or --keys name what the app has not, in one line; "" when they are fine (or not given)."""
    if options.theme is not None and options.theme not in BUILTIN_THEMES:
        return f"--theme {printable(options.theme)}: not a theme; one of {', '.join(sorted(BUILTIN_THEMES))}"
    if options.keys:
        known = {row.key for row in KEYS}
        if unknown := [key for key in options.keys if key not in known]:
            names = " ".join(sorted(known - set(KEY_NAMES)) + sorted(KEY_NAMES))
            return f"--keys: {printable(unknown[0])} is no key of the app; its keys: {names}"
    return ""
