"""What a person over SSH gets: bytes/s, time to first frame, and what the open app costs training.

Runs the installed `logreg-tui` in a pseudo-terminal (tests/terminal.py) and prints ratios measured
side by side in this one run.

    python bench/terminal.py
"""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from terminal import Terminal, installed_command  # noqa: E402

APP = installed_command()


def bytes_per_second(*args: str, seconds: float = 5.0, paused: bool = False) -> float:
    term = Terminal([APP, *args], 120, 40)
    try:
        term.wait_for(r"status\s+(running|paused)", timeout=30)
        term.pump(1.0)  # past the first frames (and, paused, the idle second)
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


def headless_rate(n: int, epochs: int) -> float:
    out = subprocess.run([APP, "--headless", "--json", "--epochs", str(epochs), "--n-points", str(n)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["epochs_per_second"]


def app_rate(n: int, seconds: float = 6.0) -> float:
    """Epochs/s with the app open at --speed max and the default --fps, read off its own screen."""
    term = Terminal([APP, "--speed", "max", "--epochs", "0", "--n-points", str(n)], 120, 40)
    try:
        term.wait_for(r"status\s+running", timeout=30)
        term.pump(1.0)
        first = int(re.search(r"epoch\s+(\d+)", term.text).group(1)), time.monotonic()
        term.pump(seconds)
        last = int(re.search(r"epoch\s+(\d+)", term.text).group(1)), time.monotonic()
        return (last[0] - first[0]) / (last[1] - first[1])
    finally:
        term.close()


def main() -> None:
    print(f"120×40, TERM=xterm-256color, {APP}")
    print(f"training, defaults:          {bytes_per_second() / 1024:6.2f} KiB/s   (goal ≤ 24)")
    print(f"training, --low-bandwidth:   {bytes_per_second('--low-bandwidth') / 1024:6.2f} KiB/s   (goal ≤ 6)")
    print(f"paused and idle:             {bytes_per_second('--paused'):6.1f} B/s     (goal ≤ 100)")
    frame, torch_import = first_frame_seconds(), import_torch_seconds()
    print(f"first frame ÷ import torch:  {frame:.2f} s ÷ {torch_import:.2f} s = {frame / torch_import:.2f}   (goal ≤ 0.5)")
    for n, epochs in ((1_000, 6_000), (100_000, 1_500)):
        headless = headless_rate(n, epochs)
        app = app_rate(n)
        print(f"N {n:>7}: app ÷ headless epochs/s = {app:.0f} ÷ {headless:.0f} = {app / headless:.2f}   (goal ≥ 0.95)")


if __name__ == "__main__":
    main()
