"""How good the classifier is (core/maths/evaluation.py): the confusion matrix at a threshold, precision, recall, F1 and
the AUC, against a direct float64 computation on the points; the threshold setting, its keys and the JSON."""

import json
import math
import re

import numpy as np
import pytest

from logreg_tui.core.maths.evaluation import Ranked, evaluations
from logreg_tui.core.model.data import make_tutorial_data


def direct(x, y, w, b, t):
    """Every point scored in float64, called positive where σ(z) > t (z > 0 at 0.5, as training counts); AUC over every (positive, negative) pair."""
    x, y = x.astype(np.float64), y > 0.5
    z = w * x + b
    called = z > math.log(t / (1 - t))
    tp, fp = int(np.sum(called & y)), int(np.sum(called & ~y))
    tn, fn = int(np.sum(~called & ~y)), int(np.sum(~called & y))
    pos, neg = z[y], z[~y]
    pairs = pos[:, None] - neg[None, :]
    auc = (np.sum(pairs > 0) + 0.5 * np.sum(pairs == 0)) / (pos.size * neg.size) if pos.size and neg.size else math.nan
    return (tp, fp, tn, fn), auc


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12)


CASES = [  # (seed, n, gap, class_balance, w, b, t)
    (42, 1000, 4.0, 0.5, 2.6216, -5.1346, 0.5),
    (42, 1000, 4.0, 0.5, 2.6216, -5.1346, 0.13),
    (7, 300, 1.0, 0.5, -1.3, 0.4, 0.8),  # w < 0: the order turns round
    (3, 2000, 2.0, 0.9, 0.7, -2.0, 0.35),  # imbalanced
    (11, 50, 0.5, 0.1, 1.5, 0.2, 0.95),
    (5, 400, 3.0, 0.5, 0.0, 0.3, 0.5),  # w = 0: every score tied
    (5, 400, 3.0, 0.5, 0.0, -0.3, 0.5),
]


@pytest.mark.parametrize("seed,n,gap,balance,w,b,t", CASES)
def test_confusion_precision_recall_f1_and_auc_match_a_direct_computation(seed, n, gap, balance, w, b, t):
    dataset = make_tutorial_data(seed, n, gap, class_balance=balance)
    (tp, fp, tn, fn), auc = direct(dataset.x, dataset.y, w, b, t)
    train, held = evaluations(dataset, n, w, b, t)
    assert held is None
    matrix = train.confusion
    assert (matrix.tp, matrix.fp, matrix.tn, matrix.fn) == (tp, fp, tn, fn)
    assert same(matrix.precision, tp / (tp + fp) if tp + fp else math.nan)
    assert same(matrix.recall, tp / (tp + fn) if tp + fn else math.nan)
    precision, recall = matrix.precision, matrix.recall
    if precision + recall > 0:
        assert matrix.f1 == pytest.approx(2 * precision * recall / (precision + recall), rel=1e-12)
    assert matrix.accuracy == pytest.approx((tp + tn) / n, rel=1e-12)
    assert same(train.auc, auc)


def test_ties_count_half_and_the_staircase_takes_a_diagonal_over_them():
    x = np.array([0.0, 1.0, 1.0, 1.0, 2.0, 3.0, 3.0])
    y = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    ranked = Ranked(x, y)
    _, auc = direct(x, y, 1.0, 0.0, 0.5)
    assert ranked.auc(1.0) == pytest.approx(auc) and ranked.auc(-2.0) == pytest.approx(1 - auc)
    fpr, tpr = ranked.roc(1.0)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1 and len(fpr) == 4 + 1  # one step per distinct x
    assert np.trapezoid(tpr, fpr) == pytest.approx(auc)  # the area under the drawn staircase is the AUC


@pytest.mark.parametrize("t", [0.2, 0.5, 0.9])
def test_a_split_gives_held_out_twins(t):
    dataset = make_tutorial_data(9, 500, 2.0)
    n_train = dataset.n_train(0.3)
    w, b = 1.8, -3.5
    train, held = evaluations(dataset, n_train, w, b, t)
    for part, evaluation in ((slice(0, n_train), train), (slice(n_train, None), held)):
        counts, auc = direct(dataset.x[part], dataset.y[part], w, b, t)
        matrix = evaluation.confusion
        assert (matrix.tp, matrix.fp, matrix.tn, matrix.fn) == counts and evaluation.auc == pytest.approx(auc)


def test_one_class_only_has_no_auc_and_no_precision_where_nothing_is_called_positive():
    ranked = Ranked(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]))
    assert math.isnan(ranked.auc(1.0))
    nothing = Ranked(np.array([1.0, 2.0]), np.array([0.0, 1.0])).confusion(1.0, -100.0, 0.5)
    assert (nothing.tp, nothing.fp) == (0, 0) and math.isnan(nothing.precision) and nothing.f1 == 0.0


def test_the_json_has_the_evaluation_at_the_threshold_and_val_twins(cli):
    summary = json.loads(cli("--headless", "--json", "--threshold", "0.3", "--val-frac", "0.2").stdout)
    dataset = make_tutorial_data()
    n_train = dataset.n_train(0.2)
    counts, auc = direct(dataset.x[:n_train], dataset.y[:n_train], summary["w"], summary["b"], 0.3)
    assert summary["threshold"] == 0.3
    assert tuple(summary["confusion"][k] for k in ("tp", "fp", "tn", "fn")) == counts
    assert summary["auc"] == pytest.approx(auc, rel=1e-12)
    tp, fp, _, fn = counts
    assert summary["precision"] == pytest.approx(tp / (tp + fp)) and summary["recall"] == pytest.approx(tp / (tp + fn))
    assert summary["f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))
    val_counts, val_auc = direct(dataset.x[n_train:], dataset.y[n_train:], summary["w"], summary["b"], 0.3)
    assert tuple(summary["val_confusion"][k] for k in ("tp", "fp", "tn", "fn")) == val_counts
    assert summary["val_auc"] == pytest.approx(val_auc, rel=1e-12)
    plain = json.loads(cli("--headless", "--json", "--epochs", "5").stdout)
    assert plain["threshold"] == 0.5 and plain["val_confusion"] is None and plain["val_auc"] is None


def test_a_bad_threshold_gets_one_line(cli):
    for bad in ("0", "1", "1.5", "-0.2", "nan", "half"):
        result = cli("--headless", "--threshold", bad)
        assert result.returncode == 2 and "--threshold" in result.stderr and len(result.stderr.splitlines()) == 1
        assert "Traceback" not in result.stderr


def test_compare_lines_show_the_auc_and_take_a_threshold(cli):
    result = cli("--headless", "--compare", "lr=0.2", "threshold=0.3", "--epochs", "200")
    first, second = result.stdout.splitlines()
    assert " auc 0." in first and "acc@t" not in first
    assert " t 0.3 " in second and "acc@t 0." in second


def _view(settings, epochs=200, width=80, height=30, colors=None, **data):
    from logreg_tui.core.model.settings import Settings
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine
    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.evaluation import EvaluationSettings, evaluation_view

    snapshot = Engine(make_tutorial_data(**data), TrainConfig(settings=Settings(**settings), epochs=0)).run_epochs(epochs)
    return snapshot, evaluation_view(snapshot, EvaluationSettings(), width, height, colors or PlotColors())[1]


@pytest.mark.parametrize("width,height", [(52, 10), (80, 30), (60, 45), (30, 8)])
def test_the_view_shows_the_confusion_counts_and_marks_the_thresholds_point_on_the_roc(width, height):
    snapshot, drawing = _view({"threshold": 0.3, "val_frac": 0.2}, width=width, height=height)
    train, held = evaluations(snapshot.dataset, snapshot.n_train, snapshot.w, snapshot.b, 0.3)
    screen = ["".join(text for text, _ in row) for row in drawing.rows()]
    assert len(screen) <= height and all(len(line) <= width for line in screen)
    text = "\n".join(screen)
    tp, fn = train.confusion.tp, train.confusion.fn
    assert re.search(rf"y=1\s+{tp}\s+[<>]?\d+%\s+{fn}\s+[<>]?\d+%", text)  # >99%, <1%: never rounded to 100 or 0
    assert f"{train.auc:.4f}" in screen[0] and "t = 0.3" in screen[0] or width < 60
    if drawing.roc_width:
        (column, row, _), = drawing.marks
        fpr, tpr = train.confusion.false_positive_rate, train.confusion.recall
        columns, rows = drawing.roc_width - 4, drawing.roc_height - 4
        assert column == 3 + int(fpr * (2 * columns - 1) // 2) and row == 1 + int((1 - tpr) * (4 * rows - 1) // 4)
        assert screen[row][column] == "●"
        assert drawing.curves[0].any() and drawing.curves[1].any()  # both ROC curves are drawn


def test_the_views_roc_is_the_staircase_of_the_ranked_points_and_turns_round_with_w():
    snapshot, up = _view({}, epochs=50, gap=1.0)
    dataset = snapshot.dataset
    ranked = Ranked(dataset.x, dataset.y)
    assert ranked.auc(snapshot.w) > 0.5
    from logreg_tui.views.evaluation import roc_cells
    from logreg_tui.views.map_grid import Frame

    frame = Frame(up.roc_width, up.roc_height, 2)
    assert (roc_cells(ranked, 1, frame) == up.curves[0]).all()
    assert not (roc_cells(ranked, -1, frame) == up.curves[0]).all()  # the mirror staircase, for w < 0


def test_the_view_reads_by_shape_without_colour_and_in_ascii():
    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.plots import picture

    _, mono = _view({"val_frac": 0.2}, colors=PlotColors(depth="none"))
    text = "\n".join("".join(t for t, _ in row) for row in mono.rows())
    assert "●" in text and "ROC" in text and "chance" in text and "held" in text
    _, plain = _view({"val_frac": 0.2}, colors=PlotColors(depth="none", ascii=True))
    ascii_text = "\n".join("".join(t for t, _ in row) for row in picture(plain))
    assert ascii_text.isascii() and "?" not in ascii_text and "p=1" in ascii_text and " o " in ascii_text


def test_a_diverged_run_gets_a_note_not_a_view():
    from logreg_tui.core.model.state import Snapshot  # noqa: F401 (the note is the view's answer)

    snapshot, _ = _view({}, epochs=1)

    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.evaluation import EvaluationSettings, evaluation_view

    broken = snapshot.with_figures(theta=(float("nan"), snapshot.b))
    _, note = evaluation_view(broken, EvaluationSettings(), 80, 24, PlotColors())
    assert isinstance(note, str) and "diverged" in note


async def test_the_threshold_keys_step_its_ladder_stop_at_its_ends_and_are_events():
    from apphelpers import make_app, message, snap, started, until

    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("greater_than_sign")
        await until(pilot, lambda: snap(app).settings.threshold == 0.6)
        await pilot.press("less_than_sign", "less_than_sign", "less_than_sign")
        await until(pilot, lambda: snap(app).settings.threshold == 0.3)
        assert [(e.kind, e.before, e.after) for e in snap(app).events] == [("threshold", 0.5, 0.3)]  # merged
        await pilot.press(*["less_than_sign"] * 6)
        await until(pilot, lambda: "stays 0.05" in message(app))
        assert snap(app).settings.threshold == 0.05
        x_star = -(snap(app).b - math.log(0.05 / 0.95)) / snap(app).w if snap(app).w else None
        assert x_star is None or "(σ = 0.05)" in " ".join(app.query_one("#data").plain_lines)


async def test_a_typed_threshold_applies_and_a_bad_one_is_refused_in_the_prompt():
    from apphelpers import make_app, snap, started, until

    from logreg_tui.tui.screens import ValuePrompt

    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        for typed in ("1", "0", "x"):
            await pilot.press("T")
            await until(pilot, lambda: isinstance(app.screen, ValuePrompt))
            app.screen.query_one("#prompt-value").value = typed
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert isinstance(app.screen, ValuePrompt) and "strictly between 0 and 1" in str(
                app.screen.query_one("#prompt-note").render())
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ValuePrompt))
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, ValuePrompt))
        app.screen.query_one("#prompt-value").value = "0.37"
        await pilot.press("enter")
        await until(pilot, lambda: snap(app).settings.threshold == 0.37)


async def test_a_click_on_the_data_plot_puts_x_star_under_it():
    from apphelpers import make_app, snap, started, until

    from logreg_tui.views.scatter import x_at_column

    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press(*["N"] * 20)
        await until(pilot, lambda: snap(app).epoch == 200)
        data = app.query_one("#data")
        width, height = data.size
        for column in (int(width * 0.35), int(width * 0.6)):
            before = snap(app).settings.threshold
            await pilot.click("#data", offset=(column, height - 1))  # on the x axis's labels
            await until(pilot, lambda before=before: snap(app).settings.threshold != before)
            snapshot = snap(app)
            t = snapshot.settings.threshold
            x_star = (math.log(t / (1 - t)) - snapshot.b) / snapshot.w
            clicked = x_at_column(snapshot.dataset, width, column)
            step = x_at_column(snapshot.dataset, width, column + 1) - clicked
            assert x_star == pytest.approx(clicked, abs=1e-9 + step / 100)
            assert snapshot.events[-1].kind == "threshold"
            shown = float(re.search(r"x\* = (-?[\d.]+)", " ".join(data.plain_lines)).group(1))
            assert shown == pytest.approx(x_star, abs=1e-3 * max(1, abs(x_star)))


@pytest.mark.parametrize("size,cycle", [
    ((80, 24), ["data", "landscape", "evaluation", "data"]),  # below WIDE: m cycles the bottom plot
    ((140, 42), ["landscape", "evaluation", "landscape"]),  # WIDE: the right column
    ((200, 30), ["landscape", "evaluation", "landscape"]),  # in a row
])
async def test_m_brings_the_evaluation_on_screen_where_not_everything_fits(size, cycle):
    from apphelpers import make_app, settle, started

    async with make_app().run_test(size=size) as pilot:
        app = await started(pilot)
        for step, name in enumerate(cycle):
            if step:
                await pilot.press("m")
            await settle(pilot)
            shown = {view for view in ("data", "landscape", "evaluation") if app.query_one(f"#{view}").region.area}
            assert name in shown and app.query_one("#loss").region.area
            hidden = {"data", "landscape", "evaluation"} - {name} - ({"data"} if size[0] >= 120 else set())
            assert not shown & hidden, (step, shown)
        if "evaluation" in cycle:
            await pilot.press("m") if cycle[-1] != "evaluation" else None


async def test_at_200_by_60_every_plot_is_on_screen_and_m_says_so():
    from apphelpers import make_app, message, settle, started

    async with make_app().run_test(size=(200, 60)) as pilot:
        app = await started(pilot)
        await settle(pilot)
        for name in ("#loss", "#data", "#landscape", "#evaluation", "#stats"):
            assert app.query_one(name).region.area > 0, name
        assert any("AUC" in line for line in app.query_one("#evaluation").plain_lines)
        await pilot.press("m")
        assert "every plot is on screen" in message(app)


def test_at_one_half_the_views_accuracy_is_the_stats_accuracy_even_with_every_score_at_the_threshold():
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine

    for epochs in (0, 1, 300):  # at epoch 0, w = b = 0: every σ is exactly 0.5, no point is called 1
        snapshot = Engine(make_tutorial_data(), TrainConfig(epochs=0)).run_epochs(epochs)
        train, _ = evaluations(snapshot.dataset, snapshot.n_train, snapshot.w, snapshot.b, 0.5)
        assert train.confusion.accuracy == pytest.approx(snapshot.accuracy, abs=1e-7)


def test_the_table_never_rounds_a_rate_to_100_or_0_percent_and_keeps_one_precision():
    from logreg_tui.core.maths.evaluation import Confusion
    from logreg_tui.views.evaluation import matrix_lines, table_lines

    matrix = Confusion(tp=499, fn=1, fp=2, tn=498)  # one false negative in 500
    rows = [text for text, _ in matrix_lines(matrix, "train", False)]
    assert "499 >99%" in rows[1] and "  1  <1%" in rows[1] and "100%" not in " ".join(rows)
    whole = [text for text, _ in matrix_lines(Confusion(tp=500, fn=0, fp=0, tn=500), "train", False)]
    assert "500 100%" in whole[1] and "  0   0%" in whole[1]  # exactly all, exactly none

    class Run:  # an Evaluation's table: precision 0.996, recall 0.998, as 0.996 and 0.998, never 1 or 0.98
        confusion = matrix

    lines = [text for text, _ in table_lines(Run, None, False)]
    assert "prec 0.996  rec 0.998" in lines[3] and "F1   0.997  acc 0.997" in lines[4]
    almost = Confusion(tp=99_999, fn=1, fp=0, tn=100_000)
    Run.confusion = almost
    assert "rec >0.999" in [text for text, _ in table_lines(Run, None, False)][3]
