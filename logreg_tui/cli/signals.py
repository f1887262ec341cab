"""How a headless run stops on a signal: the way ctrl+c does, keeping what was computed. No torch, no UI."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# ctrl+c; what `timeout`, Slurm, docker and systemd send; what a closed SSH session sends
STOPPING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextmanager
def stopping_signals(stop: Callable[[], None]) -> Iterator[list[int]]:
    """Within: SIGINT, SIGTERM and SIGHUP call stop() (training ends after the epoch it is in) and are listed,
    in the order they came, in the list this yields; afterwards the handlers are as they were."""
    received: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        received.append(signum)
        stop()

    previous = {signum: signal.signal(signum, on_signal) for signum in STOPPING}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def exit_code(signum: int) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number (ctrl+c: 130, SIGTERM: 143)."""
    return 128 + signum


def stop_words(signum: int) -> str:
    return "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
