"""Splits that never change across spans: earlier spans' assignments pin recurring units.

Real Beam (DirectRunner), real tf.Examples, assignments written to gzipped TFRecords and read
back as the component does (``ReadAssignments``).
"""

import collections
import json
import random
import re

import apache_beam as beam
import numpy as np
import pytest
from tensorflow.core.example import example_pb2

from tests.support.examples import example, write_records
from tests.support.multilabel import label_matrix, tag_sets
from tests.support.multilabel import records as multilabel_records
from tests.support.rule import assert_exact_both_ways, unit_hashes
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.groups import group_key, read_group_id
from tfx_balance.core.common.hashing import example_key, seeded_hash
from tfx_balance.core.common.records import ReadRecordBatches, fixed_batches
from tfx_balance.core.split import assignments
from tfx_balance.core.split.allocation import allocate, fresh_counts
from tfx_balance.core.split.assignments import (
    HASH,
    JOIN_BUCKETS,
    KEY,
    LEGACY,
    LatestPerBucket,
    PinUnits,
    ReadAssignments,
    check_header,
    decode_assignments,
    encode_assignments,
    header,
    keyed_by,
    latest,
    pinned_groups,
    read_previous,
    read_window,
)
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.exact import class_counts
from tfx_balance.core.split.report import format_label_set_report, format_report
from tfx_balance.core.split.stratified import (
    STRATEGIES,
    GroupBucketUnits,
    GroupUnits,
    SplitOutputs,
    StratifiedSplit,
)

SPLITS = {'train': 8, 'eval': 1, 'test': 1}
NAMES = list(SPLITS)
_COLLECTED = {}  # the in-process runner shares this module with the pipeline


def _keep(value, key):
    _COLLECTED[key] = value


def run_span(source, previous=(), key='run', **kwargs):
    """One span's split: ``({split: sorted records}, [(unit key, split)], report)``.
    ``source``: records (a list), or a callable giving a batches source; ``previous``:
    ``[(order, assignments file)]`` (read by ``ReadAssignments``, keyed by ``Unit.key``), or
    ``[(order, assignments file, keyed_by)]`` (read by ``read_previous``)."""
    kwargs.setdefault('label_feature', 'label')
    kwargs.setdefault('splits', None if 'folds' in kwargs else SPLITS)
    if callable(source):
        kwargs['batches_source'] = source
    else:
        kwargs['records_source'] = lambda: beam.Create(source, reshuffle=False)
    with beam.Pipeline() as p:
        if previous and len(previous[0]) == 3:
            before = read_previous(p, list(previous))
        else:
            before = p | ReadAssignments(list(previous)) if previous else None
        out = SplitOutputs(p | StratifiedSplit(previous=before, assignments=True, **kwargs))
        names = list(out.whole)
        for name in names:
            _ = (
                out.records[name]
                | f'All[{name}]' >> beam.combiners.ToList()
                | f'Keep[{name}]' >> beam.Map(lambda rs, n=name: _keep(sorted(rs), (key, n)))
            )
        _ = (
            out.assignments
            | 'Decode' >> beam.FlatMap(decode_assignments)
            | 'AllAssignments' >> beam.combiners.ToList()
            | 'KeepAssignments' >> beam.Map(_keep, (key, 'assignments'))
        )
        _ = out.report | 'KeepReport' >> beam.Map(_keep, (key, 'report'))
    splits = {name: _COLLECTED.pop((key, name)) for name in names}
    return splits, _COLLECTED.pop((key, 'assignments')), _COLLECTED.pop((key, 'report'))


def write_assignments(path, pairs):
    pairs = list(pairs)  # several per record, as the splitter writes them
    write_records(
        str(path), [encode_assignments(pairs[i : i + 7]) for i in range(0, len(pairs), 7)]
    )
    return str(path)


def split_of(splits):
    return {record: name for name, records in splits.items() for record in records}


def feature(record, name):
    f = example_pb2.Example.FromString(record).features.feature[name]
    return f.bytes_list.value[0].decode() if f.bytes_list.value else f.int64_list.value[0]


# --- groups recurring over spans (the case, scaled down) -------------------------------

USERS = 300  # 5% fraud users, each with a fixed label


def user_spans(spans=3, seed=0):
    """Per span, the examples of the users active that day (about 60% of them, 1-3 each).
    User 1, active every day, is 'ok' in span 0 and 'fraud' later (its class changes)."""
    rng = random.Random(seed)
    out = []
    for span in range(spans):
        records = []
        for user in range(USERS):
            if rng.random() < 0.6 or user == 1:
                label = 'fraud' if user % 20 == 0 or (user == 1 and span) else 'ok'
                for i in range(rng.randint(1, 3)):
                    records.append(example(label=label, user=f'u{user}', x=float(span * 10 + i)))
        out.append(records)
    return out


def run_spans(tmp_path, spans, pin=True, **kwargs):
    """Splits ``spans`` in order, each with the assignments of all earlier spans when ``pin``."""
    previous, results = [], []
    for i, records in enumerate(spans):
        splits, pairs, report = run_span(records, previous if pin else (), key=f's{i}', **kwargs)
        previous.append(((i, 0), write_assignments(tmp_path / f'span-{i}.gz', pairs)))
        results.append((splits, pairs, report))
    return results


def splits_per_user(results):
    seen = collections.defaultdict(set)
    for splits, _, _ in results:
        for record, name in split_of(splits).items():
            seen[feature(record, 'user')].add(name)
    return seen


def test_recurring_groups_stay_in_their_first_split_over_every_later_span(tmp_path):
    spans = user_spans()
    unpinned = splits_per_user(run_spans(tmp_path / 'a', spans, pin=False, group_feature='user'))
    results = run_spans(tmp_path / 'b', spans, group_feature='user')
    pinned = splits_per_user(results)
    # Without earlier assignments the exact cut moves some users (the 70 of 1,500).
    assert sum(len(s) > 1 for s in unpinned.values()) > 0
    assert sum(len(s) > 1 for s in pinned.values()) == 0
    assert len(pinned) == len(unpinned)
    # Span 0 is unchanged; every later span reports what was pinned, per class and split,
    # counted from this span's examples of the users seen before (user 1, now 'fraud', stays
    # in its split and counts for 'fraud').
    first_split = {}
    for i, (splits, pairs, report) in enumerate(results):
        placed = split_of(splits)
        if i == 0:
            assert 'pinned' not in report
        else:
            expected = {c: dict.fromkeys(NAMES, 0) for c in ('fraud', 'ok')}
            for record, name in placed.items():
                if feature(record, 'user') in first_split:
                    expected[feature(record, 'label')][name] += 1
            assert report['pinned']['pinned'] == expected
            for label, off in report['pinned']['deviation'].items():
                # the deviation is the plan's: counts differ from the rule (within 1 of the
                # class's share) by it, and by less than a boundary group (3 examples)
                n = sum(report['counts'][label].values())
                for name, w in SPLITS.items():
                    share = n * w / sum(SPLITS.values())
                    assert abs(report['counts'][label][name] - share - off[name]) < 3 + 1
        for record, name in placed.items():
            first_split.setdefault(feature(record, 'user'), name)
        assert len(pairs) == len({feature(r, 'user') for r in placed})  # one key per group
    assert pinned['u1'] == {first_split['u1']}  # in its span-0 split, as 'ok' and as 'fraud'


def test_pinned_split_is_the_same_for_any_input_order_and_batching(tmp_path):
    spans = user_spans(spans=2, seed=1)
    first, pairs, _ = run_span(spans[0], key='first', group_feature='user', seed=5)
    previous = [((0, 0), write_assignments(tmp_path / 'span-0.gz', pairs))]
    shuffled = list(spans[1])
    random.Random(3).shuffle(shuffled)
    files = [str(tmp_path / f'part-{i}.gz') for i in range(3)]
    for i, path in enumerate(files):
        write_records(path, shuffled[i::3])
    a = run_span(spans[1], previous, key='a', group_feature='user', seed=5)
    b = run_span(
        lambda: ReadRecordBatches(files, batch_size=7), previous, 'b', group_feature='user', seed=5
    )
    assert a[0] == b[0]
    assert sorted(a[1]) == sorted(b[1])
    assert a[2] == b[2]


def _by_record(units):
    return {(r, u.stratum, u.hash, u.pinned) for u in units for r in u.records}


@pytest.mark.parametrize('multi_label', [None, 'ids'])
def test_placement_pass_pins_each_group_as_the_join_by_key_bucket_did(
    tmp_path, monkeypatch, multi_label
):
    # The placement pass groups each record once (with the groups the plan pass found pinned);
    # the join of grouped units by key bucket (PinUnits, the plan pass's) gives the same units.
    # Two join buckets: each holds many groups. Group 7 is int64 7 and bytes b'7' in both spans
    # (one group, keyed by its id: groups.group_key); user 1 changes class.
    monkeypatch.setattr(assignments, 'JOIN_BUCKETS', 2)
    spans = user_spans(spans=2, seed=6)
    mixed = [example(label='ok', user=7, x=-1.0), example(label='ok', user='7', x=-2.0)]
    spans = [
        records + mixed + [example(label='ok', user=7, x=-3.0 - i)]
        for i, records in enumerate(spans)
    ]
    config = StratifiedSplitConfig(
        'label', splits=SPLITS, group_feature='user', seed=4, multi_label=multi_label
    ).validate()
    first, pairs, _ = run_span(spans[0], key='first', config=config)
    previous = [((0, 0), write_assignments(tmp_path / 'span-0.gz', pairs))]
    to_units = STRATEGIES[multi_label].units(config, True)
    with beam.Pipeline() as p:
        before = assignments.Previous(p | ReadAssignments(previous))

        def read(stage, records, pinned=None):
            batches = (
                p
                | f'Read{stage}' >> beam.Create(spans[1], reshuffle=False)
                | f'Batch{stage}' >> fixed_batches()
            )
            if records:
                units = batches | f'Units{stage}' >> GroupUnits(to_units, 'user', None, pinned)
            else:
                units = batches | f'Units{stage}' >> GroupBucketUnits(to_units, 'user', None)
            if pinned is None:
                units = units | f'Pin{stage}' >> PinUnits(before)
            return units | f'BatchUnits{stage}' >> fixed_batches()

        plan = read('Plan', records=False)
        pinned = plan | 'Pinned' >> beam.FlatMap(pinned_groups)
        for stage, units in (('Two', read('Two', True)), ('One', read('One', True, pinned))):
            _ = (
                units
                | f'Flat{stage}' >> beam.FlatMap(lambda batch: batch)
                | f'All{stage}' >> beam.combiners.ToList()
                | f'Keep{stage}' >> beam.Map(lambda us, s=stage: _keep(_by_record(us), s))
            )
    two, one = _COLLECTED.pop('Two'), _COLLECTED.pop('One')
    assert one == two
    assert len(one) == len(spans[1])
    placed = split_of(first)
    by_record = {r: pin for r, _, _, pin in one}
    recurring = [
        r for r in spans[1] if any(feature(r, 'user') == feature(q, 'user') for q in placed)
    ]
    assert len(recurring) > 100
    for record in recurring:  # pinned to the split of its group's examples in span 0
        user = feature(record, 'user')
        earlier = {NAMES.index(n) for q, n in placed.items() if feature(q, 'user') == user}
        assert {by_record[record]} == earlier
    assert by_record[mixed[0]] == by_record[mixed[1]] is not None


# --- duplicate examples over spans (no groups): exact counts, deviation when not possible -------


def labelled(n, label, start=0):
    """``n`` examples of ``label``, their inputs distinct from every other label's (an example's
    identity leaves its label out)."""
    offset = 10_000 * ord(label[0])
    return [example(label=label, x=float(offset + start + i)) for i in range(n)]


def test_duplicates_keep_their_split_and_every_class_keeps_the_exact_rule(tmp_path):
    span0 = labelled(270, 'a') + labelled(30, 'b')
    span0_splits, pairs, _ = run_span(span0, key='span0', seed=2)
    path = write_assignments(tmp_path / 'span-0.gz', pairs)
    rng = random.Random(0)
    again = rng.sample(span0, 60)  # late duplicates of span 0
    span1 = labelled(180, 'a', start=1000) + labelled(25, 'b', start=1000) + again
    splits, _, report = run_span(span1, [((0, 0), path)], key='span1', seed=2)
    before, now = split_of(span0_splits), split_of(splits)
    assert [now[r] for r in again] == [before[r] for r in again]  # 0 of 60 moved
    # Exact: the rule's table of the whole span (pinned + fresh), which takes the pinned units
    # where the shares allow it (here everywhere), exact both ways.
    labels = [feature(r, 'label') for r in span1]
    held = {
        label: tuple(sum(1 for r in again if feature(r, 'label') == label and before[r] == s)
                     for s in NAMES)
        for label in ('a', 'b')
    }  # fmt: skip
    totals = collections.Counter(labels)
    hashes = unit_hashes(span1, 2)
    least = {c: min(h for h, label in zip(hashes, labels) if label == c) for c in totals}
    rule = class_counts(dict(totals), least, [8, 1, 1], held)
    assert {label: list(report['counts'][label].values()) for label in ('a', 'b')} == rule
    assert_exact_both_ways(report['counts'], SPLITS)
    assert report['pinned']['exact'] is True and report['pinned']['deviation'] == {}
    assert format_report(report, NAMES).endswith(
        f"pinned by earlier spans: {len(again)} examples; every class at the rule's counts"
    )
    # The fresh examples: per class, seeded hash order cut at the fresh counts.
    for label in ('a', 'b'):
        fresh = sorted(
            (r for r in span1 if feature(r, 'label') == label and r not in set(again)),
            key=lambda r: (unit_hashes([r], 2)[0], r),
        )
        pinned = held[label]
        start = 0
        for name, count in zip(NAMES, fresh_counts(rule[label], pinned, len(fresh))):
            assert all(now[r] == name for r in fresh[start : start + count])
            start += count


def test_pinned_units_over_a_splits_count_are_reported_and_the_latest_span_wins(tmp_path):
    # Class 'b' has 5 examples (rule 3/1/1); three were put in 'eval' by span 2, after span 1
    # had put them in 'test': the latest span wins, 'eval' is 2 over and cannot give them back.
    b = labelled(5, 'b')
    span = labelled(40, 'a', start=100) + b
    keys = unit_hashes(b[:3], 0)
    older = write_assignments(tmp_path / 'span-1.gz', [(k, 2) for k in keys])
    newer = write_assignments(tmp_path / 'span-2.gz', [(k, 1) for k in keys])
    splits, pairs, report = run_span(span, [((2, 0), newer), ((1, 0), older)])
    now = split_of(splits)
    assert [now[r] for r in b[:3]] == ['eval'] * 3
    assert sorted(now[r] for r in b[3:]) == ['test', 'train']  # fresh: allocate(2, [3, 1])
    assert report['counts']['b'] == {'train': 1, 'eval': 3, 'test': 1}
    assert report['pinned'] == {
        'pinned': {'b': {'train': 0, 'eval': 3, 'test': 0}},
        'deviation': {'b': {'train': -2, 'eval': 2, 'test': 0}},
        'exact': False,
    }
    assert report['counts']['a'] == dict(zip(NAMES, allocate(40, [8, 1, 1])))
    assert format_report(report, NAMES).endswith(
        'pinned by earlier spans: 3 examples; off the rule (planned - rule): b train -2, eval +2'
    )
    assert sorted(pairs) == sorted(
        (h, NAMES.index(now[r])) for h, r in zip(unit_hashes(span, 0), span)
    )


def test_without_previous_assignments_the_split_is_unchanged():
    records = labelled(97, 'a') + labelled(13, 'b') + labelled(2, 'c')
    with_pairs, pairs, report = run_span(records, key='with', seed=4)
    with beam.Pipeline() as p:
        out = SplitOutputs(
            p
            | StratifiedSplit(
                lambda: beam.Create(records), label_feature='label', splits=SPLITS, seed=4
            )
        )
        assert out.assignments is None
        for name in NAMES:
            _ = (
                out.records[name]
                | f'All[{name}]' >> beam.combiners.ToList()
                | f'Keep[{name}]' >> beam.Map(lambda rs, n=name: _keep(sorted(rs), ('no', n)))
            )
    assert with_pairs == {name: _COLLECTED.pop(('no', name)) for name in NAMES}
    assert 'pinned' not in report and set(report) == {'a', 'b', 'c'}
    placed = split_of(with_pairs)
    assert sorted(pairs) == sorted(
        (h, NAMES.index(placed[r])) for h, r in zip(unit_hashes(records, 4), records)
    )


# --- folds, label bins, multi-label, a group whose class changes ------------------------------


def test_folds_keep_each_recurring_group_in_its_fold(tmp_path):
    results = run_spans(tmp_path, user_spans(spans=2, seed=4), group_feature='user', folds=3)
    seen = splits_per_user(results)
    assert sum(len(s) > 1 for s in seen.values()) == 0
    assert set().union(*seen.values()) == {'fold-0', 'fold-1', 'fold-2'}
    assert results[1][2]['folds'] == ['fold-0', 'fold-1', 'fold-2']
    assert set(results[1][2]['pinned']['pinned']) == {'fraud', 'ok'}


def test_label_bins_pin_by_example_and_count_the_bin_of_this_span(tmp_path):
    span0 = [example(label=i % 50, x=float(i)) for i in range(200)]
    first, pairs, _ = run_span(span0, key='b0', label_bin_edges=[10, 30])
    path = write_assignments(tmp_path / 'span-0.gz', pairs)
    span1 = [example(label=i % 50, x=float(i)) for i in range(1000, 1150)] + span0[:40]
    splits, _, report = run_span(span1, [((0, 0), path)], key='b1', label_bin_edges=[10, 30])
    before, now = split_of(first), split_of(splits)
    assert all(now[r] == before[r] for r in span0[:40])
    assert report['pinned']['exact'] is True
    sizes = collections.Counter(
        0 if v < 10 else 1 if v < 30 else 2 for v in (feature(r, 'label') for r in span1)
    )
    for b, n in sizes.items():
        assert sum(report['counts'][str(b)].values()) == n
    assert_exact_both_ways(report['counts'], SPLITS)


def test_multi_label_duplicates_keep_their_split(tmp_path):
    span0 = multilabel_records(label_matrix(300, labels=8, seed=0))
    first, pairs, _ = run_span(span0, key='m0', label_feature='tags', multi_label='ids')
    path = write_assignments(tmp_path / 'span-0.gz', pairs)
    span1 = multilabel_records(label_matrix(200, labels=8, seed=1))
    span1 = [example(tags=list(s) or [0], x=1000.0 + i) for i, s in enumerate(tag_sets(span1))]
    span1 += span0[:50]
    splits, _, report = run_span(
        span1, [((0, 0), path)], key='m1', label_feature='tags', multi_label='ids'
    )
    before, now = split_of(first), split_of(splits)
    assert [now[r] for r in span0[:50]] == [before[r] for r in span0[:50]]
    pinned = report['pinned']['pinned']
    expected = collections.Counter(
        (str(label), before[r]) for r in span0[:50] for label in tag_sets([r])[0]
    )
    assert {(label, s): n for label, row in pinned.items() for s, n in row.items() if n} == dict(
        expected
    )
    assert sum(report['examples'].values()) == len(span1)
    assert 'pinned by earlier spans: ' in format_label_set_report(report, NAMES)


def test_assignments_of_another_seed_or_splits_are_a_config_error_naming_the_span():
    config = StratifiedSplitConfig('label', seed=1, group_feature='user').validate()
    check_header(header(config), config, 'span 3')
    other = header(StratifiedSplitConfig('label', seed=2, splits={'a': 1, 'b': 1}).validate())
    with pytest.raises(ConfigError) as raised:
        check_header(other, config, 'span 3')
    message = str(raised.value)
    assert message.startswith('previous_assignments of span 3 were written by another split')
    assert (
        "seed 2 (this run: 1); group_feature None (this run: 'user'); splits ['a', 'b']" in message
    )
    assert 'leave previous_assignments unset' in message


def test_assignments_formats_3_and_2_are_written_and_the_format_1_of_0_2_0_is_still_read():
    grouped = StratifiedSplitConfig('label', seed=1, group_feature='user').validate()
    ungrouped = StratifiedSplitConfig('label', seed=1).validate()
    assert header(grouped)['format'] == 2 and header(ungrouped)['format'] == 3
    for config, by in ((grouped, HASH), (ungrouped, LEGACY)):
        old = {**header(config), 'format': 1}  # as 0.2.0 wrote it
        check_header(old, config, 'span 1')
        assert keyed_by(old) == by  # groups by their ordering hash, examples with their label
    assert keyed_by(header(grouped)) == keyed_by(header(ungrouped)) == KEY
    for found, config, differ in (
        ({**header(grouped), 'format': 3}, grouped, 'format 3 (this run: 2)'),
        ({**header(ungrouped), 'format': 2}, ungrouped, 'format 2 (this run: 3)'),
    ):
        with pytest.raises(ConfigError, match=re.escape(differ)):
            check_header(found, config, 'span 2')


def test_example_assignments_of_format_1_keyed_with_the_label_still_pin_their_examples(tmp_path):
    # 0.2.0 (and 0.3.0 before the label left the key) wrote an example's key with its label: a
    # window of such a span pins the same examples by that key (Unit.legacy), and this span's
    # own assignments are keyed without the label.
    span0 = labelled(90, 'a') + labelled(12, 'b')
    old = {r: NAMES[i % 3] for i, r in enumerate(span0)}  # any split, as an old run chose
    with_label = [(seeded_hash(5, example_key(r)), NAMES.index(old[r])) for r in span0]
    path = write_assignments(tmp_path / 'span-0.gz', with_label)
    span1 = labelled(50, 'a', start=500) + span0[:30] + span0[-6:]
    splits, pairs, report = run_span(span1, [((0, 0), path, LEGACY)], key='legacy', seed=5)
    now = split_of(splits)
    assert all(now[r] == old[r] for r in span0[:30] + span0[-6:])
    assert sum(report['pinned']['pinned']['a'].values()) == 30
    assert sorted(pairs) == sorted(
        (h, NAMES.index(now[r])) for h, r in zip(unit_hashes(span1, 5), span1)
    )


def test_read_window_checks_each_spans_header_and_the_newest_span_wins(tmp_path):
    config = StratifiedSplitConfig('label', seed=0).validate()
    spans = []
    for name, pairs in (('span 1', [(7, 2), (9, 0)]), ('span 2', [(7, 1)])):
        folder = tmp_path / name.replace(' ', '-')
        folder.mkdir()
        write_assignments(folder / 'assignments-00000-of-00001.gz', pairs)
        (folder / 'assignments.json').write_text(json.dumps(header(config)))
        spans.append((name, str(folder)))
    with beam.Pipeline() as p:
        previous = read_window(p, spans, config)  # oldest first: span 2's split of key 7 wins
        _ = (
            previous.keyed
            | beam.FlatMap(lambda item: zip(item[1][0].tolist(), item[1][1].tolist()))
            | beam.combiners.ToList()
            | beam.Map(_keep, 'window')
        )
    assert sorted(_COLLECTED.pop('window')) == [(7, 1), (9, 0)]
    assert previous.hashed is None  # no format-1 grouped span
    other = StratifiedSplitConfig('label', seed=1).validate()
    with pytest.raises(ConfigError, match='previous_assignments of span 2 were written by another'):
        read_window(beam.Pipeline(), spans[1:], other)


# --- reading a window back: the latest split per key, by bucket --------------------------------


def _window(rng, spans=3, keys=4000, per_span=2500):
    """Per span, ``per_span`` (key, split) pairs of ``keys`` keys spread over the whole 64-bit
    range (every bucket), with its extremes."""
    pool = [0, 2**64 - 1] + [rng.getrandbits(64) for _ in range(keys - 2)]
    return [[(k, rng.randrange(3)) for k in rng.sample(pool, per_span)] for _ in range(spans)]


def _plain_latest(orders, pairs):
    """The latest split per key, by the plain rule: the latest order, then the least split."""
    best = {}
    for order, span in zip(orders, pairs):
        for key, split in span:
            best[key] = max(best.get(key, (order, -split)), (order, -split))
    return {key: -value[1] for key, value in best.items()}


def test_read_assignments_keeps_the_latest_span_then_the_least_split_per_key(tmp_path):
    rng = random.Random(7)
    pairs = _window(rng)
    pairs[1] += [(k, 2) for k, _ in pairs[1][:50]]  # one span naming a key twice: least split
    orders = [(2, 0), (0, 1), (1, 0)]  # given out of order
    sources = [
        (order, write_assignments(tmp_path / f'span-{i}.gz', span))
        for i, (order, span) in enumerate(zip(orders, pairs))
    ]
    with beam.Pipeline() as p:
        _ = (
            p
            | ReadAssignments(sources)
            | beam.Map(lambda kv: (kv[0], kv[1][0].tolist(), kv[1][1].tolist()))
            | beam.combiners.ToList()
            | beam.Map(_keep, 'read')
        )
    tables = _COLLECTED.pop('read')
    found = {}
    for bucket, keys, splits in tables:
        assert keys == sorted(set(keys))
        assert {k % JOIN_BUCKETS for k in keys} == {bucket}
        found.update(zip(keys, splits))
    assert len(tables) == len({b for b, _, _ in tables}) > 200  # one table per bucket
    assert found == _plain_latest(orders, pairs)


def test_the_latest_rule_is_the_same_for_any_partition_of_the_entries():
    rng = random.Random(3)
    pairs = _window(rng, spans=4, keys=300, per_span=200)
    orders = [3, 1, 2, 1]  # two spans of one order: the least split of both
    entries = [(k, order, s) for order, span in zip(orders, pairs) for k, s in span]
    rng.shuffle(entries)
    chunks = [entries[i : i + 7] for i in range(0, len(entries), 7)]

    def columns(chunk):
        keys, ranks, splits = zip(*chunk)
        return np.array(keys, np.uint64), np.array(ranks, np.int32), np.array(splits, np.uint16)

    with beam.Pipeline() as p:
        _ = (
            p
            | beam.Create([(0, columns(c)) for c in chunks])
            | beam.CombinePerKey(LatestPerBucket(pending=20))  # merges as it gathers
            | beam.Map(lambda kv: dict(zip(kv[1][0].tolist(), kv[1][1].tolist())))
            | beam.Map(_keep, 'combined')
        )
    expected = _plain_latest(orders, pairs)
    assert _COLLECTED.pop('combined') == expected
    keys, _, splits = latest(*columns(entries))
    assert dict(zip(keys.tolist(), splits.tolist())) == expected


# --- a group id whose type changes between spans (issue 73, case 1) ---------------------------


def typed_user_spans(multi_label=None):
    """Span 0: users 0-159 as int64 ids, 1-3 examples each (10% fraud). Span 1: the same users,
    0-59 now bytes (``b'7'``), 60-119 float (``7.0``), 120-159 still int64 (the controls), and
    new users 200-259."""
    rng = random.Random(11)

    def records(user, stored, span):
        label = (
            ([0] if user % 10 == 0 else [1, 2])
            if multi_label
            else ('fraud' if user % 10 == 0 else 'ok')
        )
        key = 'tags' if multi_label else 'label'
        return [
            example(**{key: label}, user=stored, x=float(span * 1000 + i))
            for i in range(rng.randint(1, 3))
        ]

    span0 = [r for u in range(160) for r in records(u, u, 0)]
    kinds = [str(u) if u < 60 else float(u) if u < 120 else u for u in range(160)]
    span1 = [r for u, stored in enumerate(kinds) for r in records(u, stored, 1)]
    span1 += [r for u in range(200, 260) for r in records(u, u, 1)]
    return span0, span1


def group_of(record):
    return read_group_id(example_pb2.Example.FromString(record), 'user')[0]


@pytest.mark.parametrize('multi_label', [None, 'ids'])
def test_a_group_whose_id_changes_type_between_spans_keeps_its_split(tmp_path, multi_label):
    span0, span1 = typed_user_spans(multi_label)
    label = 'tags' if multi_label else 'label'
    args = dict(group_feature='user', label_feature=label, multi_label=multi_label, seed=3)
    first, pairs, _ = run_span(span0, key='t0', **args)
    previous = [((0, 0), write_assignments(tmp_path / 'span-0.gz', pairs))]
    splits, _, report = run_span(span1, previous, key='t1', **args)
    before = {group_of(r): name for r, name in split_of(first).items()}
    now = {group_of(r): name for r, name in split_of(splits).items()}
    recurring = sorted(set(before) & set(now))
    assert len(recurring) == 160
    moved = [g for g in recurring if now[g] != before[g]]
    assert moved == []  # 0 of 160: 60 now bytes, 60 now float, 40 controls
    pinned = report['pinned']['pinned']
    assert sum(n for row in pinned.values() for n in row.values()) > 0


def ordering_hash(seed, user: str) -> int:
    """A bytes user's key in grouped assignments of format 1 (0.2.0): the seeded hash of its
    seed key, its id as its kind spells it."""
    return seeded_hash(seed, f'bytes_list:{user.encode()!r}'.encode())


def test_format_1_grouped_history_still_pins_its_groups_and_a_later_format_2_span_wins(tmp_path):
    span0, span1 = user_spans(spans=2, seed=8)
    first, _, _ = run_span(span0, key='f0', group_feature='user', seed=5)
    placed = {feature(r, 'user'): NAMES.index(name) for r, name in split_of(first).items()}
    old = write_assignments(  # as 0.2.0 wrote span 0: each group keyed by its ordering hash
        tmp_path / 'span-0.gz', [(ordering_hash(5, u), s) for u, s in placed.items()]
    )
    recurring = sorted(set(placed) & {feature(r, 'user') for r in span1})
    moved = recurring[:5]  # put elsewhere by a later span of format 2 (a span re-split)
    newer = write_assignments(
        tmp_path / 'span-1.gz', [(group_key(5, u.encode()), (placed[u] + 1) % 3) for u in moved]
    )
    previous = [((0, 0), old, HASH), ((1, 0), newer, KEY)]
    splits, pairs, _ = run_span(span1, previous, key='f1', group_feature='user', seed=5)
    now = {feature(r, 'user'): NAMES.index(name) for r, name in split_of(splits).items()}
    assert len(recurring) > 100
    assert {u: now[u] for u in recurring if u not in moved} == {
        u: placed[u] for u in recurring if u not in moved
    }
    assert [now[u] for u in moved] == [(placed[u] + 1) % 3 for u in moved]
    # written as format 2: each group by its id's key
    assert sorted(pairs) == sorted((group_key(5, u.encode()), s) for u, s in now.items())


def test_an_example_whose_label_is_corrected_later_keeps_its_split(tmp_path):
    # A chargeback turns 'ok' into 'fraud' a span later: the same inputs, so the same unit (its
    # key leaves the label out), pinned to the split span 0 gave it.
    span0 = labelled(200, 'o') + labelled(20, 'f')
    first, pairs, _ = run_span(span0, key='c0', seed=3)
    path = write_assignments(tmp_path / 'span-0.gz', pairs)
    corrected = [
        example(
            label='f', x=example_pb2.Example.FromString(r).features.feature['x'].float_list.value[0]
        )
        for r in span0[:25]
    ]
    span1 = labelled(100, 'o', start=5000) + corrected
    splits, _, report = run_span(span1, [((0, 0), path)], key='c1', seed=3)
    before, now = split_of(first), split_of(splits)
    assert [now[c] for c in corrected] == [before[r] for r in span0[:25]]
    assert sum(report['pinned']['pinned']['f'].values()) == 25
