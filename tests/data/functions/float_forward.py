"""forward returns a Python float, not a tensor."""
import torch
class L(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits, targets):
        return 0.5
    @staticmethod
    def backward(ctx, grad_output):
        return None, None
