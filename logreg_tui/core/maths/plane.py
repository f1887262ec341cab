"""The plane of θ-space a landscape shows: θ = origin + α·u + β·v (on screen its axes are named u and v). With one
feature it is the (w, b) plane itself (α = w, β = b exactly); with more, the plane through the minimum along the
Hessian's flattest and steepest eigen-directions there, where the valley is; separable data has no minimum: the
plane through 0 along s, the direction in which the loss falls for ever, and b's axis (or without either, the
(w₁, b) plane through 0).

A point of θ-space is shown at its projection (α, β) = ((θ − origin)·u, (θ − origin)·v), u and v orthonormal;
a click or an arrow key on the map moves θ within the plane.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from logreg_tui.core.maths.curvature import Curvature
from logreg_tui.core.maths.optimum import Optimum


@dataclass(frozen=True)
class Plane:
    origin: tuple[float, ...]  # θ at α = β = 0
    u: tuple[float, ...]  # the map's horizontal direction, a unit vector in θ-space
    v: tuple[float, ...]  # its vertical one, orthogonal to u
    u_name: str = "w"  # what the map's axes are called
    v_name: str = "b"
    axes: tuple[int, int] | None = None  # (i, j) when u and v are θ's coordinates i and j: α = θ_i, β = θ_j exactly

    @classmethod
    def coordinates(cls, i: int, j: int, origin: tuple[float, ...], names: tuple[str, str]) -> Plane:
        """The plane of θ's coordinates i and j through origin (whose i, j entries are 0)."""
        size = len(origin)
        u, v = np.zeros(size), np.zeros(size)
        u[i], v[j] = 1.0, 1.0
        origin = tuple(0.0 if k in (i, j) else value for k, value in enumerate(origin))
        return cls(origin, tuple(u.tolist()), tuple(v.tolist()), *names, axes=(i, j))

    def project(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(α, β) of θ: one θ (d + 1) or rows of them (n × (d + 1))."""
        theta = np.asarray(theta, dtype=np.float64)
        if self.axes is not None:
            return theta[..., self.axes[0]], theta[..., self.axes[1]]
        relative = theta - np.array(self.origin)
        return relative @ np.array(self.u), relative @ np.array(self.v)

    def direction(self, vector: tuple[float, ...]) -> tuple[float, float]:
        """(α, β) of a direction in θ-space (no origin): its components along u and v."""
        if self.axes is not None:
            return vector[self.axes[0]], vector[self.axes[1]]
        return float(np.dot(vector, self.u)), float(np.dot(vector, self.v))

    def theta_at(self, alpha: float, beta: float) -> tuple[float, ...]:
        """θ at (α, β) on the plane."""
        if self.axes is not None:
            theta = list(self.origin)
            theta[self.axes[0]], theta[self.axes[1]] = alpha, beta
            return tuple(theta)
        return tuple((np.array(self.origin) + alpha * np.array(self.u) + beta * np.array(self.v)).tolist())

    def step(self, alpha: float, beta: float) -> tuple[float, ...]:
        """The θ-space move α·u + β·v (an arrow key's: one map cell along an axis)."""
        return tuple((alpha * np.array(self.u) + beta * np.array(self.v)).tolist())


def landscape_planes(d: int, optimum: Optimum | None, curvature: Curvature | None) -> tuple[Plane, ...]:
    """The planes a landscape of data with d features can show, the default first (the module's docstring): with
    more than one feature, then every pair of θ's coordinates, through the minimum (or 0 without one)."""
    if d == 1:
        return (Plane.coordinates(0, 1, (0.0, 0.0), ("w", "b")),)
    names = [f"w{j}" for j in range(1, d + 1)] + ["b"]
    exists = optimum is not None and optimum.exists
    through = tuple(float(value) for value in optimum.theta) if optimum is not None and exists else (0.0,) * (d + 1)
    pairs = tuple(Plane.coordinates(i, j, through, (names[i], names[j])) for i in range(d + 1)
                  for j in range(i + 1, d + 1))
    if exists and curvature is not None:
        return (Plane(through, curvature.floor, curvature.steep, "u", "v"), *pairs)
    ordered = pairs[d - 1:d] + pairs[:d - 1] + pairs[d:]  # (w1, b) first, as one feature's (w, b)
    if optimum is not None and optimum.direction is not None:
        return (split_plane(optimum.direction), *ordered)
    return ordered


def split_plane(direction: tuple[float, ...]) -> Plane:
    """Separable data: the plane through 0 along s, the direction in which the loss falls for ever (where the
    path goes), and v, b's axis made orthogonal to s (or w₁'s, where s is b's own)."""
    s = np.asarray(direction, dtype=np.float64)
    s = s / np.linalg.norm(s)
    for axis in (len(s) - 1, 0):
        v = -s[axis] * s
        v[axis] += 1.0
        if np.linalg.norm(v) > 1e-6:
            break
    return Plane((0.0,) * len(s), tuple(s.tolist()), tuple((v / np.linalg.norm(v)).tolist()), "s", "v")


def landscape_plane(d: int, optimum: Optimum | None, curvature: Curvature | None, choice: int = 0) -> Plane:
    """The choice-th plane of landscape_planes (round: the v key cycles them)."""
    planes = landscape_planes(d, optimum, curvature)
    return planes[choice % len(planes)]


WB_PLANE = landscape_plane(1, None, None)  # one feature's (w, b)
