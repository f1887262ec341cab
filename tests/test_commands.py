"""Commands are data: every key that steers the engine names one in the table the app builds them from, the engine
applies each kind in one place, and a replay's recorded change becomes the command a person's key made."""

import ast
import typing

import pytest

from logreg_tui.core.model import commands
from logreg_tui.core.model.commands import BY_NAME, Configure, MoveTo, StepSetting, from_event
from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.runs import Event
from logreg_tui.core.model.state import TrainConfig
from logreg_tui.training.engine import Engine
from logreg_tui.tui.keys import KEYS


def test_every_engine_key_names_a_command_and_builds_it_from_its_arguments():
    engine_keys = [key for key in KEYS if key.action.startswith("engine(")]
    assert len(engine_keys) >= 15
    for key in engine_keys:
        call = ast.parse(key.action, mode="eval").body
        name, *args = [ast.literal_eval(arg) for arg in call.args]
        assert name in BY_NAME, key
        command = BY_NAME[name](*args)
        assert isinstance(command, typing.get_args(commands.Command)), key
    assert BY_NAME["step_setting_down"]("threshold") == StepSetting("threshold", -1)
    assert BY_NAME["configure_one"]("lr", 0.5) == Configure((("lr", 0.5),))
    assert BY_NAME["move_by"](1.0, -2.0) == commands.MoveBy((1.0, -2.0))


def test_the_engine_applies_every_kind_of_command_in_one_place():
    """Each kind's class is a case of Steering._apply (a kind without one would be silently dropped)."""
    import inspect

    from logreg_tui.training.steering import Steering

    source = inspect.getsource(Steering._apply)
    for kind in typing.get_args(commands.Command):
        assert f"case {kind.__name__}(" in source, kind


@pytest.mark.parametrize("event,command", [
    (Event(3, "move", (0.0, 0.0), (1.5, -2.0)), MoveTo((1.5, -2.0))),
    (Event(3, "lr", 0.2, 0.4), Configure((("lr", 0.4),))),
    (Event(3, "restore", None, Event(3, "l2", 0.0, 0.01)), Configure((("l2", 0.01),))),
    (Event(3, "function", "a", "b"), None),
])
def test_a_recorded_change_becomes_the_command_that_made_it(event, command):
    assert from_event(event) == command


def test_a_command_sent_by_name_does_what_the_method_does():
    by_method, by_name = (Engine(make_tutorial_data(), TrainConfig(start_paused=True)) for _ in range(2))
    by_method.scale_lr(2)
    by_method.step_setting("l2")
    by_method.move_by(0.5, -1.0)
    for name, *args in (("scale_lr", 2), ("step_setting", "l2"), ("move_by", 0.5, -1.0)):
        by_name.send(BY_NAME[name](*args))
    one, other = by_method.run_epochs(5), by_name.run_epochs(5)
    assert one.settings == other.settings and one.settings.lr == 0.4 and one.settings.l2 == 1e-4
    assert one.theta == other.theta and [e.what for e in one.events] == [e.what for e in other.events]
