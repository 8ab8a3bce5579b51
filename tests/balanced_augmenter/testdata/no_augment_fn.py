"""A module_file without augment_fn (for the error test)."""


def something_else(features, rng):
    return features
