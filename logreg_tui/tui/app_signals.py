"""The app's signals, handled on its event loop: SIGTERM, SIGQUIT and SIGHUP (a closed SSH link, a killed tmux
pane) quit the way q does (the terminal restored, the plot child ended); SIGTSTP (ctrl+z, or sent) suspends and
SIGCONT resumes. And an exit the process cannot see coming, os._exit() called by a person's Function, restores the
terminal on its way out (restoring_exit).

Textual's driver handles SIGTSTP in a plain signal handler, which runs in whatever frame the signal interrupts:
when that frame holds the lock of the queue the handler writes to, the app deadlocks (2 in ~190 tries here).
loop.add_signal_handler runs the same work on the event loop instead, between callbacks, where no lock is held.
A second SIGTSTP before the SIGCONT's resume has run only stops again: suspending twice would write to the
writer thread the first suspend ended, and wait for it for good (seen under load in 1 of ~300 cycles).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable

from textual.app import App

QUITTING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGQUIT", "SIGHUP") if hasattr(signal, name))
# leave the alternate screen, mouse tracking off (every mode Textual turns on), the cursor shown
RESTORE = b"\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?2004l\x1b[?25h"


def restoring_exit(real_exit: Callable[[int], object]) -> Callable[[int], None]:
    """os._exit that first gives the terminal back as it was (its modes, its line discipline): installed while the
    app runs, for a person's Function that calls os._exit() from the training thread."""
    try:
        fd = os.open("/dev/tty", os.O_WRONLY | os.O_NOCTTY)
        import termios

        saved = termios.tcgetattr(fd)
    except (OSError, ImportError):
        return real_exit  # type: ignore[return-value]

    def exiting(code: int) -> None:
        try:
            os.write(fd, RESTORE)
            termios.tcsetattr(fd, termios.TCSANOW, saved)
        except OSError:
            pass
        real_exit(code)

    return exiting


def repaint(app: App) -> None:
    """Every cell of the screen drawn again (after fg, or ctrl+l): frames, titles and footer, not only what
    changed since the last frame, which is all Textual sends otherwise."""
    screen = app.screen
    screen.refresh(screen.size.region, layout=True)


def install(app: App, quit_app: Callable[[], object]) -> None:
    """From on_mount, on a real terminal's driver (Pilot's headless one has no signals of its own to replace)."""
    driver = app._driver
    if driver is None or not hasattr(driver, "_sigtstp_application"):
        return
    suspended = [False]

    def on_suspend() -> None:
        if not suspended[0] and driver._auto_restart:
            driver.suspend_application_mode()  # the terminal is the shell's while stopped
            driver._must_signal_resume = True  # type: ignore[attr-defined]  # Textual's resume then tells the app
            suspended[0] = True
        os.kill(os.getpid(), signal.SIGSTOP)

    def on_resume() -> None:
        if suspended[0]:
            suspended[0] = False
            driver.resume_application_mode()
            app.call_later(repaint, app)  # the shell wrote over the screen while stopped: every cell, not the diff

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTSTP, on_suspend)
    loop.add_signal_handler(signal.SIGCONT, on_resume)
    for signum in QUITTING:
        loop.add_signal_handler(signum, quit_app)
