"""What a person over SSH gets: bytes/s, time to first frame, and what the open app costs training.

Runs the installed `logreg-tui` in a pseudo-terminal (tests/terminal.py) and prints ratios measured
side by side in this one run.

    python bench/terminal.py          # everything
    python bench/terminal.py --app    # only what the open app costs training (about 14 minutes)
    python bench/terminal.py --app --pairs 15 --n 1000   # fewer turns, one N (about 3 minutes)
    python bench/terminal.py --dataset moons --bytes     # two features: bytes/s only (--app works with it too)

"Pure headless" is a --headless run whose logging costs nothing measurable (a few lines a second): training
with no per-epoch work that the app does not do too. The app is compared with it and, so the difference
stays visible, with --headless logging every 100 epochs (its default).
"""

import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from terminal import Terminal, installed_command

APP = installed_command()
DATA: list[str] = []  # the data's options for every run (--dataset NAME), the tutorial's without
COUNTS = f"/tmp/logreg-tui-plot-counts-{os.getpid()}"  # the app writes there who drew its pictures (child, app)


def bytes_per_second(*args: str, seconds: float = 5.0) -> float:
    term = Terminal([APP, *DATA, *args], 120, 40)
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


class Headless:
    """A --headless run that trains only in the turns it is given (SIGCONT … SIGSTOP), its rate in a turn taken
    between the first and last progress lines that arrived within it (their epochs and arrival times)."""

    def __init__(self, n: int, log_every: int) -> None:
        self.process = subprocess.Popen([APP, *DATA, "--headless", "--epochs", "0", "--log-every", str(log_every),
                                         "--n-points", str(n)], stdout=subprocess.PIPE, text=True)
        self.lines: list[tuple[float, int]] = []  # (arrival, epoch)
        threading.Thread(target=self._follow, daemon=True).start()
        while not self.lines:
            time.sleep(0.05)
        os.kill(self.process.pid, signal.SIGSTOP)

    def _follow(self) -> None:
        for line in self.process.stdout:
            if line.startswith("Epochs:"):
                self.lines.append((time.monotonic(), int(line.split()[1])))

    def turn(self, seconds: float, pump) -> float:
        """Epochs/s over one turn of `seconds` (pump(seconds) waits, reading the app's terminal meanwhile)."""
        started = time.monotonic()
        os.kill(self.process.pid, signal.SIGCONT)
        pump(seconds)
        while len(inside := [(t, e) for t, e in self.lines if t > started + 0.05]) < 3:  # a slow turn: longer
            if time.monotonic() - started > 5 * seconds:
                raise RuntimeError(f"a headless turn of {seconds} s printed {len(inside)} lines: log more often")
            pump(0.05)
        os.kill(self.process.pid, signal.SIGSTOP)
        time.sleep(0.1)  # the turn's last lines are read
        (t0, e0), (t1, e1) = inside[0], inside[-1]
        return (e1 - e0) / (t1 - t0)

    def close(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.kill()
        self.process.wait()


def make_ghosts(term: Terminal, count: int = 3) -> None:
    """`count` short runs, each kept as a ghost by z: the plots then draw 3 earlier runs beside this one."""
    for k in range(count):
        term.press("space")
        term.pump(0.5)
        term.press("space")
        term.wait_for(r"status\s+paused")
        term.press("z")
        term.wait_for("prev" + (f" {k + 1}" if k else ""), timeout=20)
        term.pump(0.3)


def app_and_headless_turns(n: int, size: tuple[int, int], pairs: int = 40,
                           turn: float = 1.0) -> list[tuple[float, float, float]]:
    """(app, pure headless, headless logging every 100) epochs/s in alternating turns of `turn` seconds.

    The app (--speed max, the landscape on screen from 120×40 on, 3 ghosts) trains while the two headless runs
    are stopped, then each of them trains alone: only one trains at a time, and each app turn is compared with
    the headless turns either side of it, so a noisy neighbour that slows one second skews one comparison, not
    the result (main() takes the median: app_ratios). The app takes turns by space (pause, resume) and its epoch
    is read off its screen while paused, so it is exact. "Pure" headless logs about 4 lines a turn, so its
    logging costs nothing measurable: training with no per-epoch work the app does not do too; the other logs
    every 100 epochs (10 at N 1e5), as `--headless` does by default, to show what a line costs.
    """
    every_100 = 100 if n <= 10_000 else 10
    logging = Headless(n, every_100)
    logging_rate = logging.turn(2 * turn, time.sleep)  # the rate sets how often pure headless logs
    pure = Headless(n, max(int(logging_rate * turn / 5), 1))
    term = Terminal([APP, *DATA, "--speed", "max", "--epochs", "0", "--paused", "--n-points", str(n)], *size,
                    env={"LOGREG_TUI_PLOT_COUNTS": COUNTS})
    try:
        term.wait_for(r"status\s+paused", timeout=30)
        make_ghosts(term)
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
            turns.append((app_rate, pure.turn(turn, term.pump), logging.turn(turn, term.pump)))
        term.press("q")
        term.wait_exit(10)
        return turns
    finally:
        pure.close()
        logging.close()
        term.close()


def app_ratios(turns: list[tuple[float, ...]], against: int) -> list[float]:
    """Each app turn's epochs/s ÷ the mean of the headless turns (column `against`) just before and after it."""
    return sorted(app[0] / ((before[against] + app[against]) / 2) for before, app in pairwise(turns))


def _quartiles(ratios: list[float]) -> str:
    low, high = ratios[len(ratios) // 4], ratios[3 * len(ratios) // 4]
    return f"{statistics.median(ratios):.3f} (quartiles {low:.3f}–{high:.3f})"


def main(only_app: bool = False, pairs: int = 40, sizes: tuple[int, ...] = (1_000, 100_000),
         only_bytes: bool = False) -> None:
    print(f"120×40, TERM=xterm-256color, {APP} {' '.join(DATA)}")
    if only_app:
        return app_and_headless(pairs, sizes)
    print(f"training, defaults:          {bytes_per_second() / 1024:6.2f} KiB/s   (goal ≤ 24)")
    if only_bytes:
        return None
    print(f"training, 3 ghosts:          {bytes_per_second_with_ghosts() / 1024:6.2f} KiB/s   (goal ≤ 24)")
    print(f"training, --low-bandwidth:   {bytes_per_second('--low-bandwidth') / 1024:6.2f} KiB/s   (goal ≤ 6)")
    print(f"paused and idle:             {bytes_per_second('--paused'):6.1f} B/s     (goal ≤ 100)")
    frame, torch_import = first_frame_seconds(), import_torch_seconds()
    print(f"first frame ÷ import torch:  {frame:.2f} s ÷ {torch_import:.2f} s = {frame / torch_import:.2f}"
          "   (goal ≤ 0.5)")
    app_and_headless()


def app_and_headless(pairs: int = 40, sizes: tuple[int, ...] = (1_000, 100_000)) -> None:
    print("app ÷ headless epochs/s at --speed max, 3 ghosts, median of alternating turns (goal ≥ 0.95 against pure):")
    for n in sizes:
        for size in ((120, 40), (160, 50)):
            turns = app_and_headless_turns(n, size, pairs)
            app, pure, logging = (statistics.mean(rates) for rates in zip(*turns, strict=True))
            counts = Path(COUNTS)  # an older logreg-tui writes none
            child, here, restarts = counts.read_text().split() if counts.exists() else ("n/a",) * 3
            counts.unlink(missing_ok=True)
            print(f"  N {n:>7} {size[0]}×{size[1]}: ÷ pure {_quartiles(app_ratios(turns, 1))}, "
                  f"÷ logging every 100 {_quartiles(app_ratios(turns, 2))}; mean epochs/s app {app:.0f}, "
                  f"pure {pure:.0f}, logging {logging:.0f}; pictures drawn by the plot process {child}, "
                  f"by the app {here} (restarts {restarts})", flush=True)


def _option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


if __name__ == "__main__":
    DATA.extend(["--dataset", _option("--dataset", "")] if "--dataset" in sys.argv else [])
    main(only_app="--app" in sys.argv[1:], pairs=int(_option("--pairs", "40")),
         sizes=tuple(int(n) for n in _option("--n", "1000,100000").split(",")), only_bytes="--bytes" in sys.argv)
