"""Data sets and settings that each show one lesson (--preset): defaults for the options, which options given with
a preset override. No torch, no UI."""

from __future__ import annotations

from typing import Any

# name → (the lesson, in a line; the option defaults it sets, by dest)
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "tutorial": ("the tutorial's data and settings: seed 42, 1000 points, gap 4, lr 0.2, 1001 epochs", {}),
    "overlap": ("gap 1: the classes overlap, no threshold splits them, the landscape is one round valley",
                {"gap": 1.0}),
    "separable": ("gap 8: a threshold splits the classes, so the loss has no minimum (w grows for ever) until a "
                  "penalty gives it one: press 2 for L2", {"gap": 8.0}),
    "imbalanced": ("nine points in ten are class 1: accuracy flatters (always saying 1 scores 0.9) and the "
                   "threshold x* moves toward class 0", {"class_balance": 0.9}),
    "noisy": ("a fifth of the labels flipped: the loss stays far above 0 and the minimum's w shrinks to an eighth "
              "(a flatter σ), while x* barely moves", {"label_noise": 0.2}),
    "overfit": ("30 points, half held out, lr 0.5, 3001 epochs: the 15 trained on are separable, so their loss "
                "falls toward 0 while the held-out loss turns and rises", {"n_points": 30, "gap": 2.0, "val_frac": 0.5,
                                                                       "lr": 0.5, "epochs": 3001}),
    # two features (--dataset): the boundary is a line in the (x₁, x₂) plane
    "gauss": ("two features, two Gaussians: a line separates them, so the loss has no minimum (w grows along the "
              "direction that splits them) until a penalty gives it one: press 2 for L2", {"dataset": "gauss"}),
    "moons": ("two features, two moons: a line gets most points right (accuracy 0.875 at its minimum) but cannot "
              "follow the curve",
              {"dataset": "moons"}),
    "xor": ("two features in XOR: no line can split them; the loss stops at ln 2 = 0.693 with w near 0, as good as "
            "guessing", {"dataset": "xor"}),
    "circle": ("a disc inside a ring: no line separates them either (ln 2 again); it needs features x₁² and x₂², "
               "with which the boundary becomes a circle", {"dataset": "circle"}),
    "circle-squares": ("the disc and ring again, trained on x₁, x₂, x₁² and x₂²: a line in those four is a circle in "
                       "the plane, so it splits them and the loss falls toward 0 (lr 0.05: the squares, up to about "
                       "30, make the valley steep at the start)", {
                           "dataset": "circle", "features": ("x1", "x2", "x1^2", "x2^2"), "lr": 0.05}),
    # many features: scikit-learn's breast cancer set (the datasets extra), 569 tumours × 30 measurements
    "cancer-raw": ("breast cancer, 30 measurements on their own scales (areas in the thousands, smoothness near "
                   "0.1), L2 0.01: κ ≈ 1e9 at the minimum (k: 23 if standardized), so lr 0.2 overshoots the steep "
                   "directions at once and σ saturates", {"dataset": "breast-cancer", "l2": 0.01}),
    "cancer": ("breast cancer standardized, each column (x − mean)/std, L2 0.01: κ falls from 1e9 to 23 and the "
               "loss below 0.1 in 100 epochs; w shows which measurements weigh most",
               {"dataset": "breast-cancer", "standardize": True, "l2": 0.01}),
    "cancer-l1": ("breast cancer standardized, L1 0.02: at its minimum 23 of the 30 weights are exactly 0 (15 at "
                  "λ 0.001, 26 at 0.1); w shows them fall to ≈0 one by one, 1 raises λ",
                  {"dataset": "breast-cancer", "standardize": True, "l1": 0.02}),
}
PRESET_NAMES = tuple(PRESETS)


def next_preset(name: str) -> str:
    """tutorial → overlap → … → overfit → gauss → … → circle-squares → tutorial."""
    return PRESET_NAMES[(PRESET_NAMES.index(name) + 1) % len(PRESET_NAMES)]
