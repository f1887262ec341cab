"""What only a terminal shows, as people's terminals show it (issue 24, points 3 and 4)."""

import html
import re
import shutil
import subprocess

import pytest
from apphelpers import make_app, snap, started, until
from pngpixels import read_png
from terminal import Terminal, installed_command


def test_without_colour_the_held_out_curve_has_its_own_shape():
    term = Terminal([installed_command(), "--paused", "--val-frac", "0.2"], 100, 30, env={"NO_COLOR": "1"})
    try:
        term.wait_for(r"status\s+paused", timeout=30)
        term.press("N", "N", "N")
        term.wait_for(r"epoch\s+30 / 1001", timeout=20)
        term.pump(1.0)
        lines = term.text.splitlines()[1:12]
        val = re.search(r"(\S)\1 val\b", "\n".join(lines)).group(1)
        train = re.search(r"(\S)\1 train\b", "\n".join(lines)).group(1)
        assert val == "·" and 0x2800 <= ord(train) <= 0x28FF, lines
        assert any("·" in line and " val" not in line for line in lines)  # the curve itself is drawn in it
    finally:
        term.close()


async def test_a_ctrl_s_screenshot_places_every_character_in_its_cell(tmp_path):
    """rsvg-convert ignores textLength and takes braille from a proportional font: a run of text drifts from its
    cells. In the saved SVG every character is its own <text> at its cell's x, so any converter draws the grid."""
    async with make_app("--epochs", "50", "--speed", "max", directory=tmp_path).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("space")
        await until(pilot, lambda: snap(app).status == "done")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: list(tmp_path.glob("*.svg")), "the screenshot")
        frame = app.query_one("#loss").plain_lines
    svg = next(tmp_path.glob("*.svg")).read_text()
    texts = re.findall(r'<text [^>]*?x="([\d.]+)"[^>]*?textLength="([\d.]+)"[^>]*>([^<]+)</text>', svg)
    cell = float(texts[0][1])
    assert texts and all(len(html.unescape(text)) == 1 for _, _, text in texts)  # one character each
    assert all(float(length) == pytest.approx(cell, abs=0.05) for _, length, _ in texts)
    assert all(abs(float(x) / cell - round(float(x) / cell)) < 0.02 for x, _, _ in texts)  # on the grid
    assert any(0x2800 <= ord(html.unescape(text)) <= 0x28FF for _, _, text in texts)  # braille among them
    if shutil.which("rsvg-convert"):  # and the tool the README names draws the curve inside its frame
        png = subprocess.run(["rsvg-convert"], input=svg.encode(), check=True, capture_output=True).stdout
        _assert_the_loss_curve_stays_in_its_frame(read_png(png), svg, frame)


def _assert_the_loss_curve_stays_in_its_frame(image, svg: str, frame: list[str]) -> None:
    """In the PNG, the loss curve's pixels (the theme's blue) all lie left of the frame's right edge, and that
    edge is drawn in the cell column the app drew it in."""
    left, top = map(float, re.search(r'<g transform="translate\(([\d.]+), ([\d.]+)\)" clip-path', svg).groups())
    cell = float(re.search(r'textLength="([\d.]+)"', svg).group(1))
    rows = sorted({float(y) for y in re.findall(r'<text [^>]*?y="([\d.]+)"[^>]*?textLength', svg)})
    line_height = rows[1] - rows[0]
    top_row = next(k for k, line in enumerate(frame) if "┐" in line)
    bottom_row = next(k for k, line in enumerate(frame) if "┘" in line)
    edge = frame[top_row].index("┐")
    edge_x = round(left + edge * cell)
    band = image[round(top + (top_row + 1) * line_height):round(top + bottom_row * line_height)]
    red, green, blue = (band[:, :, k].astype(int) for k in range(3))
    curve = (blue > 150) & (red < 90)
    assert curve[:, :edge_x].sum() > 50  # the curve is there
    assert curve[:, edge_x:round(edge_x + 2 * cell)].sum() == 0  # and none of it past the frame
    edge_column = (abs(red - green) < 20) & (red > 120)  # the frame's grey line, in its own cell
    assert edge_column[:, edge_x:round(edge_x + cell)].any(axis=1).mean() > 0.9


# -- colour depth and glyphs (issue 24, points 1 and 2)

ANSI_NAMES = {"black", "red", "green", "brown", "blue", "magenta", "cyan", "white"}
ANSI_NAMES |= {f"bright{name}" for name in ANSI_NAMES} | {"brightyellow"}
BOX = set("┌┐└┘─│┬┴├┤┼+-|")


def _at_epoch_30(env: dict, cols: int = 120, rows: int = 40, *options: str) -> Terminal:
    term = Terminal([installed_command(), "--paused", *options], cols, rows, env=env)
    term.wait_for(r"status\s+paused", timeout=30)
    term.press("N", "N", "N")
    term.wait_for(r"epoch\s+30 / 1001", timeout=20)
    term.pump(1.0)
    return term


def _frame_under(cells: list[list], title: str) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the plot frame below the row holding `title`, read off the screen."""
    lines = ["".join(cell.data for cell in row) for row in cells]
    title_row = next(y for y, line in enumerate(lines) if title in line)
    top = title_row + 1
    left = min(lines[top].index(corner) for corner in "┌+" if corner in lines[top])
    right = left
    while right + 1 < len(lines[top]) and lines[top][right + 1] in BOX | {"┐"}:
        right += 1
    bottom = next(y for y in range(top + 2, len(lines)) if set(lines[y][left + 1:right]) <= BOX | {"┬", "┴"})
    return top, bottom, left, right


def _data_plot_elements(cells: list[list]) -> dict[str, set]:
    """The foreground colours of the data plot's elements: σ's curve, the points of each class, the x* line."""
    top, bottom, left, right = _frame_under(cells, "data and")
    found: dict[str, set] = {"curve": set(), "class0": set(), "class1": set(), "threshold": set()}
    for y in range(top + 1, bottom):
        label = "".join(cell.data for cell in cells[y][:left]).strip()
        for cell in cells[y][left + 1:right]:
            if cell.data in "│|":
                found["threshold"].add(cell.fg)
            elif label in ("y=0", "y=1") and cell.data.strip():
                found["class0" if label == "y=0" else "class1"].add(cell.fg)
            elif cell.data.strip():
                found["curve"].add(cell.fg)
    return found


def _landscape_map(cells: list[list]) -> list:
    """The landscape map's cells (between its b axis and the stats), read off the screen."""
    lines = ["".join(cell.data for cell in row) for row in cells]
    title_row = next(y for y, line in enumerate(lines) if "loss landscape" in line)
    title = lines[title_row]
    axis = title.rindex("b", 0, title.index("loss landscape")) + 1  # the b axis, under its name
    bottom = next(y for y in range(title_row + 1, len(lines))
                  if lines[y][axis] in "└+" and lines[y][axis + 1] in "─-┬+")
    edge = title.rindex("▏" if "▏" in title else "|")
    return [cell for row in cells[title_row + 1:bottom] for cell in row[axis + 1:edge]]


@pytest.mark.parametrize("term_name", ["xterm", "linux"])
def test_a_16_colour_terminal_gets_an_ansi_colour_per_element_on_its_own_background(term_name):
    """TERM=xterm or linux and no COLORTERM: 16 colours. Textual's nearest match made the sigmoid, the y=0 points,
    the x* line and the current point all red on a grey screen; each element has an ANSI colour of its own, the
    background is the terminal's, and the landscape is drawn in shades (or dots), not in near-identical greys."""
    term = _at_epoch_30({"TERM": term_name})
    try:
        cells = term.cells()
        data = _data_plot_elements(cells)
        assert all(len(colours) == 1 for colours in data.values()), data
        colours = {name: next(iter(found)) for name, found in data.items()}
        assert len(set(colours.values())) == 4 and set(colours.values()) <= ANSI_NAMES, colours
        everything = [cell for row in cells for cell in row]
        assert {cell.bg for cell in everything} == {"default"}  # the terminal's own background everywhere
        landscape = _landscape_map(cells)
        now = [cell.fg for cell in landscape if cell.data in "●@"]
        minimum = [cell.fg for cell in landscape if cell.data in "✕X"]
        assert len(now) == 1 and len(minimum) == 1 and now[0] != minimum[0], (now, minimum)
        assert now[0] in ANSI_NAMES and now[0] not in (colours["curve"], colours["class0"], colours["class1"])
        map_glyphs = {cell.data for cell in landscape}
        shades = map_glyphs & set(" ░▒▓.·")
        assert len(shades) >= 3 if term_name == "xterm" else shades == {" ", "."}, map_glyphs
    finally:
        term.close()


def test_a_256_colour_terminal_keeps_the_landscape_in_many_shades():
    term = _at_epoch_30({"TERM": "xterm-256color"})
    try:
        backgrounds = {cell.bg for cell in _landscape_map(term.cells())}
        assert len(backgrounds) >= 8, backgrounds  # the map's levels stay told apart in the 256-colour cube
        colours = {name: next(iter(found)) for name, found in _data_plot_elements(term.cells()).items()}
        assert len(set(colours.values())) == 4, colours
    finally:
        term.close()


@pytest.mark.parametrize("env, options", [({"TERM": "linux"}, ()), ({"LANG": "C", "LC_ALL": ""}, ()),
                                          ({"LANG": "en_US.ISO-8859-1"}, ()), ({}, ("--ascii",))])
def test_ascii_plots_where_the_terminal_cannot_draw_braille_readable_at_80_by_24(env, options):
    """A Linux console or a locale that is not UTF-8 (or --ascii): every plot in plain ASCII, still readable."""
    term = _at_epoch_30(env, 80, 24, *options)
    try:
        lines = term.text.splitlines()
        edge = lines[0].rindex("|")  # the stats' edge, in ASCII too
        plots = [line[:edge] for line in lines[:21]]
        assert all(line.isascii() for line in plots), plots
        assert sum(line.count("*") for line in plots) > 20  # the curves
        assert any(line.startswith("y=0+") and line.count("o") > 5 for line in plots)  # the points
        assert any("0.5+" in line for line in plots) and any("+----" in line for line in plots)  # axes and frames
        assert re.search(r"epoch\s+30 / 1001", term.text)
    finally:
        term.close()


def test_utf8_terminals_keep_braille_and_no_ascii_undoes_the_default():
    term = _at_epoch_30({"TERM": "linux"}, 80, 24, "--no-ascii")
    try:
        assert any(0x2800 <= ord(c) <= 0x28FF for c in term.text)
    finally:
        term.close()


def _plane_cells(cells: list[list]) -> list:
    """The two-feature data view's map cells (inside its axes, left of the stats), read off the screen."""
    lines = ["".join(cell.data for cell in row) for row in cells]
    title = next(y for y, line in enumerate(lines) if "data and" in line or "boundary " in line)
    bottom = next(y for y in range(title + 1, len(lines)) if lines[y].strip().startswith(("└", "+-")))
    edge = lines[title].rindex("▏" if "▏" in lines[title] else "|")
    axis = lines[title + 1].index("│" if "│" in lines[title + 1] else "|")
    return [cell for row in cells[title + 1:bottom] for cell in row[axis + 1:edge]]


@pytest.mark.parametrize(("env", "map_glyphs", "points"), [
    ({"TERM": "xterm"}, set("▒▓"), set("●○")),  # 16 colours: shades in the class's colour (few ░ so soon)
    ({"TERM": "linux"}, set(".:"), set("+o")),  # a Linux console: ASCII, a ramp
    ({"NO_COLOR": "1"}, {"·"}, set("●○")),  # no colour: σ's bands dotted like contour lines
])
def test_two_features_map_reads_at_80_by_24_in_16_colours_ascii_and_without_colour(env, map_glyphs, points):
    term = _at_epoch_30(env, 80, 24, "--dataset", "gauss")
    try:
        plane = _plane_cells(term.cells())
        glyphs = {cell.data for cell in plane}
        assert map_glyphs <= glyphs and points <= glyphs, glyphs
        boundary = "*" if env.get("TERM") == "linux" else None
        assert (boundary in glyphs) if boundary else any(0x2800 < ord(g) <= 0x28FF for g in glyphs), glyphs
        if env.get("TERM") == "linux":
            assert all(g.isascii() for g in glyphs), glyphs
        if "NO_COLOR" in env:
            assert not glyphs & set("░▒▓")
        else:
            assert {cell.bg for cell in plane} == {"default"}  # the terminal's own background: no grey blocks
            ones = {cell.fg for cell in plane if cell.data in "●+"}
            zeros = {cell.fg for cell in plane if cell.data in "○o"}
            assert len(ones) == len(zeros) == 1 and ones != zeros and ones | zeros <= ANSI_NAMES, (ones, zeros)
    finally:
        term.close()


@pytest.mark.parametrize("args", [("--dataset", "moons"), ("--val-frac", "0.2")])
def test_partial_updates_leave_the_screen_exactly_as_a_full_repaint_draws_it(args):
    """Changed spans are sent alone (tui/partial_updates.py crops both ends of each): after seconds of them, the
    screen is cell for cell (glyph, colours, bold) what ctrl+l's full repaint draws."""
    term = Terminal([installed_command(), "--speed", "max", "--epochs", "0", *args], 120, 40)
    try:
        term.wait_for(r"status\s+running", timeout=30)
        term.pump(3.0)
        term.press("space")
        term.wait_for(r"status\s+paused")
        term.pump(0.5)

        def screen():
            return [[(c.data, c.fg, c.bg, c.bold) for c in row] for row in term.cells()]

        partial = screen()
        term.press("ctrl+l")
        term.pump(0.5)
        assert screen() == partial
    finally:
        term.close()


def test_a_span_in_the_middle_of_a_row_is_sent_alone():
    from rich.console import Console
    from rich.segment import Segment
    from textual._compositor import ChopsUpdate
    from textual.strip import Strip

    from logreg_tui.tui.partial_updates import install, render_cropped

    row = Strip([Segment("label "), Segment("abcdefghij")])
    update = ChopsUpdate([{0: row}, {0: row}], [(0, 8, 11), (1, 2, 4), (1, 12, 16)], [[16], [16]])
    console = Console(color_system=None, force_terminal=True, width=16)
    sent = render_cropped(update, console)
    assert sent == "\x1b[1;9Hcde\n\x1b[2;3Hbe\x1b[2;13Hghij"  # each span alone, from its own cell
    install()
    assert ChopsUpdate.render_segments is render_cropped

