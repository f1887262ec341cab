"""A picture to draw, as plain data: what goes between the app and the process that draws plots.

A Drawing (a class per kind of plot) carries numbers, strings, lists and float arrays (with their shapes), so that
it survives JSON exactly; the pictures come back as rows of (text, style) runs. No plotext, no rich here.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np

RGB = tuple[int, int, int]
Shade = tuple[float, float, float]  # an RGB colour on the way through blends
# A colour as the plots take it: RGB, one of the 16 ANSI colours by number (the terminal's own palette, which a
# 16-colour terminal shows as its user chose it), or None: the terminal's default foreground or background.
Paint = RGB | int | None
Rows = list[list[tuple[str, str]]]  # per row of the picture: (text, style) runs


def blend(a: Shade, b: Shade, t: float) -> Shade:
    """a moved the fraction t of the way toward b, unrounded (blends of blends stay exact; to_hex rounds)."""
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def whole(shade: Shade) -> RGB:
    """A shade as whole numbers, as plotext takes colours."""
    return (round(shade[0]), round(shade[1]), round(shade[2]))


@lru_cache(maxsize=8192)  # a map's cells take their colours from a palette of a few hundred: formatted once each
def to_hex(rgb: Shade) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(max(0, min(255, round(c))) for c in rgb))


def style_color(paint: Paint) -> str:
    """A colour as rich writes it in a style: "#rrggbb", "color(n)" for an ANSI colour, "default"."""
    if paint is None:
        return "default"
    return f"color({paint})" if isinstance(paint, int) else to_hex(paint)


def plotext_color(paint: Paint) -> object:
    """A colour as plotext takes it: an RGB tuple, a colour number, or "default"."""
    return "default" if paint is None else paint


@dataclass(frozen=True)
class PlotColors:
    """Plot colours, taken from the app's theme or, on a 16-colour terminal, the ANSI palette (ansi_colors).

    depth: the terminal's colours ("truecolor", "256", "16", "none"); ascii: plots drawn in plain ASCII only,
    for a terminal or font without braille, box and block glyphs (a Linux console, a non-UTF-8 locale).
    """

    text: Paint = (200, 200, 200)
    line: Paint = (80, 160, 255)
    dim: Paint = (90, 90, 90)
    curve: Paint = (255, 160, 60)
    class0: Paint = (230, 90, 90)
    class1: Paint = (90, 200, 120)
    marker: Paint = (240, 220, 80)
    background: Paint = None  # the theme's; None: the terminal's own
    depth: str = "truecolor"
    ascii: bool = False

    @property
    def monochrome(self) -> bool:
        """NO_COLOR: the terminal shows no colours, so shapes must tell things apart."""
        return self.depth == "none"

    @property
    def ansi(self) -> bool:
        """16 colours: each element its own ANSI colour, the map in shade glyphs (no blends to tell apart)."""
        return self.depth == "16"


# ANSI colour numbers
BLACK, RED, GREEN, YELLOW, BLUE, MAGENTA, CYAN, WHITE = range(8)
BRIGHT = 8  # added: the bright variant (BRIGHT + BLACK is grey)


def ansi_colors(ascii: bool = False) -> PlotColors:
    """The plots in 16 colours: every element that must be told apart its own ANSI colour, on the terminal's
    own background and in its own text colour, so a light terminal reads as well as a dark one."""
    return PlotColors(text=None, line=CYAN, dim=BRIGHT + BLACK, curve=MAGENTA, class0=RED, class1=GREEN,
                      marker=YELLOW, background=None, depth="16", ascii=ascii)


@dataclass(frozen=True, eq=False)
class Drawing:
    """A plot to draw: a subclass per kind of plot (`plot` names it) whose fields are its drawer's arguments, as
    numbers, strings, lists and float arrays.

    Plain, so that it can go as JSON to the process that draws plots (plot_process.py) and be drawn there
    exactly as here; each kind registers itself by its name, so the other side makes the same class again.
    """

    kinds: ClassVar[dict[str, type[Drawing]]] = {}
    plot: ClassVar[str]
    colors: PlotColors

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Drawing.kinds[cls.plot] = cls

    @property
    def args(self) -> dict[str, Any]:
        """The drawer's keyword arguments: every field but the colours."""
        return {field.name: getattr(self, field.name) for field in fields(self) if field.name != "colors"}

    def rows(self) -> Rows:
        """The picture as rows of styled runs: each kind calls its drawer with its fields."""
        raise NotImplementedError(f"{type(self).__name__} draws nothing")


def encode(drawings: list[Drawing]) -> bytes:
    """A batch as one JSON line; arrays as base64 of their bytes, with dtype and shape (decimals cost more).

    Float arrays go as little-endian float64, byte arrays (the landscape's codes) as bytes.
    """
    def plain(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            dtype = "|u1" if value.dtype == np.uint8 else "<f8"
            return {"array": base64.b64encode(value.astype(dtype).tobytes()).decode(), "dtype": dtype,
                    "shape": list(value.shape)}
        return value

    batch = [{"plot": d.plot, "colors": asdict(d.colors),
              "args": {name: plain(value) for name, value in d.args.items()}} for d in drawings]
    return json.dumps(batch).encode() + b"\n"


def decode(line: bytes) -> list[Drawing]:
    def array(value: Any) -> Any:
        if isinstance(value, dict) and "array" in value:
            return np.frombuffer(base64.b64decode(value["array"]), dtype=value["dtype"]).reshape(value["shape"])
        return value

    def colors(values: dict[str, Any]) -> PlotColors:
        plain: dict[str, Any] = {name: tuple(value) if isinstance(value, list) else value
                                 for name, value in values.items()}
        return PlotColors(**plain)

    return [Drawing.kinds[item["plot"]](colors=colors(item["colors"]),
                                        **{name: array(value) for name, value in item["args"].items()})
            for item in json.loads(line)]


def merged_runs(cells: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Neighbouring (text, style) runs of one style as one: fewer segments for a row drawn cell by cell."""
    runs: list[tuple[str, str]] = []
    for text, style in cells:
        if runs and runs[-1][1] == style:
            runs[-1] = (runs[-1][0] + text, style)
        else:
            runs.append((text, style))
    return runs
