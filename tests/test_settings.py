"""One description per training setting (core/model/settings.py): everything that lists settings reads SETTINGS."""

import dataclasses
import inspect

import pytest

from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.options import COMPARED, build_parser, compared_runs, parse_options
from logreg_tui.core.model.runs import Event, differences
from logreg_tui.core.model.settings import SETTINGS, Settings, legend_words, line_words
from logreg_tui.core.model.state import TrainConfig, before_training
from logreg_tui.training.engine import Engine
from logreg_tui.tui.stats import STATS
from logreg_tui.views.drawing import Drawing
from logreg_tui.views.landscape import LandscapeDrawing, draw_landscape
from logreg_tui.views.plots import LossDrawing, draw_loss
from logreg_tui.views.scatter import DataDrawing, draw_data

CHANGED = {"lr": 0.05, "autograd": "custom", "optimizer": "adam", "momentum": 0.5, "batch_size": 16,
           "val_frac": 0.25, "l2": 0.01, "l1": 0.02, "threshold": 0.3}  # a value away from the default, per setting


def test_every_setting_has_one_row_and_a_changed_value_here():
    assert [row.name for row in SETTINGS] == [field.name for field in dataclasses.fields(Settings)]
    assert set(CHANGED) == {row.name for row in SETTINGS}


@pytest.mark.parametrize("row", SETTINGS, ids=lambda row: row.name)
def test_each_setting_is_an_option_with_its_default_and_a_compare_name(row):
    actions = {action.dest: action for action in build_parser()._actions}
    assert actions[row.name].option_strings == [row.option()] and actions[row.name].default == row.default
    assert row.name in COMPARED
    text = str(CHANGED[row.name])
    options = parse_options([row.option(), text, "--headless", "--compare", f"{row.name}={text}"])
    assert getattr(options.settings, row.name) == CHANGED[row.name]  # the option lands in the one settings object
    assert getattr(compared_runs(options)[0][1].settings, row.name) == CHANGED[row.name]


@pytest.mark.parametrize("row", SETTINGS, ids=lambda row: row.name)
def test_each_setting_reads_as_an_event(row):
    event = Event(3, row.name, row.default, CHANGED[row.name])
    assert event.what.startswith(row.label) and " → " in event.what  # Event(3, "momentum", 0.9, 0.5) raised once


def test_a_momentum_change_reads_as_beta():
    assert Event(3, "momentum", 0.9, 0.5).what == "β 0.9 → 0.5"


@pytest.mark.parametrize("name", [row.name for row in SETTINGS if row.legend])
def test_a_setting_that_legends_name_tells_runs_apart_and_is_named_in_compare_lines(name):
    dataset = make_tutorial_data()
    base = before_training(dataset, TrainConfig())
    other = before_training(dataset, TrainConfig(settings=dataclasses.replace(Settings(), **{name: CHANGED[name]})))
    assert differences(other, base) == [legend_words(other.settings, other.n_train)[name]]
    assert legend_words(other.settings, other.n_train)[name] in line_words(other.settings, other.n_train)


def test_a_compare_line_names_optimizer_lr_and_batch_always_and_the_rest_when_changed():
    assert line_words(Settings(), 1000) == ["sgd", "lr 0.2", "full batch"]
    assert line_words(Settings(optimizer="momentum", autograd="custom", val_frac=0.2), 800) == [
        "momentum β 0.9", "lr 0.2", "full batch", "custom", "val 0.2"]


def test_the_stats_have_a_line_per_setting_that_names_one():
    labels = [label for label, _ in STATS]
    assert all(row.stat in labels for row in SETTINGS if row.stat)
    snapshot = before_training(make_tutorial_data(), TrainConfig(settings=Settings(optimizer="nesterov",
                                                                                    momentum=0.8, batch_size=64)))
    values = dict((label, value(snapshot)) for label, value in STATS)
    assert (values["lr"], values["optim"], values["batch"], values["autograd"]) == ("0.2", "nesterov β 0.8", "64",
                                                                                    "builtin")


def test_the_engine_takes_any_live_setting_by_name_and_records_it():
    engine = Engine(make_tutorial_data(), TrainConfig(start_paused=True))
    engine.configure(momentum=0.5, lr=0.1)
    snapshot = engine.run_epochs(1)
    assert (snapshot.settings.momentum, snapshot.settings.lr) == (0.5, 0.1)
    assert [event.what for event in snapshot.events] == ["β 0.9 → 0.5", "lr 0.2 → 0.1"]


@pytest.mark.parametrize(("drawing", "drawer"), [(LossDrawing, draw_loss), (DataDrawing, draw_data),
                                                 (LandscapeDrawing, draw_landscape)])
def test_each_drawings_fields_are_its_drawers_arguments(drawing, drawer):
    fields = {field.name: field.type for field in dataclasses.fields(drawing)}
    parameters = inspect.signature(drawer).parameters
    assert list(parameters) == [name for name in fields if name != "colors"] + ["colors"]
    assert all(str(parameters[name].annotation) == str(kind) for name, kind in fields.items())
    assert Drawing.kinds[drawing.plot] is drawing  # the plot process makes the same class again by its name
