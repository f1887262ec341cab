"""The layout holds: imports go one way (no cycle), and the training side never reaches for the UI."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "logreg_tui"
# the training side and the vocabulary: they must run headless, on a machine without a terminal library
UI_FREE = ("engine", "trainer", "optimizers", "pacing", "state", "options", "data", "history", "functions", "formatting", "axes", "drawing",
           "optimum", "surface", "runs", "compare",
           "cli", "export", "gradcheck", "lessons", "signals", "display")
UI_PACKAGES = ("textual", "rich", "plotext")


def imports_of(module: str) -> set[str]:
    """Every name imported anywhere in the module, lazily inside a function too (a lazy import is still a use)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports."""
    modules = [path.stem for path in PACKAGE.glob("*.py")]
    return {module: {name.split(".")[1] for name in imports_of(module)
                     if name.startswith("logreg_tui.") and name.split(".")[1] != module} for module in modules}


def test_there_is_no_import_cycle_in_the_package():
    edges, done, path = graph(), set(), []

    def visit(module: str) -> None:
        if module in path:
            pytest.fail("import cycle: " + " → ".join(path[path.index(module):] + [module]))
        if module in done:
            return
        path.append(module)
        for imported in sorted(edges[module]):
            visit(imported)
        path.pop()
        done.add(module)

    for module in sorted(edges):
        visit(module)


def test_the_detector_sees_a_cycle(monkeypatch):
    """The test above can fail: a made-up cycle is reported."""
    real = graph()
    monkeypatch.setitem(globals(), "graph", lambda: {**real, "state": real["state"] | {"engine"}})
    with pytest.raises(pytest.fail.Exception, match="import cycle"):
        test_there_is_no_import_cycle_in_the_package()


@pytest.mark.parametrize("module", UI_FREE)
def test_the_training_side_imports_no_ui_even_lazily(module):
    edges, seen, todo = graph(), set(), [module]
    while todo:  # everything the module can reach in the package, lazy imports included
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(edges[current] - {"app"} if current == "cli" else edges[current])
    # cli starts the app lazily when asked to: that edge is the one way from the training side into the UI
    reached = {name.split(".")[0] for current in seen for name in imports_of(current)}
    assert not reached & set(UI_PACKAGES), (module, sorted(seen), reached & set(UI_PACKAGES))


def test_importing_the_training_side_loads_no_ui_package():
    modules = ", ".join(f"logreg_tui.{module}" for module in UI_FREE)
    code = (f"import sys; import {modules}; "
            f"bad = [m for m in sys.modules if m.split('.')[0] in {UI_PACKAGES!r}]; print(bad); sys.exit(bool(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
