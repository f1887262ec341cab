"""Options and their validation, headless mode, gradcheck, and main(). Imports torch only when needed."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass

from logreg_tui import __version__
from logreg_tui.data import DataError, Dataset, load_csv, make_tutorial_data

MODES = ("builtin", "custom", "tutorial")  # engine.MODES, repeated so option parsing needs no torch
EXIT_BAD_INPUT, EXIT_DIVERGED = 2, 3


class QuietParser(argparse.ArgumentParser):
    """Errors as one line on stderr, exit 2: no usage block to scroll past."""

    def error(self, message: str) -> None:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def _whole(text: str, low: int, high: int | None = None) -> int:
    what = f"a whole number ≥ {low}" if high is None else f"a whole number from {low} to {high}"
    value = _number(text, what)
    if value != int(value) or value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return int(value)


def positive(text: str) -> float:
    value = _number(text, "a finite number > 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def finite(text: str) -> float:
    return _number(text, "a finite number")


def speed(text: str) -> float | None:
    """Epochs per second, or max for no cap."""
    if text.strip().lower() == "max":
        return None
    value = _number(text, "a number of epochs per second > 0, or max")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of epochs per second > 0, or max, got {text!r}")
    return value


def device(text: str) -> str:
    if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", text):
        raise argparse.ArgumentTypeError(f"must be auto, cpu, cuda, cuda:N or mps, got {text!r}")
    return text


def build_parser() -> QuietParser:
    p = QuietParser(
        prog="logreg-tui",
        description="Train a 1-D logistic regression live in the terminal, and steer it.",
        epilog="Keys in the app: press ? for the list.",
    )
    p.add_argument("--version", action="version", version=f"logreg-tui {__version__}")
    data = p.add_argument_group("data")
    data.add_argument("--seed", type=lambda t: _whole(t, 0, 2**32 - 2), default=42, help="data seed (42)")
    data.add_argument("--n-points", type=lambda t: _whole(t, 2, 100_000_000), default=1000, help="points (1000)")
    data.add_argument("--gap", type=finite, default=4.0, help="shift of class 1 (4.0)")
    data.add_argument("--data", metavar="FILE.csv", help="x,label rows (0/1 labels) instead of the seeded data")
    train = p.add_argument_group("training")
    train.add_argument("--lr", type=positive, default=0.2, help="learning rate (0.2)")
    train.add_argument("--epochs", type=lambda t: _whole(t, 0), default=1001, help="epochs per run; 0 = no limit (1001)")
    train.add_argument("--autograd", choices=MODES, default="builtin", help="gradient mode (builtin)")
    train.add_argument("--device", type=device, default="auto", help="auto, cpu, cuda, cuda:N or mps (auto)")
    app = p.add_argument_group("app")
    app.add_argument("--speed", type=speed, default=100.0, metavar="N|max", help="epochs/s cap (100)")
    app.add_argument("--fps", type=lambda t: _whole(t, 1, 60), default=10, help="screen updates per second (10)")
    app.add_argument("--paused", action="store_true", help="start paused at epoch 0")
    app.add_argument("--low-bandwidth", action="store_true", help="fewer frames, for slow links")
    headless = p.add_argument_group("headless")
    headless.add_argument("--headless", action="store_true", help="train without the app, print the tutorial's lines")
    headless.add_argument("--log-every", type=lambda t: _whole(t, 1), default=100, help="print every N epochs (100)")
    headless.add_argument("--json", action="store_true", help="print one JSON object instead")
    headless.add_argument("--gradcheck", action="store_true", help="check the hand-written gradients and exit")
    return p


@dataclass(frozen=True)
class Options:
    """The validated command line."""

    seed: int
    n_points: int
    gap: float
    data: str | None
    lr: float
    epochs: int
    autograd: str
    device: str
    speed: float | None
    fps: int
    paused: bool
    low_bandwidth: bool
    headless: bool
    log_every: int
    json: bool
    gradcheck: bool


def parse_options(argv: list[str] | None = None) -> Options:
    return Options(**vars(build_parser().parse_args(argv)))


def load_dataset(options: Options) -> Dataset:
    if options.data is not None:
        return load_csv(options.data)
    return make_tutorial_data(options.seed, options.n_points, options.gap)


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    print(f"logreg-tui: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    try:
        dataset = load_dataset(options)
    except DataError as error:
        return _fail(str(error))
    try:
        if options.gradcheck:
            from logreg_tui.gradcheck import run_gradcheck

            return run_gradcheck()
        if options.headless:
            return run_headless(options, dataset)
        if options.device not in ("auto", "cpu"):
            # a named GPU is checked before the screen opens; it costs the torch import up front
            from logreg_tui.engine import DeviceError, resolve_device

            try:
                resolve_device(options.device)
            except DeviceError as error:
                return _fail(str(error))
        from logreg_tui.app import run_app

        return run_app(options, dataset)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def run_headless(options: Options, dataset: Dataset) -> int:
    """The tutorial's printed lines (or one JSON object); exit 3 on divergence."""
    from logreg_tui.engine import DeviceError, Engine, TrainConfig
    from logreg_tui.export import run_summary

    config = TrainConfig(lr=options.lr, mode=options.autograd, device=options.device, epoch_budget=0)
    try:
        engine = Engine(dataset, config)
    except DeviceError as error:
        return _fail(str(error))
    snapshot, done = engine.latest, 0
    for epoch in range(0, options.epochs, options.log_every):
        snapshot, done = engine.run_epochs(epoch + 1 - done), epoch + 1
        if snapshot.status == "diverged":
            break
        if not options.json:
            print(f"Epochs: {epoch:5d} - Loss: {snapshot.loss:.5f}", flush=True)
    if snapshot.status != "diverged":
        snapshot = engine.run_epochs(options.epochs - done)
    if snapshot.status == "diverged":
        return _fail(snapshot.message, EXIT_DIVERGED)
    if options.json:
        print(json.dumps(run_summary(options, snapshot)))
    else:
        print(f"w: {snapshot.w:.4f}, b: {snapshot.b:.4f}")
    return 0
