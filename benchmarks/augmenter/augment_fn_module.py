"""The ``module_file`` of the augmenter benchmark: a user ``augment_fn`` adding Gaussian noise
(sd 0.1) to every float feature, as a user would write it (numpy, per example)."""

import numpy as np


def augment_fn(features, rng):
    return {
        name: values + rng.normal(0.0, 0.1, values.shape).astype(np.float32)
        if values.dtype == np.float32
        else values
        for name, values in features.items()
    }
