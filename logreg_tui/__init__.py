"""logreg-tui: train a 1-D logistic regression live in the terminal, and steer it."""

__version__ = "0.1.0"
