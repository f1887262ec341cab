"""Memory over a long run, peak memory at N 1e6, CPU while paused: what leaving the app open all day costs.

Runs the installed `logreg-tui` (headless, and the app in a pseudo-terminal) and prints RSS after 1e6
epochs − RSS after 1e3, for both at once; peak RSS at N 1e6 over 200 epochs of headless, the app and
the tutorial's own loop (bench/tutorial_loop.py), one after another; and the app's CPU while paused.

    python bench/resources.py            # about 5 minutes here: a million epochs each
    python bench/resources.py 100000     # a shorter run
    python bench/resources.py --reseeds  # only the app's RSS at N 1e6 before and after three reseeds
    python bench/resources.py --many     # only the peak of a headless run on a CSV of N 1e5 rows × d 100
"""

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from longrun import EARLY_EPOCH, MB, headless_and_app_rss
from terminal import Terminal, cpu_seconds, family, installed_command, rss_bytes


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


PEAK_N, PEAK_EPOCHS = 1_000_000, 200


def peak_kb(command: list[str]) -> int:
    """Peak RSS of a command run to its end (GNU time's maximum resident set size)."""
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True)
    return int(result.stderr.strip().splitlines()[-1])


def app_peak_kb() -> int:
    """Peak RSS (VmHWM) of the app plus that of its plot process, trained to the end at N 1e6, 120×40."""
    term = Terminal([installed_command(), "--n-points", str(PEAK_N), "--epochs", str(PEAK_EPOCHS),
                     "--speed", "max"], 120, 40)
    try:
        term.wait_for(r"status\s+done", timeout=300)
        peaks = [re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()) for pid in family(term.pid)]
        term.press("q")
        return sum(int(match.group(1)) for match in peaks if match)
    finally:
        term.close()


def rss_around_reseeds(n: int = 1_000_000, reseeds: int = 3) -> tuple[int, int]:
    """RSS of the app (and its plot process) trained a moment at N `n`, then after `reseeds` reseeds (r), each
    trained a moment too, so that every run is kept as a ghost."""
    term = Terminal([installed_command(), "--n-points", str(n), "--paused"], 120, 40)
    try:
        term.wait_for(r"status\s+paused", timeout=120)
        rss = []
        for k in range(reseeds + 1):
            if k:
                term.press("r")
                term.wait_for(rf"seed\s+{42 + k}", timeout=120)
            term.press("N", "N", "N")
            term.wait_for(r"epoch\s+30 /", timeout=120)
            term.pump(2.0)
            rss.append(rss_bytes(term.pid))
        return rss[0], rss[-1]
    finally:
        term.close()


def peaks() -> None:
    tutorial = peak_kb([sys.executable, str(Path(__file__).parent / "tutorial_loop.py"), str(PEAK_N), str(PEAK_EPOCHS)])
    headless = peak_kb([installed_command(), "--headless", "--n-points", str(PEAK_N), "--epochs", str(PEAK_EPOCHS)])
    app = app_peak_kb()
    print(f"peak RSS at N 1e6, {PEAK_EPOCHS} epochs: headless {headless / 1024:.0f} MB, app (and its plot process) "
          f"{app / 1024:.0f} MB, tutorial loop {tutorial / 1024:.0f} MB; headless ÷ tutorial "
          f"{headless / tutorial:.2f}   (goal ≤ 1)")


def reseeds() -> None:
    before, after = rss_around_reseeds()
    print(f"app at N 1e6: RSS {before / MB:.0f} MB, after 3 reseeds (3 ghosts) {after / MB:.0f} MB: "
          f"{(after - before) / MB:+.0f} MB")


MANY_N, MANY_D, MANY_EPOCHS = 100_000, 100, 50


def write_many(path: Path, n: int, d: int) -> None:
    """A CSV of n rows × d standard-normal features (5 decimals) and a 0/1 label from σ of a random plane."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d)).round(5)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ rng.normal(size=d)) * 2 / np.sqrt(d)))).astype(int)
    with path.open("w") as file:
        file.write(",".join([f"f{j}" for j in range(d)] + ["label"]) + "\n")
        np.savetxt(file, np.column_stack([X, y]), delimiter=",", fmt=["%.5f"] * d + ["%d"])


def many() -> None:
    """Peak RSS of `--headless --data F --x-columns all` at N 1e5, d 100 beside the same run on 100 rows (what
    does not grow with the data) and beside Python importing torch and the package."""
    with tempfile.TemporaryDirectory() as folder:
        big, small = Path(folder, "many.csv"), Path(folder, "few.csv")
        write_many(big, MANY_N, MANY_D)
        write_many(small, 100, MANY_D)
        run = [installed_command(), "--headless", "--x-columns", "all", "--epochs", str(MANY_EPOCHS)]
        peak, fixed = peak_kb([*run, "--data", str(big)]) / 1024, peak_kb([*run, "--data", str(small)]) / 1024
    imports = peak_kb([sys.executable, "-c", "import torch, numpy, logreg_tui.cli.main"]) / 1024
    data = MANY_N * MANY_D * 4 / 2**20
    print(f"peak RSS, headless on a CSV of N {MANY_N:.0e} × d {MANY_D}, {MANY_EPOCHS} epochs: {peak:.0f} MB; the same "
          f"run on 100 rows {fixed:.0f} MB; Python importing torch and the package {imports:.0f} MB; the data in "
          f"float32 {data:.0f} MB")
    print(f"  (peak − 100-row run) ÷ data {(peak - fixed) / data:.2f}, (peak − imports) ÷ data "
          f"{(peak - imports) / data:.2f}   (goal ≤ 1.5)")


def main() -> None:
    if "--reseeds" in sys.argv[1:]:
        return reseeds()
    if "--many" in sys.argv[1:]:
        return many()
    peaks()
    reseeds()
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    for name, (early, late) in headless_and_app_rss(epochs, timeout=3600).items():
        print(f"{name:>8}: RSS after {epochs:.0e} epochs − after {EARLY_EPOCH:.0e} = "
              f"{late / MB:.1f} − {early / MB:.1f} = {(late - early) / MB:+.1f} MB   (goal ≤ 20)")
    print(f"paused and idle: {paused_cpu_share() * 100:.2f} % of a core   (goal ≤ 2)")


if __name__ == "__main__":
    main()
