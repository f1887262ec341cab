"""SVG snapshots of deterministic paused states (pytest-textual-snapshot); `--snapshot-update` refreshes them."""

import pytest
from apphelpers import make_app, snap, started, until


def stepped(*keys: str, epochs: int):
    async def run_before(pilot):
        await started(pilot)
        await pilot.press(*keys)
        await until(pilot, lambda: snap(pilot.app).epoch == epochs)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_paused_at_start(snap_compare, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=stepped(epochs=0))


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_after_sixty_epochs(snap_compare, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=stepped(*["N"] * 6, epochs=60))


def test_log_y_smoothed_custom(snap_compare):
    keys = ["a", *["N"] * 10, "l", "s"]
    assert snap_compare(make_app(), terminal_size=(160, 50), run_before=stepped(*keys, epochs=100))


def test_landscape_below_at_80_by_24(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=stepped("m", *["N"] * 6, epochs=60))


def test_landscape_with_adam_and_a_move_at_160_by_50(snap_compare):
    keys = ["o", "o", "o", *["N"] * 3, "left", "left", "down", *["N"] * 3]  # adam; a new segment 2 cells off
    assert snap_compare(make_app(), terminal_size=(160, 50), run_before=stepped(*keys, epochs=60))


def test_landscape_of_separable_data_in_monochrome(snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app("--gap", "12", "--n-points", "60")
    assert snap_compare(app, terminal_size=(120, 40), run_before=stepped(*["N"] * 3, epochs=30))


def runs(*rounds: tuple[str, ...], epochs: int):
    """Each round's keys, each waited out until its run is at `epochs` (z at a round's start keeps a ghost)."""
    async def run_before(pilot):
        await started(pilot)
        for done, keys in enumerate(rounds):
            await pilot.press(*keys)
            await until(pilot, lambda: snap(pilot.app).epoch == epochs and len(snap(pilot.app).ghosts) == done)

    return run_before


GHOST_ROUNDS = (("N",) * 6, ("z", "o", *("N",) * 6), ("z", "o", "o", "N", "N", "plus", *("N",) * 4))


def test_two_ghosts_and_the_events_of_the_current_run_at_160_by_50(snap_compare):
    """sgd, then momentum, then adam with lr doubled at epoch 20: ghosts behind, ticks at epochs 0 and 20."""
    assert snap_compare(make_app(), terminal_size=(160, 50), run_before=runs(*GHOST_ROUNDS, epochs=60))


def test_ghosts_in_monochrome_at_80_by_24_with_the_landscape_below(snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=runs(("m", *GHOST_ROUNDS[0]), *GHOST_ROUNDS[1:], epochs=60))


def test_evaluation_below_at_80_by_24_with_a_split_and_a_threshold(snap_compare):
    app = make_app("--val-frac", "0.2", "--threshold", "0.3")
    assert snap_compare(app, terminal_size=(80, 24), run_before=stepped("m", "m", *["N"] * 6, epochs=60))


def test_evaluation_beside_at_160_by_50_on_imbalanced_data(snap_compare):
    app = make_app("--class-balance", "0.9", "--gap", "1")
    keys = ["m", *["N"] * 6, "less_than_sign", "less_than_sign"]  # t 0.3
    assert snap_compare(app, terminal_size=(160, 50), run_before=stepped(*keys, epochs=60))


def test_evaluation_in_monochrome_at_80_by_24(snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app("--gap", "1", "--val-frac", "0.3")
    assert snap_compare(app, terminal_size=(80, 24), run_before=stepped("m", "m", *["N"] * 3, epochs=30))
