"""What a person changed during a run (events) and the runs that ended (ghosts), in words: no torch, no UI.

An event is a change a person made at an epoch (lr, autograd, optimizer, batch size, w and b moved by
hand, going on after a divergence). Changes of one kind at one epoch merge into one event: holding an
arrow key while paused is one move, and + then − leaves no event at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from logreg_tui.core.formatting import format_number

MAX_GHOSTS = 3  # runs kept to compare with the current one; the oldest goes first
MAX_EVENTS = 1000  # per run; the oldest go first (a person pressing keys for hours)


def _batch(batch_size: int) -> str:
    return f"batch {batch_size}" if batch_size else "full batch"


def _point(point: tuple[float, float]) -> str:
    return f"({format_number(point[0])}, {format_number(point[1])})"


WORDS = {  # kind → how a value of it reads
    "lr": lambda lr: format_number(lr),
    "autograd": str,
    "optimizer": str,
    "batch_size": _batch,
    "move": _point,
}
NAMES = {"lr": "lr ", "autograd": "autograd ", "optimizer": "", "batch_size": "", "move": "w, b "}


@dataclass(frozen=True)
class Event:
    """A change made after `epoch` epochs: `kind` went from `before` to `after`."""

    epoch: int
    kind: str  # a key of WORDS, or "restore": `after` is the change that went on after a divergence
    before: object
    after: object

    @property
    def what(self) -> str:
        """lr 0.2 → 0.4, sgd → adam, w, b (0, 0) → (1.5, −2); after a divergence, what it went on from."""
        if self.kind == "restore":  # after: the change that went on from there
            return f"after the divergence: back to the last finite w, b, {self.after.what}"
        words = WORDS[self.kind]
        return f"{NAMES[self.kind]}{words(self.before)} → {words(self.after)}"

    def as_json(self) -> dict:
        return {"epoch": self.epoch, "what": self.what}


def record(events: tuple[Event, ...], event: Event) -> tuple[Event, ...]:
    """events with `event` added: merged into the last one when it is of the same kind at the same epoch."""
    last = events[-1] if events else None
    if last and event.kind != "restore" and (last.kind, last.epoch) == (event.kind, event.epoch):
        events, event = events[:-1], Event(event.epoch, event.kind, last.before, event.after)
        if event.before == event.after:
            return events  # undone at the same epoch: nothing happened
    return (events + (event,))[-MAX_EVENTS:]


def settings_words(run) -> dict[str, str]:
    """The settings that tell runs apart, each as it reads in a legend (run: a Snapshot); the optimizer before
    the lr: where a legend has room for one difference, that is the one that names a run best."""
    uses_beta = run.optimizer in ("momentum", "nesterov")
    return {
        "data": f"seed {run.seed}" if run.seed is not None else run.dataset.source,
        "optimizer": run.optimizer + (f" β {run.momentum:g}" if uses_beta else ""),
        "lr": f"lr {format_number(run.lr)}",
        "batch": _batch(run.batch_size if run.batch_size < run.n_train else 0),
        "autograd": run.autograd,
        "split": f"val {run.val_frac:g}" if run.val_frac else "no val",
    }


def ghost_name(index: int) -> str:
    """prev, prev 2, prev 3: the ghosts, newest first."""
    return "prev" if index == 0 else f"prev {index + 1}"


def differences(ghost, current) -> list[str]:
    """The ghost's settings that differ from the current run's, as words; none when all are equal."""
    mine, theirs = settings_words(ghost), settings_words(current)
    return [words for name, words in mine.items() if words != theirs[name]]


def ghost_label(ghost, current, index: int) -> str:
    """"prev: sgd lr 0.2": the ghost's name and what tells it apart from the current run (all equal: its
    optimizer and lr)."""
    mine = settings_words(ghost)
    return f"{ghost_name(index)}: {' '.join(differences(ghost, current) or [mine['optimizer'], mine['lr']])}"
