"""Memory over a long run and CPU while paused: what leaving the app open all day costs.

Runs the installed `logreg-tui` (headless, and the app in a pseudo-terminal) and prints
RSS after 1e6 epochs − RSS after 1e3, for both at once, and the app's CPU while paused and idle.

    python bench/resources.py            # about 4 minutes here: a million epochs each
    python bench/resources.py 100000     # a shorter run
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from longrun import EARLY_EPOCH, MB, headless_and_app_rss  # noqa: E402
from terminal import Terminal, cpu_seconds, installed_command  # noqa: E402



def paused_cpu_share(seconds: float = 10.0) -> float:
    """CPU time of the app (all threads, and its plot process) ÷ wall time, paused and idle, after a second."""
    term = Terminal([installed_command(), "--paused"], 120, 40)
    try:
        term.wait_for(r"status\s+paused", timeout=30)
        term.pump(1.0)
        used, started = cpu_seconds(term.pid), time.monotonic()
        term.pump(seconds)
        return (cpu_seconds(term.pid) - used) / (time.monotonic() - started)
    finally:
        term.close()


def main() -> None:
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    for name, (early, late) in headless_and_app_rss(epochs, timeout=3600).items():
        print(f"{name:>8}: RSS after {epochs:.0e} epochs − after {EARLY_EPOCH:.0e} = "
              f"{late / MB:.1f} − {early / MB:.1f} = {(late - early) / MB:+.1f} MB   (goal ≤ 20)")
    print(f"paused and idle: {paused_cpu_share() * 100:.2f} % of a core   (goal ≤ 2)")


if __name__ == "__main__":
    main()
