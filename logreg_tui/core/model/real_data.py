"""Real data that needs no network: the small classic sets scikit-learn ships inside its wheel (`pip install
"logreg-tui[datasets]"`), each as one class against the rest.

- breast-cancer: the Wisconsin diagnostic set (UCI; W. Wolberg, W. Street, O. Mangasarian), 569 tumours × 30
  measurements; y = 1 benign, 0 malignant (scikit-learn's coding).
- iris: Fisher's 150 flowers × 4 measurements; y = 1 virginica, 0 setosa or versicolor (a line nearly splits them).
- wine: 178 Italian wines × 13 chemical measurements (UCI; M. Forina et al.); y = 1 cultivar 1 (scikit-learn's
  class 0), 0 the other two.

The rows are shuffled once by a fixed permutation (scikit-learn lists iris and wine by class, so a held-out tail
would be one class); the features keep their names (the stats' weights page, the JSON). NumPy here; scikit-learn
is imported only when one of these is asked for.
"""

from __future__ import annotations

import math
import re

import numpy as np

from logreg_tui.core.model.data import DataError, Dataset, frozen

# name → (scikit-learn's loader, the class that is y = 1: None keeps the loader's 0/1 target)
REAL_SETS: dict[str, tuple[str, int | None]] = {
    "breast-cancer": ("load_breast_cancer", None),
    "iris": ("load_iris", 2),
    "wine": ("load_wine", 0),
}
SHUFFLE_SEED = 0  # the fixed order of the rows (the same in every run, replay and script)
INSTALL = "pip install 'logreg-tui[datasets]' (scikit-learn, which ships it)"


def load_real(name: str) -> Dataset:
    """The named set as a Dataset with its features' names; DataError (one line) without scikit-learn."""
    loader, positive = REAL_SETS[name]
    try:
        from sklearn import datasets
    except ImportError:
        raise DataError(f"--dataset {name} needs scikit-learn's bundled data: {INSTALL}") from None
    bunch = getattr(datasets, loader)()
    order = np.random.default_rng(SHUFFLE_SEED).permutation(len(bunch.target))
    target = np.asarray(bunch.target)[order]
    y = target if positive is None else (target == positive)
    names = tuple(re.sub(r"\s*\(.*?\)", "", str(feature)).strip().replace(" ", "_") for feature in bunch.feature_names)
    x = np.asarray(bunch.data, dtype=np.float64)[order]
    return Dataset(frozen(x), frozen(y.astype(np.float64)), None, math.nan, f"{name} (scikit-learn)", names=names,
                   recipe=name)
