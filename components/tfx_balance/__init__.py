"""tfx-balance: TFX components for class-imbalanced classification data.

The package shows its architecture: a folder per component (``component.py``, ``executor.py``),
``base/`` (what every component is built from: artifact types and layout, the spec's channels
and parameters, the base executor, the pictures' output and ``show``), ``metrics/`` (TFMA
metrics and gate), ``orchestration/`` (periodic pipelines, history seeding, cross-validation,
Kubeflow, TFX executor shims) and ``core/`` (the pure logic, no TFX).

Components are imported lazily, so ``import tfx_balance.core`` stays free of TFX imports. Where
TFX is loaded (a notebook), importing tfx_balance or taking a component from it registers our
pictures with ``InteractiveContext.show`` (``tfx_balance.base.notebook``).
"""

import sys

from tfx_balance.core.common.deprecation import alias_moved_modules

__version__ = '0.3.0.dev0'

_LAZY = {
    'ClassDistributionValidator': 'tfx_balance.class_distribution_validator.component',
    'PreviousSpanStrategy': 'tfx_balance.orchestration.resolvers',
    'BalancedInputGen': 'tfx_balance.balanced_input_gen.component',
    'balanced_dataset': 'tfx_balance.core.balanced_input_gen',
    'steps_per_epoch': 'tfx_balance.core.balanced_input_gen',
    'label_names': 'tfx_balance.core.balanced_input_gen',
    'prior_correction': 'tfx_balance.core.balanced_input_gen',
    'with_prior_correction': 'tfx_balance.core.balanced_input_gen',
    'save_serving_model': 'tfx_balance.core.balanced_input_gen.serving',
    'skip_autograph_of_keras': 'tfx_balance.core.autograph',
    'CalibrationGate': 'tfx_balance.metrics',
    'StratifiedSplitter': 'tfx_balance.stratified_splitter.component',
    'SplitAssignments': 'tfx_balance.stratified_splitter.component',
    'BalancedAugmenter': 'tfx_balance.balanced_augmenter.component',
    'LeakageCheck': 'tfx_balance.leakage_check.component',
    'balanced_eval_config': 'tfx_balance.metrics',
    'label_schema': 'tfx_balance.core.class_distribution_validator',
    'label_stats_options': 'tfx_balance.core.class_distribution_validator',
    'cross_validation': 'tfx_balance.orchestration.cross_validation',
    'CrossValidationAggregate': 'tfx_balance.cross_validation_aggregate.component',
    'periodic': 'tfx_balance.orchestration.periodic',
    'seed_history': 'tfx_balance.orchestration.history_seed',
    'LookBack': 'tfx_balance.look_back.component',
    'CommitSpan': 'tfx_balance.commit_span.component',
    'SpanHistory': 'tfx_balance.base.artifacts.history',
    'ConcurrentRunError': 'tfx_balance.core.history',
    'SpanNotKeptError': 'tfx_balance.core.history',
    # Kubeflow's container imports an artifact class by its TYPE_NAME ('tfx_balance.<name>').
    'HtmlReport': 'tfx_balance.base.html_report',
    'CrossValidationResult': 'tfx_balance.cross_validation_aggregate.component',
    'show': 'tfx_balance.base.notebook',
}


# 0.2.0's names, deprecated for what replaces them: name -> what to use.
_DEPRECATED = {
    'PreviousSpanStrategy': 'tfx_balance.periodic (no Resolver; docs/continuous_training.md)'
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        if name in _DEPRECATED:
            from tfx_balance.core.common.deprecation import warn_moved

            warn_moved(f'tfx_balance.{name}', _DEPRECATED[name])
        value = getattr(importlib.import_module(_LAZY[name]), name)
        _register_pictures()
        return value
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(list(globals()) + list(_LAZY))


def _register_pictures() -> None:
    if 'tfx.types' in sys.modules:  # TFX is loaded: registering the pictures costs nothing more
        import tfx_balance.base.notebook  # noqa: F401


alias_moved_modules()
_register_pictures()
