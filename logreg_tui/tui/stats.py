"""The stats panel: a `label value` line per item of the latest snapshot."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from logreg_tui.core.maths.evaluation import evaluations
from logreg_tui.core.model.settings import BY_NAME, SETTINGS, Setting, stat_words
from logreg_tui.core.model.state import Snapshot
from logreg_tui.core.words.formatting import format_accuracy, format_number, printable, short_count
from logreg_tui.tui.curvature_stats import CURVATURE_STATS, VALUE_WIDTH, curvature_note
from logreg_tui.tui.weights_stats import weight_rows
from logreg_tui.tui.widgets import LineCanvas

LABEL_WIDTH = 9


def _epoch(snapshot: Snapshot) -> str:
    """12 / 1001; past VALUE_WIDTH, 1000000/1M."""
    if not snapshot.stop_at:
        return str(snapshot.epoch)
    text = f"{snapshot.epoch} / {snapshot.stop_at}"
    return text if len(text) <= VALUE_WIDTH else f"{snapshot.epoch}/{short_count(snapshot.stop_at)}"


def _speed(snapshot: Snapshot) -> str:
    cap = "max" if snapshot.speed is None else format_number(snapshot.speed)
    return f"{snapshot.epochs_per_second:.0f}/s cap {cap}"


def _setting_stat(setting: Setting) -> tuple[str, Callable]:
    """A setting's line (settings.SETTINGS: its label and words there)."""
    return (setting.stat or setting.name, lambda s: stat_words(setting, s.settings, s.n_train))


LR_STAT = _setting_stat(BY_NAME["lr"])  # beside the loss: a learner reads the two together
SETTING_STATS = [_setting_stat(row) for row in SETTINGS if row.stat and row.name != "lr"]


def _file_name(path: str, width: int = VALUE_WIDTH) -> str:
    """A file's name, its end kept when it is too long for the panel."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name if len(name) <= width else "…" + name[-(width - 1):]


def _in_data_units(snapshot: Snapshot, index: int) -> str | None:
    """w or b in the data's own x units, for a standardized run of one feature (the plots use these); None
    otherwise."""
    if snapshot.dataset.scale is None or snapshot.dataset.d > 1:
        return None
    return format_number(snapshot.dataset.original_units(snapshot.w, snapshot.b)[index])


def _at_threshold(snapshot: Snapshot) -> str | None:
    """The training points' accuracy at the threshold t, where t is not 0.5 (core/maths/evaluation.py)."""
    if snapshot.settings.threshold == 0.5:
        return None
    train, _ = evaluations(snapshot.dataset, snapshot.n_train, snapshot.weights, snapshot.b,
                           snapshot.settings.threshold)
    return format_accuracy(train.confusion.accuracy) if train is not None else None


def _function(snapshot: Snapshot) -> str | None:
    """--function's file and its check's verdict: my_loss.py FAIL (the message line says why)."""
    if not snapshot.function:
        return None
    verdict = "PASS" if snapshot.function_verdict.startswith("PASS") else "FAIL"
    if snapshot.function_stale:  # its file's last save failed to load: this verdict is of the version before
        return f"{verdict} (last good)"
    return _file_name(snapshot.function, VALUE_WIDTH - len(verdict) - 1) + " " + verdict


WEIGHTS_SHOWN = 8  # weight lines at most; past them one line says how many more


def _weights(snapshot: Snapshot) -> str | list[tuple[str, str]]:
    """w with one feature; with more, a line per weight (w1 …), the first WEIGHTS_SHOWN and how many more."""
    if snapshot.dataset.d == 1:
        return format_number(snapshot.w)
    weights = snapshot.weights
    lines = [(f"w{j}", format_number(value)) for j, value in enumerate(weights[:WEIGHTS_SHOWN], start=1)]
    return lines + ([("w…", f"{len(weights) - WEIGHTS_SHOWN} more")] if len(weights) > WEIGHTS_SHOWN else [])


def _weight_gradient(snapshot: Snapshot) -> str:
    """∂/∂w with one feature; the length of the gradient over the weights with more (the components: the export)."""
    gradient = snapshot.figures.gradient[:-1]
    return format_number(gradient[0] if len(gradient) == 1 else math.hypot(*gradient))


def _scale_of_b(snapshot: Snapshot) -> float:
    """The size of the terms b's float32 updates are summed from: 1 + Σ|w_j| · max |x|."""
    return 1 + sum(abs(value) for value in snapshot.weights) * snapshot.dataset.largest_x


def _status(snapshot: Snapshot) -> str:
    return "saturated" if snapshot.saturated and snapshot.status == "running" else snapshot.status


STATS: list[tuple[str, Callable]] = [  # (label, value); a value of None leaves the line out
    ("status", _status),
    ("epoch", _epoch),
    ("loss", lambda s: format_number(s.loss)),  # the data's mean BCE
    ("loss+pen", lambda s: format_number(s.objective) if s.settings.penalized else None),  # the objective
    ("acc", lambda s: format_accuracy(s.accuracy)),  # at σ = 0.5
    ("acc at t", lambda s: _at_threshold(s)),  # away from t = 0.5 (the t line below says t)
    LR_STAT,
    ("w", _weights),  # w1, w2 … with more features
    ("b", lambda s: format_number(s.b, _scale_of_b(s))),
    ("units", lambda s: "standardized x" if s.dataset.scale else None),
    ("w in x", lambda s: _in_data_units(s, 0)),  # the data's own units: what the data plot shows
    ("b in x", lambda s: _in_data_units(s, 1)),
    # with a penalty w's gradient is the objective's (loss + penalty), and says so (b is not penalised); with more
    # features, the gradient's length over the weights
    ("dL/dw", lambda s: _weight_gradient(s) if not s.settings.penalized and s.dataset.d == 1 else None),
    ("dObj/dw", lambda s: _weight_gradient(s) if s.settings.penalized and s.dataset.d == 1 else None),
    ("|dL/dw|", lambda s: _weight_gradient(s) if not s.settings.penalized and s.dataset.d > 1 else None),
    ("|dObj/dw|", lambda s: _weight_gradient(s) if s.settings.penalized and s.dataset.d > 1 else None),
    ("dL/db", lambda s: format_number(s.grad_b)),
    ("val loss", lambda s: format_number(s.val_loss) if s.val_history else None),
    ("val acc", lambda s: format_accuracy(s.val_accuracy) if s.val_history else None),
    *SETTING_STATS,
    ("function", _function),
    ("steps", lambda s: short_count(s.steps)),
    ("in epoch", lambda s: f"{s.epoch_progress:.0%} loss {s.epoch_loss_so_far:.4g}" if s.epoch_progress else None),
    ("speed", _speed),
    ("seed", lambda s: "file" if s.seed is None else str(s.seed)),
    ("data", lambda s: _file_name(s.dataset.source) if s.seed is None else "generated"),
    ("N", lambda s: str(s.n_points)),
    ("held out", lambda s: str(s.n_points - s.n_train) if s.n_train != s.n_points else None),
    ("device", lambda s: s.device),
]
FIRST_ON_EVERY_PAGE = 2  # status and epoch: what the other pages' figures are of
LOADING = ("seed", "data", "N", "held out", "device")  # the lines shown while torch loads
STATUS_STYLES = {"running": "bold green", "saturated": "bold red", "paused": "bold yellow", "done": "bold cyan",
                 "diverged": "bold red", "loading": "bold", "error": "bold red"}
LABEL_STYLE, VALUE_STYLE, NOTE_STYLE = Style(dim=True), Style(bold=True), Style(dim=True, italic=True)


class StatsPanel(LineCanvas):
    """One `label value` line per item of the latest snapshot.

    Lines are built from segments, not rendered rich Text: this runs every frame on the UI thread,
    which shares the GIL with training.
    """

    page = "stats"  # or "curvature" (k) or "weights" (w): what the panel shows

    def turn_to(self, page: str) -> None:
        """That page, or back to the stats when it is the one shown (k and w take turns)."""
        self.page = "stats" if self.page == page else page

    def show(self, snapshot: Snapshot, status: str | None = None, lesson: str | None = None) -> None:
        """`lesson`: where --lesson is (step 2 of 3), a line after the epoch's."""
        items = STATS if self.page == "stats" else STATS[:FIRST_ON_EVERY_PAGE] + (
            CURVATURE_STATS if self.page == "curvature" else [])
        if lesson:
            items = [*items[:FIRST_ON_EVERY_PAGE], ("lesson", lambda s: lesson), *items[FIRST_ON_EVERY_PAGE:]]
        values = [(label, status if label == "status" and status else value(snapshot)) for label, value in items]
        lines = [_stat_line(line_label, line_value) for label, value in values if value is not None
                 for line_label, line_value in (value if isinstance(value, list) else [(label, value)])]
        if self.page == "weights":
            ascii = bool(getattr(self.app, "ascii", False))
            lines += [Strip([])] + [Strip(row) for row in weight_rows(snapshot, ascii)]
        if self.page == "curvature":
            note = textwrap.wrap(curvature_note(snapshot), LABEL_WIDTH + VALUE_WIDTH)
            lines += [Strip([])] + [Strip([Segment(line, NOTE_STYLE)]) for line in note]
        self.show_lines(lines)

    def show_loading(self, snapshot: Snapshot) -> None:
        """What is known before torch is loaded (state.before_training): the data and the device."""
        items = [("status", "loading")] + [(label, value(snapshot)) for label, value in STATS if label in LOADING]
        note = Strip([Segment("starting torch…", NOTE_STYLE)])
        self.show_lines([_stat_line(label, value) for label, value in items if value is not None] + [Strip([]), note])


def _stat_line(label: str, value: str) -> Strip:
    style = Style.parse(STATUS_STYLES.get(value, "bold")) if label == "status" else VALUE_STYLE
    return Strip([Segment(f"{label:<{LABEL_WIDTH}}", LABEL_STYLE), Segment(printable(value), style)])
