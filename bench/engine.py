"""Engine epochs/s against the tutorial's own loop, side by side in one run (interleaved rounds).

    python bench/engine.py [--rounds 3]
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from logreg_tui.data import make_tutorial_data
from logreg_tui.engine import Engine
from logreg_tui.state import TrainConfig

DEFAULT_THREADS = torch.get_num_threads()
SIZES = {1_000: 2000, 100_000: 200, 1_000_000: 20}  # N: epochs per timing


def tutorial_loop(x: torch.Tensor, y: torch.Tensor, epochs: int, threads: int = 0) -> float:
    """The tutorial's cell, logging and all, with torch's default threads unless told; returns epochs/s."""
    torch.set_num_threads(threads or DEFAULT_THREADS)
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.2)
    e, l = [], []
    started = time.perf_counter()
    for epoch in range(epochs):
        appr = torch.sigmoid(w * x + b)
        loss = F.binary_cross_entropy(appr, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        e.append(epoch)
        l.append(loss.detach().numpy())
        if epoch % 100 == 0:
            f"Epochs: {epoch:5d} - Loss: {loss:.5f}"
    return epochs / (time.perf_counter() - started)


def engine_rate(dataset, mode: str, epochs: int) -> float:
    engine = Engine(dataset, TrainConfig(autograd=mode, epochs=0))
    started = time.perf_counter()
    engine.run_epochs(epochs)
    return epochs / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads; median of {rounds} interleaved rounds")
    print(f"{'N':>9} {'tutorial ep/s':>14} {'builtin':>9} {'ratio':>6} {'custom':>9} {'ratio':>6}")
    for n, epochs in SIZES.items():
        dataset = make_tutorial_data(42, n, 4.0)
        x, y = torch.tensor(dataset.x), torch.tensor(dataset.y)
        rates = {"tutorial": [], "builtin": [], "custom": []}
        tutorial_loop(x, y, epochs // 10)  # warm-up
        for _ in range(rounds):
            rates["tutorial"].append(tutorial_loop(x, y, epochs))
            rates["builtin"].append(engine_rate(dataset, "builtin", epochs))
            rates["custom"].append(engine_rate(dataset, "custom", epochs))
        med = {k: statistics.median(v) for k, v in rates.items()}
        print(f"{n:>9} {med['tutorial']:>14.0f} {med['builtin']:>9.0f} {med['builtin'] / med['tutorial']:>6.2f} "
              f"{med['custom']:>9.0f} {med['custom'] / med['tutorial']:>6.2f}")
    # one intra-op thread for small N: measured, not assumed
    dataset = make_tutorial_data(42, 1000, 4.0)
    default_threads = DEFAULT_THREADS
    pairs = []
    for _ in range(rounds):
        x, y = torch.tensor(dataset.x), torch.tensor(dataset.y)
        many, one = tutorial_loop(x, y, 2000), tutorial_loop(x, y, 2000, threads=1)
        pairs.append(one / many)
    print(f"N 1e3 tutorial loop: 1 thread ÷ {default_threads} threads = {statistics.median(pairs):.2f}")


if __name__ == "__main__":
    main()
