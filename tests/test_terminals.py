"""What only a terminal shows, as people's terminals show it (issue 24, points 3 and 4)."""

import html
import re
import shutil
import subprocess

import pytest
from apphelpers import make_app, snap, started, until
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
    svg = next(tmp_path.glob("*.svg")).read_text()
    texts = re.findall(r'<text [^>]*?x="([\d.]+)"[^>]*?textLength="([\d.]+)"[^>]*>([^<]+)</text>', svg)
    cell = float(texts[0][1])
    assert texts and all(len(html.unescape(text)) == 1 for _, _, text in texts)  # one character each
    assert all(float(length) == pytest.approx(cell, abs=0.05) for _, length, _ in texts)
    assert all(abs(float(x) / cell - round(float(x) / cell)) < 0.02 for x, _, _ in texts)  # on the grid
    assert any(0x2800 <= ord(html.unescape(text)) <= 0x28FF for _, _, text in texts)  # braille among them
    if shutil.which("rsvg-convert"):  # and the tool the README names draws it
        subprocess.run(["rsvg-convert", "-o", str(tmp_path / "shot.png")], input=svg.encode(), check=True)
        assert (tmp_path / "shot.png").stat().st_size > 10_000
