"""The optimizers, each the same arithmetic as torch.optim's single-tensor step (its CPU default), bit for bit.

Written out rather than called: torch.optim's per-call Python (hooks, profiler ranges, state lookups,
foreach dispatch) costs more than the arithmetic itself at small N. Tests compare every epoch against
torch.optim. Each keeps its state as tensors (and counts) that a checkpoint can copy and put back.
"""

from __future__ import annotations

from typing import Any, cast

import torch

from logreg_tui.core.model.state import Optimizer

ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults


def _grad(param: torch.Tensor) -> torch.Tensor:
    """The gradient backward left on a parameter (a step always follows one)."""
    return cast(torch.Tensor, param.grad)


class SGD:
    """torch.optim.SGD(params, lr): param.add_(grad, alpha=-lr)."""

    def __init__(self, params: tuple[torch.Tensor, ...], lr: float, momentum: float = 0.0) -> None:
        self.params = params
        self.lr = lr

    @torch.no_grad()
    def step(self) -> None:
        for param in self.params:
            param.add_(_grad(param), alpha=-self.lr)

    def state(self) -> dict[str, Any]:
        """What the next step depends on besides the parameters (plain SGD: nothing)."""
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        pass


class Momentum(SGD):
    """torch.optim.SGD(params, lr, momentum=β) and, with nesterov, nesterov=True (dampening 0)."""

    nesterov = False

    def __init__(self, params: tuple[torch.Tensor, ...], lr: float, momentum: float = 0.9) -> None:
        super().__init__(params, lr)
        self.momentum = momentum
        self.buffers: list[torch.Tensor | None] = [None] * len(params)

    @torch.no_grad()
    def step(self) -> None:
        for i, param in enumerate(self.params):
            grad, buffer = _grad(param), self.buffers[i]
            if buffer is None:
                buffer = self.buffers[i] = grad.detach().clone()
            else:
                buffer.mul_(self.momentum).add_(grad, alpha=1)
            param.add_(grad.add(buffer, alpha=self.momentum) if self.nesterov else buffer, alpha=-self.lr)

    def state(self) -> dict[str, Any]:
        return {"buffers": list(self.buffers)}

    def load_state(self, state: dict[str, Any]) -> None:
        self.buffers = list(state["buffers"])


class Nesterov(Momentum):
    nesterov = True


class Adam(SGD):
    """torch.optim.Adam(params, lr) with its defaults: betas (0.9, 0.999), eps 1e-8, no weight decay."""

    def __init__(self, params: tuple[torch.Tensor, ...], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.steps = 0  # torch keeps a float32 tensor and reads it back with .item(): the same whole number
        self.exp_avgs = [torch.zeros_like(param) for param in params]
        self.exp_avg_sqs = [torch.zeros_like(param) for param in params]

    @torch.no_grad()
    def step(self) -> None:
        beta1, beta2 = ADAM_BETAS
        self.steps += 1
        step = float(self.steps)
        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        step_size = self.lr / bias_correction1
        for param, exp_avg, exp_avg_sq in zip(self.params, self.exp_avgs, self.exp_avg_sqs, strict=True):
            grad = _grad(param)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(ADAM_EPS)
            param.addcdiv_(exp_avg, denom, value=-step_size)

    def state(self) -> dict[str, Any]:
        return {"steps": self.steps, "exp_avgs": list(self.exp_avgs), "exp_avg_sqs": list(self.exp_avg_sqs)}

    def load_state(self, state: dict[str, Any]) -> None:
        self.steps = state["steps"]
        self.exp_avgs, self.exp_avg_sqs = list(state["exp_avgs"]), list(state["exp_avg_sqs"])


BY_NAME: dict[Optimizer, type[SGD]] = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adam": Adam}


def copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of an optimizer's state: tensors cloned, so later steps leave the copy alone."""
    def copy(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return value.clone()
        if isinstance(value, list):
            return [copy(item) for item in value]
        return value

    return {name: copy(value) for name, value in state.items()}
