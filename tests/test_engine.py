import threading
import time

import numpy as np
import pytest
from conftest import TUTORIAL_LINES, wait_for

from logreg_tui.core.model.data import load_csv, make_tutorial_data
from logreg_tui.core.model.history import LossHistory
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import LR_MAX, LR_MIN, TrainConfig
from logreg_tui.training.engine import Engine


def tutorial_run(mode: str, lr: float) -> tuple[list[str], object]:
    engine = Engine(make_tutorial_data(), TrainConfig(settings=Settings(lr=lr, autograd=mode)))
    lines, done = [], 0
    for epoch in range(0, 1001, 100):
        snapshot, done = engine.run_epochs(epoch + 1 - done), epoch + 1
        lines.append(f"Epochs: {epoch:5d} - Loss: {snapshot.last_loss:.5f}")  # the epoch's loss, at its start
    return lines, snapshot


@pytest.mark.parametrize("mode,lr", [("builtin", 0.2), ("custom", 0.2), ("tutorial", 0.0002)])
def test_the_tutorials_eleven_lines_and_final_parameters(mode, lr):
    lines, snapshot = tutorial_run(mode, lr)
    assert lines == TUTORIAL_LINES
    assert f"{snapshot.w:.4f}, {snapshot.b:.4f}" == "2.6216, -5.1346"
    assert snapshot.epoch == 1001 and snapshot.status == "running"
    assert snapshot.accuracy == pytest.approx(0.984)


def test_every_epoch_matches_the_tutorials_loop_with_torch_optim_sgd_bit_for_bit():
    """The engine's hand-rolled SGD step is torch.optim.SGD's, to the last bit, through an lr change."""
    import torch
    import torch.nn.functional as F

    data = make_tutorial_data()
    x, y = torch.tensor(data.x), torch.tensor(data.y)
    w, b = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.2)
    losses = []
    for epoch in range(1001):
        if epoch == 500:
            optimizer.param_groups[0]["lr"] = 0.05
        loss = F.binary_cross_entropy(torch.sigmoid(w * x + b), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    engine = Engine(data, TrainConfig(settings=Settings(lr=0.2), epochs=0))
    engine.run_epochs(500)
    engine.set_lr(0.05)
    snapshot = engine.run_epochs(501)
    assert list(snapshot.history.recent) == losses
    assert (snapshot.w, snapshot.b) == (w.item(), b.item())


@pytest.mark.parametrize("seed,n,lr", [(0, 10, 0.5), (7, 333, 0.05), (123, 5000, 1.0), (9, 2, 0.3)])
def test_builtin_and_custom_agree_elsewhere(seed, n, lr):
    results = {}
    for mode in ("builtin", "custom"):
        engine = Engine(make_tutorial_data(seed, n, 2.0), TrainConfig(settings=Settings(lr=lr, autograd=mode)))
        results[mode] = engine.run_epochs(300)
    a, b = results["builtin"], results["custom"]
    assert a.loss == pytest.approx(b.loss, rel=1e-4)
    assert (a.w, a.b) == pytest.approx((b.w, b.b), rel=1e-4, abs=1e-6)
    np.testing.assert_allclose(a.history.recent, b.history.recent, rtol=1e-4)


def test_tutorial_mode_gradient_is_n_times_the_true_one():
    data = make_tutorial_data(42, 201, 4.0)  # odd N: dL/db at w = b = 0 is (0.5·201 − 100)/201, not 0
    true = Engine(data, TrainConfig(settings=Settings(autograd="custom"))).run_epochs(0)  # both at w = b = 0
    tutorial = Engine(data, TrainConfig(settings=Settings(autograd="tutorial"))).run_epochs(0)
    assert tutorial.grad_w == pytest.approx(201 * true.grad_w, rel=1e-5)
    assert tutorial.grad_b == pytest.approx(201 * true.grad_b, rel=1e-5)


def test_first_snapshot_before_any_epoch():
    snapshot = Engine(make_tutorial_data(), TrainConfig(start_paused=True)).latest
    assert snapshot.status == "paused" and snapshot.epoch == 0
    # what the panel shows describes w = b = 0 before any epoch: ln 2, half the points right, the first gradient
    first = Engine(make_tutorial_data(), TrainConfig()).run_epochs(1)
    x, y = make_tutorial_data().x.astype(np.float64), make_tutorial_data().y.astype(np.float64)
    assert snapshot.loss == first.history.recent[0] == first.last_loss
    assert (snapshot.grad_w, snapshot.grad_b) == pytest.approx((np.mean((0.5 - y) * x), np.mean(0.5 - y)), abs=1e-6)
    assert snapshot.loss == pytest.approx(np.log(2)) and snapshot.accuracy == 0.5 and snapshot.history.count == 0
    assert (snapshot.w, snapshot.b, snapshot.lr, snapshot.autograd) == (0.0, 0.0, 0.2, "builtin")
    assert snapshot.seed == 42 and snapshot.n_points == 1000 and snapshot.device == "cpu"


def test_snapshots_are_immutable_and_not_shared():
    engine = Engine(make_tutorial_data())
    first = engine.run_epochs(10)
    with pytest.raises(AttributeError):
        first.epoch = 3
    with pytest.raises(ValueError):
        first.history.recent[0] = 0.0
    recent = first.history.recent.copy()
    engine.run_epochs(10)
    np.testing.assert_array_equal(first.history.recent, recent)
    assert first.history.count == 10 and engine.latest.history.count == 20


class Running:
    """An engine whose loop runs in a thread, as the app's worker runs it."""

    def __init__(self, dataset=None, **config):
        config.setdefault("start_paused", True)
        config.setdefault("publish_interval", 0.01)
        settings = Settings(**{name: config.pop(name) for name in list(config) if name in Settings.__dataclass_fields__})
        self.engine = Engine(dataset or make_tutorial_data(), TrainConfig(settings=settings, **config))
        self.thread = threading.Thread(target=self.engine.run, daemon=True)
        self.thread.start()

    def until(self, condition, what="condition", timeout=10.0):
        return wait_for(lambda: condition(self.engine.latest) and self.engine.latest, timeout, what)

    def close(self):
        self.engine.close()
        self.thread.join(timeout=2)
        assert not self.thread.is_alive()


@pytest.fixture
def running():
    runs = []

    def start(dataset=None, **config):
        runs.append(Running(dataset, **config))
        return runs[-1]

    yield start
    for run in runs:
        run.close()


def test_step_gives_exactly_k_epochs_and_pauses(running):
    run = running()
    run.engine.step(1)
    run.until(lambda s: s.epoch == 1, "one step")
    run.engine.step(10)
    snapshot = run.until(lambda s: s.epoch == 11, "ten steps")
    assert snapshot.status == "paused"
    # stepping while running pauses first, then steps
    run.engine.resume()
    run.until(lambda s: s.status == "running" and s.epoch > 11)
    run.engine.step(5)
    before = run.until(lambda s: s.status == "paused").epoch
    snapshot = run.until(lambda s: s.epoch >= before and s.status == "paused")
    assert snapshot.status == "paused"


def test_pause_and_resume(running):
    run = running(epochs=0)
    run.engine.resume()
    run.until(lambda s: s.epoch > 50, "training")
    run.engine.pause()
    paused = run.until(lambda s: s.status == "paused")
    threading.Event().wait(0.1)
    assert run.engine.latest.epoch == paused.epoch


def test_set_lr_keeps_w_and_b(running):
    run = running()
    run.engine.step(20)
    before = run.until(lambda s: s.epoch == 20)
    run.engine.scale_lr(2)
    after = run.until(lambda s: s.lr == 0.4)
    assert (after.w, after.b, after.epoch) == (before.w, before.b, 20)
    run.engine.set_lr(1e9)  # beyond the keys' range: a step away does nothing, a step toward it lands in it
    run.engine.scale_lr(2)
    run.engine.scale_lr(0.5)
    assert run.until(lambda s: s.lr == LR_MAX).lr == LR_MAX
    run.engine.set_lr(1e-9)
    run.engine.scale_lr(0.5)
    run.engine.scale_lr(2)
    assert run.until(lambda s: s.lr == LR_MIN).lr == LR_MIN


def test_lr_and_speed_ladders_stay_on_their_grid_through_the_clamps(running):
    run = running(speed=100.0)
    for _ in range(20):
        run.engine.scale_lr(2)  # 0.2 · 2^12 = 819.2; one more would pass LR_MAX
    assert run.until(lambda s: s.lr == 0.2 * 2**12).lr == 819.2
    for _ in range(12):
        run.engine.scale_lr(0.5)
    run.engine.step(1)  # a command after the twelve: the snapshot after it has seen them all
    assert run.until(lambda s: s.epoch == 1).lr == 0.2
    for _ in range(30):
        run.engine.scale_lr(0.5)
    low = run.until(lambda s: s.lr < 1e-5).lr
    assert LR_MIN <= low < 2 * LR_MIN and low == 0.2 * 2.0 ** round(np.log2(low / 0.2))
    ladder = [(0.5, 12, 100 / 2**8), (2, 8, 100.0), (2, 6, 6400.0), (2, 3, None), (0.5, 1, 6400.0), (0.5, 6, 100.0)]
    for factor, presses, expected in ladder:  # to the floor (0.39; 0.195 is under it), up to max, and back
        for _ in range(presses):
            run.engine.scale_speed(factor)
        assert run.until(lambda s: s.speed == expected, f"speed {expected}").speed == expected


def test_speed_figure_never_exceeds_its_cap(running):
    run = running(speed=100.0, start_paused=False)
    rates = []
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        rates.append(run.engine.latest.epochs_per_second)
        time.sleep(0.01)
    assert 0 < max(rates) <= 100.0


def test_reseed_changes_data_and_resets_parameters_keeping_lr_and_mode(running):
    run = running(lr=0.1, autograd="custom")
    run.engine.step(30)
    before = run.until(lambda s: s.epoch == 30)
    run.engine.reseed()
    after = run.until(lambda s: s.seed == 43)
    assert (after.epoch, after.w, after.b, after.history.count) == (0, 0.0, 0.0, 0)
    assert (after.lr, after.autograd, after.n_points) == (0.1, "custom", 1000)
    assert not np.array_equal(after.dataset.x, before.dataset.x)
    run.engine.reseed(42)
    assert run.until(lambda s: s.seed == 42).dataset.x[0] == before.dataset.x[0]


def test_reseed_of_file_data_says_why(running, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("1,1\n-1,0\n2,1\n")
    run = running(load_csv(path))
    run.engine.reseed()
    snapshot = run.until(lambda s: s.message, "a message")
    assert "cannot be reseeded" in snapshot.message and snapshot.n_points == 3


def test_reset_keeps_data(running):
    run = running()
    run.engine.step(15)
    before = run.until(lambda s: s.epoch == 15)
    run.engine.reset()
    after = run.until(lambda s: s.epoch == 0)
    assert (after.w, after.b) == (0.0, 0.0) and after.dataset is before.dataset


def test_set_mode_keeps_parameters_and_training_continues_the_same(running):
    run = running()
    run.engine.step(100)
    run.until(lambda s: s.epoch == 100)
    run.engine.set_autograd("custom")
    run.engine.step(901)
    snapshot = run.until(lambda s: s.epoch == 1001 and s.autograd == "custom")
    assert f"{snapshot.last_loss:.5f}" == "0.06434" and f"{snapshot.w:.4f}" == "2.6216"


def test_epoch_budget_ends_in_done_and_resume_grants_another(running):
    run = running(epochs=40)
    run.engine.resume()
    done = run.until(lambda s: s.status == "done", "done")
    assert done.epoch == 40 and done.epochs_per_second == 0
    run.engine.toggle_pause()
    assert run.until(lambda s: s.status == "done" and s.epoch == 80).stop_at == 80


def test_speed_cap_limits_epochs_per_second(running):
    run = running(speed=50, epochs=0)
    run.engine.resume()
    first = run.until(lambda s: s.epoch >= 1)
    threading.Event().wait(1.0)
    later = run.engine.latest
    assert 30 <= later.epoch - first.epoch <= 60
    run.engine.set_speed(None)
    run.until(lambda s: s.epoch > later.epoch + 200, "uncapped")


def test_uncapped_training_publishes_at_its_own_interval(running):
    run = running(speed=2000, epochs=0, publish_interval=0.01, uncapped_publish_interval=0.25)

    def publishes_in_a_second() -> int:
        first = run.engine.latest.version
        threading.Event().wait(1.0)
        return run.engine.latest.version - first

    run.engine.resume()
    # capped: every 0.01 s, so many more than the uncapped 2 … 5 below (17 seen on a loaded 2-core machine)
    assert publishes_in_a_second() >= 10
    run.engine.set_speed(None)
    run.until(lambda s: s.speed is None)
    assert 2 <= publishes_in_a_second() <= 5


def test_close_returns_at_once_while_paused(running):
    run = running()
    threading.Event().wait(0.1)
    run.engine.close()
    run.thread.join(timeout=0.5)
    assert not run.thread.is_alive()


def test_divergence_stops_names_epoch_and_lr_then_recovers(running):
    run = running(lr=1e38, epochs=0)
    run.engine.resume()
    diverged = run.until(lambda s: s.status == "diverged", "divergence")
    assert "diverged at epoch" in diverged.message and "1e+38" in diverged.message
    assert np.isfinite(diverged.history.recent).all()
    run.engine.set_lr(0.2)  # a sane lr brings back the last finite parameters, paused
    recovered = run.until(lambda s: s.status == "paused")
    assert np.isfinite([recovered.w, recovered.b, recovered.loss]).all()
    assert recovered.message == f"going on from epoch {recovered.epoch}'s w, b after lr 1e+38 → 0.2; space runs"
    run.engine.reset()
    run.engine.step(1001)
    assert f"{run.until(lambda s: s.epoch == 1001).last_loss:.5f}" == "0.06434"


def test_history_memory_is_bounded_and_summaries_are_right():
    history = LossHistory()
    history.extend(np.full(10_000, 2.0))
    small = history.nbytes
    for _ in range(100):
        history.extend(np.linspace(1.0, 0.0, 100_000))
    assert history.count == 10_010_000 and history.nbytes == small
    view = history.view()
    assert view.bucket_min.size <= 2048 and view.recent.size == 4096
    assert view.bucket_max[0] == 2.0 and view.bucket_min.min() == 0.0
    assert view.recent[-1] == 0.0 and history.last == 0.0


def test_history_buckets_are_exact_min_max_mean():
    history = LossHistory(recent=4, buckets=4)
    history.extend([5.0, 1, 2, 3, 4, 6, 0, 8, 9])
    view = history.view()
    assert view.bucket_width == 4 and not view.is_exact
    np.testing.assert_array_equal(view.bucket_min, [1, 0, 9])
    np.testing.assert_array_equal(view.bucket_max, [5, 8, 9])
    np.testing.assert_array_equal(view.bucket_mean, [2.75, 4.5, 9])
    np.testing.assert_array_equal(view.recent, [6, 0, 8, 9])


@pytest.mark.parametrize("recent", [4, 7, 4096])
def test_history_keeps_exactly_the_last_losses_whatever_the_chunk_sizes(recent):
    rng = np.random.default_rng(recent)
    history, everything = LossHistory(recent=recent, buckets=8), []
    for _ in range(100):
        chunk = rng.random(int(rng.integers(0, 3 * recent)))
        history.extend(chunk)
        everything.extend(chunk)
        np.testing.assert_array_equal(history.view().recent, everything[-recent:])
        assert history.last == everything[-1] if everything else np.isnan(history.last)


def test_nothing_listens_on_the_network_unless_served_and_no_pickle_is_loaded():
    from pathlib import Path

    import logreg_tui

    for source in Path(logreg_tui.__file__).parent.glob("*.py"):
        text = source.read_text()
        for banned in ("pickle", "torch.load", "urllib", "asyncio.start_server"):
            assert banned not in text, f"{source.name} mentions {banned}"
        if source.name not in ("serve.py", "serve_guard.py"):  # --serve listens, when asked, on loopback
            for banned in ("socket", "http"):
                assert banned not in text, f"{source.name} mentions {banned}"


def test_the_engine_tells_of_the_answers_to_commands_and_not_of_epochs():
    """on_answer: the publish that follows commands, in the engine's thread; training alone never calls it."""
    answers = []
    run = Running(speed=None, epochs=0, start_paused=False)
    run.engine.on_answer = answers.append
    try:
        run.until(lambda s: s.epoch > 200, "training")
        time.sleep(0.3)
        assert answers == []  # hundreds of epochs and several publishes: no answer without a command
        run.engine.set_lr(0.4)
        wait_for(lambda: answers, 5, "an answer")
        assert answers[-1].lr == 0.4
        run.engine.pause()
        wait_for(lambda: answers[-1].status == "paused", 5, "the pause's answer")
        assert len(answers) <= 2
    finally:
        run.close()
