"""main(): headless training, gradcheck, or the app. Imports torch and Textual only for the mode that needs them."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from logreg_tui.cli.signals import exit_code, stop_words, stopping_signals
from logreg_tui.core.model.data import DataError, Dataset
from logreg_tui.core.model.options import (
    EXIT_DIVERGED,
    EXIT_FUNCTION_FAILED,
    EXIT_INTERRUPTED,
    Options,
    fail,
    load_dataset,
    parse_options,
    train_config,
)
from logreg_tui.core.model.state import Snapshot
from logreg_tui.core.words.formatting import printable
from logreg_tui.core.words.lessons import headless_words

if TYPE_CHECKING:
    from logreg_tui.training.engine import Engine


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    options = parse_options(argv)
    if options.replay:
        from logreg_tui.core.files.replay import ReplayError, replayed_options

        try:
            options = replayed_options(options, argv)
        except ReplayError as error:
            return fail(str(error))
        options = _device_here(options)
        if options.data:  # said before anything is read: a shared file names a path on this machine
            print(f"logreg-tui: replaying {printable(options.replay or '')} with data from "
                  f"{printable(os.path.abspath(options.data))}", file=sys.stderr)
    if options.function_template:
        from logreg_tui.core.words.homework import TEMPLATE

        print(TEMPLATE, end="")
        return 0
    if options.lesson and (options.headless or options.check):
        from logreg_tui.cli.lesson import run_lesson

        try:
            return run_lesson(options)
        except KeyboardInterrupt:  # ctrl+c in a step's run: one line, no traceback
            return fail("interrupted", EXIT_INTERRUPTED)
    try:
        try:
            dataset = load_dataset(options)
        except DataError as error:
            return fail(str(error))
        if options.gradcheck and options.function:
            from logreg_tui.training.homework import run_function_check

            return run_function_check(options.function, as_json=options.json, sizes=_sizes(options, dataset))
        if options.gradcheck:
            from logreg_tui.training.gradcheck import run_gradcheck

            return run_gradcheck(as_json=options.json)
        if options.theme is not None or options.keys:  # the app's look: checked before a terminal or a render
            from logreg_tui.tui.looks import look_problem

            if problem := look_problem(options):
                return fail(problem)
        if options.serve:
            from logreg_tui.cli.serve import run_server

            return run_server(options, argv)
        if options.compare:
            from logreg_tui.cli.compare import run_compare

            return run_compare(options, dataset)
        if options.render:
            from logreg_tui.cli.render import run_render

            return run_render(options, argv)
        if options.headless:
            return run_headless(options, dataset)
        if options.device not in ("auto", "cpu"):
            # a named GPU is checked before the screen opens; it costs the torch import up front
            from logreg_tui.training.trainer import DeviceError, resolve_device

            try:
                resolve_device(options.device)
            except DeviceError as error:
                return fail(str(error))
        return run_app(options, dataset)
    except KeyboardInterrupt:  # ctrl+c before a mode took SIGINT over (the data still loading)
        return fail("interrupted", EXIT_INTERRUPTED)


def _device_here(options: Options) -> Options:
    """A replay recorded on a device this machine lacks (cuda:1 here without one) goes on on the CPU, said in one
    line: the numbers may differ in their last bits, the run is still the run."""
    if options.device in ("auto", "cpu"):
        return options
    from logreg_tui.training.trainer import DeviceError, resolve_device

    try:
        resolve_device(options.device)
    except DeviceError as error:
        print(f"logreg-tui: {printable(str(error))}: replaying on the CPU instead", file=sys.stderr)
        return replace(options, device="cpu")
    return options


def _sizes(options: Options, dataset: Dataset) -> tuple[int, ...]:
    """The N a --function is called with when it trains on this data with these settings."""
    from logreg_tui.core.words.homework import training_sizes

    n_train = dataset.n_train(options.settings.val_frac)
    return training_sizes(n_train, options.settings.batch_points(n_train))


def run_app(options: Options, dataset: Dataset) -> int:
    """The Textual app until quit; then out at once."""
    from logreg_tui.tui.app import LogRegApp

    lesson = None
    if options.lesson:  # the first step's run is the app's first
        from logreg_tui.cli.lesson import app_lesson

        try:
            lesson, options, dataset = app_lesson(options)
        except ValueError as error:
            return fail(str(error))
    if "web_driver" in os.environ.get("TEXTUAL_DRIVER", ""):
        _end_with_parent()
    recorder = None
    if options.record:
        from logreg_tui.tui.recording import CastRecorder, RecordError, recording_driver

        try:
            recorder = CastRecorder(options.record)  # before the screen opens: a name that exists, a bad path
        except RecordError as error:
            return fail(str(error))
    app = LogRegApp(options, dataset, lesson=lesson)
    if recorder is not None:
        app.driver_class = recording_driver(recorder)
    real_exit = os._exit
    app.run_in_terminal(mouse=not options.no_mouse)  # without mouse tracking the terminal selects text, as over SSH
    app.stop_engine()
    code = app.return_code or 0
    if recorder is not None:
        try:
            print(f"logreg-tui: {recorder.finish()}", file=sys.stderr)
        except RecordError as error:
            code = code or fail(str(error))
    # The screen is restored and nothing is left to save: skip the interpreter's slow teardown of torch
    # and don't wait for a worker that may still be importing it, so quitting takes well under a second.
    sys.stdout.flush()
    sys.stderr.flush()
    real_exit(code)


def _end_with_parent() -> None:
    """A tab's app (--serve) ends when its server does, even killed: Linux sends SIGKILL at the parent's death
    (nothing is lost: with the server gone, nothing could reach the tab; SIGTERM would wait on the dead pipe)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return  # not Linux: the server's ending of sessions has to do
    if os.getppid() == 1:  # the server died before the call
        os.kill(os.getpid(), signal.SIGKILL)


def run_headless(options: Options, dataset: Dataset) -> int:
    """The tutorial's printed lines (or one JSON object). Exit 3 on divergence; on ctrl+c, SIGTERM or SIGHUP the
    result so far, then 130, 143 or 129."""
    from logreg_tui.training.engine import start_engine
    from logreg_tui.training.trainer import DeviceError

    for note in (dataset.reading, dataset.scale_hint()):
        if note:
            print(f"logreg-tui: {printable(note)}", file=sys.stderr)
    if options.export and not os.path.isdir(options.export):  # said before training, not after: no work lost
        return fail(f"--export {options.export}: not a directory (make it first)")
    try:
        engine = start_engine(dataset, train_config(options, dataset.d))
    except DeviceError as error:
        return fail(str(error))
    if options.function and (refused := _use_function(engine, options, dataset)):
        return refused
    with stopping_signals(engine.close, partial(_wedged, engine, options)) as stopped:
        snapshot = _train_and_log(engine, options)
    failed = engine.function_failure
    snapshot = replace(snapshot, message=headless_words(snapshot.message))  # options, not the app's keys
    status = "diverged" if snapshot.status == "diverged" else "error" if failed else \
        "interrupted" if stopped else "done"
    if options.json:
        from logreg_tui.core.files.export import run_summary, strict_json

        print(strict_json(run_summary(options, snapshot, status=status)))
    elif status not in ("diverged", "error"):
        print(_final_line(snapshot))
        if lesson := _guessing(snapshot):
            print(f"logreg-tui: {lesson}", file=sys.stderr)
    sys.stdout.flush()  # the result is out whatever the export does next (a full disk, a removed directory)
    if options.export and (refused := _export(options, snapshot, status)):
        return refused
    if failed:
        return fail(failed, EXIT_FUNCTION_FAILED)
    if status == "diverged":
        return fail(snapshot.message, EXIT_DIVERGED)
    if snapshot.saturated:
        fail(f"at epoch {snapshot.epoch}: {snapshot.message}")
    if stopped:
        return fail(f"{stop_words(stopped[0])} at epoch {snapshot.epoch}", exit_code(stopped[0]))
    return 0


def _guessing(snapshot: Snapshot) -> str:
    """Why the loss stayed at guessing's, where no line splits the classes (lessons.guessing_note); "" else."""
    from logreg_tui.core.words.lessons import guessing_note

    return guessing_note(snapshot.optimum, snapshot.class_share,
                         "--features x1x2, or x1,x2,x1^2,x2^2" if snapshot.dataset.crossable else "")


def _export(options: Options, snapshot: Snapshot, status: str) -> int:
    """--export DIR: the run's CSV, JSON and script there (never over a file); 2 with one line when it cannot."""
    from pathlib import Path

    from logreg_tui.core.files.export import export_run

    try:
        csv_path, json_path, _ = export_run(Path(options.export or "."), options, snapshot, status)
    except OSError as error:
        return fail(f"--export {options.export}: {error.strerror or error}")
    print(f"logreg-tui: exported {printable(str(csv_path))}, {printable(json_path.name)} and "
          f"{printable(json_path.stem)}-script.py", file=sys.stderr)
    return 0


def _use_function(engine: Engine, options: Options, dataset: Dataset) -> int:
    """--headless --function: load and check the file (at the training's sizes too), say its verdict, train with
    it; 2 when it cannot (with --json, an object whose status is "error" says why too)."""
    from logreg_tui.training.homework import LoadError, load_and_check

    spec = options.function or ""
    try:
        homework = load_and_check(spec, sizes=_sizes(options, dataset))
    except LoadError as error:
        return _refuse_function(options, str(error))
    if not homework.verdict.usable:
        return _refuse_function(options, f"cannot train with {homework.label}: {homework.verdict.line()}")
    print(f"logreg-tui: {homework.label}: {homework.verdict.line()}", file=sys.stderr)
    engine.use_function(homework, switch=True)
    return 0


def _wedged(engine: Engine, options: Options, signum: int) -> None:
    """A stopping signal came and training did not return within a second (a --function looping for ever on the
    real data): what was reached, one line, and out at once (the stuck step cannot be waited for)."""
    from logreg_tui.core.files.export import strict_json

    epoch, theta = engine.reached
    why = (f"{stop_words(signum)} at epoch {epoch}: training did not return within a second of the signal "
           "(a --function that never returns?); ended without it")
    if options.json:
        w = theta[0] if len(theta) == 2 else list(theta[:-1])
        print(strict_json({"status": "interrupted", "epochs": epoch, "w": w, "b": theta[-1], "message": why}),
              flush=True)
    else:
        print(_w_b(theta[:-1], theta[-1]), flush=True)
    fail(why)
    sys.stderr.flush()
    os._exit(exit_code(signum))


def _refuse_function(options: Options, why: str) -> int:
    if options.json:
        print(json.dumps({"status": "error", "message": why, "epochs": 0}))
    return fail(why)


def _train_and_log(engine: Engine, options: Options) -> Snapshot:
    """Train to --epochs (0: until close()), printing the loss of epochs 0, log_every, 2·log_every … .

    A line needs only the last epoch's loss (engine.last_logged_loss), not a snapshot: one is made at the end.
    """
    epoch, log_at = 0, 0
    while True:
        target = log_at + 1 if not options.epochs or log_at < options.epochs else options.epochs
        epoch = engine.train_epochs(target - epoch)
        if epoch < target or target != log_at + 1:
            return engine.run_epochs(0)  # diverged, interrupted, or past the last line to print
        if not options.json:
            loss, val_loss = engine.last_logged_loss()
            val = f" - Val: {val_loss:.5f}" if options.settings.val_frac else ""
            print(f"Epochs: {log_at:5d} - Loss: {loss:.5f}{val}", flush=True)
        log_at += options.log_every


def _w_b(weights: tuple[float, ...], b: float, digits: str = ".4f") -> str:
    """The tutorial's last line, w: 2.6216, b: -5.1346; with more features w: [1.2, 0.3], b: …"""
    w = f"{weights[0]:{digits}}" if len(weights) == 1 else "[" + ", ".join(f"{v:{digits}}" for v in weights) + "]"
    return f"w: {w}, b: {b:{digits}}"


def _final_line(snapshot: Snapshot) -> str:
    line = _w_b(snapshot.weights, snapshot.b)
    if snapshot.dataset.scale is None:
        return line
    weights, b = snapshot.dataset.original_units(snapshot.weights, snapshot.b)
    return f"{line} (standardized x); original x: {_w_b(weights, b, '.4g')}"
