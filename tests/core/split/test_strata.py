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
from tfx_balance.core.split.report import NO_LABEL, format_label_set_report
from tfx_balance.core.split.strata import label_ranks
from tfx_balance.core.split.stratified import SplitOutputs, StratifiedSplit
from tfx_balance.core.split.stratify_features import FeatureValue

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


def reference(recs, form='ids', seed=0, bucket_bits=16, sites=None):
    """Independent statement of the contract: per label set, hash order cut at the plan (its
    labels ordered by their units' hash buckets, of ``bucket_bits``: ``strata.label_ranks``).
    With ``sites`` (each record's site, or None), a set's last label is its site
    (``FeatureValue``), and the key leaves the site out with the labels."""
    by_set = collections.defaultdict(list)
    for i, (record, labels) in enumerate(zip(recs, tag_sets(recs, form))):
        if sites is not None:
            site = None if sites[i] is None else b's%d' % sites[i]
            labels = (*labels, FeatureValue(0, site))
        by_set[labels].append(record)
    if sites is None:
        keys = dict(zip(recs, unlabelled_keys(recs, 'tags')))  # ranked by the inputs alone
    else:
        keys = dict(zip(recs, example_keys(recs, ignore_features=('tags', 'site'))))
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


# -- stratify_features: each example's site balanced beside its labels -------------------------

SITE_SHARES = np.array([30, 20, 14, 10, 8, 6, 4, 3, 2, 1.5, 1, 0.5])  # 12 sites, a long tail


def site_records(n=2400, form='ids', seed=3, group_size=0, site_name=lambda s: f's{s}'):
    """``(records, sites)``: multi-label examples (12 labels) of 12 sites, a site's own label
    more frequent there (site s: label s), about 3% without a site (None); with ``group_size``
    the examples of a user share their site."""
    rng = np.random.default_rng(seed)
    matrix = label_matrix(n, labels=12, seed=seed)
    units = n // group_size if group_size else n
    site = rng.choice(12, size=units, p=SITE_SHARES / SITE_SHARES.sum())
    site = np.repeat(site, group_size) if group_size else site
    matrix[np.arange(n), site] |= rng.random(n) < 0.4
    missing = np.repeat(rng.random(units) < 0.03, group_size or 1)
    recs, sites = [], []
    for i, row in enumerate(matrix):
        present = np.flatnonzero(row).tolist()
        features = {'x': float(i)}
        if form == 'multi_hot':
            features['tags'] = [int(v) for v in row]
        elif present:
            features['tags'] = present
        if group_size:
            features['user'] = f'u{i // group_size}'
        sites.append(None if missing[i] else int(site[i]))
        if not missing[i]:
            features['site'] = site_name(int(site[i]))
        recs.append(example(**features))
    return recs, sites


def split_run(recs, form='ids', **kwargs):
    got = {}
    run_split(
        lambda: beam.Create(recs, reshuffle=False),
        [lambda out: collect(out, got), lambda out: _keep_report(out, got)],
        form=form,
        kept_into=[got],
        **kwargs,
    )
    return got


def _keep_report(out, into):
    _ = out.report | 'KeepFullReport' >> beam.Map(_keep, id(into), 'full')


def deviations(got, recs, values, form='ids'):
    """``(per value, per label)``: ``{key: [examples per split]}`` and the largest
    ``|examples - share|`` of any value and of any label, in any split (read with protobuf)."""
    of = dict(zip(recs, values))
    by_value, by_label = (
        collections.defaultdict(lambda: [0] * 3),
        collections.defaultdict(lambda: [0] * 3),
    )
    for s, name in enumerate(NAMES):
        for record, labels in zip(got[name], tag_sets(got[name], form)):
            by_value[of[record]][s] += 1
            for label in labels:
                by_label[label][s] += 1
    shares = np.array(list(SPLITS.values())) / sum(SPLITS.values())

    def largest(table):
        return max(float(np.abs(np.array(row) - sum(row) * shares).max()) for row in table.values())

    return dict(by_value), largest(by_value), dict(by_label), largest(by_label)


@pytest.mark.parametrize('form', ['ids', 'multi_hot'])
def test_stratify_features_balance_each_site_beside_the_labels(form):
    recs, sites = site_records(form=form)
    plain = split_run(recs, form)
    strat = split_run(recs, form, stratify_features=['site'])
    _, plain_sites, _, plain_labels = deviations(plain, recs, sites, form)
    by_site, site_dev, by_label, label_dev = deviations(strat, recs, sites, form)
    # Each site (and the examples without one) within 1 of its share in every split, as the
    # rule keeps the labels; the label-only split leaves sites off by several examples.
    assert site_dev <= 1.0 < plain_sites
    assert label_dev <= max(plain_labels, 1.0)
    # Split sizes stay exact.
    assert [len(strat[n]) for n in NAMES] == allocate(len(recs), [8, 1, 1])
    # The report: labels are the labels (no site among them); the sites per split under
    # 'strata', in the exact form's shape, with each label x site stratum as placed.
    report = strat['full']
    assert report['labels'] == strat['report']['labels']
    assert set(report['labels']) == {str(label) for label in by_label}
    for name_ in NAMES:  # labels per example: the labels alone
        mean = sum(len(s) for s in tag_sets(strat[name_], form)) / len(strat[name_])
        assert report['label_cardinality'][name_] == round(mean, 6)
    strata = report['strata']
    name = {None: '(missing)', **{s: f's{s}' for s in range(12)}}
    assert strata['features'] == ['site']
    assert strata['values']['site'] == {
        name[v]: dict(zip(NAMES, row)) for v, row in by_site.items()
    }
    assert strata['largest_deviation']['values']['site']['deviation'] == round(site_dev, 6)
    rows = collections.Counter()
    of = dict(zip(recs, sites))
    for name_ in NAMES:
        for record, labels in zip(strat[name_], tag_sets(strat[name_], form)):
            for label in labels or (NO_LABEL,):
                rows[(str(label), name[of[record]], name_)] += 1
    assert {
        (r['class'], r['values'][0] or '(missing)', s): n
        for r in strata['strata']
        for s, n in r['counts'].items()
        if n
    } == dict(rows)
    assert 'strata' not in plain['full']
    logged = format_label_set_report(report, NAMES)
    assert f'strata: {len(strata["strata"])} (label x site (13 values))' in logged


@pytest.mark.parametrize('bucket_bits', [16, 2])
def test_with_sites_membership_is_the_label_and_site_sets_hash_order_cut_at_the_plan(bucket_bits):
    # bucket_bits=2: most strata are cut inside a bucket, ranked in the shuffle by their sets.
    recs, sites = site_records(n=1500)
    got = split_run(recs, stratify_features=['site'], bucket_bits=bucket_bits)
    expected = reference(recs, bucket_bits=bucket_bits, sites=sites)
    for name in NAMES:
        assert collections.Counter(got[name]) == collections.Counter(expected[name]), name


def test_members_and_keys_do_not_depend_on_how_the_sites_are_spelt():
    from tfx_balance.core.split.config import StratifiedSplitConfig
    from tfx_balance.core.split.units import read_unit_keys

    recs, sites = site_records(n=1200)
    renamed, _ = site_records(n=1200, site_name=lambda s: 900 - s)  # int64 ids, another order
    config = StratifiedSplitConfig('tags', multi_label='ids', stratify_features=['site'])
    config = config.validate()
    assert read_unit_keys(recs, config) == read_unit_keys(renamed, config)

    def rows_per_split(data):
        got = split_run(data, stratify_features=['site'])
        row = {r: i for i, r in enumerate(data)}
        return {name: sorted(row[r] for r in got[name]) for name in NAMES}

    assert rows_per_split(renamed) == rows_per_split(recs)


def test_groups_with_stratify_features_follow_the_plan_of_their_labels_and_sites():
    from tensorflow.core.example import example_pb2

    from tfx_balance.core.split.stratify_features import label_sort_key

    recs, sites = site_records(n=1500, group_size=3)
    got = split_run(recs, group_feature='user', stratify_features=['site'])
    split_of = {}
    for name in NAMES:
        for record in got[name]:
            user = example_pb2.Example.FromString(record).features.feature['user']
            assert split_of.setdefault(user.bytes_list.value[0], name) == name
    assert len(split_of) == 500
    # A group's stratum: its examples' labels and its site; per label and per site, the groups
    # per split are the plan's counts for those strata.
    union, seed_keys = collections.defaultdict(set), {}
    for record, labels, site in zip(recs, tag_sets(recs), sites):
        user, seed_key = read_group_id(example_pb2.Example.FromString(record), 'user')
        union[user].update(labels + (FeatureValue(0, b's%d' % site if site is not None else None),))
        seed_keys[user] = min(seed_key, seed_keys.get(user, seed_key))
    key = {u: tuple(sorted(labels, key=label_sort_key)) for u, labels in union.items()}
    strata = collections.Counter(key.values())
    buckets = collections.defaultdict(list)
    for user, stratum in key.items():
        buckets[stratum].append(seeded_hash(0, seed_keys[user]) >> 48)
    rank = label_ranks({s: np.array(b, np.uint32) for s, b in buckets.items()}, strata)
    examples = {s: 3 * m for s, m in strata.items()}
    expected = label_split_counts(plan_counts(strata, list(SPLITS.values()), examples, rank))
    measured = collections.defaultdict(lambda: [0, 0, 0])
    for user, labels in union.items():
        for label in labels:
            measured[label][NAMES.index(split_of[user])] += 1
    assert dict(measured) == expected
    # every site of at least 3 groups is in every split
    assert all(min(c) >= 1 for label, c in measured.items() if sum(c) >= 3)
    assert sum(got['full']['strata']['values']['site']['s0'].values()) == 3 * sum(
        1 for u in union if FeatureValue(0, b's0') in union[u]
    )


def test_pinned_examples_keep_their_split_and_count_toward_their_site(tmp_path):
    from tests.core.split.test_assignments import run_span, split_of, write_assignments

    recs, sites = site_records(n=600)
    args = dict(label_feature='tags', multi_label='ids', stratify_features=['site'])
    first, pairs, _ = run_span(recs[:400], key='site0', **args)
    path = write_assignments(tmp_path / 'span-0.gz', pairs)
    splits, _, report = run_span(recs[350:], [((0, 0), path)], key='site1', **args)
    before, now = split_of(first), split_of(splits)
    assert [now[r] for r in recs[350:400]] == [before[r] for r in recs[350:400]]
    # the pinned report names labels only; the sites count every example of this span
    assert set(report['pinned']['pinned']) <= set(report['labels'])
    of = dict(zip(recs, sites))
    counted = collections.Counter(
        (f's{of[r]}' if of[r] is not None else '(missing)', n) for r, n in now.items()
    )
    assert {
        (v, s): n
        for v, row in report['strata']['values']['site'].items()
        for s, n in row.items()
        if n
    } == dict(counted)


def test_a_stratify_feature_with_a_value_per_example_is_refused_by_name():
    recs = [example(tags=[i % 3], row=f'r{i}') for i in range(60)]
    with pytest.raises(DataError, match="feature 'row' has 60 values, more than the 6 examples"):
        run_split(lambda: beam.Create(recs), stratify_features=['row'])
