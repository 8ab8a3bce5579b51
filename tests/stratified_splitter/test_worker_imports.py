"""A multi-processing worker runs StratifiedSplitter's job without importing TFX.

Each ``--direct_running_mode=multi_processing`` worker is a fresh process that imports what the
pickled functions of the job need. Functions defined in modules that import TFX (the executor,
``tfx_balance.base.artifacts``) made every worker import TFX, TFX-BSL and TFDV (about 7 s of the
~30 s a worker spends importing on the 2-core machine) before its first bundle. TensorFlow is
imported on purpose: the tf.data reader and the batched label decoding run per element.
"""

import json

from tests.support.examples import example
from tests.support.worker_imports import (
    TFX_FAMILY,
    job_modules,
    package_modules_outside_core,
    top_level,
)
from tfx_balance.core.common import keys


def test_the_worker_imports_core_and_tensorflow_but_no_tfx(tmp_path):
    from tfx_balance.stratified_splitter.executor import Executor

    records = [example(label=i % 3, x=float(i)) for i in range(30)]
    modules = job_modules(
        Executor,
        tmp_path,
        records,
        {
            keys.LABEL_FEATURE_KEY: 'label',
            keys.SPLITS_KEY: json.dumps([['train', 8], ['eval', 1], ['test', 1]]),
            keys.SEED_KEY: 0,
        },
    )
    assert top_level(modules) & (TFX_FAMILY | {'tfx_bsl'}) == set()
    assert package_modules_outside_core(modules) == set()
    assert 'tfx_balance.core.split.stratified' in modules  # the job's own functions
    assert 'tensorflow' in top_level(modules)  # the reader: once per worker process
