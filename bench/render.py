"""Renders (issue 44): the tutorial's 1001 epochs, exported headless, rendered from its replay at 120×40 and 10 fps
as a cast, an animated SVG and a GIF; each render's wall time and file size, and the goals (≤ 30 s, SVG ≤ 2 MB, GIF
≤ 4 MB).

    python bench/render.py [--size 120x40] [--fps 10] [--speed 100] [--keep DIR]
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOALS = {".cast": (30.0, None), ".svg": (30.0, 2e6), ".gif": (30.0, 4e6)}  # seconds, bytes at most


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--fps", default="10")
    parser.add_argument("--speed", default="100", help="the replay's epochs/s cap: the animation's pace")
    parser.add_argument("--keep", help="copy the renders into this folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    command = [sys.executable, "-m", "logreg_tui"]
    subprocess.run([*command, "--headless", "--export", str(folder)], check=True, capture_output=True)
    recorded = next(folder.glob("*.json"))
    print(f"the tutorial (1001 epochs) at {args.size}, {args.fps} fps, --speed {args.speed}")
    print(f"{'render':>8} {'seconds':>8} {'bytes':>10}  goal")
    for suffix, (seconds_at_most, bytes_at_most) in GOALS.items():
        target = folder / f"tutorial{suffix}"
        started = time.perf_counter()
        subprocess.run([*command, "--replay", str(recorded), "--render", str(target), "--size", args.size,
                        "--fps", args.fps, "--speed", args.speed], check=True, capture_output=True)
        seconds, size = time.perf_counter() - started, target.stat().st_size
        met = seconds <= seconds_at_most and (bytes_at_most is None or size <= bytes_at_most)
        goal = f"≤ {seconds_at_most:.0f} s" + (f", ≤ {bytes_at_most / 1e6:.0f} MB" if bytes_at_most else "")
        print(f"{suffix:>8} {seconds:>8.1f} {size:>10}  {goal}: {'met' if met else 'NOT met'}")
        if args.keep:
            shutil.copy(target, Path(args.keep) / target.name)


if __name__ == "__main__":
    main()
