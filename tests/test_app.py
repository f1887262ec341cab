"""Pilot tests: real key presses against the app; each checks the engine's snapshot and the screen text."""

import dataclasses
import math
import random
import re
import sys

import pytest
from apphelpers import make_app, message, settle, snap, started, stat, training_beyond, until

from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.pacing import FLAT_OUT_PLOT_FPS, FLAT_OUT_STATS_FPS
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import LR_MAX, LR_MIN, TrainConfig
from logreg_tui.core.words.formatting import format_number
from logreg_tui.training.engine import Engine
from logreg_tui.tui.screens import HelpScreen
from logreg_tui.tui.stats import STATS, VALUE_WIDTH


async def test_opens_paused_at_epoch_zero_with_every_stat():
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        assert snap(app).status == "paused" and snap(app).epoch == 0
        for label in ("status", "epoch", "loss", "acc", "lr", "w", "b", "dL/dw", "dL/db", "autograd",
                      "speed", "seed", "N", "device"):
            stat(app, label)
        assert stat(app, "status") == "paused" and stat(app, "epoch") == "0 / 1001"
        assert stat(app, "lr") == "0.2" and stat(app, "N") == "1000" and stat(app, "seed") == "42"
        assert stat(app, "loss") == "0.693147" and stat(app, "speed") == "0/s cap 100"  # at w = b = 0


def test_every_stat_fits_the_panel_even_for_long_runs():
    engine = Engine(make_tutorial_data(42, 1000, 4.0), TrainConfig(settings=Settings(val_frac=0.5), epochs=1_000_000))
    figures = engine.latest.with_figures(loss=-1.23457e-05, theta=(-123456.7, 1e300), val_loss=-1.23457e-05,
                                         val_accuracy=0.123456)
    extreme = dataclasses.replace(figures, epoch=1_000_000, stop_at=1_000_000, epochs_per_second=99_999.0,
                                  speed=6400.0, device="cuda:12", steps=123_456_789,
                                  settings=dataclasses.replace(engine.latest.settings, optimizer="nesterov",
                                                               momentum=0.123456, batch_size=256))
    values = {label: value(extreme) for label, value in STATS}
    assert values["epoch"] == "1000000/1M" and values["speed"] == "99999/s cap 6400"
    assert values["held out"] == "500" and values["val loss"] == "-1.23457e-05"  # the split's lines are there
    assert all(len(value) <= VALUE_WIDTH for value in values.values() if value is not None), values


async def test_n_and_shift_n_step_exactly_one_and_ten():
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("n")
        await until(pilot, lambda: snap(app).epoch == 1)
        # every figure is at the shown w, b: after the first step (the curve's epoch-0 point stays ln 2)
        assert stat(app, "epoch") == "1 / 1001" and stat(app, "loss") == "0.538637"
        assert snap(app).history.recent.tolist() == [pytest.approx(math.log(2))]
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 11)
        await pilot.pause(0.3)
        assert snap(app).epoch == 11 and stat(app, "epoch") == "11 / 1001" and snap(app).status == "paused"


async def test_space_runs_and_pauses():
    async with make_app("--speed", "200").run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("space")
        await until(pilot, lambda: snap(app).epoch > 20, "training")
        assert stat(app, "status") == "running"
        await pilot.press("space")
        await until(pilot, lambda: snap(app).status == "paused")
        stopped = snap(app).epoch
        await pilot.pause(0.3)
        assert snap(app).epoch == stopped and stat(app, "status") == "paused"
        assert stat(app, "epoch") == f"{stopped} / 1001"


async def test_n_while_running_pauses_then_steps():
    async with make_app("--speed", "max", "--epochs", "0").run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await training_beyond(pilot, 50)
        await pilot.press("n")
        await until(pilot, lambda: snap(app).status == "paused")
        paused_at = snap(app).epoch
        await pilot.press("n")
        await until(pilot, lambda: snap(app).epoch == paused_at + 1)


async def test_plus_and_minus_scale_lr_without_touching_w_b():
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        before = snap(app)
        await pilot.press("plus")
        await until(pilot, lambda: snap(app).lr == 0.4)
        assert (snap(app).w, snap(app).b, snap(app).epoch) == (before.w, before.b, 10)
        assert stat(app, "lr") == "0.4"
        await pilot.press("minus", "minus", "minus", "minus")
        await until(pilot, lambda: snap(app).lr == 0.025)
        assert stat(app, "lr") == "0.025" and snap(app).w == before.w


async def test_r_reseeds_new_data_and_resets():
    async with make_app("--lr", "0.1").run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        old_x = snap(app).dataset.x
        await pilot.press("r")
        await until(pilot, lambda: snap(app).seed == 43)
        now = snap(app)
        assert (now.epoch, now.w, now.b, now.lr) == (0, 0.0, 0.0, 0.1)
        assert not (now.dataset.x == old_x).all()
        assert stat(app, "seed") == "43" and stat(app, "epoch") == "0 / 1001"


async def test_z_resets_on_the_same_data():
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        data = snap(app).dataset
        await pilot.press("z")
        await until(pilot, lambda: snap(app).epoch == 0)
        assert snap(app).dataset is data and (snap(app).w, snap(app).b) == (0.0, 0.0)
        assert stat(app, "w") == "0" and stat(app, "epoch") == "0 / 1001"


@pytest.mark.parametrize("start,other", [("builtin", "custom"), ("tutorial", "builtin")])
async def test_a_toggles_autograd_keeping_w_b(start, other):
    lr = ("--lr", "0.0002") if start == "tutorial" else ()  # the tutorial's N-times gradient diverges at 0.2
    async with make_app("--autograd", start, *lr).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        before = snap(app)
        await pilot.press("a")
        await until(pilot, lambda: snap(app).autograd == other)
        assert (snap(app).w, snap(app).b) == (before.w, before.b) and stat(app, "autograd") == other
        await pilot.press("a")
        await until(pilot, lambda: snap(app).autograd == start)


async def test_l_and_s_change_the_loss_plot():
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("N", "N")
        await until(pilot, lambda: snap(app).epoch == 20)
        plot = app.query_one("#loss")
        plain = list(plot.plain_lines)
        await pilot.press("l")
        await settle(pilot)
        assert "log scale" in plot.plain_lines[0] and plot.plain_lines != plain
        assert any(re.search(r"\b0\.1┤|\b1┤", line) for line in plot.plain_lines)
        await pilot.press("s")
        await settle(pilot)
        assert "smoothed" in plot.plain_lines[0]
        await pilot.press("l", "s")
        await settle(pilot)
        assert plot.plain_lines == plain


async def test_brackets_change_the_speed_cap_up_to_max():
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: snap(app).speed == 50)
        assert stat(app, "speed") == "0/s cap 50"
        for _ in range(8):
            await pilot.press("right_square_bracket")
        await until(pilot, lambda: snap(app).speed is None)
        assert stat(app, "speed") == "0/s cap max"
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: snap(app).speed == 6400)


async def test_budget_ends_in_done_and_space_continues():
    async with make_app("--epochs", "30", "--speed", "max").run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("space")
        await until(pilot, lambda: snap(app).status == "done", "done")
        assert snap(app).epoch == 30 and stat(app, "status") == "done" and stat(app, "epoch") == "30 / 30"
        await pilot.press("space")
        await until(pilot, lambda: snap(app).status == "done" and snap(app).epoch == 60)


async def test_e_exports_csv_and_json_never_overwriting(tmp_path):
    async with make_app(directory=tmp_path).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        await pilot.press("e")
        await pilot.pause(0.1)
        await pilot.press("e")
        await pilot.pause(0.1)
        csvs = sorted(p.name for p in tmp_path.glob("*.csv"))
        assert csvs == ["logreg-seed42-epoch10-1.csv", "logreg-seed42-epoch10.csv"]
        assert len(list(tmp_path.glob("*.json"))) == 2 and not list(tmp_path.glob(".*.tmp"))
        rows = (tmp_path / csvs[1]).read_text().splitlines()
        assert rows[0] == "epoch,loss,w,b" and len(rows) == 11 and rows[1].startswith("0,0.6931")
        assert rows[1].endswith(",0.0,0.0")  # the loss of epoch 0 is at the start, w = b = 0
        epoch9 = [float(v) for v in rows[10].split(",")]
        path = snap(app).path
        assert (epoch9[2], epoch9[3]) == (path.w[9], path.b[9]) and path.epoch[9] == 9
        assert "exported" in message(app) and csvs[0] in message(app)


async def test_export_to_an_unwritable_directory_says_so_and_carries_on(tmp_path):
    missing = tmp_path / "gone"
    async with make_app(directory=missing).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("e")
        await pilot.pause(0.1)
        assert "export failed" in message(app)
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert "screenshot failed" in message(app)
        await pilot.press("n")
        await until(pilot, lambda: snap(app).epoch == 1)


async def test_ctrl_s_saves_an_svg(tmp_path):
    async with make_app(directory=tmp_path).run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        (svg,) = tmp_path.glob("*.svg")
        assert svg.read_text().startswith("<svg") and svg.name in message(pilot.app)


async def test_question_mark_opens_help_listing_every_key_and_esc_closes_it():
    async with make_app().run_test(size=(100, 40)) as pilot:
        app = await started(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.plain_text
        for key in ("space", "n ", "N ", "+ ", "- ", "r ", "z ", "a ", "l ", "s ", "[ ", "] ", "e ", "ctrl+s", "? ",
                    "q ", "--seed", "--lr", "--speed", "--fps", "--low-bandwidth"):
            assert key in text, key
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, HelpScreen)


async def test_every_action_is_in_the_command_palette():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for label in ("pause", "step", "lr×2", "lr÷2", "reseed", "reset", "autograd", "log-y", "smooth",
                      "slower", "faster", "export", "svg", "help", "quit"):
            assert any(title.startswith(label + " (") for title in titles), label


async def test_q_quits_and_stops_the_engine_thread():
    app = make_app("--speed", "max", "--epochs", "0")
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await training_beyond(pilot, 10)
        await pilot.press("q")
        await pilot.pause(0.2)
    assert app.engine._closed.is_set() and not app.is_running


async def test_nothing_is_redrawn_while_paused():
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        await settle(pilot)
        widgets = [app.query_one(name) for name in ("#loss", "#data", "#stats")]
        before = [w.frames_shown for w in widgets] + [app.query_one("#loss").builds]
        await pilot.pause(1.0)
        assert [w.frames_shown for w in widgets] + [app.query_one("#loss").builds] == before


async def test_at_full_speed_plots_update_less_often_than_the_stats_and_the_plot_process_draws_them():
    async with make_app("--speed", "max", "--epochs", "0").run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await training_beyond(pilot, 100)
        stats, loss = app.query_one("#stats"), app.query_one("#loss")
        frames, builds, drawn = stats.frames_shown, loss.builds, app.plot_process.drawn
        await pilot.pause(2.0)
        frames, builds, drawn = stats.frames_shown - frames, loss.builds - builds, app.plot_process.drawn - drawn
        assert 4 <= frames <= 2 * FLAT_OUT_STATS_FPS + 1, frames
        assert 1 <= builds <= 2 * FLAT_OUT_PLOT_FPS + 1, builds
        assert drawn >= builds  # by the child: the data plot's drawings count there too


async def test_pausing_at_full_speed_shows_the_last_epoch_everywhere_at_once():
    async with make_app("--speed", "max", "--epochs", "0").run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await training_beyond(pilot, 500)
        await pilot.press("space")
        await until(pilot, lambda: snap(app).status == "paused")
        await settle(pilot)  # a frame at the default 10 fps, well within a plot throttle's wait
        final = snap(app)
        assert stat(app, "epoch") == str(final.epoch) and app.pacer.plotted_version == final.version


async def test_divergence_shows_a_message_and_minus_and_z_recover():
    async with make_app("--autograd", "tutorial", "--lr", "1000", "--speed", "max").run_test(size=(120, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("space")
        await until(pilot, lambda: snap(app).status == "diverged", "divergence")
        assert stat(app, "status") == "diverged"
        assert message(app).startswith("diverged at epoch 1 with lr 1000: one step took w·x + b to ")
        await pilot.press("minus")
        await until(pilot, lambda: snap(app).status == "paused")
        assert snap(app).lr == 500.0
        assert message(app).startswith("going on from epoch 0's w, b after lr 1000 → 500")
        assert snap(app).events[-1].what == "after the divergence: back to the last finite w, b, lr 1000 → 500"
        await pilot.press("z")
        for _ in range(20):
            await pilot.press("minus")
        await pilot.press("n")
        await until(pilot, lambda: snap(app).epoch == 1 and snap(app).status == "paused")


async def test_a_failing_engine_shows_the_error_and_the_app_stays_usable(monkeypatch):
    def broken(self, counting_steps=True, stop=None):
        raise RuntimeError("injected fault")

    monkeypatch.setattr(Engine, "_train_epoch", broken)
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("n")
        await until(pilot, lambda: "injected fault" in message(app), "the error on screen")
        assert "RuntimeError" in message(app) and stat(app, "status") == "error"
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "q")
        await pilot.pause(0.1)
    assert not app.is_running


@pytest.mark.plot_child_process  # sys.executable is what fails
async def test_without_its_plot_process_the_app_draws_the_plots_itself(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")  # the child cannot start
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("N")
        await until(pilot, lambda: snap(app).epoch == 10)
        assert app.plot_process.drawn == 0 and app.query_one("#loss").builds >= 1
        assert any("loss" in line for line in app.query_one("#loss").plain_lines)
        assert any("x* =" in line for line in app.query_one("#data").plain_lines)


async def test_plots_fill_their_widgets_wider_and_taller_than_80_by_24():
    async with make_app().run_test(size=(200, 60)) as pilot:
        app = await started(pilot)
        await settle(pilot)
        # 3 columns: loss above data, the landscape and the evaluation each spanning both rows
        for name, height in (("#loss", 27), ("#data", 27), ("#landscape", 56), ("#evaluation", 56)):
            plot = app.query_one(name)
            assert plot.size.width >= 56 and plot.size.height >= height, name
            assert max(len(line) for line in plot.plain_lines) == plot.size.width, name
            assert sum(1 for line in plot.plain_lines if line.strip()) > 24, name


async def test_small_terminal_shows_a_note_and_growing_restores_plots():
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        for size in ((40, 12), (200, 60), (40, 12), (80, 24)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            lines = app.query_one("#loss").plain_lines
            small = size == (40, 12)
            assert any("enlarge" in line for line in lines) == small, size
        assert any("loss" in line for line in app.query_one("#loss").plain_lines)


async def test_reseed_of_file_data_does_nothing_and_says_so(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,label\n1,1\n2,1\n-1,0\n-2,0\n")
    async with make_app("--data", str(path)).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        assert stat(app, "seed") == "file"
        await pilot.press("r", "n")
        await until(pilot, lambda: snap(app).epoch == 1)
        assert snap(app).n_points == 4 and "r does nothing here" in message(app)


async def test_quick_steps_are_neither_lost_nor_doubled():
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press(*["n"] * 37, *["N"] * 5)
        await until(pilot, lambda: snap(app).epoch >= 87)
        await pilot.pause(0.3)
        assert snap(app).epoch == 87 and stat(app, "epoch") == "87 / 1001"


async def test_key_storm_leaves_the_app_responsive_and_consistent(tmp_path):
    """Three hundred random keys 10 ms apart at --speed max; replay a failure with the same seed.

    Keys go in with simulate_key, as a terminal delivers them: pilot.press waits for the process to go
    idle, which never happens while training runs flat out.
    """
    seed = 1
    rng = random.Random(seed)
    keys = ["space", "n", "N", "plus", "minus", "r", "z", "a", "l", "s", "left_square_bracket",
            "right_square_bracket", "e"]
    async with make_app("--speed", "max", "--epochs", "0", directory=tmp_path).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        last_epoch, resets_sent = 0, 0
        for _ in range(300):
            key = rng.choice(keys)
            app.simulate_key(key)
            resets_sent += key in ("r", "z")
            await pilot.pause(0.01)
            now = snap(app)
            assert LR_MIN <= now.lr <= LR_MAX
            if now.epoch < last_epoch:
                assert resets_sent > 0, f"epoch went back {last_epoch} → {now.epoch} with no r or z pressed"
                resets_sent -= 1
            last_epoch = now.epoch
        await until(pilot, lambda: LR_MIN <= snap(app).lr <= LR_MAX and stat(app, "lr") == format_number(snap(app).lr))
        lr = snap(app).lr
        app.simulate_key("minus" if lr > LR_MIN else "plus")
        await until(pilot, lambda: snap(app).lr != lr, "the app to answer a key within a second", timeout=1.0)
        app.simulate_key("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen", timeout=1.0)
