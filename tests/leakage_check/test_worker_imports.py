"""A multi-processing worker runs LeakageCheck's job without importing TFX: every function the
job sends to workers (reading, keying, bucket counts, the report, the JSON writer) is in
``core/``, so a worker imports Beam, TensorFlow (the reader and the key decoding) and numpy."""

from tests.support.examples import example, make_examples_artifact
from tests.support.worker_imports import (
    TFX_FAMILY,
    package_modules_outside_core,
    top_level,
    worker_modules,
)
from tfx_balance.core.common import keys
from tfx_balance.core.leakage_check import LeakageConfig


def test_the_worker_imports_core_and_tensorflow_but_no_tfx(tmp_path):
    from tfx.types import standard_artifacts

    from tfx_balance.leakage_check.executor import Executor

    records = [example(label=i % 3, x=float(i)) for i in range(30)]
    examples = make_examples_artifact(
        str(tmp_path / 'in'), {'train': records[:20], 'eval': records[20:]}
    )
    output = standard_artifacts.ExampleAnomalies()
    output.uri = str(tmp_path / 'out')
    modules = worker_modules(
        Executor,
        {keys.INPUT_EXAMPLES_KEY: [examples]},
        {keys.ANOMALIES_KEY: [output]},
        LeakageConfig().validate().to_exec_properties(),
    )
    assert top_level(modules) & (TFX_FAMILY | {'tfx_bsl'}) == set()
    assert package_modules_outside_core(modules) == set()
    assert 'tfx_balance.core.leakage_check.check' in modules  # the job's own functions
    assert 'tensorflow' in top_level(modules)
