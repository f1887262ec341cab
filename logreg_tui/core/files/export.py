"""A run as files: CSV of (epoch, loss, w, b) per run (the current one and its ghosts) and a JSON summary,
written atomically and never over a file."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from logreg_tui.core.files.replay import (
    FORMAT,
    command_line,
    command_words,
    event_json,
    start_features,
    start_settings,
)
from logreg_tui.core.files.script import run_script
from logreg_tui.core.maths.curvature import curvature_json
from logreg_tui.core.maths.evaluation import evaluation_json, evaluations
from logreg_tui.core.model.crosses import PLAIN
from logreg_tui.core.model.history import PathView
from logreg_tui.core.model.options import Options, initial_theta
from logreg_tui.core.model.real_data import REAL_SETS
from logreg_tui.core.model.runs import ghost_label, ghost_name
from logreg_tui.core.model.state import Snapshot


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def current_config(options: Options, snapshot: Snapshot) -> dict[str, Any]:
    """The options as they stand for the run in this snapshot: after r, +, a, [ … they differ from the start."""
    dataset, config = snapshot.dataset, dataclasses.asdict(options)
    if not config.get("headless"):
        config["speed"] = snapshot.speed
    del config["settings"]  # the run's own, flat as the command line names them
    # the run's own data (p and r change it), not the command line's; its features as it started (f changes them)
    recipe = {"label_noise": dataset.label_noise, "class_balance": dataset.class_balance, "noise": dataset.noise,
              "features": list(start_features(dataset.crosses, snapshot.events))} \
        if dataset.seed is not None else {}
    if dataset.seed is not None and dataset.recipe == "tutorial":
        recipe["gap"] = dataset.gap  # a shape has none
    # --init random: the values it drew (a replay and the script start there), and that they were drawn
    start = {"init": list(initial_theta(options, start_d(snapshot))), "init_random": options.init == "random"}
    return config | dataclasses.asdict(snapshot.settings) | recipe | start | {
        "seed": dataset.seed, "n_points": dataset.n_points, "device": snapshot.device,
        "data": None if dataset.recipe in REAL_SETS else dataset.source, "dataset": dataset.recipe,
        "standardize": dataset.scale is not None}


def start_d(snapshot: Snapshot) -> int:
    """How many features the run started with (f changes them during a run)."""
    if not any(event.change.kind == "features" for event in snapshot.events):
        return snapshot.dataset.d
    return len(start_features(snapshot.dataset.crosses, snapshot.events) or PLAIN)


def _curvature(snapshot: Snapshot) -> dict[str, Any] | None:
    """core/curvature.curvature_json of the run; None for a ghost, which keeps its curves but not its points."""
    if not snapshot.dataset.x.size:
        return None
    n_train = snapshot.n_train
    return curvature_json(snapshot.optimum, snapshot.weights, snapshot.b, snapshot.dataset.x[:n_train],
                          snapshot.dataset.y[:n_train], snapshot.settings.l2)


def run_command(options: Options, snapshot: Snapshot, config: dict[str, Any] | None = None) -> list[str]:
    """The options that start this snapshot's run: its data and its settings before any of its changes."""
    # the device as the person chose it (auto unless named): a replay elsewhere resolves it there
    config = (config or current_config(options, snapshot)) | {"device": options.device}
    words = command_words(config, start_settings(snapshot.settings, snapshot.events), options.epochs)
    return words + ["--function", options.function] if options.function else words


def script_of(options: Options, snapshot: Snapshot) -> str:
    """The run as a plain PyTorch script (core/files/script.py) that trains it again, its changes at their epochs."""
    return run_script(current_config(options, snapshot), start_settings(snapshot.settings, snapshot.events),
                      snapshot.events, snapshot.epoch, initial_theta(options, start_d(snapshot)), options.function,
                      snapshot.function_class, snapshot.dataset.scale is not None, options.log_every,
                      snapshot.function_source)


def run_summary(options: Options, snapshot: Snapshot, status: str | None = None) -> dict[str, Any]:
    """The run as JSON-ready data: config, final values, and the loss history at its kept resolution."""
    starts, low, high, mean = snapshot.history.series()
    config = current_config(options, snapshot)
    words = run_command(options, snapshot, config)
    summary = {
        "format": FORMAT,  # --replay refuses a newer one
        "command": words,  # the options that start this run: its data and its settings before any change
        "command_line": command_line(words),  # the same, to paste into a shell
        "config": config,
        "epochs": snapshot.epoch,
        "status": status or snapshot.status,
        "message": snapshot.message,
        **dataclasses.asdict(snapshot.settings),
        "steps": snapshot.steps,
        "w": _weights_json(snapshot.weights),  # a number for one feature, a list for more
        "b": _finite_or_none(snapshot.b),
        "loss": _finite_or_none(snapshot.loss),  # the data's mean BCE
        "objective": _finite_or_none(snapshot.objective),  # what training minimises: the loss plus the penalties
        "accuracy": _finite_or_none(snapshot.accuracy),
        "val_loss": _finite_or_none(snapshot.val_loss),
        "val_accuracy": _finite_or_none(snapshot.val_accuracy),
        # at the final θ and the threshold (core/maths/evaluation.py), and the val_ twins on the held-out points
        **evaluation_json(*evaluations(snapshot.dataset, snapshot.n_train, snapshot.weights, snapshot.b,
                                       snapshot.settings.threshold)),
        "epochs_per_second": snapshot.run_epochs_per_second,  # the run's: its epochs ÷ the time spent training them
        "saturated": snapshot.saturated,
        "optimum": (snapshot.optimum.as_json(snapshot.settings.penalty(tuple(snapshot.optimum.weights)))
                    if snapshot.optimum else None),
        "optimum_reason": snapshot.optimum.reason if snapshot.optimum and not snapshot.optimum.exists else None,
        "curvature": _curvature(snapshot),  # null without a minimum: optimum_reason says why
        "epochs_to_1pct_of_optimum": snapshot.near_optimum_at,  # the first epoch within 1 % of its loss; None: never
        "events": [event_json(event) for event in snapshot.events],  # what --replay applies at their epochs
        # --function's file and its check, when one was loaded (the autograd mode "file")
        # (its path as given and the sha256 of the source that was loaded: a replay uses that file only if it matches)
        "function": {"file": snapshot.function, "path": options.function, "sha256": snapshot.function_sha256,
                     "verdict": snapshot.function_verdict} if snapshot.function else None,
        "history": {
            "epochs_per_row": 1 if snapshot.history.is_exact else snapshot.history.bucket_width,
            "epoch": [int(e) for e in starts],
            "loss": [_finite_or_none(v) for v in mean.tolist()],
            "loss_min": [_finite_or_none(v) for v in low.tolist()],
            "loss_max": [_finite_or_none(v) for v in high.tolist()],
        },
    }
    if snapshot.dataset.scale is not None:
        weights, b = snapshot.dataset.original_units(snapshot.weights, snapshot.b)
        means, stds = (list(values) for values in zip(*snapshot.dataset.scale, strict=True))
        one = len(means) == 1  # one feature: numbers, as always; more: a list each
        summary["original_units"] = {"w": _weights_json(weights), "b": _finite_or_none(b),
                                     "x_mean": means[0] if one else means, "x_std": stds[0] if one else stds}
    return summary


def _weights_json(weights: tuple[float, ...]) -> float | None | list[float | None]:
    """w as the JSON writes it: a number (null when not finite) for one feature, a list of them for more."""
    values = [_finite_or_none(value) for value in weights]
    return values[0] if len(values) == 1 else values


def history_csv(snapshot: Snapshot) -> str:
    """epoch,loss,w,b rows (w1,…,wd,b with d features): the loss of each epoch's forward pass at the θ it started
    from.

    A long run's rows each summarise `epochs` epochs (mean, with min and max), with the θ the path kept last at
    or before the row's first epoch (a long path is kept at every 2nd, 4th … epoch).
    """
    starts, low, high, mean = snapshot.history.series()
    columns, theta = _theta_table(snapshot, starts)
    names = ",".join(columns)
    width = 1 if snapshot.history.is_exact else snapshot.history.bucket_width
    if width == 1:
        rows = zip(starts, mean.tolist(), theta, strict=True)
        return f"epoch,loss,{names}\n" + "".join(f"{int(e)},{v!r},{_row(t)}\n" for e, v, t in rows)
    buckets = zip(starts, mean.tolist(), low.tolist(), high.tolist(), theta, strict=True)
    return f"epoch,loss,loss_min,loss_max,epochs,{names}\n" + "".join(
        f"{int(e)},{m!r},{lo!r},{hi!r},{width},{_row(t)}\n" for e, m, lo, hi, t in buckets
    )


def theta_columns(d: int) -> tuple[str, ...]:
    """θ's columns in the CSV: w, b for one feature (the tutorial's names); w1 … wd, b for more."""
    return ("w", "b") if d == 1 else (*(f"w{j}" for j in range(1, d + 1)), "b")


def _row(theta: list[float | None]) -> str:
    return ",".join("" if value is None else repr(value) for value in theta)


def _theta_table(snapshot: Snapshot, epochs: np.ndarray) -> tuple[tuple[str, ...], list[list[float | None]]]:
    """θ's columns and, per epoch, θ as the path kept it (_path_at). A run whose features changed (f) has a column
    per feature it ever had, w_<name>, empty where that feature was not trained on at that epoch."""
    if not snapshot.earlier_paths:
        return theta_columns(snapshot.dataset.d), _path_at(snapshot.path, epochs)
    segments = [*snapshot.earlier_paths, (snapshot.dataset.crossed_as, snapshot.path)]
    union = list(dict.fromkeys(name for features, _ in segments for name in features))
    table: list[list[float | None]] = []
    firsts = np.array([path.epoch[0] for _, path in segments])
    which = np.clip(np.searchsorted(firsts, np.asarray(epochs), side="right") - 1, 0, len(segments) - 1)
    for k, (features, path) in enumerate(segments):
        rows = _path_at(path, np.asarray(epochs)[which == k])
        table += [[dict(zip(features, row, strict=False)).get(name) for name in union] + [row[-1]] for row in rows]
    return (*(f"w_{name}" for name in union), "b"), table


def _path_at(path: PathView, epochs: np.ndarray) -> list[list[float | None]]:
    """θ rows: per epoch, the last path point reached at or before it (after a move, the moved-to one)."""
    index = np.clip(np.searchsorted(path.epoch, np.asarray(epochs), side="right") - 1, 0, path.epoch.size - 1)
    return path.theta[index].tolist()


def write_new_file(directory: Path, stem: str, suffix: str, text: str) -> Path:
    """Write text to directory/stem[-k]suffix, a name not yet taken; atomic: a temporary, then a link.

    os.link fails rather than replace an existing file, so two writers can never clobber each other; the
    temporary lives in a private directory and is reached only through directory descriptors (_Staging).
    """
    with _Staging(Path(directory)) as staging:
        temporary = staging.write(stem + suffix, text)
        for k in range(10_000):
            name = f"{stem}{f'-{k}' if k else ''}{suffix}"
            if staging.link(temporary, name):
                return Path(directory) / name
        raise FileExistsError(f"{Path(directory) / stem}{suffix}: too many files with this name")


class _Staging:
    """Temporaries in a private directory (0700, made by mkdtemp) inside the target one, each created with O_EXCL |
    O_NOFOLLOW and its mode from the umask (never a chmod), written, rewritten and linked through directory file
    descriptors (no path is followed twice): someone who can write to the target directory can swap neither a
    temporary for a link to another file nor the private directory for one of theirs."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def __enter__(self) -> _Staging:
        self._target = os.open(self._directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            self._private_name = Path(tempfile.mkdtemp(dir=self._directory, prefix=".logreg-tui-")).name
            self._private = os.open(self._private_name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                                    dir_fd=self._target)
        except BaseException:
            os.close(self._target)
            raise
        self._names: list[str] = []
        return self

    def write(self, name: str, text: str | bytes) -> str:
        """A new temporary holding text (UTF-8) or bytes; its name in the private directory."""
        temporary = f"{len(self._names)}-{name}"
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666, dir_fd=self._private)
        self._names.append(temporary)
        with os.fdopen(handle, "wb") as file:
            file.write(text.encode() if isinstance(text, str) else text)
        return temporary

    def rewrite(self, temporary: str, text: str) -> None:
        handle = os.open(temporary, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW, dir_fd=self._private)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)

    def link(self, temporary: str, name: str) -> bool:
        """The temporary under `name` in the target directory; False when the name is taken (never replaced)."""
        try:
            os.link(temporary, name, src_dir_fd=self._private, dst_dir_fd=self._target, follow_symlinks=False)
        except FileExistsError:
            return False
        return True

    def unlink(self, name: str) -> None:
        os.unlink(name, dir_fd=self._target)

    def __exit__(self, *_: object) -> None:
        try:
            for temporary in self._names:
                os.unlink(temporary, dir_fd=self._private)
            os.rmdir(self._private_name, dir_fd=self._target)
        except OSError:
            pass  # the private directory was moved or replaced under its name: it is empty, and not ours to chase
        finally:
            os.close(self._private)
            os.close(self._target)


def run_stem(snapshot: Snapshot) -> str:
    """logreg-seed42-epoch379 (or logreg-mydata-epoch379): a name that says which run, safe in any file system."""
    dataset = snapshot.dataset
    source = dataset.source.replace(", ", "-").replace(" ", "") if dataset.seed is not None \
        else Path(dataset.source).stem
    stem = f"logreg-{source}-epoch{snapshot.epoch}"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(stem).name)


def run_file_names(stem: str, snapshot: Snapshot) -> list[str]:
    """stem.csv, a CSV per ghost named by its own run (logreg-seed42-epoch1001-prev.csv beside a seed-43 run's
    logreg-seed43-epoch1001.csv; the stem's -k, if any, after it), stem.json: what run_files writes."""
    again = stem[len(run_stem(snapshot)):]  # "" or "-k" when the first names were taken
    ghosts = [f"{run_stem(ghost)}-{ghost_name(index).replace(' ', '')}{again}.csv"
              for index, ghost in enumerate(snapshot.ghosts)]
    return [f"{stem}.csv", *ghosts, f"{stem}-script.py", f"{stem}.json"]


def run_files(options: Options, snapshot: Snapshot, stem: str, status: str | None = None) -> list[tuple[str, str]]:
    """(file name, text) of the run's CSV, each ghost's CSV and the JSON summary listing them, last; `status`: the
    run's true status where the snapshot's is not (a finished headless run's last snapshot says running)."""
    names = run_file_names(stem, snapshot)
    ghosts = [{"name": ghost_name(index), "label": ghost_label(ghost, snapshot, index), "csv": name}
              | run_summary(options, ghost)
              for index, (ghost, name) in enumerate(zip(snapshot.ghosts, names[1:-2], strict=True))]
    summary = {"csv": names[0], "script": names[-2]} | run_summary(options, snapshot, status) | {"ghosts": ghosts}
    texts = [history_csv(run) for run in (snapshot, *snapshot.ghosts)] + [script_of(options, snapshot),
                                                                           strict_json(summary, indent=1)]
    return list(zip(names, texts, strict=True))


def strict_json(data: Any, indent: int | None = None) -> str:
    """JSON that JSON.parse reads: a value that is not finite (κ where λ_min is 0, a loss that overflowed) is null,
    and "non_finite" at the top says which and what it was ({"curvature.at_minimum.condition": "inf"})."""
    found: dict[str, str] = {}

    def finite(value: Any, path: str) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            found[path] = repr(value)
            return None
        if isinstance(value, dict):
            return {key: finite(item, f"{path}.{key}" if path else str(key)) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [finite(item, f"{path}[{k}]") for k, item in enumerate(value)]
        return value

    cleaned = finite(data, "")
    if found and isinstance(cleaned, dict):
        cleaned["non_finite"] = found
    return json.dumps(cleaned, indent=indent, allow_nan=False)


def zipped(files: list[tuple[str, str]]) -> bytes:
    """(name, text) files as one zip archive, in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            archive.writestr(name, text)
    return buffer.getvalue()


def export_run(directory: Path, options: Options, snapshot: Snapshot,
               status: str | None = None) -> tuple[Path, Path, list[Path]]:
    """The run's files (run_files) in directory, all of them or none, under the first stem none of whose names
    is taken (a dangling link counts as taken): logreg-seed42-epoch379, then logreg-seed42-epoch379-1 …;
    returns the CSV, the JSON and the ghosts' CSVs.

    Every file is written to a temporary first (a full disk fails there, leaving nothing; _Staging: private and
    reached only through directory descriptors), then linked to its name, which never replaces a file; a name
    taken meanwhile undoes the links made and tries the next stem.
    """
    directory = Path(directory)
    base = run_stem(snapshot)
    with _Staging(directory) as staging:
        temporaries = [staging.write(name, text) for name, text in run_files(options, snapshot, base, status)]
        for k in range(10_000):
            stem = f"{base}-{k}" if k else base
            names = run_file_names(stem, snapshot)
            if any(os.path.lexists(directory / name) for name in names):
                continue
            if stem != base:  # the JSON names the CSVs: its text follows the stem
                staging.rewrite(temporaries[-1], run_files(options, snapshot, stem, status)[-1][1])
            if _link_all(staging, temporaries, names):
                paths = [directory / name for name in names]
                return paths[0], paths[-1], paths[1:-2]
        raise FileExistsError(f"{directory / base}: too many exports with this name")


def write_exactly(path: Path, data: str | bytes) -> None:
    """data as a new file at exactly `path`, all or none (a temporary, then a link: _Staging); FileExistsError where
    the name is taken, which is never replaced (a render's file)."""
    path = Path(path)
    with _Staging(path.parent) as staging:
        if not staging.link(staging.write(path.name, data), path.name):
            raise FileExistsError(f"{path}: the file exists")


def write_new_files(directory: Path, stem: str, files: list[tuple[str, str]]) -> list[Path]:
    """(suffix, text) files as stem + suffix in directory, all or none, under the first stem (stem, stem-1 …) none of
    whose names is taken; as export_run writes a run's."""
    directory = Path(directory)
    with _Staging(directory) as staging:
        temporaries = [staging.write(stem + suffix, text) for suffix, text in files]
        for k in range(10_000):
            names = [f"{stem}-{k}{suffix}" if k else stem + suffix for suffix, _ in files]
            if not any(os.path.lexists(directory / name) for name in names) and \
                    _link_all(staging, temporaries, names):
                return [directory / name for name in names]
        raise FileExistsError(f"{directory / stem}: too many files with this name")


def _link_all(staging: _Staging, temporaries: list[str], names: list[str]) -> bool:
    """Link each temporary to its name; False (and nothing left behind) when one of the names was taken."""
    linked: list[str] = []
    try:
        for temporary, name in zip(temporaries, names, strict=True):
            if not staging.link(temporary, name):
                for done in linked:
                    staging.unlink(done)
                return False
            linked.append(name)
        return True
    except BaseException:
        for done in linked:
            staging.unlink(done)
        raise
