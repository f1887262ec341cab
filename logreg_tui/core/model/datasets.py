"""Two-feature data sets drawn from a seed with our own recipes, in the shapes TensorFlow Playground teaches with
(two Gaussians, a disc inside a ring, XOR, two spirals) and scikit-learn's moons. NumPy only; each draws from its
own generator (never the global RNG), so a seed repeats its data exactly.

Every recipe takes the share of points in class 1 (`class_balance`), a share of labels flipped after the draw
(`label_noise`) and the spread of Gaussian noise added to each coordinate (`noise`; each recipe's own default
when None). The points come shuffled, so the held-out split (the last points) is a random sample.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SHAPES = ("gauss", "circle", "xor", "spiral", "moons")
DEFAULT_NOISE = {"gauss": 1.0, "circle": 0.25, "xor": 0.25, "spiral": 0.15, "moons": 0.1}
NOISE_MAX = 5.0


def _gauss(rng: np.random.RandomState, ones: int, zeros: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 around (2, 2), class 0 around (−2, −2): a line separates them (the noise is their spread)."""
    return np.full((ones, 2), 2.0), np.full((zeros, 2), -2.0)


def _circle(rng: np.random.RandomState, ones: int, zeros: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 in a disc of radius 2.5, class 0 in a ring from 3.5 to 5 around it: no line separates them."""
    def ring(count: int, inner: float, outer: float) -> np.ndarray:
        radius = np.sqrt(rng.uniform(inner**2, outer**2, count))  # uniform over the area
        angle = rng.uniform(0, 2 * np.pi, count)
        return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)

    return ring(ones, 0.0, 2.5), ring(zeros, 3.5, 5.0)


def _xor(rng: np.random.RandomState, ones: int, zeros: int) -> tuple[np.ndarray, np.ndarray]:
    """x₁·x₂ > 0 is class 1 (the first and third quadrants), kept 0.3 away from the axes."""
    def quadrants(count: int, same_sign: bool) -> np.ndarray:
        x1 = rng.uniform(0.3, 5.0, count) * rng.choice([-1.0, 1.0], count)
        x2 = rng.uniform(0.3, 5.0, count) * np.sign(x1) * (1.0 if same_sign else -1.0)
        return np.stack([x1, x2], axis=1)

    return quadrants(ones, True), quadrants(zeros, False)


def _spiral(rng: np.random.RandomState, ones: int, zeros: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals, each 1¾ turns out to radius 5, half a turn apart."""
    def arm(count: int, offset: float) -> np.ndarray:
        share = np.arange(count) / max(count, 1)
        radius, angle = 5.0 * share, 1.75 * 2 * np.pi * share + offset
        return np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)

    return arm(ones, 0.0), arm(zeros, np.pi)


def _moons(rng: np.random.RandomState, ones: int, zeros: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's make_moons: an upper half circle (class 0) and a lower one shifted into it (class 1)."""
    upper = np.linspace(0, np.pi, zeros)
    lower = np.linspace(0, np.pi, ones)
    return (np.stack([1 - np.cos(lower), 1 - np.sin(lower) - 0.5], axis=1),
            np.stack([np.cos(upper), np.sin(upper)], axis=1))


RECIPES: dict[str, Callable[[np.random.RandomState, int, int], tuple[np.ndarray, np.ndarray]]] = {
    "gauss": _gauss, "circle": _circle, "xor": _xor, "spiral": _spiral, "moons": _moons}


def make_points(shape: str, seed: int, n_points: int, noise: float | None = None, label_noise: float = 0.0,
                class_balance: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(X as N × 2 float64, y as 0/1 float64) of a shape from a seed (the module's docstring)."""
    rng = np.random.RandomState(seed)
    ones = n_points // 2 if class_balance == 0.5 else min(max(round(n_points * class_balance), 1), n_points - 1)
    class1, class0 = RECIPES[shape](rng, ones, n_points - ones)
    X = np.concatenate([class1, class0])
    X = X + rng.normal(0.0, DEFAULT_NOISE[shape] if noise is None else noise, X.shape)
    y = np.concatenate([np.ones(ones), np.zeros(n_points - ones)])
    order = rng.permutation(n_points)
    X, y = X[order], y[order]
    if label_noise:
        flipped = rng.choice(n_points, round(n_points * label_noise), replace=False)
        y[flipped] = 1.0 - y[flipped]
    return X, y
