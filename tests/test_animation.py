"""--render FILE.svg|FILE.gif (issue 44): a replay drawn as an animated SVG, whose last frame a real browser shows
as the run's last screen, and as a GIF through asciinema's renderer."""

import html
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pyte
import pytest

from logreg_tui.cli.animation import BASELINE, CELL_HEIGHT, CELL_WIDTH, CastError, cast_to_gif, cast_to_svg, frames

# a page that stops the SVG's animations at their end and writes out the cells the visible frames paint, in the
# order they paint them: what a person sees once the animation has played
LAST_FRAME_PAGE = """<!doctype html><html><body>{svg}<pre id="out"></pre><script>
const svg = document.querySelector('svg'), animations = document.getAnimations();
const end = Math.max(...animations.map(a => a.effect.getComputedTiming().duration));
for (const a of animations) {{ a.pause(); a.currentTime = end - 1; }}
const grid = Array.from({{length: {rows}}}, () => Array({columns}).fill(' '));
for (const group of svg.querySelectorAll(':scope > g')) {{
  if (getComputedStyle(group).opacity !== '1') continue;
  for (const node of group.children) {{
    const column = Math.round(parseFloat(node.getAttribute('x')) / {width});
    if (node.tagName === 'rect') {{
      const row = Math.round(parseFloat(node.getAttribute('y')) / {height});
      const cells = Math.round(parseFloat(node.getAttribute('width')) / {width});
      for (let k = 0; k < cells; k++) grid[row][column + k] = ' ';
    }} else {{
      const row = Math.round((parseFloat(node.getAttribute('y')) - {baseline}) / {height});
      [...node.textContent].forEach((c, k) => {{ grid[row][column + k] = c; }});
    }}
  }}
}}
document.getElementById('out').textContent = animations.length + '\\n' + grid.map(r => r.join('')).join('\\n');
</script></body></html>"""


def browser_last_frame(svg: str, columns: int, rows: int) -> tuple[int, str]:
    """(how many animations the browser runs, the screen at the end) of an SVG in headless Chromium."""
    page = Path(tempfile.mkdtemp()) / "page.html"
    page.write_text(LAST_FRAME_PAGE.format(svg=svg, columns=columns, rows=rows, width=CELL_WIDTH, height=CELL_HEIGHT,
                                           baseline=BASELINE), encoding="utf-8")
    result = subprocess.run(
        [shutil.which("chromium") or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tempfile.mkdtemp()}", "--virtual-time-budget=1000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="out">(.*?)</pre>', result.stdout, re.S)
    assert found, result.stderr[-2000:]
    count, _, screen = html.unescape(found.group(1)).partition("\n")
    return int(count), "\n".join(line.rstrip() for line in screen.splitlines())


def final_screen(cast: str) -> str:
    header, *events = [json.loads(line) for line in cast.splitlines()]
    screen = pyte.Screen(header["width"], header["height"])
    stream = pyte.Stream(screen)
    for _, kind, data in events:
        if kind == "o":
            stream.feed(data)
    return "\n".join(line.rstrip() for line in screen.display)


def _cast(*events: tuple[float, str], size: tuple[int, int] = (20, 4)) -> str:
    header = {"version": 2, "width": size[0], "height": size[1]}
    return "\n".join([json.dumps(header), *(json.dumps([t, "o", text]) for t, text in events)]) + "\n"


def test_frames_are_the_screens_a_player_sampling_at_fps_shows_and_the_last_always():
    cast = _cast((0.01, "a"), (0.02, "b"), (0.35, "\x1b[2;1Hc"), (0.36, "d"), (0.9, "\x1b[1;1HZ"))
    taken = frames(cast, fps=10)
    assert [frame.seconds for frame in taken] == [0.0, 0.1, 0.4, 0.9]  # 0.35's screen is at 0.4 with d in it
    assert ["".join(cell[0] for cell in frame.rows[0]).rstrip() for frame in taken] == ["", "ab", "ab", "Zb"]
    assert "".join(cell[0] for cell in taken[2].rows[1]).rstrip() == "cd"
    red = frames(_cast((0.0, "\x1b[31;1mR\x1b[7mV")), fps=10)[-1].rows[0]
    assert red[0] == ("R", "cd0000", "121212", True) and red[1] == ("V", "121212", "cd0000", True)  # reverse video
    with pytest.raises(CastError, match="not an asciicast v2"):
        frames('{"version": 1}\n')


def test_a_frame_draws_only_the_cells_that_changed_and_shows_them_from_its_time_on():
    ticks = [(0.05, "status 0")] + [(0.1 * k + 0.05, f"\x1b[1;8H{k % 10}") for k in range(1, 40)]
    svg = cast_to_svg(_cast(*ticks, size=(80, 24)), fps=10)
    groups = re.findall(r'<g class="k f (k\d+)">(.*?)</g>', svg)
    assert len(groups) == 40  # one per frame after the blank terminal
    assert all(group.count("<text") == 1 and group.count("<rect") == 1 and f">{k % 10}<" in group
               for k, (_, group) in enumerate(groups[1:], start=1))  # one changed cell: one text, one rectangle
    total = float(re.search(r"animation-duration:([\d.]+)s", svg).group(1))
    assert total == pytest.approx(4.0 + 4.0)  # the last frame at 4.0 s, held 4 s, then again from the start
    at = re.search(r"@keyframes k40\{0%\{opacity:0\}([\d.]+)%", svg)
    assert float(at.group(1)) == pytest.approx(100 * 4.0 / total)
    assert len(svg) < 40 * 400  # a cell's change costs a cell, not a screen


def _render(cli, tmp_path, recorded, name, *more):
    result = cli("--replay", str(recorded), "--render", str(tmp_path / name), "--size", "100x30", "--speed", "200",
                 *more, process=True)
    assert result.returncode == 0, result.stderr
    return tmp_path / name


@pytest.mark.pty  # the renders run the app in a pseudo-terminal of their own
def test_a_rendered_svg_ends_in_a_browser_on_the_runs_last_frame_and_a_gif_plays_it_too(cli, tmp_path):
    run = cli("--headless", "--epochs", "101", "--lr", "0.4", "--json", "--export", str(tmp_path))
    summary = json.loads(run.stdout)
    recorded = next(tmp_path.glob("*.json"))
    cast = _render(cli, tmp_path, recorded, "run.cast").read_text(encoding="utf-8")
    svg_path = _render(cli, tmp_path, recorded, "run.svg", "--keys", "k")
    svg = svg_path.read_text(encoding="utf-8")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="843.0" height="510"')
    assert "<script" not in svg and "href" not in svg and svg_path.stat().st_size < 2_000_000  # self-contained
    if shutil.which("chromium") or os.environ.get("LOGREG_TUI_NEED_BROWSER"):  # CI installs it (.ci/run)
        animations, shown = browser_last_frame(cast_to_svg(cast), 100, 30)
        assert animations > 3 and shown == final_screen(cast)  # the browser ends on the cast's last screen
        assert re.search(r"epoch\s+101 / 101", shown) and re.search(rf"\bw\s+{summary['w']:.6g}\b", shown)
        _, rendered = browser_last_frame(svg, 100, 30)
        assert re.search(r"status\s+done", rendered) and "κ at min" in rendered  # --keys k: the curvature page
    assert json.loads(cast.splitlines()[0])["env"]["TERM"] == "xterm-256color" and "\\u001b[38;2;" in cast  # 24-bit
    sixteen = _render(cli, tmp_path, recorded, "sixteen.cast", "--colors", "16").read_text(encoding="utf-8")
    assert json.loads(sixteen.splitlines()[0])["env"]["TERM"] == "xterm" and "\\u001b[38;2;" not in sixteen
    last = frames(cast)[-1].rows  # without a browser: the frames' own last screen is the cast's
    assert "\n".join("".join(cell[0] for cell in row).rstrip() for row in last) == final_screen(cast)

    from PIL import Image

    gif = Image.open(io.BytesIO(cast_to_gif(tmp_path / "run.cast")))
    assert gif.format == "GIF" and gif.n_frames > 3 and gif.info["loop"] == 0
    durations = []
    for k in range(gif.n_frames):
        gif.seek(k)
        durations.append(gif.info["duration"])
    end = json.loads(cast.splitlines()[-1])[0]
    assert durations[-1] == 4000 and sum(durations[:-1]) == pytest.approx(1000 * end, abs=400)  # at the cast's times
    assert gif.size[0] > 600 and gif.size[1] > 300  # drawn at the cast's 100 × 30 cells


def test_render_refuses_an_svg_or_gif_it_cannot_make_in_one_line(cli, tmp_path, monkeypatch):
    from logreg_tui.cli import render

    assert cli("--headless", "--epochs", "3", "--export", str(tmp_path)).returncode == 0
    recorded = str(next(tmp_path.glob("*.json")))
    (tmp_path / "kept.svg").write_text("mine")
    for target, says in (("x.webm", "a render is a .cast, .svg or .gif file"),
                         (str(tmp_path / "kept.svg"), "the file exists (a render never overwrites one)"),
                         (str(tmp_path / "no" / "x.gif"), f"no folder {tmp_path / 'no'}")):
        result = cli("--replay", recorded, "--render", target)
        assert result.returncode == 2 and result.stderr.strip() == f"logreg-tui: --render {target}: {says}"
    assert (tmp_path / "kept.svg").read_text() == "mine"
    monkeypatch.setattr(render.importlib.util, "find_spec", lambda name: None)  # a machine without the extras
    for target, says in (("x.svg", "a .svg needs pyte: pip install 'logreg-tui[render]'"),
                         ("x.gif", "a .gif needs agg_python_bindings, PIL: pip install 'logreg-tui[gif]'")):
        result = cli("--replay", recorded, "--render", str(tmp_path / target))
        assert result.returncode == 2 and says in result.stderr and not (tmp_path / target).exists()
    for args, says in ((["--keys", "w zz"], "--keys: zz is no key of the app"),
                       (["--theme", "neon"], "--theme neon: not a theme; one of ansi-dark")):
        result = cli(*args)
        assert result.returncode == 2 and says in result.stderr, result.stderr
