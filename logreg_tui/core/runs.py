"""What a person changed during a run (events) and the runs that ended (ghosts), in words: no torch, no UI.

An event is a change a person made at an epoch (lr, autograd, optimizer, batch size, w and b moved by
hand, going on after a divergence). Changes of one kind at one epoch merge into one event: holding an
arrow key while paused is one move, and + then − leaves no event at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from logreg_tui.core.data import Dataset
from logreg_tui.core.formatting import format_number
from logreg_tui.core.settings import SETTINGS, Settings, legend_words

MAX_GHOSTS = 3  # runs kept to compare with the current one; the oldest goes first
MAX_EVENTS = 1000  # per run; the oldest go first (a person pressing keys for hours)


def _point(point: tuple[float, float]) -> str:
    return f"({format_number(point[0])}, {format_number(point[1])})"


# kind → (what comes before the values, how a value reads): every setting, and w, b moved by hand
WORDS: dict[str, tuple[str, Callable[[Any], str]]] = {row.name: (row.label, row.words) for row in SETTINGS}
WORDS["move"] = ("w, b ", _point)
WORDS["function"] = ("function ", str)  # --function's file reloaded: its verdict before → after


class Labelled(Protocol):
    """What a legend names a run by: a Snapshot (state.py, which builds on this module)."""

    @property
    def dataset(self) -> Dataset: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def seed(self) -> int | None: ...
    @property
    def n_train(self) -> int: ...


@dataclass(frozen=True)
class Event:
    """A change made after `epoch` epochs: `kind` went from `before` to `after`."""

    epoch: int
    kind: str  # a setting's name, "move", or "restore": `after` is the change that went on after a divergence
    before: object
    after: object
    step: int | None = None  # the optimizer step it came before, when made inside a minibatch epoch (a replay's)

    @property
    def what(self) -> str:
        """lr 0.2 → 0.4, sgd → adam, w, b (0, 0) → (1.5, −2); after a divergence, what it went on from."""
        if self.kind == "restore":  # after: the change that went on from there
            assert isinstance(self.after, Event)
            return f"after the divergence: back to the last finite w, b, {self.after.what}"
        label, words = WORDS[self.kind]
        return f"{label}{words(self.before)} → {words(self.after)}"

    def as_json(self) -> dict:
        return {"epoch": self.epoch, "what": self.what}


def record(events: tuple[Event, ...], event: Event) -> tuple[Event, ...]:
    """events with `event` added: merged into the last one when it is of the same kind at the same epoch."""
    last = events[-1] if events else None
    if last and event.kind != "restore" and (last.kind, last.epoch, last.step) == (event.kind, event.epoch, event.step):
        events, event = events[:-1], Event(event.epoch, event.kind, last.before, event.after, event.step)
        if event.before == event.after:
            return events  # undone at the same epoch: nothing happened
    return (events + (event,))[-MAX_EVENTS:]


def settings_words(run: Labelled) -> dict[str, str]:
    """The settings that tell runs apart, each as it reads in a legend: the data, then the settings in the order
    that names a run best where a legend has room for one difference (settings.legend_words)."""
    data = f"seed {run.seed}" if run.seed is not None else run.dataset.source
    return {"data": data} | legend_words(run.settings, run.n_train)


def ghost_name(index: int) -> str:
    """prev, prev 2, prev 3: the ghosts, newest first."""
    return "prev" if index == 0 else f"prev {index + 1}"


def differences(ghost: Labelled, current: Labelled) -> list[str]:
    """The ghost's settings that differ from the current run's, as words; none when all are equal."""
    mine, theirs = settings_words(ghost), settings_words(current)
    return [words for name, words in mine.items() if words != theirs[name]]


def ghost_label(ghost: Labelled, current: Labelled, index: int) -> str:
    """"prev: sgd lr 0.2": the ghost's name and what tells it apart from the current run (all equal: its
    optimizer and lr)."""
    mine = settings_words(ghost)
    return f"{ghost_name(index)}: {' '.join(differences(ghost, current) or [mine['optimizer'], mine['lr']])}"
