"""Tests of core/class_distribution_validator/counts and example_counts on label sets (real statistics)."""

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from tests.core.class_distribution_validator.label_set_data import (
    TRAIN,
    assert_documented,
    label_sets,
    records,
    statistics,
)
from tests.support.examples import example
from tfx_balance.core.class_distribution_validator import (
    CountLabels,
    count_labels,
    label_stats_options,
    merge_counts,
    prevalence_from_statistics,
    to_prevalence,
)
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.label_sets import read_label_sets
from tfx_balance.core.common.labels import example_fingerprint


def test_bytes_label_lists_give_exact_prevalence_cardinality_and_unlabeled(tmp_path):
    n, counts, unlabeled = TRAIN
    stats = statistics(tmp_path, 'train', records(label_sets(n, counts, unlabeled)))
    p = prevalence_from_statistics(stats, 'tags', 'train')
    assert p.counts == {b'a': 300, b'b': 100, b'c': 20}
    assert (p.examples, p.label_values, p.unlabeled) == (400, 420, 40)
    assert p.share(b'c') == 0.05 and p.cardinality == 1.05
    assert p.source == 'rank_histogram'


def test_int_ids_marked_categorical_give_exact_prevalence(tmp_path):
    sets = label_sets(50, {3: 40, 7: 10, 40: 1}, unlabeled=5)
    stats = statistics(tmp_path, 'ids', records(sets), schema=label_stats_options('tags').schema)
    p = prevalence_from_statistics(stats, 'tags', 'eval')
    assert p.counts == {3: 40, 7: 10, 40: 1}
    assert (p.examples, p.unlabeled) == (50, 5)


def test_int_ids_with_numeric_statistics_are_refused_with_the_fix(tmp_path):
    stats = statistics(tmp_path, 'ids', records(label_sets(20, {1: 15, 2: 5})))
    with pytest.raises(DataError) as info:
        prevalence_from_statistics(stats, 'tags', 'train')
    assert_documented(info)
    message = str(info.value)
    assert "multi-label feature 'tags' in split 'train' are num_stats" in message
    assert "tfx_balance.label_stats_options('tags')" in message and 'examples=' in message


def test_empty_label_lists_leave_the_unlabeled_count_unknown_in_statistics(tmp_path):
    # 4 empty lists next to lists of 2 labels: TFDV keeps the empties only in a quantile sketch.
    sets = label_sets(20, {b'a': 16, b'b': 10}, unlabeled=4)
    p = prevalence_from_statistics(
        statistics(tmp_path, 'e', records(sets, mode='empty')), 'tags', 'train'
    )
    assert p.counts == {b'a': 16, b'b': 10} and p.examples == 20 and p.unlabeled is None
    counted = to_prevalence(count_labels(records(sets, mode='empty'), 'tags', 'ids', 'x'), 'train')
    assert counted.unlabeled == 4 and counted.counts == p.counts


def test_truncated_rank_histogram_is_refused(tmp_path):
    sets = label_sets(30, {bytes([97 + i]): 5 for i in range(6)})
    stats = statistics(tmp_path, 't', records(sets), num_rank_histogram_buckets=2, num_top_values=2)
    with pytest.raises(DataError, match="split 'train' list only part of multi-label feature") as e:
        prevalence_from_statistics(stats, 'tags', 'train')
    assert_documented(e)


def test_statistics_count_a_repeated_label_twice_and_the_examples_refuse_it(tmp_path):
    twice = [example(tags=[b'a', b'a'])] + records(label_sets(3, {b'a': 3}))
    p = prevalence_from_statistics(statistics(tmp_path, 'd', twice), 'tags', 'train')
    assert p.counts == {b'a': 5}  # value occurrences: the documented limit of statistics
    with pytest.raises(
        DataError, match=r"'tags' \(multi_label='ids'\) in split 'train' lists label 'a' more than"
    ) as e:
        count_labels(twice, 'tags', 'ids', "split 'train'")
    assert_documented(e)


def test_multi_hot_vectors_are_counted_per_position():
    sets = label_sets(40, {0: 30, 2: 8, 4: 1}, unlabeled=6)
    counts = count_labels(records(sets, mode='multi_hot', width=5), 'tags', 'multi_hot', 'x')
    p = to_prevalence(counts, 'train')
    assert p.counts == {0: 30, 2: 8, 4: 1}
    assert (p.examples, p.label_values, p.unlabeled, p.width) == (40, 39, 6, 5)


@pytest.mark.parametrize(
    'bad, message',
    [
        (example(tags=[0, 1]), "in split 'train' has vectors of different lengths: example"),
        (example(tags=[0, 2, 1]), "in split 'train' has value 2 at position 1 in an example"),
        (example(x=1.0), "label_feature 'tags' not found in an example in split 'train'"),
        (example(tags=[b'a']), "in split 'train' is a bytes feature in an example"),
    ],
)
def test_bad_multi_hot_vectors_are_refused_naming_the_example(bad, message):
    good = records(label_sets(4, {0: 4}), mode='multi_hot', width=3)
    with pytest.raises(DataError, match=message) as info:
        count_labels(good + [bad], 'tags', 'multi_hot', "split 'train'")
    assert example_fingerprint(bad) in str(info.value)
    assert_documented(info)


def test_multi_hot_lengths_are_checked_across_batches():
    a = count_labels(records([[0]], mode='multi_hot', width=3), 'tags', 'multi_hot', 'x')
    b = count_labels(records([[0]], mode='multi_hot', width=4), 'tags', 'multi_hot', 'x')
    with pytest.raises(
        DataError, match='has vectors of different lengths: .* has 3 values'
    ) as info:
        merge_counts([a, b], 'tags', "split 'eval'")
    assert_documented(info)


def test_int_and_bytes_ids_in_one_split_are_refused():
    a = count_labels([example(tags=[1, 2])], 'tags', 'ids', "split 'train'")
    b = count_labels([example(tags=[b'x'])], 'tags', 'ids', "split 'train'")
    with pytest.raises(
        DataError, match="'tags' in split 'train' mixes int64 and bytes labels"
    ) as e:
        merge_counts([a, b], 'tags', "split 'train'")
    assert_documented(e)


def test_count_labels_transform_merges_batches_in_a_beam_pipeline():
    sets = label_sets(30, {b'a': 22, b'b': 3}, unlabeled=5)
    batches = [records(sets[:10]), records(sets[10:25]), records(sets[25:])]

    def summary(counts):
        return (counts['examples'], counts['unlabeled'], counts['counts'])

    with beam.Pipeline() as p:
        merged = (
            p
            | beam.Create(batches)
            | CountLabels('tags', 'ids', "split 'train'")
            | beam.Map(summary)
        )
        assert_that(merged, equal_to([(30, 5, {b'a': 22, b'b': 3})]))


BAD_LABELS = [
    (example(tags=[3, 3]), 'ids'),
    (example(tags=[b'x', b'']), 'ids'),  # issue 38: an empty name, counted before
    (example(tags=[b'x']), 'ids'),  # int64 ids and bytes names in one batch
    (example(tags=1.5), 'ids'),
    (example(tags=[0, 1]), 'multi_hot'),
    (example(tags=[0, 0, 2, 0, 0]), 'multi_hot'),
    (example(x=1.0), 'multi_hot'),
]


@pytest.mark.parametrize('bad, multi_label', BAD_LABELS)
def test_the_validator_refuses_what_the_other_components_refuse_with_their_words(bad, multi_label):
    """The counts read labels through the splitter's and BalancedInputGen's reader, so the same
    data gets the same verdict (and message) from every component."""
    good = records(label_sets(5, {1: 3, 2: 1}, unlabeled=1))
    if multi_label == 'multi_hot':
        good = records(label_sets(5, {1: 3, 2: 1}, unlabeled=1), mode='multi_hot', width=5)
    batch = good + [bad]
    with pytest.raises(DataError) as splitter:
        read_label_sets(batch, 'tags', multi_label, "split 'train'")
    with pytest.raises(DataError) as validator:
        count_labels(batch, 'tags', multi_label, "split 'train'")
    assert str(validator.value) == str(splitter.value)
    assert example_fingerprint(bad) in str(validator.value)
