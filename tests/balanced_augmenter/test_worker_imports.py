"""A multi-processing worker runs BalancedAugmenter's job without importing TFX: the plan
document and its keying are core functions, not the executor's lambdas; see
tests/stratified_splitter/test_worker_imports.py."""

from tests.support.examples import example
from tests.support.worker_imports import (
    TFX_FAMILY,
    job_modules,
    package_modules_outside_core,
    top_level,
)


def test_the_worker_imports_core_but_no_tfx(tmp_path):
    from tfx import types
    from tfx.types import standard_artifacts

    from tfx_balance import BalancedAugmenter
    from tfx_balance.balanced_augmenter.executor import Executor

    records = [example(label=int(i % 3 == 0), x=float(i)) for i in range(30)]
    component = BalancedAugmenter(
        examples=types.Channel(type=standard_artifacts.Examples),
        label_feature='label',
        splits=['train'],
        augmentation='numeric',
    )
    modules = job_modules(
        Executor,
        tmp_path,
        records,
        dict(component.exec_properties),
    )
    assert top_level(modules) & (TFX_FAMILY | {'tfx_bsl'}) == set()
    assert package_modules_outside_core(modules) == set()
    assert 'tfx_balance.core.balanced_augmenter.transform' in modules  # the job's own functions
