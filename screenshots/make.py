"""Regenerate screenshots/*.svg and *.png from deterministic app states (paused, fixed seed, explicit steps)."""

import asyncio
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tests"))

from apphelpers import make_app, settle, snap, started, until  # noqa: E402

SIZE = (120, 36)
TEXT_RUN = re.compile(r'<text ([^>]*?)x="([\d.]+)"([^>]*?)textLength="([\d.]+)"([^>]*)>([^<]+)</text>')


def one_text_per_cell(svg: str) -> str:
    """Each character of each run of text in its own cell-placed <text>, for rsvg-convert.

    The SVG asks for Fira Code; rsvg falls back to DejaVu Sans Mono, slightly narrower (long rows drift
    left a cell) and without braille (taken from proportional DejaVu Sans, so plot lines stretch), and
    it ignores textLength. Placing every character makes the PNG match the terminal's grid.
    """
    def split(match: re.Match) -> str:
        before, x, between, length, after, text = match.groups()
        chars = html.unescape(text)
        cell = float(length) / len(chars)
        return "".join(f'<text {before}x="{float(x) + k * cell:.1f}"{between}textLength="{cell:.1f}"{after}>'
                       f'{html.escape(char)}</text>' for k, char in enumerate(chars))

    return TEXT_RUN.sub(split, svg)


async def shoot(name: str, args: tuple[str, ...], keys: tuple[str, ...], epochs: int | None = None,
                status: str | None = None, size: tuple[int, int] = SIZE, runs: tuple[tuple[str, ...], ...] = ()) -> None:
    """runs: keys of earlier runs, each waited out until done (the next one's z keeps it as a ghost)."""
    app = make_app(*args)
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        for done, run in enumerate(runs):
            await pilot.press(*run)
            await until(pilot, lambda: snap(app).status == "done" and len(snap(app).ghosts) == done)
        await pilot.press(*keys)
        if epochs is not None:
            await until(pilot, lambda: snap(app).epoch == epochs and (status is None or snap(app).status == status))
        await settle(pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"screenshots/{name}.svg")


async def main() -> None:
    await shoot("running", ("--epochs", "1001"), ("N",) * 50, epochs=500)
    await shoot("done", ("--speed", "max"), ("space",), epochs=1001, status="done")
    await shoot("log-smooth", ("--speed", "max", "--epochs", "3000", "--lr", "0.8"), ("space", "l", "s"),
                epochs=3000, status="done")
    await shoot("custom", ("--autograd", "custom", "--speed", "max", "--epochs", "300"), ("space",),
                epochs=300, status="done")
    await shoot("recent", ("--speed", "max", "--epochs", "3000"), ("space", "t"), epochs=3000, status="done")
    await shoot("small", ("--epochs", "1001"), ("N",) * 30, epochs=300, size=(60, 20))
    same = ("--speed", "max", "--epochs", "300", "--val-frac", "0.2", "--lr", "0.05")  # the same data and lr
    await shoot("sgd", same, ("space",), epochs=300, status="done")
    await shoot("adam", (*same, "--optimizer", "adam"), ("space",), epochs=300, status="done")
    await shoot("landscape-sgd", ("--speed", "max"), ("space",), epochs=1001, status="done", size=(160, 50))
    adam = ("--speed", "max", "--epochs", "300", "--optimizer", "adam", "--lr", "0.05")
    await shoot("landscape-adam", adam, ("space",), epochs=300, status="done", size=(160, 50))
    await shoot("landscape-small", ("--epochs", "1001"), ("m", *("N",) * 30), epochs=300, size=(80, 24))
    runs = (("space",), ("z", "o", "space"), ("z", "o", "o", "space"))  # sgd, momentum, adam
    await shoot("ghosts", ("--speed", "max", "--epochs", "300"), ("z", "o", "plus", "plus", "space"), epochs=300,
                status="done", size=(160, 50), runs=runs)  # and sgd again with lr × 4
    await shoot("help", (), ("question_mark",))
    if shutil.which("rsvg-convert"):
        for svg in sorted(HERE.glob("*.svg")):
            subprocess.run(["rsvg-convert", "-o", str(svg.with_suffix(".png"))], check=True, text=True,
                           input=one_text_per_cell(svg.read_text()))
            print(svg.with_suffix(".png").relative_to(HERE.parent))
    else:
        print("rsvg-convert not found (apt-get install librsvg2-bin fonts-dejavu-core): PNGs not made")


if __name__ == "__main__":
    asyncio.run(main())
