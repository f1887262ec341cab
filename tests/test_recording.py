"""--record FILE.cast (issue 44): the terminal's output as an asciicast v2, played back through a terminal emulator."""

import json
import re

import pyte
import pytest
from terminal import Terminal, installed_command


class RawTerminal(Terminal):
    """The pseudo-terminal of tests/terminal.py, keeping every byte the program wrote."""

    def _parse(self) -> None:
        self.raw = getattr(self, "raw", b"") + b"".join(self._unparsed)
        super()._parse()


def _played(events: list, width: int, height: int, upto: int) -> str:
    """The screen of an emulator fed the cast's output events, up to `upto` bytes of them, resizes in place."""
    screen = pyte.Screen(width, height)
    stream = pyte.ByteStream(screen)
    fed = 0
    for _, kind, data in events:
        if kind == "r":
            columns, rows = map(int, data.split("x"))
            screen.resize(rows, columns)
            continue
        chunk = data.encode()[:upto - fed]
        stream.feed(chunk)
        fed += len(chunk)
        if fed >= upto:
            break
    return "\n".join(line.rstrip() for line in screen.display)


def test_a_recorded_cast_plays_back_to_the_screen_the_app_showed(tmp_path):
    cast = tmp_path / "run.cast"
    term = RawTerminal([installed_command(), "--record", str(cast), "--paused", "--n-points", "300"], 100, 30,
                       cwd=str(tmp_path))
    try:
        term.wait_for(r"status\s+paused", timeout=60)
        term.press("N", "N", "N")
        term.wait_for(r"epoch\s+30 /")
        term.resize(110, 32)
        term.wait_for(r"epoch\s+30 /")
        term.press("k")
        term.wait_for(r"κ at min")
        term.pump(1.5)  # paused: nothing more is drawn
        shown, written = term.text, len(term.raw)
        assert not list(tmp_path.glob("*.cast"))  # all or none: the name appears once the app has closed
        term.press("q")
        assert term.wait_exit(20) == 0
        term.text  # noqa: B018 (reads what is left)
    finally:
        term.close()
    header, *events = [json.loads(line) for line in cast.read_text(encoding="utf-8").splitlines()]
    assert header["version"] == 2 and (header["width"], header["height"]) == (100, 30)
    assert header["env"]["TERM"] == "xterm-256color" and isinstance(header["timestamp"], int)
    assert [data for _, kind, data in events if kind == "r"] == ["110x32"]
    times = [event[0] for event in events]
    assert times == sorted(times) and {kind for _, kind, _ in events} == {"o", "r"}
    output = "".join(data for _, kind, data in events if kind == "o").encode()
    assert term.raw.startswith(output)  # exactly the bytes the terminal got: the recording adds none
    assert term.raw[len(output):].decode().startswith("logreg-tui: recorded ")  # then the line saying where
    assert _played(events, 100, 30, written) == shown
    assert not list(tmp_path.glob(".*.part"))


def test_a_recording_never_overwrites_and_a_bad_place_is_one_line(cli, tmp_path):
    existing = tmp_path / "kept.cast"
    existing.write_text("mine")
    refused = cli("--record", str(existing), process=True)
    assert refused.returncode == 2 and existing.read_text() == "mine"
    assert refused.stderr.strip() == f"logreg-tui: --record {existing}: the file exists (a recording never " \
                                     "overwrites one)"
    nowhere = cli("--record", str(tmp_path / "missing" / "run.cast"), process=True)
    assert nowhere.returncode == 2 and nowhere.stderr.strip() == \
        f"logreg-tui: --record {tmp_path / 'missing' / 'run.cast'}: No such file or directory"
    for args, says in ((["--headless"], "--record is for the app; it does nothing with --headless"),
                       (["--serve"], "--record records this terminal's app; --serve's tabs are drawn in browsers")):
        result = cli("--record", str(tmp_path / "x.cast"), *args)
        assert result.returncode == 2 and says in result.stderr and not list(tmp_path.glob("x.cast"))


@pytest.mark.pty  # the render runs the app in a pseudo-terminal of its own
def test_a_replay_renders_as_a_cast_that_ends_on_the_runs_last_frame(cli, tmp_path):
    run = cli("--headless", "--epochs", "101", "--lr", "0.4", "--json", "--export", str(tmp_path))
    summary = json.loads(run.stdout)
    recorded = next(tmp_path.glob("*.json"))
    cast = tmp_path / "run.cast"
    rendered = cli("--replay", str(recorded), "--render", str(cast), "--size", "100x30", "--speed", "max",
                   process=True)
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stderr.startswith(f"logreg-tui: rendered {cast} at 100x30 in ")
    header, *events = [json.loads(line) for line in cast.read_text(encoding="utf-8").splitlines()]
    assert (header["version"], header["width"], header["height"]) == (2, 100, 30)
    screen = _played(events, 100, 30, 10**9)
    assert re.search(r"status\s+done", screen) and re.search(r"epoch\s+101 / 101", screen)
    assert re.search(rf"\bw\s+{summary['w']:.6g}\b", screen) and re.search(rf"\bb\s+{summary['b']:.6g}\b", screen)
    again = cli("--replay", str(recorded), "--render", str(cast), process=True)
    assert again.returncode == 2 and "the file exists (a render never overwrites one)" in again.stderr


def test_render_refuses_what_it_cannot_do_in_one_line(cli):
    """(A kind it cannot make, a name taken, a missing extra: tests/test_animation.py.)"""
    for args, says in ((["--render", "x.cast"], "--render plays a recorded run: give it --replay RUN.json"),
                       (["--size", "100x30"], "--size is --render's terminal; give --render FILE.cast"),
                       (["--render", "x.cast", "--size", "9x9"], "columns 40 … 400, rows 12 … 200"),
                       (["--render", "x.cast", "--record", "y.cast"], "--render records its own terminal")):
        result = cli(*args)
        assert result.returncode == 2 and says in result.stderr, (args, result.stderr)
