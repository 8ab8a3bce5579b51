"""StratifiedSplit of label sets (Beam): membership is each label set's hash order cut at the plan,
every example in one split, the report counts what was placed, determinism, groups, errors."""

import collections

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import assert_that, equal_to

from tests.support.errors import documented_errors
from tests.support.examples import example, reordered
from tests.support.multilabel import label_matrix, per_label, records, tag_sets
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.groups import read_group_id
from tfx_balance.core.common.hashing import example_keys, seeded_hash
from tfx_balance.core.common.labels import unlabelled_keys
from tfx_balance.core.split.allocation import allocate
from tfx_balance.core.split.multilabel_plan import label_split_counts, plan_counts
from tfx_balance.core.split.placement import boundaries
from tfx_balance.core.split.report import NO_LABEL
from tfx_balance.core.split.strata import label_ranks
from tfx_balance.core.split.stratified import SplitOutputs, StratifiedSplit

SPLITS = {'train': 8, 'eval': 1, 'test': 1}
NAMES = list(SPLITS)


def run_split(source, checks=(), form='ids', batched=False, kept_into=(), **kwargs):
    kwargs = {'splits': SPLITS, 'seed': 0, **kwargs}
    with beam.Pipeline() as p:
        transform = StratifiedSplit(
            **({'batches_source': source} if batched else {'records_source': source}),
            label_feature='tags',
            multi_label=form,
            **kwargs,
        )
        out = SplitOutputs(p | transform)
        for check in checks:
            check(out)
    for into in kept_into:
        into.update(_KEPT.pop(id(into), {}))


_KEPT = {}  # results of the last pipeline, by id of the caller's dict (DirectRunner, in-process)


def _keep(value, into_id, key):
    _KEPT.setdefault(into_id, {})[key] = value


def collect(out, into):
    """Fills ``into`` with ``{split: [records]}`` and ``'report'`` once the pipeline has run
    (the DoFns are pickled, so they write to this module's ``_KEPT``, read back by ``kept``)."""
    for name, pcoll in out.records.items():
        _ = (
            pcoll
            | f'Collect[{name}]' >> beam.combiners.ToList()
            | f'Keep[{name}]' >> beam.Map(_keep, id(into), name)
        )
    _ = out.counts | 'KeepReport' >> beam.Map(_keep, id(into), 'report')


def reference(recs, form='ids', seed=0, bucket_bits=16):
    """Independent statement of the contract: per label set, hash order cut at the plan (its
    labels ordered by their units' hash buckets, of ``bucket_bits``: ``strata.label_ranks``)."""
    by_set = collections.defaultdict(list)
    for record, labels in zip(recs, tag_sets(recs, form)):
        by_set[labels].append(record)
    keys = dict(zip(recs, unlabelled_keys(recs, 'tags')))  # ranked by the inputs alone
    buckets = {  # the labels' order: their units' hash buckets, not their names (label_ranks)
        labels: np.array(
            [seeded_hash(seed, keys[r]) >> (64 - bucket_bits) for r in members], np.uint32
        )
        for labels, members in by_set.items()
    }
    strata = {s: len(rs) for s, rs in by_set.items()}
    rank = label_ranks(buckets, strata)
    plan = plan_counts(strata, list(SPLITS.values()), rank=rank)
    out = {name: [] for name in NAMES}
    for labels, members in by_set.items():
        members.sort(key=lambda r: (seeded_hash(seed, keys[r]), r))
        start = 0
        for name, end in zip(NAMES, boundaries(plan[labels])):
            out[name].extend(members[start:end])
            start = end
    return out


@pytest.fixture(scope='module')
def matrix():
    return label_matrix(3000, labels=15, seed=1)


@pytest.mark.parametrize('bucket_bits', [16, 2])
def test_membership_is_the_label_sets_hash_order_cut_at_the_plan(matrix, bucket_bits):
    # bucket_bits=2: most strata are cut inside a bucket, so examples are ranked in the shuffle.
    recs = records(matrix)
    got = {}
    run_split(
        lambda: beam.Create(recs, reshuffle=False),
        [lambda out: collect(out, got)],
        kept_into=[got],
        bucket_bits=bucket_bits,
    )
    expected = reference(recs, bucket_bits=bucket_bits)
    for name in NAMES:
        assert collections.Counter(got[name]) == collections.Counter(expected[name]), name
    assert collections.Counter(r for n in NAMES for r in got[n]) == collections.Counter(recs)


def test_report_counts_labels_no_label_and_cardinality_as_placed(matrix):
    recs = records(matrix)
    got = {}
    run_split(
        lambda: beam.Create(recs, reshuffle=False), [lambda out: collect(out, got)], kept_into=[got]
    )
    report, counted = got['report'], per_label({n: got[n] for n in NAMES})
    assert report['examples'] == {n: len(got[n]) for n in NAMES}
    none = sum(1 for s in tag_sets(recs) if not s)
    # Each split holds its exact share; the no-label examples follow the single-label rule and
    # the labelled ones fill the rest.
    assert report['examples'] == dict(zip(NAMES, allocate(len(recs), [8, 1, 1])))
    unlabelled = allocate(none, [8, 1, 1])
    for label, row in report['labels'].items():
        for name in NAMES:
            assert row[name]['count'] == counted[name][int(label)]
            assert row[name]['share'] == round(counted[name][int(label)] / len(got[name]), 6)
            assert row[name]['count'] >= 1  # every label has >= 3 examples here
    no_label = [sum(1 for s in tag_sets(got[n]) if not s) for n in NAMES]
    assert no_label == [report[NO_LABEL][n]['count'] for n in NAMES] == unlabelled
    for name in NAMES:
        mean = sum(len(s) for s in tag_sets(got[name])) / len(got[name])
        assert report['label_cardinality'][name] == round(mean, 6)


def test_same_membership_for_any_input_order_serialization_and_rerun(matrix):
    recs = records(matrix[:800])
    rng = np.random.default_rng(2)
    shuffled = [reordered(recs[i], rng) for i in rng.permutation(len(recs))]
    runs = []
    for data in (recs, shuffled, recs):
        got = {}
        run_split(
            lambda d=data: beam.Create(d), [lambda out, g=got: collect(out, g)], kept_into=[got]
        )
        runs.append({n: sorted(example_keys(got[n])) for n in NAMES})
    assert runs[0] == runs[1] == runs[2]


@pytest.mark.parametrize('form, names', [('multi_hot', False), ('ids', True)])
def test_multi_hot_and_named_labels_follow_the_same_plan(matrix, form, names):
    recs = records(matrix[:1500], form=form, names=names)
    got = {}
    run_split(
        lambda: beam.Create(recs), [lambda out: collect(out, got)], form=form, kept_into=[got]
    )
    expected = reference(recs, form)
    for name in NAMES:
        assert collections.Counter(got[name]) == collections.Counter(expected[name])
    label = 'tag0' if names else '0'  # a multi-hot label is named by its position
    assert got['report']['labels'][label]['eval']['count'] >= 1


def test_groups_never_cross_splits_and_every_label_stays_present(matrix):
    recs = records(matrix[:1200], group_size=3)
    got = {}
    run_split(
        lambda: beam.Create(recs),
        [lambda out: collect(out, got)],
        group_feature='user',
        kept_into=[got],
    )
    from tensorflow.core.example import example_pb2

    split_of = {}
    for name in NAMES:
        for record in got[name]:
            user = example_pb2.Example.FromString(record).features.feature['user']
            assert split_of.setdefault(user.bytes_list.value[0], name) == name
    assert sum(len(got[n]) for n in NAMES) == len(recs) and len(split_of) == 400
    # Groups are the units: per label, the groups carrying it per split are the plan's counts
    # for the groups' label sets (the union of their examples' labels).
    union, seed_keys = collections.defaultdict(set), {}
    for record, labels in zip(recs, tag_sets(recs)):
        example = example_pb2.Example.FromString(record)
        user, seed_key = read_group_id(example, 'user')
        union[user].update(labels)
        seed_keys[user] = min(seed_key, seed_keys.get(user, seed_key))
    strata = collections.Counter(tuple(sorted(u)) for u in union.values())
    examples = {s: 3 * m for s, m in strata.items()}  # the split sizes count examples
    buckets = collections.defaultdict(list)  # a group's hash: its least seed key's
    for user, labels in union.items():
        buckets[tuple(sorted(labels))].append(seeded_hash(0, seed_keys[user]) >> 48)
    rank = label_ranks({s: np.array(b, np.uint32) for s, b in buckets.items()}, strata)
    expected = label_split_counts(plan_counts(strata, list(SPLITS.values()), examples, rank))
    measured = collections.defaultdict(lambda: [0, 0, 0])
    for user, labels in union.items():
        for label in labels:
            measured[label][NAMES.index(split_of[user])] += 1
    assert dict(measured) == expected
    assert all(min(c) >= 1 for label, c in measured.items() if sum(c) >= 3)


def _fails(batches, message, form='ids'):
    with pytest.raises(DataError, match=message) as info:
        run_split(lambda: beam.Create(batches), form=form, batched=True)
    assert any(__import__('re').search(p, str(info.value)) for p in documented_errors())


def test_different_multi_hot_lengths_in_different_batches_are_an_error():
    _fails(
        [("split 'a'", [example(tags=[0, 1])]), ("split 'b'", [example(tags=[1, 0, 1])])],
        'vectors of different lengths: example .* has 2 values and example .* has 3',
        form='multi_hot',
    )


def test_int_and_bytes_ids_in_different_batches_are_an_error():
    _fails([[example(tags=[1, 2])], [example(tags=['b'])]], 'mixes int64 and bytes labels')


def test_no_label_in_any_example_is_an_error():
    _fails([[example(x=1.0), example(tags=[])]], 'holds no label in any of the 2 examples')


def test_report_totals_are_checked_inside_the_pipeline(matrix):
    recs = records(matrix[:300])
    unlabelled = allocate(sum(1 for s in tag_sets(recs) if not s), [8, 1, 1])
    run_split(
        lambda: beam.Create(recs),
        [
            lambda out: assert_that(
                out.counts
                | beam.Map(
                    lambda r: (
                        sum(r['examples'].values()),
                        [r[NO_LABEL][n]['count'] for n in NAMES],
                    )
                ),
                equal_to([(300, unlabelled)]),
            )
        ],
    )


def test_members_do_not_depend_on_the_labels_names_or_order(matrix):
    # Renaming the labels (a permutation of the columns) or spelling them as strings moves no
    # example: the search orders labels by their units' inputs, not by their names.
    def rows_per_split(recs):
        got = {}
        run_split(lambda: beam.Create(recs), [lambda out: collect(out, got)], kept_into=[got])
        row = {r: i for i, r in enumerate(recs)}
        return {name: sorted(row[r] for r in got[name]) for name in NAMES}

    base = rows_per_split(records(matrix[:900]))
    permuted = matrix[:900][:, np.random.default_rng(4).permutation(matrix.shape[1])]
    assert rows_per_split(records(permuted)) == base
    assert rows_per_split(records(matrix[:900], names=True)) == base
