"""Optimizers, minibatches and a held-out split: every run equals a plain torch.optim loop, bit for bit."""

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from logreg_tui.core.model.data import DataError, make_tutorial_data
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import OPTIMIZERS, TrainConfig
from logreg_tui.core.words.formatting import format_number
from logreg_tui.training.engine import Engine
from logreg_tui.training.functions import BCEWithLogits, TutorialCrossEntropyWithLogits


def torch_optim(name: str, params, lr: float, momentum: float):
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    return torch.optim.SGD(params, lr=lr, momentum=momentum, nesterov=name == "nesterov")


def plain_loop(dataset, optimizer="sgd", lr=0.2, momentum=0.9, batch_size=0, val_frac=0.0, epochs=30,
               autograd="builtin", seed=None, l2=0.0, l1=0.0):
    """The loop a person would write with torch.optim: per epoch (mean batch loss, val loss), and the final w, b.

    The val loss is measured where the training loss is: full batch, at the w, b the epoch starts from;
    minibatches (whose loss is a mean over the epoch's steps), after them. With penalties, as a person adds them:
    to the loss before backward(); the losses recorded are the data's."""
    several = dataset.d > 1  # then x is N × d, w has d entries and z = x @ w + b
    x, y = torch.tensor(dataset.X if several else dataset.x), torch.tensor(dataset.y)
    held = round(dataset.n_points * val_frac)
    n = dataset.n_points - held
    x_train, y_train, x_val, y_val = x[:n], y[:n], x[n:], y[n:]
    w, b = torch.zeros(dataset.d, requires_grad=True), torch.zeros(1, requires_grad=True)
    opt = torch_optim(optimizer, [w, b], lr, momentum)
    generator = torch.Generator().manual_seed(dataset.seed if seed is None else seed)

    def loss_of(xs, ys):
        logits = xs @ w + b if several else w * xs + b
        if autograd == "custom":
            return BCEWithLogits.apply(logits, ys)
        return F.binary_cross_entropy(torch.sigmoid(logits), ys)

    losses, vals = [], []
    for _ in range(epochs):
        batches = [torch.arange(n)] if not batch_size or batch_size >= n else \
            torch.randperm(n, generator=generator).split(batch_size)
        batch_losses = []
        if held and len(batches) == 1:
            with torch.no_grad():
                vals.append(loss_of(x_val, y_val).item())
        for index in batches:
            loss = loss_of(x_train[index] if len(batches) > 1 else x_train, y_train[index] if len(batches) > 1 else y_train)
            opt.zero_grad()
            (loss + (l2 / 2 * w * w + l1 * w.abs()).sum() if l2 or l1 else loss).backward()
            opt.step()
            batch_losses.append(loss.item())
        losses.append(float(np.mean(batch_losses)))
        if held and len(batches) > 1:
            with torch.no_grad():
                vals.append(loss_of(x_val, y_val).item())
    if held:  # and where the run ended
        with torch.no_grad():
            vals.append(loss_of(x_val, y_val).item())
    return losses, vals, (w.tolist() if several else w.item()), b.item()


CASES = [(optimizer, batch, split) for optimizer in OPTIMIZERS for batch in (0, 64) for split in (0.0, 0.25)]


@pytest.mark.parametrize("optimizer,batch_size,val_frac", CASES)
def test_every_optimizer_batch_and_split_equals_a_torch_optim_loop(optimizer, batch_size, val_frac):
    dataset = make_tutorial_data(7, 300, 3.0)
    lr = 0.05 if optimizer == "adam" else 0.1
    losses, vals, w, b = plain_loop(dataset, optimizer, lr, 0.8, batch_size, val_frac)
    engine = Engine(dataset, TrainConfig(settings=Settings(lr=lr, optimizer=optimizer, momentum=0.8, batch_size=batch_size, val_frac=val_frac), epochs=0))
    snapshot = engine.run_epochs(30)
    assert (snapshot.w, snapshot.b) == (w, b)  # bit for bit
    if batch_size:  # the mean of the batches' losses, summed on the device in float32
        np.testing.assert_allclose(snapshot.history.recent, losses, rtol=1e-6)
    else:
        assert snapshot.history.recent.tolist() == losses
    if val_frac:
        assert snapshot.val_history.recent.tolist() == vals[:-1]
        assert snapshot.val_loss == pytest.approx(vals[-1], abs=0)  # at the shown w, b: after the last epoch's steps
    else:
        assert snapshot.val_history is None and math.isnan(snapshot.val_loss)
    assert snapshot.steps == 30 * (-(-round(300 * (1 - val_frac)) // batch_size) if batch_size else 1)


@pytest.mark.parametrize("optimizer,batch_size,val_frac", CASES)
@pytest.mark.parametrize("penalties", [{}, {"l2": 0.01, "l1": 0.001}])
def test_two_features_every_optimizer_batch_split_and_penalty_equal_a_torch_optim_loop(optimizer, batch_size,
                                                                                      val_frac, penalties):
    from logreg_tui.core.model.data import make_shape_data

    dataset = make_shape_data("moons", 7, 300)
    lr = 0.05 if optimizer == "adam" else 0.1
    losses, vals, w, b = plain_loop(dataset, optimizer, lr, 0.8, batch_size, val_frac, epochs=20, **penalties)
    settings = Settings(lr=lr, optimizer=optimizer, momentum=0.8, batch_size=batch_size, val_frac=val_frac,
                        **penalties)
    snapshot = Engine(dataset, TrainConfig(settings=settings, epochs=0)).run_epochs(20)
    assert (list(snapshot.weights), snapshot.b) == (w, b)  # bit for bit
    np.testing.assert_allclose(snapshot.history.recent, losses, rtol=1e-6)
    if val_frac:
        assert snapshot.val_history.recent.tolist() == vals[:-1]


@pytest.mark.parametrize("d", [5, 30])
@pytest.mark.parametrize("optimizer,batch_size,val_frac", CASES)
def test_d_features_every_optimizer_batch_split_and_penalty_equal_a_torch_optim_loop(d, optimizer, batch_size,
                                                                                    val_frac):
    from test_model import features

    dataset = features(d, n=240)
    lr = 0.05 if optimizer == "adam" else 0.1
    penalties = {"l2": 0.01, "l1": 0.001} if batch_size else {}
    losses, vals, w, b = plain_loop(dataset, optimizer, lr, 0.8, batch_size, val_frac, epochs=10, seed=42,
                                    **penalties)
    settings = Settings(lr=lr, optimizer=optimizer, momentum=0.8, batch_size=batch_size, val_frac=val_frac,
                        **penalties)
    snapshot = Engine(dataset, TrainConfig(settings=settings, epochs=0)).run_epochs(10)  # a file's order: seed 42
    assert (list(snapshot.weights), snapshot.b) == (w, b)  # bit for bit
    np.testing.assert_allclose(snapshot.history.recent, losses, rtol=1e-6)
    if val_frac:
        assert snapshot.val_history.recent.tolist() == vals[:-1]


def test_a_custom_autograd_minibatch_run_equals_its_loop():
    dataset = make_tutorial_data(3, 500, 4.0)
    losses, _, w, b = plain_loop(dataset, "momentum", 0.1, 0.9, 16, 0.0, 5, autograd="custom")
    snapshot = Engine(dataset, TrainConfig(settings=Settings(lr=0.1, optimizer="momentum", batch_size=16, autograd="custom"), epochs=0)).run_epochs(5)
    assert (snapshot.w, snapshot.b) == (w, b)
    np.testing.assert_allclose(snapshot.history.recent, losses, rtol=1e-6)


@pytest.mark.parametrize("args,lines,final", [
    (["--optimizer", "adam", "--lr", "0.05", "--epochs", "301", "--log-every", "100"],
     ["0.69315", "0.09554", "0.07066", "0.06188"], "w: 2.7267, b: -5.4528"),
    (["--optimizer", "nesterov", "--lr", "0.1", "--momentum", "0.8", "--epochs", "201", "--log-every", "100"],
     ["0.69315", "0.09777", "0.07671"], "w: 2.1970, b: -4.1519"),
    (["--batch-size", "100", "--epochs", "21", "--log-every", "10", "--val-frac", "0.25"],
     ["0.48974 - Val: 0.35421", "0.17203 - Val: 0.13789", "0.13023 - Val: 0.09929"], "w: 1.5432, b: -2.6615"),
])
def test_the_issues_examples(cli, args, lines, final):
    result = cli("--headless", *args)
    assert result.returncode == 0, result.stderr
    *printed, last = result.stdout.splitlines()
    assert [line.split("Loss: ")[1] for line in printed] == lines and last == final


def test_the_default_run_is_still_the_tutorials(cli):
    result = cli("--headless")
    assert result.stdout.splitlines()[-2:] == ["Epochs:  1000 - Loss: 0.06434", "w: 2.6216, b: -5.1346"]


def test_json_has_the_optimizer_batch_split_and_validation_figures(cli):
    result = cli("--headless", "--json", "--optimizer", "momentum", "--momentum", "0.5", "--batch-size", "32",
                 "--val-frac", "0.2", "--epochs", "5")
    summary = json.loads(result.stdout)
    assert (summary["optimizer"], summary["momentum"], summary["batch_size"], summary["val_frac"]) == \
        ("momentum", 0.5, 32, 0.2)
    assert 0 < summary["val_loss"] < 0.7 and 0.5 < summary["val_accuracy"] <= 1
    assert summary["steps"] == 5 * 25  # 800 training points in batches of 32


@pytest.mark.parametrize("args,says", [
    (["--momentum", "1"], "--momentum"), (["--val-frac", "1"], "--val-frac"), (["--batch-size", "-1"], "--batch-size"),
    (["--optimizer", "rmsprop"], "--optimizer"), (["--n-points", "2", "--val-frac", "0.5"], "lacks one of the two"),
])
def test_bad_settings_get_one_line_and_exit_2(cli, args, says):
    result = cli("--headless", *args)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and says in result.stderr


def test_a_split_without_both_classes_is_refused():
    dataset = make_tutorial_data(42, 100, 4.0)
    with pytest.raises(DataError):
        dataset.check_split(0.999)  # one training point
    dataset.check_split(0.3)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_divergence_and_restore_keep_the_optimizers_state(optimizer):
    """Diverge, restore with a smaller lr, go on: equal to a loop that took the same good steps (state restored too).

    The tutorial's Function (gradient N times too large) at lr 1e38 overflows w·x + b in one step, whatever
    the optimizer.
    """
    dataset = make_tutorial_data(42, 200, 4.0)
    engine = Engine(dataset, TrainConfig(settings=Settings(lr=0.001, optimizer=optimizer, autograd="tutorial"), epochs=0))
    engine.run_epochs(20)
    engine.set_lr(1e38)
    diverged = engine.run_epochs(50)
    assert diverged.status == "diverged" and diverged.epoch == 20, diverged.message
    engine.set_lr(0.001)  # what - does after a divergence: on from the last finite w, b and optimizer state
    after = engine.run_epochs(10)
    assert after.status != "diverged" and after.epoch == 30
    x, y = torch.tensor(dataset.x), torch.tensor(dataset.y)
    w, b = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    opt = torch_optim(optimizer, [w, b], 0.001, 0.9)
    for _ in range(30):
        loss = TutorialCrossEntropyWithLogits.apply(w * x + b, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert (after.w, after.b) == (w.item(), b.item())


async def test_o_and_b_switch_optimizer_and_batch_size_live_and_the_stats_say_so():
    from apphelpers import make_app, snap, started, stat, until

    async with make_app("--val-frac", "0.2").run_test(size=(110, 36)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        w_before = snap(app).w
        await pilot.press("o", "o")
        await until(pilot, lambda: snap(app).optimizer == "nesterov", "nesterov")
        assert stat(app, "optim") == "nesterov β 0.9" and snap(app).w == w_before  # live, from the same w, b
        await pilot.press("b")
        await until(pilot, lambda: snap(app).batch_size == 256, "batch 256")
        steps = snap(app).steps
        await pilot.press("n")
        await until(pilot, lambda: snap(app).epoch == 11, "one more epoch")
        assert snap(app).steps == steps + 4  # 800 training points in batches of 256
        assert stat(app, "batch") == "256" and stat(app, "steps") == str(steps + 4)
        assert stat(app, "held out") == "200" and stat(app, "val loss") == format_number(snap(app).val_loss)
        assert "val" in "\n".join(app.query_one("#loss").plain_lines)  # the legend of the second curve
        for expected in ("adam", "sgd"):
            await pilot.press("o")
            await until(pilot, lambda: snap(app).optimizer == expected, expected)
        for expected in (64, 16, 1, 0):
            await pilot.press("b")
            await until(pilot, lambda: snap(app).batch_size == expected, f"batch {expected}")
        assert stat(app, "batch") == "full" and stat(app, "optim") == "sgd"


async def test_without_a_split_the_stats_have_no_validation_lines():
    from apphelpers import make_app, started

    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        labels = [line.split()[0] for line in app.query_one("#stats").plain_lines if line]
        assert "val" not in labels and "optim" in labels and "batch" in labels
