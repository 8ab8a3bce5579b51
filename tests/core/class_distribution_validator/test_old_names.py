"""The validator's modules that became one path keep their old names for one release (MOVED)."""

import importlib
import sys

import pytest

OLD_NAMES = {
    'tfx_balance.core.class_distribution.label_counts': [
        'LabelDistribution',
        'label_distribution',
        'label_schema',
        'label_stats_options',
        'schema_label_info',
        'check_label_types',
        'check_no_empty_name',
        'MAX_MOMENT_CLASSES',
    ],
    'tfx_balance.core.class_distribution.multilabel_counts': [
        'LabelPrevalence',
        'prevalence_from_statistics',
        'count_labels',
        'merge_counts',
        'to_prevalence',
        'CountLabels',
        'save_counts',
        'load_counts',
    ],
    'tfx_balance.core.class_distribution.multilabel_checks': ['run_multilabel_checks'],
}


@pytest.mark.parametrize('old', sorted(OLD_NAMES))
def test_old_module_name_warns_and_keeps_its_public_names(old):
    import tfx_balance.core.class_distribution_validator as cd

    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match='moved to'):
        module = importlib.import_module(old)
    for name in OLD_NAMES[old]:
        assert getattr(module, name) is getattr(cd, name, getattr(module, name))
        assert getattr(module, name) is not None


def test_run_multilabel_checks_is_run_checks_of_a_label_set():
    from tfx_balance.core.class_distribution_validator import (
        LabelPrevalence,
        ValidatorConfig,
        run_checks,
        run_multilabel_checks,
    )

    prevalences = {
        'train': LabelPrevalence('train', {0: 400, 1: 80}, 800, 480, 0, 'examples'),
        'eval': LabelPrevalence('eval', {0: 50, 1: 2}, 100, 52, 0, 'examples'),
    }
    config = ValidatorConfig('tags', multi_label='ids', min_prevalence=0.05).validate()
    old, new = run_multilabel_checks(prevalences, config), run_checks(prevalences, config)
    assert old.to_json() == new.to_json() and [f.kind for f in new.findings] == [
        'prevalence_distance',
        'min_prevalence',
    ]
