"""Each split's label counts for ClassDistributionValidator: from its TFDV statistics, or for a
label set given ``examples`` (always ``'multi_hot'``) counted from them in one Beam job."""

from __future__ import annotations

import os
from typing import Dict, List

import tensorflow as tf
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.types import artifact_utils

from tfx_balance.base import artifacts
from tfx_balance.core.class_distribution_validator import (
    LABEL_FORMS,
    CountLabels,
    LabelPrevalence,
    SplitterCounts,
    ValidatorConfig,
    label_statistics,
    load_counts,
    save_counts,
    to_prevalence,
)
from tfx_balance.core.common import keys, records
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.labels import class_name
from tfx_balance.core.split.report import GROUPS, STRATA, counts_of, group_slack, is_structured


def distributions(
    stats_artifact, examples, splits: List[str], config: ValidatorConfig, make_pipeline, tmp_dir
):
    """``{split: LabelDistribution or LabelPrevalence}``; ``tmp_dir()`` only to count examples."""
    form = LABEL_FORMS[config.multi_label]
    if examples is None or not form.counts_examples:
        if form.from_statistics is None:
            raise ConfigError(MULTI_HOT_NEEDS_EXAMPLES.format(feature=config.label_feature))
        return {
            split: form.from_statistics(
                _label_statistics(stats_artifact, split, config.label_feature),
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
    with tmp_dir() as folder:
        counted = _count(examples, splits, config, make_pipeline, folder)
    for split in splits:
        stats = _label_statistics(stats_artifact, split, config.label_feature).datasets[0]
        if int(stats.num_examples) != counted[split].examples:
            raise DataError(
                f"split '{split}' has {counted[split].examples} examples in the examples given "
                f'to ClassDistributionValidator but {int(stats.num_examples)} in its '
                'statistics: they are not of the same data. Pass the Examples the statistics '
                'were computed from (the same component output as StatisticsGen reads).'
            )
    return counted


def splitter_counts(examples, distributions, label_feature: str) -> SplitterCounts | None:
    """What StratifiedSplitter's ``split_counts.json`` at the root of ``examples`` says (None
    without one: not its output); a ``DataError`` when its counts are not the statistics'."""
    path = os.path.join(examples.uri, keys.SPLIT_COUNTS_FILE)
    if not tf.io.gfile.exists(path):
        return None
    report = artifacts.read_json(path)
    written = counts_of(report)
    for split, dist in distributions.items():
        seen = {class_name(c): n for c, n in dist.counts.items()}
        theirs = {c: row.get(split, 0) for c, row in written.items() if row.get(split, 0)}
        if seen != theirs:
            raise DataError(
                f"split '{split}' of label '{label_feature}' has the counts {seen} in the "
                f'statistics but {theirs} in {keys.SPLIT_COUNTS_FILE} of the examples given to '
                'ClassDistributionValidator: they are not of the same data. Pass as examples= '
                'the StratifiedSplitter output the statistics were computed from.'
            )
    classes = {class_name(c): c for d in distributions.values() for c in d.counts}
    slack = group_slack(report)
    return SplitterCounts(
        slack={classes[name]: n for name, n in slack.items() if name in classes and n},
        group_feature=report.get(GROUPS, {}).get('group_feature'),
        strata=report.get(STRATA) if is_structured(report) else None,
    )


MULTI_HOT_NEEDS_EXAMPLES = (
    "multi_label='multi_hot' needs examples= (TFDV statistics hold no per-position counts of "
    "the vector '{feature}'): pass the Examples the statistics were computed from, e.g. "
    "ClassDistributionValidator(statistics=..., examples=splitter.outputs['examples'], "
    "label_feature='{feature}', multi_label='multi_hot')."
)


def _label_statistics(stats_artifact, split: str, label_feature: str):
    """One split's label statistics; TFX's loader reads those written before ``FeatureStats.pb``."""
    split_dir = artifact_utils.get_split_uri([stats_artifact], split)
    try:
        with tf.io.gfile.GFile(
            os.path.join(split_dir, stats_artifact_utils.BINARY_PB_BASENAME), 'rb'
        ) as f:
            serialized = f.read()
    except tf.errors.NotFoundError:
        return stats_artifact_utils.load_statistics(stats_artifact, split).proto()
    return label_statistics(serialized, label_feature)


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
