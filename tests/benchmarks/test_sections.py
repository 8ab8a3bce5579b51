"""One measurement, one name: its folder, its --sections key and its RESULTS.md heading."""

import os

from benchmarks import sections
from benchmarks.common import ROOT


def test_a_section_is_named_by_its_folder_and_headed_by_that_name():
    folders = {
        name
        for name in os.listdir(os.path.join(ROOT, 'benchmarks'))
        if os.path.isfile(os.path.join(ROOT, 'benchmarks', name, '__init__.py'))
    }
    assert folders - {'common', 'harness'} == set(sections.SECTIONS)
    for number, (name, section) in enumerate(sections.SECTIONS.items(), 1):
        assert section.__name__ == f'benchmarks.{name}'
        assert sections.heading(name) == f'## {number}. {name}: {section.TITLE}'
    assert sections.heading('smote_speed') == (
        "## 8. smote_speed: 'smote' vs the I/O floor, and imbalanced-learn's SMOTE time and memory"
    )


def test_every_section_has_the_whole_interface_and_its_own_results_keys():
    keys = []
    for name, section in sections.SECTIONS.items():
        for attribute in ('TITLE', 'KEYS', 'FULL_ONLY', 'DEFAULT', 'FULL', 'SMOKE'):
            assert hasattr(section, attribute), (name, attribute)
        assert callable(section.run) and callable(section.render) and callable(section.goals)
        assert set(section.FULL) | set(section.SMOKE) <= set(section.DEFAULT), name
        keys += section.KEYS
    assert len(keys) == len(set(keys))  # a results key is filled by one section
    assert sections.SECTIONS['dataset'].KEYS == ('dataset', 'training', 'multilabel_input')


def test_a_parameter_belongs_to_one_section_and_modes_change_only_theirs():
    owners = {}
    for name, section in sections.SECTIONS.items():
        for parameter in section.DEFAULT:
            assert parameter not in owners, (parameter, owners.get(parameter), name)
            owners[parameter] = name
    default, full, smoke = (sections.parameters(m) for m in ('default', 'full', 'smoke'))
    assert list(default) == list(owners)
    assert default['sizes'] == [100_000, 1_000_000] and smoke['sizes'] == [1_000]
    assert full['scaling_sizes'] == [100_000, 300_000, 1_000_000]
    assert smoke['scaling_sizes'] == [500, 1_000] and smoke['large_repeats'] == 1  # not full's 3
    assert default['calibration_runs'] == [] and default['demo_run'] is None


def test_the_default_run_leaves_out_the_full_only_sections():
    assert sections.default_sections(full=False) == [
        'splitter',
        'augmenter',
        'dataset',
        'classes',
        'demo',
        'multilabel',
        'smote_quality',
        'smote_speed',
        'spans',
        'window',
        'pictures',
    ]
    assert sections.default_sections(full=True) == list(sections.SECTIONS)
