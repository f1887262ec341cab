"""Memory over long runs, shown where it is decided: each store that grows with epochs driven in-process through
10⁷ appends (events 10⁵: each is a whole record) and its bytes measured (tracemalloc), not its objects counted.
A real run's RSS is tests/test_terminal.py's (10⁵ epochs); the million-epoch run is bench/resources.py's."""

import tracemalloc

import numpy as np

from logreg_tui.core.model.history import LossHistory, PathHistory
from logreg_tui.core.model.runs import MAX_EVENTS, Event, record

CHUNK = 10_000  # epochs a flush keeps at a time, at most (trainer.PENDING_MAX is 256: this is harsher)
KB = 1024


def _bytes_after(appends: int, append) -> list[int]:
    """Traced bytes held after 10⁵ appends and after `appends` (the store kept alive between)."""
    tracemalloc.start()
    try:
        held = []
        for done in range(0, appends, CHUNK):
            append(done)
            if done + CHUNK in (100_000, appends):
                held.append(tracemalloc.get_traced_memory()[0])
        return held
    finally:
        tracemalloc.stop()


def test_the_loss_history_holds_the_same_bytes_after_1e5_and_1e7_epochs():
    history = LossHistory()
    losses = np.linspace(0.7, 0.05, CHUNK)
    early, late = _bytes_after(10_000_000, lambda done: history.extend(losses))
    assert history.count == 10_000_000 and late - early <= 64 * KB, (early, late)
    assert history.nbytes <= 1024 * KB


def test_the_path_holds_the_same_bytes_after_1e5_and_1e7_epochs():
    path = PathHistory()
    path.start(0, 0.0, 0.0)
    w = np.linspace(0, 4.5, CHUNK)

    def extend(done: int) -> None:
        path.extend(np.arange(done + 1, done + 1 + CHUNK), w, -2 * w)

    early, late = _bytes_after(10_000_000, extend)
    view = path.view()
    assert view.epoch[-1] <= 10_000_000 and view.epoch.size <= 2 * 4096
    assert late - early <= 64 * KB, (early, late)


def test_events_keep_the_last_thousand_in_bounded_bytes():
    events: tuple[Event, ...] = ()
    tracemalloc.start()
    try:
        for k in range(100_000):  # a person pressing keys for days: each a new epoch, so none merge
            events = record(events, Event(k, "lr", 0.2, 0.4))
            if k == 2 * MAX_EVENTS:
                early = tracemalloc.get_traced_memory()[0]
        late = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(events) == MAX_EVENTS and events[-1].epoch == 99_999
    assert late - early <= 64 * KB, (early, late)


def test_ghosts_are_at_most_three_runs_whatever_the_reseeds():
    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.runs import MAX_GHOSTS
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine

    engine = Engine(make_tutorial_data(n_points=100), TrainConfig(epochs=0))
    for _ in range(8):
        engine.run_epochs(3)
        engine.reseed()
    snapshot = engine.run_epochs(1)
    assert len(snapshot.ghosts) == MAX_GHOSTS and all(ghost.dataset.x.size == 0 for ghost in snapshot.ghosts)
