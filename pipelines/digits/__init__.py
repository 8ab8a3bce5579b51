"""An imbalanced image dataset built from scikit-learn's ``load_digits`` (see ``dataset``)."""

from pipelines.digits.dataset import write_imbalanced_digits  # noqa: F401
