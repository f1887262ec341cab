"""A run as a plain PyTorch script in the tutorial's own style (numpy data from the seed, torch.optim, the loop, the
printed table) that reproduces it with `python` alone (torch and numpy), every change at its epoch. No torch here:
it writes text. The hand-written Functions are copied from their source files, not imported.

The arithmetic is the engine's, op for op: torch.optim's single-tensor steps (training/optimizers.py matches them
bit for bit), the loss of each autograd mode, the penalties added outside the Function, minibatches in the order
torch.randperm draws from a generator seeded as the run's. Full batch and minibatch runs end at the same w, b bit
for bit. Not reproduced: a divergence's replay back to the last finite w, b (the script says so), and CSV data
(the script reads it with logreg-tui's own reader, so it needs logreg-tui installed).
"""

from __future__ import annotations

import ast
import keyword
from pathlib import Path
from typing import Any

from logreg_tui.core.model.runs import Event
from logreg_tui.core.model.settings import Settings
from logreg_tui.core.words.homework import split_spec

FUNCTIONS_FILE = Path(__file__).parents[2] / "training" / "functions.py"
CLASSES = {"custom": ("BCEWithLogits",), "tutorial": ("TutorialCrossEntropyWithLogits",)}
OPTIMIZER = {"sgd": "torch.optim.SGD([w, b], lr=lr, foreach=False)",
             "momentum": "torch.optim.SGD([w, b], lr=lr, momentum=beta, foreach=False)",
             "nesterov": "torch.optim.SGD([w, b], lr=lr, momentum=beta, nesterov=True, foreach=False)",
             "adam": "torch.optim.Adam([w, b], lr=lr, foreach=False)"}


def _sources(path: Path, names: tuple[str, ...]) -> str:
    """The named top-level definitions of a Python file, as written there."""
    text = path.read_text(encoding="utf-8")
    found = {node.name: ast.get_source_segment(text, node) for node in ast.parse(text).body
             if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    return "\n\n\n".join(found[name] or "" for name in names if name in found)


def _functions(modes: set[str], function: str | None, function_class: str,
               function_source: str = "") -> tuple[str, dict[str, str]]:
    """(the definitions the script needs, the loss expression per autograd mode); `function_class`: the class the
    run loaded from --function's file, `function_source`: the text it was loaded from."""
    parts, losses = [], {"builtin": "F.binary_cross_entropy(torch.sigmoid(logits), y)"}
    for mode in ("custom", "tutorial"):
        if mode in modes:
            names = CLASSES[mode]
            parts.append(_sources(FUNCTIONS_FILE, names))
            losses[mode] = f"{names[0]}.apply(logits, y)"
    if "file" in modes and function and _is_name(function_class) and function_source:
        path, _ = split_spec(function)
        parts.append(f"{comment(f'--function {Path(path).name!r}, as it was loaded and checked')}\n"
                     f"{function_source.strip()}")
        losses["file"] = f"{function_class}.apply(logits, y)"
    return "\n\n\n".join(part for part in parts if part), losses


def _is_name(text: str) -> bool:
    """A class name the script may write as code: an identifier, not a keyword."""
    return text.isidentifier() and not keyword.iskeyword(text)


def _data(config: dict[str, Any], standardize: bool, refeatured: bool = False) -> str:
    """The lines that make x_np and y_np as the run had them: drawn, read or loaded, then standardized.
    `refeatured`: the run changed its features (f), so the shape's points are kept to cross again."""
    lines = _source(config, refeatured)
    if standardize:
        lines += _standardizing(len(config["init"]) > 2 or refeatured)
    return "\n".join(lines)


def _standardizing(per_column: bool) -> list[str]:
    """x_np standardized as Dataset.standardized does it: per column, or one feature's as numbers."""
    if per_column:
        return ["x_np = x_np.astype(np.float32).astype(np.float64)",
                "mean, std = x_np.mean(axis=0), x_np.std(axis=0)",
                "std = np.where(std > 0, std, 1.0)", "x_np = (x_np - mean) / std"]
    return ["x_np = x_np.astype(np.float32).astype(np.float64)",
            "mean, std = float(x_np.mean()), float(x_np.std())",
            "std = std if std > 0 else 1.0", "x_np = (x_np - mean) / std"]


def _source(config: dict[str, Any], refeatured: bool = False) -> list[str]:
    """x_np and y_np before standardizing: a shape (crossed), a bundled set, a CSV, or the tutorial's recipe."""
    shaped = config.get("dataset", "tutorial") != "tutorial"
    if config.get("seed") is not None and shaped:
        noise = None if config.get("noise") is None else float(config["noise"])
        lines = ["from logreg_tui.core.model.datasets import make_points  # the shape as logreg-tui draws it",
                 f"x_np, y_np = make_points({str(config['dataset'])!r}, {int(config['seed'])}, "
                 f"{int(config['n_points'])}, {noise!r}, {float(config['label_noise'])!r}, "
                 f"{float(config['class_balance'])!r})"]
        if config.get("features") or refeatured:
            lines += ["from logreg_tui.core.model.crosses import crossed_x  # the features as logreg-tui crosses them"]
        if refeatured:
            lines += ["points_np = x_np.astype(np.float32)  # (x1, x2): the run crosses them again at its changes"]
        if config.get("features"):
            crosses = tuple(str(name) for name in config["features"])
            lines += [f"x_np = crossed_x(x_np.astype(np.float32), {crosses!r})"]
        return lines
    if config.get("seed") is None and shaped:
        return ["from logreg_tui.core.model.real_data import load_real  # the set as scikit-learn ships it",
                f"table = load_real({str(config['dataset'])!r})",
                "x_np, y_np = table.x.astype(np.float64), table.y.astype(np.float64)"]
    if config.get("seed") is None:
        return ["from logreg_tui.core.model.data import load_csv  # the CSV read as logreg-tui read it",
                f"table = load_csv({config['data']!r}, {config.get('x_column')!r}, {config.get('label_column')!r}, "
                f"{config.get('positive')!r})",
                "x_np, y_np = table.x.astype(np.float64), table.y.astype(np.float64)"]
    return [f"rng = np.random.RandomState({int(config['seed'])})  # the tutorial's np.random.seed, as a generator",
            f"N, GAP, BALANCE, NOISE = {int(config['n_points'])}, {float(config['gap'])!r}, "
            f"{float(config['class_balance'])!r}, {float(config['label_noise'])!r}",
            "ones = N // 2 if BALANCE == 0.5 else min(max(int(N * BALANCE), 1), N - 1)",
            "x_np = rng.randn(N)", "x_np[:ones] = x_np[:ones] + GAP", "y_np = np.zeros(N)", "y_np[:ones] = 1.0",
            "ids = np.arange(N)", "rng.shuffle(ids)", "y_np = y_np[ids]", "if NOISE:",
            "    flipped = rng.choice(N, round(N * NOISE), replace=False)",
            "    y_np[flipped] = 1.0 - y_np[flipped]", "x_np = x_np[ids]"]


def _final_line(standardize: bool, d: int = 1) -> str:
    """The run's last line, as --headless prints it (standardized: the data's own units too)."""
    if d > 1:
        line = 'print("w: [" + ", ".join(f"{v:.4f}" for v in w.tolist()) + f"], b: {b.item():.4f}"'
        if not standardize:
            return line + ")"
        return ("w_x = w.detach().numpy() / std  # in the data's own units\n"
                "b_x = b.item() - float((w_x * mean).sum())\n"
                + line + ' + " (standardized x); original x: w: ["'
                ' + ", ".join(f"{v:.4g}" for v in w_x) + f"], b: {b_x:.4g}")')
    if not standardize:
        return 'print(f"w: {w.item():.4f}, b: {b.item():.4f}")'
    return ('w_x, b_x = w.item() / std, b.item() - w.item() * mean / std  # in the data\'s own units\n'
            'print(f"w: {w.item():.4f}, b: {b.item():.4f} (standardized x); original x: w: {w_x:.4g}, b: {b_x:.4g}")')


def _parameters(init: tuple[float, ...]) -> str:
    """w and b where the run started: one feature's w as the tutorial has it, more as a vector of d."""
    b = f"b = torch.full((1,), {float(init[-1])!r}, requires_grad=True)"
    if len(init) == 2:
        return f"w = torch.full((1,), {float(init[0])!r}, requires_grad=True)\n{b}"
    return f"w = torch.tensor({[float(value) for value in init[:-1]]!r}, requires_grad=True)\n{b}"


def _logits(d: int, refeatured: bool) -> str:
    """The scores as the trainer makes them: one feature's w * x + b, more a matrix product; either, by x's shape,
    in a run whose features change."""
    if refeatured:
        return "w * xs + b if xs.dim() == 1 else xs @ w + b  # one feature's own floats; more: each row's w·x"
    return "w * xs + b" if d == 1 else "xs @ w + b  # each row's w·x"


def comment(text: str) -> str:
    """text as one comment line that cannot end early: every character that is not printable (a newline, a
    carriage return, a Unicode line separator …) written as its escape, so no value from a file becomes code."""
    return "# " + "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _new_features(before: tuple[str, ...], after: tuple[str, ...], standardize: bool) -> list[str]:
    """f: x made again from the points with the new crosses (standardized again if the run is), and w carried by
    name as crosses.carried_theta carries it (a new feature's weight 0); the optimizer fresh."""
    before, after = tuple(map(str, before)), tuple(map(str, after))
    return [f"features = {after!r}", "x_np = crossed_x(points_np, features)",
            *(_standardizing(True) if standardize else []),
            "x = torch.tensor(x_np.astype(np.float32))", "x_train, x_val = x[:n_train], x[n_train:]",
            f"weights = dict(zip({before!r}, w.tolist()))",
            "w = torch.tensor([weights.get(name, 0.0) for name in features], requires_grad=True)", "fresh = True"]


def _change(event: Event, standardize: bool = False) -> list[str]:
    """What the loop does at an event's epoch, before that epoch trains."""
    if event.kind == "features" and isinstance(event.before, tuple) and isinstance(event.after, tuple):
        return _new_features(event.before, event.after, standardize)
    if event.kind == "move" and isinstance(event.after, tuple) and len(event.after) == 2:
        w, b = event.after
        return ["with torch.no_grad():", f"    w.fill_({w!r})", f"    b.fill_({b!r})", "fresh = True"]
    if event.kind == "move" and isinstance(event.after, tuple):
        weights, b = [float(value) for value in event.after[:-1]], float(event.after[-1])
        return ["with torch.no_grad():", f"    w.copy_(torch.tensor({weights!r}))", f"    b.fill_({b!r})",
                "fresh = True"]
    if event.kind in ("lr", "momentum", "l2", "l1", "batch_size", "autograd", "optimizer"):
        name = {"momentum": "beta", "optimizer": "optimizer_name"}.get(event.kind, event.kind)
        lines = [f"{name} = {event.after!r}"]
        return lines + (["fresh = True"] if event.kind in ("optimizer", "momentum") else [])
    if event.kind == "threshold":
        return [f"threshold = {event.after!r}  # evaluation only: training does not read it"]
    return [comment(f"{event.what}: not reproduced by this script")]


def run_script(config: dict[str, Any], start: Settings, events: tuple[Event, ...], epochs: int,
               init: tuple[float, ...], function: str | None, function_class: str, standardize: bool,
               log_every: int = 100, function_source: str = "") -> str:
    """The script's text."""
    modes = {start.autograd} | {str(e.after) for e in events if e.kind == "autograd"}
    definitions, losses = _functions(modes, function, function_class, function_source)
    features = [event.change.after for event in events
                if event.change.kind == "features" and isinstance(event.change.after, tuple)]
    d = len(features[-1]) if features else len(init) - 1  # the features at the end
    by_epoch: dict[int, list[str]] = {}
    by_step: dict[int, list[str]] = {}  # changes made inside a minibatch epoch, before the step they came before
    for event in events:
        change = event.change
        lines = _change(change, standardize) if event.kind != "restore" else [
            f"# epoch {int(event.epoch)}: the run diverged and went back to its last finite w, b (not reproduced here)",
            *_change(change, standardize)]
        at = by_epoch.setdefault(int(event.epoch), []) if change.step is None else \
            by_step.setdefault(int(change.step), [])
        at.extend([comment(change.what), *lines])
    changes = "\n".join(f"    if epoch == {epoch}:\n" + "\n".join(f"        {line}" for line in lines)
                        for epoch, lines in sorted(by_epoch.items()))
    resize = "\n                size = batch_size if batch_size and batch_size < n_train else n_train"
    step_changes = "\n".join(f"            if steps == {step}:\n" + "\n".join(f"{' ' * 16}{line}" for line in lines)
                             + resize for step, lines in sorted(by_step.items()))
    n_train = f"len(x_np) - round(len(x_np) * {start.val_frac!r})" if start.val_frac else "len(x_np)"
    loss_of = "\n".join(f"    {'if' if k == 0 else 'elif'} autograd == {mode!r}:\n        loss = {expression}"
                        for k, (mode, expression) in enumerate(losses.items()))
    return f'''"""logreg-tui's run as a plain PyTorch script: python {{this file}} prints the run's table and its w, b.

Started as: see the export's command_line. Changes at their epochs are applied before that epoch trains.
"""

import sys
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd import Function


{definitions + chr(10) * 3 if definitions else ""}{_data(config, standardize, bool(features))}
n_train = {n_train}
held = n_train < len(x_np)
x, y = torch.tensor(x_np.astype(np.float32)), torch.tensor(y_np.astype(np.float32))
x_train, y_train, x_val, y_val = x[:n_train], y[:n_train], x[n_train:], y[n_train:]

lr, beta, autograd, optimizer_name = {start.lr!r}, {start.momentum!r}, {start.autograd!r}, {start.optimizer!r}
batch_size, l2, l1, threshold = {start.batch_size!r}, {start.l2!r}, {start.l1!r}, {start.threshold!r}
{_parameters(init)}
generator = torch.Generator().manual_seed({int(config["seed"]) if config.get("seed") is not None else 42})
fresh, steps = True, 0


def renewed(optimizer):
    """The optimizer, a fresh one where a change asked for it, at the current lr."""
    global fresh
    if fresh:
        makers = {{
            "sgd": lambda: {OPTIMIZER["sgd"]},
            "momentum": lambda: {OPTIMIZER["momentum"]},
            "nesterov": lambda: {OPTIMIZER["nesterov"]},
            "adam": lambda: {OPTIMIZER["adam"]},
        }}
        optimizer, fresh = makers[optimizer_name](), False
    for group in optimizer.param_groups:
        group["lr"] = lr
    return optimizer


def forward(xs, y):
    logits = {_logits(len(init) - 1, bool(features))}
{loss_of}
    return loss


def step(xs, ys):
    loss = forward(xs, ys)
    w.grad = b.grad = None
    objective = loss + (l2 / 2 * w * w + l1 * w.abs()).sum() if (l2 or l1) else loss
    objective.backward()
    optimizer.step()
    return loss.detach()


for epoch in range({int(epochs)} + 1):
{changes + chr(10) if changes else ""}    if epoch == {int(epochs)}:
        break
    optimizer = renewed(optimizer if epoch else None)
    full = not batch_size or batch_size >= n_train
    if full:
        with torch.no_grad():
            val = forward(x_val, y_val) if held else None
        loss = step(x_train, y_train)
        steps += 1
    else:
        order, total, batches, done = torch.randperm(n_train, generator=generator), None, 0, 0
        size = batch_size
        while done < n_train:
{step_changes + chr(10) if step_changes else ""}            optimizer = renewed(optimizer)
            indices = order[done:done + size]
            batch_loss = step(x_train[indices], y_train[indices])
            total, batches = batch_loss if total is None else total + batch_loss, batches + 1
            done, steps = min(done + size, n_train), steps + 1
        loss = total / batches
        with torch.no_grad():
            val = forward(x_val, y_val) if held else None
    if epoch % {int(log_every)} == 0:
        shown = f" - Val: {{val.item():.5f}}" if held else ""
        print(f"Epochs: {{epoch:5d}} - Loss: {{loss.item():.5f}}{{shown}}")

{_final_line(standardize, d)}
if "--exact" in sys.argv:
    print({"repr(w.item())" if len(init) == 2 and not features else "*(repr(v) for v in w.tolist())"}, repr(b.item()))
'''
