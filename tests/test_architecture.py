"""The layout holds: imports go one way (no cycle), and the training side never reaches for the UI.

The layers themselves (cli over tui over views and training over core) are import-linter's contracts in
pyproject.toml, which .ci/run checks; these tests add what it does not: lazy imports inside functions count too,
and importing the training side really loads no terminal library.
"""

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "logreg_tui"
HEADLESS_PACKAGES = ("core", "training")  # the vocabulary and the training side: they run without a terminal
# the ways in that run headless too; cli.main starts the app lazily, only when asked to (the one edge into the UI)
HEADLESS_ENTRIES = ("cli.main", "cli.compare", "cli.signals")
UI_PACKAGES = ("textual", "rich", "plotext")


@cache  # the package is parsed once per session, not once per test
def module_paths() -> dict[str, Path]:
    """Every module of the package by its dotted name under logreg_tui ("core.model.state"; a package by its folder's)."""
    paths = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        paths[name] = path
    return paths


@cache
def imports_of(module: str) -> set[str]:
    """Every name imported anywhere in the module, lazily inside a function too (a lazy import is still a use);
    `from package import module` as package.module."""
    tree = ast.parse(module_paths()[module].read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports."""
    modules = module_paths()
    return {module: {name.removeprefix("logreg_tui.") for name in imports_of(module)
                     if name.removeprefix("logreg_tui.") in modules and name.removeprefix("logreg_tui.") != module}
            for module in modules}


def headless_modules() -> list[str]:
    return sorted(m for m in module_paths() if m.split(".")[0] in HEADLESS_PACKAGES) + list(HEADLESS_ENTRIES)


def test_there_is_no_import_cycle_in_the_package():
    edges, done, path = graph(), set(), []

    def visit(module: str) -> None:
        if module in path:
            pytest.fail("import cycle: " + " → ".join([*path[path.index(module):], module]))
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
    monkeypatch.setitem(globals(), "graph", lambda: {**real, "core.model.state": real["core.model.state"] | {"training.engine"}})
    with pytest.raises(pytest.fail.Exception, match="import cycle"):
        test_there_is_no_import_cycle_in_the_package()


def test_the_folders_hold_every_module():
    """A module at the top would sit outside every layer's rule."""
    assert {m for m in module_paths() if "." not in m} == {"", "__main__", "core", "training", "views", "tui", "cli"}


# what cli.main imports, lazily, to open the app (and record it), and to check --theme and --keys before it does
APP_SEAM = {"tui.app", "tui.recording", "tui.looks"}


@pytest.mark.parametrize("module", headless_modules())
def test_the_training_side_imports_no_ui_even_lazily(module):
    edges, seen, todo = graph(), set(), [module]
    while todo:  # everything the module can reach in the package, lazy imports included
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(edges[current] - APP_SEAM if current == "cli.main" else edges[current])
    reached = {name.split(".")[0] for current in seen for name in imports_of(current)}
    assert not reached & set(UI_PACKAGES), (module, sorted(seen), reached & set(UI_PACKAGES))


def test_importing_the_training_side_loads_no_ui_package():
    modules = ", ".join(f"logreg_tui.{module}" for module in headless_modules())
    code = (f"import sys; import {modules}; "
            f"bad = [m for m in sys.modules if m.split('.')[0] in {UI_PACKAGES!r}]; print(bad); sys.exit(bool(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
