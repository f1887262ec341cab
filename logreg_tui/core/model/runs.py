"""What a person changed during a run (events) and the runs that ended (ghosts), in words: no torch, no UI.

An event is a change a person made at an epoch (lr, autograd, optimizer, batch size, w and b moved by
hand, the features crossed, going on after a divergence). Changes of one kind at one epoch merge into one event:
holding an arrow key while paused is one move, and + then − leaves no event at all (features excepted: record).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from logreg_tui.core.model.data import Dataset, make_tutorial_data
from logreg_tui.core.model.settings import SETTINGS, Settings, legend_words
from logreg_tui.core.words.formatting import format_number
from logreg_tui.core.words.presets import PRESETS

MAX_GHOSTS = 3  # runs kept to compare with the current one; the oldest goes first
MAX_EVENTS = 1000  # per run; the oldest go first (a person pressing keys for hours)


def _point(theta: tuple[float, ...]) -> str:
    """(w, b) for one feature; ((w₁, …, w_d), b) for more."""
    weights = ", ".join(format_number(value) for value in theta[:-1])
    return f"({weights if len(theta) == 2 else f'({weights})'}, {format_number(theta[-1])})"


# kind → (what comes before the values, how a value reads): every setting, and w, b moved by hand
WORDS: dict[str, tuple[str, Callable[[Any], str]]] = {row.name: (row.label, row.words) for row in SETTINGS}
WORDS["move"] = ("w, b ", _point)
WORDS["function"] = ("function ", str)  # --function's file reloaded: its verdict before → after
WORDS["features"] = ("features ", ", ".join)  # the crosses trained on (f): their names before → after


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
    @property
    def function(self) -> str: ...
    @property
    def function_verdict(self) -> str: ...


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

    @property
    def change(self) -> Event:
        """The change itself: after a divergence, the one that went on from there."""
        return self.after if self.kind == "restore" and isinstance(self.after, Event) else self

    def as_json(self) -> dict:
        return {"epoch": self.epoch, "what": self.what}


def record(events: tuple[Event, ...], event: Event) -> tuple[Event, ...]:
    """events with `event` added: merged into the last one when it is of the same kind at the same epoch."""
    last = events[-1] if events else None
    # features are not merged: a weight dropped and ticked again in between starts again from 0
    if last and event.kind not in ("restore", "features") \
            and (last.kind, last.epoch, last.step) == (event.kind, event.epoch, event.step):
        events, event = events[:-1], Event(event.epoch, event.kind, last.before, event.after, event.step)
        if event.before == event.after:
            return events  # undone at the same epoch: nothing happened
    return (events + (event,))[-MAX_EVENTS:]


def data_words(dataset: Dataset) -> str:
    """The data as a legend names it: a preset's name where its recipe is one (overlap, moons), else what sets it
    apart from the tutorial's (seed 43 gap 1 N 300; circle seed 7 spread 0.4), or the CSV's path."""
    if dataset.seed is None:
        return dataset.source
    recipe = _recipe(dataset)
    for name, (_, defaults) in PRESETS.items():
        if name != "tutorial" and dataset.seed == TUTORIAL["seed"] and recipe == _recipe_of_preset(defaults):
            return name
    shape = [] if dataset.recipe == "tutorial" else [dataset.recipe]
    words = shape + [f"seed {dataset.seed}"] + [f"{RECIPE_WORDS[key]} {format_number(value)}"
                                                for key, value in recipe.items()
                                                if key in RECIPE_WORDS and value != TUTORIAL[key]]
    words += [f"spread {format_number(dataset.noise)}"] if dataset.noise is not None else []
    return " ".join(words + ([f"on {','.join(dataset.crosses)}"] if dataset.crosses else []))


def _recipe(dataset: Dataset) -> dict[str, Any]:
    """What a seed draws from: the shape, its spread, and the recipe's numbers (a shape has no gap)."""
    numbers = {key: getattr(dataset, key) for key in RECIPE_WORDS if key != "gap" or dataset.recipe == "tutorial"}
    return numbers | {"recipe": dataset.recipe, "noise": dataset.noise, "features": dataset.crosses}


def _recipe_of_preset(defaults: dict[str, Any]) -> dict[str, Any]:
    shape = defaults.get("dataset") or "tutorial"
    numbers = {key: defaults.get(key, TUTORIAL[key]) for key in RECIPE_WORDS if key != "gap" or shape == "tutorial"}
    return numbers | {"recipe": shape, "noise": defaults.get("noise"), "features": tuple(defaults.get("features", ()))}


# the tutorial's recipe: make_tutorial_data's defaults (seed 42, 1000 points, gap 4 …), and how a legend names each
TUTORIAL: dict[str, Any] = {name: parameter.default
                            for name, parameter in inspect.signature(make_tutorial_data).parameters.items()}
RECIPE_WORDS = {"gap": "gap", "n_points": "N", "label_noise": "noise", "class_balance": "balance"}


def function_words(run: Labelled) -> str:
    """A --function run's file and what its check found, short: my_loss.py (sign flipped); "" without one."""
    if not run.function or run.settings.autograd != "file":
        return ""
    verdict = run.function_verdict
    short = next((words for phrase, words in SHORT_VERDICTS if phrase in verdict), "")
    short = short or ("PASS" if verdict.startswith("PASS") else "FAIL")
    return f"{run.function} ({short})"


SHORT_VERDICTS = (("sign is flipped", "sign flipped"), ("1/N is missing", "missing 1/N"),
                  ("ignores grad_output", "ignores grad_output"), ("off by a factor", "scaled"),
                  ("not a multiple", "wrong gradient"))


def settings_words(run: Labelled) -> dict[str, str]:
    """The settings that tell runs apart, each as it reads in a legend: the data first, then the --function file
    (with its verdict), then the settings in the order that names a run best where a legend has room for one
    difference (settings.legend_words)."""
    function = function_words(run)
    words = {"data": data_words(run.dataset)} | ({"function": function} if function else {})
    return words | legend_words(run.settings, run.n_train)


def ghost_name(index: int) -> str:
    """prev, prev 2, prev 3: the ghosts, newest first."""
    return "prev" if index == 0 else f"prev {index + 1}"


def differences(ghost: Labelled, current: Labelled) -> list[str]:
    """The ghost's settings that differ from the current run's, as words; none when all are equal."""
    mine, theirs = settings_words(ghost), settings_words(current)
    return [words for name, words in mine.items() if words != theirs.get(name)]


def ghost_label(ghost: Labelled, current: Labelled, index: int) -> str:
    """"prev: sgd lr 0.2": the ghost's name and what tells it apart from the current run (all equal: its
    optimizer and lr)."""
    mine = settings_words(ghost)
    return f"{ghost_name(index)}: {' '.join(differences(ghost, current) or [mine['optimizer'], mine['lr']])}"
