"""What differs between the two label forms of a split: one small strategy object each.

:class:`~tfx_balance.core.split.stratified.StratifiedSplit` runs one pipeline for every split
(read for the plan, plan, place, rank the boundary buckets, count, report); a
:class:`SplitStrategy` supplies the few steps where the forms truly differ, like the subclasses of
scikit-learn's ``_BaseKFold``:

- :class:`~tfx_balance.core.split.exact.ExactStrategy` (one label per example): the exact
  per-class rule (:func:`~tfx_balance.core.split.allocation.allocate`), label bins, the
  ``{class: {split: count}}`` report.
- :class:`~tfx_balance.core.split.strata.IterativeStrategy` (``multi_label``): label sets as
  strata, planned by one objective over all labels and the split sizes
  (:func:`~tfx_balance.core.split.multilabel_plan.plan_counts`, a pure function of the
  ``{label set: units}`` table), the per-label report.

:data:`~tfx_balance.core.split.stratified.STRATEGIES` chooses one from ``config.multi_label``.

Example:
    >>> split_tag(2)
    'split2'
"""

from __future__ import annotations

import apache_beam as beam

from tfx_balance.core.errors import DataError
from tfx_balance.core.ranking import bucket_of
from tfx_balance.core.split.config import StratifiedSplitConfig

BOUNDARY_TAG = (
    'boundary'  # the place DoFn's output of units in a boundary bucket, keyed for ranking
)
COUNTS_TAG = 'counts'  # its output of per-batch count pairs


def split_tag(index: int) -> str:
    """The place DoFn's output tag of split ``index``."""
    return f'split{index}'


def check_not_empty(found: bool) -> None:
    """Raises DataError when the histogram pass found no example (either form)."""
    if not found:
        raise DataError(
            'the input has no examples; StratifiedSplitter needs at least one labelled '
            'example. Check the input artifact and input_splits.'
        )


def rank_units(ranking, bucket: int, units, weight):
    """``(split index, unit)`` of the units of one boundary ``bucket``, ordered by
    ``(hash, serialized examples)`` and cut where ``ranking`` (a
    :class:`~tfx_balance.core.ranking.BucketRanking`) puts their ranks; a unit takes
    ``weight(unit)`` ranks (a group its size when a class's plan counts examples, 1 when a
    stratum's counts units)."""
    rank = ranking.boundary[bucket]
    for unit in sorted(units, key=lambda u: (u.hash, u.records)):
        yield ranking.segment_of_rank(rank), unit
        rank += weight(unit)


class PlaceUnits(beam.DoFn):
    """Sends each unit to its split, or to ranking if it is in a boundary bucket (the base of
    both forms' place DoFns; the form gives :meth:`count` and may read batches faster).

    Outputs: the serialized examples of split ``i`` on tag ``split_tag(i)``; boundary units keyed
    by ``(stratum, bucket)`` on ``BOUNDARY``; per batch, ``[(key, count)]`` pairs of the examples
    it placed on ``COUNTS``. A plan is a stratum's
    :class:`~tfx_balance.core.split.plans.ClassSplitPlan`, or the index of the one split it goes
    to whole.
    """

    BOUNDARY = BOUNDARY_TAG
    COUNTS = COUNTS_TAG

    def __init__(self, to_units, bucket_bits: int, num_splits: int):
        self._to_units = to_units
        self._bucket_bits = bucket_bits
        self._tags = [split_tag(i) for i in range(num_splits)]

    @staticmethod
    def count(counts: dict, split: int, label) -> None:
        """Counts one example of ``label`` (a class, or a label set) placed in ``split``."""
        raise NotImplementedError

    def place_units(self, units, plans):
        counts, count = {}, self.count
        for unit in units:
            plan = plans[unit.stratum]
            if type(plan) is int:
                split = plan
            else:
                bucket = bucket_of(unit.hash, self._bucket_bits)
                if bucket in plan.ranking.boundary:
                    yield beam.pvalue.TaggedOutput(self.BOUNDARY, ((unit.stratum, bucket), unit))
                    continue
                split = plan.ranking.segment_of_bucket(bucket)
            tag = self._tags[split]
            for record, label in unit.examples():
                yield beam.pvalue.TaggedOutput(tag, record)
                count(counts, split, label)
        if counts:
            yield beam.pvalue.TaggedOutput(self.COUNTS, list(counts.items()))


class SplitStrategy:
    """The steps of a split that depend on the label form (see the module docstring).

    Every method that builds stages takes the PCollections it needs and returns one; stage labels
    are the strategy's own. The ranked elements are ``(split index, record, label or label set)``.
    """

    def __init__(self, config: StratifiedSplitConfig, bucket_bits: int):
        self.config, self.bucket_bits = config, bucket_bits

    def to_units(self):
        """The unit maker (:mod:`~tfx_balance.core.split.units`)."""
        raise NotImplementedError

    def prepare(self, pipeline, source, batched):
        """``(report extra, stage extra)``: what the report and the reading stages also take
        (label bin edges); ``(None, None)`` when nothing."""
        return None, None

    def plans(self, batches, to_units, edges):
        """A single-element PCollection of the plans, from the batches read for the plan."""
        raise NotImplementedError

    def place(self, to_units, num_splits: int):
        """The DoFn that sends each unit to its split's tag, or to :data:`BOUNDARY_TAG`, and emits
        per-batch count pairs on :data:`COUNTS_TAG` (side inputs: the plans, then the edges)."""
        raise NotImplementedError

    def rank(self, grouped, plans_side):
        """``(split, record, label)`` of the units of the grouped boundary buckets."""
        raise NotImplementedError

    def count_ranked(self, ranked):
        """Lists of count pairs of the ranked examples (summed with the placed ones)."""
        raise NotImplementedError

    def table(self, pairs, names) -> dict:
        """The counts table of the summed ``(key, count)`` pairs (``SplitOutputs.counts``)."""
        raise NotImplementedError

    def report(self, table, extra) -> dict:
        """What ``split_counts.json`` holds."""
        return table

    @staticmethod
    def format_report(report: dict, split_names) -> str:
        """The logged table of :meth:`report`."""
        raise NotImplementedError
