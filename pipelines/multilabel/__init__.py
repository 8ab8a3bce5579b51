"""A long-tailed multi-label dataset built from scikit-learn's ``load_digits`` (see ``dataset``)."""
