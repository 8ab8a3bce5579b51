"""A module_file whose augment_fn fails (for the error test)."""


def augment_fn(features, rng):
    raise RuntimeError('cannot augment this one')
