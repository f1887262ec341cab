"""Where the app's files go: the run's export and screenshots, into the directory, or as one download to the
browser tab that runs the app (--serve), never onto the server's disk. Each returns what the message line says."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from textual.app import App

from logreg_tui.core.files.export import export_run, run_files, run_stem, write_new_file, zipped
from logreg_tui.core.model.options import Options
from logreg_tui.core.model.state import Snapshot
from logreg_tui.views.screenshot import placed_cells

MAX_PENDING_DELIVERIES = 5  # unfetched downloads a tab's app holds at most (1000 e presses grew it by 380 MB)


class Outbox:
    """Writes or delivers the app's files; counts the downloads a browser has not fetched yet."""

    def __init__(self, app: App, directory: Path) -> None:
        self._app = app
        self.directory = directory
        self.pending_deliveries = 0  # downloads sent to a browser tab and not yet fetched

    def export(self, options: Options, snapshot: Snapshot) -> str:
        """The run's files from the options that start it now (a preset or a checklist of features replaces the
        command line's)."""
        if self._app.is_web:  # one zip: a page may open one download per key press (a browser blocks the second)
            stem = run_stem(snapshot)
            files = run_files(options, snapshot, stem)
            return self._deliver(f"{stem}.zip", zipped(files),
                                 f"sent {stem}.zip to the browser: {', '.join(name for name, _ in files)}")

        def export() -> str:
            csv_path, json_path, ghosts = export_run(self.directory, options, snapshot)
            also = f" (+ {len(ghosts)} ghost CSV{'s' if len(ghosts) > 1 else ''})" if ghosts else ""
            return f"exported {csv_path}, {json_path.name} and {json_path.stem}-script.py{also}"

        return self._save("export", export)

    def screenshot(self) -> str:
        svg = placed_cells(self._app.export_screenshot())  # drawn right by rsvg-convert and browsers alike
        if self._app.is_web:
            return self._deliver("logreg-tui.svg", svg.encode(), "sent logreg-tui.svg to the browser")
        return self._save("screenshot", lambda: f"saved {write_new_file(self.directory, 'logreg-tui', '.svg', svg)}")

    def delivered(self) -> None:
        """A download was fetched, or failed: it is no longer held."""
        self.pending_deliveries = max(self.pending_deliveries - 1, 0)

    def _deliver(self, name: str, data: bytes, done: str) -> str:
        """A file as one download in the browser tab (textual-serve), unless MAX_PENDING_DELIVERIES wait (each is
        held in memory)."""
        if self.pending_deliveries >= MAX_PENDING_DELIVERIES:
            return (f"{self.pending_deliveries} downloads are waiting for the browser to fetch them; "
                    "allow this page's pop-ups (or fetch them) first")
        self.pending_deliveries += 1
        self._app.deliver_binary(io.BytesIO(data), save_filename=name)
        return done

    def _save(self, what: str, write: Callable[[], str]) -> str:
        """Write files into the directory: where they went, or why not."""
        try:
            return write()
        except OSError as error:
            return f"{what} failed: {error.strerror or error}: {self.directory}"
