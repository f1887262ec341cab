"""Hand-written autograd Functions: a correct sigmoid and BCE-with-logits, and the tutorial's as written."""

from __future__ import annotations

from typing import Any

import torch
from torch.autograd import Function


def _stable_sigmoid(z: torch.Tensor) -> torch.Tensor:
    # exp(-|z|) never overflows: σ(z) = 1/(1+e) for z ≥ 0 and e/(1+e) for z < 0.
    e = torch.exp(-z.abs())
    return torch.where(z >= 0, 1.0, e) / (1.0 + e)


class Sigmoid(Function):
    """σ(z) with dσ/dz = σ(1 − σ), chained through grad_output."""

    @staticmethod
    def forward(ctx: Any, z: torch.Tensor) -> torch.Tensor:
        p = _stable_sigmoid(z)
        ctx.save_for_backward(p)
        return p

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> torch.Tensor:
        (p,) = ctx.saved_tensors
        return grad_output * p * (1.0 - p)


class BCEWithLogits(Function):
    """mean(BCE(σ(z), y)), stable for any finite z.

    BCE(σ(z), y) = softplus(z) − y·z, and d/dz = σ(z) − y; the mean divides by N.
    """

    @staticmethod
    def forward(ctx: Any, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        n = z.numel()
        loss = (torch.nn.functional.softplus(z).sum() - torch.dot(y, z)) / n
        # σ only feeds the saved gradient here: torch's one-pass kernel, as each op costs ~3 µs at small N
        ctx.save_for_backward(torch.sigmoid(z).sub_(y))
        ctx.n = n
        return loss

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        (p_minus_y,) = ctx.saved_tensors
        return p_minus_y * (grad_output / ctx.n), None


class TutorialSigmoid(Function):
    """The tutorial's Sigmoid as written: its backward ignores grad_output."""

    @staticmethod
    def forward(ctx: Any, logits: torch.Tensor) -> torch.Tensor:
        probs = 1 / (1 + torch.exp(-logits))
        ctx.save_for_backward(probs)
        return probs

    @staticmethod
    def backward(ctx: Any, *grad_outputs: torch.Tensor) -> torch.Tensor:
        (probs,) = ctx.saved_tensors
        return probs * (1 - probs)


class TutorialCrossEntropyWithLogits(Function):
    """The tutorial's CrossEntropyWithLogits as written.

    Its backward returns p − y: it ignores grad_output and skips the 1/N of the mean, so its
    gradient is N times the true one (why the tutorial needed lr 0.001).
    """

    @staticmethod
    def forward(ctx: Any, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        probs = 1 / (1 + torch.exp(-logits))
        ctx.save_for_backward(probs, targets)
        return -(targets * torch.log(probs) + (1 - targets) * torch.log(1 - probs)).mean()

    @staticmethod
    def backward(ctx: Any, *grad_outputs: torch.Tensor) -> tuple[torch.Tensor, None]:
        probs, targets = ctx.saved_tensors
        grad_input = probs - targets
        return grad_input, None
