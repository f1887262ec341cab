"""Feature crosses of two-feature data, as TensorFlow Playground offers them: a linear model on x₁², x₂², x₁x₂ …
draws a curved boundary in the (x₁, x₂) plane (`circle` becomes separable with x₁² and x₂²).

The data keeps its (x₁, x₂) points (what the data view draws); the model trains on the crossed columns, computed
in float64 from the float32 points. The same function crosses a screen's grid, so the map is σ of what trains.
NumPy only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

CROSSES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}
PLAIN = ("x1", "x2")  # no crosses: the points are the features


class CrossError(ValueError):
    """A --features list that names no cross we have; the message is one line."""


def parse_features(text: str) -> tuple[str, ...]:
    """"x1,x2,x1^2" → the crosses in that order; one-line CrossError for an unknown, repeated or empty name."""
    return checked(tuple(name.strip() for name in text.split(",")))


def checked(names: tuple[str, ...]) -> tuple[str, ...]:
    """names, when each is a cross we have and none is repeated; else a one-line CrossError."""
    if not names:
        raise CrossError("no features: name at least one")
    unknown = [name for name in names if name not in CROSSES]
    if unknown:
        name = repr(unknown[0]) if unknown[0] else "an empty name"
        raise CrossError(f"{name} is not a feature: give some of {', '.join(CROSSES)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise CrossError(f"{repeated[0]} is given twice")
    return names


def cross(points: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The crossed features of (x₁, x₂) points (N × 2), in float64: N × len(names), in the names' order."""
    x1, x2 = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
    return np.column_stack([CROSSES[name](x1, x2) for name in names])


def crossed_x(points: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """A data set's x from its (x₁, x₂) points: the crosses in float32, a vector where there is one (as the
    tutorial's one feature is). The data set and the exported script both make x here."""
    columns = cross(points, names).astype(np.float32)
    return columns[:, 0] if len(names) == 1 else columns


def carried_theta(names: tuple[str, ...], theta: tuple[float, ...], chosen: tuple[str, ...]) -> tuple[float, ...]:
    """θ over the features `chosen` from θ over `names` (a toggle in the app's checklist): a kept feature keeps its
    weight, a new one starts at 0, b stays."""
    weights = dict(zip(names, theta[:-1], strict=True))
    return (*[weights.get(name, 0.0) for name in chosen], theta[-1])
