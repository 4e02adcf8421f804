"""Shared test set-up: reproducible hypothesis runs and torch in float64 where gradients are checked."""

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")
settings.register_profile("lessons", derandomize=True, deadline=None, max_examples=150, print_blob=True)
settings.load_profile("lessons")
