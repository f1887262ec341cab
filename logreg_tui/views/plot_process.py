"""Plots drawn in a child process, so that plotext's pure-Python work does not hold the app's GIL.

Training is Python-bound at small N and shares the GIL with the UI thread: every millisecond plotext
holds it there is a millisecond training waits (bench/terminal.py measures app ÷ headless epochs/s).
The child reads a batch of Drawings as one JSON line on stdin and answers with the pictures as one
JSON line of rows of (text, style) runs on stdout; the app reads the answer from its event loop.
One batch is in flight at a time, so neither side ever blocks on a full pipe, and a batch holds
every plot that changed in a frame: each pipe write or read hands the GIL to training and back.
Until the child says it is ready, and for good if it stops, plots are drawn in the app instead:
slower, never missing.

    python -m logreg_tui.views.plot_process   (what the app starts; not for people)
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import IO, Protocol, cast

from logreg_tui.views.drawing import Drawing, Rows, decode, encode
from logreg_tui.views.plots import picture
from logreg_tui.views.registry import drawing_kinds

Deliver = Callable[[Rows], None]


class Child(Protocol):
    """What the app needs of its plot child: subprocess.Popen's pipes, kill and wait."""

    stdin: IO[bytes] | None
    stdout: IO[bytes] | None

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...


READY = b"ready"
STALLED_SECONDS = 3.0  # a batch unanswered this long (the child stopped, or stuck): it is restarted, once
RESTARTS = 1  # a child that ends is started again this many times; after that, plots are drawn in the app


class PlotProcess:
    """The app's side: `draw()` a picture for a target and get its rows back by callback."""

    def __init__(self) -> None:
        self._child: Child | None = None
        self._ready = False
        self._received = b""
        self._in_flight: list[tuple[Drawing, Deliver]] = []
        self._waiting: dict[object, tuple[Drawing, Deliver]] = {}  # the latest drawing per target
        self._send_soon = False
        self.drawn = 0  # pictures the child has drawn
        self.drawn_here = 0  # pictures drawn in the app instead (before the child is ready, or without one)
        self.restarts = 0
        self.cpu_seconds = 0.0  # this thread's time spent sending and taking batches (the app paces plots by it)
        self._sent_at = 0.0  # when the batch in flight was sent
        self.notice = ""  # why plots are drawn in the app from now on, once; the app shows it and clears it

    @property
    def busy(self) -> bool:
        """True while a drawing asked for has not been delivered."""
        return bool(self._in_flight or self._waiting)

    def start(self) -> None:
        """Start the child; call from within the running event loop."""
        try:
            self._child = start_child()
        except OSError:
            return  # drawn here, as before
        answers = _pipes(self._child)[1].fileno()
        os.set_blocking(answers, False)
        asyncio.get_running_loop().add_reader(answers, self._timed, self._take_answers)

    def draw(self, target: object, drawing: Drawing, deliver: Deliver) -> None:
        """Have deliver(rows) called with the picture: now when drawn here, else when the child answers.

        A newer drawing for the same target replaces one still waiting: only the latest is worth drawing.
        """
        if not self._ready:
            deliver(self._draw_here(drawing))
            return
        self._waiting[target] = (drawing, deliver)
        if not self._send_soon:  # once this frame's other plots have been asked for too
            self._send_soon = True
            asyncio.get_running_loop().call_soon(self._timed, self._send_next)

    def _send_next(self) -> None:
        self._send_soon = False
        if self._in_flight or not self._waiting or not self._child:
            return
        self._in_flight, self._waiting = list(self._waiting.values()), {}
        self._sent_at = time.monotonic()
        try:
            requests = _pipes(self._child)[0]
            requests.write(encode([drawing for drawing, _ in self._in_flight]))
            requests.flush()
        except OSError:
            self._give_up()

    def _timed(self, work: Callable[[], None]) -> None:
        started = time.thread_time()
        try:
            work()
        finally:
            self.cpu_seconds += time.thread_time() - started

    def _take_answers(self) -> None:
        try:
            if self._child is None:
                return
            data = os.read(_pipes(self._child)[1].fileno(), 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._give_up()
            return
        *lines, self._received = (self._received + data).split(b"\n")
        for line in lines:
            if not self._ready:
                self._ready = line == READY
                continue
            try:
                pictures = json.loads(line)
            except ValueError:  # a child that broke mid-answer
                self._give_up()
                return
            answered, self._in_flight = self._in_flight, []
            if len(pictures) != len(answered):  # an answer short of what was asked would leave a view waiting
                self._give_up()
                return
            self.drawn += len(answered)
            for (_, deliver), rows in zip(answered, pictures, strict=True):
                deliver(rows)
        self._send_next()

    def take_notice(self) -> str:
        """The notice, once: "" after it has been taken."""
        notice, self.notice = self.notice, ""
        return notice

    def check(self, now: float) -> None:
        """Called every frame: a batch unanswered for STALLED_SECONDS means the child is stopped or stuck."""
        if self._in_flight and self._child and now - self._sent_at > STALLED_SECONDS:
            self._give_up(f"gave no answer for {STALLED_SECONDS:g} s")

    def _draw_here(self, drawing: Drawing) -> Rows:
        self.drawn_here += 1
        return picture(drawing)

    def _give_up(self, why: str = "") -> None:
        """The child is gone: draw what it was asked for here; start it again once, and say so once; after that,
        draw everything here."""
        unanswered = self._in_flight + list(self._waiting.values())
        code = _exit_code(self._child) if self._child is not None and not why else None
        why = why or (f"ended with exit code {code}" if code is not None else "ended")
        self.close()
        for drawing, deliver in unanswered:
            deliver(self._draw_here(drawing))
        if self.restarts < RESTARTS:
            self.restarts += 1
            self.notice = f"the plot process {why}: started it again"
            self.start()
        else:
            self.notice = (f"the plot process {why} again: plots are drawn in the app from now on (training may "
                           "slow a little)")

    def close(self) -> None:
        self._ready = False
        self._in_flight, self._waiting = [], {}
        child, self._child = self._child, None
        if child is None:
            return
        try:
            asyncio.get_running_loop().remove_reader(_pipes(child)[1].fileno())
        except RuntimeError:
            pass  # no loop running any more: nothing to remove
        child.kill()
        child.wait()
        for pipe in _pipes(child):
            pipe.close()


def start_child() -> Child:
    """`python -m logreg_tui.views.plot_process` with its stdin and stdout piped to the app (the test suite starts
    the same loop forked from a warm process instead: a Python and plotext starting per Pilot test cost it
    minutes)."""
    # its own session: the terminal's signals (ctrl+z, a closed SSH link) are for the app to handle
    return subprocess.Popen([sys.executable, "-m", "logreg_tui.views.plot_process"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)


def _exit_code(child: Child) -> int | None:
    """The exit code of a child whose pipe just closed (it is ending: a moment to be reaped), or None."""
    try:
        return child.wait(timeout=0.2)
    except subprocess.TimeoutExpired:
        return None


def _pipes(child: Child) -> tuple[IO[bytes], IO[bytes]]:
    """The child's stdin and stdout (both are pipes: start() asks for them)."""
    return cast(IO[bytes], child.stdin), cast(IO[bytes], child.stdout)


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The child's loop: a batch of Drawings per line in, a line of their pictures out, until end of input."""
    answers.write(READY + b"\n")
    answers.flush()
    assert drawing_kinds()  # every view's kinds registered (the registry imports them all), whatever came first
    for line in requests:
        answers.write(json.dumps([picture(drawing) for drawing in decode(line)]).encode() + b"\n")
        answers.flush()


draw_here = picture  # what the app draws when the child cannot (tests compare the child's pictures with it)


if __name__ == "__main__":
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except (BrokenPipeError, KeyboardInterrupt):
        pass  # the app has gone
