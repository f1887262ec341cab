"""The app's link to an engine that may not exist yet (tui/link.py), without Pilot."""

from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.state import TrainConfig, before_training
from logreg_tui.training.engine import Engine
from logreg_tui.tui.link import EngineLink


def test_before_the_engine_the_link_shows_what_is_known_and_queues_commands():
    dataset = make_tutorial_data()
    shown = before_training(dataset, TrainConfig())
    link = EngineLink(shown)
    assert link.latest is shown and not link.ready
    assert link.send(lambda engine: engine.set_lr(0.5)) == 1
    assert link.send(lambda engine: engine.step(2)) == 2
    assert not link.release()  # no engine yet: nothing to release
    link.close()  # nothing to close either, and no error


def test_queued_commands_apply_in_order_at_epoch_zero_then_commands_go_straight_through():
    dataset = make_tutorial_data()
    link = EngineLink(before_training(dataset, TrainConfig()))
    link.send(lambda engine: engine.set_lr(0.5))
    link.send(lambda engine: engine.scale_lr(2))
    engine = Engine(dataset, TrainConfig(start_paused=True), held=True)
    link.engine = engine
    assert not link.ready and link.release() and link.ready
    assert not link.release()  # once only
    snapshot = engine.run_epochs(1)
    assert snapshot.lr == 1.0 and [(event.epoch, event.what) for event in snapshot.events] == [(0, "lr 0.2 → 1")]
    assert link.send(lambda engine: engine.set_lr(0.1)) == 0  # sent, not queued
    assert engine.run_epochs(0).lr == 0.1 and link.latest is engine.latest
    link.close()
