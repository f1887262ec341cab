"""What a person over SSH gets: bytes/s, time to first frame, and what the open app costs training.

Runs the installed `logreg-tui` in a pseudo-terminal (tests/terminal.py) and prints ratios measured
side by side in this one run.

    python bench/terminal.py
"""

import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from terminal import Terminal, installed_command  # noqa: E402

APP = installed_command()


def bytes_per_second(*args: str, seconds: float = 5.0) -> float:
    term = Terminal([APP, *args], 120, 40)
    try:
        term.wait_for(r"status\s+(running|paused)", timeout=30)
        term.pump(1.0)  # past the first frames (and, paused, the idle second)
        start = term.bytes_read
        term.pump(seconds)
        return (term.bytes_read - start) / seconds
    finally:
        term.close()


def bytes_per_second_with_ghosts(seconds: float = 5.0) -> float:
    """Training at the default speed with 3 ghosts of 1001 epochs behind the run (made at --speed max first)."""
    term = Terminal([APP, "--speed", "max"], 120, 40)
    try:
        for _ in range(3):
            term.wait_for(r"status\s+done", timeout=60)
            term.press("z")
            term.wait_for(r"status\s+paused")
            term.press(" ")
        term.wait_for(r"status\s+done", timeout=60)
        term.press("z")
        term.wait_for(r"prev 3")
        term.press("S")
        term.wait_for(r"epochs per second")
        term.press("100\r")  # the default cap, as bytes_per_second() trains at
        term.wait_for(r"cap 100")
        term.press(" ")
        term.wait_for(r"status\s+running")
        term.pump(1.0)
        start = term.bytes_read
        term.pump(seconds)
        return (term.bytes_read - start) / seconds
    finally:
        term.close()


def first_frame_seconds() -> float:
    started = time.monotonic()
    term = Terminal([APP, "--paused"], 120, 40)
    try:
        term.wait_for(r"status\s+loading|status\s+paused", timeout=30)
        return time.monotonic() - started
    finally:
        term.close()


def import_torch_seconds() -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.monotonic() - started


def shown_epoch(term: Terminal) -> int:
    return int(re.search(r"epoch\s+(\d+)", term.text).group(1))


def app_and_headless_turns(n: int, pairs: int = 60, turn: float = 1.0) -> list[tuple[float, float]]:
    """Epochs/s of the open app at --speed max and of --headless in alternating turns of `turn` seconds.

    Only one trains at a time and each app turn is compared with the headless turns either side of it,
    so a noisy neighbour that slows one second skews one comparison, not the result (main() takes the
    median: app_ratios). The app takes turns
    by space (pause/resume) and its epoch is read off its screen while paused, so it is exact;
    --headless is stopped and continued with SIGSTOP/SIGCONT (the app is not: Textual redraws the whole
    screen on SIGCONT) and its epoch comes from its progress lines, to within `log_every`.
    """
    log_every = 100 if n <= 10_000 else 10  # about 30 progress lines a second, a negligible cost
    headless = subprocess.Popen([APP, "--headless", "--epochs", "1000000000", "--log-every", str(log_every),
                                 "--n-points", str(n)], stdout=subprocess.PIPE, text=True)
    headless_epoch = [0]

    def follow() -> None:
        for line in headless.stdout:
            headless_epoch[0] = int(line.split()[1])

    threading.Thread(target=follow, daemon=True).start()
    term = Terminal([APP, "--speed", "max", "--epochs", "0", "--paused", "--n-points", str(n)], 120, 40)
    try:
        term.wait_for(r"status\s+paused", timeout=30)
        while headless_epoch[0] == 0:
            term.pump(0.1)
        os.kill(headless.pid, signal.SIGSTOP)
        turns = []
        for _ in range(pairs):
            app_from = shown_epoch(term)
            term.press("space")
            started = time.monotonic()
            term.pump(turn)
            term.press("space")
            app_ran = time.monotonic() - started
            term.wait_for(r"status\s+paused")
            term.pump(0.05)  # the rest of the frame that says paused
            app_rate = (shown_epoch(term) - app_from) / app_ran
            headless_from = headless_epoch[0]
            os.kill(headless.pid, signal.SIGCONT)
            started = time.monotonic()
            term.pump(turn)
            os.kill(headless.pid, signal.SIGSTOP)
            headless_ran = time.monotonic() - started
            term.pump(0.1)  # the last progress line of the turn is read
            turns.append((app_rate, (headless_epoch[0] - headless_from) / headless_ran))
        return turns
    finally:
        os.kill(headless.pid, signal.SIGCONT)
        headless.kill()
        headless.wait()
        term.close()


def app_ratios(turns: list[tuple[float, float]]) -> list[float]:
    """Each app turn's epochs/s ÷ the mean of the headless turns just before and just after it."""
    return sorted(app / ((before + after) / 2) for (_, before), (app, after) in zip(turns, turns[1:]))


def main() -> None:
    print(f"120×40, TERM=xterm-256color, {APP}")
    print(f"training, defaults:          {bytes_per_second() / 1024:6.2f} KiB/s   (goal ≤ 24)")
    print(f"training, 3 ghosts:          {bytes_per_second_with_ghosts() / 1024:6.2f} KiB/s   (goal ≤ 24)")
    print(f"training, --low-bandwidth:   {bytes_per_second('--low-bandwidth') / 1024:6.2f} KiB/s   (goal ≤ 6)")
    print(f"paused and idle:             {bytes_per_second('--paused'):6.1f} B/s     (goal ≤ 100)")
    frame, torch_import = first_frame_seconds(), import_torch_seconds()
    print(f"first frame ÷ import torch:  {frame:.2f} s ÷ {torch_import:.2f} s = {frame / torch_import:.2f}   (goal ≤ 0.5)")
    for n in (1_000, 100_000):
        turns = app_and_headless_turns(n)
        ratios = app_ratios(turns)
        app, headless = (statistics.mean(rates) for rates in zip(*turns))
        print(f"N {n:>7}: app ÷ headless epochs/s, median over {len(ratios)} app turns: "
              f"{statistics.median(ratios):.3f}   (goal ≥ 0.95; quartiles {ratios[len(ratios) // 4]:.3f}"
              f"–{ratios[3 * len(ratios) // 4]:.3f}; means {app:.0f} ÷ {headless:.0f} = {app / headless:.3f})")


if __name__ == "__main__":
    main()
