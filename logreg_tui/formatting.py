"""Numbers as the screen shows them: plain decimals, short counts. No dependencies."""

from __future__ import annotations

import math


def format_number(value: float) -> str:
    """Plain decimal with up to 6 significant digits (0.4, 0.0125; 1e-05 only when tiny); — for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int) or (abs(value) < 1e15 and value == int(value)):
        return str(int(value))
    return f"{value:.6g}"


def short_count(count: int) -> str:
    """12, 9999, 20k, 1.5M: counts for tight places."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if count >= (size if suffix == "M" else 10 * size):
            return f"{count / size:g}{suffix}"
    return str(count)
