"""A run as files: CSV of (epoch, loss) and a JSON summary, written atomically and never over a file."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
from pathlib import Path


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def run_summary(config: object, snapshot) -> dict:
    """The run as JSON-ready data: config, final values, and the loss history at its kept resolution."""
    starts, low, high, mean = snapshot.history.series()
    return {
        "config": dataclasses.asdict(config) | {"device": snapshot.device, "data": snapshot.dataset.source},
        "epochs": snapshot.epoch,
        "status": snapshot.status,
        "mode": snapshot.mode,
        "lr": snapshot.lr,
        "w": _finite_or_none(snapshot.w),
        "b": _finite_or_none(snapshot.b),
        "loss": _finite_or_none(snapshot.loss),
        "accuracy": _finite_or_none(snapshot.accuracy),
        "epochs_per_second": snapshot.epochs_per_second,
        "history": {
            "epochs_per_row": 1 if snapshot.history.is_exact else snapshot.history.bucket_width,
            "epoch": [int(e) for e in starts],
            "loss": [_finite_or_none(v) for v in mean.tolist()],
            "loss_min": [_finite_or_none(v) for v in low.tolist()],
            "loss_max": [_finite_or_none(v) for v in high.tolist()],
        },
    }


def history_csv(snapshot) -> str:
    """epoch,loss rows; a long run's rows each summarise `epochs` epochs (mean, with min and max)."""
    starts, low, high, mean = snapshot.history.series()
    width = 1 if snapshot.history.is_exact else snapshot.history.bucket_width
    if width == 1:
        return "epoch,loss\n" + "".join(f"{int(e)},{v!r}\n" for e, v in zip(starts, mean.tolist()))
    rows = zip(starts, mean.tolist(), low.tolist(), high.tolist())
    return "epoch,loss,loss_min,loss_max,epochs\n" + "".join(
        f"{int(e)},{m!r},{lo!r},{hi!r},{width}\n" for e, m, lo, hi in rows
    )


def write_new_file(directory: Path, stem: str, suffix: str, text: str) -> Path:
    """Write text to directory/stem[-k]suffix, a name not yet taken; atomic: a temp file, then a link.

    os.link fails rather than replace an existing file, so two writers can never clobber each other.
    """
    directory = Path(directory)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        for k in range(10_000):
            path = directory / f"{stem}{f'-{k}' if k else ''}{suffix}"
            try:
                os.link(temporary, path)
                return path
            except FileExistsError:
                continue
        raise FileExistsError(f"{directory / stem}{suffix}: too many files with this name")
    finally:
        os.unlink(temporary)


def export_run(directory: Path, config: object, snapshot) -> tuple[Path, Path]:
    stem = f"logreg-{snapshot.dataset.source.replace(' ', '')}-epoch{snapshot.epoch}"
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(stem).name)
    csv_path = write_new_file(directory, stem, ".csv", history_csv(snapshot))
    json_path = write_new_file(directory, csv_path.stem, ".json", json.dumps(run_summary(config, snapshot), indent=1))
    return csv_path, json_path
