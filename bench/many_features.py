"""Many features (issue 42): the engine's epochs/s at N 1e5, d 100 against a plain torch loop, side by side in
interleaved rounds; the optimum and the curvature at d 1024 (what the engine thread computes when a run starts).

    python bench/many_features.py [--rounds 3] [--n 100000] [--d 100] [--epochs 1001]

--epochs: per timing; the default is a headless run's own budget (--epochs 1001), over which the one publish at
the end (the Hessian at θ and its eigenvalues: about 50 ms at N 1e5, d 100) weighs what it weighs in use.
"""

import argparse
import math
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from logreg_tui.core.maths.curvature import at_minimum
from logreg_tui.core.maths.optimum import find_optimum
from logreg_tui.core.model.data import Dataset, frozen
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import TrainConfig
from logreg_tui.training.engine import start_engine

EPOCHS = 1001  # per timing at N 1e5, d 100: a headless run's default budget


def many_features(n: int, d: int, seed: int = 0) -> Dataset:
    """Overlapping classes in d standard-normal features, labels drawn from σ of a random plane."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    truth = rng.normal(size=d) * 2 / math.sqrt(d)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ truth)))).astype(np.float64)
    return Dataset(frozen(X), frozen(y), None, math.nan, f"{n} × {d} normal")


def torch_loop(x: torch.Tensor, y: torch.Tensor, optimizer: str, epochs: int) -> float:
    """A plain torch.optim loop as a person writes it for d features (losses kept on the device): epochs/s."""
    w, b = torch.zeros(x.shape[1], requires_grad=True), torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=0.05) if optimizer == "adam" else torch.optim.SGD([w, b], lr=0.2)
    losses = []
    started = time.perf_counter()
    for _ in range(epochs):
        loss = F.binary_cross_entropy(torch.sigmoid(x @ w + b), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return epochs / (time.perf_counter() - started)


def engine_rate(dataset: Dataset, optimizer: str, epochs: int) -> float:
    """The engine (as headless drives it: threads chosen for the data, figures published as it paces them)."""
    lr = 0.05 if optimizer == "adam" else 0.2
    engine = start_engine(dataset, TrainConfig(settings=Settings(lr=lr, optimizer=optimizer), epochs=0))
    started = time.perf_counter()
    engine.run_epochs(epochs)
    return epochs / (time.perf_counter() - started)


def epochs_per_second(n: int, d: int, rounds: int, epochs: int = EPOCHS) -> None:
    dataset = many_features(n, d)
    x, y = torch.tensor(dataset.x), torch.tensor(dataset.y)
    print(f"N {n}, d {d}: {'optimizer':>9} {'torch loop ep/s':>16} {'engine':>8} {'ratio':>6}")
    for optimizer in ("sgd", "adam"):
        loop, ours = [], []
        torch_loop(x, y, optimizer, epochs // 10)  # warm-up
        for _ in range(rounds):
            loop.append(torch_loop(x, y, optimizer, epochs))
            ours.append(engine_rate(dataset, optimizer, epochs))
        a, b = statistics.median(loop), statistics.median(ours)
        print(f"{'':>{len(f'N {n}, d {d}:')}} {optimizer:>9} {a:>16.0f} {b:>8.0f} {b / a:>6.2f}")


def optimum_and_curvature(rounds: int) -> None:
    print("d 1024 (λ₂ 0.001): seconds for the optimum (Newton) and the curvature at it (every eigenvalue)")
    for n in (569, 2000, 10000):
        dataset = many_features(n, 1024)
        times: list[tuple[float, float]] = []
        for _ in range(rounds):
            started = time.perf_counter()
            optimum = find_optimum(dataset.x, dataset.y, l2=0.001)
            found = time.perf_counter()
            at_minimum(optimum, dataset.x, dataset.y, 0.001)
            times.append((found - started, time.perf_counter() - found))
        seek, bend = (statistics.median(part) for part in zip(*times, strict=True))
        print(f"  N {n:>6}: optimum {seek:.2f} s, curvature {bend:.2f} s, both {seek + bend:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--d", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads; median of {args.rounds} rounds")
    epochs_per_second(args.n, args.d, args.rounds, args.epochs)
    optimum_and_curvature(args.rounds)


if __name__ == "__main__":
    main()
