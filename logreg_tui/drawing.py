"""A picture to draw, as plain data: what goes between the app and the process that draws plots.

A Drawing names its plot and carries numbers, strings and float arrays (with their shapes), so that it
survives JSON exactly; the pictures come back as rows of (text, style) runs. No plotext, no rich here.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import numpy as np

RGB = tuple[int, int, int]
Rows = list[list[tuple[str, str]]]  # per row of the picture: (text, style) runs


def blend(a: RGB, b: RGB, t: float) -> RGB:
    """a moved the fraction t of the way toward b."""
    return tuple(x + (y - x) * t for x, y in zip(a, b))


def to_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(max(0, min(255, round(c))) for c in rgb))


@dataclass(frozen=True)
class PlotColors:
    """Plot colours, taken from the app's theme."""

    text: RGB = (200, 200, 200)
    line: RGB = (80, 160, 255)
    dim: RGB = (90, 90, 90)
    curve: RGB = (255, 160, 60)
    class0: RGB = (230, 90, 90)
    class1: RGB = (90, 200, 120)
    marker: RGB = (240, 220, 80)
    background: RGB | None = None  # the theme's; None: the terminal's own
    monochrome: bool = False  # NO_COLOR: the terminal shows no colours, so shapes must tell things apart


@dataclass(frozen=True)
class Drawing:
    """A plot to draw: which one and its arguments, as numbers, strings and float arrays.

    Plain, so that it can go as JSON to the process that draws plots (plot_process.py) and be drawn there
    exactly as here.
    """

    plot: str  # "loss", "data" or "landscape"
    args: dict

    @property
    def colors(self) -> PlotColors:
        return PlotColors(**{name: tuple(value) if isinstance(value, list) else value
                             for name, value in self.args["colors"].items()})


def encode(drawings: list[Drawing]) -> bytes:
    """A batch as one JSON line; arrays as base64 of their bytes, with dtype and shape (decimals cost more).

    Float arrays go as little-endian float64, byte arrays (the landscape's codes) as bytes.
    """
    def plain(value):
        if isinstance(value, np.ndarray):
            dtype = "|u1" if value.dtype == np.uint8 else "<f8"
            return {"array": base64.b64encode(value.astype(dtype).tobytes()).decode(), "dtype": dtype,
                    "shape": list(value.shape)}
        return value

    batch = [{"plot": d.plot, "args": {name: plain(value) for name, value in d.args.items()}} for d in drawings]
    return json.dumps(batch).encode() + b"\n"


def decode(line: bytes) -> list[Drawing]:
    def array(value):
        if isinstance(value, dict) and "array" in value:
            return np.frombuffer(base64.b64decode(value["array"]), dtype=value["dtype"]).reshape(value["shape"])
        return value

    return [Drawing(item["plot"], {name: array(value) for name, value in item["args"].items()})
            for item in json.loads(line)]
