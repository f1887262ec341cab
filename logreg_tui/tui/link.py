"""The app's link to an engine that may not exist yet (torch loads in the worker): keys pressed meanwhile queue
up and apply first, at epoch 0, once it does; until then the link shows what is known before training."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message

from logreg_tui.core.model.data import Dataset
from logreg_tui.core.model.state import Snapshot, TrainConfig
from logreg_tui.core.words.homework import split_spec

if TYPE_CHECKING:  # the app reaches training only through this link, and only once torch is loaded
    from logreg_tui.training.engine import Engine

Command = Callable[["Engine"], object]


class EngineAnswered(Message):
    """The engine has published the answer to a command (posted from its thread)."""


class EngineLink:
    """Sends commands to the engine, or queues them until it is there and released; reads its latest snapshot."""

    def __init__(self, before_training: Snapshot, preset: str = "tutorial", function: str | None = None) -> None:
        self.before_training = before_training  # shown until the engine exists
        self.function = FunctionWatch(function) if function else None  # --function's file
        self.engine: Engine | None = None  # set from the worker thread once torch is imported
        self._queued: list[Command] = []  # commands from keys pressed while torch loads, in order
        self.released = False  # the engine was told to start, after the queued commands
        self.preset = preset  # the preset of the newest run asked for (the p key)

    @property
    def ready(self) -> bool:
        """The engine exists and runs the commands as they come."""
        return self.engine is not None and self.released

    @property
    def latest(self) -> Snapshot:
        return self.engine.latest if self.engine is not None else self.before_training

    def send(self, command: Command) -> int:
        """Send or queue a command; how many wait in the queue (0: sent)."""
        if self.engine is None or not self.released:
            self._queued.append(command)
            return len(self._queued)
        command(self.engine)
        return 0

    def release(self) -> bool:
        """Once the engine exists: the queued commands, then start training. True when queued commands were sent."""
        if self.engine is None or self.released:
            return False
        queued, self._queued, self.released = self._queued, [], True
        for command in queued:
            command(self.engine)
        self.engine.release()
        return bool(queued)

    def train(self, dataset: Dataset, config: TrainConfig, on_answer: Callable[[Snapshot], None],
              closing: Callable[[], bool]) -> None:
        """The worker thread's job: import torch, make the engine (held until release) and run it until closed."""
        from logreg_tui.training.engine import start_engine

        engine = start_engine(dataset, config, held=True)
        engine.on_answer = on_answer
        if self.function is not None:  # checked before the first epoch, which is then the file's
            self.function.check(engine, switch=True)
        self.engine = engine
        if not closing():
            engine.run()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()


class FunctionWatch:
    """--function's file: loaded and checked (in a child process, training/homework.py) on start and whenever its
    modification time changes; the engine is sent the Function, or why there is none."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.path = split_spec(spec)[0]
        self._seen = self._stamp()
        self.checking = False  # a check is under way (in a worker thread)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            status = os.stat(self.path)
        except OSError:
            return None
        return status.st_mtime_ns, status.st_size

    def changed(self) -> bool:
        """The file was saved since the last look (a look costs one stat)."""
        stamp = self._stamp()
        if stamp == self._seen or self.checking:
            return False
        self._seen = stamp
        return True

    def check(self, engine: Engine, switch: bool = False) -> None:
        """Load and check the file now, at the training's sizes too, then tell the engine. The process's checker
        (homework.shared_checker) imports torch once, on the first check, and forks a child per check: a save
        answers fast."""
        from logreg_tui.core.words.homework import training_sizes
        from logreg_tui.training.homework import LoadError, load_and_check

        self.checking = True
        snapshot = engine.latest
        sizes = training_sizes(snapshot.n_train, snapshot.settings.batch_points(snapshot.n_train))
        try:
            engine.use_function(load_and_check(self.spec, sizes=sizes), switch)
        except LoadError as error:
            engine.function_failed(str(error))
        finally:
            self.checking = False

    def check_in_background(self, engine: Engine) -> None:
        """check() in a daemon thread: quitting never waits for a check (one of an endless loop takes its limit)."""
        import threading

        self.checking = True
        threading.Thread(target=self.check, args=(engine,), name="function check", daemon=True).start()
