"""How good the classifier is: the confusion matrix at a threshold, precision, recall, F1, the ROC curve and its AUC.
NumPy only, float64 on the points.

A point is called positive when σ(w·x + b) > t, that is when its score z = w·x + b passes logit(t) (at t = 0.5:
z > 0, the training's own accuracy). With one feature the score is monotone in x (increasing for w > 0, decreasing
for w < 0, constant for w = 0), so the points sorted by x once per data set are sorted by score for every (w, b): a
confusion matrix is a binary search, the ROC curve is one of two fixed staircases, and the AUC one of two numbers.
No cost grows with N after that first sort. With more features the points are ranked by z itself, once per θ
(scoring): O(N·d + N log N) for each new θ, then the same questions at the same cost.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from logreg_tui.core.model.data import Dataset

THRESHOLD_MIN, THRESHOLD_MAX = 0.0, 1.0  # t lies strictly between


def logit(t: float) -> float:
    return math.log(t / (1 - t))


@dataclass(frozen=True)
class Confusion:
    """Counts at one threshold; a rate with nothing to divide is NaN (JSON null)."""

    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        """The true-positive rate."""
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def false_positive_rate(self) -> float:
        return _ratio(self.fp, self.fp + self.tn)

    @property
    def f1(self) -> float:
        """2·precision·recall/(precision + recall), as 2tp/(2tp + fp + fn): 0 where there are positives but none
        found, NaN only with no positives either way."""
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def accuracy(self) -> float:
        return _ratio(self.tp + self.tn, self.n)

    def as_json(self) -> dict[str, int]:
        return {"tp": self.tp, "fp": self.fp, "tn": self.tn, "fn": self.fn}


def _ratio(top: int, bottom: int) -> float:
    return top / bottom if bottom else math.nan


class Ranked:
    """Points sorted by x once, with what every threshold and ROC needs: O(N log N) here, O(log N) per question."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        order = np.argsort(x, kind="stable")
        self.x = np.asarray(x, dtype=np.float64)[order]
        positive = np.asarray(y)[order] > 0.5
        self.positives_below = np.concatenate([[0], np.cumsum(positive)])  # [k]: among the k smallest x
        self.n_positive, self.n = int(self.positives_below[-1]), int(self.x.size)
        self.n_negative = self.n - self.n_positive
        values, first = np.unique(self.x, return_index=True)  # groups of equal x: tied scores
        bounds = np.append(first, self.n)
        self._group_positives = np.diff(self.positives_below[bounds])
        self._group_negatives = np.diff(bounds) - self._group_positives
        self.distinct = values.size

    def confusion(self, w: float, b: float, threshold: float) -> Confusion:
        """The counts at σ(wx + b) > threshold, with z = wx + b in float64 as a direct computation has it."""
        cut = logit(threshold)
        w, b = float(w), float(b)
        if w > 0:  # positive from the first x whose score passes the cut: an upper set of the sorted x
            start = bisect_left(range(self.n), True, key=lambda k: w * self.x[k] + b > cut)
            called, positives = self.n - start, self.n_positive - int(self.positives_below[start])
        elif w < 0:  # positive up to the last x whose score passes it
            end = bisect_left(range(self.n), True, key=lambda k: w * self.x[k] + b <= cut)
            called, positives = end, int(self.positives_below[end])
        else:
            everyone = b > cut
            called, positives = (self.n, self.n_positive) if everyone else (0, 0)
        return Confusion(tp=positives, fp=called - positives, tn=self.n_negative - (called - positives),
                         fn=self.n_positive - positives)

    @cached_property
    def _auc_increasing(self) -> float:
        """For scores increasing with x: P(a positive's x > a negative's), ties half (Mann–Whitney)."""
        if not (self.n_positive and self.n_negative):
            return math.nan
        negatives_before = np.concatenate([[0], np.cumsum(self._group_negatives)[:-1]])
        wins = self._group_positives * (negatives_before + 0.5 * self._group_negatives)
        return float(wins.sum()) / (self.n_positive * self.n_negative)

    def auc(self, w: float) -> float:
        """The probability that a random positive scores above a random negative, ties counted half."""
        if not (self.n_positive and self.n_negative):
            return math.nan
        if w == 0:
            return 0.5  # every score tied
        return self._auc_increasing if w > 0 else 1 - self._auc_increasing

    def roc(self, w: float) -> tuple[np.ndarray, np.ndarray]:
        """(false-positive rates, true-positive rates) from (0, 0) to (1, 1) as the threshold falls past each
        group of tied scores: a staircase with a diagonal step over each tie."""
        if w == 0:
            return np.array([0.0, 1.0]), np.array([0.0, 1.0])
        positives, negatives = self._group_positives, self._group_negatives
        if w > 0:  # the highest scores are the largest x
            positives, negatives = positives[::-1], negatives[::-1]
        fpr = np.concatenate([[0], np.cumsum(negatives)]) / max(self.n_negative, 1)
        tpr = np.concatenate([[0], np.cumsum(positives)]) / max(self.n_positive, 1)
        return fpr, tpr


@dataclass(frozen=True)
class Evaluation:
    """The classifier at (w, b) and threshold t on one set of points."""

    threshold: float
    confusion: Confusion
    auc: float


def evaluate(ranked: Ranked, w: float, b: float, threshold: float) -> Evaluation:
    return Evaluation(threshold, ranked.confusion(w, b, threshold), ranked.auc(w))


@lru_cache(maxsize=2)  # the current data's training and held-out points: a reseed lets the old data go
def ranked_points(dataset: Dataset, start: int, stop: int) -> Ranked:
    """The points start … stop − 1 of a one-feature data set, ranked by x once."""
    return Ranked(dataset.x[start:stop], dataset.y[start:stop])


@lru_cache(maxsize=4)  # the training and held-out points at the last θ or two: a view and the stats ask alike
def _ranked_scores(dataset: Dataset, start: int, stop: int, theta: tuple[float, ...]) -> Ranked:
    """The points start … stop − 1 ranked by their score z = X·w + b in float64."""
    return Ranked(dataset.X[start:stop].astype(np.float64) @ np.array(theta[:-1]) + theta[-1], dataset.y[start:stop])


@dataclass(frozen=True)
class Scoring:
    """Points ranked so that their score is `w`·ranked.x + `b`: by x for one feature (w, b the model's), by z
    itself for more (w 1, b 0)."""

    ranked: Ranked
    w: float
    b: float


def scoring(dataset: Dataset, start: int, stop: int, w: float | tuple[float, ...], b: float) -> Scoring:
    """The points start … stop − 1 ranked for questions at θ = (w, b); w a number or the d weights."""
    weights = w if isinstance(w, tuple) else (w,)
    if dataset.d == 1:
        return Scoring(ranked_points(dataset, start, stop), float(weights[0]), float(b))
    return Scoring(_ranked_scores(dataset, start, stop, (*weights, b)), 1.0, 0.0)


def evaluations(dataset: Dataset, n_train: int, w: float | tuple[float, ...], b: float,
                threshold: float) -> tuple[Evaluation | None, Evaluation | None]:
    """(on the training points, on the held-out ones) at θ = (w, b), w a number or the d weights: None where there
    are no such points (a ghost keeps none; no split) or θ is not finite (diverged)."""
    weights = w if isinstance(w, tuple) else (w,)
    if not all(math.isfinite(value) for value in (*weights, b)) or not dataset.x.size:
        return None, None

    def evaluated(start: int, stop: int) -> Evaluation:
        scored = scoring(dataset, start, stop, w, b)
        return evaluate(scored.ranked, scored.w, scored.b, threshold)

    held = evaluated(n_train, dataset.n_points) if n_train < dataset.n_points else None
    return evaluated(0, n_train), held


EVALUATION_KEYS = ("confusion", "precision", "recall", "f1", "auc")


def evaluation_json(train: Evaluation | None, held: Evaluation | None) -> dict[str, object]:
    """--json's and the export's figures at the final w, b and threshold: confusion, precision, recall, F1, AUC,
    and their val_ twins on the held-out points (null without a split); a rate with nothing to divide is null."""
    def figures(evaluation: Evaluation | None, prefix: str) -> dict[str, object]:
        if evaluation is None:
            return {prefix + key: None for key in EVALUATION_KEYS}
        matrix = evaluation.confusion
        values = (matrix.as_json(), matrix.precision, matrix.recall, matrix.f1, evaluation.auc)
        return {prefix + key: (value if not isinstance(value, float) or math.isfinite(value) else None)
                for key, value in zip(EVALUATION_KEYS, values, strict=True)}

    return figures(train, "") | figures(held, "val_")
