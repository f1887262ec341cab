"""`logreg-tui --serve`: the page, the websocket as the browser's script speaks it, sessions and their processes."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pyte
import pytest

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """A `--serve` process on a free port, started with `args`."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen([sys.executable, "-m", "logreg_tui", "--serve", "--port", str(self.port),
                                         *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self.lines = [self.process.stdout.readline()]  # "serving on …", always printed first
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the server never listened: {self.lines}")

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def sessions(self) -> list[int]:
        """Pids of the app processes the server started (its children and theirs)."""
        children, found, todo = {}, [], [self.process.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        while todo:
            for child in children.get(todo.pop(), []):
                found.append(child)
                todo.append(child)
        return found

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def served():
    servers = []

    def start(*args: str) -> Served:
        servers.append(Served(*args))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


class Tab:
    """The browser's side of a session: the websocket, its bytes on a pyte screen, and deliveries announced."""

    def __init__(self, websocket, width: int = 100, height: int = 30) -> None:
        self.websocket = websocket
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)
        self.deliveries: list[str] = []

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def until(self, words: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while words not in self.text:
            message = await self.websocket.receive(timeout=max(deadline - time.monotonic(), 0.01))
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT and message.data.startswith('["deliver_file_start"'):
                self.deliveries.append(json.loads(message.data)[1])
            elif message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"the websocket ended ({message.type}) before {words!r}:\n{self.text}")

    async def press(self, keys: str) -> None:
        await self.websocket.send_json(["stdin", keys])


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 90))


def test_the_page_loads_and_a_tab_gets_the_app_that_answers_keys_and_delivers_its_export(served):
    server = served("--paused", "--seed", "7")
    assert "logreg-tui: serving on http://localhost:" in server.lines[0]
    assert f"ssh -L {server.port}:localhost:{server.port}" in server.process.stdout.readline()

    async def session():
        async with aiohttp.ClientSession() as http:
            async with http.get(server.url()) as page:
                assert page.status == 200 and f"127.0.0.1:{server.port}/ws" in await page.text()
            async with http.ws_connect(server.url("/ws?width=100&height=30")) as websocket:
                tab = Tab(websocket)
                await tab.until("paused")
                assert "seed     7" in tab.text  # the options pass through to the session's app
                await websocket.send_json(["focus"])  # the page says so when the tab gets focus
                await tab.until("? help  q quit")  # the footer lists the keys then
                await tab.press("n")
                await tab.until("epoch    1 / 1001")
                await tab.press("e")
                await tab.until("to the browser")
                assert "sent logreg-seed7-epoch1.csv and 1 more file(s) to the browser" in tab.text
                await asyncio.sleep(0.5)
                await tab.until("to the browser")  # takes in the deliveries announced meanwhile
                assert len(tab.deliveries) == 2
                async with http.get(server.url(f"/download/{tab.deliveries[0]}")) as download:
                    assert download.status == 200 and (await download.text()).startswith("epoch,loss,w,b\n0,")
                await tab.press("q")
                assert (await websocket.receive(timeout=10)).type in (aiohttp.WSMsgType.CLOSE,
                                                                      aiohttp.WSMsgType.CLOSED)
    run(session())
    deadline = time.monotonic() + 10
    while server.sessions() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.sessions() == [] and server.process.poll() is None  # q ended the session, not the server
    assert not list(ROOT.glob("logreg-seed7-*"))  # nothing written on the server's disk


def test_a_closed_tab_ends_its_app_process(served):
    server = served("--paused")

    async def session():
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(server.url("/ws?width=90&height=28")) as websocket:
                await Tab(websocket, 90, 28).until("paused")
                assert server.sessions()
    run(session())  # leaving the block closes the websocket, as closing the tab does
    deadline = time.monotonic() + 15
    while server.sessions() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.sessions() == []


def test_sessions_are_capped_with_a_page_that_says_so(served):
    server = served("--paused", "--max-sessions", "1")

    async def session():
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(server.url("/ws")) as first:
                await Tab(first, 80, 24).until("paused")
                async with http.get(server.url()) as page:
                    assert page.status == 503 and "all 1 sessions are in use" in await page.text()
                async with http.ws_connect(server.url("/ws")) as second:
                    assert (await second.receive(timeout=10)).type in (aiohttp.WSMsgType.CLOSE,
                                                                       aiohttp.WSMsgType.CLOSED)
            await asyncio.sleep(1)
            async with http.get(server.url()) as page:
                assert page.status == 200  # the first tab closed: room again
    run(session())


def listening_addresses(port: int) -> set[str]:
    """Local addresses in LISTEN state on `port` (/proc/net/tcp and tcp6, hex as the kernel writes them)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_only_loopback_is_bound_unless_a_host_is_given_with_a_warning(served):
    server = served()
    assert listening_addresses(server.port) == {"0100007F"}  # 127.0.0.1
    other = served("--host", "0.0.0.0")
    assert listening_addresses(other.port) == {"00000000"}
    other.stop()
    assert "warning: listening on 0.0.0.0: anyone who can reach this address can run training" in \
        other.process.stderr.read()


def test_a_busy_port_and_a_missing_textual_serve_get_one_line_and_exit_2():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "logreg_tui", "--serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and result.stderr == \
        f"logreg-tui: port {port} on 127.0.0.1 is in use; choose another with --port\n"
    hidden = "import sys; sys.modules['textual_serve'] = None; from logreg_tui.cli import main; sys.exit(main(['--serve']))"
    result = subprocess.run([sys.executable, "-c", hidden], capture_output=True, text=True, timeout=30,
                            env=os.environ)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert 'pip install "logreg-tui[serve]"' in result.stderr


@pytest.mark.parametrize("args,says", [(["--serve", "--headless"], "--serve serves the app"),
                                       (["--port", "9000"], "--port needs --serve"),
                                       (["--serve", "--max-sessions", "0"], "--max-sessions")])
def test_serve_options_out_of_place_are_refused(cli, args, says):
    result = cli(*args)
    assert result.returncode == 2 and says in result.stderr and len(result.stderr.splitlines()) == 1
