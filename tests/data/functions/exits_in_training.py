"""Passes the check, then calls os._exit(3) in training's third backward: the process ends where it cannot see it."""
import os

import torch
import torch.nn.functional as F

CALLS = [0]


class Loss(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits, targets):
        ctx.save_for_backward(torch.sigmoid(logits), targets)
        return (F.softplus(logits) - targets * logits).mean()

    @staticmethod
    def backward(ctx, grad_output):
        probs, targets = ctx.saved_tensors
        CALLS[0] += 1
        if CALLS[0] > 300:
            os._exit(3)
        return grad_output * (probs - targets) / probs.numel(), None
