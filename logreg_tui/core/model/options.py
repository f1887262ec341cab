"""The command line: the parser, its validation, and Options. Imports neither torch nor Textual."""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, replace
from typing import Any, NoReturn

import numpy as np

from logreg_tui import __version__
from logreg_tui.core.maths.curvature import best_settings, curvature_at
from logreg_tui.core.maths.optimum import find_optimum
from logreg_tui.core.model.crosses import CROSSES, CrossError, parse_features
from logreg_tui.core.model.data import (
    FLOAT32_MAX,
    MAX_POINTS,
    SEED_MAX,
    DataError,
    Dataset,
    load_csv,
    make_shape_data,
    make_tutorial_data,
)
from logreg_tui.core.model.datasets import DEFAULT_NOISE, NOISE_MAX, SHAPES
from logreg_tui.core.model.real_data import REAL_SETS, load_real
from logreg_tui.core.model.runs import Event
from logreg_tui.core.model.settings import SETTINGS, Settings, number, objective_of, whole
from logreg_tui.core.model.state import EPOCHS_MAX, SPEED_MIN, TrainConfig
from logreg_tui.core.words.display import COLOR_CHOICES
from logreg_tui.core.words.formatting import printable
from logreg_tui.core.words.presets import PRESET_NAMES, PRESETS

EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_FUNCTION_FAILED, EXIT_INTERRUPTED = 2, 3, 4, 130
# options that mean something in one mode only, with their defaults: given in the other mode, they are refused
APP_ONLY: dict[str, Any] = {"speed": 100.0, "fps": 10, "paused": False, "low_bandwidth": False, "no_mouse": False,
                             "colors": "auto", "ascii": None, "record": None, "render": None, "size": (120, 40),
                             "exit_when_done": False, "keys": (), "theme": None, "class_dir": None}
SERVE_ONLY: dict[str, Any] = {"port": 8000, "host": "127.0.0.1", "max_sessions": 4, "token_file": None,
                              "no_token": False, "serve_allow_code": False}
HEADLESS_ONLY: dict[str, Any] = {"log_every": 100, "json": False, "compare": (), "export": None}
DATA_OPTIONS = ("seed", "n_points", "gap", "data", "standardize", "label_noise", "class_balance", "preset", "init",
                "dataset", "noise", "features")
SEEDED_ONLY = ("gap", "label_noise", "class_balance", "dataset", "noise", "features")  # the recipe's: not with --data
# what a --compare spec may set: the settings (lr first, then the budget), the device
COMPARED = ("lr", "epochs", *(row.name for row in SETTINGS if row.name != "lr"), "device")


def fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    """One line on stderr, the exit code to return: how every entry point refuses or stops."""
    print(f"logreg-tui: {printable(message)}", file=sys.stderr)
    return code


class QuietParser(argparse.ArgumentParser):
    """Errors as one line on stderr, exit 2: no usage block to scroll past."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def positive(text: str) -> float:
    value = number(text, "a finite number > 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def finite(text: str) -> float:
    return number(text, "a finite number")


def float32(text: str) -> float:
    """A value that will be held in float32: finite there too (3.4e38 at most)."""
    value = number(text, "a finite number")
    if abs(value) > FLOAT32_MAX:
        raise argparse.ArgumentTypeError(f"must be within ±{FLOAT32_MAX:.3g} (float32), got {text!r}")
    return value


def noise_share(text: str) -> float:
    value = number(text, "a share from 0 up to (not including) 0.5")
    if not 0 <= value < 0.5:
        raise argparse.ArgumentTypeError(f"must be a share from 0 up to (not including) 0.5, got {text!r}")
    return value


def class_share(text: str) -> float:
    value = number(text, "a share strictly between 0 and 1")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a share strictly between 0 and 1, got {text!r}")
    return value


def initial_point(text: str) -> tuple[float, ...] | str:
    """θ as d + 1 finite numbers W,B (W1,…,Wd,B with more features: the data decides d, initial_theta checks), or
    "random" (drawn once the seed is known: initial_theta)."""
    if text.strip().lower() == "random":
        return "random"
    parts = text.split(",")
    if len(parts) < 2:
        raise argparse.ArgumentTypeError(f"must be W,B (two numbers) or random (W1,…,Wd,B with d features), "
                                         f"got {text!r}")
    return tuple(float32(part) for part in parts)


def feature_crosses(text: str) -> tuple[str, ...]:
    """--features: the crosses of x1, x2 to train on (crosses.py), in the order given."""
    try:
        return parse_features(text)
    except CrossError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def shape_noise(text: str) -> float:
    what = f"a spread from 0 to {NOISE_MAX:g}"
    value = number(text, what)
    if not 0 <= value <= NOISE_MAX:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def speed(text: str) -> float | None:
    """Epochs per second, or max for no cap."""
    if text.strip().lower() == "max":
        return None
    what = f"a number of epochs per second ≥ {SPEED_MIN:g}, or max"
    value = number(text, what)
    if value < SPEED_MIN:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def terminal_size(text: str) -> tuple[int, int]:
    """--size COLSxROWS: a terminal the app can draw in (40x12 … 400x200)."""
    columns, x, rows = text.lower().partition("x")
    if not (x and columns.strip().isdigit() and rows.strip().isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not COLSxROWS (120x40)")
    size = int(columns), int(rows)
    if not (40 <= size[0] <= 400 and 12 <= size[1] <= 200):
        raise argparse.ArgumentTypeError(f"{text}: columns 40 … 400, rows 12 … 200")
    return size


def device(text: str) -> str:
    if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", text):
        raise argparse.ArgumentTypeError(f"must be auto, cpu, cuda, cuda:N or mps, got {text!r}")
    return text


def build_parser() -> QuietParser:
    # mode-only options default to SUPPRESS, so that "given" and "left at its default" can be told apart
    unset = argparse.SUPPRESS
    p = QuietParser(
        prog="logreg-tui",
        description="Train a logistic regression live in the terminal, and steer it.",
        epilog="Keys in the app: press ? for the list.",
    )
    p.add_argument("--version", action="version", version=f"logreg-tui {__version__}")
    data = p.add_argument_group("data")
    data.add_argument("--seed", type=lambda t: whole(t, 0, SEED_MAX), default=42, help="data seed (42)")
    data.add_argument("--n-points", type=lambda t: whole(t, 2, MAX_POINTS), default=1000, help="points (1000)")
    data.add_argument("--dataset", choices=("tutorial", *SHAPES, *REAL_SETS), default="tutorial",
                      help="the seeded data: the tutorial's one feature, or two features in a shape: gauss (a line "
                           "separates them), circle (a disc in a ring), xor, spiral, moons; or a real set that "
                           "scikit-learn ships (pip install 'logreg-tui[datasets]'): breast-cancer (569 × 30), iris "
                           "(virginica or not, 150 × 4), wine (cultivar 1 or not, 178 × 13) (tutorial)")
    data.add_argument("--noise", type=shape_noise, default=None, metavar="S",
                      help="a two-feature shape's spread: Gaussian noise of this std on each coordinate "
                           f"(0 … {NOISE_MAX:g}; each shape's own: " + ", ".join(
                               f"{name} {value:g}" for name, value in DEFAULT_NOISE.items()) + ")")
    data.add_argument("--features", type=feature_crosses, default=(), metavar="x1,x2,x1^2,…",
                      help="train a two-feature --dataset on these crosses of x1 and x2 (the plane still shows x1, "
                           "x2, so the boundary bends): " + ", ".join(CROSSES).replace("%", "%%"))
    data.add_argument("--gap", type=float32, default=4.0, help="shift of class 1 (4.0)")
    data.add_argument("--label-noise", type=noise_share, default=0.0, metavar="F",
                      help="flip the labels of a share F of the seeded points, chosen by the seed (0 ≤ F < 0.5; 0)")
    data.add_argument("--class-balance", type=class_share, default=0.5, metavar="P",
                      help="the share of seeded points in class 1 (0 < P < 1; 0.5)")
    data.add_argument("--preset", choices=PRESET_NAMES, default="tutorial",
                      help="data and settings for one lesson: " + "; ".join(
                          f"{name}: {lesson}" for name, (lesson, _) in PRESETS.items()).replace("%", "%%"))
    data.add_argument("--init", type=initial_point, default=None, metavar="W,B|random",
                      help="start from (W, B) instead of (0, 0) (W1,…,Wd,B with d features); random: N(0, 1) each, "
                           "from the data's seed")
    data.add_argument("--data", metavar="FILE.csv", help="x,label rows (0/1 labels) instead of the seeded data")
    data.add_argument("--x-column", "--x-columns", dest="x_column", metavar="NAME|N[,…]|all",
                      help="--data: the column of x, by header name or number; several features: A,B,… or all (every "
                           "numeric column but the label's)")
    data.add_argument("--label-column", metavar="NAME|N", help="--data: the column of the labels, by name or number")
    data.add_argument("--positive", metavar="VALUE", help="--data: the label value that is class 1")
    data.add_argument("--standardize", action="store_true", help="train on (x − mean) / std; report both units")
    train = p.add_argument_group("training")
    for setting in SETTINGS:
        train.add_argument(setting.option(), type=setting.parse or str, choices=setting.choices,
                           default=setting.default, metavar=setting.metavar, help=setting.help)
    train.add_argument("--epochs", type=lambda t: whole(t, 0, EPOCHS_MAX), default=1001,
                       help="epochs per run; 0 = no limit (1001)")
    train.add_argument("--device", type=device, default="auto", help="auto, cpu, cuda, cuda:N or mps (auto)")
    app = p.add_argument_group("app")
    app.add_argument("--speed", type=speed, default=unset, metavar="N|max", help="epochs/s cap (100)")
    app.add_argument("--fps", type=lambda t: whole(t, 1, 60), default=unset, help="screen updates per second (10)")
    app.add_argument("--paused", action="store_true", default=unset, help="start paused at epoch 0")
    app.add_argument("--low-bandwidth", action="store_true", default=unset, help="fewer frames, for slow links")
    app.add_argument("--no-mouse", action="store_true", default=unset,
                     help="no mouse tracking: the terminal selects text")
    app.add_argument("--colors", choices=COLOR_CHOICES, default=unset,
                     help="the terminal's colours; auto reads COLORTERM and TERM (auto)")
    app.add_argument("--ascii", action=argparse.BooleanOptionalAction, default=unset,
                     help="plots in plain ASCII, for fonts without braille or box glyphs (on where TERM=linux or "
                     "the locale is not UTF-8)")
    app.add_argument("--theme", default=unset, metavar="NAME",
                     help="the app's colour theme, one of Textual's (textual-dark, nord, gruvbox, textual-light …); "
                     "at 16 colours the terminal's own palette instead")
    app.add_argument("--keys", type=lambda text: tuple(text.split()), default=unset, metavar="'KEY …'",
                     help="keys pressed once the app has started, as the help screen names them (w k: the weights and "
                     "the curvature page; m: the landscape): the views a --render shows")
    app.add_argument("--record", metavar="FILE.cast", default=unset,
                     help="record what the app writes to the terminal as an asciicast v2 file (asciinema play "
                     "FILE.cast); a name that exists is never overwritten")
    app.add_argument("--render", metavar="FILE.cast|.svg|.gif", default=unset,
                     help="with --replay: play the run in the app at --size in a terminal of its own and record it "
                     "(as --record), without a screen: an asciicast, an animated SVG (the render extra) or a GIF "
                     "(the gif extra), --fps frames a second; never over a file that exists")
    app.add_argument("--size", type=terminal_size, default=unset, metavar="COLSxROWS",
                     help="--render's terminal size (120x40)")
    app.add_argument("--exit-when-done", action="store_true", default=unset, help=argparse.SUPPRESS)
    app.add_argument("--class-dir", default=unset, help=argparse.SUPPRESS)  # --serve --lesson: where a tab answers
    serve = p.add_argument_group("browser")
    serve.add_argument("--serve", action="store_true", help="serve the app to browser tabs (needs textual-serve)")
    serve.add_argument("--port", type=lambda t: whole(t, 1, 65535), default=unset, help="--serve's port (8000)")
    serve.add_argument("--host", default=unset, metavar="ADDR",
                       help="--serve's address (127.0.0.1); any other lets others run training here")
    serve.add_argument("--max-sessions", type=lambda t: whole(t, 1), default=unset, metavar="N",
                       help="--serve: browser tabs at once (4)")
    serve.add_argument("--token-file", default=unset, metavar="PATH",
                       help="--serve: a fixed token from a file only you can read (mode 0600), for bookmarks")
    serve.add_argument("--no-token", action="store_true", default=unset,
                       help="--serve on loopback only: no token (any local user can open a tab)")
    serve.add_argument("--serve-allow-code", action="store_true", default=unset,
                       help="--serve with --function: let every tab run that file's code on this machine")
    lesson = p.add_argument_group("lessons")
    lesson.add_argument("--lesson", metavar="NAME|FILE.toml",
                        help="a lesson that asks before it shows: a built-in one's name (slow, homework, overfitting, "
                        "penalty, boundary) or a teacher's TOML file")
    lesson.add_argument("--check", action="store_true", help="--lesson FILE: check the file and exit (each mistake "
                        "one line with its line number)")
    lesson.add_argument("--answers", metavar="FILE.json",
                        help="--lesson --headless: the answers, one per question in order ({\"answers\": [2, 800, "
                        "[4.5, -9.4]]})")
    homework = p.add_argument_group("homework")
    homework.add_argument("--function", metavar="FILE.py[:NAME]",
                          help="train with your own torch.autograd.Function for the loss on logits (the autograd "
                          "mode file; a toggles builtin ↔ file); checked on load and on every save")
    homework.add_argument("--replay", metavar="RUN.json",
                          help="the run an export's JSON recorded: its data and settings, its changes at their epochs "
                          "(in the app until you take over); with --headless its lines")
    homework.add_argument("--function-template", action="store_true",
                          help="print a Function file to start from (forward written, backward yours) and exit")
    headless = p.add_argument_group("headless")
    headless.add_argument("--headless", action="store_true", help="train without the app, print the tutorial's lines")
    headless.add_argument("--log-every", type=lambda t: whole(t, 1), default=unset, help="print every N epochs (100)")
    headless.add_argument("--json", action="store_true", default=unset, help="print one JSON object instead")
    headless.add_argument("--compare", nargs="+", default=unset, metavar="SPEC",
                          help="run each spec (name=value pairs: lr=0.05,optimizer=adam) on the same data, "
                          "a line each")
    headless.add_argument("--export", metavar="DIR", default=unset,
                          help="after the run, its files in DIR: CSV, JSON (for --replay) and a PyTorch script")
    headless.add_argument("--gradcheck", action="store_true",
                          help="check the hand-written gradients and exit; with --function, that file's (at the "
                               "training's sizes too, which the data options and --batch-size decide): exit 0 "
                               "when its gradient is right (warnings printed), 1 when it is wrong or fails at those "
                               "sizes, 2 when the file cannot be loaded")
    return p


@dataclass(frozen=True)
class Options:
    """The validated command line."""

    seed: int
    n_points: int
    gap: float
    data: str | None
    x_column: str | None
    label_column: str | None
    positive: str | None
    standardize: bool
    label_noise: float
    class_balance: float
    dataset: str  # tutorial, a two-feature shape (datasets.SHAPES) or a bundled set (real_data.REAL_SETS)
    noise: float | None  # a shape's spread; None: its own
    features: tuple[str, ...]  # the crosses of a shape's x1, x2 trained on; (): x1, x2 themselves
    preset: str
    init: tuple[float, ...] | str | None  # θ = (W1 … Wd, B), "random": N(0, 1) from the seed (initial_theta); None: 0
    settings: Settings  # lr, autograd, optimizer, β, batch size, split: one option each (settings.SETTINGS)
    epochs: int
    device: str
    speed: float | None
    fps: int
    paused: bool
    low_bandwidth: bool
    no_mouse: bool
    record: str | None  # --record FILE.cast: the terminal's output as an asciicast (tui/recording.py)
    render: str | None  # --render FILE.cast: a --replay played in a terminal of its own and recorded (cli/render.py)
    size: tuple[int, int]  # --render's terminal: columns, rows
    exit_when_done: bool  # the app quits once the run is done (what --render starts it with)
    colors: str
    ascii: bool | None  # None: as the terminal needs (display.wants_ascii)
    theme: str | None  # --theme: one of Textual's themes (tui/looks.py checks the name); None: the default
    class_dir: str | None  # --serve --lesson gives each tab's app this folder: its answers go there for the teacher
    keys: tuple[str, ...]  # --keys: pressed once the app has started (tui/looks.py checks them)
    serve: bool
    port: int
    host: str
    max_sessions: int
    token_file: str | None
    no_token: bool
    headless: bool
    log_every: int
    json: bool
    compare: tuple[str, ...]  # --compare's specs, as given
    export: str | None  # --export DIR: the run's files written there after a headless run
    gradcheck: bool
    function: str | None  # --function FILE.py[:NAME]: the autograd mode "file"
    function_template: bool
    serve_allow_code: bool  # --serve may run --function's file for its tabs
    lesson: str | None  # --lesson NAME|FILE.toml (cli/lesson.py)
    check: bool  # --lesson FILE --check: the file checked, nothing run
    answers: str | None  # --lesson --headless --answers FILE.json
    replay: str | None  # --replay RUN.json (main() reads it into the options below)
    script: tuple[Event, ...] = ()  # --replay's changes at their epochs (core/files/replay.py): not an option itself


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


# what decides the N a --function is called with in training (--gradcheck --function checks it there)
SIZE_OPTIONS = {"seed", "n_points", "gap", "label_noise", "class_balance", "preset", "data", "x_column",
                "label_column", "positive", "standardize", "val_frac", "batch_size"}


def _given(argv: list[str] | None) -> set[str]:
    """The options written on the command line (whatever their values), by dest."""
    parser = build_parser()
    for action in parser._actions:
        action.default = argparse.SUPPRESS
    return set(vars(parser.parse_args(argv)))


def _misplaced(given: set[str], headless: bool, gradcheck: bool) -> str | None:
    """Why an option that was given means nothing in this mode, or None: one rule for every mode-only option."""
    if gradcheck:  # it checks the Functions alone: no training, no app; --json makes its report JSON; a --function
        # is run at the training's sizes too, which the data and its split and batches decide
        sizes = SIZE_OPTIONS if "function" in given else set()
        refused, why = given - {"json", "gradcheck", "function"} - sizes, "does nothing with --gradcheck"
    elif headless:
        refused, why = given & set(APP_ONLY), "is for the app; it does nothing with --headless"
    else:
        refused, why = given & set(HEADLESS_ONLY), "needs --headless"
    return f"{_flag(min(refused))} {why}" if refused else None


def _function_problem(values: dict[str, Any]) -> str | None:
    """Why --function (or the mode it makes) cannot go with what else was given, or None."""
    function = values.get("function")
    if values.get("autograd") == "file" and not function:
        return "--autograd file trains with --function FILE.py's Function: give --function"
    if function and values.get("compare"):
        return "--function trains one run: it does nothing with --compare"
    if function and values["serve"] and not values.get("serve_allow_code"):
        return ("--serve with --function runs that file's code for every browser tab, on this machine: add "
                "--serve-allow-code if that is what you mean")
    return None


def parse_options(argv: list[str] | None = None) -> Options:
    """The command line as Options; a bad or misplaced option exits 2 with one line."""
    parser = build_parser()
    preset = vars(parser.parse_known_args(argv)[0]).get("preset", "tutorial")
    parser.set_defaults(**PRESETS[preset][1])  # a preset's defaults; what is given on the command line wins
    values: dict[str, Any] = vars(parser.parse_args(argv))
    given = _given(argv)
    mode_only = given if values["gradcheck"] else set(values) & (set(APP_ONLY) | set(HEADLESS_ONLY))
    problem = _misplaced(mode_only, values["headless"], values["gradcheck"])
    serving = set(values) & set(SERVE_ONLY)
    if values["serve"] and (values["headless"] or values["gradcheck"]):
        other = "--headless" if values["headless"] else "--gradcheck"
        problem = f"--serve serves the app; it does nothing with {other}"
    elif values["serve"] and values.get("record") is not None:
        problem = "--record records this terminal's app; --serve's tabs are drawn in browsers"
    elif values.get("render") is not None and (values["serve"] or values.get("record") is not None):
        problem = "--render records its own terminal; it does nothing with " + \
            ("--serve" if values["serve"] else "--record")
    elif "size" in given and values.get("render") is None:
        problem = "--size is --render's terminal; give --render FILE.cast"
    elif serving and not values["serve"]:
        problem = f"{_flag(min(serving))} needs --serve"
    file_only = [name for name in ("x_column", "label_column", "positive") if values.get(name) is not None]
    if file_only and values.get("data") is None:
        problem = f"{_flag(file_only[0])} needs --data"
    recipe = [name for name in SEEDED_ONLY if name in given]
    if recipe and values.get("data") is not None:
        problem = f"{_flag(recipe[0])} shapes the seeded data; it does nothing with --data"
    if values.get("dataset") != "tutorial" and "gap" in given:
        problem = (f"--gap shifts the tutorial's data; --dataset {values['dataset']} has its own shape "
                   "(--noise spreads it)")
    if values.get("dataset") == "tutorial" and "features" in given and values.get("data") is None:
        problem = ("--features crosses a two-feature --dataset's x1 and x2 (gauss, circle, xor, spiral, moons); "
                   "the tutorial's data has one feature")
    drawn = [name for name in ("n_points", "gap", "noise", "features", "label_noise", "class_balance") if name in given]
    if values.get("dataset") in REAL_SETS and drawn:
        problem = (f"{_flag(drawn[0])} shapes seeded data; --dataset {values['dataset']} is a fixed set "
                   "(--val-frac holds some of it out)")
    if values.get("dataset") == "tutorial" and "noise" in given:
        problem = ("--noise spreads a two-feature --dataset (gauss, circle, xor, spiral, moons); the tutorial's "
                   "has --gap")
    problem = problem or _function_problem(values) or _lesson_problem(values)
    if problem:
        parser.error(problem)
    compare = {"compare": tuple(values.get("compare", ()))}
    settings: dict[str, Any] = {"settings": Settings(**{row.name: values.pop(row.name) for row in SETTINGS})}
    options = Options(**(APP_ONLY | HEADLESS_ONLY | SERVE_ONLY | values | compare | settings))
    try:
        compared_runs(options, parser)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    return options


def _lesson_problem(values: dict[str, Any]) -> str:
    """Why --check or --answers cannot apply (they belong to --lesson), or ""."""
    if values.get("lesson") is None:
        for name in ("check", "answers"):
            if values.get(name):
                return f"--{name} belongs to --lesson NAME|FILE.toml"
        return ""
    for name in ("json", "compare", "replay", "function"):
        if values.get(name):
            return (f"--{name} does nothing with --lesson (each step sets its own run; --headless --export DIR "
                    "writes the answers as JSON)")
    if values.get("answers") and not values["headless"]:
        return "--answers walks a lesson with --headless (in the app the learner answers)"
    if values["headless"] and not values.get("answers") and not values.get("check"):
        return "--lesson --headless needs the answers: --answers FILE.json"
    return ""


def compared_runs(options: Options, parser: argparse.ArgumentParser | None = None,
                  dataset: Dataset | None = None) -> list[tuple[str, Options]]:
    """(spec, the options of its run) per --compare spec: the command line with the spec's values over it.

    A spec is comma-separated name=value pairs; a name is a training option's long name without its
    dashes. `lr=best` and `momentum=best` are what the curvature at the minimum of `dataset`'s training points
    says is fastest (core/maths/curvature.py); without a dataset (checking the specs only) they stand for the lr and β
    given. ArgumentTypeError says what is wrong with a spec, in one line.
    """
    actions = {action.dest: action for action in (parser or build_parser())._actions}
    runs = []
    for spec in options.compare:
        changes: dict[str, Any] = {}
        for pair in filter(None, (part.strip() for part in spec.split(","))):
            name, equals, text = pair.partition("=")
            dest = name.strip().lstrip("-").replace("-", "_")
            if not equals or dest not in COMPARED:
                raise argparse.ArgumentTypeError(f"--compare {spec!r}: {_why_not(name.strip(), dest, equals)}")
            best = text.strip().lower() == "best" and dest in ("lr", "momentum")
            changes[dest] = "best" if best else _spec_value(actions[dest], text.strip(), spec)
        settings = {name: changes.pop(name) for name in list(changes) if name in Settings.__dataclass_fields__}
        run = replace(options, settings=replace(options.settings, **_best_resolved(settings, options, dataset, spec)),
                      **changes)
        if not run.epochs:
            raise argparse.ArgumentTypeError(f"--compare {spec!r}: each run needs a budget; --epochs 0 never ends")
        runs.append((spec, run))
    return runs


def _best_resolved(settings: dict[str, Any], options: Options, dataset: Dataset | None,
                   spec: str) -> dict[str, Any]:
    """The spec's settings with lr=best, momentum=best replaced by the curvature's values (or, without data, by
    the options' own)."""
    asked = [name for name, value in settings.items() if value == "best"]
    if not asked:
        return settings
    base = replace(options.settings, **{k: v for k, v in settings.items() if v != "best"})
    if dataset is None:
        return settings | {name: getattr(base, name) for name in asked}
    n_train = dataset.n_train(base.val_frac)
    x, y = dataset.x[:n_train], dataset.y[:n_train]
    optimum = find_optimum(x, y, **dict(objective_of(base)))
    if not optimum.exists:
        raise argparse.ArgumentTypeError(f"--compare {spec!r}: no best lr: {optimum.reason}")
    best, why_not = best_settings(curvature_at(optimum.w, optimum.b, x, y, base.l2), base, n_train)
    if why_not or any(name not in best for name in asked):
        raise argparse.ArgumentTypeError(f"--compare {spec!r}: {why_not or 'momentum=best needs optimizer=momentum'}")
    return settings | {name: best[name] for name in asked}


def _why_not(name: str, dest: str, has_value: str) -> str:
    if not has_value:
        return "a pair must be name=value"
    if dest in DATA_OPTIONS:
        return f"every run trains on the same data: give {_flag(dest)} once, for all of them"
    return f"{name!r} is not one of {', '.join(_flag(d)[2:] for d in COMPARED)}"


def _spec_value(action: argparse.Action, text: str, spec: str) -> Any:
    """text as the option's own parser reads it."""
    try:
        value = action.type(text) if callable(action.type) else text
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(f"--compare {spec!r}: {_flag(action.dest)[2:]} {error}") from None
    if action.choices and value not in action.choices:
        raise argparse.ArgumentTypeError(f"--compare {spec!r}: {_flag(action.dest)[2:]} must be one of "
                                         f"{', '.join(action.choices)}, got {text!r}")
    return value


def train_config(options: Options, d: int = 1, **publishing: Any) -> TrainConfig:
    """How the run starts, from the command line, on data with d features (the tutorial's one unless said);
    `publishing`: the reader's publish intervals (the app's)."""
    settings = options.settings
    if settings.autograd == "file":  # the file's Function joins once checked (Steering.use_function)
        settings = replace(settings, autograd="builtin")
    return TrainConfig(settings=settings, init=initial_theta(options, d), shuffle_seed=options.seed,
                       script=options.script, device=options.device,
                       # headless, main() counts the epochs itself, printing as it goes: no budget in the engine
                       epochs=options.epochs if not options.headless else 0, speed=options.speed,
                       start_paused=options.paused, **publishing)


def preset_options(options: Options, name: str) -> Options:
    """The options of preset `name` in a running app (the p key): the command line's data and training options at
    their defaults, then the preset's; the app's own options (speed, colours …) as they were."""
    parser = build_parser()
    parser.set_defaults(**PRESETS[name][1])
    defaults: dict[str, Any] = vars(parser.parse_args([]))
    settings = Settings(**{row.name: defaults.pop(row.name) for row in SETTINGS})
    data = {dest: defaults[dest] for dest in ("seed", "n_points", "gap", "label_noise", "class_balance", "epochs",
                                              "dataset", "noise", "features")}
    return replace(options, **data, settings=settings, preset=name, data=None, standardize=defaults["standardize"],
                   init=None, x_column=None, label_column=None, positive=None)


def initial_theta(options: Options, d: int = 1) -> tuple[float, ...]:
    """Where the run starts on data with d features: --init's θ (d + 1 numbers, load_dataset checked), or for
    random d + 1 N(0, 1) draws from the data's seed (one feature: the same two draws as always)."""
    if options.init != "random":
        return options.init if isinstance(options.init, tuple) else (0.0,) * (d + 1)
    return tuple(float(value) for value in np.random.RandomState(options.seed).randn(d + 1))


def check_init(options: Options, d: int) -> None:
    """DataError unless --init gives θ's d + 1 numbers for data with d features."""
    if isinstance(options.init, tuple) and len(options.init) != d + 1:
        shape = "W,B" if d == 1 else f"W1,…,W{d},B"
        raise DataError(f"--init gives {len(options.init)} numbers; the data has {d} feature{'s' * (d > 1)}: "
                        f"give {d + 1} ({shape}) or random")


def load_dataset(options: Options) -> Dataset:
    """The seeded data or the CSV file, standardized when asked; DataError says what is wrong in one line."""
    if options.data is not None:
        dataset = load_csv(options.data, options.x_column, options.label_column, options.positive)
    elif options.dataset in REAL_SETS:
        dataset = load_real(options.dataset)
    elif options.dataset != "tutorial":
        dataset = make_shape_data(options.dataset, options.seed, options.n_points, options.noise,
                                  options.label_noise, options.class_balance, options.features)
    else:
        dataset = make_tutorial_data(options.seed, options.n_points, options.gap, options.label_noise,
                                     options.class_balance)
    dataset.check_split(options.settings.val_frac)
    check_init(options, dataset.d)
    return dataset.standardized() if options.standardize else dataset

