"""What a browser tab costs: bytes/s over the websocket of `logreg-tui --serve` beside bytes/s in a terminal,
both training at the defaults at 120×40, and the time from opening the websocket to the first frame.

    python bench/serve.py
"""

import asyncio
import importlib.util
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pyte

HERE = Path(__file__).parent
spec = importlib.util.spec_from_file_location("terminal_bench", HERE / "terminal.py")
terminal_bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(terminal_bench)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def tab_bytes_per_second(port: int, seconds: float = 5.0) -> tuple[float, float]:
    """(seconds to a frame that says running, bytes/s over the websocket afterwards)."""
    screen = pyte.Screen(120, 40)
    stream = pyte.ByteStream(screen)
    async with aiohttp.ClientSession() as http:
        opened = time.monotonic()
        async with http.ws_connect(f"http://127.0.0.1:{port}/ws?width=120&height=40") as websocket:
            first = None
            counted, start = 0, None
            while True:
                message = await websocket.receive(timeout=30)
                if message.type != aiohttp.WSMsgType.BINARY:
                    continue
                now = time.monotonic()
                if first is None:
                    stream.feed(message.data)
                    if "running" in "\n".join(screen.display):
                        first = now - opened
                elif start is None and now - opened > first + 1.0:  # past the first frames, as terminal.py
                    start = now
                elif start is not None:
                    counted += len(message.data)
                    if now - start >= seconds:
                        return first, counted / (now - start)


def main() -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "logreg_tui", "--serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        first, tab = asyncio.run(tab_bytes_per_second(port))
    finally:
        server.terminate()
        server.wait(10)
    pty = terminal_bench.bytes_per_second()
    print("120×40, training at the defaults (speed 100, fps 10)")
    print(f"browser tab (websocket):  {tab / 1024:6.2f} KiB/s; first frame that says running after {first:.2f} s")
    print(f"terminal (pty):           {pty / 1024:6.2f} KiB/s;  tab ÷ terminal {tab / pty:.2f}")


if __name__ == "__main__":
    main()
