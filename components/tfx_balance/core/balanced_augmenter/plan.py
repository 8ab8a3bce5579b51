"""The rebalance plan of one split: per class, which originals are kept, dropped or copied.

Rule: docs/balanced_augmenter.md, "Which originals": each selection is "the ``m`` lowest-ranked",
one cut of the class's hash-bucket ranking (``tfx_balance.core.common.hashing``).

Example:
    >>> plan_rebalance(0, n=4, target=10, undersample=False, histogram={0: 4}).copies_per_source
    1
"""

from __future__ import annotations

import dataclasses
import json
from typing import Dict, List, Mapping

from apache_beam.runners.worker.statecache import CacheAware

from tfx_balance.core.balanced_augmenter.float_stats import FeatureStats
from tfx_balance.core.balanced_augmenter.targets import encode_target, output_count
from tfx_balance.core.common import keys
from tfx_balance.core.common.hashing import BUCKET_BITS, BucketRanking
from tfx_balance.core.common.labels import class_name, sorted_classes

# A class's row in rebalance_plan.json (its picture reads them: core/pictures/augmenter.py).
PLAN_INPUT, PLAN_TARGET, PLAN_GENERATED = 'input', 'target', 'generated'
PLAN_DROPPED, PLAN_OUTPUT = 'dropped', 'output'
PLAN_COLUMNS = [PLAN_INPUT, PLAN_TARGET, PLAN_GENERATED, PLAN_DROPPED, PLAN_OUTPUT]

# Modes of a class in a plan.
KEEP = 'keep'  # unchanged: every original kept, nothing generated
AUGMENT = 'augment'  # every original kept, copies generated
UNDERSAMPLE = 'undersample'  # the `select` lowest-ranked originals kept, the rest dropped


@dataclasses.dataclass(frozen=True)
class ClassRebalance:
    """One class of ``n`` originals gives ``output`` examples, by ``mode``; the ``select``
    lowest-ranked are the sources of one extra copy (AUGMENT) or the ones kept (UNDERSAMPLE)."""

    label: object
    n: int
    target: int
    output: int
    mode: str
    copies_per_source: int = 0
    select: int = 0
    ranking: BucketRanking | None = None

    @property
    def generated(self) -> int:
        return max(0, self.output - self.n)

    @property
    def dropped(self) -> int:
        return max(0, self.n - self.output)

    def selected_bucket(self, bucket: int) -> bool:
        """Whether a non-boundary bucket is wholly selected."""
        return self.ranking.segment_of_bucket(bucket) == 0

    def row(self) -> dict:
        values = (self.n, self.target, self.generated, self.dropped, self.output)
        return dict(zip(PLAN_COLUMNS, values))


def plan_rebalance(
    label,
    n: int,
    target: int,
    undersample: bool,
    histogram: Mapping[int, int],
    bucket_bits: int = BUCKET_BITS,
) -> ClassRebalance:
    """The ``ClassRebalance`` of a class from its bucket histogram (bucket -> count)."""
    output = output_count(n, target, undersample)
    if output == n:
        return ClassRebalance(label, n, target, output, KEEP)
    if output > n:
        generated = output - n
        mode, per_source, select = AUGMENT, generated // n, generated % n
    else:
        mode, per_source, select = UNDERSAMPLE, 0, output
    ranking = BucketRanking.of(histogram, [select], bucket_bits)
    return ClassRebalance(label, n, target, output, mode, per_source, select, ranking)


@dataclasses.dataclass(frozen=True)
class RebalancePlan(CacheAware):
    """Per-class rebalances, float statistics and reservoirs of one split (a Beam side input)."""

    classes: Dict[object, ClassRebalance]
    stats: Dict[object, Dict[str, FeatureStats]]
    # class -> [(fingerprint, float features as floats.pack_floats gives them)]
    reservoirs: Dict[object, List[tuple]]
    # class -> fingerprints of its only sources ('smote' borderline-1)
    sources: Dict[object, frozenset] = dataclasses.field(default_factory=dict)

    def rows(self) -> dict:
        """``{class_name: {column: count}}``, classes sorted (the plan's report)."""
        return {class_name(c): self.classes[c].row() for c in sorted_classes(self.classes)}

    def get_referents_for_cache(self) -> list:
        """What Beam's side-input cache measures: the reservoirs as one ``_Size``."""
        return [self.classes, self.stats, self.sources, _Size(_reservoir_bytes(self.reservoirs))]


class _Size:
    """An object that ``sys.getsizeof`` measures as ``nbytes`` (a stand-in for Beam's cache)."""

    def __init__(self, nbytes: int):
        self._nbytes = nbytes

    def __sizeof__(self) -> int:
        return self._nbytes


_ENTRY_OVERHEAD = 1024  # bytes of Python objects around one reservoir entry's payload (a bound)


def _reservoir_bytes(reservoirs) -> int:
    """About the memory of the reservoirs: per entry, its payload's bytes and a fixed overhead."""
    total = 0
    for entries in reservoirs.values():
        for entry in entries:
            payload, categorical = entry[1], ()
            if len(payload) == 2:  # 'smote': (floats, categoricals)
                payload, categorical = payload
            total += _ENTRY_OVERHEAD + len(payload[2]) + 64 * len(payload[0])
            total += sum(len(value) for _, value in categorical)
    return total


def split_rows(rows, split: str) -> tuple:
    """``(split, rows)``: one split's plan rows, keyed for ``plan_document``."""
    return split, rows


def plan_document(splits_plans, config) -> dict:
    """The ``rebalance_plan.json`` document: ``config``'s settings and each split's plan rows."""
    document = {
        'label_feature': config.label_feature,
        keys.TARGET_KEY: json.loads(encode_target(config.target)),  # lossless: bytes classes too
        keys.UNDERSAMPLE_KEY: config.undersample,
        keys.AUGMENTATION_KEY: config.augmentation_name,
        'seed': config.seed,
        keys.PROVENANCE_FEATURE_KEY: config.provenance_feature,
        'source_feature': config.source_feature,
        keys.SPLITS_KEY: dict(sorted(splits_plans)),
    }
    if config.keep_features:
        document['keep_features'] = list(config.keep_features)
    if config.mode.reservoir:  # 'interpolate' and 'smote' record each copy's partner
        document['partner_feature'] = config.partner_feature
    return document
