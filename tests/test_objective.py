"""The objective, written once (core/maths/objective), is the maths: checked against torch autograd in float64 and
against finite differences for d = 1, 2 and 5 features with and without penalties; the optimum and the curvature
built on it hold for any d; and with one feature they are the 1-D formulas they replaced, bit for bit."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from logreg_tui.core.maths.curvature import curvature_at, from_matrix
from logreg_tui.core.maths.objective import data_loss, gradient, hessian, objective, penalty, scores
from logreg_tui.core.maths.optimum import find_optimum
from logreg_tui.core.model.data import make_tutorial_data
from tests import one_feature_reference as old

PENALTIES = [(0.0, 0.0), (0.05, 0.0), (0.0, 0.02), (0.1, 0.03)]


def _problem(d: int, n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Overlapping classes in d features, and a θ away from every kink of L1 (no weight near 0)."""
    rng = np.random.default_rng(seed + 10 * d)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(size=d)
    truth = rng.normal(size=d)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ truth - 0.3)))).astype(np.float64)
    weights = rng.uniform(0.2, 1.5, size=d) * rng.choice([-1, 1], size=d)
    return X, y, weights, float(rng.normal())


def _torch_objective(theta: torch.Tensor, X: np.ndarray, y: np.ndarray, l2: float, l1: float) -> torch.Tensor:
    """The objective as torch writes it (its own BCE), in float64."""
    X_t, y_t = torch.tensor(X), torch.tensor(y)
    w, b = theta[:-1], theta[-1]
    loss = F.binary_cross_entropy_with_logits(X_t @ w + b, y_t)
    return loss + l2 / 2 * (w * w).sum() + l1 * w.abs().sum()


@pytest.mark.parametrize("d", [1, 2, 5])
@pytest.mark.parametrize(("l2", "l1"), PENALTIES)
def test_loss_gradient_and_hessian_are_torch_autograds(d, l2, l1):
    X, y, weights, b = _problem(d)
    theta = torch.tensor(np.append(weights, b), requires_grad=True)
    expected = _torch_objective(theta, X, y, l2, l1)
    (torch_gradient,) = torch.autograd.grad(expected, theta)
    torch_hessian = torch.autograd.functional.hessian(lambda t: _torch_objective(t, X, y, l2, l1), theta.detach())

    assert objective(weights, b, X, y, l2, l1) == pytest.approx(expected.item(), rel=1e-13)
    ours = gradient(weights, b, X, y, l2, l1 * np.sign(weights))
    np.testing.assert_allclose(ours, torch_gradient.numpy(), rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(hessian(weights, b, X, l2), torch_hessian.numpy(), rtol=1e-11, atol=1e-14)
    assert hessian(weights, b, X, l2).shape == (d + 1, d + 1)


@pytest.mark.parametrize("d", [1, 2, 5])
@pytest.mark.parametrize(("l2", "l1"), PENALTIES)
def test_gradient_and_hessian_are_the_objectives_finite_differences(d, l2, l1):
    X, y, weights, b = _problem(d, seed=3)
    theta, step = np.append(weights, b), 1e-6

    def at(t: np.ndarray) -> float:
        return objective(t[:-1], t[-1], X, y, l2, l1)

    def grad_at(t: np.ndarray) -> np.ndarray:
        return gradient(t[:-1], t[-1], X, y, l2, l1 * np.sign(t[:-1]))

    unit = np.eye(d + 1)
    central = np.array([(at(theta + step * e) - at(theta - step * e)) / (2 * step) for e in unit])
    np.testing.assert_allclose(grad_at(theta), central, rtol=1e-6, atol=1e-9)
    second = np.array([(grad_at(theta + step * e) - grad_at(theta - step * e)) / (2 * step) for e in unit])
    np.testing.assert_allclose(hessian(weights, b, X, l2), second, rtol=1e-5, atol=1e-8)


def test_the_loss_is_stable_where_sigma_saturates():
    """log σ(z) is −inf in float64 beyond |z| ≈ 745; softplus(z) − y·z is not."""
    X, y = np.array([[1000.0], [-1000.0]]), np.array([0.0, 1.0])
    assert data_loss(np.array([1.0]), 0.0, X, y) == pytest.approx(1000.0)
    assert np.all(np.isfinite(gradient(np.array([1.0]), 0.0, X, y)))
    assert penalty(np.array([3.0, -4.0]), l2=2.0, l1=0.5) == pytest.approx(25.0 + 3.5)


@pytest.mark.parametrize("d", [2, 5])
@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_the_optimum_in_d_features_is_where_the_gradient_vanishes(d, l2):
    X, y, _, _ = _problem(d, n=500, seed=1)
    optimum = find_optimum(X, y, l2=l2)
    assert optimum.exists and len(optimum.theta) == d + 1
    assert np.abs(gradient(optimum.weights, optimum.b, X, y, l2)).max() < 1e-10
    assert optimum.loss == pytest.approx(objective(optimum.weights, optimum.b, X, y, l2), rel=1e-15)
    nearby = np.array(optimum.theta) + 1e-3 * np.random.default_rng(0).normal(size=d + 1)
    assert objective(nearby[:-1], nearby[-1], X, y, l2) > optimum.loss
    assert optimum.as_json() is not None and len(optimum.as_json()["w"]) == d


def test_a_repeated_column_splits_its_weight_and_a_full_rank_one_is_solved_directly():
    """[X, 1] of less than full rank (a column twice): H is singular everywhere and the minima form a line; Newton
    takes the nearest (least squares), so the two copies share the one column's weight. Of full rank, the direct
    solve finds the minimum that least squares finds."""
    from logreg_tui.core.maths import optimum as module

    X, y, _, _ = _problem(2, n=400, seed=3)
    once = find_optimum(X, y)
    twice = find_optimum(np.column_stack([X[:, 0], X[:, 0], X[:, 1]]), y)
    assert twice.exists and twice.weights[0] == pytest.approx(twice.weights[1], rel=1e-9)
    assert twice.weights[0] + twice.weights[1] == pytest.approx(once.weights[0], rel=1e-9)
    assert (twice.weights[2], twice.b) == pytest.approx((once.weights[1], once.b), rel=1e-9)
    assert module._solver(X, 0.0) is module._direct and module._solver(X[:, :1], 0.0) is module._least_squares
    assert module._solver(np.column_stack([X, X[:, 0] * 2 - 1]), 0.0) is module._least_squares  # collinear with 1
    assert module._solver(np.column_stack([X, X[:, 0]]), 0.1) is module._direct  # λ₂ makes H definite


def test_the_optimum_and_curvature_at_1024_features_are_exact_and_symmetric():
    """The Hessian at many features, matrix products a block of rows at a time: exactly symmetric, and the
    column-by-column means'."""
    from logreg_tui.core.maths.objective import design

    rng = np.random.default_rng(5)
    X = rng.normal(size=(600, 1024))
    y = (rng.uniform(size=600) < 0.5).astype(np.float64)
    optimum = find_optimum(X, y, l2=0.01)
    assert optimum.exists and np.abs(gradient(optimum.weights, optimum.b, X, y, 0.01)).max() < 1e-10
    H = hessian(optimum.weights, optimum.b, X, 0.01)
    assert np.array_equal(H, H.T)
    p = 1 / (1 + np.exp(-scores(optimum.weights, optimum.b, X)))
    columns = np.stack([np.mean((p * (1 - p))[:, None] * design(X) * X[:, [j]], axis=0) for j in range(9)], axis=1)
    assert np.allclose(H[:1024, :9], columns + 0.01 * np.eye(1024)[:, :9], rtol=1e-12, atol=1e-15)
    assert len(curvature_at(optimum.weights, optimum.b, X, y, 0.01).eigenvalues) == 1025


@pytest.mark.parametrize("d", [2, 5])
def test_the_l1_optimum_in_d_features_meets_its_subgradient_conditions(d):
    """Weights at 0 where the data's slope is within λ₁, the others where it balances λ₁·sign(w); the same θ as a
    long run of proximal gradient descent (the soft-threshold step), a method that shares nothing with Newton's."""
    X, y, _, _ = _problem(d, n=500, seed=2)
    X[:, -1] *= 0.02  # a weak feature: its weight ends at 0 for this λ₁
    l1 = 0.03
    optimum = find_optimum(X, y, l1=l1)
    weights, b = np.array(optimum.weights), optimum.b
    slope = gradient(weights, b, X, y)
    assert abs(slope[-1]) < 1e-9  # ∂b
    for j in range(d):
        if weights[j] == 0:
            assert abs(slope[j]) <= l1 + 1e-9
        else:
            assert slope[j] == pytest.approx(-l1 * np.sign(weights[j]), abs=1e-8)
    assert weights[-1] == 0.0 and np.count_nonzero(weights) >= 1

    theta = np.zeros(d + 1)
    step = 1.0 / np.linalg.eigvalsh(hessian(np.zeros(d), 0.0, X)).max() / 2
    for _ in range(20000):
        moved = theta - step * gradient(theta[:-1], theta[-1], X, y)
        moved[:-1] = np.sign(moved[:-1]) * np.maximum(np.abs(moved[:-1]) - step * l1, 0.0)
        theta = moved
    np.testing.assert_allclose(np.array(optimum.theta), theta, atol=1e-5)


def test_separable_data_in_two_features_has_no_minimum_and_its_direction_splits_the_classes():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 2))
    y = (X @ np.array([1.0, -2.0]) + 0.5 > 0).astype(np.float64)
    X += np.where(y[:, None] > 0.5, 1, -1) * 0.2 * np.array([1.0, -2.0]) / math.sqrt(5)  # a clear margin
    optimum = find_optimum(X, y)
    assert not optimum.exists and optimum.loss == 0.0 and "separable" in optimum.reason
    direction = np.array(optimum.direction)
    assert np.linalg.norm(direction) == pytest.approx(1.0)
    assert np.all((2 * y - 1) * scores(direction[:-1], direction[-1], X) > 0)
    assert find_optimum(X, y, l2=0.01).exists  # a penalty gives it one


def test_one_class_in_d_features_says_b_runs_off():
    optimum = find_optimum(np.ones((10, 3)), np.zeros(10))
    assert not optimum.exists and optimum.direction == (0.0, 0.0, 0.0, -1.0) and "one class only" in optimum.reason


@pytest.mark.parametrize("d", [2, 5])
def test_the_curvature_in_d_features_has_every_eigenvalue_of_the_hessian(d):
    X, y, weights, b = _problem(d)
    matrix = hessian(weights, b, X, 0.01)
    curvature = curvature_at(weights, b, X, y, 0.01)
    np.testing.assert_allclose(curvature.eigenvalues, np.linalg.eigvalsh(matrix), rtol=1e-12)
    assert curvature.condition == pytest.approx(curvature.high / curvature.low)
    for vector, value in ((curvature.floor, curvature.low), (curvature.steep, curvature.high)):
        np.testing.assert_allclose(matrix @ np.array(vector), value * np.array(vector), atol=1e-12)
    assert curvature.as_json()["eigenvalues"] == list(curvature.eigenvalues)


def test_the_two_by_two_closed_form_agrees_with_an_eigensolver():
    X, _, weights, b = _problem(1)
    matrix = hessian(weights, b, X)
    closed = from_matrix(matrix)
    np.testing.assert_allclose(closed.eigenvalues, np.linalg.eigvalsh(matrix), rtol=1e-12)


CASES = [(seed, n, gap, noise) for seed in (42, 7) for n in (40, 1000) for gap in (1.0, 4.0) for noise in (0.0, 0.1)]


@pytest.mark.parametrize(("seed", "n", "gap", "noise"), CASES)
@pytest.mark.parametrize(("l2", "l1"), PENALTIES + [(0.0, 1.0)])
def test_with_one_feature_the_new_maths_is_the_old_bit_for_bit(seed, n, gap, noise, l2, l1):
    """The 1-D formulas this module replaced (kept in tests/one_feature_reference.py): the same floats, so that
    every figure on screen, in --json and in the export is what it was."""
    data = make_tutorial_data(seed=seed, n_points=n, gap=gap, label_noise=noise)
    x, y = data.x.astype(np.float64), data.y.astype(np.float64)
    before, after = old.find_optimum(x, y, l2, l1), find_optimum(x, y, l2, l1)
    assert (after.w, after.b, after.loss, after.direction, after.reason) == (
        before.w, before.b, before.loss, before.direction, before.reason) or (
        math.isnan(before.w) and math.isnan(after.w) and (after.loss, after.direction, after.reason) == (
            before.loss, before.direction, before.reason))
    for w, b in ((0.0, 0.0), (2.6216, -5.1346), (-1.5, 3.0)):
        assert objective(w, b, x, y, l2, l1) == old.objective(w, b, x, y, l2, l1)
        new, reference = curvature_at(w, b, x, y, l2), old.curvature_at(w, b, x, y, l2)
        assert (new.low, new.high, new.floor, new.steep) == (reference.low, reference.high, reference.floor,
                                                             reference.steep)


@pytest.mark.parametrize("d", [1, 2, 5])
@pytest.mark.parametrize(("l2", "l1"), [(0.0, 0.0), (0.05, 0.02)])
@pytest.mark.parametrize("autograd", ["builtin", "custom"])
def test_the_trainers_torch_figures_are_the_objectives(d, l2, l1, autograd):
    """The trainer's float32 torch code (its forward, the autograd modes, the penalty, the Hessian it publishes)
    is the same maths as the objective: figures at one θ, and θ after 30 epochs of SGD beside float64 descent."""
    from logreg_tui.core.model.data import Dataset
    from logreg_tui.core.model.settings import Settings
    from logreg_tui.training.trainer import Trainer, record_columns

    X, y, weights, b = _problem(d, n=400, seed=4)
    dataset = Dataset(X.astype(np.float32), y.astype(np.float32), seed=None, gap=0.0, source="test")
    X32 = X.astype(np.float32).astype(np.float64)
    settings = Settings(lr=0.05, autograd=autograd, l2=l2, l1=l1, val_frac=0.25)
    trainer = Trainer(dataset, torch.device("cpu"), settings)
    X_train, y_train, X_val, y_val = X32[:300], y[:300], X32[300:], y[300:]
    with torch.no_grad():
        trainer.w.copy_(torch.tensor(weights, dtype=torch.float32))
        trainer.b.fill_(b)
    trainer.evaluate()
    figures = trainer.host_values()
    w32, b32 = np.array(figures["weights"]), figures["b"]
    assert figures["loss"] == pytest.approx(data_loss(w32, b32, X_train, y_train), rel=1e-5)
    np.testing.assert_allclose(figures["gradient"], gradient(w32, b32, X_train, y_train, l2, l1 * np.sign(w32)),
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(figures["hessian"], hessian(w32, b32, X_train, l2), rtol=1e-4, atol=1e-7)
    assert figures["val_loss"] == pytest.approx(data_loss(w32, b32, X_val, y_val), rel=1e-5)
    predicted = scores(w32, b32, X_val) > 0
    assert figures["val_accuracy"] == pytest.approx(np.mean(predicted == (y_val > 0.5)), abs=1e-6)

    theta = np.append(w32, b32)
    for _ in range(30):
        theta = theta - 0.05 * gradient(theta[:-1], theta[-1], X_train, y_train, l2, l1 * np.sign(theta[:-1]))
        assert trainer.train_epoch()
    records = trainer.fetch()
    assert records.shape == (30, len(record_columns(d))) and record_columns(d)[1 + d] == "b"
    np.testing.assert_allclose(records[-1, 1:1 + d + 1], theta, rtol=1e-4, atol=1e-5)
