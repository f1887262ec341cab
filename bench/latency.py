"""Key latency at full speed: time from writing `+` (or `-`) to the new lr on a real terminal's screen.

Runs the installed `logreg-tui --speed max` (N 1e3, 120×40, or the app options given after the presses) in a
pseudo-terminal, waits for it to train, then presses + and - in turn, reading the screen as bytes arrive.
Prints the median and worst latency.

    python bench/latency.py [presses] [app options]    # goal: median ≤ 50 ms, worst ≤ 100 ms
    python bench/latency.py 20 --batch-size 1 --n-points 200000   # a long epoch of 200k steps
    python bench/latency.py 10 --n-points 10000000                 # full batch, 1e7 points an epoch
"""

import os
import re
import select
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from terminal import Terminal, installed_command


def seconds_until(term: Terminal, pattern: re.Pattern, timeout: float = 2.0) -> float:
    """Seconds until the screen matches, parsing every read at once (unlike Terminal.wait_for's 50 ms steps)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        ready, _, _ = select.select([term.fd], [], [], 0.002)
        if ready:
            term.stream.feed(os.read(term.fd, 65536))
            if pattern.search("\n".join(term.screen.display)):
                return time.monotonic() - started
    raise AssertionError(f"no {pattern.pattern!r} within {timeout} s")


def main() -> None:
    presses = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    extra = sys.argv[2:]
    term = Terminal([installed_command(), "--speed", "max", "--epochs", "0", *extra], 120, 40)
    try:
        term.wait_for(r"status\s+running", timeout=120)
        term.pump(2.0)
        _ = term.text  # parse what came so far
        latencies = []
        for k in range(presses):
            key, lr = ("+", "0.4") if k % 2 == 0 else ("-", "0.2")
            time.sleep(0.3)  # a person's pace; the app trains flat out meanwhile
            while select.select([term.fd], [], [], 0)[0]:
                term.stream.feed(os.read(term.fd, 65536))
            os.write(term.fd, key.encode())
            latencies.append(seconds_until(term, re.compile(rf"lr\s+{re.escape(lr)}\s"), timeout=60))
        epoch = re.search(r"epoch\s+(\d+)", "\n".join(term.screen.display)).group(1)
    finally:
        term.close()
    ms = sorted(1000 * s for s in latencies)
    print(f"key → new lr on screen at --speed max {' '.join(extra) or '(N 1e3)'}, 120×40, {presses} presses "
          f"(trained to epoch {epoch}): "
          f"median {statistics.median(ms):.0f} ms, worst {ms[-1]:.0f} ms   (goals ≤ 50, ≤ 100)")


if __name__ == "__main__":
    main()
