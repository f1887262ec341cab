"""--record FILE.cast: what the app writes to the terminal, as it writes it, in asciicast v2 (asciinema's format:
a JSON header with the terminal's size and TERM, then one `[seconds, "o", text]` line per write and
`[seconds, "r", "COLSxROWS"]` per resize). It plays back with `asciinema play` and asciinema's web player.

The driver's own writes are copied, so the terminal receives exactly the bytes it would without the recording.
All or none, and never over a file that exists: the events go to a hidden file beside the name, which becomes the
name (a hard link, which fails where the name exists) only once the app has closed cleanly.
"""

from __future__ import annotations

import json
import os
import termios
import threading
import time
from pathlib import Path

from textual import events
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message


class RecordError(Exception):
    """Why --record cannot write its file, in one line."""


class CastRecorder:
    """The asciicast being written: `output` and `resize` from the app's threads, `finish` once it has closed."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        if self.path.exists():
            raise RecordError(f"--record {path}: the file exists (a recording never overwrites one)")
        self._part = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        try:
            self._file = self._part.open("x", encoding="utf-8")
        except OSError as error:
            raise RecordError(f"--record {path}: {error.strerror or error}") from None
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._size: tuple[int, int] | None = None
        self._failed = ""  # the write that failed (a full disk): nothing is kept
        self._crlf = False
        self.events = 0

    def start(self, width: int, height: int, crlf: bool = False) -> None:
        """The header: the terminal's size and TERM as the app starts (back from ctrl+z: the size, if new);
        `crlf`: the terminal turns each newline into CR LF on its way out (ONLCR, as a pty does by default), so
        the recording does too: what the terminal got, and what a player needs to draw it."""
        self._crlf = crlf
        if self._size is not None:
            return self.resize(width, height)
        self._size = (width, height)
        env = {name: os.environ[name] for name in ("TERM", "SHELL") if name in os.environ}
        self._write({"version": 2, "width": width, "height": height, "timestamp": int(time.time()), "env": env})

    def output(self, text: str) -> None:
        if text:
            self._write([self._seconds(), "o", text.replace("\n", "\r\n") if self._crlf else text])

    def resize(self, width: int, height: int) -> None:
        if self._size is not None and (width, height) != self._size:
            self._size = (width, height)
            self._write([self._seconds(), "r", f"{width}x{height}"])

    def finish(self) -> str:
        """Close the file and give it its name: what was recorded, or why nothing was kept (one line)."""
        with self._lock:
            try:
                self._file.close()
            except OSError as error:
                self._failed = self._failed or (error.strerror or str(error))
            if self._failed:
                self._part.unlink(missing_ok=True)
                raise RecordError(f"--record {self.path}: {self._failed}; nothing kept")
            try:
                os.link(self._part, self.path)
            except OSError as error:
                raise RecordError(f"--record {self.path}: {error.strerror or error}; the recording is in "
                                  f"{self._part}") from None
            self._part.unlink()
        return f"recorded {self.path}: {self._seconds():.1f} s, {self.events} writes (asciinema play {self.path})"

    def _seconds(self) -> float:
        return round(time.monotonic() - self._started, 6)

    def _write(self, event: object) -> None:
        with self._lock:
            if self._failed or self._file.closed:
                return
            try:
                self._file.write(json.dumps(event, ensure_ascii=False) + "\n")
                self.events += 1
            except OSError as error:  # a full disk: the app goes on, the recording stops and is not kept
                self._failed = error.strerror or str(error)


def recording_driver(recorder: CastRecorder) -> type[LinuxDriver]:
    """Textual's Linux driver, each write copied to the recorder and each new terminal size recorded."""

    class RecordingDriver(LinuxDriver):
        def start_application_mode(self) -> None:
            try:
                output_flags = termios.tcgetattr(self.fileno)[1]
            except termios.error:  # not a terminal: written as is
                output_flags = 0
            crlf = output_flags & termios.OPOST and output_flags & termios.ONLCR
            recorder.start(*self._get_terminal_size(), crlf=bool(crlf))
            super().start_application_mode()

        def write(self, data: str) -> None:
            super().write(data)
            recorder.output(data)

        def _get_terminal_size(self) -> tuple[int, int]:  # SIGWINCH's size
            size = super()._get_terminal_size()
            recorder.resize(*size)
            return size

        def process_message(self, message: Message) -> None:  # a terminal that reports its size in band
            if isinstance(message, events.Resize):
                recorder.resize(message.size.width, message.size.height)
            super().process_message(message)

    return RecordingDriver
