"""Passes the check, but the 301st backward of training loops for ever (and, for a test waiting on it, says so
in the file $WEDGED_MARK names when it begins: a test then signals a process that is truly wedged, at once)."""
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
        if CALLS[0] == 301 and os.environ.get("WEDGED_MARK"):
            open(os.environ["WEDGED_MARK"], "w").close()
        n = 0
        while CALLS[0] > 300:
            n += 1
        return grad_output * (probs - targets) / probs.numel(), None
