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
from conftest import wait_for
from terminal import Terminal, catches, cpu_seconds, installed_command, rss_bytes

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


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP])
def test_sigterm_sigquit_and_sighup_end_the_app_as_q_does(signum):
    term = Terminal([installed_command(), "--paused"], 100, 30)
    try:
        term.wait_for(r"status\s+paused", timeout=30)
        children = children_of(term.pid)
        assert children, "the plot child is running"
        _ = term.text  # what was written so far is parsed: what follows is the exit's
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


@pytest.mark.slow
def test_ctrl_z_suspends_and_300_suspend_resume_cycles_never_deadlock():
    term = Terminal([installed_command(), "--paused", "--fps", "60"], 100, 30)
    try:
        term.wait_for(r"status\s+paused", timeout=30)
        term.press("\x1a")  # ctrl+z, as the terminal sends it in raw mode
        deadline = time.monotonic() + 20
        while state(term.pid) != "T" and time.monotonic() < deadline:
            term.pump(0.01)
        assert state(term.pid) == "T", "ctrl+z suspends"
        os.kill(term.pid, signal.SIGCONT)
        for _ in range(300):  # signals sent while the UI draws at 60 frames a second
            os.kill(term.pid, signal.SIGTSTP)
            deadline = time.monotonic() + 20  # generous: the suite runs beside other tests
            while state(term.pid) != "T" and time.monotonic() < deadline:
                term.pump(0.001)
            assert state(term.pid) == "T", "suspended"
            os.kill(term.pid, signal.SIGCONT)
            while state(term.pid) == "T":
                time.sleep(0.001)
        term.press("n")
        term.wait_for(r"epoch\s+1(?!\d)", timeout=30)  # still answering keys (pyte shows the resume's queries as u)
        term.press("q")
        assert term.wait_exit(5) == 0
    finally:
        term.close()


@pytest.mark.parametrize("signum,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_headless_stops_on_a_signal_with_its_result(signum, code):
    process = subprocess.Popen([sys.executable, "-m", "logreg_tui", "--headless", "--epochs", "0", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    # training has begun (its signal handlers are set), then a tenth of a second of its CPU (hundreds of epochs):
    # CPU, not wall time, which says little on a loaded machine
    wait_for(lambda: catches(process.pid, signal.SIGTERM), timeout=60, what="training to begin")
    begun = cpu_seconds(process.pid)
    wait_for(lambda: cpu_seconds(process.pid) >= begun + 0.1, timeout=60, what="a tenth of a second of training")
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    assert process.returncode == code, err
    summary = json.loads(out)
    assert summary["status"] == "interrupted" and summary["epochs"] > 0
    assert err.count("\n") == 1 and f"at epoch {summary['epochs']}" in err and "Traceback" not in err


def test_ctrl_c_while_the_data_is_made_is_one_line():
    # as from a terminal's foreground: a suite started in the background (`cmd &`) passes SIGINT on as ignored,
    # and a program rightly leaves an ignored SIGINT ignored
    process = subprocess.Popen([sys.executable, "-m", "logreg_tui", "--headless", "--n-points", "1e8"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # ctrl+c once the data is being made (its arrays take gigabytes; the imports stop at about 220 MiB), not during
    # the imports: on a loaded machine 2.5 s could still be inside numpy's import, where an interrupt is Python's
    deadline = time.monotonic() + 60
    while rss_bytes(process.pid) < 512 << 20 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and out == ""
    assert err == "logreg-tui: interrupted\n"


# 5–10: values float32 cannot hold, names with control characters, exports on a full disk, going on

FLOAT32_CSVS = Path(__file__).parent / "data" / "float32"
REFUSED = {"x-1e39.csv": (3, "past float32"), "x-1e308.csv": (1, "past float32"),
           "x-minus-3.5e38.csv": (3, "past float32"), "x-inf.csv": (3, "x must be finite"),
           "x-nan.csv": (3, "x must be finite")}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_csv_value_past_float32_is_one_line_naming_file_and_line(cli, name):
    line, why = REFUSED[name]
    result = cli("--headless", "--data", str(FLOAT32_CSVS / name))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"{name}:{line}: " in result.stderr and why in result.stderr


def test_a_csv_at_float32s_edge_trains_and_stops_with_its_cause(cli):
    result = cli("--headless", "--json", "--data", str(FLOAT32_CSVS / "x-3.4e38-fits.csv"), "--epochs", "5")
    hint, stop = result.stderr.splitlines()  # |x| this large gets the --standardize hint first
    assert result.returncode == 3 and "--standardize" in hint and "Traceback" not in result.stderr
    assert "overflowed float32" in stop or "past float32's range" in stop


@pytest.mark.parametrize("args", [["--gap", "3.4e38"], ["--gap", "3.4e38", "--standardize"]])
def test_a_gap_at_float32s_edge_is_refused_or_trained_never_a_traceback(cli, args):
    result = cli("--headless", *args, "--epochs", "3")
    assert result.returncode in (0, 2, 3) and "Traceback" not in result.stderr
    assert result.stderr.count("\n") <= 2  # at most the scale hint and why it stopped


def test_control_characters_in_a_file_name_never_reach_the_terminal(tmp_path):
    name = tmp_path / "data\x1b]0;PWNED\x07.csv"
    name.write_text("x,label\n1,0\n2,1\n3,0\n4,1\n")
    term = Terminal([installed_command(), "--paused", "--data", str(name)], 100, 30)
    try:
        term.wait_for(r"status\s+paused", timeout=30)
        written = b"".join(term._unparsed)
        assert b"\x1b]0;PWNED" not in written and "␛]0;PWNED␇" in term.text
    finally:
        term.close()
    missing = subprocess.run([sys.executable, "-m", "logreg_tui", "--headless", "--data", str(name) + "x"],
                             capture_output=True, text=True, cwd=ROOT)
    assert missing.returncode == 2 and "\x1b" not in missing.stderr and "␛]0;PWNED␇" in missing.stderr


def test_an_export_writes_all_its_files_or_none(tmp_path, monkeypatch):
    import errno

    from logreg_tui.core.files import export
    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.options import parse_options
    from logreg_tui.training.engine import Engine

    engine = Engine(make_tutorial_data(), __import__("logreg_tui.core.model.state", fromlist=["TrainConfig"]).TrainConfig())
    engine.run_epochs(20)
    engine.reset()
    snapshot = engine.run_epochs(5)  # one ghost: three files
    options = parse_options(["--paused"])
    written = []
    real = export._Staging.write

    def fills_the_disk(staging, name, text):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(real(staging, name, text))
        return written[-1]

    monkeypatch.setattr(export._Staging, "write", fills_the_disk)
    with pytest.raises(OSError):
        export.export_run(tmp_path, options, snapshot)
    assert list(tmp_path.iterdir()) == []  # no CSV without its JSON, no temporary (nor its directory) left
    monkeypatch.setattr(export._Staging, "write", real)
    stem = export.run_stem(snapshot)
    (tmp_path / f"{stem}.json").symlink_to(tmp_path / "nowhere")  # a dangling link takes its name
    csv_path, json_path, ghosts = export.export_run(tmp_path, options, snapshot)
    assert (csv_path.name, json_path.name, [g.name for g in ghosts]) == (  # the ghost's file named by its own run
        f"{stem}-1.csv", f"{stem}-1.json", ["logreg-seed42-epoch20-prev-1.csv"])
    assert json.loads(json_path.read_text())["csv"] == f"{stem}-1.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{stem}.json", csv_path.name, json_path.name,
                                                                  ghosts[0].name, f"{stem}-1-script.py"])


def test_going_on_after_an_overshoot_starts_where_the_loss_is_finite():
    from logreg_tui.core.model.data import make_tutorial_data
    from logreg_tui.core.model.settings import Settings
    from logreg_tui.core.model.state import TrainConfig
    from logreg_tui.training.engine import Engine

    engine = Engine(make_tutorial_data(), TrainConfig(settings=Settings(lr=1000, autograd="tutorial"), start_paused=True))
    diverged = engine.run_epochs(5)
    assert diverged.status == "diverged" and diverged.loss == pytest.approx(0.693147, abs=1e-6)
    for _ in range(20):
        engine.scale_lr(0.5)
    assert engine.run_epochs(50).status == "paused"  # went on: no divergence at once, as before


def test_a_stopped_plot_child_is_replaced_by_drawing_in_the_app():
    term = Terminal([installed_command(), "--speed", "50", "--epochs", "0"], 100, 30)
    try:
        term.wait_for(r"status\s+running", timeout=30)
        (child,) = children_of(term.pid)
        os.kill(child, signal.SIGSTOP)  # stopped by hand, or stuck
        term.wait_for(r"the plot process gave no answer for 3 s", timeout=15)
        before = term.text.split("\n")[1:12]
        term.pump(1.5)
        assert term.text.split("\n")[1:12] != before  # the loss plot moves on, drawn in the app
        term.press("q")
        assert term.wait_exit(5) == 0
    finally:
        term.close()


@pytest.mark.pty
@pytest.mark.parametrize("how", ["fg", "ctrl+l"])
def test_the_whole_screen_is_drawn_again_after_fg_and_on_ctrl_l(how):
    term = Terminal([installed_command(), "--paused"], 80, 24)
    try:
        term.wait_for(r"status\s+paused", timeout=30)
        term.pump(0.5)
        before = term.text
        assert "help" in before and "loss" in before
        if how == "fg":
            term.press("\x1a")  # ctrl+z
            deadline = time.monotonic() + 20
            while state(term.pid) != "T" and time.monotonic() < deadline:
                term.pump(0.01)
            assert state(term.pid) == "T"
        term.pump(0.2)
        _ = term.text
        term.stream.feed(b"\x1b[2J\x1b[5;10H[1]+  Stopped   logreg-tui")  # what the shell wrote meanwhile
        if how == "fg":
            os.kill(term.pid, signal.SIGCONT)
        else:
            term.press("\x0c")  # ctrl+l
        term.wait_for(r"status\s+paused", timeout=10)  # paused: no number changes, yet every cell comes back
        term.pump(0.5)
        assert "Stopped" not in term.text
        assert term.text == before
    finally:
        term.close()
