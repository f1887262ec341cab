"""Reproduce a run: the command line that starts it, and the replay of an exported JSON (its events applied at
their epochs). No torch, no Textual.

An export's JSON (export.run_summary) carries FORMAT, the command line of the run's start (its data, and its
settings before any change: each setting's first event says what it was) and its events with their kinds and
values. `--replay RUN.json` parses that command line again and gives the engine the events as a script
(TrainConfig.script), which it applies at their epochs until a person takes over.
"""

from __future__ import annotations

import json
import math
import shlex
from dataclasses import replace
from pathlib import Path
from typing import Any

from logreg_tui.core.formatting import printable
from logreg_tui.core.runs import Event
from logreg_tui.core.settings import BY_NAME, SETTINGS, Settings

FORMAT = 1  # the export JSON's format version: a replay refuses a newer one
DATA_FLAGS = ("seed", "n_points", "gap", "label_noise", "class_balance", "data", "x_column", "label_column",
              "positive", "standardize", "init", "device")  # the export config's keys that start the same data


class ReplayError(Exception):
    """A file that is not an export a replay can read: one line that says why."""


def start_settings(settings: Settings, events: tuple[Event, ...]) -> Settings:
    """The settings the run started with: the current ones with every change undone, latest first."""
    for event in reversed(events):
        change = event.after if event.kind == "restore" and isinstance(event.after, Event) else event
        if change.kind in BY_NAME:
            undone: dict[str, Any] = {change.kind: change.before}
            settings = replace(settings, **undone)
    return settings


def _flag(name: str, value: Any) -> list[str]:
    option = "--" + name.replace("_", "-")
    if isinstance(value, bool):
        return [option] if value else []
    if isinstance(value, (tuple, list)):
        return [option, ",".join(repr(float(v)) for v in value)]
    return [option, repr(value) if isinstance(value, float) else str(value)]


def command_words(config: dict[str, Any], settings: Settings, epochs: int) -> list[str]:
    """The options that start the same run (its data, its starting settings, its epochs): those away from their
    defaults, with floats written to round-trip exactly."""
    from logreg_tui.core.options import build_parser  # the parser's defaults are the ones to leave out

    defaults = vars(build_parser().parse_args([]))
    words: list[str] = []
    for name in DATA_FLAGS:
        value = config.get(name)
        if (name == "data" and config.get("seed") is not None) or (name == "seed" and value is None):
            continue  # generated data is its seed; a file's is its path
        if name == "init" and value is not None and [float(v) for v in value] == [0.0, 0.0]:
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


def _event(data: Any) -> Event:
    if not isinstance(data, dict) or not {"epoch", "kind", "before", "after"} <= set(data):
        raise ReplayError("an event without its epoch, kind, before and after")
    kind, after = data["kind"], data["after"]
    if kind == "restore":
        after = _event(after)
    elif kind == "move":
        if not (isinstance(after, list) and len(after) == 2 and all(isinstance(v, (int, float)) for v in after)):
            raise ReplayError(f"a move to {after!r}, not (w, b)")
        after, data = (float(after[0]), float(after[1])), data | {"before": tuple(data["before"] or ())}
    elif kind in BY_NAME and BY_NAME[kind].parse is not None and kind != "batch_size":
        after = float(after)
    if not isinstance(data["epoch"], int) or data["epoch"] < 0:
        raise ReplayError(f"an event at epoch {data['epoch']!r}")
    step = data.get("step")
    if step is not None and (not isinstance(step, int) or step < 0):
        raise ReplayError(f"an event at step {step!r}")
    return Event(data["epoch"], kind, data["before"], after, step)


def read_replay(path: str) -> tuple[list[str], tuple[Event, ...]]:
    """(the options that start the run and train it as long as it was, the events to apply) of an exported JSON."""
    try:
        summary = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ReplayError(f"cannot read {path}: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError):
        raise ReplayError(f"{path} is not JSON: --replay takes a JSON that e writes or --headless --json prints") \
            from None
    if not isinstance(summary, dict) or "command" not in summary or "format" not in summary:
        raise ReplayError(f"{path} is not a logreg-tui export (no format and command): --replay takes a JSON "
                          "that e writes or --headless --json prints")
    version = summary["format"]
    if not isinstance(version, int) or version > FORMAT:
        raise ReplayError(f"{path} is in export format {version!r}, newer than this logreg-tui reads ({FORMAT}): "
                          "upgrade logreg-tui")
    words = summary["command"]
    if not (isinstance(words, list) and all(isinstance(word, str) for word in words)):
        raise ReplayError(f"{path}: its command is not a list of words")
    epochs = summary.get("epochs")
    if not isinstance(epochs, int) or epochs < 0:
        raise ReplayError(f"{path}: its epochs are {epochs!r}, not a count")
    try:
        events = tuple(_event(data) for data in summary.get("events", []))
    except (TypeError, ValueError) as error:
        raise ReplayError(f"{path}: an event that cannot be read ({error})") from None
    if any(isinstance(e.after, float) and not math.isfinite(e.after) for e in events):
        raise ReplayError(f"{path}: an event sets a value that is not finite")
    return [*words, "--epochs", str(epochs)], events


def _recorded_function(path: str, summary: dict[str, Any]) -> str:
    """The sha256 of the --function source the run loaded ('' for a run without one)."""
    function = summary.get("function")
    if function is None:
        return ""
    digest = function.get("sha256") if isinstance(function, dict) else None
    if not (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
        raise ReplayError(f"{path}: its --function has no sha256 of its source: export the run again")
    return digest


def check_function_file(replay: str, spec: str, digest: str, events: tuple[Event, ...]) -> None:
    """The replay uses a --function file only when it is the source the run loaded (its sha256), and only when the
    run never reloaded it (a later version is not on this machine): else ReplayError, one line with the way on."""
    from logreg_tui.core.homework import LoadError, read_source, source_digest, split_spec

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
    from logreg_tui.core.options import parse_options  # options builds on this module's neighbours

    words, script = read_replay(options.replay)
    rest = [word for k, word in enumerate(argv)
            if word != "--replay" and (k == 0 or argv[k - 1] != "--replay") and not word.startswith("--replay=")]
    replayed = replace(parse_options([*words, *rest]), script=script, replay=options.replay)  # its file, to name
    if replayed.function and not options.function:  # the recorded file: only the same source
        check_function_file(options.replay, replayed.function, _function_digest(options.replay), script)
    return replayed


def _function_digest(path: str) -> str:
    summary = json.loads(Path(path).read_text(encoding="utf-8"))
    return _recorded_function(path, summary)
