"""The plot process: the child draws exactly what the app would, and the app never goes without plots."""

import asyncio
import json
import subprocess
import sys
import time

import numpy as np
import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text

from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.history import LossHistory
from logreg_tui.views.canvas import rows_of
from logreg_tui.views.drawing import Drawing, PlotColors, decode, encode
from logreg_tui.views.plot_process import PlotProcess, draw_here
from logreg_tui.views.plots import LossSettings, loss_plot, render
from logreg_tui.views.scatter import data_plot

COLORS = PlotColors()

pytestmark = pytest.mark.plot_child_process  # the child as the product starts it: this file is about it


def drawings() -> list[Drawing]:
    history = LossHistory()
    history.extend(0.7 * np.exp(-np.arange(1001) / 150))
    view = history.view()
    return [loss_plot(view, 1001, 1001, LossSettings(False, True, False), 90, 20, COLORS)[1],
            loss_plot(view, 1001, 1001, LossSettings(True, False, True), 90, 20, COLORS)[1],
            data_plot(make_tutorial_data(42, 1000, 4.0), 2.6216, -5.1346, 90, 20, COLORS)[1]]


def test_drawings_survive_json_exactly():
    sent = drawings()
    received = decode(encode(sent))
    assert [render(d) for d in received] == [render(d) for d in sent]


def test_rows_keep_every_character_and_colour_of_plotexts_text():
    text = render(drawings()[2])
    console = Console(color_system="truecolor")
    for row, line in zip(rows_of(text), Text.from_ansi(text).split("\n", allow_blank=True), strict=True):
        direct = list(line.render(console, end=""))
        assert "".join(run_text for run_text, _ in row) == line.plain
        # the style goes as a string and comes back through Style.parse: the same style, colour for colour
        assert [(t, Style.parse(s) if s else None) for t, s in row] == [(seg.text, seg.style or None)
                                                                         for seg in direct]
    assert any("#" in style for row in rows_of(text) for _, style in row)  # the theme's RGB colours


def runs(rows) -> list[list[tuple]]:
    """Rows with their runs as tuples (JSON brings them back as lists)."""
    return [[tuple(run) for run in row] for row in rows]


async def drawn_by(process: PlotProcess, drawing_list: list[Drawing], timeout: float = 10.0) -> dict:
    answers = {}
    for k, drawing in enumerate(drawing_list):
        process.draw(k, drawing, lambda rows, k=k: answers.__setitem__(k, rows))
    deadline = time.monotonic() + timeout
    while len(answers) < len(drawing_list) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return answers


async def ready(process: PlotProcess, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not process._ready and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert process._ready, "the plot process never said it was ready"


async def test_the_child_draws_what_the_app_would():
    process = PlotProcess()
    process.start()
    try:
        await ready(process)
        answers = await drawn_by(process, drawings())
        assert process.drawn == 3 and not process.busy
        assert [runs(answers[k]) for k in range(3)] == [draw_here(d) for d in drawings()]
    finally:
        process.close()


async def test_without_a_child_plots_are_drawn_here_at_once(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    process = PlotProcess()
    process.start()
    answers = await drawn_by(process, drawings()[:1], timeout=0)
    assert answers == {0: draw_here(drawings()[0])} and process.drawn == 0


async def test_a_child_that_dies_hands_its_work_back_is_restarted_once_and_named_each_time():
    process = PlotProcess()
    process.start()
    await ready(process)
    process._child.kill()
    answers = await drawn_by(process, drawings())
    assert [runs(answers[k]) for k in range(3)] == [draw_here(d) for d in drawings()]
    assert process.take_notice() == "the plot process ended with exit code -9: started it again"
    await ready(process)  # the second child
    answers = await drawn_by(process, drawings())
    assert process.drawn == 3 and [runs(answers[k]) for k in range(3)] == [draw_here(d) for d in drawings()]
    process._child.kill()
    answers = await drawn_by(process, drawings())
    assert len(answers) == 3 and process._child is None  # from now on everything is drawn here
    assert process.take_notice().startswith("the plot process ended with exit code -9 again: plots are drawn in the app")
    assert process.take_notice() == ""  # said once
    process.close()


def every_views_drawing():
    """One Drawing of each view in the registry, from a real run's snapshot (a minimum, a path, a split), on the
    tutorial's one feature and on two (the data view draws the (x₁, x₂) plane)."""
    from logreg_tui.core.model.data import make_shape_data
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine
    from logreg_tui.views.registry import VIEWS

    made = []
    for data in (make_tutorial_data(), make_shape_data("moons", n_points=200)):
        snapshot = Engine(data, TrainConfig(epochs=0)).run_epochs(30)
        made += [row.view(snapshot, row.settings, 100, 30, COLORS)[1] for row in VIEWS]
    assert all(isinstance(drawing, Drawing) for drawing in made), made
    return made


async def test_every_registered_kind_goes_through_a_real_child():
    from logreg_tui.views.registry import drawing_kinds

    made = every_views_drawing()
    assert {drawing.plot for drawing in made} == drawing_kinds() == {"loss", "data", "landscape", "evaluation",
                                                                                "plane"}
    process = PlotProcess()
    process.start()
    try:
        await ready(process)
        answers = await drawn_by(process, made, timeout=30)
        assert process.drawn == len(made) and process.drawn_here == 0 and process.restarts == 0
        assert [runs(answers[k]) for k in range(len(made))] == [draw_here(d) for d in made]
    finally:
        process.close()


def test_the_child_decodes_every_kind_whatever_it_imported_first():
    code = ("import logreg_tui.views.plot_process as p, logreg_tui.views.drawing as d; "
            "print(sorted(d.Drawing.kinds))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['data', 'evaluation', 'landscape', 'loss', 'plane']"


def test_the_child_exits_when_the_app_goes():
    child = subprocess.Popen([sys.executable, "-m", "logreg_tui.views.plot_process"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    assert child.stdout.readline() == b"ready\n"
    child.stdin.write(encode(drawings()))
    child.stdin.flush()
    assert len(json.loads(child.stdout.readline())) == 3
    child.stdin.close()  # what the app's exit does to the pipe
    assert child.wait(timeout=5) == 0


def test_the_child_imports_no_torch_and_no_textual():
    code = ("import sys, logreg_tui.views.plot_process; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'textual')]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
