"""The key table: every key the app answers, as data (Textual's names, the app's actions, the footer's labels, what
each does). The app's bindings, footer, help screen and palette are made from it (tui/keys.py), and a lesson's
steps name keys from it (core/files/lesson_file.py). No UI.
"""

from __future__ import annotations

from typing import NamedTuple


class Key(NamedTuple):
    key: str  # Textual's name for it
    action: str  # the app's action, with its arguments
    label: str  # in the footer
    what: str  # in the help screen and the command palette


ROWS = [
    ("space", "engine('toggle_pause')", "pause", "pause / resume"),
    ("n", "engine('step', 1)", "step", "step one epoch (pauses first when running)"),
    ("N", "engine('step', 10)", "step 10", "step ten epochs"),
    ("plus", "engine('scale_lr', 2)", "lr×2", "lr × 2, from the current w, b"),
    ("minus", "engine('scale_lr', 0.5)", "lr÷2", "lr ÷ 2 (after a divergence, this or any other change goes on "
     "from the last w, b whose loss is finite)"),
    ("r", "reseed", "reseed", "next seed: new data, w, b and epoch reset; lr and mode kept"),
    ("p", "cycle_preset", "preset", "the next lesson's data and settings (tutorial → overlap → separable → imbalanced "
     "→ noisy → overfit → gauss → moons → xor → circle → circle-squares → cancer-raw → cancer → cancer-l1): a new run, "
     "the last one kept as a ghost"),
    ("z", "engine('reset')", "reset", "w, b back to where the run started (0 or --init, its first features too) and "
     "epoch to 0 on the same data"),
    ("o", "engine('cycle_optimizer')", "optimizer", "optimizer sgd → momentum → nesterov → adam, from the current w, b "
     "(the new one's state starts fresh)"),
    ("b", "engine('cycle_batch_size')", "batch", "batch size full → 256 → 64 → 16 → 1 (those below N), from "
     "the current w, b"),
    ("left", "move(-1, 0)", "move w, b", "landscape: w − one map cell (→ +; ↑ ↓ move b); a click on the map "
     "moves w, b there, paused or running"),
    ("right", "move(1, 0)", "w+", "landscape: w + one map cell"),
    ("up", "move(0, 1)", "b+", "landscape: b + one map cell"),
    ("down", "move(0, -1)", "b−", "landscape: b − one map cell"),
    ("m", "toggle_landscape", "map", "when not every plot fits: the bottom plot shows the data, the loss landscape or "
     "the evaluation (from 120×40, and in a row from 180 columns: the landscape or the evaluation)"),
    ("v", "cycle_plane", "plane", "landscape, with more than one feature: the next plane of θ it shows (through the "
     "minimum along the flattest and steepest directions, then every pair of w₁ … w_d, b); the title says which"),
    ("f", "choose_features", "features", "a two-feature --dataset's features: a checklist of x1, x2, x1^2, x2^2, x1x2, "
     "sin(x1), sin(x2) as Playground's inputs (space ticks, enter trains on them): the run goes on from the current "
     "w, b, a new feature's weight 0 (an event, as a change of lr); the plane still shows x1, x2, so the boundary "
     "bends"),
    ("g", "toggle_ghosts", "ghosts", "show / hide the earlier runs (ghosts: up to 3, kept when z or r starts a new "
     "run) on the loss plot and the landscape"),
    ("G", "clear_ghosts", "clear ghosts", "forget the earlier runs"),
    ("a", "toggle_autograd", "autograd", "autograd builtin ↔ custom (or tutorial), keeping w, b"),
    ("l", "toggle_loss('log_y')", "log-y", "log-scale y on the loss plot"),
    ("s", "toggle_loss('smooth')", "smooth", "smooth the loss (TensorBoard's debiased EMA, 0.6)"),
    ("d", "toggle_loss('gap')", "gap", "loss plot: the gap to the minimum, log10(L − L*), with the rate the curvature "
     "predicts from here (dotted): where convergence is linear, a straight line"),
    ("k", "toggle_curvature", "curvature", "stats panel: the curvature page (why it is slow): the Hessian's "
     "eigenvalues and κ at the minimum and here, the stable and best lr, the rate per step, the epoch predicted "
     "for 1 % of the minimum's loss and the one measured"),
    ("w", "toggle_weights", "weights", "stats panel: the weights page: each w_j as a signed bar by its feature's "
     "name, the largest first (20 at most), a weight L1 holds at 0 marked (exactly 0, or within its step λ₁·lr), "
     "the previous run's weight as a tick ┊"),
    ("t", "toggle_loss('tail')", "recent", "loss plot: the last quarter of the run, y fitted to it (outliers ignored)"),
    ("L", "type_setting('lr')", "lr…", "type an lr"),
    ("B", "engine('use_best')", "best lr", "the lr (and β for momentum) that the curvature at the minimum says is "
     "fastest, from the current w, b: 2/(λ_min + λ_max) for sgd; for Adam and minibatches it says why not"),
    ("2", "engine('step_setting', 'l2')", "l2", "L2 penalty λ 0 → 1e-4 → 1e-3 → 0.01 → 0.1 → 1 → 0: the objective adds "
     "(λ/2)·w², from the current w, b; the landscape and its minimum follow"),
    ("1", "engine('step_setting', 'l1')", "l1", "L1 penalty λ 0 → 1e-4 → … → 1 → 0: the objective adds λ·|w| (at "
     "large λ its minimum has w = 0 exactly)"),
    ("greater_than_sign", "engine('step_setting', 'threshold')", "t+", "decision threshold t up its steps "
     "0.05 … 0.95 (x* follows, where σ = t; the evaluation is at t); a click on the data plot puts x* there"),
    ("less_than_sign", "engine('step_setting_down', 'threshold')", "t−", "decision threshold t down its steps"),
    ("T", "type_setting('threshold')", "t…", "type a decision threshold t (strictly between 0 and 1)"),
    ("at", "type_setting('l2')", "l2…", "type an L2 penalty λ (0 … 1000)"),
    ("exclamation_mark", "type_setting('l1')", "l1…", "type an L1 penalty λ (0 … 1000)"),
    ("left_square_bracket", "engine('scale_speed', 0.5)", "slower", "epochs-per-second cap ÷ 2"),
    ("right_square_bracket", "engine('scale_speed', 2)", "faster", "epochs-per-second cap × 2; the top step is max"),
    ("S", "type_speed", "speed…", "type an epochs-per-second cap (or max)"),
    ("e", "export", "export", "export the run: CSV, JSON and a PyTorch script in the current directory"),
    ("ctrl+s", "screenshot", "svg", "save an SVG screenshot in the current directory"),
    ("question_mark", "help", "help", "this help screen (esc closes it)"),
    ("q", "quit", "quit", "quit (also ctrl+q, ctrl+c)"),
]
KEYS = [Key(*row) for row in ROWS]
KEY_NAMES = {"plus": "+", "minus": "-", "left_square_bracket": "[", "right_square_bracket": "]",
             "question_mark": "?", "L": "L", "S": "S", "N": "N", "G": "G", "at": "@", "exclamation_mark": "!", "B": "B",
             "greater_than_sign": ">", "less_than_sign": "<", "T": "T",
             "left": "←", "right": "→", "up": "↑", "down": "↓"}
