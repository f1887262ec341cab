"""Helpers for driving the app with Pilot and reading what it shows."""

import time
from pathlib import Path

import pytest

from logreg_tui.core.model.options import load_dataset, parse_options
from logreg_tui.tui.app import LogRegApp


def make_app(*args: str, directory: Path | None = None) -> LogRegApp:
    options = parse_options(["--paused", "--seed", "42", *args])
    return LogRegApp(options, load_dataset(options), directory=directory)


async def until(pilot, condition, what: str = "condition", timeout: float = 20.0):
    """Let the app run until condition() holds, then settle()."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            await settle(pilot)
            return
        await pilot.pause(0.02)
    pytest.fail(f"timed out waiting for {what}")


async def settle(pilot, timeout: float = 10.0):
    """One more frame (a tick of the app's timer), then until the plots asked for are on screen (the plot process
    answers)."""
    app, deadline = pilot.app, time.monotonic() + timeout
    frame = app.frames
    while app.frames <= frame:  # a whole frame begun after the call (10 fps: 0.1 s at most)
        if time.monotonic() > deadline:
            pytest.fail("the app drew no frame")
        await pilot.pause(0.01)
    await pilot.pause(0)  # what that frame refreshed, painted
    while app.plot_process.busy:
        if time.monotonic() > deadline:
            pytest.fail("the plots were never drawn")
        await pilot.pause(0.02)


async def started(pilot):
    app = pilot.app
    await until(pilot, lambda: app.engine is not None and app.pacer.shown_version > 0, "the engine")
    return app


async def training_beyond(pilot, epoch: int) -> None:
    """Resume training (the app starts paused) and wait until it is past `epoch`."""
    await pilot.press("space")
    await until(pilot, lambda: snap(pilot.app).epoch > epoch, f"training past epoch {epoch}")


def snap(app):
    return app.engine.latest


def stat(app, label: str) -> str:
    """The value the stats panel shows for `label`."""
    for line in app.query_one("#stats").plain_lines:
        if line.startswith(label + " "):
            return line[len(label):].strip()
    raise AssertionError(f"no {label!r} line in {app.query_one('#stats').plain_lines}")


def message(app) -> str:
    return str(app.query_one("#message").render())
