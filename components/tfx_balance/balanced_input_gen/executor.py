"""BalancedInputGen executor: writes chosen splits as per-class shards plus the balance plan."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Dict, List, NamedTuple, Tuple

import apache_beam as beam
from absl import logging
from tfx.types import standard_artifacts

from tfx_balance.base import artifacts
from tfx_balance.base.artifacts.history import pinned_history
from tfx_balance.base.examples_executor import ExamplesExecutor
from tfx_balance.core.balanced_input_gen import (
    COMPONENT,
    PLAN_FILE,
    BalancedLayout,
    LayoutConfig,
    LayoutPlan,
    plans_to_json,
)
from tfx_balance.core.balanced_input_gen.merge import summed_counts
from tfx_balance.core.balanced_input_gen.plan_file import plan_from_json, plan_summary
from tfx_balance.core.balanced_input_gen.relabelled import check_classes_kept
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.json_files import read_json
from tfx_balance.core.common.labels import format_count_table
from tfx_balance.core.common.records import unbatch


def plan_table(doc: dict) -> str:
    """The count table of every laid-out split in a ``balance_plan.json`` document."""
    multi = [s for s, obj in doc['splits'].items() if 'multi_label' in obj]
    if multi:
        return '\n\n'.join(plan_summary(plan_from_json(s, doc['splits'][s])) for s in multi)
    splits = list(doc['splits'])
    rows: Dict[str, Dict[str, int]] = {}
    for split in splits:
        plan = LayoutPlan.from_json(split, doc['splits'][split])
        for name, count in zip(plan.classes, plan.counts):
            rows.setdefault(name, {})[split] = count
    return format_count_table(rows, splits)


class DataCounts(NamedTuple):
    """Per laid-out split, its class counts before augmentation; the window's earlier layouts."""

    counts: Dict[str, Dict[str, int]]
    given: bool  # augmented_examples was given: every laid-out split must have its counts
    window: Tuple[str, ...] = ()  # the earlier spans' layout URIs, oldest first


class Executor(ExamplesExecutor):
    """Lays the chosen splits out per class and writes ``balance_plan.json``.

    Do(input_dict, output_dict, exec_properties) (see ``ExamplesExecutor``):
      input_dict['input_examples']: one Examples artifact (tf.Example payload), or a window of
        spans with the same splits, whose union is laid out as one.
      output_dict['examples']: one Examples artifact; the ``splits`` ones as
        ``Split-<name>/class-<index>-<name>-<shard>-of-<shards>.gz`` gzipped TFRecords, the
        others copied unchanged (over a window, ``span-<s>-`` prefixed), ``balance_plan.json``
        at the root; the (latest) input's span and version.
      exec_properties: LayoutConfig's arguments (core/balanced_input_gen/config.py), as its
        ``to_exec_properties`` writes them.
      input_dict['augmented_examples'] (optional): the BalancedAugmenter output the input was
        derived from: its rebalance_plan.json's 'input' counts are the splits' data_counts.
      input_dict['history'] (optional): LookBack's SpanHistory; balance_plan.json's ``window``
        then names the layouts of the training window's earlier spans.
    """

    COMPONENT = COMPONENT
    REPORT_FILE = PLAN_FILE
    WINDOW = True

    @staticmethod
    def read_counts(run) -> DataCounts:
        """The class counts before augmentation and the window's earlier layouts."""
        examples, config, input_dict = run.examples, run.config, run.input_dict
        given = input_dict.get(keys.AUGMENTED_EXAMPLES_KEY) or []
        counts = data_counts_of(
            given or augmenter_outputs(examples, config.label_feature), examples
        )
        if config.multi_label and input_dict.get(keys.HISTORY_KEY):
            raise multi_label_history_error(config.multi_label)
        window = window_layouts(input_dict, run.read)
        return DataCounts(counts, given=bool(given), window=window)

    def decode_config(self, exec_properties) -> LayoutConfig:
        return LayoutConfig.from_exec_properties(exec_properties)

    def describe(self, run):
        config, read, passthrough = run.config, run.read, run.passthrough
        if config.multi_label:
            return (
                f'laying out split(s) {read} per group (rarest label) by multi-label '
                f'{config.label_feature!r} ({config.multi_label}, policy {config.policy!r}, '
                f't={config.repeat_threshold:g}, seed {config.seed}); passing through '
                f'{passthrough or "nothing"}.'
            )
        return (
            f'laying out split(s) {read} per class by label {config.label_feature!r} (seed '
            f'{config.seed}, about {config.examples_per_shard} examples per shard); passing '
            f'through {passthrough or "nothing"}.'
        )

    def expand(self, pipeline, run):
        examples, output, config, read = run.examples, run.output, run.config, run.read
        inputs = self.read_counts(run)
        data_counts = inputs.counts
        plans = [
            pipeline
            | f'Read[{split}]' >> artifacts.ReadSplitBatches(examples, [split])
            | f'Unbatch[{split}]' >> beam.FlatMap(unbatch)
            | f'Layout[{split}]'
            >> BalancedLayout(artifacts.output_split_dir(output, split), split, config=config)
            for split in read
        ]
        missing = [split for split in read if inputs.given and split not in data_counts]
        if missing:
            raise DataError(
                f'augmented_examples has no rebalance plan of split(s) {missing} (it has '
                f'{sorted(data_counts)}); pass the BalancedAugmenter output the laid-out '
                'splits were derived from, or leave augmented_examples out.'
            )
        spans = [s for s in map(artifacts.span_of, examples) if s is not None]
        return self.report_of_parts(
            plans, plans_to_json, run.passthrough, data_counts, spans, inputs.window
        )

    def summary(self, report, config) -> str:
        return plan_table(report)

    def check_report(self, run, report) -> None:
        """The classes laid out must be the ones the augmenter wrote (``augmented_examples``)."""
        given = run.input_dict.get(keys.AUGMENTED_EXAMPLES_KEY) or []
        if not given or run.config.multi_label:
            return
        written = data_counts_of(given, run.examples, field='output')
        augmenter = read_json(os.path.join(given[0].uri, keys.REBALANCE_PLAN_FILE))
        for split, doc in report['splits'].items():
            if split not in written:
                continue
            plan = LayoutPlan.from_json(split, doc)
            laid_out = dict(zip(plan.classes, plan.counts))
            check_classes_kept(split, written[split], laid_out, run.config.label_feature, augmenter)


def multi_label_history_error(multi_label: str) -> ConfigError:
    return ConfigError(
        f'history applies to a per-class layout only, not with multi_label={multi_label!r}: a '
        'multi-label layout is read one split at a time (its groups and draws are planned per '
        'split), so the layouts of a window cannot be read together. Leave history out: the '
        "Trainer then reads this span's layout alone (to train on a window, give examples the "
        'window of spans, laid out as one).'
    )


def window_layouts(input_dict, laid_out: List[str]) -> Tuple[str, ...]:
    """The URIs of the layouts of the training window's earlier spans (by ``history``), oldest
    first, each checked to have laid out the splits ``laid_out``."""
    import tensorflow as tf

    pinned = pinned_history(input_dict.get(keys.HISTORY_KEY))
    if pinned is None:
        return ()
    examples = artifacts.require_single(
        input_dict[keys.INPUT_EXAMPLES_KEY],
        COMPONENT,
        fix=(
            "With a history, BalancedInputGen lays out the run's span and names the earlier "
            "spans' layouts in its plan: give it the ExampleGen output of the run, without a "
            'Resolver.'
        ),
    )
    span = artifacts.span_of(examples)
    window = pinned.artifacts('layout', standard_artifacts.Examples, span)
    records = [r for r in pinned.records('layout', span) if r.layout]
    for layout, record in zip(window, records):
        earlier = artifacts.span_of(layout)
        try:  # opened, not first checked: one round trip to GCS or S3 per span, not two
            with tf.io.gfile.GFile(os.path.join(layout.uri, PLAN_FILE), 'rb') as f:
                text = f.read()
        except tf.errors.NotFoundError:
            raise DataError(
                f'The history at {pinned.index.root} names {layout.uri} as the layout of span '
                f'{earlier}, but it has no {PLAN_FILE}. BalancedInputGen outputs of the spans in '
                'the training window must be kept; re-run that span to lay it out again.'
            ) from None
        if record.layout_sha256 and hashlib.sha256(text).hexdigest() != record.layout_sha256:
            raise DataError(
                f'The layout of span {earlier} in the training window ({layout.uri}) is not the '
                f'one the history recorded: its {PLAN_FILE} changed since that span was '
                'committed. Re-run that span to lay it out again.'
            )
        found = sorted(json.loads(text).get('splits', {}))
        if found != sorted(laid_out):
            raise DataError(
                f'The layout of span {earlier} in the training window ({layout.uri}) has '
                f'laid-out split(s) {", ".join(found) or "(none)"}, but span {span} lays out '
                f'{", ".join(sorted(laid_out))}: the window is read split by split. Lay out the '
                'same splits in every span (BalancedInputGen splits), or re-run span '
                f'{earlier} with these.'
            )
    logging.info(
        '%s: the training window of span %s reads the layouts of earlier span(s) %s with it',
        COMPONENT,
        span,
        ', '.join(str(artifacts.span_of(layout)) for layout in window) or '(none)',
    )
    return tuple(layout.uri for layout in window)


def augmenter_outputs(examples, label_feature: str) -> list:
    """``examples`` when every one is a BalancedAugmenter output rebalanced by ``label_feature``,
    else ``[]``: such examples give their counts before augmentation themselves."""
    import tensorflow as tf

    for artifact in examples:
        path = os.path.join(artifact.uri, keys.REBALANCE_PLAN_FILE)
        if not tf.io.gfile.exists(path) or read_json(path).get('label_feature') != label_feature:
            return []
    return list(examples)


def data_counts_of(augmented, window=(), field: str = 'input') -> Dict[str, Dict[str, int]]:
    """``{split: {class: count before augmentation}}`` from BalancedAugmenter outputs'
    ``rebalance_plan.json``, summed over the spans of ``window``; ``field='output'``: after it."""
    if not augmented:
        return {}
    import tensorflow as tf

    augmented, window = list(augmented), list(window)
    spans = sorted(artifacts.span_of(a) for a in augmented if artifacts.span_of(a) is not None)
    wanted = sorted(artifacts.span_of(e) for e in window if artifacts.span_of(e) is not None)
    spanned = len(spans) == len(augmented) and len(wanted) == len(window)
    if len(augmented) != len(window) or (spanned and spans != wanted):
        raise ConfigError(
            f'augmented_examples holds {len(augmented)} artifact(s) '
            f'({", ".join(artifacts.source_names(augmented))}) and examples '
            f'{len(window)} ({", ".join(artifacts.source_names(window))}): the data counts '
            'recorded must be of the laid-out spans. Give augmented_examples the '
            'BalancedAugmenter outputs of the same spans (the same Resolver range as examples).'
        )
    per_artifact = []
    for name, artifact in artifacts.oldest_first(augmented):
        path = os.path.join(artifact.uri, keys.REBALANCE_PLAN_FILE)
        if not tf.io.gfile.exists(path):
            where = f' ({name})' if len(augmented) > 1 else ''
            raise DataError(
                f'augmented_examples{where} ({artifact.uri}) has no {keys.REBALANCE_PLAN_FILE}: '
                'it is not a BalancedAugmenter output. Pass BalancedAugmenter(...).outputs'
                '["examples"].'
            )
        per_artifact.append(read_json(path).get('splits', {}))
    names = [name for name, _ in artifacts.oldest_first(augmented)]
    splits = list(dict.fromkeys(s for plan in per_artifact for s in plan))
    for split in splits:
        missing = [name for name, plan in zip(names, per_artifact) if split not in plan]
        if missing:
            raise DataError(
                f"augmented_examples of {', '.join(missing)} did not rebalance split '{split}' "
                "that the others did: the window's data counts of it would be partial. "
                'Augment the same splits in every span.'
            )
    return {
        split: summed_counts(
            ((name, row[field]) for name, row in plan[split].items()) for plan in per_artifact
        )
        for split in splits
    }
