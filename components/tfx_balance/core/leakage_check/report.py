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
from tfx_balance.core.leakage_check.config import LeakageConfig
from tfx_balance.core.leakage_check.counts import LeakageCounts


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
    """The report of ``counts`` over ``splits``. ``passed`` is False for a finding not allowed;
    groups in two or more splits (``groups``, from ``GroupSummary``) are never allowed. Over a
    window of spans, ``source_names`` names ``counts.located``'s source numbers (``seen_in``)."""
    splits = list(splits)
    pairs = []
    for a in range(len(splits)):
        for b in range(a + 1, len(splits)):
            pairs.append(
                {
                    'splits': [splits[a], splits[b]],
                    'keys': int(counts.pair_keys[a, b]),
                    'examples': {
                        splits[a]: int(counts.pair_examples[a, b]),
                        splits[b]: int(counts.pair_examples[b, a]),
                    },
                    'fingerprints': _fingerprints(counts.pair_samples.get((a, b), [])),
                }
            )
    outside = {
        split: {
            'examples': int(counts.synthetic[j]),
            'fingerprints': _fingerprints(counts.synthetic_samples[j]),
        }
        for j, split in enumerate(splits)
        if split not in training_splits and counts.synthetic[j]
    }
    within = {
        split: {
            'keys': int(counts.within_keys[j]),
            'extra_examples': int(counts.within_extra[j]),
            'fingerprints': _fingerprints(counts.within_samples[j]),
        }
        for j, split in enumerate(splits)
        if counts.within_keys[j]
    }
    synthetic_outside = sum(entry['examples'] for entry in outside.values())
    duplicates_ok = counts.cross_keys == 0 or config.allow_duplicates
    synthetic_ok = synthetic_outside == 0 or config.allow_synthetic_outside
    groups_ok = not (groups and groups['groups'])
    report = {
        'passed': bool(duplicates_ok and synthetic_ok and groups_ok),
        'splits': splits,
        'training_splits': list(training_splits),
        'examples': {s: int(counts.examples[j]) for j, s in enumerate(splits)},
        'synthetic': {s: int(counts.synthetic[j]) for j, s in enumerate(splits)},
        'duplicates_across_splits': {
            'keys': int(counts.cross_keys),
            'examples': int(counts.cross_examples.sum()),
            'per_split': {s: int(counts.cross_examples[j]) for j, s in enumerate(splits)},
            'pairs': pairs,
        },
        'synthetic_outside_training': {'examples': synthetic_outside, 'per_split': outside},
        'duplicates_within_splits': within,
        'allow_duplicates': config.allow_duplicates,
        'allow_synthetic_outside': config.allow_synthetic_outside,
        'provenance_feature': config.provenance_feature,
        'label_feature': config.label_feature,
        'max_examples': config.max_examples,
    }
    if config.group_feature is not None:
        report['group_feature'] = config.group_feature
        none = {'groups': 0, 'per_split': {s: 0 for s in splits}, 'pairs': []}
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
    duplicates = report['duplicates_across_splits']
    if duplicates['keys'] and not report['allow_duplicates']:
        pairs = '; '.join(
            f'{" & ".join(p["splits"])}: {p["keys"]}'
            f'{_examples(p["fingerprints"], report.get("seen_in"))}'
            for p in duplicates['pairs']
            if p['keys']
        )
        parts.append(
            f'{duplicates["keys"]} content key(s) ({duplicates["examples"]} examples) occur in two '
            f'or more splits ({pairs})'
        )
        fixes.append(
            'remove the duplicates before splitting (the same features in two splits means the '
            'model is evaluated on examples it trained on), or pass allow_duplicates=True to '
            'record them without failing'
        )
    synthetic = report['synthetic_outside_training']
    if synthetic['examples'] and not report['allow_synthetic_outside']:
        where = '; '.join(
            f'{split}: {entry["examples"]}{_examples(entry["fingerprints"], report.get("seen_in"))}'
            for split, entry in synthetic['per_split'].items()
        )
        parts.append(
            f'{synthetic["examples"]} synthetic example(s) ({report["provenance_feature"]} == 1) '
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
            f'{" & ".join(p["splits"])}: {p["groups"]}'
            f'{_examples([repr(i) for i in p["ids"]], seen_in)}'
            for p in groups['pairs']
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
    verdict = 'passed' if report['passed'] else 'FAILED'
    training = report['training_splits']
    lines = [f'## LeakageCheck: {verdict}', '']
    lines += ['| split | examples | synthetic | training split |', '| --- | ---: | ---: | --- |']
    for split in report['splits']:
        lines.append(
            f'| {split} | {report["examples"][split]:,} | {report["synthetic"][split]:,} | '
            f'{"yes" if split in training else "no"} |'
        )
    duplicates = report['duplicates_across_splits']
    allowed = ' (allowed)' if report['allow_duplicates'] else ''
    lines += [
        '',
        f'Examples whose content is in two or more splits{allowed}: {duplicates["keys"]:,} '
        f'content keys, {duplicates["examples"]:,} examples.',
        '',
        '| splits | shared content keys | examples in each | fingerprints |',
        '| --- | ---: | --- | --- |',
    ]
    for pair in duplicates['pairs']:
        each = ', '.join(f'{s} {n:,}' for s, n in pair['examples'].items())
        lines.append(
            f'| {" & ".join(pair["splits"])} | {pair["keys"]:,} | {each} | '
            f'{" ".join(pair["fingerprints"])} |'
        )
    synthetic = report['synthetic_outside_training']
    allowed = ' (allowed)' if report['allow_synthetic_outside'] else ''
    lines += [
        '',
        f'Synthetic examples outside the training split(s) {training}{allowed}: '
        f'{synthetic["examples"]:,}.',
    ]
    if synthetic['per_split']:
        lines += ['', '| split | synthetic examples | fingerprints |', '| --- | ---: | --- |']
        for split, entry in synthetic['per_split'].items():
            lines.append(f'| {split} | {entry["examples"]:,} | {" ".join(entry["fingerprints"])} |')
    groups = report.get('groups_across_splits')
    if groups is not None:
        lines += [
            '',
            f"Groups of '{report['group_feature']}' with examples in two or more splits: "
            f'{groups["groups"]:,}.',
        ]
        if groups['pairs']:
            lines += ['', '| splits | shared groups | ids |', '| --- | ---: | --- |']
            for pair in groups['pairs']:
                lines.append(
                    f'| {" & ".join(pair["splits"])} | {pair["groups"]:,} | '
                    f'{" ".join(pair["ids"])} |'
                )
    within = report['duplicates_within_splits']
    lines += ['', f'Repeated examples within one split (not leakage): {len(within)} split(s).']
    if within:
        lines += [
            '',
            '| split | repeated content keys | extra copies | fingerprints |',
            '| --- | ---: | ---: | --- |',
        ]
        for split, entry in within.items():
            lines.append(
                f'| {split} | {entry["keys"]:,} | {entry["extra_examples"]:,} | '
                f'{" ".join(entry["fingerprints"])} |'
            )
    seen_in = {**report.get('seen_in', {}), **(groups or {}).get('seen_in', {})}
    if seen_in:  # a window of spans
        lines += ['', 'Where the listed examples and groups are (a window of spans):', '']
        lines += ['| example or group | seen in |', '| --- | --- |']
        lines += [f'| {name} | {", ".join(where)} |' for name, where in seen_in.items()]
    return '\n'.join(lines) + '\n'
