"""--replay RUN.json --render FILE.cast|.svg|.gif: the run played in the app in a pseudo-terminal of its own, at --size,
and recorded as --record records a person's terminal (tui/recording.py), with no screen of ours; an SVG or a GIF is
drawn from that cast (cli/animation.py), and written all or none, never over a file. The child is this
program with the same options, --record FILE.cast and --exit-when-done instead of --render and --size; what it draws
is read and dropped here (a terminal that nobody watches), and its exit status is the render's.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from logreg_tui.cli.animation import CastError, cast_to_gif, cast_to_svg
from logreg_tui.core.files.export import write_exactly
from logreg_tui.core.model.options import Options, fail

RENDER_TIMEOUT = 3600.0  # seconds a render may take at most (a replay at --speed 1 of many epochs)
OWN_OPTIONS = ("--render", "--size")  # the render's, not the child's
# --colors → the terminal the child is told it has (auto: a browser's, all of them)
TERMINALS = {"auto": {"TERM": "xterm-256color", "COLORTERM": "truecolor"},
             "truecolor": {"TERM": "xterm-256color", "COLORTERM": "truecolor"},
             "256": {"TERM": "xterm-256color"}, "16": {"TERM": "xterm"}}
KINDS = (".cast", ".svg", ".gif")  # what a render makes, by the file's suffix
EXTRAS = {".cast": (), ".svg": ("pyte",), ".gif": ("agg_python_bindings", "PIL")}  # the modules each needs


def run_render(options: Options, argv: list[str]) -> int:
    path = Path(options.render or "")
    if not options.replay:  # (checked here: a replay's own options are parsed again without --replay)
        return fail("--render plays a recorded run: give it --replay RUN.json")
    if problem := _cannot_write(path):
        return fail(f"--render {path}: {problem}")
    if path.suffix == ".cast":
        return _record(path, options, argv)
    with tempfile.TemporaryDirectory(prefix=".logreg-tui-render-", dir=path.parent) as folder:
        cast = Path(folder) / "run.cast"
        code = _record(cast, options, argv, quiet=True)
        if code:
            return code
        started = time.monotonic()
        try:
            data = cast_to_svg(cast.read_text(encoding="utf-8"), options.fps).encode() if path.suffix == ".svg" \
                else cast_to_gif(cast, options.fps)
            write_exactly(path, data)
        except FileExistsError:
            return fail(f"--render {path}: the file exists (a render never overwrites one)")
        except (OSError, CastError) as error:
            return fail(f"--render {path}: {getattr(error, 'strerror', None) or error}")
    print(f"logreg-tui: rendered {path} ({len(data) / 1e6:.2f} MB) at {options.size[0]}x{options.size[1]}, the "
          f"frames drawn in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


def _cannot_write(path: Path) -> str:
    """Why a render cannot make `path` (a kind it does not make, a name taken, no folder, a missing extra), or ""."""
    if path.suffix not in KINDS:
        return f"a render is a {', '.join(KINDS[:-1])} or {KINDS[-1]} file"
    if path.exists() or path.is_symlink():
        return "the file exists (a render never overwrites one)"
    if not path.parent.is_dir():
        return f"no folder {path.parent}"
    missing = [module for module in EXTRAS[path.suffix] if importlib.util.find_spec(module) is None]
    if missing:
        extra = "render" if path.suffix == ".svg" else "gif"
        return f"a {path.suffix} needs {', '.join(missing)}: pip install 'logreg-tui[{extra}]'"
    return ""


def _record(path: Path, options: Options, argv: list[str], quiet: bool = False) -> int:
    """The app, as a child in a pseudo-terminal of --size, playing the replay into the cast at `path`."""
    columns, rows = options.size
    child = [sys.executable, "-m", "logreg_tui", *_without(argv, OWN_OPTIONS), "--record", str(path),
             "--exit-when-done"]
    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {name: value for name, value in os.environ.items() if name not in ("COLUMNS", "LINES", "COLORTERM")}
    env |= TERMINALS[options.colors]  # the colours a render is drawn in are its options', not this terminal's
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
    if not quiet:
        print(f"logreg-tui: rendered {path} at {columns}x{rows} in {time.monotonic() - started:.1f} s",
              file=sys.stderr)
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
