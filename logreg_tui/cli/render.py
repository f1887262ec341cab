"""--replay RUN.json --render FILE.cast: the run played in the app in a pseudo-terminal of its own, at --size, and
recorded as --record records a person's terminal (tui/recording.py), with no screen of ours. The child is this
program with the same options, --record FILE.cast and --exit-when-done instead of --render and --size; what it draws
is read and dropped here (a terminal that nobody watches), and its exit status is the render's.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from logreg_tui.core.model.options import Options, fail

RENDER_TIMEOUT = 3600.0  # seconds a render may take at most (a replay at --speed 1 of many epochs)
OWN_OPTIONS = ("--render", "--size")  # the render's, not the child's


def run_render(options: Options, argv: list[str]) -> int:
    path = Path(options.render or "")
    if not options.replay:  # (checked here: a replay's own options are parsed again without --replay)
        return fail("--render plays a recorded run: give it --replay RUN.json")
    if path.suffix != ".cast":
        return fail(f"--render {path}: only an asciicast (.cast) is rendered; asciinema's agg turns one into a GIF")
    if path.exists():
        return fail(f"--render {path}: the file exists (a render never overwrites one)")
    columns, rows = options.size
    child = [sys.executable, "-m", "logreg_tui", *_without(argv, OWN_OPTIONS), "--record", str(path),
             "--exit-when-done"]
    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {name: value for name, value in os.environ.items() if name not in ("COLUMNS", "LINES")}
    if env.get("TERM", "dumb") == "dumb":
        env["TERM"] = "xterm-256color"
    started = time.monotonic()
    process = subprocess.Popen(child, stdin=secondary, stdout=secondary, stderr=secondary, env=env,
                               start_new_session=True)
    os.close(secondary)
    said = _drain(primary, process)
    os.close(primary)
    code = process.wait()
    if code or not path.exists():
        line = next((line for line in reversed(said.splitlines()) if line.startswith("logreg-tui: ")), "")
        return fail(line.removeprefix("logreg-tui: ") or f"--render {path}: the app ended with status {code}",
                    code or 2)
    print(f"logreg-tui: rendered {path} at {columns}x{rows} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


def _drain(primary: int, process: subprocess.Popen) -> str:
    """Read what the child writes until it ends (a terminal must be read, or the child blocks writing); the last
    of it as text, for a child that says why it failed."""
    tail, deadline = b"", time.monotonic() + RENDER_TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.2)
        if ready:
            try:
                data = os.read(primary, 65536)
            except OSError:  # the child closed its side
                break
            if not data:
                break
            tail = (tail + data)[-4096:]
        elif process.poll() is not None:
            break
    else:
        process.kill()
    return tail.decode(errors="replace")


def _without(argv: list[str], names: tuple[str, ...]) -> list[str]:
    """argv without the options named and their values (given as --name VALUE or --name=VALUE)."""
    kept, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word in names:
            skip = True
        elif not word.startswith(tuple(f"{name}=" for name in names)):
            kept.append(word)
    return kept
