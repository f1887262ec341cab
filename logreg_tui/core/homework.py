"""--function's words that need no torch: how FILE.py:NAME splits, and what `logreg-tui --function-template` prints
(a Function file to start from, its backward left to write)."""

TEMPLATE = '''"""My loss for logreg-tui: mean binary cross-entropy on logits, as a torch.autograd.Function.

Run:    logreg-tui --function my_loss.py       (a toggles builtin <-> this file; saving reloads it)
Check:  logreg-tui --gradcheck --function my_loss.py
"""

import torch


class MyCrossEntropyWithLogits(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits, targets):
        # logits: z = w*x + b, one per point; targets: y, 0 or 1. Returns a scalar: the mean loss,
        # mean(-y*log(sigmoid(z)) - (1 - y)*log(1 - sigmoid(z))), written as mean(softplus(z) - y*z): the same
        # value, but log(1 - sigmoid(z)) is log(0) = -inf in float32 once z > 16.6 and this never is.
        probs = torch.sigmoid(logits)
        ctx.save_for_backward(probs, targets)
        return (torch.nn.functional.softplus(logits) - targets * logits).mean()

    @staticmethod
    def backward(ctx, grad_output):
        # grad_output: d(final loss)/d(this loss), a scalar. Return d(final loss)/d(logits), shaped like the
        # logits, and None for the targets (no gradient).
        probs, targets = ctx.saved_tensors
        raise NotImplementedError("write backward: the gradient of the mean loss with respect to each logit")
'''


def split_spec(spec: str) -> tuple[str, str | None]:
    """FILE.py or FILE.py:NAME (a Windows drive's colon is not a name's)."""
    head, colon, name = spec.rpartition(":")
    if colon and head and name.isidentifier() and not (len(head) == 1 and head.isalpha()):
        return head, name
    return spec, None
