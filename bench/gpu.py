"""The GPU path, proven in one command: the same numbers as torch.optim on the device, no host round trip per
epoch, and how fast. Exits 0 only when every check holds; one line per check, with its figures.

    python bench/gpu.py                          # on a CUDA machine (what the device check runs)
    python bench/gpu.py --device cpu --quick     # the dry run: the same checks on the CPU, small N

Checks:
  1. bit-exactness: each optimizer × full batch / minibatch × split, the engine on the device against a plain
     torch.optim loop on the same device (tests/test_optimizers.py's comparison), and the tutorial's printed
     table from `--headless --device D` equal to the CPU's lines;
  2. no synchronisation per epoch: torch.cuda.set_sync_debug_mode("error") around the epochs between two
     publishes, in the engine, with every optimizer and with a split (CUDA only: the CPU has no such mode);
  3. epochs/s of `--headless --device D` at each N beside the same run on the CPU and beside a plain torch loop
     on the device (ratios), and the app's epochs/s at --speed max over a pty at N 1e6;
  4. at the largest N: the optimum, the landscape's summary and the history, with the device's peak memory.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from logreg_tui.core.model.data import make_tutorial_data  # noqa: E402
from logreg_tui.core.model.settings import Settings  # noqa: E402
from logreg_tui.core.model.state import OPTIMIZERS, TrainConfig  # noqa: E402
from logreg_tui.training.engine import Engine  # noqa: E402

FAILED: list[str] = []


def report(name: str, ok: bool, figures: str) -> None:
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {figures}", flush=True)
    if not ok:
        FAILED.append(name)


def plain_loop(dataset, device, optimizer, lr, momentum, batch_size, val_frac, epochs):
    """tests/test_optimizers.py's reference loop, on `device`: (per-epoch losses, final w, b)."""
    x, y = torch.tensor(dataset.x, device=device), torch.tensor(dataset.y, device=device)
    n = dataset.n_train(val_frac)
    x, y = x[:n], y[:n]
    w = torch.zeros(1, device=device, requires_grad=True)
    b = torch.zeros(1, device=device, requires_grad=True)
    if optimizer == "adam":
        opt = torch.optim.Adam([w, b], lr=lr)
    elif optimizer == "sgd":
        opt = torch.optim.SGD([w, b], lr=lr)
    else:
        opt = torch.optim.SGD([w, b], lr=lr, momentum=momentum, nesterov=optimizer == "nesterov")
    generator = torch.Generator().manual_seed(dataset.seed)
    losses = []
    for _ in range(epochs):
        full = not batch_size or batch_size >= n
        batches = [None] if full else torch.randperm(n, generator=generator).to(device).split(batch_size)
        total = []
        for index in batches:
            xb, yb = (x, y) if index is None else (x[index], y[index])
            loss = F.binary_cross_entropy(torch.sigmoid(w * xb + b), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total.append(loss.item())
        losses.append(sum(total) / len(total))
    return losses, w.item(), b.item()


def check_bit_exactness(device: str) -> None:
    dataset = make_tutorial_data(7, 300, 3.0)
    worst, cases = 0.0, 0
    for optimizer in OPTIMIZERS:
        for batch_size in (0, 64):
            for val_frac in (0.0, 0.25):
                lr = 0.05 if optimizer == "adam" else 0.1
                losses, w, b = plain_loop(dataset, device, optimizer, lr, 0.8, batch_size, val_frac, 30)
                settings = Settings(lr=lr, optimizer=optimizer, momentum=0.8, batch_size=batch_size, val_frac=val_frac)
                snapshot = Engine(dataset, TrainConfig(settings=settings, device=device, epochs=0)).run_epochs(30)
                exact = (snapshot.w, snapshot.b) == (w, b)
                gap = max(abs(a - c) / max(abs(c), 1e-30) for a, c in zip(snapshot.history.recent, losses, strict=True))
                worst = max(worst, gap)
                cases += 1
                if not exact or (batch_size == 0 and gap) or gap > 1e-6:
                    report(f"bit-exact {optimizer} batch {batch_size} val {val_frac}", False,
                           f"w, b {snapshot.w!r}, {snapshot.b!r} vs {w!r}, {b!r}; loss gap {gap:.2g}")
                    return
    report("bit-exact against torch.optim on the device", True,
           f"{cases} cases (4 optimizers × full/minibatch × split), w, b equal to the bit; "
           f"minibatch losses within {worst:.1g} (float32 sums)")
    cpu = headless("--device", "cpu")
    here = headless("--device", device)
    report("the tutorial's table on the device", here == cpu, f"{len(here)} lines equal to the CPU's" if here == cpu
           else f"differ: {[(a, c) for a, c in zip(here, cpu, strict=False) if a != c][:2]}")


def headless(*args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-m", "logreg_tui", "--headless", *args], capture_output=True, text=True,
                            cwd=ROOT, timeout=600)
    return result.stdout.splitlines()


def check_no_sync_per_epoch(device: str) -> None:
    if not device.startswith("cuda"):
        report("no synchronisation per epoch", True, "skipped: set_sync_debug_mode exists for CUDA only (dry run)")
        return
    dataset = make_tutorial_data(42, 100_000, 4.0)
    for optimizer in OPTIMIZERS:
        for val_frac in (0.0, 0.2):
            settings = Settings(optimizer=optimizer, val_frac=val_frac)
            engine = Engine(dataset, TrainConfig(settings=settings, device=device, epochs=0))
            engine.run_epochs(2)  # warmed up, records flushed
            torch.cuda.synchronize()
            torch.cuda.set_sync_debug_mode("error")
            try:
                for _ in range(200):  # the epochs between two publishes: records stay on the device
                    engine._train_epoch(counting_steps=False)
            except RuntimeError as error:
                report(f"no synchronisation per epoch ({optimizer}, val {val_frac})", False, str(error).splitlines()[0])
                return
            finally:
                torch.cuda.set_sync_debug_mode("default")
            engine.run_epochs(0)
    report("no synchronisation per epoch", True, "200 epochs × 4 optimizers × with/without a split, sync mode 'error'")


def headless_rate(device: str, n_points: int, epochs: int) -> float:
    result = subprocess.run([sys.executable, "-m", "logreg_tui", "--headless", "--json", "--device", device,
                             "--n-points", str(n_points), "--epochs", str(epochs)],
                            capture_output=True, text=True, cwd=ROOT, timeout=900)
    return json.loads(result.stdout)["epochs_per_second"]


def plain_rate(device: str, n_points: int, epochs: int) -> float:
    """A plain full-batch torch.optim loop on the device, no host reads in the loop: its epochs/s."""
    dataset = make_tutorial_data(42, n_points, 4.0)
    x, y = torch.tensor(dataset.x, device=device), torch.tensor(dataset.y, device=device)
    w = torch.zeros(1, device=device, requires_grad=True)
    b = torch.zeros(1, device=device, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=0.2)
    for _ in range(2):
        loss = F.binary_cross_entropy(torch.sigmoid(w * x + b), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    synchronize(device)
    started = time.perf_counter()
    for _ in range(epochs):
        loss = F.binary_cross_entropy(torch.sigmoid(w * x + b), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    synchronize(device)
    return epochs / (time.perf_counter() - started)


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def check_speed(device: str, sizes: list[int]) -> None:
    for n_points in sizes:
        epochs = max(20, min(5000, int(3e9 / n_points / 100)))
        here, cpu = headless_rate(device, n_points, epochs), headless_rate("cpu", n_points, max(5, epochs // 10))
        plain = plain_rate(device, n_points, epochs)
        report(f"epochs/s at N {n_points:.0e}", here > 0,
               f"{device} {here:.0f}/s, cpu {cpu:.0f}/s ({here / cpu:.2f}× the CPU), a plain torch loop on {device} "
               f"{plain:.0f}/s (engine ÷ plain {here / plain:.2f})")


def check_app_speed(device: str, n_points: int) -> None:
    from terminal import Terminal, installed_command

    term = Terminal([installed_command(), "--speed", "max", "--epochs", "0", "--device", device,
                     "--n-points", str(n_points)], 120, 40)
    try:
        term.wait_for(r"status\s+running", timeout=120)
        term.pump(2.0)
        first = int(re.search(r"epoch\s+(\d+)", term.text).group(1))
        started = time.monotonic()
        term.pump(10.0)
        last = int(re.search(r"epoch\s+(\d+)", term.text).group(1))
        rate = (last - first) / (time.monotonic() - started)
    finally:
        term.close()
    report(f"the app at --speed max, N {n_points:.0e}", rate > 0, f"{rate:.0f} epochs/s read off the screen")


def check_largest(device: str, n_points: int) -> None:
    from logreg_tui.views.surface import loss_surface

    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    dataset = make_tutorial_data(42, n_points, 4.0)
    engine = Engine(dataset, TrainConfig(device=device, epochs=0))
    snapshot = engine.run_epochs(20)
    surface = loss_surface(dataset, snapshot.n_train)
    seconds = time.perf_counter() - started
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else float("nan")
    ok = snapshot.optimum is not None and snapshot.history.count == 20 and surface is not None
    report(f"optimum, landscape and history at N {n_points:.0e}", ok,
           f"optimum w* {snapshot.optimum.w:.4f} b* {snapshot.optimum.b:.4f}, 20 epochs kept, {seconds:.1f} s, "
           f"device peak {peak:.0f} MiB (data 2 × {4 * n_points / 2**20:.0f} MiB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--quick", action="store_true", help="small N only (the CPU dry run)")
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA GPU here: run with --device cpu --quick for the dry run")
        return 2
    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"
    print(f"device {args.device} ({name}), torch {torch.__version__}", flush=True)
    sizes = [1_000, 100_000] if args.quick else [1_000, 1_000_000, 10_000_000, 100_000_000]
    check_bit_exactness(args.device)
    check_no_sync_per_epoch(args.device)
    check_speed(args.device, sizes)
    check_app_speed(args.device, 100_000 if args.quick else 1_000_000)
    check_largest(args.device, sizes[-1])
    print("all checks hold" if not FAILED else f"failed: {', '.join(FAILED)}")
    return 0 if not FAILED else 1


if __name__ == "__main__":
    sys.exit(main())
