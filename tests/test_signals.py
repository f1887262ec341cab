"""Signals as SSH users, `timeout`, Slurm and docker send them: the terminal always restored, nothing computed lost,
no traceback (issue 23, points 1–4)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from terminal import Terminal, installed_command

ROOT = Path(__file__).parent.parent
LEAVE_ALT_SCREEN, MOUSE_OFF = b"\x1b[?1049l", b"\x1b[?1003l"


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, IndexError):
                pass
    return found


def state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGQUIT])
def test_sigterm_and_sigquit_end_the_app_as_q_does(signum):
    term = Terminal([installed_command(), "--paused"], 100, 30)
    try:
        term.wait_for(r"status\s+paused", timeout=30)
        children = children_of(term.pid)
        assert children, "the plot child is running"
        term.text  # what was written so far is parsed: what follows is the exit's
        os.kill(term.pid, signum)
        sent = time.monotonic()
        assert term.wait_exit(5) == 0
        assert time.monotonic() - sent < 1.0
        written = b"".join(term._unparsed)
        assert LEAVE_ALT_SCREEN in written and MOUSE_OFF in written  # the terminal is the user's again
        time.sleep(0.3)
        assert not any(Path(f"/proc/{child}").exists() and state(child) != "Z" for child in children)
    finally:
        term.close()


def test_ctrl_z_suspends_and_300_suspend_resume_cycles_never_deadlock():
    term = Terminal([installed_command(), "--paused", "--fps", "60"], 100, 30)
    try:
        term.wait_for(r"status\s+paused", timeout=30)
        term.press("\x1a")  # ctrl+z, as the terminal sends it in raw mode
        deadline = time.monotonic() + 5
        while state(term.pid) != "T" and time.monotonic() < deadline:
            term.pump(0.01)
        assert state(term.pid) == "T", "ctrl+z suspends"
        os.kill(term.pid, signal.SIGCONT)
        for _ in range(300):  # signals sent while the UI draws at 60 frames a second
            os.kill(term.pid, signal.SIGTSTP)
            deadline = time.monotonic() + 5
            while state(term.pid) != "T" and time.monotonic() < deadline:
                term.pump(0.001)
            assert state(term.pid) == "T", "suspended"
            os.kill(term.pid, signal.SIGCONT)
            while state(term.pid) == "T":
                time.sleep(0.001)
        term.press("n")
        term.wait_for(r"epoch\s+1(?!\d)", timeout=10)  # still answering keys (pyte shows the resume's queries as u)
        term.press("q")
        assert term.wait_exit(5) == 0
    finally:
        term.close()


@pytest.mark.parametrize("signum,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_headless_stops_on_a_signal_with_its_result(signum, code):
    process = subprocess.Popen([sys.executable, "-m", "logreg_tui", "--headless", "--epochs", "0", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    time.sleep(4.0)
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    assert process.returncode == code, err
    summary = json.loads(out)
    assert summary["status"] == "interrupted" and summary["epochs"] > 0
    assert err.count("\n") == 1 and f"at epoch {summary['epochs']}" in err and "Traceback" not in err


def test_ctrl_c_while_the_data_is_made_is_one_line():
    process = subprocess.Popen([sys.executable, "-m", "logreg_tui", "--headless", "--n-points", "1e8"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    time.sleep(2.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and out == ""
    assert err == "logreg-tui: interrupted\n"
