"""Engine epochs/s against the tutorial's own loop, and against a plain torch.optim loop for each optimizer, full
batch and in minibatches: side by side in one run (interleaved rounds).

    python bench/engine.py [--rounds 3]
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from logreg_tui.core.model.data import make_tutorial_data
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.model.state import OPTIMIZERS, TrainConfig
from logreg_tui.training.engine import start_engine

DEFAULT_THREADS = torch.get_num_threads()
SIZES = {1_000: 2000, 100_000: 200, 1_000_000: 20}  # N: epochs per timing


def tutorial_loop(x: torch.Tensor, y: torch.Tensor, epochs: int, threads: int = 0) -> float:
    """The tutorial's cell, logging and all, with torch's default threads unless told; returns epochs/s."""
    torch.set_num_threads(threads or DEFAULT_THREADS)
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.2)
    e, l = [], []  # noqa: E741 (the tutorial's names)
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


def engine_rate(dataset, mode: str, epochs: int, **config) -> float:
    # threads as the app chooses
    engine = start_engine(dataset, TrainConfig(settings=Settings(autograd=mode, **config), epochs=0))
    started = time.perf_counter()
    engine.run_epochs(epochs)
    return epochs / (time.perf_counter() - started)


def optim_loop(x: torch.Tensor, y: torch.Tensor, optimizer: str, batch_size: int, epochs: int) -> float:
    """A plain torch.optim loop as a person writes it (losses kept on the device, as the tutorial's list): epochs/s."""
    torch.set_num_threads(DEFAULT_THREADS)
    w, b = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    opt = {"sgd": lambda: torch.optim.SGD([w, b], lr=0.1),
           "momentum": lambda: torch.optim.SGD([w, b], lr=0.1, momentum=0.9),
           "nesterov": lambda: torch.optim.SGD([w, b], lr=0.1, momentum=0.9, nesterov=True),
           "adam": lambda: torch.optim.Adam([w, b], lr=0.05)}[optimizer]()
    generator = torch.Generator().manual_seed(42)
    losses = []
    started = time.perf_counter()
    for _ in range(epochs):
        batches = torch.randperm(len(x), generator=generator).split(batch_size) if batch_size else [None]
        for index in batches:
            xb, yb = (x, y) if index is None else (x[index], y[index])
            loss = F.binary_cross_entropy(torch.sigmoid(w * xb + b), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.detach())
    return epochs / (time.perf_counter() - started)


def optimizers(rounds: int) -> None:
    """Engine ÷ plain torch.optim loop for each optimizer at N 1e3, full batch and batch 64."""
    dataset = make_tutorial_data(42, 1000, 4.0)
    x, y = torch.tensor(dataset.x), torch.tensor(dataset.y)
    print(f"{'optimizer':>9} {'batch':>5} {'torch.optim ep/s':>17} {'engine':>8} {'ratio':>6}")
    for optimizer in OPTIMIZERS:
        for batch_size, epochs in ((0, 2000), (64, 100)):
            lr = 0.05 if optimizer == "adam" else 0.1
            loop, ours = [], []
            for _ in range(rounds):
                loop.append(optim_loop(x, y, optimizer, batch_size, epochs))
                ours.append(engine_rate(dataset, "builtin", epochs, optimizer=optimizer, lr=lr, batch_size=batch_size))
            a, b = statistics.median(loop), statistics.median(ours)
            print(f"{optimizer:>9} {batch_size or 'full':>5} {a:>17.0f} {b:>8.0f} {b / a:>6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads; "
          f"median of {rounds} interleaved rounds")
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
    optimizers(rounds)


if __name__ == "__main__":
    main()
