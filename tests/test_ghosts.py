"""Earlier runs as ghosts and the changes made during a run, as a person sees them: Pilot tests pressing real keys."""

import json

from apphelpers import make_app, message, settle, snap, started, until

from logreg_tui.core.model.runs import MAX_GHOSTS
from logreg_tui.tui.widgets import plot_colors
from logreg_tui.views.drawing import blend, to_hex
from logreg_tui.views.ghosts import EVENT_TICK, ghost_color


def loss_lines(app) -> list[str]:
    return app.query_one("#loss").plain_lines


def colours(view) -> set[str]:
    """The foreground colours of what the view shows, as #rrggbb."""
    return {segment.style.color.get_truecolor().hex for strip in view._strips for segment in strip
            if segment.style and segment.style.color}


def ghost_colours(app) -> tuple[str, str]:
    """The first ghost's colour on the loss plot and on the landscape (a shade toward the text there)."""
    colors = plot_colors(app)
    return to_hex(ghost_color(colors, 0)), to_hex(blend(ghost_color(colors, 0), colors.text, 0.25))


async def train(pilot, epochs: int = 10):
    """N: ten epochs, then wait until the snapshot says so."""
    app = pilot.app
    target = snap(app).epoch + epochs
    await pilot.press(*["N"] * (epochs // 10))
    await until(pilot, lambda: snap(app).epoch == target, f"epoch {target}")


async def test_z_and_r_keep_the_run_that_ended_as_a_ghost_three_at_most():
    async with make_app().run_test(size=(160, 50)) as pilot:
        app = await started(pilot)
        await pilot.press("z")  # nothing trained: no ghost
        await settle(pilot)
        assert snap(app).ghosts == () and "prev" not in loss_lines(app)[0]
        epochs = []
        for key, count in (("z", 20), ("r", 30), ("z", 40), ("z", 50)):
            await train(pilot, count)
            epochs.insert(0, count)
            await pilot.press(key)
            await until(pilot, lambda: snap(app).epoch == 0 and snap(app).ghosts and snap(app).ghosts[0].epoch == count,
                        f"{key} to keep the run")
            assert f"new run; the last one ({count} epochs) stays behind it as 'prev'" in message(app)
        assert [ghost.epoch for ghost in snap(app).ghosts] == epochs[:MAX_GHOSTS] == [50, 40, 30]
        assert [ghost.seed for ghost in snap(app).ghosts] == [43, 43, 42] and snap(app).seed == 43
        await train(pilot, 10)
        await settle(pilot)
        legend = loss_lines(app)[0]
        assert legend == "loss  ━ now  ━ prev: sgd lr 0.2  ━ prev 2  ━ prev 3: seed 42"  # same settings: lr, or a name
        assert len(snap(app).history.recent) == 10 and "50" in loss_lines(app)[-1]  # the axis holds the longest


async def test_g_hides_and_shows_the_ghosts_on_both_plots_and_capital_g_forgets_them():
    async with make_app().run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await pilot.press("g")
        assert message(app) == "0 earlier runs hidden: z or r starts a new run and keeps the last one to compare"
        await pilot.press("g")
        await train(pilot, 30)
        await pilot.press("z")
        await until(pilot, lambda: len(snap(app).ghosts) == 1, "the ghost")
        await train(pilot, 10)
        await settle(pilot)
        loss, landscape = app.query_one("#loss"), app.query_one("#landscape")
        on_loss, on_map = ghost_colours(app)
        assert on_loss in colours(loss) and on_map in colours(landscape)
        with_ghost = loss_lines(app), landscape.plain_lines
        await pilot.press("g")
        await settle(pilot)
        assert message(app) == "1 earlier run hidden"
        without = loss_lines(app), landscape.plain_lines
        assert on_loss not in colours(loss) and on_map not in colours(landscape)
        assert "prev" in with_ghost[0][0] and "prev" not in without[0][0]
        assert with_ghost[0][-1].split()[-1] == "50" and without[0][-1].split()[-1] == "10"  # the x axis: round ends past 30 and 10 epochs
        await pilot.press("g")
        await settle(pilot)
        assert (loss_lines(app), landscape.plain_lines) == with_ghost
        await pilot.press("G")
        await until(pilot, lambda: snap(app).ghosts == (), "G")
        await settle(pilot)
        assert message(app) == "earlier runs forgotten" and loss_lines(app) == without[0]


async def test_each_change_is_told_ticked_on_the_loss_axis_and_exported_with_its_epoch(tmp_path):
    async with make_app(directory=tmp_path).run_test(size=(120, 40)) as pilot:
        app = await started(pilot)
        await train(pilot, 20)
        await pilot.press("z")  # a ghost to export beside the run
        await until(pilot, lambda: len(snap(app).ghosts) == 1, "the ghost")
        await train(pilot, 10)
        await pilot.press("plus")
        await until(pilot, lambda: snap(app).lr == 0.4, "lr × 2")
        await settle(pilot)
        assert message(app) == "epoch 10: lr 0.2 → 0.4"
        assert EVENT_TICK in loss_lines(app)[-3]  # the canvas's bottom row, just above the x axis
        await train(pilot, 10)
        for key in ("a", "o", "b", "right"):
            await pilot.press(key)
        await until(pilot, lambda: len(snap(app).events) == 5, "four more events")
        await settle(pilot)
        assert message(app).startswith("epoch 20: w, b (")
        await train(pilot, 10)
        await pilot.press("e")
        await until(pilot, lambda: "exported" in message(app), "the export")
        assert "(+ 1 ghost CSV)" in message(app)
        (summary_path,) = tmp_path.glob("*.json")
        summary = json.loads(summary_path.read_text())
        events = [(event["epoch"], event["what"]) for event in summary["events"]]
        assert events[:4] == [(10, "lr 0.2 → 0.4"), (20, "autograd builtin → custom"), (20, "sgd → momentum"),
                              (20, "full batch → batch 256")]
        assert events[4][0] == 20 and events[4][1].startswith("w, b (") and len(events) == 5
        assert summary["epochs"] == 30 and (tmp_path / summary["csv"]).exists()
        (ghost,) = summary["ghosts"]
        assert ghost["name"] == "prev" and ghost["epochs"] == 20 and ghost["events"] == []
        assert ghost["label"] == "prev: sgd lr 0.2 full batch builtin"
        rows = (tmp_path / ghost["csv"]).read_text().splitlines()
        assert rows[0] == "epoch,loss,w,b" and len(rows) == 1 + 20 and rows[1].startswith("0,0.6931")


def test_the_legend_shortens_what_does_not_fit_and_drops_the_oldest_last():
    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.ghosts import legend_runs

    ghosts = [("prev: adam lr 0.4", ["adam", "lr 0.4"]), ("prev 2: sgd lr 0.2", []),  # the same settings
              ("prev 3: momentum β 0.5", ["momentum β 0.5"])]

    def legend(width: int, monochrome: bool = False) -> str:
        runs = legend_runs("loss", ghosts, width, PlotColors(depth="none" if monochrome else "truecolor"))
        text = "".join(text for text, _ in runs)
        assert len(text) == max(width, len(text.rstrip()))
        return text.rstrip()

    assert legend(90) == "loss  ━ now  ━ prev: adam lr 0.4  ━ prev 2: sgd lr 0.2  ━ prev 3: momentum β 0.5"
    assert legend(70) == "loss  ━ now  ━ prev: adam lr 0.4  ━ prev 2  ━ prev 3: momentum"  # the longest first
    assert legend(56) == "loss  ━ now  ━ prev: adam  ━ prev 2  ━ prev 3: momentum"
    assert legend(40) == "loss  ━ now  ━ prev  ━ prev 2  ━ prev 3"
    assert legend(30) == "loss  ━ now  ━ prev  ━ prev 2"  # then the oldest go
    assert legend(56, monochrome=True) == "loss  ⣿ now  ∘ prev: adam  + prev 2  x prev 3: momentum"


def test_a_ghost_keeps_its_curves_not_its_data_set():
    """After three reseeds the earlier data sets are gone from memory: the ghosts hold their curves, path,
    settings and where their data came from, not the points (800 MB each at the largest N)."""
    import gc
    import weakref

    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine
    from logreg_tui.views.drawing import PlotColors
    from logreg_tui.views.landscape import LandscapeSettings, landscape_view
    from logreg_tui.views.plots import DataSettings, LossSettings, data_view, loss_view

    def draw(snapshot) -> None:  # as the app does: the views' caches see each data set
        for view, settings in ((loss_view, LossSettings()), (data_view, DataSettings()),
                               (landscape_view, LandscapeSettings())):
            view(snapshot, settings, 80, 30, PlotColors())

    engine = Engine(make_tutorial_data(n_points=5000), TrainConfig(epochs=0))
    earlier = []
    for _ in range(3):
        snapshot = engine.run_epochs(20)
        draw(snapshot)
        earlier.append(weakref.ref(snapshot.dataset))
        engine.reseed()
        engine.run_epochs(0)
    draw(engine.run_epochs(20))
    del snapshot
    gc.collect()
    assert [ref() is None for ref in earlier] == [True, True, True]
    ghosts = engine.latest.ghosts
    assert len(ghosts) == 3 and all(g.dataset.x.size == 0 and g.n_points == 5000 and g.epoch == 20 for g in ghosts)
    assert [g.seed for g in ghosts] == [44, 43, 42] and all(g.history.count == 20 for g in ghosts)


def test_a_ghosts_label_names_what_differs_data_first():
    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.runs import ghost_label
    from logreg_tui.core.model.settings import Settings
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine

    engine = Engine(make_tutorial_data(gap=1.0), TrainConfig(epochs=0))  # the overlap preset's data
    engine.run_epochs(5)
    engine.start_over(make_tutorial_data(gap=8.0), Settings(), 0)  # p: separable, same settings
    engine.run_epochs(5)
    engine.reseed()  # r: seed 43
    snapshot = engine.run_epochs(5)
    newest, oldest = snapshot.ghosts
    assert ghost_label(newest, snapshot, 0) == "prev: separable"
    assert ghost_label(oldest, snapshot, 1) == "prev 2: overlap"
    assert snapshot.dataset.seed == 43 and ghost_label(snapshot, newest, 0).startswith("prev: seed 43 gap 8")


def test_a_ghost_of_another_function_names_the_file_and_its_verdict(tmp_path):
    from pathlib import Path

    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.runs import ghost_label
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine
    from logreg_tui.training.homework import load_and_check

    functions = Path(__file__).parent / "data" / "functions"
    engine = Engine(make_tutorial_data(), TrainConfig(epochs=0))
    engine.use_function(load_and_check(str(functions / "sign_flipped.py")), switch=True)
    engine.run_epochs(5)
    engine.reset()  # z: the same data and settings, the run kept as a ghost
    engine.use_function(load_and_check(str(functions / "correct.py")))
    snapshot = engine.run_epochs(5)
    assert ghost_label(snapshot.ghosts[0], snapshot, 0) == "prev: sign_flipped.py (sign flipped)"
