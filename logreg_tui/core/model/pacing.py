"""Pace: when the UI thread may redraw, and when the engine may train its next epoch under the speed cap.

Uncapped training is Python-bound and shares the GIL with the UI thread: each millisecond drawn there is
one that training loses. No torch and no Textual here: plain clock arithmetic."""

from __future__ import annotations

from logreg_tui.core.model.state import SPEED_TOP, next_speed

PLOT_SHARE = 0.015  # of wall time that plots may take the UI thread while training runs uncapped
FLAT_OUT_PLOT_FPS = 1  # plot updates per second at most while training runs uncapped (or on a slow link)
FLAT_OUT_STATS_FPS = 5  # stats updates per second while training runs uncapped


class RedrawPacer:
    """Every frame while training is capped or paused; flat out, the stats FLAT_OUT_STATS_FPS times a second and
    the plots at most FLAT_OUT_PLOT_FPS times and PLOT_SHARE of the UI thread's time (asking for plots,
    taking the plot process's answers, or drawing them when it is not running)."""

    def __init__(self) -> None:
        self._next_stats_at = self._next_plot_at = 0.0
        self._plot_seconds_then = 0.0  # the UI thread's plot time, all told, at the last plot update
        self.shown_version = -1  # of the snapshot the stats show
        self.plotted_version = -1  # of the snapshot the plots were last asked to show

    def show_stats(self, version: int, now: float, flat_out: bool, force: bool = False) -> bool:
        """Whether the stats should show this snapshot version now (then they are taken to have shown it)."""
        if not force and (version == self.shown_version or not self.stats_due(now, flat_out)):
            return False
        self.shown_version = version
        self.stats_shown(now)
        return True

    def show_plots(self, version: int, now: float, paced: bool, force: bool = False) -> bool:
        """Whether the plots should show this snapshot version now (plots_shown follows, with what they cost)."""
        if not force and (version == self.plotted_version or not self.plots_due(now, paced)):
            return False
        self.plotted_version = version
        return True

    def stats_due(self, now: float, flat_out: bool) -> bool:
        return now >= self._next_stats_at or not flat_out

    def stats_shown(self, now: float) -> None:
        self._next_stats_at = now + 1 / FLAT_OUT_STATS_FPS

    def plots_due(self, now: float, paced: bool) -> bool:
        return now >= self._next_plot_at or not paced

    def plots_shown(self, now: float, plot_seconds: float) -> None:
        """Plots were asked for; `plot_seconds`: the UI thread's time on plots so far, all told."""
        spent, self._plot_seconds_then = plot_seconds - self._plot_seconds_then, plot_seconds
        self._next_plot_at = now + max(1 / FLAT_OUT_PLOT_FPS, spent / PLOT_SHARE)


class EpochPace:
    """The engine's speed cap: when the next epoch is due, and the epochs/s measured over the cap's own schedule."""

    def __init__(self, speed: float | None, now: float) -> None:
        self.speed = speed  # epochs per second at most; None: no cap
        self.before_max = speed or SPEED_TOP  # the cap that slowing down from max returns to
        self.due_at = now  # when the next epoch is due under the cap
        self._window = (0.0, now, 0, now)  # (epochs/s, and the time, epoch and schedule it was measured at)

    def set(self, speed: float | None, now: float, epoch: int) -> None:
        self.speed, self.due_at = speed, now
        self._window = (self._window[0], now, epoch, now)  # a new window

    def scale(self, factor: float) -> float | None:
        """The cap a step up or down the ladder goes to (state.next_speed); remembers where max returns to."""
        speed, self.before_max = next_speed(self.speed, factor, self.before_max)
        return speed

    def restart(self, now: float) -> None:
        self.due_at = now

    def wait(self, now: float) -> float:
        """Seconds until the next epoch is due; 0 without a cap."""
        return 0.0 if self.speed is None else max(0.0, self.due_at - now)

    def trained(self, now: float) -> None:
        """An epoch was trained: the next is due 1/cap later (a backlog of at most 0.1 s is caught up)."""
        if self.speed is not None:
            self.due_at = max(self.due_at + 1 / self.speed, now - 0.1)

    def rate(self, now: float, epoch: int, running: bool) -> float:
        """Epochs per second over the last half second or more of running; 0 when stopped.

        Capped, the window is at least as long as the schedule the epochs in it were due on, which
        advances 1/cap an epoch: so the figure never shows more than the cap, even after a catch-up burst.
        """
        rate, since, first, scheduled = self._window
        if not running or epoch < first:
            self._window = (0.0, now, epoch, self.due_at)
        elif now - since >= 0.5:
            window = now - since
            if self.speed is not None:
                window = max(window, self.due_at - scheduled)
            rate = (epoch - first) / window
            # the window's float arithmetic can put a capped run's figure a hair over its cap
            self._window = (min(rate, self.speed) if self.speed is not None else rate, now, epoch, self.due_at)
        return self._window[0]
