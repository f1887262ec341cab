"""Long runs of the installed `logreg-tui`, headless and in a pseudo-terminal, with their memory measured."""

from __future__ import annotations

import re
import subprocess
import threading
import time

from terminal import Terminal, installed_command, rss_bytes

EARLY_EPOCH = 1_000  # memory is measured after this many epochs and again at the end
MB = 1024 * 1024


def headless_rss(epochs: int, early_epoch: int = EARLY_EPOCH) -> tuple[int, int]:
    """(RSS after `early_epoch` epochs, RSS after `epochs`) of `logreg-tui --headless`."""
    process = subprocess.Popen([installed_command(), "--headless", "--epochs", str(epochs + 1),
                                "--log-every", str(early_epoch)], stdout=subprocess.PIPE, text=True)
    early = late = 0
    for line in process.stdout:
        if line.startswith("Epochs:"):  # printed after `epoch + 1` epochs
            epoch = int(line.split()[1])
            if epoch >= early_epoch and not early:
                early = rss_bytes(process.pid)
            if epoch >= epochs:
                late = rss_bytes(process.pid)
    assert process.wait() == 0 and early and late, "the headless run did not finish"
    return early, late


def app_rss(epochs: int, timeout: float, early_epoch: int = EARLY_EPOCH) -> tuple[int, int]:
    """(RSS after `early_epoch` epochs, RSS when done after `epochs`) of the app and its plot process, 120×40."""
    term = Terminal([installed_command(), "--speed", "max", "--epochs", str(epochs)], 120, 40)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # the shown epoch, read until it passes early_epoch
            term.pump(0.2)
            shown = re.search(r"epoch\s+(\d+)", term.text)
            if shown and int(shown.group(1)) >= early_epoch:
                break
        else:
            raise AssertionError(f"the app never reached epoch {early_epoch}:\n{term.text}")
        early = rss_bytes(term.pid)
        term.wait_for(rf"status\s+done[\s\S]*epoch\s+{epochs}\b", timeout=timeout)
        late = rss_bytes(term.pid)
        term.press("q")
        assert term.wait_exit(5) == 0
        return early, late
    finally:
        term.close()


def headless_and_app_rss(epochs: int, timeout: float,
                         early_epoch: int = EARLY_EPOCH) -> dict[str, tuple[int, int]]:
    """Both long runs at once (each takes a core): {"headless": (early, late), "app": (early, late)}."""
    headless = []
    side = threading.Thread(target=lambda: headless.append(headless_rss(epochs, early_epoch)))
    side.start()
    app = app_rss(epochs, timeout, early_epoch)
    side.join()
    assert headless, "the headless run failed"
    return {"headless": headless[0], "app": app}
