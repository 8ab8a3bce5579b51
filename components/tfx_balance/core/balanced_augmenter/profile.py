"""Profile pass: per class, the count, hash-bucket histogram, float statistics and sample.

``Profile`` makes partial profiles per batch, ``ProfileFn`` merges them exactly, ``build_plan``
makes the ``RebalancePlan``. The sample: a seeded bottom-k of the class's originals
(``AugmentConfig.sample_size``), parsed only in ``build_plan``.
"""

from __future__ import annotations

import functools
import heapq
import logging

import apache_beam as beam
import numpy as np
from tensorflow.core.example import example_pb2

from tfx_balance.core.balanced_augmenter import float_stats, plan, smote
from tfx_balance.core.balanced_augmenter.config import AugmentConfig
from tfx_balance.core.balanced_augmenter.floats import pack_floats
from tfx_balance.core.balanced_augmenter.image import encoded_image
from tfx_balance.core.balanced_augmenter.targets import resolve_targets
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import bucket_of, example_keys, fingerprint, seeded_hash
from tfx_balance.core.common.labels import (
    check_distinct_names,
    check_label_kinds,
    class_name,
    read_labels,
)
from tfx_balance.core.common.wire import feature_key

_RESERVOIR_SALT = b'tfx_balance.reservoir:'
_log = logging.getLogger(__name__)


def _new_profile() -> dict:
    # key: the smallest content key of the class, to name one example of it in errors.
    # seen: the named categorical features ('smote') some example of the split may have.
    return {'n': 0, 'hist': {}, 'stats': {}, 'res': [], 'key': None, 'seen': set()}


def _min_key(a, b):
    return b if a is None else a if b is None else min(a, b)


def _bottom(entries, k: int) -> list:
    """The ``k`` reservoir candidates with the smallest seeded hash (ties: fingerprint)."""
    return heapq.nsmallest(k, entries, key=lambda e: (e[0], e[1]))


class Profile(beam.DoFn):
    """Per batch of serialized examples, one partial profile per class (parsing only the
    examples it must)."""

    def __init__(self, config: AugmentConfig):
        self._config = config
        self._provenance_key = feature_key(config.provenance_feature)
        self._categorical_keys = {}  # 'smote': the named categorical features, by their key
        if config.uses_smote:
            names = smote.SmoteOptions.from_dict(config.options).categorical_features or ()
            self._categorical_keys = {n: feature_key(n) for n in names}

    def process(self, records):
        config = self._config
        labels = read_labels(records, config.label_feature, config.where)
        profiles, floats = {}, {}  # class -> profile; (class, feature) -> [float32 arrays]
        unread = ()  # positions of the records whose float values are read from a parse
        if config.needs_stats:
            unread = set(_scanned_floats(records, labels, floats))
        for i, (record, label, key) in enumerate(zip(records, labels, example_keys(records))):
            example = None
            if config.mode.images or i in unread or self._provenance_key in record:
                example = example_pb2.Example.FromString(record)
                if config.provenance_feature in example.features.feature:
                    raise DataError(
                        f"the input already has feature '{config.provenance_feature}' "
                        f'({config.where}); it would be overwritten by provenance. Set '
                        'provenance_feature to another name (e.g. when rebalancing data that was '
                        'already rebalanced).'
                    )
            profile = profiles.get(label)
            if profile is None:
                profile = profiles[label] = _new_profile()
            profile['n'] += 1
            profile['key'] = _min_key(profile['key'], key)
            bucket = bucket_of(seeded_hash(config.seed, key), config.bucket_bits)
            profile['hist'][bucket] = profile['hist'].get(bucket, 0) + 1
            if config.mode.images:
                where = config.describe_source(fingerprint(key), label)
                encoded_image(example, config.image_feature, where)
            if i in unread:
                features = example.features.feature
                for name in features:
                    values = features[name].float_list.value  # empty unless a float feature
                    if values:
                        floats.setdefault((label, name), []).append(np.array(values, np.float32))
            if config.mode.reservoir:  # the record itself: packed once sampled (build_plan)
                rank = seeded_hash(config.seed, _RESERVOIR_SALT + key)
                profile['res'].append((rank, fingerprint(key), record))
        for (label, name), parts in floats.items():  # rows are exact whatever the order
            profiles[label]['stats'][name] = float_stats.stats_row(np.concatenate(parts))
        # A name's key in a record's bytes: the feature may be there (a check, not a parse).
        seen = {n for n, k in self._categorical_keys.items() if any(k in r for r in records)}
        for label, profile in profiles.items():
            profile['seen'] = seen
            if len(profile['res']) > config.sample_size:
                profile['res'] = _bottom(profile['res'], config.sample_size)
            yield label, profile


def _scanned_floats(records, labels, floats: dict) -> list:
    """Adds the float values read by template to ``floats``; returns the positions not read."""
    found, unread = float_stats.scan_floats(records)
    if found:
        classes = {}
        codes = np.array([classes.setdefault(label, len(classes)) for label in labels])
        for name, positions, values in found:
            of = codes[positions]
            for label, code in classes.items():
                rows = of == code
                if rows.any():
                    floats.setdefault((label, name), []).append(values[rows].reshape(-1))
    return unread


class ProfileFn(beam.CombineFn):
    """Merges a class's partial profiles exactly, whatever the batching or combine order."""

    def __init__(self, reservoir_size: int):
        self._k = reservoir_size

    def create_accumulator(self):
        return _new_profile()

    def merge_accumulators(self, accs):  # an accumulator has the form of a partial profile
        return functools.reduce(self.add_input, accs)

    def add_input(self, acc, profile):
        acc['n'] += profile['n']
        acc['key'] = _min_key(acc['key'], profile['key'])
        acc['seen'] = acc['seen'] | profile['seen']
        for b, c in profile['hist'].items():
            acc['hist'][b] = acc['hist'].get(b, 0) + c
        for name, row in profile['stats'].items():
            s = acc['stats'].get(name)
            acc['stats'][name] = row if s is None else float_stats.merge_stats(s, row)
        if profile['res']:
            acc['res'] = acc['res'] + profile['res']
            if len(acc['res']) >= 2 * self._k:
                acc['res'] = _bottom(acc['res'], self._k)
        return acc

    def extract_output(self, acc):
        acc['res'] = _bottom(acc['res'], self._k)
        return acc


def build_plan(profiles, config: AugmentConfig) -> plan.RebalancePlan:
    """The ``RebalancePlan`` of ``[(class, profile accumulator)]``."""
    profiles = dict(profiles)
    if not profiles:
        raise DataError(
            f'{config.where} has no examples; BalancedAugmenter needs at least one labelled '
            'example per split it rebalances. Remove the split from `splits`.'
        )
    check_label_kinds(
        {label: fingerprint(p['key']) for label, p in profiles.items()},
        config.label_feature,
        config.where,
    )
    check_distinct_names(profiles, config.label_feature, config.where)
    counts = {label: p['n'] for label, p in profiles.items()}
    wanted = resolve_targets(counts, config.target)
    classes = {
        label: plan.plan_rebalance(
            label,
            counts[label],
            wanted[label],
            config.undersample,
            profiles[label]['hist'],
            config.bucket_bits,
        )
        for label in counts
    }
    stats = {label: _class_stats(label, p['stats'], config) for label, p in profiles.items()}
    sampled = {label: p['res'] for label, p in profiles.items()}
    sources = {}
    if config.uses_smote:
        options = smote.SmoteOptions.from_dict(config.options)
        smote.check_categorical_features(options, profiles, config.where)
        smote.check_class_sizes(classes, options, config.where)
        if options.variant == 'borderline-1':
            reservoirs = {label: _packed(r, config, options) for label, r in sampled.items()}
            sources = smote.danger_sources(reservoirs, classes, options, config.where)
        # Only the classes that get copies need their examples on the workers.
        sampled = {c: r for c, r in sampled.items() if classes[c].generated}
        reservoirs = {label: _packed(r, config, options) for label, r in sampled.items()}
    else:
        reservoirs = {label: _packed(r, config) for label, r in sampled.items()}
    return plan.RebalancePlan(classes, stats, reservoirs, sources)


def _packed(entries, config: AugmentConfig, options=None) -> list:
    """A class's sample as the plan keeps it: ``[(fingerprint, packed floats (and, 'smote',
    categoricals))]``."""
    out = []
    for _, fp, record in entries:
        example = example_pb2.Example.FromString(record)
        payload = pack_floats(example)
        if options is not None:
            names = options.categorical_features
            excluded = (*config.reserved_features, *config.keep_features)
            payload = (payload, smote.pack_categoricals(example, names, excluded))
        out.append((fp, payload))
    return out


def _class_stats(label, rows: dict, config: AugmentConfig) -> dict:
    """``{feature: FeatureStats}`` of one class's stats rows; logs its non-finite values once."""
    where = f'{config.where}, class {class_name(label)!r}'
    message = float_stats.nonfinite_warning(rows, where)
    if message:
        _log.warning(message)
    stats = {name: float_stats.feature_stats(row) for name, row in rows.items()}
    # A feature without statistics is copied from the source: how keep_features are kept.
    keep = set(config.keep_features)
    return {name: s for name, s in stats.items() if s is not None and name not in keep}
