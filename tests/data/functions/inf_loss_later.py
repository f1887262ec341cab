"""Right for its first 300 forwards, then its forward returns inf: a bug no lr fixes."""
import torch
import torch.nn.functional as F

CALLS = [0]


class Loss(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits, targets):
        ctx.save_for_backward(torch.sigmoid(logits), targets)
        CALLS[0] += 1
        loss = (F.softplus(logits) - targets * logits).mean()
        return loss * float("inf") if CALLS[0] > 300 else loss

    @staticmethod
    def backward(ctx, grad_output):
        probs, targets = ctx.saved_tensors
        return grad_output * (probs - targets) / probs.numel(), None
