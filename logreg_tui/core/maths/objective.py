"""The objective training minimises, written once, in float64 NumPy for data X of shape N × d.

θ = (w ∈ Rᵈ, b); the score z = X·w + b; the mean binary cross-entropy L(θ) = mean(softplus(z) − y·z), which is
−mean(y·log σ(z) + (1 − y)·log(1 − σ(z))) without overflow; plus the penalties on w (never on b):
(λ₂/2)·‖w‖² + λ₁·‖w‖₁. Its gradient is mean((σ(z) − y)·[x, 1]) + (λ₂·w + λ₁·sign(w), 0) and its Hessian
mean(σ(1 − σ)·[x, 1][x, 1]ᵀ) + λ₂ on the w block (L1 has none away from w = 0). The optimum, the curvature and
the tests of the trainer's torch code and of the exported script are built on these functions.

With d = 1 every mean runs down the points (np.mean of a vector), so each figure is the same float as the 1-D
formulas', bit for bit; with more features the sums over the points are matrix products, a block of rows at a
time in float64 (no N × d copy of the data).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def design(x: np.ndarray) -> np.ndarray:
    """The data as X of shape N × d: one feature's x as one float64 column (the 1-D formulas' floats); more
    features as given (float32 data stays float32: the sums below read it in float64 a block of rows at a time)."""
    x = np.asarray(x)
    return x.astype(np.float64)[:, None] if x.ndim == 1 else x


BLOCK_VALUES = 2**18  # values of X converted to float64 at a time (2 MB), not N × d (80 MB at N 1e5, d 100,
# where the float32 data itself is 40 MB)


def _row_blocks(X: np.ndarray) -> Iterator[tuple[slice, np.ndarray]]:
    """(rows, those rows of X in float64), about BLOCK_VALUES values at a time (at least 2048 rows: smaller
    products run slower at d 1024)."""
    step = max(BLOCK_VALUES // X.shape[1], 2048)
    for start in range(0, X.shape[0], step):
        rows = slice(start, start + step)
        yield rows, np.asarray(X[rows], dtype=np.float64)


def sigmoid(z: np.ndarray | float) -> np.ndarray:
    """σ(z) without overflow at any |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def log_terms(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each point's cross-entropy softplus(z) − y·z: stable where log σ(z) is −inf in floating point."""
    return np.logaddexp(0.0, z) - y * z


Weights = float | np.ndarray | tuple[float, ...] | list[float]  # w: a number for one feature, else d of them


def weight_vector(weights: Weights) -> np.ndarray:
    """w as a float64 vector of d entries (one feature's number becomes one entry)."""
    return np.atleast_1d(np.asarray(weights, dtype=np.float64))


def scores(weights: Weights, b: float, X: np.ndarray) -> np.ndarray:
    """z = X·w + b in float64, one number per point (X: N × d, or N for one feature)."""
    X, weights = design(X), weight_vector(weights)
    if X.shape[1] == 1:
        return X @ weights + b
    z = np.empty(X.shape[0])
    for rows, block in _row_blocks(X):
        z[rows] = block @ weights + b
    return z


def penalty(weights: Weights, l2: float = 0.0, l1: float = 0.0) -> float:
    """(λ₂/2)·‖w‖² + λ₁·‖w‖₁."""
    return _l2_term(weights, l2) + _l1_term(weights, l1)


def _l2_term(weights: Weights, l2: float) -> float:
    weights = weight_vector(weights)
    return float(np.sum(l2 / 2 * weights * weights))


def _l1_term(weights: Weights, l1: float) -> float:
    return float(l1 * np.sum(np.abs(weight_vector(weights))))


def data_loss(weights: Weights, b: float, X: np.ndarray, y: np.ndarray) -> float:
    """The mean binary cross-entropy of σ(X·w + b) against y."""
    return float(np.mean(log_terms(scores(weights, b, X), y)))


def objective(weights: Weights, b: float, X: np.ndarray, y: np.ndarray, l2: float = 0.0,
              l1: float = 0.0) -> float:
    """The data's loss plus the penalties on w: what training minimises."""
    return data_loss(weights, b, X, y) + _l2_term(weights, l2) + _l1_term(weights, l1)  # summed in this order


def gradient(weights: Weights, b: float, X: np.ndarray, y: np.ndarray, l2: float = 0.0,
             l1_slope: np.ndarray | float = 0.0) -> np.ndarray:
    """∂/∂θ of L + (λ₂/2)·‖w‖² + l1_slope·w, as (∂w₁ … ∂w_d, ∂b): l1_slope is λ₁·sign(w) on the side where the
    L1 term is smooth (the caller says which side; at w = 0 it has no derivative)."""
    weights, X = weight_vector(weights), design(X)
    return _gradient(sigmoid(scores(weights, b, X)), weights, X, y, l2, l1_slope)


def hessian(weights: Weights, b: float, X: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """The objective's (d + 1) × (d + 1) Hessian at θ (y does not enter: the loss is linear in it)."""
    X = design(X)
    return _hessian(sigmoid(scores(weights, b, X)), X, l2)


def gradient_and_hessian(weights: Weights, b: float, X: np.ndarray, y: np.ndarray, l2: float = 0.0,
                         l1_slope: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Both at once, from one pass of σ over the points (a Newton step needs both)."""
    weights, X = weight_vector(weights), design(X)
    p = sigmoid(scores(weights, b, X))
    return _gradient(p, weights, X, y, l2, l1_slope), _hessian(p, X, l2)


def _gradient(p: np.ndarray, weights: np.ndarray, X: np.ndarray, y: np.ndarray, l2: float,
              l1_slope: np.ndarray | float) -> np.ndarray:
    error = p - np.asarray(y, dtype=np.float64)
    if X.shape[1] == 1:  # np.mean down the points, as the 1-D formulas (bit for bit)
        by_weight = np.mean(error[:, None] * X, axis=0)
    else:
        by_weight = sum((block.T @ error[rows] for rows, block in _row_blocks(X)), np.zeros(X.shape[1]))
        by_weight /= X.shape[0]
    return np.append(by_weight + l2 * weights + l1_slope, np.mean(error))


def _hessian(p: np.ndarray, X: np.ndarray, l2: float) -> np.ndarray:
    weight = p * (1.0 - p)
    n, d = X.shape
    result = np.zeros((d + 1, d + 1))
    if d == 1:  # np.mean down the points, as the 1-D formulas (bit for bit)
        weighted = weight[:, None] * X
        result[:1, 0] = np.mean(weighted * X, axis=0)
        result[:1, 1] = np.mean(weighted, axis=0)
    else:  # matrix products a block of rows at a time (AᵀA: NumPy's symmetric rank-k update, exactly symmetric);
        for rows, block in _row_blocks(X):  # a column at a time took seconds at d = 1024
            root = np.sqrt(weight[rows])[:, None] * block
            result[:d, :d] += root.T @ root
            result[:d, d] += block.T @ weight[rows]
        result[:d] /= n
    result[:d, :d] += l2 * np.eye(d)
    result[d, :d] = result[:d, d]
    result[d, d] = np.mean(weight)
    return result
