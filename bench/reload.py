"""A --function reload: seconds from a save to the verdict, as a new checker process per check (what the app did
before: a Python and torch started per save) and as the app's warm checker (one process with torch imported,
forking a child per check), measured in turns side by side. Also the first check, which waits for torch.

    python bench/reload.py [turns]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from logreg_tui.training.homework import Checker, load_and_check

FUNCTION = str(Path(__file__).parent.parent / "tests" / "data" / "functions" / "correct.py")
SIZES = (1000,)  # the tutorial's training set: the check runs the Function there too


def _seconds(checker: Checker | None) -> float:
    started = time.perf_counter()
    assert load_and_check(FUNCTION, sizes=SIZES, checker=checker).verdict.passed
    return time.perf_counter() - started


def main(turns: int = 7) -> None:
    checker = Checker()
    first = _seconds(checker)  # starts the server: its torch import, then the check
    cold, warm = [], []
    for _ in range(turns):  # alternating, so a noisy neighbour slows both alike
        cold.append(_seconds(None))
        warm.append(_seconds(checker))
    checker.close()
    cold_median, warm_median = statistics.median(cold), statistics.median(warm)
    print(f"first check (starts the checker): {first:.2f} s")
    print(f"reload, a new process per check:  median {cold_median:.2f} s (min {min(cold):.2f}, max {max(cold):.2f})")
    print(f"reload, the warm checker:         median {warm_median:.3f} s (min {min(warm):.3f}, max {max(warm):.3f})")
    print(f"warm ÷ new process: {warm_median / cold_median:.3f}  (goal: a save answers well under a second)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
