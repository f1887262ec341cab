"""The message line under the plots: one owner for what it says and why (the engine's message, or the app's)."""

from __future__ import annotations

import time

from textual.widgets import Static

from logreg_tui.core.model.runs import Event, ghost_name
from logreg_tui.core.model.state import Snapshot
from logreg_tui.core.words.formatting import counted, printable
from logreg_tui.core.words.lessons import guessing_note

QUIET_SECONDS = 4.0  # a lesson's note waits this long after anything else was said, so as not to hide it


class MessageLine(Static):
    """Says the app's notes, and the engine's messages, changes and new runs as the snapshots bring them."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)  # messages quote file names and input: never markup
        self.is_engines = False  # it shows the engine's message (cleared with it)
        self._last_event: Event | None = None  # the newest event and ghost already told
        self._last_ghost: Snapshot | None = None
        self.failed = False  # training stopped: its line stays
        self.next_run_note = ""  # said with the news of the next new run (what it is: a preset's lesson)
        self._told_optimum: object = None  # the minimum whose lesson (guessing_note) was told
        self._said_at = -QUIET_SECONDS

    def say(self, text: str, from_engine: bool = False) -> None:
        self.is_engines = from_engine
        self._said_at = time.monotonic() if text else self._said_at
        self.update(printable(text))

    def about_next_run(self, note: str, ghost_coming: bool) -> None:
        """A note on the run about to start: said with the news of the ghost the current run becomes, or now when it
        trained nothing (then no ghost is kept)."""
        if ghost_coming:
            self.next_run_note = note
        else:
            self.say(note)

    def show_engine(self, snapshot: Snapshot) -> None:
        """A stop's message (it names its cause and the way past it), else the news; the engine's old one goes."""
        if snapshot.message or snapshot.warning:
            self.say(snapshot.message or snapshot.warning, from_engine=True)
        elif not self.failed and self.is_engines:
            self.say("", from_engine=True)
        self._tell_news(snapshot)

    def _tell_news(self, snapshot: Snapshot) -> None:
        """A change just recorded, or a run just kept as a ghost (once each): over a warning, under a message."""
        event = snapshot.events[-1] if snapshot.events else None
        ghost = snapshot.ghosts[0] if snapshot.ghosts else None
        if ghost is not self._last_ghost and ghost is not None and not (snapshot.message or snapshot.warning):
            note, self.next_run_note = self.next_run_note, ""
            self.say(f"{note + '; the' if note else 'new run; the'} last one ({counted(ghost.epoch, 'epoch')}) stays "
                     f"behind it as {ghost_name(0)!r} (g hides the earlier runs, G forgets them)")
        elif event is not self._last_event and event is not None and not (snapshot.message or snapshot.warning):
            self.say(f"epoch {event.epoch}: {event.what}")
        elif not (snapshot.message or snapshot.warning):
            self._tell_lesson(snapshot)
        self._last_event, self._last_ghost = event, ghost

    def _tell_lesson(self, snapshot: Snapshot) -> None:
        """Once per minimum, when the line has been quiet a while: why the loss stays where it is, where that is
        the lesson (no line does better than guessing)."""
        optimum = snapshot.optimum
        if optimum is None or optimum is self._told_optimum or time.monotonic() - self._said_at < QUIET_SECONDS:
            return
        self._told_optimum = optimum
        if note := guessing_note(optimum, snapshot.class_share, "f ticks them" if snapshot.dataset.crossable else ""):
            self.say(note)
