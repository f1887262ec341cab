"""--gradcheck: the hand-written Functions against torch.autograd.gradcheck and torch's own gradients."""

from __future__ import annotations

import json
from typing import Any, cast

import torch
import torch.nn.functional as F

from logreg_tui.training.functions import BCEWithLogits, Sigmoid, TutorialCrossEntropyWithLogits, TutorialSigmoid

N = 10  # points in the check: small, so the tutorial's missing 1/N shows as a factor of 10


def _inputs(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(N, dtype=torch.float64, generator=generator, requires_grad=True)
    targets = (torch.rand(N, generator=generator) > 0.5).to(torch.float64)
    return logits, targets


def _grad(function: Any, logits: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
    """d(sum of outputs)/d(logits); sum() makes grad_output all ones, as a scalar loss would."""
    z = logits.detach().requires_grad_()
    function(z, *rest).sum().backward()
    return cast(torch.Tensor, z.grad)


def check_mode(sigmoid: Any, bce: Any) -> tuple[bool, float, float]:
    """(gradcheck passed for both, largest |grad − torch's grad|, median BCE grad ÷ torch's)."""
    logits, targets = _inputs()
    passed = all(
        torch.autograd.gradcheck(f, args, raise_exception=False)
        for f, args in ((sigmoid, (logits,)), (bce, (logits, targets)))
    )
    diffs, ratio = [], float("nan")
    for mine, reference, rest in (
        (sigmoid, torch.sigmoid, ()),
        (bce, F.binary_cross_entropy_with_logits, (targets,)),
    ):
        grad, truth = _grad(mine, logits, *rest), _grad(reference, logits, *rest)
        diffs.append(float((grad - truth).abs().max()))
        if reference is not torch.sigmoid:
            ratio = float((grad / truth).median())
    return passed, max(diffs), ratio


def gradcheck_report() -> dict:
    """Both hand-written modes checked: passed, largest gradient error, and the BCE gradient ÷ torch's."""
    report = {}
    for mode, functions in (("custom", (Sigmoid.apply, BCEWithLogits.apply)),
                            ("tutorial", (TutorialSigmoid.apply, TutorialCrossEntropyWithLogits.apply))):
        passed, diff, ratio = check_mode(*functions)
        report[mode] = {"passed": passed, "max_grad_error": diff, "bce_grad_ratio": ratio}
    return {"dtype": "float64", "n": N} | report


def run_gradcheck(as_json: bool = False) -> int:
    """One line per mode (or one JSON object); exit 0 when the correct Functions pass."""
    report = gradcheck_report()
    custom, tutorial = report["custom"], report["tutorial"]
    if as_json:
        print(json.dumps(report))
    else:
        print(f"custom    {'PASS' if custom['passed'] else 'FAIL'}  max |grad - torch grad| "
              f"{custom['max_grad_error']:.2e}  (float64, N={N})")
        print(f"tutorial  {'PASS' if tutorial['passed'] else 'FAIL'}  max |grad - torch grad| "
              f"{tutorial['max_grad_error']:.2e}  (its BCE gradient is {tutorial['bce_grad_ratio']:.4g}x torch's: "
              f"the missing 1/N, N={N}; both ignore grad_output)")
    return 0 if custom["passed"] else 1
