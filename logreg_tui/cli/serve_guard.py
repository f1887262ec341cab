"""Who may use `--serve`: a token (as Jupyter's), a Host allow-list (DNS rebinding) and an Origin check (another web
page's websocket). No Textual here; aiohttp only inside `guard()`.

On a shared GPU box 127.0.0.1 is reachable by every local user, and any web page open in the laptop's browser can
open ws://localhost:PORT/ws while `ssh -L` forwards the port (browsers apply no same-origin rule to websockets).
"""

from __future__ import annotations

import hmac
import os
import secrets
import socket
import stat
import time
from pathlib import Path
from typing import Any

from logreg_tui.core.words.formatting import printable

COOKIE = "logreg_tui_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
REFUSED_PAGE = """<!doctype html><title>logreg-tui: not allowed</title>
<body style="font-family: monospace; padding: 2em"><h1>logreg-tui: {why}</h1>
<p>Open the URL that <code>logreg-tui --serve</code> printed when it started, with its <code>?token=…</code>:
it is on the server's terminal (and, with <code>--token-file</code>, in that file).</p></body>"""
REFUSALS_LOGGED_PER_MINUTE = 5
UNPROVEN_SECONDS = 10.0  # a connection that has shown no valid token by then is closed (a half-open one holds an fd)
UNPROVEN_MAX = 64  # connections without a valid token at once; past it the oldest of them is closed


class TokenError(ValueError):
    """The token file cannot be used, worded for one line."""


def make_token() -> str:
    return secrets.token_urlsafe(32)


def read_token_file(path: str) -> str:
    """A fixed token for people who bookmark the URL: the file must be readable by its owner only (mode 0600)."""
    try:
        mode = os.stat(path).st_mode
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise TokenError(f"--token-file {path}: {error.strerror or error}") from None
    if stat.S_IMODE(mode) & 0o077:
        raise TokenError(f"--token-file {path}: others can read it (mode {stat.S_IMODE(mode):o}); chmod 600 it")
    if len(text) < 16 or any(c.isspace() for c in text):
        raise TokenError(f"--token-file {path}: the token must be one word of 16 characters or more")
    return text


def host_name(host_header: str) -> str:
    """The name in a Host header, without its port: localhost:9000 → localhost, [::1]:8000 → ::1."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def allowed_hosts(bind: str) -> frozenset[str]:
    """The names a request's Host may carry (any port: ssh -L may forward another): the loopback names, the
    address given with --host, and for a wildcard bind this machine's own names."""
    names = set(LOOPBACK_NAMES) | {bind}
    if bind in ("0.0.0.0", "::"):
        names |= {socket.gethostname(), socket.getfqdn()}
    return frozenset(name.lower() for name in names)


def same_token(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


class RefusalLog:
    """At most a few lines a minute about refused or broken clients: a flood must not fill the log."""

    def __init__(self) -> None:
        self._window, self._count = 0.0, 0

    def say(self, line: str) -> None:
        now = time.monotonic()
        if now - self._window > 60:
            self._window, self._count = now, 0
        self._count += 1
        if self._count <= REFUSALS_LOGGED_PER_MINUTE:  # a request path is anyone's words: no escape reaches us
            print(f"logreg-tui: {printable(line)}", flush=True)


def guard(token: str | None, hosts: frozenset[str], log: RefusalLog, own_token: tuple[str, ...] = ()) -> Any:
    """aiohttp middleware: Host allowed, Origin the page's own, and the token (from ?token= once, then the
    HttpOnly, SameSite=Strict cookie set on the page) on every route; else 403 before anything starts. The paths
    in `own_token` (the teacher's page) check a token of their own instead of the tabs'."""
    from aiohttp import web

    def refuse(request: web.Request, why: str) -> web.Response:
        log.say(f"refused {request.method} {request.path} from {request.remote}: {why}")
        return web.Response(status=403, text=REFUSED_PAGE.format(why=why), content_type="text/html")

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        if host_name(request.host).lower() not in hosts:
            return refuse(request, "this server answers only to its own host names")
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            return refuse(request, "requests from another web page are not allowed")
        if token is None or request.path in own_token:
            return await handler(request)
        if same_token(request.query.get("token"), token):
            proven(request.protocol)
            response = await handler(request)
            if not response.prepared:  # the page: later requests (its websocket, downloads) carry the cookie
                response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
            return response
        if same_token(request.cookies.get(COOKIE), token):
            proven(request.protocol)
            return await handler(request)
        return refuse(request, "a valid token is needed")

    return middleware


_UNPROVEN: dict[Any, Any] = {}  # connection (aiohttp's RequestHandler) → the timer that closes it


def proven(connection: Any) -> None:
    """The connection carried a valid token: it may stay open as long as it is used."""
    timer = _UNPROVEN.pop(connection, None)
    if timer is not None:
        timer.cancel()


def guard_connections() -> None:
    """aiohttp's connections held to a time limit and a cap until they show a valid token (guard() proves them):
    half-open or idle connections without one are closed after UNPROVEN_SECONDS, and past UNPROVEN_MAX at once the
    oldest of them is closed, so a flood cannot use up the server's file descriptors nor lock a person out. For the
    server's process only (it replaces aiohttp's connection class there)."""
    import asyncio

    from aiohttp import web_protocol, web_server

    class GuardedConnection(web_protocol.RequestHandler):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            if len(_UNPROVEN) >= UNPROVEN_MAX:  # the oldest goes, not the newest: a person arriving in a flood
                oldest = next(iter(_UNPROVEN))  # gets their chance to show the token
                oldest._unproven()
            _UNPROVEN[self] = asyncio.get_running_loop().call_later(UNPROVEN_SECONDS, self._unproven)

        def _unproven(self) -> None:
            if _UNPROVEN.pop(self, None) is not None:
                self.force_close()

        def connection_lost(self, exc: BaseException | None) -> None:
            proven(self)  # gone: its timer with it
            super().connection_lost(exc)

    vars(web_server)["RequestHandler"] = GuardedConnection  # the factory web.Server calls (the class is typed)
