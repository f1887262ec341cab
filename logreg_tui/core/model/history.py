"""The loss of every epoch in bounded memory: exact recent values plus min/max/mean buckets for the whole run."""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

RECENT = 4096  # exact losses kept; a run this short is kept whole
BUCKETS = 2048  # whole-run summary; each bucket covers a power-of-two number of epochs


def _read_only(values: np.ndarray) -> np.ndarray:
    values.flags.writeable = False
    return values


@dataclass(frozen=True, eq=False)
class HistoryView:
    """A copy of the history at one moment; its arrays are read-only and shared with no one."""

    count: int  # epochs recorded
    recent: np.ndarray  # the last len(recent) losses, exact
    bucket_width: int  # epochs per bucket
    bucket_min: np.ndarray
    bucket_max: np.ndarray
    bucket_mean: np.ndarray

    @property
    def is_exact(self) -> bool:
        """True when `recent` holds every epoch of the run."""
        return self.recent.size == self.count

    def shifted(self, by: float) -> HistoryView:
        """Every loss minus `by` (the gap view's L − L*)."""
        return replace(self, recent=self.recent - by, bucket_min=self.bucket_min - by,
                       bucket_max=self.bucket_max - by, bucket_mean=self.bucket_mean - by)

    def series(self, since: float = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(first epoch, min, max, mean) of each stretch, at the finest resolution kept from epoch `since` on.

        Exact losses when the recent ones reach back that far, else the whole run's buckets.
        """
        first_recent = self.count - self.recent.size
        if since >= first_recent:
            epochs = np.arange(first_recent, self.count, dtype=np.float64)
            return epochs, self.recent, self.recent, self.recent
        starts = np.arange(self.bucket_min.size, dtype=np.float64) * self.bucket_width
        return starts, self.bucket_min, self.bucket_max, self.bucket_mean


class LossHistory:
    """Appends losses in epoch order; memory stays the same for a run of any length."""

    def __init__(self, recent: int = RECENT, buckets: int = BUCKETS) -> None:
        if buckets % 2:
            raise ValueError("buckets must be even: they merge in pairs")
        self._recent = np.empty(recent)  # a ring: epoch e's loss at e % recent (a view copies it fast)
        self._capacity = buckets
        self._width = 1
        self._min = np.full(buckets, np.inf)
        self._max = np.full(buckets, -np.inf)
        self._sum = np.zeros(buckets)
        self.count = 0

    def extend(self, losses: np.ndarray | list[float]) -> None:
        losses = np.asarray(losses, dtype=np.float64).ravel()
        kept = losses[-self._recent.size:]
        self._recent[(self.count + losses.size - kept.size + np.arange(kept.size)) % self._recent.size] = kept
        done = 0
        while done < losses.size:
            if self.count // self._width >= self._capacity:
                self._merge_pairs()
            room = self._capacity * self._width - self.count
            chunk = losses[done : done + room]
            index = np.arange(self.count, self.count + chunk.size) // self._width
            np.minimum.at(self._min, index, chunk)
            np.maximum.at(self._max, index, chunk)
            np.add.at(self._sum, index, chunk)
            self.count += chunk.size
            done += chunk.size

    def _merge_pairs(self) -> None:
        half = self._capacity // 2
        self._min[:half] = np.minimum(self._min[0::2], self._min[1::2])
        self._max[:half] = np.maximum(self._max[0::2], self._max[1::2])
        self._sum[:half] = self._sum[0::2] + self._sum[1::2]
        self._min[half:], self._max[half:], self._sum[half:] = np.inf, -np.inf, 0.0
        self._width *= 2

    @property
    def last(self) -> float:
        """The latest loss, NaN before the first."""
        return float(self._recent[(self.count - 1) % self._recent.size]) if self.count else float("nan")

    @property
    def nbytes(self) -> int:
        """Memory held by the history's values (for the bounded-memory test)."""
        return self._min.nbytes + self._max.nbytes + self._sum.nbytes + self._recent.nbytes

    def view(self) -> HistoryView:
        used = -(-self.count // self._width)  # buckets touched so far (ceil)
        sizes = np.minimum(self._width, self.count - np.arange(used) * self._width)
        if self.count <= self._recent.size:
            recent = self._recent[: self.count].copy()
        else:
            oldest = self.count % self._recent.size
            recent = np.concatenate([self._recent[oldest:], self._recent[:oldest]])
        return HistoryView(
            count=self.count,
            recent=_read_only(recent),
            bucket_width=self._width,
            bucket_min=_read_only(self._min[:used].copy()),
            bucket_max=_read_only(self._max[:used].copy()),
            bucket_mean=_read_only(self._sum[:used] / np.maximum(sizes, 1)),
        )


PATH_POINTS = 4096  # θ points kept of a run's path; a run this short is kept whole


@dataclass(frozen=True, eq=False)
class PathView:
    """The path of θ = (w₁ … w_d, b) at one moment: read-only copies, oldest first."""

    epoch: np.ndarray  # the epoch after which each point was reached
    theta: np.ndarray  # one row of θ per point: n × (d + 1)
    starts: np.ndarray  # True where a segment begins: the run's start, and every move by hand
    low: tuple[float, ...]  # each coordinate's smallest value of every point ever added (kept or thinned)
    high: tuple[float, ...]  # and its largest

    @property
    def w(self) -> np.ndarray:
        """The first weight's column (one feature's w)."""
        return self.theta[:, 0]

    @property
    def b(self) -> np.ndarray:
        return self.theta[:, -1]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(w min, w max, b min, b max) of every point ever added (the first weight's for more features)."""
        return self.low[0], self.high[0], self.low[-1], self.high[-1]

    @property
    def segments(self) -> list[slice]:
        """Index ranges of the path's unbroken stretches."""
        edges = list(np.flatnonzero(self.starts)) + [self.epoch.size]
        return [slice(start, end) for start, end in pairwise(edges)]


class PathHistory:
    """θ after each epoch in bounded memory: every epoch while they fit, then every 2nd, 4th …

    Points on the current stride are kept, so a long run is sampled evenly; the start of every segment
    (the run's start, a move by hand) is always kept, so segments never join across a jump. θ's length is set
    by the first start: (w, b) for one feature, (w₁ … w_d, b) for d.
    """

    def __init__(self, capacity: int = PATH_POINTS) -> None:
        self._capacity = capacity
        self._epoch = np.zeros(0, dtype=np.int64)
        self._theta = np.zeros((0, 0))
        self._starts = np.zeros(0, dtype=bool)
        self._stride = 1
        self._low = np.zeros(0)
        self._high = np.zeros(0)

    def start(self, epoch: int, *theta: float) -> None:
        """A new segment from θ (its coordinates: w, b for one feature), reached after `epoch` epochs (the run's
        start, or a move by hand)."""
        if not self._theta.shape[1]:
            self._theta = np.zeros((0, len(theta)))
            self._low, self._high = np.full(len(theta), np.inf), np.full(len(theta), -np.inf)
        row = np.array([theta], dtype=np.float64)
        self._widen_bounds(row)
        self._append(np.array([epoch]), row, starts=True)

    def extend(self, epochs: np.ndarray, *columns: np.ndarray) -> None:
        """The points reached after these epochs, continuing the current segment: θ's columns (w, b for one
        feature)."""
        epochs = np.asarray(epochs, dtype=np.int64)
        theta = np.column_stack(columns).astype(np.float64, copy=False)
        self._widen_bounds(theta)  # every point counts, kept or not
        keep = epochs % self._stride == 0
        self._append(epochs[keep], theta[keep], starts=False)

    def _widen_bounds(self, theta: np.ndarray) -> None:
        finite = np.isfinite(theta)
        if finite.all():  # the usual case, at every flush: no masking needed
            np.minimum(self._low, theta.min(axis=0), out=self._low)
            np.maximum(self._high, theta.max(axis=0), out=self._high)
            return
        seen = finite.any(axis=0)
        self._low[seen] = np.minimum(self._low[seen], np.where(finite, theta, np.inf).min(axis=0)[seen])
        self._high[seen] = np.maximum(self._high[seen], np.where(finite, theta, -np.inf).max(axis=0)[seen])

    def _append(self, epochs: np.ndarray, theta: np.ndarray, starts: bool) -> None:
        self._epoch = np.concatenate([self._epoch, epochs])
        self._theta = np.concatenate([self._theta, theta])
        self._starts = np.concatenate([self._starts, np.full(epochs.size, starts)])
        while self._epoch.size > self._capacity:
            self._thin()

    def _thin(self) -> None:
        """Every other stride's points, and every segment start; the oldest half when starts alone fill half."""
        self._stride *= 2
        keep = (self._epoch % self._stride == 0) | self._starts
        if np.count_nonzero(self._starts) > self._capacity // 2:  # thousands of moves by hand
            keep[: keep.size // 2] = False
        self._epoch, self._theta, self._starts = self._epoch[keep], self._theta[keep], self._starts[keep]
        if self._starts.size and not self._starts[0]:
            self._starts[0] = True  # what is left of a dropped segment still begins somewhere

    def view(self) -> PathView:
        return PathView(_read_only(self._epoch.copy()), _read_only(self._theta.copy()),
                        _read_only(self._starts.copy()), tuple(self._low.tolist()), tuple(self._high.tolist()))
