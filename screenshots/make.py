"""Regenerate screenshots/*.svg and *.png from deterministic app states (paused, fixed seed, explicit steps)."""

import asyncio
import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tests"))

from apphelpers import make_app, settle, snap, started, until  # noqa: E402

from logreg_tui.views.screenshot import placed_cells  # noqa: E402

SIZE = (120, 36)
ONLY = set(sys.argv[1:])  # names to make (python screenshots/make.py ansi ascii); none: all of them


def wanted(name: str) -> bool:
    return not ONLY or name in ONLY


async def shoot(name: str, args: tuple[str, ...], keys: tuple[str, ...], epochs: int | None = None,
                status: str | None = None, size: tuple[int, int] = SIZE,
                runs: tuple[tuple[str, ...], ...] = ()) -> None:
    """runs: keys of earlier runs, each waited out until done (the next one's z keeps it as a ghost)."""
    if not wanted(name):
        return
    app = make_app(*args)
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        for done, run in enumerate(runs):
            await pilot.press(*run)
            await until(pilot, lambda done=done: snap(app).status == "done" and len(snap(app).ghosts) == done)
        await pilot.press(*keys)
        if epochs is not None:
            await until(pilot, lambda: snap(app).epoch == epochs and (status is None or snap(app).status == status))
        await settle(pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"screenshots/{name}.svg")


async def lesson_shots(size: tuple[int, int] = (120, 36)) -> None:
    """--lesson slow: its first question over the tutorial's data, then (answered 800) its reveal."""
    if not (wanted("lesson-question") or wanted("lesson-reveal")):
        return
    from logreg_tui.cli.lesson import app_lesson
    from logreg_tui.core.model.options import parse_options
    from logreg_tui.tui.app import LogRegApp

    lesson, options, dataset = app_lesson(parse_options(["--lesson", "slow", "--speed", "max"]))
    app = LogRegApp(options, dataset, lesson=lesson)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "LessonQuestion" and app.engine is not None)
        await settle(pilot)
        app.save_screenshot(filename="lesson-question.svg", path=str(HERE))
        await pilot.press("8", "0", "0", "enter")
        await until(pilot, lambda: type(app.screen).__name__ == "LessonReveal", timeout=120)
        await settle(pilot)
        app.save_screenshot(filename="lesson-reveal.svg", path=str(HERE))
    print("screenshots/lesson-question.svg, screenshots/lesson-reveal.svg")


async def teacher_shot() -> None:
    """--serve --lesson homework: three tabs answer step 1 (2, 2, 3) and see its reveal; the teacher's page then."""
    if not wanted("teacher") or not shutil.which("chromium"):
        return
    import aiohttp

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "logreg_tui", "--serve", "--port", str(port), "--lesson",
                               "homework", "--speed", "max", "--max-sessions", "3"], stdout=subprocess.PIPE, text=True)
    lines = [server.stdout.readline() for _ in range(3)]
    token = lines[0].split("?token=", 1)[1].split()[0]
    teacher = next(line for line in lines if "/teacher?token=" in line).split("page (its own token: not for the "
                                                                               "class): ")[1].split()[0]
    try:
        async with aiohttp.ClientSession() as http:
            sockets = [await http.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30&token={token}")
                       for _ in range(3)]
            await asyncio.sleep(12)  # torch loads in each tab, its first step waits behind the question
            for websocket, key in zip(sockets, "223", strict=True):
                await websocket.send_json(["stdin", key])
            await asyncio.sleep(8)  # each tab's run and reveal
            subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            "--disable-background-networking", "--no-first-run",
                            f"--user-data-dir={tempfile.mkdtemp()}", "--window-size=900,700",
                            f"--screenshot={HERE / 'teacher.png'}", teacher],
                           check=True, capture_output=True, timeout=60)
            for websocket in sockets:
                await websocket.close()
    finally:
        server.terminate()
        server.wait(10)
    print("screenshots/teacher.png")


def rendered(target: Path, *render: str) -> None:
    """The tutorial's 1001 epochs exported headless, then rendered from the export (--replay … --render)."""
    folder = Path(tempfile.mkdtemp())
    command = [sys.executable, "-m", "logreg_tui"]
    subprocess.run([*command, "--headless", "--export", str(folder)], check=True, capture_output=True)
    target.unlink(missing_ok=True)  # a render never overwrites: this one is made again on purpose
    subprocess.run([*command, "--replay", str(next(folder.glob("*.json"))), "--render", str(target), *render],
                   check=True)
    print(target.relative_to(HERE.parent))


async def browser_shot(name: str, args: tuple[str, ...], size: tuple[int, int] = (1400, 860),
                       seconds: float = 12.0) -> None:
    """A real browser's view of `logreg-tui --serve`: headless chromium, driven over its DevTools protocol,
    `seconds` after the page opened (the session's torch import and some training)."""
    import aiohttp

    server_port, debug_port = free_port(), free_port()
    server = subprocess.Popen([sys.executable, "-m", "logreg_tui", "--serve", "--port", str(server_port), *args],
                              stdout=subprocess.PIPE, text=True)
    printed = server.stdout.readline()  # "serving on http://localhost:PORT/?token=…": the URL a person opens
    token = printed.split("?token=", 1)[1].split()[0]
    chrome = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                               f"--remote-debugging-port={debug_port}", f"--user-data-dir={tempfile.mkdtemp()}",
                               f"--window-size={size[0]},{size[1]}", "about:blank"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as http:
            target = await _new_tab(http, debug_port)
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as devtools:
                metrics = {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False}
                await _devtools(devtools, 1, "Emulation.setDeviceMetricsOverride", metrics)
                await _devtools(devtools, 4, "Emulation.setFocusEmulationEnabled", {"enabled": True})  # a focused tab
                await _devtools(devtools, 2, "Page.navigate", {"url": f"http://localhost:{server_port}/?fontsize=13&token={token}"})
                await asyncio.sleep(seconds / 2)
                for number, kind in ((5, "mousePressed"), (6, "mouseReleased")):  # a click on the stats: focus
                    await _devtools(devtools, number, "Input.dispatchMouseEvent",
                                    {"type": kind, "x": size[0] - 100, "y": size[1] // 2, "button": "left",
                                     "clickCount": 1})
                await asyncio.sleep(seconds / 2)
                png = await _devtools(devtools, 3, "Page.captureScreenshot", {"format": "png"})
        (HERE / f"{name}.png").write_bytes(base64.b64decode(png["data"]))
        print(f"screenshots/{name}.png")
    finally:
        for process in (chrome, server):
            process.terminate()
            process.wait(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _new_tab(http, port: int) -> dict:
    import aiohttp

    for _ in range(100):  # chromium takes a moment to listen
        try:
            async with http.put(f"http://127.0.0.1:{port}/json/new?about:blank") as response:
                return json.loads(await response.text())
        except aiohttp.ClientError:
            await asyncio.sleep(0.1)
    raise RuntimeError("chromium's DevTools never answered")


async def _devtools(websocket, number: int, method: str, params: dict) -> dict:
    """Send one DevTools command and wait for its result."""
    await websocket.send_json({"id": number, "method": method, "params": params})
    while True:
        message = json.loads((await websocket.receive()).data)
        if message.get("id") == number:
            return message.get("result", {})


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
    await shoot("diverged-tutorial", ("--autograd", "tutorial", "--lr", "0.001", "--speed", "max"), ("space",),
                epochs=270, status="diverged")  # the true cause: the tutorial's forward in float32, not the lr
    await shoot("saturated", ("--lr", "1000", "--speed", "max", "--epochs", "600"), ("space",), epochs=600,
                status="done")  # stuck, not converged: said in the message line
    await shoot("wide-short", ("--epochs", "1001"), ("N",) * 30, epochs=300, size=(200, 30))
    # what TERM=xterm (16 colours) and a Linux console (16 colours, ASCII) show
    await shoot("ansi16", ("--colors", "16", "--epochs", "1001", "--val-frac", "0.2"), ("N",) * 40, epochs=400,
                size=(120, 40))
    await shoot("ascii", ("--colors", "16", "--ascii", "--epochs", "1001"), ("N",) * 30, epochs=300, size=(80, 24))
    # the presets' lessons: separable data has no minimum until a penalty gives it one; overfitting
    await shoot("separable", ("--preset", "separable", "--speed", "max", "--epochs", "600"), ("space",), epochs=600,
                status="done", size=(160, 50))
    await shoot("separable-l2", ("--preset", "separable", "--l2", "0.01", "--speed", "max", "--epochs", "600"),
                ("space",), epochs=600, status="done", size=(160, 50))
    await shoot("overfit", ("--preset", "overfit", "--speed", "max"), ("space",), epochs=3001, status="done",
                size=(160, 50))
    # why it is slow: the gap to the minimum at the tutorial's lr, and at the best lr (B), with the predicted rates
    await shoot("gap", ("--epochs", "3000"), ("d", *("N",) * 80), epochs=800, size=(160, 50))
    await shoot("curvature", ("--epochs", "1001"), ("k", *("N",) * 30), epochs=300, size=(160, 50))
    await shoot("evaluation", ("--preset", "imbalanced", "--val-frac", "0.2", "--epochs", "1001"),
                ("m", *("N",) * 30, "less_than_sign", "less_than_sign"), epochs=300, size=(160, 50))
    await shoot("evaluation-small", ("--preset", "overlap", "--epochs", "1001"), ("m", "m", *("N",) * 20), epochs=200,
                size=(80, 24))
    await shoot("everything", ("--val-frac", "0.2", "--epochs", "1001"), ("N",) * 30, epochs=300, size=(200, 60))
    # two features: the boundary in the plane, σ shaded behind the points; the landscape through the minimum
    await shoot("two-features", ("--dataset", "moons", "--speed", "max", "--epochs", "600"), ("space",), epochs=600,
                status="done", size=(160, 50))
    await shoot("two-features-16", ("--dataset", "circle", "--colors", "16", "--epochs", "1001"), ("N",) * 20,
                epochs=200, size=(120, 40))
    await shoot("two-features-gauss", ("--dataset", "gauss", "--epochs", "1001"), ("N",) * 30, epochs=300,
                size=(160, 50))
    await shoot("two-features-circle", ("--dataset", "circle", "--epochs", "1001"), ("N",) * 20, epochs=200,
                size=(160, 50))
    await shoot("two-features-xor", ("--dataset", "xor", "--epochs", "1001"), ("N",) * 20, epochs=200,
                size=(120, 40))
    await shoot("two-features-crosses", ("--preset", "circle-squares"), ("N",) * 30, epochs=300, size=(160, 50))
    await shoot("features-checklist", ("--dataset", "circle", "--lr", "0.05"),
                ("N",) * 10 + ("f", "down", "down", "space", "down", "space"), epochs=100, size=(120, 40))
    await shoot("features-live", ("--dataset", "circle", "--lr", "0.05"),
                ("N",) * 10 + ("f", "down", "down", "space", "down", "space", "enter") + ("N",) * 20, epochs=300,
                size=(120, 40))
    await shoot("curvature-cancer", ("--preset", "cancer-raw"), ("N",) * 5 + ("k",), epochs=50, size=(120, 40))
    await shoot("weights-l1", ("--dataset", "breast-cancer", "--standardize", "--l1", "0.02"), ("N",) * 30 + ("w",),
                epochs=300, size=(160, 50))
    await shoot("two-features-xor-16", ("--dataset", "xor", "--colors", "16", "--epochs", "1001"), ("N",) * 20,
                epochs=200, size=(120, 40))
    flipped = str(HERE.parent / "tests" / "data" / "functions" / "sign_flipped.py")
    await shoot("homework", ("--function", flipped, "--epochs", "200", "--speed", "max"), ("z", "a", "space"),
                epochs=200, status="done", size=(160, 50), runs=(("a", "space"),))
    await shoot("gap-best", ("--epochs", "600"), ("B", "d", *("N",) * 20), epochs=200, size=(160, 50))
    await lesson_shots()
    await teacher_shot()
    if wanted("tutorial-run"):  # the README's animation: the tutorial's run rendered from its replay (issue 44)
        rendered(HERE / "tutorial-run.svg", "--size", "120x40", "--fps", "10", "--speed", "100")
    if not wanted("browser"):
        pass
    elif shutil.which("chromium"):
        await browser_shot("browser", ("--speed", "50", "--epochs", "1001"))
    else:
        print("chromium not found (apt-get install chromium): screenshots/browser.png not made")
    if shutil.which("rsvg-convert"):
        for svg in sorted(svg for svg in HERE.glob("*.svg") if wanted(svg.stem) and svg.stem != "tutorial-run"):
            subprocess.run(["rsvg-convert", "-o", str(svg.with_suffix(".png"))], check=True, text=True,
                           input=placed_cells(svg.read_text()))
            print(svg.with_suffix(".png").relative_to(HERE.parent))
    else:
        print("rsvg-convert not found (apt-get install librsvg2-bin fonts-dejavu-core): PNGs not made")


if __name__ == "__main__":
    asyncio.run(main())
