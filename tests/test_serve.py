"""`logreg-tui --serve`: the page, the websocket as the browser's script speaks it, sessions and their processes."""

import asyncio
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
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
        self.token = self.lines[0].split("?token=", 1)[1].split()[0] if "?token=" in self.lines[0] else None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the server never listened: {self.lines}")

    def url(self, path: str = "/", token: bool = True) -> str:
        """The URL of path, with the token in its query (as the printed URL has it) unless token=False."""
        query = f"{'&' if '?' in path else '?'}token={self.token}" if token and self.token else ""
        return f"http://127.0.0.1:{self.port}{path}{query}"

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

    async def until_closed(self, timeout: float = 10) -> None:
        """Read on until the server closes the websocket: frames drawn before the app saw the quit may come first."""
        deadline = time.monotonic() + timeout
        while True:
            message = await self.websocket.receive(timeout=max(deadline - time.monotonic(), 0.01))
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)
            elif message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"the websocket ended with {message.type}, not a close:\n{self.text}")


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
                said = " ".join(tab.text.split())  # the message line wraps it at the tab's width
                assert "sent logreg-seed7-epoch1.zip to the browser: logreg-seed7-epoch1.csv, " \
                    "logreg-seed7-epoch1-script.py, logreg-seed7-epoch1.json" in said
                await asyncio.sleep(0.5)
                await tab.until("to the browser")  # takes in the deliveries announced meanwhile
                assert len(tab.deliveries) == 1  # one download: every file of the export in it
                async with http.get(server.url(f"/download/{tab.deliveries[0]}")) as download:
                    archive = zipfile.ZipFile(io.BytesIO(await download.read()))
                    assert download.status == 200 and archive.namelist() == [
                        "logreg-seed7-epoch1.csv", "logreg-seed7-epoch1-script.py", "logreg-seed7-epoch1.json"]
                    assert archive.read("logreg-seed7-epoch1.csv").decode().startswith("epoch,loss,w,b\n0,")
                    assert json.loads(archive.read("logreg-seed7-epoch1.json"))["epochs"] == 1
                await tab.press("q")
                await tab.until_closed()
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
                    assert page.status == 503 and "1 tab at most, and all are in use" in await page.text()
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
    assert "warning: listening on 0.0.0.0: anyone who can reach this address and has the token can run training" in \
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
    hidden = "import sys; sys.modules['textual_serve'] = None; from logreg_tui.cli.main import main; sys.exit(main(['--serve']))"
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


# as an attacker would: another local user, another web page, DNS rebinding, a flood, a broken client

def upgrade_status(server, path: str = "/ws", headers: dict | None = None, token: bool = True) -> int:
    """The HTTP status a websocket upgrade gets (101 when it is accepted)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        target = server.url(path, token).split(str(server.port), 1)[1]
        lines = [f"GET {target} HTTP/1.1", f"Host: {headers.pop('Host', f'127.0.0.1:{server.port}') if headers else f'127.0.0.1:{server.port}'}",
                 "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                 "Sec-WebSocket-Version: 13", *(f"{k}: {v}" for k, v in (headers or {}).items())]
        raw.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return int(raw.recv(4096).split(b" ", 2)[1])


def test_every_route_needs_the_token_and_the_page_sets_it_as_a_strict_cookie(served):
    server = served("--paused")
    assert server.token and len(server.token) >= 40
    assert f"ssh -L {server.port}:localhost:{server.port} THIS_HOST, then open http://localhost:{server.port}/?token=" \
        in server.process.stdout.readline()

    async def session():
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            for path in ("/", "/static/js/textual.js", "/download/abc"):
                for url in (server.url(path, token=False), server.url(path, token=False) + "?token=wrong"):
                    async with http.get(url) as refused:
                        assert refused.status == 403 and "token" in await refused.text()
            assert upgrade_status(server, token=False) == 403 and not server.sessions()
            async with http.get(server.url()) as page:  # the printed URL, once
                cookie = page.headers["Set-Cookie"]
                assert page.status == 200 and "HttpOnly" in cookie and "SameSite=Strict" in cookie
            async with http.get(server.url("/static/js/textual.js", token=False)) as script:
                assert script.status == 200  # by cookie only from now on
            async with http.ws_connect(server.url("/ws?width=80&height=24", token=False)) as websocket:
                await Tab(websocket, 80, 24).until("paused")
                for pid in server.sessions():  # never on a child's command line, where ps shows it
                    assert server.token.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
    run(session())


def test_a_foreign_origin_and_a_foreign_host_are_refused_before_any_process_starts(served):
    server = served("--paused")
    assert upgrade_status(server, headers={"Origin": "http://evil.example"}) == 403
    assert upgrade_status(server, headers={"Origin": f"http://localhost:{server.port}"}) == 403  # not its Host
    assert upgrade_status(server, headers={"Host": "evil.example"}) == 403  # DNS rebinding
    assert upgrade_status(server, headers={"Host": f"evil.example:{server.port}"}) == 403
    assert not server.sessions()
    headers = {"Host": "localhost:9999", "Origin": "http://localhost:9999"}  # ssh -L 9999:localhost:PORT
    assert upgrade_status(server, headers=dict(headers)) == 101
    page = subprocess.run(["curl", "-s", "-H", "Host: localhost:9999", server.url()], capture_output=True, text=True)
    assert 'data-session-websocket-url="ws://localhost:9999/ws"' in page.stdout and '"/static/js/textual.js"' in page.stdout
    assert "https://" not in page.stdout.replace("https://github.com", "")  # offline: no fonts from the internet
    assert "fonts/RobotoMono-VariableFont_wght.ttf" in page.stdout


def test_churn_never_leaves_more_processes_than_the_cap_and_garbage_is_one_line(served):
    server = served("--paused", "--max-sessions", "2")
    most = []

    async def churn():
        async with aiohttp.ClientSession() as http:
            for _ in range(4):
                sockets = [await http.ws_connect(server.url("/ws?width=3000&height=1500")) for _ in range(4)]
                most.append(len([p for p in server.sessions() if b"logreg_tui" in Path(f"/proc/{p}/cmdline").read_bytes()
                                 and b"plot_process" not in Path(f"/proc/{p}/cmdline").read_bytes()]))
                for websocket in sockets:
                    await websocket.close()
            deadline = time.monotonic() + 30
            while True:  # a slot is free once the closed tabs' processes are reaped
                websocket = await http.ws_connect(server.url("/ws?width=80&height=24"))
                tab = Tab(websocket, 80, 24)
                try:
                    await tab.until("paused")
                    break
                except AssertionError:
                    assert time.monotonic() < deadline, "no slot came free"
                    await asyncio.sleep(0.5)
            async with websocket:
                for garbage in ({}, [], ["stdin", 5], ["resize", {"width": "x"}], ["nonsense"], "text"):
                    await websocket.send_json(garbage)
                await tab.press("n")
                await tab.until("epoch    1")  # still serving
    run(churn())
    assert max(most) <= 2
    deadline = time.monotonic() + 20
    while server.sessions() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.sessions() == []
    server.process.send_signal(signal.SIGINT)
    _, err = server.process.communicate(timeout=10)
    assert "Traceback" not in err and "Unknown child process" not in err


def test_tabs_end_with_their_server_even_when_it_is_killed_and_sigterm_stops_it_at_once(served):
    for how in (signal.SIGKILL, signal.SIGTERM):
        server = served("--paused")

        async def two_tabs():
            async with aiohttp.ClientSession() as http:
                tabs = [await http.ws_connect(server.url("/ws?width=80&height=24")) for _ in range(2)]
                for websocket in tabs:
                    await Tab(websocket, 80, 24).until("paused")
                sessions = server.sessions()
                sent = time.monotonic()
                server.process.send_signal(how)
                server.process.wait(10)
                stopped = time.monotonic() - sent
                for websocket in tabs:
                    await websocket.close()
                return sessions, stopped

        sessions, stopped = run(two_tabs())
        assert how == signal.SIGKILL or stopped < 2.5, f"{stopped:.1f} s to stop with two tabs"
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in sessions) and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = [pid for pid in sessions if Path(f"/proc/{pid}").exists()
                 and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
        assert alive == [], f"tab processes outlived the server ({how.name})"


def test_token_file_and_no_token_are_checked(tmp_path, cli):
    token = tmp_path / "token"
    token.write_text("a-fixed-token-for-my-bookmark\n")
    token.chmod(0o644)
    result = cli("--serve", "--token-file", str(token))
    assert result.returncode == 2 and "chmod 600" in result.stderr
    result = cli("--serve", "--no-token", "--host", "0.0.0.0")
    assert result.returncode == 2 and "--no-token only with a loopback --host" in result.stderr


def test_unfetched_downloads_are_capped_per_tab(served):
    server = served("--paused")

    async def session():
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(server.url("/ws?width=120&height=30")) as websocket:
                tab = Tab(websocket, 120, 30)
                await tab.until("paused")
                for _ in range(8):  # never fetched, as when a browser blocks the pop-ups
                    await tab.press("e")
                    await asyncio.sleep(0.2)
                await tab.until("downloads are waiting for the browser to fetch them")
                assert len(tab.deliveries) == 5
                async with http.get(server.url(f"/download/{tab.deliveries[0]}")) as download:
                    assert download.status == 200 and zipfile.ZipFile(io.BytesIO(await download.read())).namelist()
                async with http.get(server.url(f"/download/{tab.deliveries[0]}")) as again:
                    assert again.status == 404  # once
                await asyncio.sleep(0.5)
                await tab.press("e")
                await tab.until("to the browser:")  # a fetched one makes room
    run(session())


def test_the_url_is_printed_once_the_server_listens_so_a_script_can_connect_at_once():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "logreg_tui", "--serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = process.stdout.readline()
        assert line.startswith(f"logreg-tui: serving on http://localhost:{port}/?token=")
        socket.create_connection(("127.0.0.1", port), timeout=1).close()  # at once: no retry, no sleep
    finally:
        process.terminate()
        process.wait(10)


def test_the_refusal_log_shows_control_characters_as_symbols(capsys):
    from logreg_tui.cli.serve_guard import RefusalLog

    RefusalLog().say("refused GET /\x1b]0;owned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07 from 127.0.0.1: a valid token is needed")
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and out.count("\n") == 1 and "a valid token is needed" in out


async def test_a_resize_to_infinity_or_nan_is_a_malformed_message_not_a_traceback():
    from logreg_tui.cli.serve import _answer

    class Service:
        async def set_terminal_size(self, width, height):
            raise AssertionError("never sized")

    for size in (float("inf"), float("nan"), "80", True, None):
        with pytest.raises(ValueError):
            await _answer(["resize", {"width": size, "height": 24}], None, Service())


def test_serve_allow_code_does_not_reach_the_tabs_command_line():
    from logreg_tui.cli.serve import session_command

    command = session_command(["--serve", "--serve-allow-code", "--function", "my_loss.py", "--port=9000"])
    assert command.endswith("-m logreg_tui --function my_loss.py")


def test_connections_without_a_token_are_capped_and_closed_after_ten_seconds(served):
    from logreg_tui.cli.serve_guard import UNPROVEN_MAX, UNPROVEN_SECONDS

    server = served("--paused")
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(UNPROVEN_MAX)]
    time.sleep(0.5)
    extra = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    assert idle[0].recv(1) == b""  # past the cap the oldest without a token is closed, not the newcomer
    async def page() -> int:  # a real user with the token still gets the page
        async with aiohttp.ClientSession() as http, http.get(server.url("/")) as response:
            return response.status

    assert run(page()) == 200
    time.sleep(UNPROVEN_SECONDS + 1)
    for connection in [*idle[1:], extra]:  # half-open, no request ever: closed, their file descriptors back
        connection.settimeout(5)
        assert connection.recv(1) == b""
        connection.close()
    idle[0].close()


@pytest.mark.serve
def test_a_class_answers_a_lesson_and_the_teachers_page_counts_them_with_its_own_token(served):
    """--serve --lesson homework: three tabs each get the lesson; their answers reach the server (no tab sees
    another's) and the teacher's page, with its own token, shows how many chose what before the reveal, then the
    run's truth once a tab has seen it. The tabs' token does not open it."""
    server = served("--lesson", "homework", "--speed", "max", "--max-sessions", "3")
    teacher = next(line for line in (server.process.stdout.readline() for _ in range(3)) if "/teacher?token=" in line)
    teacher_token = teacher.split("/teacher?token=", 1)[1].split()[0]
    assert teacher_token != server.token

    async def page(http, token):
        async with http.get(f"http://127.0.0.1:{server.port}/teacher?token={token}") as response:
            return response.status, await response.text()

    async def lesson():
        async with aiohttp.ClientSession() as http:
            assert (await page(http, server.token))[0] == 403  # the class's token is not the teacher's
            sockets = [await http.ws_connect(server.url("/ws?width=100&height=30")) for _ in range(3)]
            tabs = [Tab(websocket) for websocket in sockets]
            for tab in tabs:
                await tab.until("step 1 of 2", timeout=60)
                await tab.until("epoch    0 / 200", timeout=60)  # its run, paused behind the question
            for tab, key in zip(tabs, "322", strict=True):
                await asyncio.sleep(0.5)  # the choices' list has focus
                await tab.press(key)
            for tab, score in zip(tabs, ("0.00", "1.00", "1.00"), strict=True):
                await tab.until(f"score {score}", timeout=60)  # each its own reveal
            status, text = await page(http, teacher_token)
            assert status == 200 and "3 tab(s) answering" in text and "3 answer(s)" in text
            assert "<td>2. trains exactly as the correct gradient does at lr 1</td><td class=\"bar\">██</td><td>2</td>" \
                in text and "<td>3. diverges at once</td><td class=\"bar\">█</td><td>1</td>" in text
            assert "the run: 2. trains exactly" in text and "(3 tab(s) have seen the reveal)" in text
            assert "step 2:" in text and "not revealed yet" in text  # the next step: no answers, no truth
            assert all("answer(s)" not in tab.text and "tab(s)" not in tab.text for tab in tabs)  # the counts: teacher's only
            for websocket in sockets:
                await websocket.close()
    run(lesson())
