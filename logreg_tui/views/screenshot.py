"""SVG screenshots that other tools draw as the terminal did: every character placed in its own cell.

Textual's SVG asks for Fira Code and sizes each run of text with textLength. rsvg-convert (what the README names)
falls back to DejaVu Sans Mono, slightly narrower, without braille (taken from proportional DejaVu Sans, so plot
lines stretch past their frames), and ignores textLength. Placing every character at its cell's x fixes all three.
"""

from __future__ import annotations

import html
import re

TEXT_RUN = re.compile(r'<text ([^>]*?)x="([\d.]+)"([^>]*?)textLength="([\d.]+)"([^>]*)>([^<]+)</text>')


def placed_cells(svg: str) -> str:
    """Each character of each run of text in its own cell-placed <text>."""
    def split(match: re.Match) -> str:
        before, x, between, length, after, text = match.groups()
        chars = html.unescape(text)
        cell = float(length) / len(chars)
        return "".join(f'<text {before}x="{float(x) + k * cell:.1f}"{between}textLength="{cell:.1f}"{after}>'
                       f'{html.escape(char)}</text>' for k, char in enumerate(chars))

    return TEXT_RUN.sub(split, svg)
