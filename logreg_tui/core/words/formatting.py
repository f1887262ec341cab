"""Numbers as the screen shows them: plain decimals, short counts. No dependencies."""

from __future__ import annotations

import math

FLOAT32_EPSILON = 2.0**-23  # float32's relative resolution


def format_number(value: float, scale: float | None = None) -> str:
    """Plain decimal with up to 6 significant digits (0.4, 0.0125; 1e-05 only when tiny); — for NaN.

    scale: the size of the terms a float32 value was summed from; below float32's resolution at that scale the
    value is rounding noise (b 2.3e-10 after one step on balanced data) and shows as 0.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if scale is not None and math.isfinite(scale) and abs(value) < FLOAT32_EPSILON * abs(scale):
        return "0"
    if isinstance(value, int) or (abs(value) < 1e15 and value == int(value)):
        return str(int(value))
    return f"{value:.6g}"


def printable(text: str) -> str:
    """text with its control characters shown as symbols (ESC as ␛, BEL as ␇): a file name or a message that
    quotes input can never move the cursor, set the window title or ring the bell."""
    return "".join(_shown(char) for char in text)


def _shown(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures
    if code == 0x7F:
        return "␡"
    if 0x80 <= code < 0xA0 or code in (0x2028, 0x2029):  # C1 controls (8-bit CSI, OSC …) and line breaks
        return "�"
    return char


def format_accuracy(value: float) -> str:
    """One format for every accuracy: three decimals (0.984, 0.500); — for NaN."""
    return "—" if value is None or math.isnan(value) else f"{value:.3f}"


def counted(count: int, noun: str) -> str:
    """1 epoch, 2 epochs, 0 epochs."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def short_count(count: int) -> str:
    """12, 9999, 20k, 1.5M, 2G, 1T: counts for tight places (up to the largest epoch budget, 10¹²)."""
    for size, suffix in ((10**12, "T"), (10**9, "G"), (1_000_000, "M"), (1_000, "k")):
        if count >= (size if suffix != "k" else 10 * size):
            return f"{count / size:.4g}{suffix}"
    return str(count)


def theta_words(theta: tuple[float, ...]) -> str:
    """θ as a message says it: w 1.5, b -2 for one feature; w (1.5, 0.2), b -2 for more (numbers as :g)."""
    weights = theta[:-1]
    w = f"{weights[0]:g}" if len(weights) == 1 else "(" + ", ".join(f"{value:g}" for value in weights) + ")"
    return f"w {w}, b {theta[-1]:g}"
