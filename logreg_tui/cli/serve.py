"""`logreg-tui --serve`: the app in a browser tab, through textual-serve (an optional extra).

Each tab's websocket starts its own app process (the other options passed through); when the tab closes,
its process is asked to quit and, if it has not within a few seconds, killed. Sessions are capped.
"""

from __future__ import annotations

import asyncio
import errno
import importlib
import ipaddress
import logging
import math
import shlex
import signal
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from logreg_tui.cli.serve_guard import (
    RefusalLog,
    TokenError,
    allowed_hosts,
    guard,
    guard_connections,
    make_token,
    read_token_file,
    same_token,
)
from logreg_tui.core.model.options import Options, fail

SERVE_OPTIONS = {"--serve": False, "--port": True, "--host": True, "--max-sessions": True, "--token-file": True,
                 "--no-token": False, "--serve-allow-code": False}  # name: takes a value
PAGE_TEMPLATES = Path(__file__).parent / "serve_page"  # textual-serve's page, without its web fonts
QUIT_GRACE = 5.0  # seconds a closed tab's app has to quit before it is killed
FULL_PAGE = """<!doctype html><title>logreg-tui: full</title>
<body style="font-family: monospace; padding: 2em"><h1>logreg-tui: {cap} {tabs} at most, and all are in use</h1>
<p>Close another tab running logreg-tui on this server, or start the server with a larger
<code>--max-sessions</code>; then reload this page.</p></body>"""


def session_command(argv: list[str]) -> str:
    """The command a session runs: this Python, `-m logreg_tui` and the command line without the serve options
    (exec: the shell textual-serve starts becomes the app, so ending it ends the app)."""
    kept, skip = [], False
    for arg in argv:
        name = arg.split("=", 1)[0]
        if skip:
            skip = False
        elif name in SERVE_OPTIONS:
            skip = SERVE_OPTIONS[name] and "=" not in arg
        else:
            kept.append(arg)
    return "exec " + shlex.join([sys.executable, "-m", "logreg_tui", *kept])


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, or None (checked by binding it a moment)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is in use; choose another with --port"
            return f"cannot listen on {host}:{port}: {error.strerror or error}"
    return None


def run_server(options: Options, argv: list[str]) -> int:
    """Serve until ctrl+c or SIGTERM. Exit 2 without textual-serve, when the address cannot be used, or when the
    token file cannot."""
    try:
        importlib.import_module("textual_serve")
    except ImportError:
        return fail('--serve needs textual-serve: pip install "logreg-tui[serve]" (or pip install textual-serve)')
    if options.no_token and not is_loopback(options.host):
        return fail("--no-token only with a loopback --host: anyone who can reach the address could run code here")
    try:
        token = None if options.no_token else read_token_file(options.token_file) if options.token_file \
            else make_token()
    except TokenError as error:
        return fail(str(error))
    if problem := port_problem(options.host, options.port):
        return fail(problem)
    classroom = None
    if options.lesson:  # a class's lesson: each tab answers into a folder the teacher's page reads
        try:
            classroom = Classroom(options.lesson)
        except ValueError as error:
            return fail(str(error))
        argv = [*argv, "--class-dir", classroom.directory]
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # "Unknown child process pid …" when a tab quits
    server = _server_class()(session_command(argv), host=options.host, port=options.port, title="logreg-tui",
                             templates_path=str(PAGE_TEMPLATES))
    server.max_sessions = options.max_sessions
    server.classroom = classroom
    server.guard = guard(token, allowed_hosts(options.host), server.log, own_token=("/teacher",) if classroom else ())
    server.on_listening = lambda: _announce(options, token, classroom)  # once it listens: a script can connect
    server.serve()
    return 0


class Classroom:
    """--serve --lesson: the lesson, the private folder its tabs answer into, and the teacher page's own token."""

    def __init__(self, name: str) -> None:
        from logreg_tui.core.files.lesson_file import LessonError, read_lesson, setup_problem

        try:
            self.lesson = read_lesson(name, setup_problem)
        except LessonError as error:
            raise ValueError(f"{error} (--check lists every mistake)") from None
        self.directory = tempfile.mkdtemp(prefix="logreg-tui-class-")  # 0700: only this user reads the answers
        self.token = make_token()

    def page(self) -> str:
        from logreg_tui.cli.teacher import teacher_page

        return teacher_page(self.lesson, self.directory)


def _announce(options: Options, token: str | None, classroom: Classroom | None = None) -> None:
    """The URL to open (and how to reach it over SSH), said once the server is listening."""
    query = f"/?token={token}" if token else "/"
    host = "localhost" if is_loopback(options.host) else options.host
    url = f"http://{host}:{options.port}{query}"
    print(f"logreg-tui: serving on {url}  (ctrl+c stops; each browser tab is its own run)")
    if is_loopback(options.host):
        print(f"logreg-tui: from a laptop: ssh -L {options.port}:localhost:{options.port} THIS_HOST, "
              f"then open http://localhost:{options.port}{query}")
    else:
        print(f"logreg-tui: warning: listening on {options.host}: anyone who can reach this address and has the "
              "token can run training on this machine", file=sys.stderr)
    if classroom is not None:
        print(f"logreg-tui: the teacher's page (its own token: not for the class): "
              f"http://{host}:{options.port}/teacher?token={classroom.token}  (answers kept in {classroom.directory})")
    sys.stdout.flush()


def _server_class() -> type:
    """textual-serve's Server behind the guard, with relative URLs, a cap on live session processes, closed
    tabs' processes ended for sure, malformed messages answered with one line at most."""
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    class SessionServer(Server):
        max_sessions = 4
        sessions = 0  # live session processes: a slot is free once its process is reaped
        log = RefusalLog()
        guard = None
        services: set = set()

        on_listening: Callable[[], None] = staticmethod(lambda: None)
        classroom: Classroom | None = None

        def initialize_logging(self) -> None:
            pass  # the URL lines say what a person needs; no banner, no per-request log

        def serve(self, debug: bool = False) -> None:
            """textual-serve's serve(), but saying the URL once the socket listens (aiohttp's print hook runs after
            its sites start), not before."""
            guard_connections()
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            loop.add_signal_handler(signal.SIGINT, self.request_exit)
            loop.add_signal_handler(signal.SIGTERM, self.request_exit)
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop,
                        print=lambda *_: self.on_listening())

        async def on_startup(self, app: web.Application) -> None:
            pass

        async def on_shutdown(self, app: web.Application) -> None:
            """ctrl+c or SIGTERM: every tab's app asked to quit, killed after a second."""
            await asyncio.gather(*(_end(service, grace=1.0) for service in list(self.services)))

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            if self.guard is not None:
                app.middlewares.append(self.guard)
            if self.classroom is not None:
                app.router.add_get("/teacher", self.handle_teacher)
            return app

        async def handle_teacher(self, request: web.Request) -> web.StreamResponse:
            """The class's answers, with the teacher's token only (the guard checked the host and the origin)."""
            assert self.classroom is not None
            if not same_token(request.query.get("token"), self.classroom.token):
                self.log.say(f"refused {request.path} from {request.remote}: not the teacher's token")
                return web.Response(status=403, text="the teacher's page needs the teacher's token")
            return web.Response(text=self.classroom.page(), content_type="text/html")

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            if self.sessions >= self.max_sessions:
                return web.Response(status=503, text=FULL_PAGE.format(
                    cap=self.max_sessions, tabs="tab" if self.max_sessions == 1 else "tabs"), content_type="text/html")
            import aiohttp_jinja2

            # URLs from the request's own Host (already allowed by the guard): any forwarded port works
            context = {"font_size": _size(request, "fontsize", 16, 64), "app_websocket_url": f"ws://{request.host}/ws",
                       "config": {"static": {"url": "/static/"}}, "application": {"name": self.title}}
            return aiohttp_jinja2.render_template("app_index.html", request, context)

        async def _process_messages(self, websocket: web.WebSocketResponse, service: Any) -> None:
            async for message in websocket:
                if message.type != web.WSMsgType.TEXT:
                    continue
                try:
                    await _answer(message.json(), websocket, service)
                except (ValueError, TypeError, KeyError, IndexError):
                    self.log.say(f"a tab sent a message that is not the page's: {message.data[:60]!r}")

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            websocket = web.WebSocketResponse(heartbeat=15)
            await websocket.prepare(request)
            if self.sessions >= self.max_sessions:
                await websocket.close(message=b"logreg-tui: every session is in use")
                return websocket
            self.sessions += 1

            async def close() -> None:
                await websocket.close()

            service = AppService(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                 close=close, download_manager=self.download_manager, debug=False)
            self.services.add(service)
            try:
                await service.start(_size(request, "width", 80, MAX_COLUMNS), _size(request, "height", 24, MAX_ROWS))
                await self._process_messages(websocket, service)
            except (asyncio.CancelledError, ConnectionError):
                pass  # the tab went away (aiohttp's "Connection lost" is a ConnectionError too)
            finally:
                try:
                    await _end(service)
                finally:
                    _forget_downloads(self.download_manager, service)
                    self.services.discard(service)
                    self.sessions -= 1  # only now: its process is gone
            return websocket

    return SessionServer


MAX_COLUMNS, MAX_ROWS = 500, 200  # a tab's size, as asked in the query and on resize: a huge frame is refused


def _size(request: Any, name: str, default: int, largest: int) -> int:
    try:
        return min(max(int(request.query.get(name, default)), 1), largest)
    except ValueError:
        return default


async def _answer(envelope: object, websocket: Any, service: Any) -> None:
    """One message of the page's script: ["stdin", text], ["resize", {width, height}], ["ping", x], focus, blur.
    Anything else raises ValueError (or TypeError, KeyError, IndexError)."""
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        raise ValueError("not a message")
    kind = envelope[0]
    if kind == "stdin" and isinstance(envelope[1], str):
        await service.send_bytes(envelope[1].encode("utf-8"))
    elif kind == "resize" and isinstance(envelope[1], dict):
        width, height = _cells(envelope[1]["width"]), _cells(envelope[1]["height"])
        await service.set_terminal_size(min(max(width, 1), MAX_COLUMNS), min(max(height, 1), MAX_ROWS))
    elif kind == "ping":
        await websocket.send_json(["pong", envelope[1]])
    elif kind == "focus":
        await service.focus()
    elif kind == "blur":
        await service.blur()
    else:
        raise ValueError(f"unknown message {kind!r}")


def _cells(value: object) -> int:
    """A size in cells from the page: a finite number (JSON's Infinity and NaN, strings, true are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"a size of {value!r}")
    return int(value)


def _forget_downloads(manager: Any, service: Any) -> None:
    """A closed tab's downloads that were never fetched: their entries go (textual-serve keeps them for good)."""
    active = manager._active_downloads
    for key in [key for key, download in active.items() if download.app_service is service]:
        del active[key]


async def _end(service: Any, grace: float = QUIT_GRACE) -> None:
    """Ask the session's app to quit; kill it (and its shell) if it has not within `grace` seconds; reap it."""
    process = service._process
    try:
        await asyncio.wait_for(service.stop(), grace)
    except (asyncio.TimeoutError, ConnectionError, OSError):
        pass
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
