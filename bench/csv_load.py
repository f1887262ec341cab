"""Loading a large CSV: logreg-tui's reader beside numpy's own np.loadtxt on the same file, in one run.

Prints, per row count, the seconds each takes (best of 3, each in a fresh process) and the load's peak extra
memory (tracemalloc, which sees numpy's buffers) against the data's float64 size (rows × 2 × 8 bytes).

    python bench/csv_load.py [rows ...]     # default 1e6 1e7; goals: time ≤ 2× loadtxt, memory ≤ 2× float64 size
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

MEASURE = """
import sys, time, tracemalloc
import numpy as np
from logreg_tui.core.model.data import load_csv
tracemalloc.start()
started = time.perf_counter()
if sys.argv[2] == "loadtxt":
    np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
else:
    load_csv(sys.argv[1])
print(time.perf_counter() - started, tracemalloc.get_traced_memory()[1])
"""


def measure(path: Path, reader: str) -> tuple[float, int]:
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", MEASURE, str(path), reader], capture_output=True, text=True,
                             check=True).stdout.split()
        runs.append((float(out[0]), int(out[1])))
    return min(r[0] for r in runs), max(r[1] for r in runs)


def main() -> None:
    sizes = [int(float(a)) for a in sys.argv[1:]] or [1_000_000, 10_000_000]
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            path = Path(folder) / f"rows{rows}.csv"
            rng = np.random.RandomState(0)
            with open(path, "w") as file:
                file.write("x,label\n")
                for start in range(0, rows, 1_000_000):
                    n = min(1_000_000, rows - start)
                    np.savetxt(file, np.column_stack([rng.randn(n), rng.randint(0, 2, n)]), fmt=["%.6f", "%d"],
                               delimiter=",")
            ours, ours_peak = measure(path, "logreg-tui")
            theirs, theirs_peak = measure(path, "loadtxt")
            size = rows * 2 * 8
            print(f"{rows:.0e} rows ({path.stat().st_size / 2**20:.0f} MB): logreg-tui {ours:.2f} s, np.loadtxt "
                  f"{theirs:.2f} s: {ours / theirs:.2f}× (goal ≤ 2); peak extra memory {ours_peak / 2**20:.0f} MB = "
                  f"{ours_peak / size:.2f}× the float64 data (goal ≤ 2; loadtxt alone {theirs_peak / size:.2f}×)",
                  flush=True)


if __name__ == "__main__":
    main()
