import os
import sys
import time
from pathlib import Path

import pytest

# torch picks its CPU kernels by the machine's vector width (AVX2, AVX-512 …), and a float32 sum taken in another
# order can differ in its last bit: a snapshot's six-digit dL/dw then differs between two CI machines. The tests,
# and the programs they start (which inherit it), use torch's portable kernels, the same on every x86-64 machine;
# test_cli runs the tutorial's table on the machine's own kernels too. Set before anything imports torch.
os.environ.setdefault("ATEN_CPU_CAPABILITY", "default")
# One thread for torch's operations in each test process and the programs they start: the suite already keeps
# every core busy with a worker each, and a worker's idle pool threads spin on another's core (17 % of the CPU of
# the landscape, plane, curvature and app tests, measured side by side).
os.environ.setdefault("OMP_NUM_THREADS", "1")

TUTORIAL_LINES = [
    "Epochs:     0 - Loss: 0.69315",
    "Epochs:   100 - Loss: 0.15076",
    "Epochs:   200 - Loss: 0.10955",
    "Epochs:   300 - Loss: 0.09282",
    "Epochs:   400 - Loss: 0.08355",
    "Epochs:   500 - Loss: 0.07758",
    "Epochs:   600 - Loss: 0.07339",
    "Epochs:   700 - Loss: 0.07027",
    "Epochs:   800 - Loss: 0.06786",
    "Epochs:   900 - Loss: 0.06592",
    "Epochs:  1000 - Loss: 0.06434",
]
TUTORIAL_FINAL = "w: 2.6216, b: -5.1346"


def wait_for(condition, timeout: float = 10.0, what: str = "condition"):
    """Poll until condition() is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.005)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def cli(monkeypatch):
    """`logreg-tui ARGS` as a CompletedProcess (returncode, stdout, stderr): the entry point called in this process
    (what the CLI prints and returns: 1 ms for a refusal, 0.1 s for the tutorial's table, instead of a Python and
    torch starting per call), or with `env` or `process=True` a real `python -m logreg_tui` (the smoke tier: what
    the process itself is the point of). In-process, a call that would open the app or serve fails the test."""
    import io
    import subprocess
    from contextlib import redirect_stderr, redirect_stdout

    from logreg_tui.cli import main as entry
    from logreg_tui.cli import serve

    def refuse(what: str):
        def opened(*args, **kwargs):
            raise AssertionError(f"cli() would {what} in the test process: use cli(..., process=True)")
        return opened

    monkeypatch.setattr(entry, "run_app", refuse("open the app"))
    monkeypatch.setattr(serve, "_server_class", refuse("serve"))

    def run(*args: str, timeout: float = 120, env: dict[str, str] | None = None, process: bool = False):
        if env is not None or process:
            return subprocess.run([sys.executable, "-m", "logreg_tui", *args], capture_output=True, text=True,
                                  timeout=timeout, cwd=Path(__file__).parent, env=env)
        monkeypatch.chdir(Path(__file__).parent)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = entry.main(list(args))
            except SystemExit as leaving:  # argparse's one-line refusals
                code = leaving.code if isinstance(leaving.code, int) else 1
        return subprocess.CompletedProcess(["logreg-tui", *args], code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture(scope="session", autouse=True)
def _warm_fork_server():
    """This worker's fork server started in the background at once: the plot children and exported scripts of
    its tests are forked from it."""
    import threading

    from warm_python import warm_up

    threading.Thread(target=warm_up, daemon=True).start()


@pytest.fixture(scope="session", autouse=True)
def _idle_is_the_event_loops_idle():
    """Pilot's press() and pause() wait until the app is idle, judged by textual._wait.wait_for_idle from the
    process's CPU time: while the engine's thread trains, the process is never idle, and each wait runs to its
    1 s limit (2 s a key). Judged by the event loop thread's own CPU time, a wait ends once the app has handled
    what it was sent, as on an idle machine; press() still waits for every widget to process its messages."""
    import textual._wait

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textual._wait, "process_time", time.thread_time)
        yield


@pytest.fixture(autouse=True)
def _forked_children(request, monkeypatch):
    """A Pilot test's app gets its plot child forked from this worker's warm fork server: the same loop on the same
    pipes, without a Python and plotext starting for each of some 350 apps (about 0.6 CPU-s each). So does a
    homework checker's server, without a Python and torch (2.5 CPU-s). A test marked `plot_child_process` gets the
    children the product starts."""
    if request.node.get_closest_marker("plot_child_process") is None:
        from warm_python import ForkedChecker, ForkedPlotChild

        from logreg_tui.training import homework
        from logreg_tui.views import plot_process

        monkeypatch.setattr(plot_process, "start_child", ForkedPlotChild)
        monkeypatch.setattr(homework, "start_server", ForkedChecker)


PTY_WORDS = ("Terminal(", "headless_and_app_rss(", "tmux")  # what starts a real pseudo-terminal (tests/terminal.py)


def _sources(module) -> dict[str, str]:
    """The source of each function a test module defines (tests, helpers and fixtures' own functions), by name."""
    import inspect

    found = {}
    for name, value in vars(module).items():
        value = getattr(value, "__wrapped__", value)  # a fixture's own function
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            found[name] = inspect.getsource(value)
    return found


SLOWER_TIERS = ("slow", "pty", "serve")


def pytest_collection_modifyitems(items):
    """Markers by what a test does, not by its file: `pty` for one that runs the program in a real pseudo-terminal
    (its source, a fixture it takes or a helper it calls starts one), `serve` for --serve's (a server and tabs);
    then the fast tier (none of these, nor `slow`) ahead of the rest."""
    import inspect
    import re

    sources: dict[str, dict[str, str]] = {}  # a module's functions' sources, read once a module
    for item in items:
        function, module = getattr(item, "function", None), getattr(item, "module", None)
        if function is None or module is None:
            continue
        if module.__name__ not in sources:
            sources[module.__name__] = _sources(module)
        defined = sources[module.__name__]
        starters = {name for name, text in defined.items() if any(word in text for word in PTY_WORDS)}
        source = defined.get(function.__name__) or inspect.getsource(function)
        called = set(re.findall(r"\b(\w+)\(", source)) | set(getattr(item, "fixturenames", ()))
        if any(word in source for word in PTY_WORDS) or called & starters:
            item.add_marker(pytest.mark.pty)
        if item.path.name == "test_serve.py":
            item.add_marker(pytest.mark.serve)
    # the fast tier first, so that a failure there shows in the first minutes of the one command CI runs; then the
    # few slow tests (up to a minute each), so that the pty and serve tests fill the other workers beside them
    # instead of one worker finishing them alone at the end (a stable sort: within each tier the files' order stays)
    items.sort(key=_tier_order)


def _tier_order(item) -> int:
    if item.get_closest_marker("slow"):
        return 1
    return 2 if any(item.get_closest_marker(tier) for tier in SLOWER_TIERS) else 0

