"""The per-label prevalence of every split for ClassDistributionValidator's ``multi_label`` mode.

``'ids'`` without ``examples``: from each split's TFDV statistics
(:func:`~tfx_balance.core.class_distribution.prevalence_from_statistics`). With ``examples`` (and
always for ``'multi_hot'``, which TFDV has no per-position statistics for): counted from the
examples in one Beam job, each split's files read in batches and only the label decoded, one
bounded label -> count table per split (:class:`~tfx_balance.core.class_distribution.
CountLabels`); each split's example count must equal the statistics' ``num_examples``, so
statistics and examples of different data are an error, not a silent mix.
"""

from __future__ import annotations

import os
from typing import Dict, List

import tensorflow as tf
from tfx.components.statistics_gen import stats_artifact_utils

from tfx_balance import artifacts
from tfx_balance.core import records
from tfx_balance.core.class_distribution import (
    CountLabels,
    LabelPrevalence,
    ValidatorConfig,
    load_counts,
    prevalence_from_statistics,
    save_counts,
    to_prevalence,
)
from tfx_balance.core.errors import ConfigError, DataError


def prevalences(
    stats_artifact, examples, splits: List[str], config: ValidatorConfig, make_pipeline, tmp_dir
) -> Dict[str, LabelPrevalence]:
    """``{split: LabelPrevalence}`` from the statistics, or counted from ``examples``."""
    if examples is None:
        if config.multi_label == 'multi_hot':
            raise ConfigError(MULTI_HOT_NEEDS_EXAMPLES.format(feature=config.label_feature))
        return {
            split: prevalence_from_statistics(
                stats_artifact_utils.load_statistics(stats_artifact, split).proto(),
                config.label_feature,
                split,
            )
            for split in splits
        }
    artifacts.require_tf_example(examples, 'ClassDistributionValidator')
    missing = [s for s in splits if s not in artifacts.split_names(examples)]
    if missing:
        raise DataError(
            f'the examples given to ClassDistributionValidator lack split(s) '
            f'{", ".join(repr(s) for s in missing)} of the statistics; splits of the examples: '
            f'{", ".join(artifacts.split_names(examples)) or "(none)"}. Pass the Examples the '
            'statistics were computed from (the same component output as StatisticsGen reads).'
        )
    counted = _count(examples, splits, config, make_pipeline, tmp_dir)
    for split in splits:
        stats = stats_artifact_utils.load_statistics(stats_artifact, split).proto().datasets[0]
        if int(stats.num_examples) != counted[split].examples:
            raise DataError(
                f"split '{split}' has {counted[split].examples} examples in the examples given "
                f'to ClassDistributionValidator but {int(stats.num_examples)} in its '
                'statistics: they are not of the same data. Pass the Examples the statistics '
                'were computed from (the same component output as StatisticsGen reads).'
            )
    return counted


MULTI_HOT_NEEDS_EXAMPLES = (
    "multi_label='multi_hot' needs examples= (TFDV statistics hold no per-position counts of "
    "the vector '{feature}'): pass the Examples the statistics were computed from, e.g. "
    "ClassDistributionValidator(statistics=..., examples=splitter.outputs['examples'], "
    "label_feature='{feature}', multi_label='multi_hot')."
)


def _count(examples, splits, config, make_pipeline, tmp_dir) -> Dict[str, LabelPrevalence]:
    """One Beam job counting every split's labels; the counts come back through ``tmp_dir``."""
    paths = {split: os.path.join(tmp_dir, f'label_counts-{split}.pickle') for split in splits}
    with artifacts.checked_beam_pipeline(make_pipeline, examples, splits) as pipeline:
        for split in splits:
            files = artifacts.check_split_files(examples, split)
            _ = (
                pipeline
                | f'Read[{split}]' >> records.ReadRecordBatches(files)
                | f'Count[{split}]'
                >> CountLabels(config.label_feature, config.multi_label, f"split '{split}'")
                | f'Save[{split}]' >> _save(paths[split])
            )
    counted = {split: to_prevalence(load_counts(paths[split]), split) for split in splits}
    for path in paths.values():
        tf.io.gfile.remove(path)
    return counted


def _save(path: str):
    import apache_beam as beam

    return beam.Map(save_counts, path)
