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
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
import types
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import IO, Any, Protocol

import torch
import torch.nn.functional as F
from torch.autograd import Function

from logreg_tui.core.words.homework import LoadError, read_source, source_digest, split_spec

CHECK_SECONDS = 5.0  # the check gives up on a Function that takes longer (an infinite loop in backward)
CHILD_START_SECONDS = 60.0  # on top: the child's Python and torch starting, on a loaded machine
N = 10  # points per check: the tutorial's missing 1/N shows as a factor of 10
SEEDS = (0, 1, 2)
EDGE_LOGITS = 2001  # the |z| grid (0 … 200, steps of 0.1) on which a float32 forward's first inf is found
_modules = count()  # each load is a module of its own: a reload never sees the last one's names


@dataclass(frozen=True)
class Verdict:
    """What the check found: no diagnosis is a PASS. `usable`: it runs (a wrong gradient still trains, to see)."""

    diagnosis: tuple[str, ...] = ()  # what is wrong with the gradient (the homework): any of it is a FAIL
    largest_error: float = 0.0  # max |backward − the true gradient| over the checked points
    usable: bool = True
    warnings: tuple[str, ...] = ()  # right or wrong, what else to know: its forward in float32 at large |logit|

    @property
    def passed(self) -> bool:
        return not self.diagnosis

    def line(self) -> str:
        """PASS (largest error 1e-17) [— but …], or FAIL: … (largest error …) [; and …]."""
        if self.passed:
            return f"PASS ({self._error()})" + (f" — but {'; '.join(self.warnings)}" if self.warnings else "")
        return f"FAIL: {self.findings()}" + (f"; and {'; '.join(self.warnings)}" if self.warnings else "")

    def findings(self) -> str:
        """What is wrong, and the largest error."""
        return f"{'; '.join(self.diagnosis)} ({self._error()})"

    def _error(self) -> str:
        return f"largest error {self.largest_error:.3g}" if math.isfinite(self.largest_error) else "no gradient"

    def as_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "usable": self.usable, "diagnosis": list(self.diagnosis),
                "warnings": list(self.warnings),
                "largest_error": self.largest_error if math.isfinite(self.largest_error) else None}


@dataclass(frozen=True)
class Homework:
    """A loaded Function, where it came from, and its verdict."""

    function: type[Function]
    path: str
    verdict: Verdict
    source: str = field(default="", repr=False)  # the text that was checked and loaded (an export copies it)

    @property
    def label(self) -> str:
        return Path(self.path).name

    @property
    def digest(self) -> str:
        """sha256 of the source that was loaded: a replay uses a file only when it is the same."""
        return source_digest(self.source)

    @property
    def summary(self) -> str:
        """What a reload's event says of it: my_loss.py 3f2a9c1e PASS (the first 8 hex digits of its sha256)."""
        return f"{self.label} {self.digest[:8]} {'PASS' if self.verdict.passed else 'FAIL'}"


def load_function(spec: str, source: str | None = None) -> type[Function]:
    """The file's one Function subclass whose forward takes (ctx, logits, targets), or the one named; from
    `source` when given (the text that was checked), else from the file."""
    path, name = split_spec(spec)
    label = Path(path).name
    if source is None:
        source = read_source(path)
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
        raise LoadError(f"{where(error, path)}: running the file raised {error_words(error)}") from None
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
    """file.py:LINE of the innermost frame in the person's file, else the file's name (or "--function")."""
    if not path:
        return "--function"
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == path]
    if isinstance(error, SyntaxError) and error.filename == path:
        return f"{Path(path).name}:{error.lineno}"
    return f"{Path(path).name}:{frames[-1].lineno}" if frames else Path(path).name


def error_words(error: BaseException) -> str:
    words = str(error).strip().splitlines()
    return type(error).__name__ + (f": {words[0][:120]}" if words else "")


# -- the check


def check(function: type[Function], path: str, sizes: tuple[int, ...] = ()) -> Verdict:
    """The Function against the true gradient at several points of N = 10, then at the training's own sizes
    (`sizes`: the training set's N, a minibatch's); what it raises is part of the verdict (the checker's child
    process runs this under its time limit)."""
    try:
        verdict = _check(function, path, max(sizes, default=0))
        if not verdict.usable:
            return verdict
        failed = _at_sizes(function, path, sizes)
        if failed:
            return Verdict((*verdict.diagnosis, failed), verdict.largest_error, usable=False,
                           warnings=verdict.warnings)
        return verdict
    except BaseException as error:  # the person's code: a message, never a traceback
        if isinstance(error, KeyboardInterrupt):
            raise
        return Verdict((f"the check raised {error_words(error)} at {where(error, path)}",), math.inf, usable=False)


def _points(seed: int, n: int = N, dtype: torch.dtype = torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    logits = (3 * torch.randn(n, dtype=torch.float64, generator=generator)).to(dtype)
    targets = (torch.rand(n, generator=generator, dtype=torch.float64) > 0.5).to(dtype)
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


def _check(function: type[Function], path: str, n_train: int = 0) -> Verdict:
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
            return Verdict((_raised(error, path),), math.inf, usable=False)
        if grad.shape != logits.shape:
            return Verdict((f"wrong shape: backward gives {tuple(grad.shape)} for logits {tuple(logits.shape)}",),
                           math.inf, usable=False)
        largest = max(largest, float((grad - true_grad).abs().max()))
        if not diagnosis:
            diagnosis = _gradient_mistakes(grad.detach(), doubled.detach(), true_grad, n_train)
            if torch.isfinite(loss) and not math.isclose(float(loss), float(true_loss), rel_tol=1e-6, abs_tol=1e-9):
                diagnosis.append(f"forward gives {float(loss):.6g} where the mean loss is {float(true_loss):.6g}")
    if not diagnosis and not _gradcheck(function):
        diagnosis.append("torch.autograd.gradcheck fails")
    if largest == 0.0 and any(words.startswith(IGNORES) for words in diagnosis):
        diagnosis = [words + ZERO_ERROR if words.startswith(IGNORES) else words for words in diagnosis]
    return Verdict(tuple(diagnosis), largest, warnings=tuple(_unstable(function)))


IGNORES = "backward ignores grad_output"
ZERO_ERROR = (": its largest error is 0 because a final loss's grad_output is 1, but a scaled or combined loss "
              "(0.5·loss, loss + penalty, a sum of losses) gets a wrong gradient")


def _raised(error: BaseException, path: str, at: str = "") -> str:
    """forward/backward raised X at my_loss.py:27 (torch's own shape errors named as such, with the file's line)."""
    words = (str(error).splitlines() or [""])[0]
    line = where(error, path)
    there = f" at {line}" if line != Path(path).name else ""
    if type(error) is RuntimeError and "number of gradients" in words:  # torch's, after backward returned
        return (f"backward returns the wrong number of gradients{at}: {words[:160]} (one for the logits, None for "
                "the targets)")
    part = "backward" if _in_backward(error) or "Backward returned" in words else "forward"
    if type(error) is RuntimeError and ("shape" in words or "size" in words):  # torch's, of the output
        return f"wrong shape in {part}{there}{at}: {words[:160]}"
    if at:  # my_loss.py:27: ValueError: … in backward at N = 1000 (the check passed at N = 10)
        return f"{line}: {error_words(error)} in {part}{at}"
    return f"{part} raised {error_words(error)}{there}"


def _at_sizes(function: type[Function], path: str, sizes: tuple[int, ...]) -> str:
    """'' when the Function runs in float32 at each of the training's sizes (N, a minibatch's) and returns finite
    values of the right shape; else what went wrong, at which N."""
    for n in sorted({size for size in sizes if size > 1 and size != N}):
        at = f" at N = {n} (the check passed at N = {N})"
        logits, targets = _points(0, n, torch.float32)
        try:
            loss, grad = _call(function, logits, targets, 1.0)
        except _Wrong as wrong:
            return f"{wrong}{at}"
        except Exception as error:
            return _raised(error, path, at)
        if grad.shape != logits.shape:
            return f"wrong shape: backward gives {tuple(grad.shape)} for logits {tuple(logits.shape)}{at}"
        if not torch.isfinite(loss):
            return f"forward returns {float(loss)} at moderate logits (|z| < 15){at}"
        if not torch.isfinite(grad).all():
            return f"backward returns NaN or inf at moderate logits (|z| < 15){at}"
    return ""


def _in_backward(error: BaseException) -> bool:
    return any(frame.name == "backward" for frame in traceback.extract_tb(error.__traceback__))


def _gradient_mistakes(grad: torch.Tensor, doubled: torch.Tensor, true_grad: torch.Tensor,
                       n_train: int = 0) -> list[str]:
    """The classic mistakes, named from the ratio to the true gradient and from a call with grad_output = 2.5;
    a factor of N said for the training's own N too."""
    found = []
    if not torch.isfinite(grad).all():
        return ["backward returns NaN or inf"]
    if torch.allclose(doubled, grad, rtol=1e-9, atol=1e-12) and grad.abs().max() > 0:
        found.append(f"{IGNORES} (called with 2.5, it returned the same)")
    factor = float(torch.dot(grad, true_grad) / torch.dot(true_grad, true_grad))
    fits = float((grad - factor * true_grad).norm() / true_grad.norm()) < 1e-6
    every_n = f"{N}× at N = {N}" + (f", {n_train}× on your {n_train} training points" if n_train > N else "")
    if not fits:
        found.append(f"backward is not a multiple of the true gradient (σ(z) − y)/N: largest error "
                     f"{float((grad - true_grad).abs().max()):.3g}")
    elif math.isclose(factor, N, rel_tol=1e-6):
        found.append(f"backward is N× the true gradient ({every_n}): the mean's 1/N is missing")
    elif math.isclose(factor, -1, rel_tol=1e-6):
        found.append("backward's sign is flipped: it points uphill")
    elif math.isclose(factor, -N, rel_tol=1e-6):
        found.append(f"backward's sign is flipped and it is N× the true gradient ({every_n})")
    elif not math.isclose(factor, 1, rel_tol=1e-6):
        found.append(f"backward is off by a factor {factor:.4g}")
    return found


def _gradcheck(function: type[Function]) -> bool:
    logits, targets = _points(7)
    z = logits.clone().requires_grad_()
    return bool(torch.autograd.gradcheck(lambda v: function.apply(v, targets), (z,), raise_exception=False))


def _unstable(function: type[Function]) -> list[str]:
    """Forward and backward in float32 (as training runs) at large |logit|, both classes: where each first stops
    being finite, as a warning (a float32 question, not the gradient's)."""
    found = []
    for label, sign in ((0.0, 1.0), (1.0, -1.0)):  # each class's wrong side: σ rounds to its far end there
        edge = _first_non_finite(function, label, sign)
        if edge:
            part, z = edge
            side = f"z > {z:.3g}" if sign > 0 else f"z < −{z:.3g}"
            found.append(f"its {part} is NaN/inf at large |logit| in float32 once {side} (y = {label:g}); "
                         "softplus(z) − y·z is stable")
    return found[:1]


def _first_non_finite(function: type[Function], label: float, sign: float) -> tuple[str, float] | None:
    """('forward' or 'backward', the smallest |z| on the grid where it is not finite) for points of class `label`
    at logits of `sign`, or None where both stay finite up to |z| = 200."""
    z = sign * torch.linspace(0.0, 200.0, EDGE_LOGITS, dtype=torch.float32)
    for part in ("forward", "backward"):
        for start in range(0, EDGE_LOGITS, 100):  # a mean over all would hide which z failed: 100 a call
            chunk = z[start: start + 100]
            try:
                loss, grad = _call(function, chunk, torch.full_like(chunk, label), 1.0)
            except Exception:
                return part, float(chunk.abs().min())
            if not (torch.isfinite(loss) if part == "forward" else torch.isfinite(grad).all()):
                return part, _edge_in(function, chunk, label, part)
    return None


def _edge_in(function: type[Function], chunk: torch.Tensor, label: float, part: str) -> float:
    """The first |z| in chunk whose one-point call is not finite (its mean is the point's own value)."""
    for value in chunk:
        one = value.reshape(1)
        try:
            loss, grad = _call(function, one, torch.full_like(one, label), 1.0)
        except Exception:
            return float(value.abs())
        if not (torch.isfinite(loss) if part == "forward" else torch.isfinite(grad).all()):
            return float(value.abs())
    return float(chunk.abs().max())


def _verdict_of(answer: dict[str, Any]) -> Verdict:
    error = answer["largest_error"]
    return Verdict(tuple(answer["diagnosis"]), math.inf if error is None else error, answer["usable"],
                   tuple(answer.get("warnings", ())))


# -- the checker: a process with torch imported that forks one child per check


class Checker:
    """Checks Function files in a child process each, under a time limit. The children fork from one server
    process that imported torch once, so a check after the first answers in a fraction of a second instead of
    the seconds a new Python and torch take; each child is its own process group, killed whole on timeout.

    Thread-safe (one check at a time). The server ends when this process closes its pipe (or dies)."""

    def __init__(self) -> None:
        self._server: Server | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the server now (its torch import) so that the first check does not wait for it."""
        with self._lock:
            self._ensure()

    def _ensure(self) -> Server:
        if self._server is None or self._server.poll() is not None:
            self._server = start_server()
        return self._server

    def ask(self, request: dict[str, Any], seconds: float) -> dict[str, Any]:
        """The child's answer to one check: the verdict's JSON, {"error": …} or {"timeout": True, "loaded": …}."""
        with self._lock:
            server = self._ensure()
            assert server.stdin is not None and server.stdout is not None
            try:
                server.stdin.write(json.dumps(request) + "\n")
                server.stdin.flush()
                line = _read_line(server.stdout, seconds + CHILD_START_SECONDS)
            except OSError:
                line = ""
            if not line:  # the server died or hung: the next check starts a new one
                self._kill()
                raise LoadError(f"checking {Path(request['spec']).name} failed: the checker process ended")
            answer: dict[str, Any] = json.loads(line)
            return answer

    def _kill(self) -> None:
        """close(), and reap the server before the next check starts another."""
        server = self._server
        self.close()
        if server is not None:
            server.wait()

    def close(self) -> None:
        """End the server (and a check under way) now, without waiting for it."""
        server, self._server = self._server, None
        if server is not None:
            _kill_group(server.pid)


class Server(Protocol):
    """What a Checker needs of its server: subprocess.Popen's text pipes, pid (its own process group's), poll and
    wait."""

    stdin: IO[str] | None
    stdout: IO[str] | None
    pid: int

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


def start_server() -> Server:
    """`python -m logreg_tui.training.homework --serve`, piped, in its own session (so its process group is its pid,
    and the terminal's signals are the app's). The test suite forks the same loop from a warm process instead."""
    return subprocess.Popen([sys.executable, "-m", "logreg_tui.training.homework", "--serve"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)


def _kill_group(pid: int) -> None:
    """SIGKILL to the process group `pid` leads (a checker, or a check's child and whatever it started)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass  # already gone


_SHARED: list[Checker] = []
_SHARED_LOCK = threading.Lock()


def shared_checker() -> Checker:
    """This process's checker, started on first use and kept: the next check forks from it at once. Its server
    ends when this process does (its stdin closes)."""
    with _SHARED_LOCK:
        if not _SHARED:
            _SHARED.append(Checker())
        return _SHARED[0]


def _read_line(stream: IO[str], seconds: float) -> str:
    """A line from a pipe within `seconds`, or '' (the writer writes whole lines and flushes)."""
    ready, _, _ = select.select([stream], [], [], seconds)
    return stream.readline() if ready else ""


def load_and_check(spec: str, seconds: float = CHECK_SECONDS, sizes: tuple[int, ...] = (),
                   checker: Checker | None = None) -> Homework:
    """The file read once, checked in a child process first (whatever it does there, a kill ends it: an infinite
    loop, at import or in backward, costs nothing here), then the same text loaded here; LoadError where it gives
    no Function. `sizes`: the training's N (and a minibatch's), where it is run too; `checker`: a running one
    (the app's, for fast reloads), else this process's shared one."""
    path, _ = split_spec(spec)
    source = read_source(path)
    checker = checker or shared_checker()
    answer = checker.ask({"spec": spec, "source": source, "sizes": list(sizes), "seconds": seconds}, seconds)
    if "error" in answer:
        raise LoadError(answer["error"])
    if answer.get("timeout"):
        if not answer.get("loaded"):
            raise LoadError(f"{Path(path).name}: running the file did not end within {seconds:g} s")
        verdict = Verdict((f"it did not return within {seconds:g} s (an infinite loop?)",), math.inf, usable=False)
        return Homework(load_function(spec, source), path, verdict, source)  # its top level ran to the end there
    return Homework(load_function(spec, source), path, _verdict_of(answer), source)


def _serve() -> None:
    """The checker's server: one JSON request a line on stdin; each checked in a forked child, in its own process
    group, under the request's time limit; one JSON answer a line on stdout."""
    torch.set_num_threads(1)  # no thread pool to inherit across fork
    _warm_up()
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(_fork_and_check(request)), flush=True)


def _warm_up() -> None:
    """What every check imports and builds lazily, done once here so that each child starts with it."""
    from logreg_tui.training.functions import BCEWithLogits

    check(BCEWithLogits, "", (N + 1,))


def _fork_and_check(request: dict[str, Any]) -> dict[str, Any]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the person's code runs here only
        os.close(read_end)
        os.setpgid(0, 0)
        _child(request, os.fdopen(write_end, "w"))
    os.close(write_end)
    answer: dict[str, Any] = {"timeout": True, "loaded": False}
    deadline = time.monotonic() + float(request["seconds"])
    with os.fdopen(read_end) as answers:
        while (left := deadline - time.monotonic()) > 0:
            line = _read_line(answers, left)
            if not line:  # the pipe closed: the child ended without an answer (os._exit, a crash)
                if deadline - time.monotonic() > 0:
                    name = Path(split_spec(request["spec"])[0]).name
                    answer = {"error": f"{name}: the checking process ended without an answer "
                                       f"{'while checking' if answer.get('loaded') else 'while running the file'} "
                                       "(os._exit, a crash): the app will not load it"}
                break
            answer = json.loads(line)
            if "loaded" not in answer:
                break
            answer = {"timeout": True, "loaded": True}
    _kill_group(pid)  # on time or not: nothing the file started outlives its check
    os.waitpid(pid, 0)
    return answer


def _child(request: dict[str, Any], answers: IO[str]) -> None:
    """In the forked child: load the given source and check it; print JSON lines to `answers` (its stdout is
    /dev/null: a print in the file must not reach the protocol), then leave at once."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    spec = request["spec"]
    try:
        function = _harmless_load(spec, request["source"])
        answers.write(json.dumps({"loaded": True}) + "\n")
        answers.flush()
        answer = check(function, split_spec(spec)[0], tuple(request.get("sizes", ()))).as_json()
    except LoadError as error:
        answer = {"error": str(error)}
    except BaseException as error:  # whatever the file did, the parent gets an answer
        answer = {"error": f"{Path(spec).name}: {error_words(error)}"}
    answers.write(json.dumps(answer) + "\n")
    answers.flush()
    os._exit(0)


STARTS_PROCESSES = ("fork", "forkpty", "posix_spawn", "posix_spawnp", "system", "execv", "execve")


def _harmless_load(spec: str, source: str) -> type[Function]:
    """load_function in the checking child, watching what the file does at import: one that starts processes or
    changes modules the app has loaded would do the same in the app, which loads a file only after this: a
    LoadError says which."""
    started: list[str] = []
    saved = {name: getattr(os, name) for name in STARTS_PROCESSES if hasattr(os, name)}
    modules = dict(sys.modules)

    def refused(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            started.append(name)
            raise OSError(f"logreg-tui's check does not let a Function file call os.{name} at import")
        return call

    for name in saved:
        setattr(os, name, refused(name))
    try:
        function = load_function(spec, source)
    finally:
        for name, call in saved.items():
            setattr(os, name, call)
    label = Path(split_spec(spec)[0]).name
    if started:
        raise LoadError(f"{label} starts a process at import (os.{started[0]}): the app will not load it")
    changed = sorted(name for name, module in modules.items() if sys.modules.get(name) is not module)
    if changed:
        raise LoadError(f"{label} changes modules already loaded at import ({', '.join(changed[:3])}): the app "
                        "will not load it")
    return function


def run_function_check(spec: str, as_json: bool = False, sizes: tuple[int, ...] = ()) -> int:
    """--gradcheck --function FILE: the verdict; exit 0 when the gradient is right (warnings printed), 1 when it is
    wrong or the Function raises or returns non-finite values at the training's size, 2 when the file gives no
    Function."""
    try:
        homework = load_and_check(spec, sizes=sizes)
    except LoadError as error:
        print(f"logreg-tui: {error}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps({"function": homework.label, "class": homework.function.__name__,
                          "sha256": homework.digest} | homework.verdict.as_json()))
    else:
        print(f"{homework.label} {homework.function.__name__}: {homework.verdict.line()}")
    return 0 if homework.verdict.passed else 1


if __name__ == "__main__":
    _serve()
