"""The data: X (N × d, one column per feature; the tutorial's one feature is kept 1-D, N) and 0/1 labels, from
the tutorial's recipe or a CSV with one-line errors. NumPy only."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import count
from pathlib import Path
from typing import Any, overload

import numpy as np

from logreg_tui.core.files.csv_data import FLOAT32_MAX, CsvError, read_table
from logreg_tui.core.model.crosses import PLAIN, checked, crossed_x
from logreg_tui.core.model.datasets import SHAPES, make_points

SEED_MAX = 2**32 - 1  # numpy's RandomState takes 0 … 2³² − 1
MAX_FEATURES = 1024  # columns of X: the curvature's (d + 1)² eigenproblem stays under a second
MAX_POINTS = 100_000_000  # 400 MB per float32 array: far past what a terminal plot needs
_KEYS = count()  # each data set's own number: what "the same data" means once a ghost has let its points go
LARGE_X = 1e3  # past this |x|, lr 0.2 from w = 0 overshoots: the first step moves w·x by ~lr·x²


class DataError(ValueError):
    """A problem with the user's data, worded for one line on stderr."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """x and its 0/1 label as read-only float32 arrays, and where they came from.

    x is N for one feature (as the tutorial has it) and N × d for more; `X` is always N × d, `features` names
    the columns (the stats, the export's header).
    """

    x: np.ndarray
    y: np.ndarray
    seed: int | None  # None when loaded from a file: reseeding does not apply
    gap: float
    source: str  # "seed 42" or the CSV path, for the screen and the JSON summary
    scale: tuple[tuple[float, float], ...] | None = None  # each feature's (mean, std) taken off when standardized
    reading: str = ""  # how a CSV was read, when anything was guessed (separator, columns, labels): said once
    points: int | None = None  # how many there were, once let go (without_points); None: x and y hold them
    label_noise: float = 0.0  # the share of seeded labels flipped (the recipe's, so that a reseed repeats it)
    class_balance: float = 0.5  # the share of seeded points in class 1
    key: int = field(default_factory=lambda: next(_KEYS))
    names: tuple[str, ...] = ()  # the features' names (a CSV's columns); () names them x, or x1 … xd
    recipe: str = "tutorial"  # what a seed draws: the tutorial's 1-D data, or a shape of datasets.SHAPES
    noise: float | None = None  # a shape's spread (None: its own default; datasets.py)
    crosses: tuple[str, ...] = ()  # --features: the columns crossed from a shape's (x₁, x₂) (crosses.py), or none
    base: np.ndarray | None = None  # those (x₁, x₂) points, N × 2, when x holds crosses of them

    @property
    def d(self) -> int:
        """The number of features."""
        return 1 if self.x.ndim == 1 else int(self.x.shape[1])

    @property
    def X(self) -> np.ndarray:
        """x as N × d (a view, no copy)."""
        return self.x.reshape(self.x.shape[0], self.d)

    @property
    def in_plane(self) -> bool:
        """Whether the data view draws the (x₁, x₂) plane: two features, or crosses of a shape's two."""
        return self.d == 2 or self.base is not None

    @property
    def plane_points(self) -> np.ndarray:
        """The (x₁, x₂) points a two-feature data view draws: the shape's own where the features cross them."""
        return self.base if self.base is not None else self.X

    @property
    def features(self) -> tuple[str, ...]:
        """The features' names: given, else x for one and x1 … xd for more."""
        if self.names:
            return self.names
        return ("x",) if self.d == 1 else tuple(f"x{j + 1}" for j in range(self.d))

    @property
    def n_points(self) -> int:
        return int(self.x.shape[0]) if self.points is None else self.points

    def without_points(self) -> Dataset:
        """What a ghost keeps of its data: where it came from, its scale and how many points, not the points
        (at N 1e6 they are 8 MB, at the largest N allowed 800 MB)."""
        empty = np.empty(0, dtype=np.float32)
        return replace(self, x=np.empty((0, *self.x.shape[1:]), dtype=np.float32), y=empty, points=self.n_points,
                       key=self.key, base=None if self.base is None else np.empty((0, 2), dtype=np.float32))

    def same_data(self, other: Dataset) -> bool:
        return self.key == other.key

    @cached_property
    def largest_x(self) -> float:
        """max |x|, once per data set (the scale float32 rounding is judged at, and the scale hint's): max(x) and
        −min(x), without an |x| copy of the data (38 MB at N 1e5, d 100: it was the headless run's peak)."""
        return float(max(self.x.max(), -self.x.min()))

    def n_train(self, val_frac: float) -> int:
        """The points trained on when the last round(N·val_frac) are held out: the one rule for the split."""
        return self.n_points - round(self.n_points * val_frac)

    def check_split(self, val_frac: float) -> None:
        """DataError unless holding out the last round(N·val_frac) points leaves both classes on each side."""
        n_train = self.n_train(val_frac)
        if n_train == self.n_points:
            if val_frac > 0:  # a held-out loss of no points would read nan
                raise DataError(f"--val-frac {val_frac:g} holds out round({self.n_points}·{val_frac:g}) = 0 of the "
                                f"{self.n_points} points: hold out at least one (--val-frac ≥ "
                                f"{0.5 / self.n_points:.2g}) or none (0)")
            return
        for part, labels in (("training", self.y[:n_train]), ("validation", self.y[n_train:])):
            if not ((labels > 0.5).any() and (labels < 0.5).any()):
                raise DataError(f"--val-frac {val_frac:g}: the {part} part ({labels.size} points) "
                                "lacks one of the two classes")

    def next_seed(self) -> tuple[int, str]:
        """The seed r goes to, and a note when it wrapped around past SEED_MAX ("" otherwise)."""
        if self.seed == SEED_MAX:
            return 0, f"seed {SEED_MAX} is the last seed: r wrapped around to seed 0"
        return (0 if self.seed is None else self.seed + 1), ""

    def reseeded(self, seed: int) -> Dataset:
        """The same recipe with another seed; a file's data has no recipe to repeat."""
        if self.seed is None:
            raise DataError(f"{self.source}: data from a file (or a bundled set) cannot be reseeded")
        if self.recipe == "tutorial":
            fresh = make_tutorial_data(seed, self.n_points, self.gap, self.label_noise, self.class_balance)
        else:
            fresh = make_shape_data(self.recipe, seed, self.n_points, self.noise, self.label_noise,
                                    self.class_balance, self.crosses)
        return fresh.standardized() if self.scale else fresh

    @property
    def crossed_as(self) -> tuple[str, ...]:
        """The crosses of x₁, x₂ trained on: x1, x2 themselves when there are none."""
        return self.crosses or PLAIN

    @property
    def crossable(self) -> bool:
        """Whether x₁, x₂ can be crossed (crossed, the f key, --features): a seeded two-feature shape's data."""
        return self.seed is not None and self.recipe in SHAPES

    def crossed(self, crosses: tuple[str, ...]) -> Dataset:
        """The same shape's points and labels trained on other crosses of x₁, x₂ (crosses.py; x1, x2 themselves
        for PLAIN), standardized again if this was. DataError where there is no shape to cross: the tutorial's
        one feature, a file, a bundled set."""
        crosses = checked(crosses)
        if not self.crossable or self.seed is None:  # (crossable says the seed is there; mypy reads it here)
            raise DataError(f"{self.source}: crosses of x1, x2 need a two-feature --dataset "
                            f"({', '.join(SHAPES)})")
        fresh = make_shape_data(self.recipe, self.seed, self.n_points, self.noise, self.label_noise,
                                self.class_balance, crosses)
        return fresh.standardized() if self.scale else fresh

    def standardized(self) -> Dataset:
        """Each feature as (x − mean) / std, computed in float64. DataError for a feature whose values are all the
        same: its std is 0, and it tells the classes nothing."""
        x = self.x.astype(np.float64)
        mean, std = x.mean(axis=0), x.std(axis=0)
        constant = np.flatnonzero(np.atleast_1d(std) == 0)
        if constant.size:
            name, value = self.features[constant[0]], np.atleast_1d(mean)[constant[0]]
            way_past = "leave it out of --x-columns" if self.d > 1 else "it cannot separate the classes"
            raise DataError(f"{self.source}: --standardize: {name} is {value:g} in every row (its std is 0, so "
                            f"(x − mean) / std would divide by 0): {way_past}")
        scale = tuple(zip(np.atleast_1d(mean).tolist(), np.atleast_1d(std).tolist(), strict=True))
        return replace(self, x=frozen((x - mean) / std), scale=scale, key=next(_KEYS))

    @overload
    def original_units(self, w: float, b: float) -> tuple[float, float]: ...

    @overload
    def original_units(self, w: tuple[float, ...], b: float) -> tuple[tuple[float, ...], float]: ...

    def original_units(self, w: float | tuple[float, ...], b: float) -> tuple[Any, float]:
        """(w, b) of σ(w·x + b) on the original x: w_j/std_j and b − Σ w_j·mean_j/std_j; w a number for one
        feature, a tuple of d for any."""
        if self.scale is None:
            return w, b
        if isinstance(w, tuple):
            weights = tuple(w_j / std for w_j, (_, std) in zip(w, self.scale, strict=True))
            return weights, b - sum(w_j * mean for w_j, (mean, _) in zip(weights, self.scale, strict=True))
        ((mean, std),) = self.scale
        return w / std, b - w * mean / std

    def notes(self) -> str:
        """How a CSV was read and the scale hint, when there is anything to say about the data."""
        return " · ".join(filter(None, (self.reading, self.scale_hint())))

    def scale_hint(self) -> str | None:
        """A one-line hint when x is on a scale that the default lr cannot train, else None."""
        largest = self.largest_x
        if self.scale is None and largest > LARGE_X:
            return (f"{self.source}: |x| reaches {largest:.3g}; at this scale lr 0.2 overshoots, "
                    "try --standardize (or a much smaller --lr)")
        return None


ALIGNMENT = 64  # bytes: where torch allocates, and where MKL's matrix-vector products run at full speed


def frozen(values: np.ndarray) -> np.ndarray:
    """A contiguous float32 array that cannot be written (a Dataset's arrays), starting on a 64-byte boundary: the
    trainer shares it with torch, and at N 1e5, d 100 an epoch on numpy's usual 16-byte boundary took 1.2 times as
    long (bench/many_features.py). A copy, unless `values` already is one (a CSV's x, loaded as float32 and aligned
    by chance: the data set takes it over)."""
    values = np.asarray(values)
    if not (values.dtype == np.float32 and values.flags.c_contiguous and values.ctypes.data % ALIGNMENT == 0):
        values = _aligned_copy(values)
    values.flags.writeable = False
    return values


def _aligned_copy(values: np.ndarray) -> np.ndarray:
    """values as a new contiguous float32 array whose first byte is on an ALIGNMENT boundary."""
    size = max(values.size, 1) * 4
    buffer = np.empty(size + ALIGNMENT, dtype=np.uint8)
    start = -buffer.ctypes.data % ALIGNMENT
    aligned = buffer[start:start + size].view(np.float32)[: values.size].reshape(values.shape)
    np.copyto(aligned, values, casting="unsafe")
    return aligned


def make_tutorial_data(seed: int = 42, n_points: int = 1000, gap: float = 4.0, label_noise: float = 0.0,
                       class_balance: float = 0.5) -> Dataset:
    """The tutorial's recipe, drawn from its own generator (never the global RNG).

    RandomState(seed) yields the same stream as the tutorial's np.random.seed(seed). `class_balance`: the share of
    points in class 1 (shifted by `gap`; 0.5 is the tutorial's half, N // 2); `label_noise`: the share of labels
    then flipped, drawn after the tutorial's draws from the same stream (so 0 leaves its data as it was).
    """
    rng = np.random.RandomState(seed)
    ones = n_points // 2 if class_balance == 0.5 else min(max(int(n_points * class_balance), 1), n_points - 1)
    x = rng.randn(n_points)
    x[:ones] = x[:ones] + gap
    y = np.zeros(n_points)
    y[:ones] = 1.0
    if (largest := float(np.abs(x).max())) > FLOAT32_MAX:
        raise DataError(f"--gap {gap:g}: x reaches {largest:.3g}, past float32's {FLOAT32_MAX:.3g}")
    ids = np.arange(n_points)
    rng.shuffle(ids)
    y = y[ids]
    if label_noise:
        flipped = rng.choice(n_points, round(n_points * label_noise), replace=False)
        y[flipped] = 1.0 - y[flipped]
    return Dataset(frozen(x[ids]), frozen(y), seed, gap, f"seed {seed}", label_noise=label_noise,
                   class_balance=class_balance)


def make_shape_data(shape: str, seed: int = 42, n_points: int = 1000, noise: float | None = None,
                    label_noise: float = 0.0, class_balance: float = 0.5, features: tuple[str, ...] = ()) -> Dataset:
    """Two features in one of datasets.SHAPES (gauss, circle, xor, spiral, moons), from a seed; `features`
    crosses them (x1,x2,x1^2 …: crosses.py), the points kept for the plane."""
    X, y = make_points(shape, seed, n_points, noise, label_noise, class_balance)
    dataset = Dataset(frozen(X), frozen(y), seed, math.nan, f"{shape}, seed {seed}", label_noise=label_noise,
                      class_balance=class_balance, recipe=shape, noise=noise)
    if not features or features == PLAIN:
        return dataset
    return replace(dataset, x=frozen(crossed_x(dataset.x, features)), names=features, crosses=features,
                   base=dataset.x)


def load_csv(path: str | Path, x_column: str | None = None, label_column: str | None = None,
             positive: str | None = None) -> Dataset:
    """x (one column, or several: `x_column` "A,B" or "all") and a label from a CSV file as people have them
    (csv_data.read_table); DataError says what is wrong."""
    try:
        table = read_table(path, x_column, label_column, positive, MAX_POINTS)
    except CsvError as error:
        raise DataError(str(error)) from None
    return Dataset(frozen(table.x), frozen(table.y), None, math.nan, str(path),
                   reading="" if table.plain else f"{Path(path).name}: {table.reading}",
                   names=table.names if table.x.ndim > 1 else ())
