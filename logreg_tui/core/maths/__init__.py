"""The maths, in float64 NumPy: the objective (loss, gradient, Hessian, penalties), its minimum, its curvature and
the evaluation of a classifier's scores."""
