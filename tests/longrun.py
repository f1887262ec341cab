"""Long runs of the installed `logreg-tui`, headless and in a pseudo-terminal, with their memory measured."""

from __future__ import annotations

import subprocess
import threading

from terminal import Terminal, installed_command, rss_bytes

EARLY_EPOCH = 1_000  # memory is measured after this many epochs and again at the end
MB = 1024 * 1024


def headless_rss(epochs: int) -> tuple[int, int]:
    """(RSS after EARLY_EPOCH epochs, RSS after `epochs`) of `logreg-tui --headless`."""
    process = subprocess.Popen([installed_command(), "--headless", "--epochs", str(epochs + 1),
                                "--log-every", str(EARLY_EPOCH)], stdout=subprocess.PIPE, text=True)
    early = late = 0
    for line in process.stdout:
        if line.startswith("Epochs:"):  # printed after `epoch + 1` epochs
            epoch = int(line.split()[1])
            if epoch >= EARLY_EPOCH and not early:
                early = rss_bytes(process.pid)
            if epoch >= epochs:
                late = rss_bytes(process.pid)
    assert process.wait() == 0 and early and late, "the headless run did not finish"
    return early, late


def app_rss(epochs: int, timeout: float) -> tuple[int, int]:
    """(RSS after EARLY_EPOCH epochs, RSS when done after `epochs`) of the app and its plot process, 120×40."""
    term = Terminal([installed_command(), "--speed", "max", "--epochs", str(epochs)], 120, 40)
    try:
        term.wait_for(rf"epoch\s+[1-9]\d{{{len(str(EARLY_EPOCH)) - 1},}}\b", timeout=60)
        early = rss_bytes(term.pid)
        term.wait_for(rf"status\s+done[\s\S]*epoch\s+{epochs}\b", timeout=timeout)
        late = rss_bytes(term.pid)
        term.press("q")
        assert term.wait_exit(5) == 0
        return early, late
    finally:
        term.close()


def headless_and_app_rss(epochs: int, timeout: float) -> dict[str, tuple[int, int]]:
    """Both long runs at once (each takes a core): {"headless": (early, late), "app": (early, late)}."""
    headless = []
    side = threading.Thread(target=lambda: headless.append(headless_rss(epochs)))
    side.start()
    app = app_rss(epochs, timeout)
    side.join()
    assert headless, "the headless run failed"
    return {"headless": headless[0], "app": app}
