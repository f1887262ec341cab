"""`python SCRIPT ARGS` for the exported scripts' tests, in a child forked from a process that has imported torch.

A new Python starting torch costs about 2 CPU-seconds here, more than most scripts' own work (issue 48). The
child is forked by multiprocessing's fork server, which imports torch and numpy once per test worker (the same
ATEN_CPU_CAPABILITY as the tests: conftest sets it before the server starts); the script then runs as `__main__`
with its own argv and working directory, its file descriptors 1 and 2 in files, and its exit status the one
`python SCRIPT` would have. Tests where the process itself is the point (signals, the installed script, a fresh
interpreter's imports) keep a real `python`.

A Pilot test's app gets its plot child from the same server (ForkedPlotChild; the server preloads the plot
process's module too): the plot loop on two pipes, as `python -m logreg_tui.views.plot_process` would run it. So
does a homework checker (ForkedChecker): `python -m logreg_tui.training.homework --serve`'s loop, on two pipes.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_context = multiprocessing.get_context("forkserver")
# torch._dynamo too: torch.optim imports it on an optimizer's first construction (1.6 CPU-s), which every exported
# script does; imported here once, not in each script's child
_context.set_forkserver_preload(["torch", "torch._dynamo", "numpy", "logreg_tui.views.plot_process",
                                 "logreg_tui.training.homework"])


def warm_up() -> None:
    """Start this worker's fork server now (its imports take a few seconds), so that no test waits for it."""
    from multiprocessing import forkserver

    forkserver.ensure_running()


def run_python(path: Path | str, *args: str, cwd: Path | str | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """What `python PATH ARGS` run in `cwd` returns and prints (a TimeoutExpired after `timeout` seconds)."""
    with tempfile.TemporaryDirectory() as folder:
        out, err = Path(folder, "out"), Path(folder, "err")
        child = _context.Process(target=_run, args=(str(path), list(args), str(cwd or os.getcwd()), str(out), str(err)))
        child.start()
        child.join(timeout)
        if child.is_alive():
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired([sys.executable, str(path), *args], timeout)
        code = child.exitcode if child.exitcode is not None else -9
        return subprocess.CompletedProcess([sys.executable, str(path), *args], code, out.read_text(), err.read_text())


def _run(path: str, args: list[str], cwd: str, out: str, err: str) -> None:
    """In the child: the script as __main__, fds 1 and 2 in the two files, then exit with its status."""
    import runpy
    import traceback

    os.chdir(cwd)
    for fd, name in ((1, out), (2, err)):
        os.dup2(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
    sys.argv, sys.path[0] = [path, *args], os.path.dirname(os.path.abspath(path))
    code = 0
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as leaving:
        code = leaving.code if isinstance(leaving.code, int) else (0 if leaving.code is None else 1)
        if not isinstance(leaving.code, int) and leaving.code is not None:
            print(leaving.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class _ForkedLoop:
    """A child's loop forked from the fork server instead of a new Python, on two one-way pipes as its requests and
    answers, in its own session with its stderr discarded, as the product's Popen starts it: what subprocess.Popen
    gives its user (stdin, stdout, pid, poll, kill, wait)."""

    def __init__(self, loop, text: bool) -> None:
        answers, child_answers = _context.Pipe(duplex=False)
        child_requests, requests = _context.Pipe(duplex=False)
        session = _context.Event()
        self._process = _context.Process(target=_in_own_session, args=(loop, child_requests, child_answers, session),
                                         daemon=True)
        self._process.start()
        child_requests.close()
        child_answers.close()
        session.wait(60)  # its own process group before a kill of the group can be sent, as Popen's setsid is
        self.pid = self._process.pid
        binary = "" if text else "b"
        self.stdin, self.stdout = _file(requests, "w" + binary), _file(answers, "r" + binary)

    def poll(self) -> int | None:
        return self._process.exitcode

    def kill(self) -> None:
        self._process.kill()

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired("forked child", timeout or 0)
        return self._process.exitcode


def _in_own_session(loop, requests, answers, session) -> None:
    """In the child: its own session (the terminal's signals are the app's), stderr discarded, then the loop."""
    os.setsid()
    session.set()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    try:
        loop(requests, answers)
    except (BrokenPipeError, KeyboardInterrupt):
        pass  # the app has gone


class ForkedPlotChild(_ForkedLoop):
    """The app's plot child: `python -m logreg_tui.views.plot_process`'s loop, what PlotProcess starts."""

    def __init__(self) -> None:
        super().__init__(_serve_plots, text=False)


def _serve_plots(requests, answers) -> None:
    from logreg_tui.views.plot_process import serve

    serve(_file(requests, "rb"), _file(answers, "wb"))


class ForkedChecker(_ForkedLoop):
    """A homework checker's server: `python -m logreg_tui.training.homework --serve`'s loop, what homework.Checker
    starts (its process group killed whole, hence the session waited for)."""

    def __init__(self) -> None:
        super().__init__(_serve_checks, text=True)


def _serve_checks(requests, answers) -> None:
    """The checker's own loop reads stdin and prints: the pipes become fds 0 and 1."""
    from logreg_tui.training import homework

    for fd, connection in ((0, requests), (1, answers)):
        os.dup2(connection.fileno(), fd)
        connection.close()
    sys.stdin, sys.stdout = open(0, closefd=False), open(1, "w", closefd=False)
    homework._serve()


def _file(connection, mode: str):
    """A pipe end of a one-way multiprocessing Pipe as a plain file, binary or text by `mode` (the connection itself
    closed)."""
    fd = os.dup(connection.fileno())
    connection.close()
    return os.fdopen(fd, mode)
