"""--function's words that need no torch: how FILE.py:NAME splits, and what `logreg-tui --function-template` prints
(a Function file to start from, its backward left to write), and how its source is read and fingerprinted."""

import hashlib

from logreg_tui.core.files.reading import NotReadable, read_regular_file

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


MAX_SOURCE_BYTES = 1 << 20  # a Function file larger than this is not someone's homework


class LoadError(Exception):
    """The file cannot give a Function: one line that says why (and where, in the file)."""


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def read_source(path: str) -> str:
    """A Function file's text: a regular file of at most MAX_SOURCE_BYTES (never a FIFO, a device or a directory,
    which would block or never end); LoadError otherwise."""
    try:
        data = read_regular_file(path, MAX_SOURCE_BYTES)
    except NotReadable as why:
        raise LoadError(f"cannot read {path}: {why}, not a Function file") from None
    except OSError as error:
        raise LoadError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise LoadError(f"cannot read {path}: not UTF-8 text") from None


def split_spec(spec: str) -> tuple[str, str | None]:
    """FILE.py or FILE.py:NAME (a Windows drive's colon is not a name's)."""
    head, colon, name = spec.rpartition(":")
    if colon and head and name.isidentifier() and not (len(head) == 1 and head.isalpha()):
        return head, name
    return spec, None


def training_sizes(n_train: int, batch: int) -> tuple[int, ...]:
    """The N a Function is called with in training: the training set's, a minibatch's and the last, smaller one."""
    return tuple(sorted({n_train, batch, n_train % batch or batch}))
