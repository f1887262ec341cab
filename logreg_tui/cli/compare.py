"""`--headless --compare SPEC …`: every spec trained on the same data, one after another, a line (or a JSON
object) each. A run here is exactly the single `--headless` run of its options: same engine, same epochs."""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING, Any

from logreg_tui.cli.signals import exit_code, stop_words, stopping_signals
from logreg_tui.core.maths.evaluation import evaluations
from logreg_tui.core.model.data import DataError, Dataset
from logreg_tui.core.model.options import EXIT_DIVERGED, Options, compared_runs, fail, train_config
from logreg_tui.core.model.settings import line_words
from logreg_tui.core.model.state import Snapshot
from logreg_tui.core.words.formatting import counted

if TYPE_CHECKING:
    from logreg_tui.training.engine import Engine


def run_compare(options: Options, dataset: Dataset) -> int:
    """Train each spec's run to its --epochs; exit 3 when one diverged, 130 on ctrl+c (after the runs so far)."""
    from logreg_tui.core.files.export import run_summary, strict_json
    from logreg_tui.training.engine import start_engine
    from logreg_tui.training.trainer import DeviceError

    try:
        runs = compared_runs(options, dataset=dataset)
    except argparse.ArgumentTypeError as error:
        return fail(str(error))
    try:
        for spec, run in runs:  # noqa: B007 (the except below names the spec)
            dataset.check_split(run.settings.val_frac)
    except DataError as error:
        return fail(f"--compare {spec!r}: {error}")
    width = max(len(_settings(run, dataset)) for _, run in runs)
    summaries: list[dict[str, Any]] = []
    diverged: list[str] = []
    engines: list[Engine] = []

    def stop() -> None:
        if engines:
            engines[-1].close()  # run_epochs stops after the epoch it is in

    with stopping_signals(stop) as interrupted:
        for spec, run in runs:
            try:
                engine = start_engine(dataset, train_config(run, dataset.d))
            except DeviceError as error:
                return fail(f"--compare {spec!r}: {error}")
            engines.append(engine)
            if interrupted:
                break
            snapshot = engine.run_epochs(run.epochs)
            status = "diverged" if snapshot.status == "diverged" else "interrupted" if interrupted else "done"
            if status == "diverged":
                diverged.append(f"{spec!r}: {snapshot.message}")
            summaries.append(run_summary(run, snapshot, status=status) | {"spec": spec})
            if not options.json:
                print(result_line(run, snapshot, width), flush=True)
            if interrupted:
                break
    if options.json:
        print(json.dumps([json.loads(strict_json(summary)) for summary in summaries]))  # null where not finite
    if interrupted:
        return fail(f"{stop_words(interrupted[0])} in run {len(summaries)} of {len(runs)}", exit_code(interrupted[0]))
    if diverged:
        return fail("diverged: " + "; ".join(diverged), EXIT_DIVERGED)
    return 0


def _settings(run: Options, dataset: Dataset) -> str:
    """What a run trains with, as the legends say it: sgd lr 0.2 full batch (+ any other setting not at its default)."""
    shown = line_words(run.settings, dataset.n_train(run.settings.val_frac))
    return " ".join(shown) + (f" {counted(run.epochs, 'epoch')}" if run.epochs != 1001 else "")


def near_words(snapshot: Snapshot) -> str:
    """When the loss came within 1 % of the minimum's: "epoch 412", "never", or why there is no minimum."""
    if snapshot.optimum is None or not snapshot.optimum.exists:
        return "no minimum"
    return "never" if snapshot.near_optimum_at is None else f"epoch {snapshot.near_optimum_at}"


def evaluation_words(snapshot: Snapshot) -> str:
    """The AUC on the training points (and the held-out ones), and away from t = 0.5 the accuracy at t:
    "auc 0.9981", "auc 0.9981 val 0.9996 acc@t 0.965", "auc –" (diverged)."""
    threshold = snapshot.settings.threshold
    train, held = evaluations(snapshot.dataset, snapshot.n_train, snapshot.weights, snapshot.b, threshold)
    words = "auc " + ("–" if train is None or not math.isfinite(train.auc) else f"{train.auc:.4f}")
    words += f" val {held.auc:.4f}" if held is not None and math.isfinite(held.auc) else ""
    return words + (f" acc@t {train.confusion.accuracy:.3f}" if train is not None and threshold != 0.5 else "")


def result_line(run: Options, snapshot: Snapshot, width: int) -> str:
    """sgd lr 0.2 full batch   loss 0.06434  acc 0.97  auc 0.9981  1% of min: never  9120 epochs/s [diverged …]"""
    line = (f"{_settings(run, snapshot.dataset):<{width}}  loss {snapshot.loss:.5f}  "
            f"acc {snapshot.accuracy:.3f}  {evaluation_words(snapshot)}  within 1% of min: {near_words(snapshot):<11}  "
            f"{snapshot.epochs_per_second:.0f} epochs/s")
    if snapshot.status == "diverged":  # the loss is the last finite one, at the w, b the run went back to
        return line + "  " + snapshot.message.split("; ")[0]
    return line + ("  saturated" if snapshot.saturated else "")
