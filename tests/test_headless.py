"""Headless and CLI: every reported figure is true, no option is silently ignored, memory stays low."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import TUTORIAL_LINES, wait_for
from terminal import catches, cpu_seconds

from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import TrainConfig
from logreg_tui.training.engine import Engine
from logreg_tui.training.functions import TutorialCrossEntropyWithLogits

ROOT = Path(__file__).parent.parent


def first_bad_epoch(mode: str, lr: float, limit: int = 3000) -> int | None:
    """The first epoch of a plain torch.optim.SGD loop whose loss, logits or updated w, b are not finite."""
    bad = bad_epoch_and_kept(mode, lr, limit)
    return bad and bad[0]


def bad_epoch_and_kept(mode: str, lr: float, limit: int = 3000) -> tuple[int, int] | None:
    """(the first bad epoch, the epochs a run keeps): when the bad epoch's loss or logits are not finite, the w, b it
    started from are already bad, so the last w, b with a finite loss are one epoch further back."""
    data = make_tutorial_data()
    x, y = torch.tensor(data.x), torch.tensor(data.y)
    w, b = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    for epoch in range(limit):
        logits = w * x + b
        if mode == "builtin":
            loss = F.binary_cross_entropy(torch.sigmoid(logits), y)
        else:
            loss = TutorialCrossEntropyWithLogits.apply(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        values = torch.cat([loss.reshape(1), logits, w.detach(), b.detach()])
        if not torch.isfinite(values).all():
            at_start = not torch.isfinite(torch.cat([loss.reshape(1), logits])).all()
            return epoch, epoch - 1 if at_start else epoch
    return None


# (mode, lr): at once, and later than the 256 epochs that may wait on the device before they are checked
DIVERGING = [("tutorial", 1000), ("tutorial", 0.2), ("tutorial", 0.002), ("tutorial", 0.001), ("tutorial", 0.0005)]


@pytest.mark.parametrize("mode,lr", DIVERGING)
def test_divergence_stops_at_the_last_finite_loss(cli, mode, lr):
    bad, kept = bad_epoch_and_kept(mode, lr)
    result = cli("--headless", "--json", "--autograd", mode, "--lr", str(lr), "--epochs", "3000")
    assert result.returncode == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"logreg-tui: diverged at epoch {bad} with lr {lr:g}: ")
    summary = json.loads(result.stdout)
    assert summary["status"] == "diverged" and summary["epochs"] == kept
    assert f"diverged at epoch {bad}" in summary["message"] and f"back at epoch {kept}" in summary["message"]
    assert summary["history"]["epoch"] == list(range(kept))  # nothing from the bad epoch or after it
    assert summary["loss"] is not None  # the loss at the w, b it went back to is finite
    assert all(value is not None for value in summary["history"]["loss"])


def test_divergence_in_text_mode_prints_lines_up_to_it_only(cli):
    result = cli("--headless", "--autograd", "tutorial", "--lr", "1000", "--epochs", "2000", "--log-every", "1000")
    assert result.returncode == 3
    assert result.stdout.splitlines() == []  # epoch 0's line needs epoch 0 kept: its step already blew up
    assert "diverged at epoch 1 with lr 1000: one step took w·x + b to" in result.stderr
    assert "lr is too large" in result.stderr and "its steps are 1000× lr's" in result.stderr


@pytest.mark.parametrize("chunk", [1, 7, 100, 300])
def test_engine_rolls_back_to_the_epoch_before_divergence_whatever_the_chunks(chunk):
    bad, kept = bad_epoch_and_kept("tutorial", 0.001)
    engine = Engine(make_tutorial_data(), TrainConfig(settings=Settings(lr=0.001, autograd="tutorial"), epochs=0))
    while engine.latest.status != "diverged":
        engine.run_epochs(chunk)
    snapshot = engine.run_epochs(50)  # does nothing more: a diverged run waits for a command
    assert (bad, kept) == (271, 270) and snapshot.epoch == kept and snapshot.history.count == kept
    assert np.isfinite([snapshot.w, snapshot.b]).all()


def test_json_reports_done_and_the_rate_of_the_whole_run(cli):
    default = json.loads(cli("--headless", "--json").stdout)
    assert default["status"] == "done" and default["epochs"] == 1001 and default["epochs_per_second"] > 0
    engine = Engine(make_tutorial_data(), TrainConfig(epochs=0))
    engine.run_epochs(1)
    engine.run_epochs(2900)
    last = engine.run_epochs(99)
    assert last.epochs_per_second == pytest.approx(3000 / engine.training_seconds)


def test_epochs_0_runs_until_ctrl_c_then_prints_the_result_and_exits_130():
    for extra, parse in (((), None), (("--json",), json.loads)):
        process = subprocess.Popen([sys.executable, "-m", "logreg_tui", "--headless", "--epochs", "0", *extra],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        assert process.stdout is not None
        read = ""
        if parse is None:  # past the default 1001 epochs: its line for epoch 1100 is printed (and flushed)
            while not (line := process.stdout.readline()).startswith("Epochs:  1100") and line:
                read += line
            read += line
        else:  # training has begun (its signal handlers are set), then a second of its CPU: thousands of epochs,
            # on a loaded machine too (CPU, not wall time)
            wait_for(lambda: catches(process.pid, signal.SIGTERM), timeout=60, what="training to begin")
            begun = cpu_seconds(process.pid)
            wait_for(lambda: cpu_seconds(process.pid) >= begun + 1.0, timeout=60, what="a second of training")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        out = read + out
        assert process.returncode == 130, err
        epoch = int(err.strip().rsplit(" ", 1)[-1])
        assert err.startswith("logreg-tui: interrupted at epoch") and epoch > 1001
        if parse:
            summary = parse(out)
            assert summary["status"] == "interrupted" and summary["epochs"] == epoch
            history = summary["history"]  # every epoch trained is in it: the last row covers the last epoch
            assert history["epoch"][-1] < epoch <= history["epoch"][-1] + history["epochs_per_row"]
        else:
            lines = out.splitlines()
            assert lines[:11] == TUTORIAL_LINES and lines[-1].startswith("w: ")
            assert len(lines) - 1 == len(range(0, epoch, 100))  # a line for every 100 epochs trained, no more


@pytest.mark.parametrize("args,says", [
    (("--json",), "--json needs --headless"),
    (("--log-every", "5"), "--log-every needs --headless"),
    (("--headless", "--speed", "5"), "--speed is for the app"),
    (("--headless", "--paused"), "--paused is for the app"),
    (("--headless", "--fps", "5"), "--fps is for the app"),
    (("--gradcheck", "--log-every", "5"), "--log-every does nothing with --gradcheck"),
])
def test_options_for_the_other_mode_are_refused(cli, args, says):
    result = cli(*args, timeout=30)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and says in result.stderr


def test_gradcheck_json_is_a_report(cli):
    report = json.loads(cli("--gradcheck", "--json").stdout)
    assert report["custom"]["passed"] is True and report["tutorial"]["passed"] is False
    assert report["tutorial"]["bce_grad_ratio"] == pytest.approx(report["n"])
    assert report["custom"]["max_grad_error"] < 1e-12


def peak_rss_kb(*command: str) -> int:
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return int(result.stderr.strip().splitlines()[-1])


@pytest.mark.skipif(not Path("/usr/bin/time").exists(), reason="needs GNU time for the peak RSS")
@pytest.mark.slow
def test_headless_peak_memory_at_n_1e6_is_no_more_than_the_tutorials_loop():
    # 20 epochs: the peak is an epoch's (the data and one epoch's temporaries); 200 peaked within 1 % of 20 for both
    tutorial = peak_rss_kb(sys.executable, str(ROOT / "bench" / "tutorial_loop.py"), "1000000", "20")
    headless = peak_rss_kb(sys.executable, "-m", "logreg_tui", "--headless", "--n-points", "1000000",
                           "--epochs", "20")
    assert headless <= tutorial, (headless, tutorial)


def write_csv(path: Path, xs, labels) -> Path:
    path.write_text("x,label\n" + "".join(f"{x},{y}\n" for x, y in zip(xs, labels, strict=True)))
    return path


def test_large_x_gets_a_hint_and_standardize_trains_it(cli, tmp_path):
    rng = np.random.RandomState(0)
    xs = np.concatenate([rng.randn(200) * 1e5 + 1e6, rng.randn(200) * 1e5 + 1.4e6])
    labels = [0] * 200 + [1] * 200
    path = write_csv(tmp_path / "big.csv", xs, labels)
    plain = cli("--headless", "--data", str(path), "--json")
    hint, stuck = plain.stderr.splitlines()  # the hint before training; after it, why it got nowhere
    assert plain.returncode == 0 and "--standardize" in hint and "saturated: σ(w·x + b) is 0 or 1" in stuck
    scaled = cli("--headless", "--data", str(path), "--standardize", "--json")
    assert scaled.returncode == 0 and scaled.stderr == ""
    summary = json.loads(scaled.stdout)
    assert summary["accuracy"] > 0.9 > json.loads(plain.stdout)["accuracy"]
    units = summary["original_units"]
    assert units["x_mean"] == pytest.approx(xs.astype(np.float32).mean(), rel=1e-6)
    # the same decision on the original x as on the standardized x
    z = (xs - units["x_mean"]) / units["x_std"]
    np.testing.assert_allclose(units["w"] * xs + units["b"], summary["w"] * z + summary["b"], rtol=1e-4, atol=1e-4)
    text = cli("--headless", "--data", str(path), "--standardize").stdout.splitlines()[-1]
    assert text.startswith("w: ") and "original x: w: " in text


def test_export_describes_the_run_as_it_is_with_the_users_umask(tmp_path):
    from logreg_tui.core.files.export import export_run
    from logreg_tui.core.model.options import parse_options

    options = parse_options(["--paused"])
    engine = Engine(make_tutorial_data(), TrainConfig(settings=Settings(lr=0.2), epochs=0))
    engine.reseed()
    engine.scale_lr(0.5)
    engine.set_autograd("custom")
    snapshot = engine.run_epochs(3)
    old = os.umask(0o022)
    try:
        csv_path, json_path, _ = export_run(tmp_path, options, snapshot)
    finally:
        os.umask(old)
    config = json.loads(json_path.read_text())["config"]
    assert (config["seed"], config["data"], config["lr"], config["autograd"]) == (43, "seed 43", 0.1, "custom")
    assert csv_path.name == "logreg-seed43-epoch3.csv"
    assert oct(csv_path.stat().st_mode & 0o777) == oct(json_path.stat().st_mode & 0o777) == "0o644"


def test_exported_file_names_drop_the_data_files_extension(tmp_path):
    from logreg_tui.core.files.export import export_run
    from logreg_tui.core.model.data import load_csv
    from logreg_tui.core.model.options import parse_options

    data = load_csv(write_csv(tmp_path / "x.csv", [-2, -1, 1, 2], [0, 0, 1, 1]))
    csv_path, json_path, _ = export_run(tmp_path, parse_options(["--paused"]), Engine(data).run_epochs(379))
    assert (csv_path.name, json_path.name) == ("logreg-x-epoch379.csv", "logreg-x-epoch379.json")


def test_readme_puts_the_cpu_torch_step_before_the_first_install():
    readme = (ROOT / "README.md").read_text()
    before_install = readme.split("pip install . && logreg-tui", 1)[0]
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in before_install
    assert 'python -c "import torch; print(torch.__version__, torch.cuda.is_available())"' in before_install
