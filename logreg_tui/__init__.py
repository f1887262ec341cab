"""logreg-tui: train a logistic regression live in the terminal, and steer it."""

__version__ = "0.1.0"
