"""Homework mode: a person's own `torch.autograd.Function` for the loss on logits, loaded from their file and
checked against the true gradient, with the classic mistakes named.

The file runs as the person's own code, with their rights (the app refuses it under --serve unless allowed).
Whatever it does, this module answers with a LoadError (one line, with the file's line number) or a Verdict:
the file is loaded and checked first in a child process under a time limit (load_and_check), so an infinite loop
or a crash costs that child, which is killed, and never the app.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import subprocess
import sys
import threading
import time
import traceback
import types
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch.autograd import Function

from logreg_tui.core.homework import split_spec

CHECK_SECONDS = 5.0  # the check gives up on a Function that takes longer (an infinite loop in backward)
CHILD_START_SECONDS = 60.0  # on top: the child's Python and torch starting, on a loaded machine
N = 10  # points per check: the tutorial's missing 1/N shows as a factor of 10
SEEDS = (0, 1, 2)
LARGE_LOGITS = (-100.0, -40.0, -17.0, 17.0, 40.0, 100.0)  # float32's σ is exactly 0 or 1 from |z| ≈ 16.6
_modules = count()  # each load is a module of its own: a reload never sees the last one's names


class LoadError(Exception):
    """The file cannot give a Function: one line that says why (and where, in the file)."""


@dataclass(frozen=True)
class Verdict:
    """What the check found: no diagnosis is a PASS. `usable`: it runs (a wrong gradient still trains, to see)."""

    diagnosis: tuple[str, ...] = ()
    largest_error: float = 0.0  # max |backward − the true gradient| over the checked points
    usable: bool = True

    @property
    def passed(self) -> bool:
        return not self.diagnosis

    def line(self) -> str:
        """PASS (largest error 1e-17), or FAIL: … (largest error …)."""
        return f"PASS ({self._error()})" if self.passed else f"FAIL: {self.findings()}"

    def findings(self) -> str:
        """What is wrong, and the largest error."""
        return f"{'; '.join(self.diagnosis)} ({self._error()})"

    def _error(self) -> str:
        return f"largest error {self.largest_error:.3g}" if math.isfinite(self.largest_error) else "no gradient"

    def as_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "usable": self.usable, "diagnosis": list(self.diagnosis),
                "largest_error": self.largest_error if math.isfinite(self.largest_error) else None}


@dataclass(frozen=True)
class Homework:
    """A loaded Function, where it came from, and its verdict."""

    function: type[Function]
    path: str
    verdict: Verdict

    @property
    def label(self) -> str:
        return Path(self.path).name

    @property
    def summary(self) -> str:
        """What a reload's event says of it: my_loss.py PASS."""
        return f"{self.label} {'PASS' if self.verdict.passed else 'FAIL'}"


def load_function(spec: str) -> type[Function]:
    """The file's one Function subclass whose forward takes (ctx, logits, targets), or the one named."""
    path, name = split_spec(spec)
    label = Path(path).name
    try:
        source = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LoadError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    try:
        code = compile(source, path, "exec")
    except SyntaxError as error:
        raise LoadError(f"{label}:{error.lineno}: SyntaxError: {error.msg}") from None
    module = types.ModuleType(f"logreg_homework_{next(_modules)}")
    module.__file__ = path
    try:
        exec(code, module.__dict__)
    except BaseException as error:  # the person's code: anything it raises is a message, never a traceback
        if isinstance(error, KeyboardInterrupt):
            raise
        raise LoadError(f"{where(error, path)}: running the file raised {_error_words(error)}") from None
    return _pick(module, name, label)


def _pick(module: types.ModuleType, name: str | None, label: str) -> type[Function]:
    found = {key: value for key, value in vars(module).items()
             if isinstance(value, type) and issubclass(value, Function) and value.__module__ == module.__name__}
    if name is not None:
        if name not in found:
            raise LoadError(f"{label} has no torch.autograd.Function named {name}"
                            + (f" (it has {', '.join(found)})" if found else ""))
        return found[name]
    fitting = [key for key, value in found.items() if _takes_logits_and_targets(value)]
    if len(fitting) == 1:
        return found[fitting[0]]
    if not fitting:
        raise LoadError(f"{label} defines no torch.autograd.Function subclass whose forward takes "
                        "(ctx, logits, targets) (logreg-tui --function-template prints one to start from)")
    raise LoadError(f"{label} defines several such Functions ({', '.join(fitting)}): name one, "
                    f"--function {label}:{fitting[0]}")


def _takes_logits_and_targets(function: type[Function]) -> bool:
    try:
        parameters = inspect.signature(function.forward).parameters.values()
    except (TypeError, ValueError):
        return False
    return len([p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]) == 3


def where(error: BaseException, path: str) -> str:
    """file.py:LINE of the innermost frame in the person's file, else the file's name."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == path]
    if isinstance(error, SyntaxError) and error.filename == path:
        return f"{Path(path).name}:{error.lineno}"
    return f"{Path(path).name}:{frames[-1].lineno}" if frames else Path(path).name


def _error_words(error: BaseException) -> str:
    words = str(error).strip().splitlines()
    return type(error).__name__ + (f": {words[0][:120]}" if words else "")


# -- the check


def check(function: type[Function], path: str) -> Verdict:
    """The Function against the true gradient at several points; what it raises is part of the verdict (the
    child process of load_and_check runs this under its time limit)."""
    try:
        return _check(function, path)
    except BaseException as error:  # the person's code: a message, never a traceback
        if isinstance(error, KeyboardInterrupt):
            raise
        return Verdict((f"the check raised {_error_words(error)} at {where(error, path)}",), math.inf, usable=False)


def _points(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    logits = 3 * torch.randn(N, dtype=torch.float64, generator=generator)
    targets = (torch.rand(N, generator=generator, dtype=torch.float64) > 0.5).to(torch.float64)
    targets[0], targets[1] = 0.0, 1.0  # both classes, always
    return logits, targets


def _call(function: type[Function], logits: torch.Tensor, targets: torch.Tensor,
          grad_output: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(the loss, d(grad_output · loss)/d logits) through the Function."""
    z = logits.detach().clone().requires_grad_()
    loss = function.apply(z, targets)
    if not isinstance(loss, torch.Tensor):
        raise _Wrong(f"forward returns a {type(loss).__name__}, not a tensor")
    if loss.numel() != 1:
        raise _Wrong(f"forward returns shape {tuple(loss.shape)}, not a scalar (the mean loss)")
    (grad,) = torch.autograd.grad(loss.reshape(()), z, torch.tensor(grad_output, dtype=loss.dtype),
                                  allow_unused=True)
    if grad is None:
        raise _Wrong("backward gives the logits no gradient")
    return loss.detach().reshape(()), grad


class _Wrong(Exception):
    """An output of the wrong type or shape: the Function cannot train."""


def _check(function: type[Function], path: str) -> Verdict:
    diagnosis: list[str] = []
    largest = 0.0
    for seed in SEEDS:
        logits, targets = _points(seed)
        true_loss = F.binary_cross_entropy_with_logits(logits, targets)
        true_grad = (torch.sigmoid(logits) - targets) / N
        try:
            loss, grad = _call(function, logits, targets, 1.0)
            _, doubled = _call(function, logits, targets, 2.5)
        except _Wrong as wrong:
            return Verdict((str(wrong),), math.inf, usable=False)
        except Exception as error:
            words = (str(error).splitlines() or [""])[0]
            if type(error) is RuntimeError and ("shape" in words or "size" in words):  # torch's, of the output
                return Verdict((f"wrong shape: {words[:160]}",), math.inf, usable=False)
            if type(error) is RuntimeError and "number of gradients" in words:  # torch's, after backward returned
                return Verdict((f"backward returns the wrong number of gradients: {words[:160]} (one for the logits, "
                                "None for the targets)",), math.inf, usable=False)
            part = "backward" if _in_backward(error) else "forward"
            return Verdict((f"{part} raised {_error_words(error)} at {where(error, path)}",), math.inf,
                           usable=False)
        if grad.shape != logits.shape:
            return Verdict((f"wrong shape: backward gives {tuple(grad.shape)} for logits {tuple(logits.shape)}",),
                           math.inf, usable=False)
        largest = max(largest, float((grad - true_grad).abs().max()))
        if not diagnosis:
            diagnosis = _gradient_mistakes(grad.detach(), doubled.detach(), true_grad)
            if not torch.isfinite(loss) or not math.isclose(float(loss), float(true_loss), rel_tol=1e-6, abs_tol=1e-9):
                diagnosis.append(f"forward gives {float(loss):.6g} where the mean loss is {float(true_loss):.6g}")
    if not diagnosis and not _gradcheck(function):
        diagnosis.append("torch.autograd.gradcheck fails")
    diagnosis += _unstable(function)
    return Verdict(tuple(diagnosis), largest)


def _in_backward(error: BaseException) -> bool:
    return any(frame.name == "backward" for frame in traceback.extract_tb(error.__traceback__))


def _gradient_mistakes(grad: torch.Tensor, doubled: torch.Tensor, true_grad: torch.Tensor) -> list[str]:
    """The classic mistakes, named from the ratio to the true gradient and from a call with grad_output = 2.5."""
    found = []
    if not torch.isfinite(grad).all():
        return ["backward returns NaN or inf"]
    if torch.allclose(doubled, grad, rtol=1e-9, atol=1e-12) and grad.abs().max() > 0:
        found.append("backward ignores grad_output (called with 2.5, it returned the same)")
    factor = float(torch.dot(grad, true_grad) / torch.dot(true_grad, true_grad))
    fits = float((grad - factor * true_grad).norm() / true_grad.norm()) < 1e-6
    if not fits:
        found.append(f"backward is not a multiple of the true gradient (σ(z) − y)/N: largest error "
                     f"{float((grad - true_grad).abs().max()):.3g}")
    elif math.isclose(factor, N, rel_tol=1e-6):
        found.append(f"backward is N× the true gradient ({N}× at N = {N}): the mean's 1/N is missing")
    elif math.isclose(factor, -1, rel_tol=1e-6):
        found.append("backward's sign is flipped: it points uphill")
    elif math.isclose(factor, -N, rel_tol=1e-6):
        found.append(f"backward's sign is flipped and it is N× the true gradient ({N}× at N = {N})")
    elif not math.isclose(factor, 1, rel_tol=1e-6):
        found.append(f"backward is off by a factor {factor:.4g}")
    return found


def _gradcheck(function: type[Function]) -> bool:
    logits, targets = _points(7)
    z = logits.clone().requires_grad_()
    return bool(torch.autograd.gradcheck(lambda v: function.apply(v, targets), (z,), raise_exception=False))


def _unstable(function: type[Function]) -> list[str]:
    """Forward and backward in float32 (as training runs) at large |logit|, both classes: finite or not."""
    z = torch.tensor(LARGE_LOGITS, dtype=torch.float32)
    bad = []
    for label in (0.0, 1.0):
        y = torch.full_like(z, label)
        try:
            loss, grad = _call(function, z, y, 1.0)
        except Exception:
            return ["fails at large |logit| in float32"]
        if not (torch.isfinite(loss) and torch.isfinite(grad).all()):
            worst = z[~torch.isfinite(grad)] if not torch.isfinite(grad).all() else z
            bad.append(f"returns NaN/inf at large |logit| in float32 (y = {label:g}, z up to "
                       f"{float(worst.abs().max()):g}; softplus(z) − y·z is stable)")
    return bad[:1]


def _verdict_of(answer: dict[str, Any]) -> Verdict:
    error = answer["largest_error"]
    return Verdict(tuple(answer["diagnosis"]), math.inf if error is None else error, answer["usable"])


def load_and_check(spec: str, seconds: float = CHECK_SECONDS) -> Homework:
    """The file loaded and checked in a child process first (whatever it does there, a kill ends it: an infinite
    loop, at import or in backward, costs nothing here), then loaded here; LoadError where it gives no Function."""
    command = [sys.executable, "-m", "logreg_tui.training.homework", spec, str(seconds)]
    try:
        child = subprocess.run(command, capture_output=True, text=True, timeout=seconds + CHILD_START_SECONDS)
        answer = json.loads(child.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        answer = {"timeout": True}
    except (ValueError, IndexError):  # it printed no answer: killed, or the interpreter itself failed
        last = (child.stderr.strip().splitlines() or ["no answer"])[-1]
        raise LoadError(f"checking {Path(spec).name} failed: {last}") from None
    if "error" in answer:
        raise LoadError(answer["error"])
    if answer.get("timeout"):
        verdict = Verdict((f"it did not return within {seconds:g} s (an infinite loop?)",), math.inf, usable=False)
        if answer.get("loaded") is False:
            raise LoadError(f"{Path(spec).name}: running the file did not end within {seconds:g} s")
        return Homework(load_function(spec), split_spec(spec)[0], verdict)  # its top level ran to the end there
    path, _ = split_spec(spec)
    return Homework(load_function(spec), path, _verdict_of(answer))


def _child(spec: str, seconds: float) -> None:
    """In the child: load and check under the time limit, print one JSON line, and leave at once (a thread still
    spinning in the person's code would hang or abort a normal exit)."""
    answer: list[dict[str, Any]] = []
    loaded = threading.Event()

    def run() -> None:
        try:
            function = load_function(spec)
            loaded.set()
            answer.append(check(function, split_spec(spec)[0]).as_json())
        except LoadError as error:
            answer.append({"error": str(error)})

    threading.Thread(target=run, daemon=True).start()
    deadline = time.monotonic() + seconds
    while not answer and time.monotonic() < deadline:
        time.sleep(0.01)
    print(json.dumps(answer[0] if answer else {"timeout": True, "loaded": loaded.is_set()}), flush=True)
    os._exit(0)


def run_function_check(spec: str, as_json: bool = False) -> int:
    """--gradcheck --function FILE: the verdict; exit 0 on PASS, 1 on FAIL, 2 when the file gives no Function."""
    try:
        homework = load_and_check(spec)
    except LoadError as error:
        print(f"logreg-tui: {error}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps({"function": homework.label, "class": homework.function.__name__}
                         | homework.verdict.as_json()))
    else:
        print(f"{homework.label} {homework.function.__name__}: {homework.verdict.line()}")
    return 0 if homework.verdict.passed else 1


if __name__ == "__main__":
    _child(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else CHECK_SECONDS)
