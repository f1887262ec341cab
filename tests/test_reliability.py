"""Nothing a person does loses the run (issue 46): quick double keys in prompts and the palette, in a real terminal
(a pseudo-terminal delivers both enters in one read, which Pilot's pressed keys never do)."""

import os

import pytest
from terminal import Terminal, installed_command


@pytest.mark.pty
def test_enter_twice_quickly_in_every_prompt_and_the_palette_keeps_the_app():
    term = Terminal([installed_command(), "--paused"], 120, 40)
    try:
        term.wait_for(r"status\s+paused", timeout=60)
        for key, typed, shown in ((b"L", b"0.4", r"lr\s+0\.4"), (b"T", b"0.3", r"\bt\s+0\.3"),
                                  (b"@", b"0.01", r"l2\s+0\.01"), (b"!", b"0.002", r"l1\s+0\.002"),
                                  (b"S", b"50", r"speed\s+.*cap 50")):
            os.write(term.fd, key)
            term.pump(0.4)
            os.write(term.fd, typed + b"\r\r")  # both enters in one write, as a quick double press arrives
            term.wait_for(shown, timeout=20)
            assert term.exit_code is None
        os.write(term.fd, b"\x10")  # ctrl+p: the command palette
        term.pump(0.8)
        os.write(term.fd, b"reseed")
        term.wait_for(r"next seed", timeout=20)  # the palette lists the command
        os.write(term.fd, b"\r\r")
        term.wait_for(r"seed\s+43\b", timeout=20)  # reseeded once, not twice, and alive
        term.pump(0.5)
        assert term.exit_code is None and "seed     44" not in term.text
        term.press("q")
        assert term.wait_exit(5) == 0
    finally:
        term.close()
