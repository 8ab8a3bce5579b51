"""Issue 9 retry safety: every per-example decision is a pure function of (seed, example, index).

Beam may deliver elements in any order, cut bundles anywhere, and retry a bundle on another
worker. Here the DoFns that decide per example (the splitter's assignment, the augmenter's
keep/drop/source routing and its generation, the input gen's shard routing) are fed the same
examples in different orders and bundles, each bundle by a fresh DoFn instance (as a retry on
another worker would be), and must make the same decision for every example. Hash buckets are
made coarse so that the boundary-bucket ranking path (the only one that looks at several
examples together) is exercised too.
"""

import collections

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import assert_that, equal_to
from tensorflow.core.example import example_pb2

from tests.support.examples import example
from tfx_balance.core.balanced_augmenter import generate, profile, transform
from tfx_balance.core.balanced_augmenter import plan as rebalance_plan
from tfx_balance.core.balanced_augmenter.config import AugmentConfig
from tfx_balance.core.balanced_augmenter.float_stats import FeatureStats, feature_stats
from tfx_balance.core.balanced_augmenter.floats import float_features, pack_floats
from tfx_balance.core.balanced_augmenter.provenance import Provenance
from tfx_balance.core.balanced_augmenter.targets import resolve_targets
from tfx_balance.core.balanced_input_gen import layout
from tfx_balance.core.balanced_input_gen import plan as layout_plan
from tfx_balance.core.balanced_input_gen.config import LayoutConfig
from tfx_balance.core.common.hashing import (
    bucket_of,
    example_key,
    example_keys,
    fingerprint,
    seeded_hash,
)
from tfx_balance.core.common.labels import read_label
from tfx_balance.core.split import exact, placement
from tfx_balance.core.split.config import StratifiedSplitConfig

SEED = 5
# Serialized deterministically: protobuf may write the feature map in another order in another
# process, which would change the hashes that the expected shard keys below depend on.
RECORDS = [
    example_pb2.Example.FromString(
        example(label=name, x=[float(i), (i * 7 % 5) / 2.0])
    ).SerializeToString(deterministic=True)
    for i, name in enumerate(['a'] * 14 + ['b'] * 5 + ['c'] * 3)
]


def _orders(items):
    """The same items: as given, reversed, and in a seeded permutation."""
    permuted = [items[i] for i in np.random.default_rng(0).permutation(len(items))]
    return [list(items), list(items)[::-1], permuted]


def _bundles(items, size):
    return [items[i : i + size] for i in range(0, len(items), size)]


def _run_bundles(make_dofn, elements, size, *side):
    """Runs ``process`` bundle by bundle, a fresh DoFn per bundle; returns [(element, outputs)]."""
    results = []
    for bundle in _bundles(elements, size):
        dofn = make_dofn()
        dofn.setup()
        dofn.start_bundle()
        for element in bundle:
            results.append((element, list(dofn.process(element, *side))))
        ended = [  # what a DoFn outputs at a bundle's end (PlaceUnits' counts): tagged values
            beam.pvalue.TaggedOutput(out.tag, out.value.value) for out in dofn.finish_bundle() or ()
        ]
        if ended:
            results.append((None, ended))
        dofn.teardown()
    return results


def _every_schedule(items):
    for order in _orders(items):
        for size in (1, 4, len(items)):
            yield order, size


# --- StratifiedSplitter: batch units -> PlaceUnits -> boundary ranking. --------------------------

BITS = 2  # four buckets: most examples share a bucket with others


def _splitter_assignment(order, size):
    """Split of every example when records arrive in ``order``, in batches of ``size`` (each
    batch's units made and placed by a fresh DoFn, as on a retry)."""
    to_units = exact.ToUnits(StratifiedSplitConfig('label', seed=SEED), grouped=False)
    plan = exact.PlanClasses(to_units, [8, 1, 1], BITS, 'label')  # the plan's combine, by hand
    accumulator = plan.create_accumulator()
    for batch in _bundles(order, size):
        accumulator = plan.add_input(accumulator, plan.histogram(batch))
    plans = plan.extract_output(accumulator)
    split_of, boundary, counted = {}, collections.defaultdict(list), collections.Counter()
    place = lambda: placement.PlaceUnits(to_units, 3)  # noqa: E731
    tags = place().tags
    for _, out in _run_bundles(place, _bundles(order, size), 2, plans):
        for value in out:
            if value.tag == placement.PlaceUnits.BOUNDARY:
                key, member = value.value
                boundary[key].append(member)
            elif value.tag == placement.PlaceUnits.COUNTS:
                counted.update(dict(value.value))
            else:  # a batch's list of records of one split
                for record in value.value:
                    split_of[record] = tags.index(value.tag)
    # Counts are of exactly the examples placed.
    assert counted == collections.Counter((s, read_label(r, 'label')) for r, s in split_of.items())
    for key, members in boundary.items():
        for split, unit in placement.PlaceUnits.rank_boundary((key, members), plans):
            split_of[unit.records[0]] = split
    return split_of


def test_splitter_assigns_every_example_the_same_split_in_any_order_and_bundling():
    expected = _splitter_assignment(RECORDS, len(RECORDS))
    assert len(expected) == len(RECORDS)
    per_class = collections.Counter((read_label(r, 'label'), s) for r, s in expected.items())
    # the rule's table: 'a' (14) rounds train up, since presence takes 2 from train for 'b', 'c'
    assert per_class == {
        (b'a', 0): 12, (b'a', 1): 1, (b'a', 2): 1,
        (b'b', 0): 3, (b'b', 1): 1, (b'b', 2): 1,
        (b'c', 0): 1, (b'c', 1): 1, (b'c', 2): 1,
    }  # fmt: skip
    for order, size in _every_schedule(RECORDS):
        assert _splitter_assignment(order, size) == expected


def test_splitter_group_unit_does_not_depend_on_the_order_its_members_arrive_in():
    to_units = exact.ToUnits(StratifiedSplitConfig('label', seed=SEED), grouped=True)
    grouped = collections.defaultdict(list)
    for i, r in enumerate(RECORDS):
        record = example(label=read_label(r, 'label'), x=float(i), group=i % 4)
        for key, member in to_units.key_by_group([record], 'group'):
            grouped[key].append(member)
    for key, members in grouped.items():
        expected = to_units.group_to_unit((key, members))
        assert expected.size == len(members)
        for order in _orders(members):
            assert to_units.group_to_unit((key, order)) == expected


# --- BalancedAugmenter: _Route -> boundary ranking (keep / drop / source of k copies). ----------


def _augmenter_decisions(config, order, size):
    histograms = collections.defaultdict(collections.Counter)
    for r, key in zip(RECORDS, example_keys(RECORDS)):
        bucket = bucket_of(seeded_hash(SEED, key), config.bucket_bits)
        histograms[read_label(r, 'label')][bucket] += 1
    targets = resolve_targets({c: sum(h.values()) for c, h in histograms.items()}, config.target)
    plan = rebalance_plan.RebalancePlan(
        {
            c: rebalance_plan.plan_rebalance(
                c, sum(h.values()), targets[c], config.undersample, h, config.bucket_bits
            )
            for c, h in histograms.items()
        },
        {},
        {},
    )
    provenance = Provenance(config.provenance_feature, config.source_feature)
    original_of = {provenance.original(r): r for r in RECORDS}  # kept originals come marked
    decisions, boundary = collections.defaultdict(list), collections.defaultdict(list)

    def collect(out):
        for value in out:
            if not isinstance(value, beam.pvalue.TaggedOutput):
                decisions[original_of[value]].append((transform.ORIGINAL, 0))
            elif value.tag == transform.BOUNDARY:
                key, member = value.value
                boundary[key].append(member)
            else:
                for record, _, copies, _ in value.value:
                    decisions[record].append((transform.SOURCE, copies))

    # Batches of ``size`` records, two batches per fresh DoFn.
    for _, out in _run_bundles(lambda: transform.Route(config), _bundles(order, size), 2, plan):
        collect(out)
    for key, members in boundary.items():
        collect(transform.RankBoundary(config).process((key, members), plan))
    return {record: sorted(d) for record, d in decisions.items()}


# 'c' (3 examples) grows to 4 also with undersample; 'a' and 'b' shrink to 4.
@pytest.mark.parametrize('target, undersample', [(16, False), (4, True)])
def test_augmenter_routes_every_example_the_same_way_in_any_order_and_bundling(target, undersample):
    config = AugmentConfig(
        'label', target=target, undersample=undersample, seed=SEED, bucket_bits=BITS
    )  # four buckets: the ranking path is used
    expected = _augmenter_decisions(config, RECORDS, len(RECORDS))
    copies = collections.Counter()
    for record, decision in expected.items():
        for kind, k in decision:
            copies[read_label(record, 'label')] += 1 if kind == transform.ORIGINAL else k
    assert copies == (
        {b'a': 16, b'b': 16, b'c': 16} if not undersample else {b'a': 4, b'b': 4, b'c': 4}
    )
    for order, size in _every_schedule(RECORDS):
        assert _augmenter_decisions(config, order, size) == expected


@pytest.mark.parametrize('size', [1, 3, 40])  # values per example: loop and vectorised paths
def test_augmenter_class_statistics_are_exact_for_any_batching_and_combine_order(size):
    # Float sums merged in another order differ in the last bits; the 'numeric' jitter is scaled
    # by the class standard deviation, so the profile must be exact to be order-independent.
    rng = np.random.default_rng(1)  # seeded test data: values spanning many magnitudes
    arrays = [
        (rng.lognormal(0, 4, size) * rng.choice([-1, 1], size)).astype(np.float32)
        for _ in range(120)
    ]
    items = [example(label=0, x=x.tolist()) for x in arrays]
    config = AugmentConfig('label', augmentation='numeric', seed=SEED)
    fn = profile.ProfileFn(reservoir_size=4)

    def stats(order, batch):
        # Partial profiles of batches of ``batch`` examples, combined three at a time, merged
        # in reverse.
        parts = [p for b in _bundles(order, batch) for _, p in profile.Profile(config).process(b)]
        accumulators = []
        for chunk in _bundles(parts, 3):
            acc = fn.create_accumulator()
            for part in chunk:
                acc = fn.add_input(acc, part)
            accumulators.append(acc)
        merged = fn.extract_output(fn.merge_accumulators(accumulators[::-1]))
        return feature_stats(merged['stats']['x'])

    expected = stats(items, len(items))
    values = np.concatenate(arrays).astype(np.float64)
    assert expected.std == pytest.approx(float(values.std()), rel=1e-12)
    for order, batch in _every_schedule(items):
        assert stats(order, batch) == expected


# --- BalancedAugmenter: generation of synthetic copy j of a source. -----------------------------


def _sources(copies=None):
    """Sources ``(record, label, copies, fingerprint)``: 1 to 3 copies each, or ``copies``."""
    return [
        (r, read_label(r, 'label'), copies or 1 + i % 3, fingerprint(example_key(r)))
        for i, r in enumerate(RECORDS[-8:])
    ]


def _plan_with_stats():
    by_class = collections.defaultdict(list)
    for r in RECORDS:
        by_class[read_label(r, 'label')].append(r)
    stats, reservoirs = {}, {}
    for c, records in by_class.items():
        from tensorflow.core.example import example_pb2

        examples = [example_pb2.Example.FromString(r) for r in records]
        values = np.concatenate([float_features(e)['x'] for e in examples])
        stats[c] = {
            'x': FeatureStats(float(values.min()), float(values.max()), float(values.std()))
        }
        fps = [fingerprint(key) for key in example_keys(records)]
        reservoirs[c] = list(zip(fps, map(pack_floats, examples)))
    return rebalance_plan.RebalancePlan({}, stats, reservoirs)


@pytest.mark.parametrize('augmentation', ['copy', 'numeric', 'interpolate'])
def test_augmenter_makes_the_same_synthetic_examples_per_source_in_any_order_and_batching(
    augmentation,
):
    config = AugmentConfig('label', augmentation=augmentation, seed=SEED)
    plan = _plan_with_stats()

    def copies_of(sources, size):
        """{source: its copies} when ``sources`` come in lists of ``size``, two per DoFn."""
        make = lambda: generate.AugmentSources(config)  # noqa: E731
        out = {}
        for batch, records in _run_bundles(make, _bundles(sources, size), 2, plan):
            for source in batch:  # each source's copies in turn
                out[source], records = records[: source[2]], records[source[2] :]
            assert records == []
        return out

    sources = _sources()
    expected = copies_of(sources, len(sources))
    made = [r for copies in expected.values() for r in copies]
    assert len(made) == 15
    assert len(set(made)) == len(made) or augmentation == 'copy'
    for order, size in _every_schedule(sources):
        assert copies_of(order, size) == expected
    # Copy j of a source does not depend on how many copies the source makes.
    for n in (1, 5):
        for (record, _, _, _), copies in copies_of(_sources(n), 3).items():
            before = next(c for (r, _, _, _), c in expected.items() if r == record)
            assert copies[: len(before)] == before[:n]


def _png(i: int) -> bytes:
    import tensorflow as tf

    pixels = (np.arange(48, dtype=np.int64).reshape(6, 8, 1) * (i + 3)) % 251
    return tf.io.encode_png(pixels.astype(np.uint8)).numpy()


def test_image_augmentation_per_job_does_not_depend_on_the_batch_it_is_in():
    records = [example(label='ab'[i % 2], image=_png(i)) for i in range(6)]
    jobs = [
        (r, read_label(r, 'label'), fingerprint(example_key(r)), j)
        for r in records
        for j in range(2)
    ]
    config = AugmentConfig('label', augmentation='image', seed=SEED)

    def per_job(batches):
        out = {}
        for batch in batches:
            for job, result in zip(batch, generate.AugmentImages(config).process(batch)):
                out[job] = result
        return out

    expected = per_job([jobs])
    assert len(set(expected.values())) == len(jobs)
    for order, size in _every_schedule(jobs):
        assert per_job(_bundles(order, size)) == expected
    # And through Beam, with BatchElements cutting the jobs into batches of different sizes.
    with beam.Pipeline() as p:
        for lo, hi in ((1, 1), (3, 3), (1, transform.IMAGE_BATCH_SIZE)):
            out = (
                p
                | f'Jobs{lo}-{hi}' >> beam.Create(jobs[::-1] if lo == 3 else jobs)
                | f'Batch{lo}-{hi}' >> beam.BatchElements(min_batch_size=lo, max_batch_size=hi)
                | f'Augment{lo}-{hi}' >> beam.ParDo(generate.AugmentImages(config))
            )
            assert_that(out, equal_to(list(expected.values())), label=f'Check{lo}-{hi}')


# --- BalancedInputGen: (class, shard) routing and shard contents. -------------------------------


def test_input_gen_routes_and_writes_every_example_the_same_way_in_any_order(tmp_path):
    config = LayoutConfig('label', seed=SEED)
    one_label = layout._OneLabel.read(RECORDS, config, "split 'train'")
    items = [(labels[0], hashed) for labels, hashed in one_label]
    counts = collections.Counter(label for label, _ in items)
    plan = layout_plan.make_plan('train', 'label', SEED, counts, examples_per_shard=4)

    def routes(order, size):
        return {
            item[1][1]: out for item, out in _run_bundles(layout._RouteToShard, order, size, plan)
        }

    expected = routes(items, len(items))
    assert sorted({key for out in expected.values() for key, _ in out}) == [
        (0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (2, 0)
    ]  # fmt: skip
    for order, size in _every_schedule(items):
        assert routes(order, size) == expected
    # A shard's file is the same whatever order its members arrive in.
    key = (0, 1)
    members = [value for out in expected.values() for k, value in out if k == key]
    contents = []
    for i, order in enumerate(_orders(members)):
        split_dir = tmp_path / str(i)
        written = list(layout._WriteShard(str(split_dir)).process((key, order), plan))
        assert written == [(0, (len(members), False))]  # shard 1: the mark is read on shard 0
        contents.append((split_dir / plan.files[0][1]).read_bytes())
    assert contents[0] == contents[1] == contents[2]
