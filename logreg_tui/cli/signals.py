"""How a headless run stops on a signal: the way ctrl+c does, keeping what was computed. No torch, no UI."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# ctrl+c; what `timeout`, Slurm, docker and systemd send; what a closed SSH session sends
STOPPING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
WEDGED_SECONDS = 1.0  # after a stopping signal, training that has not returned by then is not waited for


@contextmanager
def stopping_signals(stop: Callable[[], None],
                     wedged: Callable[[int], None] | None = None) -> Iterator[list[int]]:
    """Within: SIGINT, SIGTERM and SIGHUP call stop() (training ends after the epoch it is in) and are listed,
    in the order they came, in the list this yields; afterwards the handlers are as they were. `wedged(signum)`
    is called from a timer when training has not returned WEDGED_SECONDS after the first signal (a person's
    Function looping for ever): it says what was reached and ends the process."""
    received: list[int] = []
    done = threading.Event()
    watchdogs: list[threading.Thread] = []

    def watchdog(signum: int) -> None:
        if not done.wait(WEDGED_SECONDS):
            assert wedged is not None
            wedged(signum)

    def on_signal(signum: int, frame: object) -> None:
        received.append(signum)
        stop()
        if len(received) == 1 and wedged is not None:  # one watchdog, for the first signal
            watchdogs.append(threading.Thread(target=watchdog, args=(signum,), name="wedged", daemon=True))
            watchdogs[0].start()

    previous = {signum: signal.signal(signum, on_signal) for signum in STOPPING}
    try:
        yield received
    finally:
        done.set()
        for thread in watchdogs:  # training returned: it ends at once; none is left for the interpreter's exit
            thread.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def exit_code(signum: int) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number (ctrl+c: 130, SIGTERM: 143)."""
    return 128 + signum


def stop_words(signum: int) -> str:
    return "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
