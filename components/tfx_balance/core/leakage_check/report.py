"""The leakage report (JSON-ready dict and markdown), and the error that fails the pipeline.

Example:
    >>> from tfx_balance.core.leakage_check.counts import LeakageCounts
    >>> counts = LeakageCounts(2)
    >>> counts.examples[:] = [8, 2]
    >>> report = leakage_report(counts, ['train', 'eval'], ['train'], LeakageConfig().validate())
    >>> report['passed'], report['duplicates_across_splits']['keys']
    (True, 0)
"""

from __future__ import annotations

from typing import List, Sequence

from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import fingerprint
from tfx_balance.core.common.keys import PASSED, SPLITS_KEY
from tfx_balance.core.leakage_check.config import LeakageConfig
from tfx_balance.core.leakage_check.counts import LeakageCounts

# leakage.json's entries (leakage_report) that its picture reads (core/pictures/leakage.py),
# besides keys.PASSED and keys.SPLITS_KEY.
EXAMPLES = 'examples'
SYNTHETIC = 'synthetic'
DUPLICATES_ACROSS_SPLITS = 'duplicates_across_splits'
SYNTHETIC_OUTSIDE_TRAINING = 'synthetic_outside_training'
DUPLICATES_WITHIN_SPLITS = 'duplicates_within_splits'
SHARED_KEYS = 'keys'  # the content keys in two splits (a pair's, or all)
LEAKED_PAIRS = 'pairs'
FINGERPRINTS = 'fingerprints'
PER_SPLIT = 'per_split'
EXTRA_EXAMPLES = 'extra_examples'


class LeakageError(DataError):
    """Examples leak between splits and the configuration does not allow it (fails the run)."""


def _fingerprints(keys: Sequence[int]) -> List[str]:
    return [fingerprint(int(key).to_bytes(8, 'big')) for key in keys]


def leakage_report(
    counts: LeakageCounts,
    splits: Sequence[str],
    training_splits: Sequence[str],
    config: LeakageConfig,
    groups: dict | None = None,
    source_names: Sequence[str] | None = None,
) -> dict:
    """The report of ``counts``; groups in two splits never pass. ``source_names``: a window's
    source numbers, for ``seen_in``."""
    splits = list(splits)
    pairs = []
    for a in range(len(splits)):
        for b in range(a + 1, len(splits)):
            pairs.append(
                {
                    SPLITS_KEY: [splits[a], splits[b]],
                    SHARED_KEYS: int(counts.pair_keys[a, b]),
                    EXAMPLES: {
                        splits[a]: int(counts.pair_examples[a, b]),
                        splits[b]: int(counts.pair_examples[b, a]),
                    },
                    FINGERPRINTS: _fingerprints(counts.pair_samples.get((a, b), [])),
                }
            )
    outside = {
        split: {
            EXAMPLES: int(counts.synthetic[j]),
            FINGERPRINTS: _fingerprints(counts.synthetic_samples[j]),
        }
        for j, split in enumerate(splits)
        if split not in training_splits and counts.synthetic[j]
    }
    within = {
        split: {
            SHARED_KEYS: int(counts.within_keys[j]),
            EXTRA_EXAMPLES: int(counts.within_extra[j]),
            FINGERPRINTS: _fingerprints(counts.within_samples[j]),
        }
        for j, split in enumerate(splits)
        if counts.within_keys[j]
    }
    synthetic_outside = sum(entry[EXAMPLES] for entry in outside.values())
    duplicates_ok = counts.cross_keys == 0 or config.allow_duplicates
    synthetic_ok = synthetic_outside == 0 or config.allow_synthetic_outside
    groups_ok = not (groups and groups['groups'])
    report = {
        PASSED: bool(duplicates_ok and synthetic_ok and groups_ok),
        SPLITS_KEY: splits,
        'training_splits': list(training_splits),
        EXAMPLES: {s: int(counts.examples[j]) for j, s in enumerate(splits)},
        SYNTHETIC: {s: int(counts.synthetic[j]) for j, s in enumerate(splits)},
        DUPLICATES_ACROSS_SPLITS: {
            SHARED_KEYS: int(counts.cross_keys),
            EXAMPLES: int(counts.cross_examples.sum()),
            PER_SPLIT: {s: int(counts.cross_examples[j]) for j, s in enumerate(splits)},
            LEAKED_PAIRS: pairs,
        },
        SYNTHETIC_OUTSIDE_TRAINING: {EXAMPLES: synthetic_outside, PER_SPLIT: outside},
        DUPLICATES_WITHIN_SPLITS: within,
        'allow_duplicates': config.allow_duplicates,
        'allow_synthetic_outside': config.allow_synthetic_outside,
        'provenance_feature': config.provenance_feature,
        'label_feature': config.label_feature,
        'max_examples': config.max_examples,
    }
    if config.group_feature is not None:
        report['group_feature'] = config.group_feature
        none = {'groups': 0, PER_SPLIT: {s: 0 for s in splits}, LEAKED_PAIRS: []}
        report['groups_across_splits'] = groups or none
    if source_names is not None:  # a window of spans: where each listed example is
        keys = counts.listed_keys().tolist()
        where = [[source_names[j] for j in counts.located[key]] for key in keys]
        report['seen_in'] = dict(zip(_fingerprints(keys), where))
    return report


def _where(name: str, seen_in: dict | None) -> str:
    """``name``, and over a window of spans the sources it was seen in."""
    if not seen_in or name not in seen_in:
        return name
    found = seen_in[name]
    return f'{name} in {", ".join(found[:-1])} and {found[-1]}' if len(found) > 1 else name


def _examples(fingerprints: Sequence[str], seen_in: dict | None = None) -> str:
    named = [_where(f, seen_in) for f in fingerprints[:3]]
    return f' (e.g. {", ".join(named)})' if fingerprints else ''


def error_message(report: dict) -> str:
    """The message of ``LeakageError``: what was found, what was expected, the fixes."""
    parts, fixes = [], []
    duplicates = report[DUPLICATES_ACROSS_SPLITS]
    if duplicates[SHARED_KEYS] and not report['allow_duplicates']:
        pairs = '; '.join(
            f'{" & ".join(p[SPLITS_KEY])}: {p[SHARED_KEYS]}'
            f'{_examples(p[FINGERPRINTS], report.get("seen_in"))}'
            for p in duplicates[LEAKED_PAIRS]
            if p[SHARED_KEYS]
        )
        parts.append(
            f'{duplicates[SHARED_KEYS]} content key(s) ({duplicates[EXAMPLES]} examples) occur in '
            f'two or more splits ({pairs})'
        )
        fixes.append(
            'remove the duplicates before splitting (the same features in two splits means the '
            'model is evaluated on examples it trained on), or pass allow_duplicates=True to '
            'record them without failing'
        )
    synthetic = report[SYNTHETIC_OUTSIDE_TRAINING]
    if synthetic[EXAMPLES] and not report['allow_synthetic_outside']:
        where = '; '.join(
            f'{split}: {entry[EXAMPLES]}{_examples(entry[FINGERPRINTS], report.get("seen_in"))}'
            for split, entry in synthetic[PER_SPLIT].items()
        )
        parts.append(
            f'{synthetic[EXAMPLES]} synthetic example(s) ({report["provenance_feature"]} == 1) '
            f'outside the training split(s) {report["training_splits"]} ({where})'
        )
        fixes.append(
            "rebalance only the training split(s) (BalancedAugmenter(splits=['train'])), name "
            'the split in training_splits if it is training data, or pass '
            'allow_synthetic_outside=True'
        )
    groups = report.get('groups_across_splits')
    if groups and groups['groups']:
        seen_in = {repr(i): where for i, where in groups.get('seen_in', {}).items()}
        pairs = '; '.join(
            f'{" & ".join(p[SPLITS_KEY])}: {p["groups"]}'
            f'{_examples([repr(i) for i in p["ids"]], seen_in)}'
            for p in groups[LEAKED_PAIRS]
        )
        parts.append(
            f"{groups['groups']} group(s) of group_feature '{report['group_feature']}' have "
            f'examples in two or more splits ({pairs})'
        )
        fixes.append(
            'split with StratifiedSplitter(group_feature=...) (it keeps every group in one split; '
            'an id is one group whether stored as int64, bytes or float), and do not merge '
            'splits made apart'
        )
    return (
        f'leakage between splits: {"; and ".join(parts)}. Expected none. To fix: '
        f'{"; ".join(fixes)}. The report lists up to {report["max_examples"]} fingerprints per '
        'finding (the content-key fingerprint errors and source_fingerprint use).'
    )


def to_markdown(report: dict) -> str:
    """The report as markdown tables (logged, and written as ``leakage.md``)."""
    verdict = 'passed' if report[PASSED] else 'FAILED'
    training = report['training_splits']
    lines = [f'## LeakageCheck: {verdict}', '']
    lines += ['| split | examples | synthetic | training split |', '| --- | ---: | ---: | --- |']
    for split in report[SPLITS_KEY]:
        lines.append(
            f'| {split} | {report[EXAMPLES][split]:,} | {report[SYNTHETIC][split]:,} | '
            f'{"yes" if split in training else "no"} |'
        )
    duplicates = report[DUPLICATES_ACROSS_SPLITS]
    allowed = ' (allowed)' if report['allow_duplicates'] else ''
    lines += [
        '',
        f'Examples whose content is in two or more splits{allowed}: {duplicates[SHARED_KEYS]:,} '
        f'content keys, {duplicates[EXAMPLES]:,} examples.',
        '',
        '| splits | shared content keys | examples in each | fingerprints |',
        '| --- | ---: | --- | --- |',
    ]
    for pair in duplicates[LEAKED_PAIRS]:
        each = ', '.join(f'{s} {n:,}' for s, n in pair[EXAMPLES].items())
        lines.append(
            f'| {" & ".join(pair[SPLITS_KEY])} | {pair[SHARED_KEYS]:,} | {each} | '
            f'{" ".join(pair[FINGERPRINTS])} |'
        )
    synthetic = report[SYNTHETIC_OUTSIDE_TRAINING]
    allowed = ' (allowed)' if report['allow_synthetic_outside'] else ''
    lines += [
        '',
        f'Synthetic examples outside the training split(s) {training}{allowed}: '
        f'{synthetic[EXAMPLES]:,}.',
    ]
    if synthetic[PER_SPLIT]:
        lines += ['', '| split | synthetic examples | fingerprints |', '| --- | ---: | --- |']
        for split, entry in synthetic[PER_SPLIT].items():
            lines.append(f'| {split} | {entry[EXAMPLES]:,} | {" ".join(entry[FINGERPRINTS])} |')
    groups = report.get('groups_across_splits')
    if groups is not None:
        lines += [
            '',
            f"Groups of '{report['group_feature']}' with examples in two or more splits: "
            f'{groups["groups"]:,}.',
        ]
        if groups[LEAKED_PAIRS]:
            lines += ['', '| splits | shared groups | ids |', '| --- | ---: | --- |']
            for pair in groups[LEAKED_PAIRS]:
                lines.append(
                    f'| {" & ".join(pair[SPLITS_KEY])} | {pair["groups"]:,} | '
                    f'{" ".join(pair["ids"])} |'
                )
    within = report[DUPLICATES_WITHIN_SPLITS]
    lines += ['', f'Repeated examples within one split (not leakage): {len(within)} split(s).']
    if within:
        lines += [
            '',
            '| split | repeated content keys | extra copies | fingerprints |',
            '| --- | ---: | ---: | --- |',
        ]
        for split, entry in within.items():
            lines.append(
                f'| {split} | {entry[SHARED_KEYS]:,} | {entry[EXTRA_EXAMPLES]:,} | '
                f'{" ".join(entry[FINGERPRINTS])} |'
            )
    seen_in = {**report.get('seen_in', {}), **(groups or {}).get('seen_in', {})}
    if seen_in:  # a window of spans
        lines += ['', 'Where the listed examples and groups are (a window of spans):', '']
        lines += ['| example or group | seen in |', '| --- | --- |']
        lines += [f'| {name} | {", ".join(where)} |' for name, where in seen_in.items()]
    return '\n'.join(lines) + '\n'
