"""`logreg-tui --serve`: the app in a browser tab, through textual-serve (an optional extra).

Each tab's websocket starts its own app process (the other options passed through); when the tab closes,
its process is asked to quit and, if it has not within a few seconds, killed. Sessions are capped.
"""

from __future__ import annotations

import asyncio
import errno
import importlib
import ipaddress
import shlex
import socket
import sys

from logreg_tui.options import Options, fail

SERVE_OPTIONS = {"--serve": False, "--port": True, "--host": True, "--max-sessions": True}  # name: takes a value
QUIT_GRACE = 5.0  # seconds a closed tab's app has to quit before it is killed
FULL_PAGE = """<!doctype html><title>logreg-tui: full</title>
<body style="font-family: monospace; padding: 2em"><h1>logreg-tui: all {cap} sessions are in use</h1>
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
    """Serve until ctrl+c. Exit 2 without textual-serve or when the address cannot be used."""
    try:
        importlib.import_module("textual_serve")
    except ImportError:
        return fail('--serve needs textual-serve: pip install "logreg-tui[serve]" (or pip install textual-serve)')
    if problem := port_problem(options.host, options.port):
        return fail(problem)
    url = f"http://{'localhost' if is_loopback(options.host) else options.host}:{options.port}"
    print(f"logreg-tui: serving on {url}  (ctrl+c stops; each browser tab is its own run)")
    if is_loopback(options.host):
        print(f"logreg-tui: from a laptop: ssh -L {options.port}:localhost:{options.port} THIS_HOST, "
              f"then open http://localhost:{options.port}")
    else:
        print(f"logreg-tui: warning: listening on {options.host}: anyone who can reach this address can run "
              "training on this machine", file=sys.stderr)
    sys.stdout.flush()
    server = _server_class()(session_command(argv), host=options.host, port=options.port, title="logreg-tui")
    server.max_sessions = options.max_sessions
    server.serve()
    return 0


def _server_class():
    """textual-serve's Server with a session cap and closed tabs' processes ended for sure."""
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    class SessionServer(Server):
        max_sessions = 4
        sessions = 0

        def initialize_logging(self) -> None:
            pass  # the URL lines above say what a person needs; no banner, no per-request log

        async def on_startup(self, app: web.Application) -> None:
            pass

        async def handle_index(self, request: web.Request):
            if self.sessions >= self.max_sessions:
                return web.Response(status=503, text=FULL_PAGE.format(cap=self.max_sessions), content_type="text/html")
            return await super().handle_index(request)

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            websocket = web.WebSocketResponse(heartbeat=15)
            await websocket.prepare(request)
            if self.sessions >= self.max_sessions:
                await websocket.close(message=b"logreg-tui: all sessions are in use")
                return websocket
            self.sessions += 1
            service = AppService(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                 close=websocket.close, download_manager=self.download_manager, debug=False)
            try:
                await service.start(_size(request, "width", 80), _size(request, "height", 24))
                await self._process_messages(websocket, service)
            except (asyncio.CancelledError, ConnectionResetError):
                pass
            finally:
                self.sessions -= 1
                await _end(service)
            return websocket

    return SessionServer


def _size(request, name: str, default: int) -> int:
    try:
        return max(int(request.query.get(name, default)), 1)
    except ValueError:
        return default


async def _end(service) -> None:
    """Ask the session's app to quit; kill it (and its shell) if it has not within QUIT_GRACE seconds."""
    process = service._process
    try:
        await asyncio.wait_for(service.stop(), QUIT_GRACE)
    except (asyncio.TimeoutError, ConnectionResetError, BrokenPipeError):
        pass
    if process is not None and process.returncode is None:
        process.kill()
        await process.wait()
