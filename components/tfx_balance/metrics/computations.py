"""The TFMA plumbing shared by every ``tfx_balance.metrics`` metric: a Beam combiner counting as an
index of ``counts.py`` says, and a derived computation from counts to the metric's keys.
"""

from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Tuple

import apache_beam as beam
import numpy as np
from tensorflow_model_analysis.metrics import metric_types, metric_util

from tfx_balance.core.common.errors import ConfigError


class CountsCombiner(beam.CombineFn):
    """Counts one model's examples; a subclass defines ``create_accumulator()`` and ``count``."""

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


def metric_key(
    name: str, model_name: str, output_name: str, example_weighted: bool
) -> metric_types.MetricKey:
    """The key TFMA files the value ``name`` of one model and output under."""
    return metric_types.MetricKey(
        name=name,
        model_name=model_name,
        output_name=output_name,
        example_weighted=example_weighted,
    )


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
    """The private counts computation of one model and output, shared by key."""
    key = metric_key(
        metric_util.generate_private_name_from_arguments(private_name, **arguments),
        model_name,
        output_name,
        example_weighted,
    )
    return metric_types.MetricComputation(
        keys=[key],
        preprocessors=None,
        combiner=combiner_class(key, eval_config, example_weighted, index),
    )


class _IndexCombiner(CountsCombiner):
    def __init__(self, key, eval_config, example_weighted: bool, index):
        super().__init__(key, eval_config, example_weighted, index)
        self.SQUEEZE = index.SQUEEZE

    def create_accumulator(self):
        return self._index.new_counts()

    def count(self, accumulator, label, prediction, weight: float) -> None:
        self._index.add(accumulator, label, prediction, weight)


def index_counts_computation(
    index,
    eval_config,
    model_name: str,
    output_name: str,
    example_weighted: bool,
) -> metric_types.MetricComputation:
    """``counts_computation`` of ``index``: its private name and arguments."""
    return counts_computation(
        index.PRIVATE_NAME,
        index.arguments(),
        _IndexCombiner,
        index,
        eval_config,
        model_name,
        output_name,
        example_weighted,
    )


def derived_computations(
    counts: metric_types.MetricComputation,
    summarize: Callable[[object], Tuple[object, List[str]]],
    derive: Callable[[object, str], Dict[str, object]],
    name: str,
    diagnostic: str,
    source: str,
) -> metric_types.MetricComputations:
    """``counts`` and a computation of ``derive(summarize(counts))`` and ``<name>/<diagnostic>``,
    keyed like ``counts`` (model, output, weighting)."""
    counts_key = counts.keys[0]

    def key(key_name: str) -> metric_types.MetricKey:
        return metric_key(
            key_name, counts_key.model_name, counts_key.output_name, counts_key.example_weighted
        )

    diagnostic_key = key(f'{name}/{diagnostic}')

    def result(metrics: Dict[metric_types.MetricKey, object]) -> Dict:
        scores, names = summarize(metrics[counts_key])
        values = {key(k): v for k, v in derive(scores, name).items()}
        values[diagnostic_key] = ', '.join(names)
        return values

    result.__name__ = f'_{name}_from_{source}'
    return [counts, metric_types.DerivedMetricComputation(keys=[diagnostic_key], result=result)]


def mean(values) -> float:
    """The mean of ``values``; NaN when there are none."""
    values = list(values)
    return sum(values) / len(values) if values else float('nan')


def check_metric_name(name) -> str:
    """``name`` if it is a non-empty string, else ``ConfigError``."""
    if not isinstance(name, str) or not name:
        raise ConfigError(f'name must be a non-empty metric name, got {name!r}.')
    return name


def counts_metric_fn(
    index_of: Callable[[dict], object],
    summarize: Callable[[object, List[str]], Tuple[object, List[str]]],
    derive: Callable[..., Dict[str, object]],
    diagnostic: str,
    source: str,
) -> Callable[..., metric_types.MetricComputations]:
    """A counts metric's TFMA create function; ``index_of`` pops the index's arguments."""

    def create(
        name: str,
        eval_config=None,
        model_name: str = '',
        output_name: str = '',
        example_weighted: bool = False,
        **arguments,
    ) -> metric_types.MetricComputations:
        index = index_of(arguments)
        return derived_computations(
            index_counts_computation(index, eval_config, model_name, output_name, example_weighted),
            lambda counts: summarize(counts, index.names(counts)),
            lambda scores, metric_name: derive(scores, metric_name, **arguments),
            name,
            diagnostic,
            source,
        )

    return metric_util.merge_per_key_computations(create)
