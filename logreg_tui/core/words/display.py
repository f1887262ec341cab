"""What the terminal can show: how many colours, and whether its font draws braille, box and block glyphs.

Read from the environment the way people's terminals announce themselves; no Textual here (the app asks).
"""

from __future__ import annotations

from collections.abc import Mapping

COLOR_CHOICES = ("auto", "truecolor", "256", "16")  # --colors
# what Python sets LC_CTYPE to, and exports, when it starts under the C locale (PEP 538)
COERCED = ("C.UTF-8", "C.utf8", "UTF-8")


def colour_depth(choice: str, color_system: str | None, no_color: bool, headless: bool) -> str:
    """The plots' colour depth ("truecolor", "256", "16" or "none"), from --colors and what Textual will write.

    color_system is Textual's console's ("truecolor", "256", "standard", "windows" or None), which rich reads off
    COLORTERM and TERM: TERM=xterm or linux without COLORTERM is 16 colours. NO_COLOR wins over everything. A
    headless app (tests, screenshots) has no terminal to ask: truecolor unless told.
    """
    if no_color:
        return "none"
    if choice != "auto":
        return choice
    if headless:
        return "truecolor"
    return {"truecolor": "truecolor", "256": "256", None: "none"}.get(color_system, "16")


def wants_ascii(environ: Mapping[str, str]) -> bool:
    """Whether plots should be plain ASCII: on a Linux console (whose fonts lack braille) or under a locale that
    is not UTF-8. The locale is LC_ALL, else LC_CTYPE, else LANG, as the C library reads it; none set is taken
    as UTF-8 (Python itself runs UTF-8 there, and so do the terminals that leave it unset)."""
    if environ.get("TERM", "") == "linux":
        return True
    ctype = environ.get("LC_CTYPE", "")
    if ctype in COERCED and environ.get("LANG"):  # Python's own (PEP 538), over the user's C or missing locale
        ctype = ""
    locale = environ.get("LC_ALL") or ctype or environ.get("LANG", "")
    return bool(locale) and not _is_utf8(locale)


def _is_utf8(locale: str) -> bool:
    encoding = locale.partition(".")[2].partition("@")[0].lower().replace("-", "")
    return encoding == "utf8"


def light_background(environ: Mapping[str, str]) -> bool:
    """Whether the terminal says its background is light: COLORFGBG ("0;15": black on white), which xterm's
    family, rxvt and Konsole set; unknown is taken as dark."""
    background = environ.get("COLORFGBG", "").rpartition(";")[2]
    return background in ("7", "15")


def terminal_look(colors: str, ascii: bool | None, color_system: str | None, no_color: bool, headless: bool,
                  environ: Mapping[str, str]) -> tuple[str, bool, str | None]:
    """(colour depth, ASCII or not, the theme to take or None) for the app: at 16 colours, the terminal's own
    colours and background (Textual's ansi themes), not nearest matches of the theme's."""
    depth = colour_depth(colors, color_system, no_color, headless)
    theme = ("ansi-light" if light_background(environ) else "ansi-dark") if depth == "16" else None
    return depth, wants_ascii(environ) if ascii is None else ascii, theme
