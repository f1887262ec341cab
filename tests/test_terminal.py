"""The installed `logreg-tui` in a real pseudo-terminal: what only a terminal shows."""

import random
import re
import time

import pytest
from longrun import MB, headless_and_app_rss
from terminal import Terminal, installed_command

from logreg_tui.core.model.state import LR_MAX, LR_MIN

EXECUTABLE = installed_command()


@pytest.fixture
def terminal(tmp_path):
    assert EXECUTABLE, "logreg-tui is not installed (pip install -e .)"
    opened = []

    def open_terminal(*args, cols=100, rows=30, env=None):
        opened.append(Terminal([EXECUTABLE, *args], cols, rows, env=env, cwd=str(tmp_path)))
        return opened[-1]

    yield open_terminal
    for term in opened:
        term.close()


def test_keys_change_the_screen_and_q_quits(terminal):
    term = terminal("--paused")
    term.wait_for(r"status\s+paused")
    term.wait_for(r"epoch\s+0 / 1001")
    term.press("n")
    term.wait_for(r"epoch\s+1 / 1001")
    term.wait_for(r"loss\s+0\.538637")  # at the shown w, b: where the first step went
    term.press("N")
    term.wait_for(r"epoch\s+11 / 1001")
    term.press("+")
    term.wait_for(r"lr\s+0\.4\b")
    term.press("a")
    term.wait_for(r"autograd\s+custom")
    assert "space pause" in term.text and "reseed" in term.text  # the footer
    started = time.monotonic()
    term.press("q")
    assert term.wait_exit(5) == 0
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("key", ["q", "ctrl+q", "ctrl+c"])
def test_quit_within_a_second_at_max_speed_on_a_million_points(terminal, key):
    term = terminal("--speed", "max", "--n-points", "1000000", "--epochs", "0")
    term.wait_for(r"status\s+running", timeout=30)
    term.wait_for(r"epoch\s+[1-9]\d*\b")
    started = time.monotonic()
    term.press(key)
    assert term.wait_exit(5) == 0
    assert time.monotonic() - started < 1.0


def test_the_landscape_under_no_color_and_tmux_term_moves_w_b_by_arrow_keys_and_by_a_click(terminal):
    term = terminal("--paused", cols=80, rows=24, env={"NO_COLOR": "1", "TERM": "screen"})
    term.wait_for(r"status\s+paused")
    term.press("m")
    term.wait_for(r"loss landscape")
    term.wait_for(r"✕ min 0\.050792")
    term.press("\x1b[C", "\x1b[C", "\x1b[A")  # → → ↑
    term.wait_for(r"\bw\s+0\.\d+")
    term.wait_for(r"\bb\s+[1-9]|\bb\s+0\.\d+")
    term.wait_for(r"epoch 0: w, b \(0, 0\) → \(0\.\d+, (0\.|[1-9])")  # all three moves, merged into one event
    told = re.compile(r"epoch 0: w, b \(0, 0\) → \((-?[\d.e-]+), (-?[\d.e-]+)\)")
    after_keys = told.search(term.text).groups()
    lines = term.text.splitlines()
    row = next(y for y, line in enumerate(lines)  # a negative b tick's row of the map
               if "┤" in line and y > 12 and line.split("┤")[0].strip().startswith("-"))
    column = lines[row].index("┤") + 10
    term.press(f"\x1b[<0;{column + 1};{row + 1}M", f"\x1b[<0;{column + 1};{row + 1}m")  # SGR click, 1-based
    deadline = time.monotonic() + 10
    while told.search(term.text).groups() == after_keys and time.monotonic() < deadline:
        term.pump(0.1)  # the click merges into the same event: its target changes
    w, b = map(float, told.search(term.text).groups())
    assert w > 0 and b < 0, term.text  # left of the map's middle column and below b = 0
    assert re.search(r"status\s+paused", term.text)


def test_an_lr_past_the_stable_limit_is_warned_on_screen_before_a_step_and_b_ends_it(terminal):
    """NO_COLOR, TERM=screen, 80×24: the warning at epoch 0 (paused), the curvature page by k, B the way out."""
    term = terminal("--paused", "--lr", "1.6", cols=80, rows=24, env={"NO_COLOR": "1", "TERM": "screen"})
    term.wait_for(r"epoch\s+0 / 1001")
    term.wait_for(r"lr 1\.6 > 2/λ_max = 0\.845 here: expect zig-zag or divergence")
    term.press("k")
    term.wait_for(r"κ at min 134: 11\.6× long")
    term.wait_for(r"lr max\s+<24\.5 here 0\.845")
    term.wait_for(r"1 % est\s+ep ~\d+")  # predicted from here: the minimum's rate at lr 1.6 is < 1
    term.press("B")
    term.wait_for(r"κ 134: the valley is 11\.6× longer than wide; lr 24\.3")
    term.press("[")  # the next command (a slower cap) ends B's note: the warning is back, and says what comes
    term.wait_for(r"lr 24\.3 > 2/λ_max = 0\.\d+ here: expect zig-zag or divergence, calming near the")
    assert "Traceback" not in term.text
    term.press("q")
    assert term.wait_exit(5) == 0


def test_the_app_survives_bad_function_files_and_quits_at_once(terminal, tmp_path):
    """--function under a real terminal: a syntax error, then a backward that never returns, then a correct one."""
    from pathlib import Path

    functions = Path(__file__).parent / "data" / "functions"
    path = tmp_path / "my_loss.py"
    path.write_text((functions / "syntax_error.py").read_text())
    term = terminal("--paused", "--function", str(path), cols=100, rows=30)
    term.wait_for(r"my_loss\.py:6: SyntaxError", timeout=60)
    time.sleep(0.05)
    path.write_text((functions / "infinite_loop.py").read_text())
    term.wait_for(r"did not return within 5 s", timeout=60)
    time.sleep(0.05)
    path.write_text((functions / "correct.py").read_text())
    term.wait_for(r"my_loss\.py loaded: PASS", timeout=60)
    term.wait_for(r"function\s+my_loss\.py PASS")
    term.press("n")
    term.wait_for(r"epoch\s+1 / 1001")
    assert "Traceback" not in term.text
    started = time.monotonic()
    term.press("q")
    assert term.wait_exit(5) == 0
    assert time.monotonic() - started < 1.0


def test_ghosts_legend_in_a_real_terminal_names_the_earlier_runs_by_what_differs(terminal):
    """Two runs kept by z at 160×50 (after N, o between them): the legend says which is which, g hides it."""
    term = terminal("--paused", cols=160, rows=50)
    term.wait_for(r"status\s+paused")
    term.press("N")
    term.wait_for(r"epoch\s+10 / 1001")
    term.press("z", "o")
    term.wait_for(r"optim\s+momentum")
    term.press("N")
    term.wait_for(r"epoch\s+10 / 1001")
    term.press("z", "o", "N")
    term.wait_for(r"loss  ━ now  ━ prev: momentum β 0\.9  ━ prev 2: sgd")
    term.press("g")
    term.wait_for(r"2 earlier runs hidden")
    term.wait_for(r"^(?![\s\S]*prev 2)")
    term.press("q")
    assert term.wait_exit(5) == 0


def test_resizing_never_crashes_and_small_sizes_show_a_note(terminal):
    term = terminal("--speed", "max", "--epochs", "0")
    term.wait_for(r"status\s+running", timeout=30)
    for _ in range(4):
        # wait for each size's own frame before the next resize, as a person would
        term.resize(40, 12)
        term.wait_for("enlarge")
        term.resize(200, 60)
        term.wait_for(r"t recent +\[ slower +\] faster")  # only the wide footer has room for these
        term.wait_for(r"^(?![\s\S]*enlarge)[\s\S]*data and σ", timeout=5)  # plots redrawn, note gone
    assert term.exit_code is None
    term.press("q")
    assert term.wait_exit(5) == 0


def test_a_key_storm_in_a_real_terminal_leaves_the_app_responsive(terminal):
    """Three hundred random keys as bytes on the terminal, 10 ms apart, at --speed max (seed 2)."""
    rng = random.Random(2)
    term = terminal("--speed", "max", "--epochs", "0")
    term.wait_for(r"status\s+running", timeout=30)
    for _ in range(300):
        term.press(rng.choice(" nN+-rzals[]e"))
        term.pump(0.01)
    term.pump(0.5)
    assert term.exit_code is None and "Traceback" not in term.text
    lr = float(re.search(r"lr\s+(\S+)", term.text).group(1))
    assert LR_MIN <= lr <= LR_MAX
    term.press("?")
    term.wait_for(r"Keys", timeout=1)
    term.press("?")  # not esc: esc then q reads as alt+q
    term.wait_for(r"^(?![\s\S]*Keys)", timeout=1)
    started = time.monotonic()
    term.press("q")
    assert term.wait_exit(5) == 0
    assert time.monotonic() - started < 1.0


def test_the_app_rejects_a_bad_option_without_opening(terminal):
    term = terminal("--lr", "-1")
    assert term.wait_exit(5) == 2
    assert "--lr" in term.text and "Traceback" not in term.text


@pytest.mark.slow
def test_a_hundred_thousand_real_epochs_headless_and_in_the_app_keep_rss_flat():
    """RSS may grow by at most 8 MB from epoch 2e4 to epoch 1e5, each process on its own core. The stores that grow
    with epochs are shown bounded through 10⁷ appends in tests/test_stores.py; the million-epoch run, with the
    same bound over 1e3 … 1e6, is `python bench/resources.py` (its figures in bench/README.md)."""
    for name, (early, late) in headless_and_app_rss(100_000, timeout=600, early_epoch=20_000).items():
        assert late - early <= 8 * MB, f"{name}: {early / MB:.1f} MB after 2e4 epochs, {late / MB:.1f} MB after 1e5"
