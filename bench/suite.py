"""The suite's time: wall seconds and the machine's CPU seconds of `python -m pytest -q [ARGS]` (issue 48).

    python bench/suite.py                                       the whole suite, as CI runs it
    python bench/suite.py -m "not slow and not pty and not serve"   the fast tier

CPU is read from /proc/stat (every process on the machine, whoever reaps it: a fork server's children are not the
test process's own), so run it on a quiet machine; the suite runs in parallel, so CPU ÷ wall says how full the
cores were kept. Linux only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds() -> tuple[float, float]:
    """(busy, stolen): CPU seconds the whole machine has spent busy since boot (/proc/stat's first line: user, nice,
    system, irq, softirq) and those a virtual machine's host gave to its other guests while this one wanted them
    (steal). Steal is the neighbours' load: it stretches the wall time without being the suite's work."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def main(args: list[str]) -> int:
    started, (busy, stolen) = time.monotonic(), cpu_seconds()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=ROOT,
                            capture_output=True, text=True)
    (busy_after, stolen_after), wall = cpu_seconds(), time.monotonic() - started
    cpu, steal = busy_after - busy, stolen_after - stolen
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-500:]
    print(f"pytest -q {' '.join(args)}".rstrip())
    print(f"  {summary}")
    lines = result.stdout.splitlines()
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    for line in failed:  # which failed, so that a figure with a failure is not taken for clean
        print(f"  {line}")
    if failed:  # and why: the lines pytest explains them with
        print("\n".join(line for line in lines if line.startswith(("E ", "_____", "tests/")))[-6000:])
    print(f"  wall {wall:.0f} s ({wall / 60:.1f} min), machine CPU {cpu:.0f} s, "
          f"{cpu / wall:.2f} cores busy of {os.cpu_count()}, stolen by the host {steal:.0f} s")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
