"""A multi-processing worker runs BalancedInputGen's job without importing TFX or TFX-BSL: the
splits are read with the batched tf.data reader of ``core.records`` (as the splitter does), not
TFXIO's record source; see tests/stratified_splitter/test_worker_imports.py."""

import json

from tests.support.examples import example
from tests.support.worker_imports import (
    TFX_FAMILY,
    job_modules,
    package_modules_outside_core,
    top_level,
)
from tfx_balance.core.common import keys


def test_the_worker_imports_core_but_no_tfx_nor_tfx_bsl(tmp_path):
    from tfx_balance.balanced_input_gen.executor import Executor

    records = [example(label=i % 3, x=float(i)) for i in range(30)]
    modules = job_modules(
        Executor,
        tmp_path,
        records,
        {
            keys.LABEL_FEATURE_KEY: 'label',
            keys.SPLITS_KEY: json.dumps(['train']),
            keys.SEED_KEY: 0,
            keys.EXAMPLES_PER_SHARD_KEY: 4,
        },
    )
    assert top_level(modules) & (TFX_FAMILY | {'tfx_bsl'}) == set()
    assert package_modules_outside_core(modules) == set()
    assert 'tfx_balance.core.balanced_input_gen.layout' in modules  # the job's own functions
