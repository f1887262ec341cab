"""What the terminal can show, read from its environment (issue 24)."""

import pytest

from logreg_tui.core.words.display import colour_depth, light_background, wants_ascii
from logreg_tui.views.canvas import ascii_text


@pytest.mark.parametrize("environ, expected", [
    ({"TERM": "linux", "LANG": "en_US.UTF-8"}, True),
    ({"TERM": "xterm", "LANG": "C"}, True),
    ({"TERM": "xterm", "LANG": "POSIX"}, True),
    ({"TERM": "xterm", "LANG": "de_DE.ISO-8859-1"}, True),
    ({"TERM": "xterm", "LANG": "en_US.UTF-8", "LC_ALL": "C"}, True),  # LC_ALL wins
    ({"TERM": "xterm", "LANG": "C", "LC_CTYPE": "en_US.utf8"}, False),  # LC_CTYPE over LANG
    ({"TERM": "xterm", "LANG": "C.UTF-8"}, False),
    ({"TERM": "xterm-256color", "LANG": "ja_JP.UTF-8@cjk"}, False),
    ({"TERM": "screen"}, False),  # nothing set: UTF-8, as Python itself takes it
    ({"TERM": "xterm", "LC_ALL": "", "LANG": "en_GB.UTF-8"}, False),  # an empty LC_ALL is unset
    ({"TERM": "xterm", "LANG": "C", "LC_CTYPE": "C.UTF-8"}, True),  # Python's coercion of LANG=C, not the user's
    ({"TERM": "xterm", "LC_CTYPE": "C.UTF-8"}, False),
])
def test_plots_are_ascii_on_a_linux_console_or_a_locale_that_is_not_utf8(environ, expected):
    assert wants_ascii(environ) is expected


@pytest.mark.parametrize("choice, system, no_color, headless, expected", [
    ("auto", "truecolor", False, False, "truecolor"),
    ("auto", "256", False, False, "256"),
    ("auto", "standard", False, False, "16"),
    ("auto", "windows", False, False, "16"),
    ("auto", None, False, False, "none"),
    ("auto", "standard", False, True, "truecolor"),  # a headless app has no terminal to ask
    ("16", "truecolor", False, True, "16"),  # what --colors says
    ("16", "truecolor", True, False, "none"),  # NO_COLOR wins
])
def test_the_colour_depth_is_the_terminals_unless_told(choice, system, no_color, headless, expected):
    assert colour_depth(choice, system, no_color, headless) == expected


def test_a_light_background_is_what_colorfgbg_says():
    assert light_background({"COLORFGBG": "0;15"}) and light_background({"COLORFGBG": "0;default;7"})
    assert not light_background({"COLORFGBG": "15;0"}) and not light_background({})


def test_ascii_text_leaves_no_character_outside_ascii():
    text = ascii_text("┌─┬┐ │⣿⠁⠀│ ●○✕ σ(wx + b) ━ ╻ 中")
    assert text.isascii() and text == "+-++ |** | @oX s(wx + b) - | ?"
