"""Two Functions with the loss's interface: --function two_functions.py:Good picks one."""
import torch
import torch.nn.functional as F


class Good(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits, targets):
        ctx.save_for_backward(torch.sigmoid(logits), targets)
        return (F.softplus(logits) - targets * logits).mean()

    @staticmethod
    def backward(ctx, grad_output):
        probs, targets = ctx.saved_tensors
        return grad_output * (probs - targets) / probs.numel(), None


class Bad(Good):
    @staticmethod
    def backward(ctx, grad_output):
        probs, targets = ctx.saved_tensors
        return grad_output * (probs - targets), None
