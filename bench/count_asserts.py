"""The suite's tests and assert statements, counted from the source (ast), here and at a git revision, side by side:
a faster suite must not be a smaller one.

    python bench/count_asserts.py [REV]     # REV: a commit to compare with (default: the session's start, 467b6e9)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def counts(sources: dict[str, str]) -> tuple[int, int]:
    """(test functions, assert statements) in the test modules' sources (helpers' asserts count: they assert)."""
    tests = asserts = 0
    for source in sources.values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                tests += 1
            elif isinstance(node, ast.Assert):
                asserts += 1
    return tests, asserts


def here() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text() for path in sorted((ROOT / "tests").glob("*.py"))}


def at(revision: str) -> dict[str, str]:
    names = subprocess.run(["git", "ls-tree", "--name-only", revision, "tests/"], capture_output=True, text=True,
                           check=True, cwd=ROOT).stdout.split()
    return {name: subprocess.run(["git", "show", f"{revision}:{name}"], capture_output=True, text=True, check=True,
                                 cwd=ROOT).stdout for name in names if name.endswith(".py")}


def main(revision: str = "467b6e9") -> None:
    (tests_then, asserts_then), (tests_now, asserts_now) = counts(at(revision)), counts(here())
    print(f"at {revision}: {tests_then} test functions, {asserts_then} asserts")
    print(f"now:         {tests_now} test functions, {asserts_now} asserts "
          f"({tests_now - tests_then:+d}, {asserts_now - asserts_then:+d})")


if __name__ == "__main__":
    main(*sys.argv[1:2])
