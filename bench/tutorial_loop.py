"""The tutorial's training cell as a script, for peak-memory comparisons: python bench/tutorial_loop.py N EPOCHS

Its data recipe and loop, with one change: it collects `loss.item()`, not `loss.detach().numpy()`.
As written, each kept array holds the storage of builtin BCE's N per-point losses (the scalar is a view
of it), which at N 1e6 and 200 epochs takes 1.9 GB: that would make any comparison meaningless.
"""

import sys

import numpy as np
import torch
import torch.nn.functional as F


def main() -> None:
    n_points, epochs = int(sys.argv[1]), int(sys.argv[2])
    np.random.seed(42)
    half = n_points // 2
    x = np.random.randn(n_points)
    x[:half] = x[:half] + 4.0
    y = np.array([1] * half + [0] * (n_points - half))
    ids = np.arange(n_points)
    np.random.shuffle(ids)
    train_x, train_y = torch.FloatTensor(x[ids]), torch.FloatTensor(y[ids])
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.2)
    e, l = [], []  # noqa: E741 (the tutorial's names)
    for epoch in range(epochs):
        appr = torch.sigmoid(w * train_x + b)
        loss = F.binary_cross_entropy(appr, train_y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        e.append(epoch)
        l.append(loss.item())
        if epoch % 100 == 0:
            print(f"Epochs: {epoch:5d} - Loss: {loss:.5f}")
    print(f"w: {w.item():.4f}, b: {b.item():.4f}")


if __name__ == "__main__":
    main()
