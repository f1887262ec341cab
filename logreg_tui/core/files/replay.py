"""Reproduce a run: the command line that starts it, and the replay of an exported JSON (its events applied at
their epochs). No torch, no Textual.

An export's JSON (export.run_summary) carries FORMAT, the command line of the run's start (its data, and its
settings before any change: each setting's first event says what it was) and its events with their kinds and
values. `--replay RUN.json` parses that command line again and gives the engine the events as a script
(TrainConfig.script), which it applies at their epochs until a person takes over.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

from logreg_tui.core.files.csv_data import FLOAT32_MAX
from logreg_tui.core.files.reading import NotReadable, read_regular_file
from logreg_tui.core.model.crosses import PLAIN, CrossError, checked
from logreg_tui.core.model.data import MAX_FEATURES
from logreg_tui.core.model.runs import MAX_EVENTS, Event
from logreg_tui.core.model.settings import BY_NAME, SETTINGS, Settings
from logreg_tui.core.model.state import EPOCHS_MAX
from logreg_tui.core.words.formatting import printable

FORMAT = 1  # the export JSON's format version: a replay refuses a newer one
# the export config's keys that start the same data
DATA_FLAGS = ("seed", "n_points", "dataset", "noise", "features", "gap", "label_noise", "class_balance", "data",
              "x_column", "label_column", "positive", "standardize", "init", "device")


class ReplayError(Exception):
    """A file that is not an export a replay can read: one line that says why."""


def start_features(crosses: tuple[str, ...], events: tuple[Event, ...]) -> tuple[str, ...]:
    """The crosses the run started on (Dataset.crosses: () for x1, x2 themselves): the current ones with every
    change of features (f) undone, latest first."""
    for event in reversed(events):
        change = event.change
        if change.kind == "features" and isinstance(change.before, tuple):
            crosses = () if change.before == PLAIN else change.before
    return crosses


def start_settings(settings: Settings, events: tuple[Event, ...]) -> Settings:
    """The settings the run started with: the current ones with every change undone, latest first."""
    for event in reversed(events):
        change = event.change
        if change.kind in BY_NAME:
            undone: dict[str, Any] = {change.kind: change.before}
            settings = replace(settings, **undone)
    return settings


def _flag(name: str, value: Any) -> list[str]:
    option = "--" + name.replace("_", "-")
    if isinstance(value, bool):
        return [option] if value else []
    if name == "features":  # the crosses' names (crosses.py checks them again when the replay parses them)
        text = ",".join(str(v) for v in value)
    elif isinstance(value, (tuple, list)):
        text = ",".join(repr(float(v)) for v in value)
    else:
        text = repr(value) if isinstance(value, float) else str(value)
    # a value that starts with "-" (--init -0.5,1) is one word with its option: argparse takes it for an option
    return [f"{option}={text}"] if text.startswith("-") else [option, text]


def command_words(config: dict[str, Any], settings: Settings, epochs: int) -> list[str]:
    """The options that start the same run (its data, its starting settings, its epochs): those away from their
    defaults, with floats written to round-trip exactly."""
    from logreg_tui.core.model.options import build_parser  # the parser's defaults are the ones to leave out

    defaults = vars(build_parser().parse_args([]))
    words: list[str] = []
    for name in DATA_FLAGS:
        value = config.get(name)
        if (name == "data" and config.get("seed") is not None) or (name == "seed" and value is None):
            continue  # generated data is its seed; a file's is its path
        if name == "n_points" and config.get("seed") is None:
            continue  # a file's or a bundled set's points are its own
        if name == "init" and value is not None and not any(float(v) for v in value):  # θ = 0: the default
            continue
        if name == "features" and not value:  # no crosses: the default
            continue
        if value is not None and value != defaults.get(name):
            words += _flag(name, value)
    for row in SETTINGS:
        value = getattr(settings, row.name)
        if value != row.default:
            words += _flag(row.name, value)
    if epochs != defaults["epochs"]:
        words += ["--epochs", str(epochs)]
    return words


def command_line(words: list[str]) -> str:
    return " ".join(["logreg-tui", *(shlex.quote(word) for word in words)])


def event_json(event: Event) -> dict[str, Any]:
    """An event as the export writes it: its epoch and words, and what a replay needs (kind, before, after)."""
    def plain(value: object) -> object:
        if isinstance(value, Event):
            return event_json(value)
        return list(value) if isinstance(value, tuple) else value

    return {"epoch": event.epoch, "step": event.step, "what": event.what, "kind": event.kind,
            "before": plain(event.before), "after": plain(event.after)}


MAX_REPLAY_BYTES = 64 << 20  # an export of a long run with its history is a few MB; past this, not an export
MAX_WORDS = 200  # words in its command line
EVENT_KEYS = {"epoch", "step", "what", "kind", "before", "after"}  # what export.run_summary writes for an event
EXTRA_KINDS = ("move", "features", "restore", "function")  # besides the live settings (a key changes them during a run)
# the options a replayed command line may hold: the run's data and its settings, never a mode (--serve, --host,
# --no-token, --export …); --function only with the sha256 check of check_function_file
RUN_OPTIONS = (*DATA_FLAGS, *(row.name for row in SETTINGS), "epochs", "function", "preset")


def _whole(value: Any, what: str, high: int) -> int:
    """value as an int 0 … high (JSON's true and 1.5 are not counts)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise ReplayError(f"{what} must be a whole number from 0 to {high}, got {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, float) else repr(value)
    return printable(text if len(text) <= 40 else text[:37] + "…")


def _setting(kind: str, value: Any) -> Any:
    """A setting's value checked as its option, key or prompt would check it (settings.SETTINGS' parse and
    choices): the same range, the same words."""
    row = BY_NAME[kind]
    if row.choices is not None:
        if not isinstance(value, str) or value not in row.choices:
            raise ReplayError(f"{row.option()} must be one of {', '.join(row.choices)}, got {_shown(value)}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ReplayError(f"{row.option()} must be a number, got {_shown(value)}")
    assert row.parse is not None
    try:
        return row.parse(repr(value))
    except argparse.ArgumentTypeError as error:
        raise ReplayError(f"{row.option()} {error}") from None


def _point(value: Any, what: str) -> tuple[float, ...]:
    """θ = (w, b), or (w₁ … w_d, b) with d features: finite numbers within float32's range (training runs in
    float32); whether d is the data's, the engine checks when it applies the move."""
    if not (isinstance(value, list) and 2 <= len(value) <= MAX_FEATURES + 1 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= FLOAT32_MAX
            for v in value)):
        raise ReplayError(f"{what} must be (w, b), two finite numbers (w1 … wd, b: d + 1 with d features), "
                          f"got {_shown(value)}")
    return tuple(float(v) for v in value)


def _features(value: Any) -> tuple[str, ...]:
    """The crosses a features event names, each one crosses.py has, none twice."""
    if not (isinstance(value, list) and all(isinstance(name, str) for name in value)):
        raise ReplayError(f"a features event's features must be a list of names, got {_shown(value)}")
    try:
        return checked(tuple(value))
    except CrossError as error:
        raise ReplayError(f"a features event: {printable(str(error))}") from None


def _event(data: Any, epochs: int, nested: bool = False) -> Event:
    """One event of the file, every field checked: its kind known, its values as their options take them, its epoch
    within the run."""
    if not isinstance(data, dict) or not {"epoch", "kind", "before", "after"} <= set(data):
        raise ReplayError("an event without its epoch, kind, before and after")
    if extra := set(data) - EVENT_KEYS:
        raise ReplayError(f"an event with keys an export does not write: {', '.join(sorted(map(printable, extra)))}")
    kind, before, after = data["kind"], data["before"], data["after"]
    epoch = _whole(data["epoch"], "its epoch", epochs)
    step = None if data.get("step") is None else _whole(data["step"], "its step", EPOCHS_MAX * 10**6)
    live = {row.name for row in SETTINGS if row.live}
    if not isinstance(kind, str) or kind not in live | set(EXTRA_KINDS):
        raise ReplayError(f"an event of an unknown kind {_shown(kind)} (a replay knows {', '.join(sorted(live))}, "
                          f"{', '.join(EXTRA_KINDS)})")
    if kind == "restore":
        if nested:
            raise ReplayError("a restore inside a restore")
        return Event(epoch, kind, None, _event(after, epochs, nested=True), step)
    if kind == "move":
        return Event(epoch, kind, _point(before, "a move's start"), _point(after, "a move"), step)
    if kind == "features":
        return Event(epoch, kind, _features(before), _features(after), step)
    if kind == "function":
        if not (isinstance(before, str) and isinstance(after, str)):
            raise ReplayError(f"a reload event's versions must be words, got {_shown(before)} → {_shown(after)}")
        return Event(epoch, kind, printable(before)[:200], printable(after)[:200], step)
    return Event(epoch, kind, _setting(kind, before), _setting(kind, after), step)


def _read_json(path: str) -> Any:
    """The file's JSON: a regular file (never a FIFO or a device, which would block or never end) of at most
    MAX_REPLAY_BYTES, nested no deeper than JSON that an export writes."""
    try:
        data = read_regular_file(path, MAX_REPLAY_BYTES)
    except NotReadable as why:
        raise ReplayError(f"{path}: {why}: --replay takes a JSON that e or --export wrote") from None
    except OSError as error:
        raise ReplayError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ReplayError(f"{path}: JSON nested too deep to be an export") from None
    except (ValueError, UnicodeDecodeError):
        raise ReplayError(f"{path} is not JSON: --replay takes a JSON that e writes or --headless --json prints") \
            from None


def _check_command(path: str, words: list[str]) -> None:
    """The recorded command line holds the run's own options only (RUN_OPTIONS), each value as the option takes it:
    a shared file never starts a server, writes files or names a mode."""
    from logreg_tui.core.model.options import build_parser

    if len(words) > MAX_WORDS:
        raise ReplayError(f"{path}: its command has {len(words)} words, more than a run's options")

    def refuse(message: str) -> NoReturn:
        raise ReplayError(f"{path}: its command: {printable(message)}")

    if any(word == "-h" or (len(word) > 2 and ("--help".startswith(word) or "--version".startswith(word)))
           for word in words):  # argparse would print them and leave
        refuse("it asks for help or the version, not a run")
    parser = build_parser()
    parser.error = refuse  # type: ignore[method-assign]
    for action in parser._actions:
        action.default = argparse.SUPPRESS
    given = set(vars(parser.parse_args(words)))
    if refused := sorted(given - set(RUN_OPTIONS)):
        flag = "--" + refused[0].replace("_", "-")
        raise ReplayError(f"{path}: its command holds {flag}: a replay takes the run's data and settings, never "
                          "a mode or an output (give those on your own command line)")


@dataclass(frozen=True)
class Recording:
    """What a replay takes from an exported JSON."""

    words: list[str]  # the options that start the run and train it as long as it was
    events: tuple[Event, ...]  # the changes to apply at their epochs
    function_sha256: str  # the sha256 of the --function source the run loaded; "" when it names none (or no hash)


def read_replay(path: str) -> Recording:
    """An exported JSON read once and checked as a command line is: ReplayError, one line naming the file (and the
    event), for anything else."""
    summary = _read_json(path)
    if not isinstance(summary, dict) or "command" not in summary or "format" not in summary:
        raise ReplayError(f"{path} is not a logreg-tui export (no format and command): --replay takes a JSON "
                          "that e writes or --headless --json prints")
    version = summary["format"]
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version:
        raise ReplayError(f"{path}: its format is {_shown(version)}, not an export's (1)")
    if version > FORMAT:
        raise ReplayError(f"{path} is in export format {version}, newer than this logreg-tui reads ({FORMAT}): "
                          "upgrade logreg-tui")
    words = summary["command"]
    if not (isinstance(words, list) and all(isinstance(word, str) for word in words)):
        raise ReplayError(f"{path}: its command is not a list of words")
    _check_command(path, words)
    try:
        epochs = _whole(summary.get("epochs"), "its epochs", EPOCHS_MAX)
    except ReplayError as error:
        raise ReplayError(f"{path}: {error}") from None
    events = summary.get("events", [])
    if not isinstance(events, list) or len(events) > MAX_EVENTS:
        raise ReplayError(f"{path}: its events must be a list of at most {MAX_EVENTS} (what an export keeps)")
    return Recording([*words, "--epochs", str(epochs)],
                     tuple(_indexed(path, k, data, epochs) for k, data in enumerate(events)), _function_digest(summary))


def _indexed(path: str, index: int, data: Any, epochs: int) -> Event:
    try:
        return _event(data, epochs)
    except ReplayError as error:
        at = f" at epoch {data['epoch']}" if isinstance(data, dict) and isinstance(data.get("epoch"), int) else ""
        raise ReplayError(f"{path}: event {index}{at}: {error}") from None


def _function_digest(summary: dict[str, Any]) -> str:
    """The sha256 of the --function source the run loaded, or "" when the export has none (or not one)."""
    function = summary.get("function")
    digest = function.get("sha256") if isinstance(function, dict) else None
    if isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
        return digest
    return ""


def check_function_file(replay: str, spec: str, digest: str, events: tuple[Event, ...]) -> None:
    """The replay uses a --function file only when it is the source the run loaded (its sha256), and only when the
    run never reloaded it (a later version is not on this machine): else ReplayError, one line with the way on."""
    from logreg_tui.core.words.homework import LoadError, read_source, source_digest, split_spec

    if not digest:
        raise ReplayError(f"{replay}: its --function has no sha256 of its source: export the run again")
    name = printable(Path(split_spec(spec)[0]).name)
    reload = next((event for event in events if event.kind == "function"), None)
    if reload is not None:
        raise ReplayError(f"{replay}: the run reloaded {name} at epoch {reload.epoch}, a version this machine does "
                          "not have: a replay cannot follow it")
    try:
        here = source_digest(read_source(split_spec(spec)[0]))
    except LoadError as error:
        raise ReplayError(f"{replay}: {error} (--function OTHER.py replays with another file)") from None
    if here != digest:
        raise ReplayError(f"{replay}: {name} here is not the file the run loaded (sha256 {here[:12]}… here, "
                          f"{digest[:12]}… in the run): --function OTHER.py replays with another file")


def replayed_options(options: Any, argv: list[str]) -> Any:
    """--replay: the recorded run's options, with this command line's own after them (its mode, its display: they
    win), and its changes as the engine's script (Options.script). ReplayError for a file that is no export, or a
    --function file that is not the one the run loaded (unless this command line names one)."""
    from logreg_tui.core.model.options import parse_options  # options builds on this module's neighbours

    recording = read_replay(options.replay)
    rest = [word for k, word in enumerate(argv)
            if word != "--replay" and (k == 0 or argv[k - 1] != "--replay") and not word.startswith("--replay=")]
    replayed = replace(parse_options([*recording.words, *rest]), script=recording.events,
                       replay=options.replay)  # its file, to name
    if replayed.function and not options.function:  # the recorded file: only the same source
        check_function_file(options.replay, replayed.function, recording.function_sha256, recording.events)
    return replayed
