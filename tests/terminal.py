"""A program in a real pseudo-terminal, read through the pyte emulator: what a person over SSH sees."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pyte


def installed_command() -> str | None:
    """The `logreg-tui` pip installed beside this interpreter, else the one on PATH.

    A version manager's shim on PATH may fork a wrapper that does not pass resize signals on.
    """
    beside = Path(sys.executable).parent / "logreg-tui"
    return str(beside) if beside.exists() else shutil.which("logreg-tui")


def _proc_text(pid: int | str, name: str) -> str:
    try:
        return Path(f"/proc/{pid}/{name}").read_text()
    except OSError:
        return ""  # gone between listing and reading


def family(pid: int) -> list[int]:
    """A process and all its descendants (the app's plot process among them), Linux."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_text(entry.name, "stat")):
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    pids = [pid]
    for parent in pids:  # grows as descendants are found
        pids += [child for child, its_parent in parents.items() if its_parent == parent]
    return pids


def rss_bytes(pid: int) -> int:
    """Resident memory of a running process and its descendants (Linux)."""
    found = (re.search(r"VmRSS:\s+(\d+) kB", _proc_text(p, "status")) for p in family(pid))
    return sum(int(match.group(1)) * 1024 for match in found if match)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a running process, all its threads and its descendants (Linux)."""
    total = 0
    for stat in filter(None, (_proc_text(p, "stat") for p in family(pid))):
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def catches(pid: int, signum: int) -> bool:
    """Whether a running process has a handler of its own for `signum` (Linux's SigCgt): a headless run sets its
    SIGTERM and SIGHUP handlers just before its first epoch, so this says training has begun."""
    found = re.search(r"SigCgt:\s+([0-9a-f]+)", _proc_text(pid, "status"))
    return bool(found and int(found.group(1), 16) >> (signum - 1) & 1)


KEYS = {"space": " ", "enter": "\r", "esc": "\x1b", "ctrl+c": "\x03", "ctrl+q": "\x11", "ctrl+s": "\x13",
        "ctrl+l": "\x0c"}


class Terminal:
    def __init__(self, argv: list[str], cols: int = 100, rows: int = 30, env: dict | None = None,
                 cwd: str | None = None) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.bytes_read = 0
        # parsed only when the screen is read: pyte is slow Python, and parsing while the program runs
        # would take CPU from it on a small machine (bench/terminal.py measures the program's speed)
        self._unparsed: list[bytes] = []
        self.exit_code: int | None = None
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program
            # An explicit environment: Textual takes COLUMNS/LINES over the terminal's real size, and
            # under pytest they can sit in the C-level environ without being in os.environ.
            child_env = {k: v for k, v in os.environ.items() if k not in ("COLORTERM", "COLUMNS", "LINES")}
            child_env.update({"TERM": "xterm-256color", **(env or {})})
            if cwd:
                os.chdir(cwd)
            try:
                os.execvpe(argv[0], argv, child_env)
            finally:
                os._exit(127)
        self.resize(cols, rows)

    def resize(self, cols: int, rows: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self._parse()  # what was written at the old size, at the old size
        self.screen.resize(rows, cols)
        if self.exit_code is None:
            os.kill(self.pid, signal.SIGWINCH)

    def pump(self, seconds: float) -> None:
        """Read what the program writes for `seconds`, or until it exits."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.05))
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    self._reap(block=True)
                    return
                self.bytes_read += len(data)
                self._unparsed.append(data)
            elif self._reap(block=False):
                return

    def _reap(self, block: bool) -> bool:
        if self.exit_code is None:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
            if pid:
                self.exit_code = os.waitstatus_to_exitcode(status)
        return self.exit_code is not None

    def _parse(self) -> None:
        if self._unparsed:
            self.stream.feed(b"".join(self._unparsed))
            self._unparsed = []

    @property
    def text(self) -> str:
        self._parse()
        return "\n".join(line.rstrip() for line in self.screen.display)

    def cells(self) -> list[list]:
        """The screen's cells (pyte Chars: data, fg, bg …), row by row."""
        self._parse()
        return [[self.screen.buffer[y][x] for x in range(self.screen.columns)] for y in range(self.screen.lines)]

    def wait_for(self, pattern: str, timeout: float = 20.0) -> float:
        """Seconds until the screen matches pattern; AssertionError with the screen otherwise."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if re.search(pattern, self.text):
                return time.monotonic() - start
            if self.exit_code is not None:
                break
            self.pump(0.05)
        raise AssertionError(f"screen never matched {pattern!r}:\n{self.text}")

    def press(self, *keys: str) -> None:
        for key in keys:
            os.write(self.fd, KEYS.get(key, key).encode())

    def wait_exit(self, timeout: float) -> int | None:
        end = time.monotonic() + timeout
        while self.exit_code is None and time.monotonic() < end:
            self.pump(0.05)
        return self.exit_code

    def close(self) -> None:
        if self.exit_code is None:
            os.kill(self.pid, signal.SIGKILL)
            self._reap(block=True)
        os.close(self.fd)
