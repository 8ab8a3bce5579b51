"""Pure logic of tfx-balance: Beam transforms, tf.data builders and allocation math.

Nothing here imports TFX, so it can be used and tested without a TFX pipeline. Folders are named
for the component they serve (``split/`` for StratifiedSplitter, ``cross_validation/`` for folds
and CrossValidationAggregate, ``balanced_augmenter/``, ``balanced_input_gen/`` (also
``balanced_dataset``), ``class_distribution_validator/``, ``leakage_check/``); shared basics
(labels, label sets, groups, hashing, records) sit here.

Modules that moved keep working under their old names for one release, with a
``DeprecationWarning`` (:data:`MOVED`), e.g. ``tfx_balance.core.stratified_split`` is
``tfx_balance.core.split.stratified``.
"""

import importlib
import importlib.abc
import importlib.util
import sys

from tfx_balance.core.deprecation import warn_deprecated

# Old module name -> new (issue 39). Removed in the release after next.
MOVED = {
    'tfx_balance.core.folds': 'tfx_balance.core.cross_validation.folds',
    'tfx_balance.core.cross_validation_report': 'tfx_balance.core.cross_validation.report',
    'tfx_balance.core.allocation': 'tfx_balance.core.split.allocation',
    'tfx_balance.core.label_bins': 'tfx_balance.core.split.label_bins',
    'tfx_balance.core.split_config': 'tfx_balance.core.split.config',
    'tfx_balance.core.split_units': 'tfx_balance.core.split.units',
    'tfx_balance.core.split_report': 'tfx_balance.core.split.report',
    'tfx_balance.core.stratified_split': 'tfx_balance.core.split.stratified',
    'tfx_balance.core.multilabel_split': 'tfx_balance.core.split.stratified',
    'tfx_balance.core.multilabel_units': 'tfx_balance.core.split.units',
    'tfx_balance.core.multilabel_plan': 'tfx_balance.core.split.iterative',
    'tfx_balance.core.multilabel_quality': 'tfx_balance.core.split.quality',
    'tfx_balance.core.split.multilabel': 'tfx_balance.core.split.stratified',
    'tfx_balance.core.split.multilabel_units': 'tfx_balance.core.split.units',
    'tfx_balance.core.split.multilabel_plan': 'tfx_balance.core.split.iterative',
    'tfx_balance.core.split.multilabel_quality': 'tfx_balance.core.split.quality',
    'tfx_balance.core.balanced_input.multilabel_plan': 'tfx_balance.core.balanced_input_gen.plan',
    'tfx_balance.core.balanced_input.multilabel_layout': 'tfx_balance.core.balanced_input_gen.layout',
    'tfx_balance.core.balanced_input.multilabel_dataset': 'tfx_balance.core.balanced_input_gen.dataset',
    'tfx_balance.core.balanced_input.multilabel_policy': 'tfx_balance.core.balanced_input_gen.policies',
    'tfx_balance.metrics.multilabel_counts': 'tfx_balance.metrics.counts',
    'tfx_balance.core.class_distribution.label_counts': (
        'tfx_balance.core.class_distribution_validator.counts'
    ),
    'tfx_balance.core.class_distribution.multilabel_counts': 'tfx_balance.core.class_distribution_validator',
    'tfx_balance.core.class_distribution.multilabel_checks': (
        'tfx_balance.core.class_distribution_validator.checks'
    ),
    'tfx_balance.class_distribution_validator.multilabel': (
        'tfx_balance.class_distribution_validator.counts'
    ),
    'tfx_balance.core.multilabel_labels': 'tfx_balance.core.label_sets',
}

# Old package -> new (a folder renamed for its component): every module under it moved with it.
MOVED_PACKAGES = {
    'tfx_balance.core.augment': 'tfx_balance.core.balanced_augmenter',
    'tfx_balance.core.balanced_input': 'tfx_balance.core.balanced_input_gen',
    'tfx_balance.core.class_distribution': 'tfx_balance.core.class_distribution_validator',
    'tfx_balance.core.leakage': 'tfx_balance.core.leakage_check',
}


def moved_to(name: str):
    """The module an old module name now is (:data:`MOVED`, :data:`MOVED_PACKAGES`), or None."""
    if name in MOVED:
        return MOVED[name]
    for old, new in MOVED_PACKAGES.items():
        if name == old or name.startswith(old + '.'):
            renamed = new + name[len(old) :]
            return MOVED.get(renamed, renamed)
    return None


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old module name (:data:`MOVED`) as a module holding the new one's names."""

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if moved_to(name) else None

    def create_module(self, spec):
        return None  # a plain module, filled in by exec_module

    def exec_module(self, module):
        new = moved_to(module.__name__)
        warn_deprecated(
            f'{module.__name__} moved to {new}; import it from there (the old name is removed '
            'in the release after next).'
        )
        real = importlib.import_module(new)
        names = {
            k: v for k, v in vars(real).items() if not k.startswith('__') or k == '__getattr__'
        }
        module.__dict__.update(names)  # a module __getattr__ keeps its own old names working
        if hasattr(real, '__path__'):
            module.__path__ = []  # a package: its old submodule names come through here too


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModules())
