"""StratifiedSplitter under LocalDagRunner on the taxi CSV: exact counts, partition, seeds,
and the same membership in-process and with the multi-processing DirectRunner."""

import collections
import os

import pytest

from tests.support import taxi

pytestmark = pytest.mark.e2e

SPLITS = taxi.SPLITS
EXPECTED = taxi.EXPECTED_SPLIT_COUNTS


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tfx import v1 as tfx

    from pipelines.taxi.pipeline import DATA_DIR
    from tests.support.local_dag import run_local
    from tfx_balance import StratifiedSplitter

    example_gen = tfx.components.CsvExampleGen(input_base=DATA_DIR)

    def splitter(component_id, seed, **kwargs):
        return StratifiedSplitter(
            examples=example_gen.outputs['examples'],
            label_feature='payment_type',
            splits={'train': 8, 'eval': 1, 'test': 1},
            seed=seed,
            **kwargs,
        ).with_id(component_id)

    multi = splitter('seed0_multiprocessing', 0).with_beam_pipeline_args(
        ['--direct_running_mode=multi_processing', '--direct_num_workers=2']
    )
    components = [
        example_gen,
        splitter('seed0', 0),
        splitter('seed0_again', 0),
        splitter('seed1', 1),
        multi,
        splitter('by_company', 0, stratify_features=['company']),
    ]
    root = str(tmp_path_factory.mktemp('splitter_e2e'))
    return run_local('splitter-e2e', root, components).pipeline_root


def _splits(root, component_id):
    from tests.support.artifacts import latest_artifact_dir, read_split

    out = latest_artifact_dir(root, component_id)
    return out, {s: read_split(out, s) for s in SPLITS}


def test_counts_follow_the_rule_exactly(run):
    from tests.support.artifacts import label_counts, read_json

    out, splits = _splits(run, 'seed0')
    measured = {s: label_counts(records, 'payment_type') for s, records in splits.items()}
    for cls, per_split in EXPECTED.items():
        for s, n in per_split.items():
            assert measured[s].get(cls, 0) == n, (cls, s)
    assert read_json(os.path.join(out, 'split_counts.json')) == EXPECTED


def test_output_artifact_follows_tfx_conventions(run):
    from tfx.orchestration import metadata
    from tfx.types import artifact_utils

    out, _ = _splits(run, 'seed0')
    assert sorted(os.listdir(out)) == [
        'Split-eval',
        'Split-test',
        'Split-train',
        'split_counts.json',
    ]
    assert all(
        f.endswith('.gz') for s in SPLITS for f in os.listdir(os.path.join(out, f'Split-{s}'))
    )
    config = metadata.sqlite_metadata_connection_config(
        os.path.join(os.path.dirname(run), 'metadata.db')
    )
    with metadata.Metadata(config) as m:
        arts = [a for a in m.store.get_artifacts() if a.uri == out]
    assert len(arts) == 1
    props = arts[0].properties
    assert artifact_utils.decode_split_names(props['split_names'].string_value) == SPLITS
    assert arts[0].custom_properties['payload_format'].string_value == 'FORMAT_TF_EXAMPLE'


def test_partition_no_example_lost_or_duplicated(run):
    from tests.support.artifacts import latest_artifact_dir, read_split

    source = latest_artifact_dir(run, 'CsvExampleGen')
    inputs = collections.Counter(read_split(source, 'train') + read_split(source, 'eval'))
    _, splits = _splits(run, 'seed0')
    outputs = collections.Counter(r for records in splits.values() for r in records)
    assert sum(inputs.values()) == 15002
    assert outputs == inputs


def test_same_seed_same_membership_other_seed_other_membership(run):
    _, a = _splits(run, 'seed0')
    _, again = _splits(run, 'seed0_again')
    _, other = _splits(run, 'seed1')
    for s in SPLITS:
        assert collections.Counter(a[s]) == collections.Counter(again[s])
        assert len(other[s]) == len(a[s])
    assert collections.Counter(a['eval']) != collections.Counter(other['eval'])


def test_multiprocessing_runner_gives_the_same_membership(run):
    _, a = _splits(run, 'seed0')
    _, multi = _splits(run, 'seed0_multiprocessing')
    for s in SPLITS:
        assert collections.Counter(a[s]) == collections.Counter(multi[s])


def test_stratify_features_keep_each_company_x_class_stratum_within_1_of_its_share(run):
    """Issue 90 through TFX: the argument reaches the executor, the class and split counts are
    the rule's as without it, every company x payment_type stratum is within 1 of its share, and
    the report says so."""
    from tests.support.artifacts import read_json

    out, splits = _splits(run, 'by_company')
    report = read_json(os.path.join(out, 'split_counts.json'))
    assert report['counts'] == EXPECTED  # classes and splits: the rule's, as without strata
    strata = report['strata']
    assert strata['features'] == ['company']
    found = collections.Counter()
    for s, records in splits.items():
        for record in records:
            example = _example(record)
            company = example.features.feature['company'].bytes_list.value
            label = example.features.feature['payment_type'].bytes_list.value[0].decode()
            found[label, company[0].decode() if company else None, s] += 1
    rows = {(row['class'], row['values'][0]): row['counts'] for row in strata['strata']}
    assert {(c, v, s): n for (c, v), row in rows.items() for s, n in row.items() if n} == dict(
        found
    )
    weights = {'train': 0.8, 'eval': 0.1, 'test': 0.1}

    def within(row):
        n = sum(row.values())
        return all(abs(count - n * weights[s]) < 1 for s, count in row.items())

    # Presence moves Pcard (3 trips, all without a company: 1/1/1 for 2.4/0.3/0.3) and Dispute
    # (4: 2/1/1) off their shares, as without strata; their strata follow those counts.
    moved = {c for c, row in EXPECTED.items() if not within(row)}
    assert moved == {'Pcard', 'Dispute'}
    assert all(within(row) for (c, _), row in rows.items() if c not in moved)
    assert rows['Pcard', None] == EXPECTED['Pcard']
    assert strata['largest_deviation']['stratum']['class'] in moved
    assert len(strata['values']['company']) > 10  # the taxi CSV's companies, and the missing one


def _example(record):
    from tensorflow.core.example import example_pb2

    return example_pb2.Example.FromString(record)
