"""What the screen says is true, small things included (issue 47, point 12 and 13): file names, counts, ticks, the
footer's whole entries, ASCII glyphs, the exported script's text, labels off the path, and the app's imports."""

import re
import subprocess
import sys

import numpy as np
from apphelpers import make_app, message, started, until

from logreg_tui.core.words.formatting import counted


def test_counts_agree_with_their_nouns():
    assert [counted(n, "epoch") for n in (0, 1, 2)] == ["0 epochs", "1 epoch", "2 epochs"]


def test_a_replay_names_its_file(tmp_path):
    import json

    from logreg_tui.core.files.replay import replayed_options
    from logreg_tui.core.model.options import parse_options

    run = tmp_path / "class run.json"
    run.write_text(json.dumps({"format": 1, "command": ["--lr", "0.4"], "epochs": 7, "events": [
        {"epoch": 3, "kind": "lr", "before": 0.4, "after": 0.8}]}))
    options = replayed_options(parse_options(["--replay", str(run)]), ["--replay", str(run)])
    assert options.replay == str(run) and options.settings.lr == 0.4 and len(options.script) == 1


async def test_the_app_says_which_file_it_replays(tmp_path):
    import json

    from logreg_tui.core.files.replay import replayed_options
    from logreg_tui.core.model.data import make_tutorial_data  # noqa: F401 - the app's data, as the replay makes it
    from logreg_tui.core.model.options import load_dataset, parse_options
    from logreg_tui.tui.app import LogRegApp

    run = tmp_path / "run.json"
    run.write_text(json.dumps({"format": 1, "command": [], "epochs": 5, "events": [
        {"epoch": 2, "kind": "lr", "before": 0.2, "after": 0.4}]}))
    options = replayed_options(parse_options(["--replay", str(run), "--paused"]), ["--replay", str(run), "--paused"])
    async with LogRegApp(options, load_dataset(options)).run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "replaying" in message(pilot.app), "the replay's note")
        assert f"replaying {run}: 1 recorded change(s)" in message(pilot.app) and "None" not in message(pilot.app)


def test_the_rocs_middle_label_stands_only_where_a_row_is_centred_on_one_half():
    from logreg_tui.views.evaluation import _y_label

    assert [_y_label(row, 5) for row in range(5)] == ["1", "", ".5", "", "0"]
    assert [_y_label(row, 6) for row in range(6)] == ["1", "", "", "", "", "0"]  # 0.5 is between rows 2 and 3


async def _footer(size, *args):
    async with make_app(*args).run_test(size=size) as pilot:
        app = await started(pilot)
        await pilot.pause(0.2)
        keys = list(app.query("KeysFooter FooterKey"))
        return [(key.key_display, key.description, key.region) for key in keys], app.size.width


async def test_the_footer_drops_whole_entries_never_cuts_one_mid_word():
    for width in (60, 80, 120, 200):
        keys, screen = await _footer((width, 30))
        assert keys and all(region.right <= screen for _, _, region in keys)
        regions = sorted(region for _, _, region in keys)
        assert all(a.right <= b.x for a, b in zip(regions, regions[1:], strict=False))  # none under another
        assert ("?", "help") in [(key, words) for key, words, _ in keys]


async def test_an_ascii_terminals_footer_has_no_glyphs_it_cannot_draw():
    keys, _ = await _footer((200, 40), "--ascii")
    text = " ".join(f"{key} {words}" for key, words, _ in keys)
    assert "+ lrx2" in text and "- lr/2" in text and "arrows move w, b" in text
    assert not re.search(r"[×÷←→↑↓▏]", text), text


def test_the_exported_script_has_no_leftover_pass_lines_nor_runs_of_blank_lines():
    from logreg_tui.core.files.export import script_of
    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.options import parse_options
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine

    for args in ([], ["--autograd", "custom"], ["--batch-size", "64"]):
        options = parse_options(args)
        snapshot = Engine(make_tutorial_data(), TrainConfig(epochs=0, settings=options.settings)).run_epochs(2)
        text = script_of(options, snapshot)
        assert not [line for line in text.splitlines() if line.strip() == "pass"]
        assert "\n\n\n\n" not in text
        compile(text, "script.py", "exec")


def test_the_valleys_labels_are_never_drawn_under_the_path_or_a_marker():
    from logreg_tui.views.landscape import clear_of
    from logreg_tui.views.map_grid import Frame

    frame = Frame(40, 20, 4)
    path = np.zeros((frame.rows, frame.columns), dtype=np.uint8)
    ray = np.zeros_like(path)
    path[4, 10:20] = 1  # screen row 5, columns left+10 …
    labels = ((frame.left + 12, 5, "λ 0.0006"), (frame.left + 27, 9, "λ 0.08"))
    markers = [(frame.left + 31, 9, "optimum")]
    moved = clear_of(labels, path, ray, markers, frame)
    assert moved == ((frame.left + 12, 4, "λ 0.0006"), (frame.left + 27, 8, "λ 0.08"))


def test_importing_the_app_does_not_import_torch():
    code = "import sys, logreg_tui.tui.app, logreg_tui.cli.main; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


async def test_the_footer_lists_v_plane_only_while_the_data_has_more_than_one_feature():
    def listed(app):
        return [(key.key_display, key.description) for key in app.query("KeysFooter FooterKey")]

    async with make_app("--paused", "--dataset", "moons").run_test(size=(200, 40)) as pilot:
        app = await started(pilot)
        await until(pilot, lambda: ("v", "plane") in listed(app), "v plane in the footer of two features")
        await pilot.press("p")  # moons → xor → circle → tutorial: back to one feature, a new run
        await pilot.press("p", "p")
        await until(pilot, lambda: app.link.latest.dataset.d == 1, "the tutorial's one feature")
        await until(pilot, lambda: listed(app) and ("v", "plane") not in listed(app), "v plane gone")
    keys, _ = await _footer((200, 40))
    assert ("v", "plane") not in [(key, words) for key, words, _ in keys] and ("]", "faster") in [
        (key, words) for key, words, _ in keys]
