"""No torch.autograd.Function here."""


def loss(logits, targets):
    return (logits - targets).pow(2).mean()
