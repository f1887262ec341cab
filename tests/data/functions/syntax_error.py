import torch


class Loss(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits, targets)
        return logits.mean()
