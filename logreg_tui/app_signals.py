"""The app's signals, handled on its event loop: SIGTERM and SIGQUIT quit the way q does (the terminal restored,
the plot child ended); SIGTSTP (ctrl+z, or sent) suspends and SIGCONT resumes.

Textual's driver handles SIGTSTP in a plain signal handler, which runs in whatever frame the signal interrupts:
when that frame holds the lock of the queue the handler writes to, the app deadlocks (2 in ~190 tries here).
loop.add_signal_handler runs the same work on the event loop instead, between callbacks, where no lock is held.
"""

from __future__ import annotations

import asyncio
import signal

from textual.app import App

QUITTING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGQUIT") if hasattr(signal, name))


def install(app: App, quit_app) -> None:
    """From on_mount, on a real terminal's driver (Pilot's headless one has no signals of its own to replace)."""
    driver = app._driver
    suspend = getattr(driver, "_sigtstp_application", None)
    resume = getattr(driver, "_sigcont_application", None)
    if suspend is None or resume is None:
        return
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTSTP, suspend)
    loop.add_signal_handler(signal.SIGCONT, resume)
    for signum in QUITTING:
        loop.add_signal_handler(signum, quit_app)
