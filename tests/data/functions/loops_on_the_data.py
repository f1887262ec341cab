"""Passes the check, but the third backward of training loops for ever."""
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
        n = 0
        while CALLS[0] > 300:
            n += 1
        return grad_output * (probs - targets) / probs.numel(), None
