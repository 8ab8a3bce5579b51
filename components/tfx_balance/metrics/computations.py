"""The TFMA plumbing shared by the single-label (``counts.py``) and multi-label
(``multilabel_counts.py``) metrics: one Beam combiner that counts a model's examples into a
counts object, the private counts computation keyed by its arguments, and the derived
computation that turns those counts into a metric's keys plus a diagnostic key.

Example (what ``counts.py`` does)::

    class _ConfusionCountsCombiner(CountsCombiner):
        def create_accumulator(self):
            return ConfusionCounts()

        def count(self, accumulator, label, prediction, weight):
            ...  # check the example and add it to accumulator

    computation = counts_computation(
        '_class_confusion_counts', {'classes': None, 'num_classes': 3},
        _ConfusionCountsCombiner, index, eval_config, '', '', False)
"""

from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Tuple

import apache_beam as beam
import numpy as np
from tensorflow_model_analysis.metrics import metric_types, metric_util


class CountsCombiner(beam.CombineFn):
    """Counts one model's (and output's) examples into the accumulator of a subclass.

    A subclass defines ``create_accumulator()`` (an object with ``merge(other)``) and
    ``count(accumulator, label, prediction, weight)``; ``SQUEEZE`` is passed on to TFMA's
    ``to_label_prediction_example_weight`` (None: TFMA's default).
    """

    SQUEEZE: bool | None = None

    def __init__(self, key, eval_config, example_weighted: bool, index):
        self._key = key
        self._eval_config = eval_config
        self._example_weighted = example_weighted
        self._index = index

    def count(self, accumulator, label, prediction, weight: float) -> None:
        raise NotImplementedError

    def add_input(self, accumulator, element):
        options = {} if self.SQUEEZE is None else {'squeeze': self.SQUEEZE}
        label, prediction, weight = next(
            metric_util.to_label_prediction_example_weight(
                element,
                eval_config=self._eval_config,
                model_name=self._key.model_name,
                output_name=self._key.output_name,
                example_weighted=self._example_weighted,
                flatten=False,
                require_single_example_weight=True,
                **options,
            )
        )
        self.count(accumulator, label, prediction, float(np.asarray(weight).reshape(-1)[0]))
        return accumulator

    def merge_accumulators(self, accumulators: Iterable):
        accumulators = iter(accumulators)
        result = next(accumulators)
        for accumulator in accumulators:
            result.merge(accumulator)
        return result

    def extract_output(self, accumulator) -> dict:
        return {self._key: accumulator}


def counts_computation(
    private_name: str,
    arguments: dict,
    combiner_class: type,
    index,
    eval_config,
    model_name: str,
    output_name: str,
    example_weighted: bool,
) -> metric_types.MetricComputation:
    """The (private, shared) computation of one model's and output's counts, keyed by
    ``private_name`` and ``arguments``: metrics with the same arguments reuse it, as TFMA
    de-duplicates computations by key."""
    key = metric_types.MetricKey(
        name=metric_util.generate_private_name_from_arguments(private_name, **arguments),
        model_name=model_name,
        output_name=output_name,
        example_weighted=example_weighted,
    )
    return metric_types.MetricComputation(
        keys=[key],
        preprocessors=None,
        combiner=combiner_class(key, eval_config, example_weighted, index),
    )


def derived_computations(
    counts: metric_types.MetricComputation,
    summarize: Callable[[object], Tuple[object, List[str]]],
    derive: Callable[[object, str], Dict[str, object]],
    name: str,
    diagnostic: str,
    result_name: str,
    model_name: str,
    output_name: str,
    example_weighted: bool,
) -> metric_types.MetricComputations:
    """``counts`` plus one derived computation: ``summarize(counts value)`` returns
    ``(scores, diagnostic names)``, ``derive(scores, name)`` returns ``{key name: value}``, and
    the key ``<name>/<diagnostic>`` holds the diagnostic names, comma-separated."""
    counts_key = counts.keys[0]

    def key(key_name: str) -> metric_types.MetricKey:
        return metric_types.MetricKey(
            name=key_name,
            model_name=model_name,
            output_name=output_name,
            example_weighted=example_weighted,
        )

    diagnostic_key = key(f'{name}/{diagnostic}')

    def result(metrics: Dict[metric_types.MetricKey, object]) -> Dict:
        scores, names = summarize(metrics[counts_key])
        values = {key(k): v for k, v in derive(scores, name).items()}
        values[diagnostic_key] = ', '.join(names)
        return values

    result.__name__ = result_name
    return [counts, metric_types.DerivedMetricComputation(keys=[diagnostic_key], result=result)]
