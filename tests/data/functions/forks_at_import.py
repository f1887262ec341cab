"""Forks at import."""
import os

os.fork()
import torch
import torch.nn.functional as F


class Loss(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits, targets):
        ctx.save_for_backward(torch.sigmoid(logits), targets)
        return (F.softplus(logits) - targets * logits).mean()

    @staticmethod
    def backward(ctx, grad_output):
        probs, targets = ctx.saved_tensors
        n = probs.numel()
        return grad_output * (probs - targets) / n, None
