"""Nothing a person does loses the run (issue 46): quick double keys in prompts and the palette, in a real terminal
(a pseudo-terminal delivers both enters in one read, which Pilot's pressed keys never do)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import wait_for
from terminal import Terminal, installed_command


@pytest.mark.pty
def test_enter_twice_quickly_in_every_prompt_and_the_palette_keeps_the_app():
    term = Terminal([installed_command(), "--paused"], 120, 40)
    try:
        term.wait_for(r"status\s+paused", timeout=60)
        for key, typed, shown in ((b"L", b"0.4", r"lr\s+0\.4"), (b"T", b"0.3", r"\bt\s+0\.3"),
                                  (b"@", b"0.01", r"l2\s+0\.01"), (b"!", b"0.002", r"l1\s+0\.002"),
                                  (b"S", b"50", r"speed\s+.*cap 50")):
            os.write(term.fd, key)
            term.pump(0.4)
            os.write(term.fd, typed + b"\r\r")  # both enters in one write, as a quick double press arrives
            term.wait_for(shown, timeout=20)
            assert term.exit_code is None
        os.write(term.fd, b"\x10")  # ctrl+p: the command palette
        term.pump(0.8)
        os.write(term.fd, b"reseed")
        term.wait_for(r"next seed", timeout=20)  # the palette lists the command
        os.write(term.fd, b"\r\r")
        term.wait_for(r"seed\s+43\b", timeout=20)  # reseeded once, not twice, and alive
        term.pump(0.5)
        assert term.exit_code is None and "seed     44" not in term.text
        term.press("q")
        assert term.wait_exit(5) == 0
    finally:
        term.close()


FUNCTIONS = Path(__file__).parent / "data" / "functions"


@pytest.mark.parametrize("signum,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_headless_training_wedged_in_a_function_ends_on_a_signal_within_a_second_with_what_it_reached(signum, code,
                                                                                                     tmp_path):
    wedged = tmp_path / "wedged"
    process = subprocess.Popen([sys.executable, "-m", "logreg_tui", "--headless", "--epochs", "0", "--function",
                                str(FUNCTIONS / "loops_on_the_data.py")], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "WEDGED_MARK": str(wedged)})
    wait_for(wedged.exists, timeout=90, what="training wedged in the Function")
    time.sleep(0.2)  # well inside its endless loop
    process.send_signal(signum)
    sent = time.monotonic()
    out, err = process.communicate(timeout=30)
    assert process.returncode == code and time.monotonic() - sent < 3.0, err  # 1 s, and a loaded machine's slack
    assert out.splitlines()[-1].startswith("w: ") and "did not return within a second" in err
    assert "Traceback" not in err


@pytest.mark.pty
def test_q_ends_the_app_at_once_while_training_is_wedged_in_a_function(tmp_path):
    wedged = tmp_path / "wedged"
    term = Terminal([installed_command(), "--function", str(FUNCTIONS / "loops_on_the_data.py")], 100, 30,
                    env={"WEDGED_MARK": str(wedged)})
    try:
        term.wait_for(r"autograd\s+file", timeout=60)
        wait_for(wedged.exists, timeout=90, what="training wedged in the Function")
        term.pump(0.2)  # well inside its endless loop
        term.press("q")
        pressed = time.monotonic()
        assert term.wait_exit(5) == 0 and time.monotonic() - pressed < 2.0
    finally:
        term.close()


@pytest.mark.pty
def test_a_function_that_calls_os_exit_in_training_leaves_the_terminal_restored():
    term = Terminal([installed_command(), "--function", str(FUNCTIONS / "exits_in_training.py")], 100, 30)
    try:
        term.wait_for(r"autograd\s+file", timeout=60)
        _ = term.text  # what was written so far is parsed: what follows is the way out
        assert term.wait_exit(60) == 3
        written = b"".join(term._unparsed)
        assert b"\x1b[?1049l" in written and b"\x1b[?1003l" in written and b"\x1b[?25h" in written
    finally:
        term.close()


def test_an_export_never_follows_a_link_someone_swaps_in_for_its_temporary(tmp_path, monkeypatch):
    """Another user who can write to the export directory races the export: at every step they may replace what
    they can see there by a link to a victim file. The victim is never written, nor its mode changed."""
    from logreg_tui.core.files import export
    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.options import parse_options
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine

    victim = tmp_path / "victim"
    victim.write_text("secret\n")
    victim.chmod(0o600)
    shared = tmp_path / "shared"
    shared.mkdir()
    snapshot = Engine(make_tutorial_data(), TrainConfig()).run_epochs(3)
    real_write = export._Staging.write

    theirs = tmp_path / "theirs"
    theirs.mkdir()

    def attacker(staging, name, text):
        temporary = real_write(staging, name, text)
        for entry in list(shared.iterdir()):  # what another user sees in the directory (not inside a 0700 one)
            if entry.is_symlink() or entry.name.endswith(".moved"):
                continue
            if entry.is_dir():  # the private directory, moved aside for a link to one of theirs
                entry.rename(shared / f"{entry.name}.moved")
                entry.symlink_to(theirs, target_is_directory=True)
            else:
                entry.unlink()
                entry.symlink_to(victim)
        return temporary

    monkeypatch.setattr(export._Staging, "write", attacker)
    try:
        export.export_run(shared, parse_options([]), snapshot)
    except OSError:
        pass  # refusing is fine; following the link is not
    assert victim.read_text() == "secret\n" and (victim.stat().st_mode & 0o777) == 0o600
    assert list(theirs.iterdir()) == []  # nothing written through their link either


def test_an_exported_file_takes_its_mode_from_the_umask(tmp_path):
    from logreg_tui.core.files.export import write_new_file

    old = os.umask(0o027)
    try:
        path = write_new_file(tmp_path, "shot", ".svg", "<svg/>")
    finally:
        os.umask(old)
    assert (path.stat().st_mode & 0o777) == 0o640 and path.read_text() == "<svg/>"
    assert [entry.name for entry in tmp_path.iterdir()] == ["shot.svg"]  # no temporary, no private directory left


@pytest.mark.parametrize("name,content,said", [
    ("encoding-changes.csv", b"x,label\n" + b"1,0\n2,1\n" * 20_000 + "3,0\n\xe9,1\n".encode("latin-1"),
     "not UTF-8 text throughout"),
    ("utf16-odd-byte.csv", "x,label\n1,0\n2,1\n".encode("utf-16") + b"\x00", "not UTF-16 text throughout"),
    ("one-endless-line.csv", b"x,label\n1,0\n" + b"1" * (3 << 20) + b",1\n", ":3: a line longer than 1 MB"),
])
def test_odd_files_get_one_line_never_a_traceback(cli, tmp_path, name, content, said):
    path = tmp_path / name
    path.write_bytes(content)
    result = cli("--headless", "--data", str(path), "--epochs", "1")
    assert result.returncode == 2 and said in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


def test_a_huge_sparse_csv_after_valid_rows_is_refused_at_its_first_nul_in_bounded_memory(tmp_path):
    path = tmp_path / "sparse.csv"
    with open(path, "wb") as file:
        file.write(b"x,label\n" + b"".join(f"{k / 10},{k % 2}\n".encode() for k in range(20_000)))
        file.truncate(2 << 30)  # 2 GB, nearly all of it a hole of NUL bytes
    import resource

    def at_most_1_gb() -> None:  # the reader grew past 10 GB on such a file: here it has 1 GB of address space
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    process = subprocess.run([sys.executable, "-m", "logreg_tui", "--headless", "--data", str(path)],
                             capture_output=True, text=True, timeout=120, preexec_fn=at_most_1_gb)
    assert process.returncode == 2 and process.stderr.splitlines() == [
        f"logreg-tui: {path}:20002: a NUL byte at byte 168908: the file turns binary (or sparse) there, not a CSV of "
        "rows"]


def test_a_split_that_holds_out_no_point_is_refused(cli):
    result = cli("--headless", "--val-frac", "0.0001")
    assert result.returncode == 2 and "holds out round(1000·0.0001) = 0 of the 1000 points" in result.stderr


def test_headless_prints_its_result_even_when_the_export_fails(cli, tmp_path, monkeypatch):
    from logreg_tui.core.files import export

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "export_run", full_disk)
    result = cli("--headless", "--json", "--epochs", "3", "--export", str(tmp_path))
    assert result.returncode == 2 and json.loads(result.stdout)["status"] == "done"
    assert "No space left on device" in result.stderr
    named = tmp_path / "run\x1b]0;owned\x07"
    named.mkdir()
    monkeypatch.undo()
    result = cli("--headless", "--epochs", "3", "--export", str(named))
    assert result.returncode == 0 and "\x1b" not in result.stderr and "\x07" not in result.stderr
