"""LeakageCheck's picture, from its ``leakage.json``: each split's originals and synthetic
examples, and each pair of splits with what they share (usually nothing, said in one line)."""

from __future__ import annotations

from tfx_balance.core.pictures import charts


def draw(report: dict) -> list:
    splits = list(report.get('splits') or [])
    duplicates = report.get('duplicates_across_splits') or {}
    pairs = duplicates.get('pairs') or []
    outside = report.get('synthetic_outside_training') or {}
    shared = duplicates.get('keys', 0)
    passed = bool(report.get('passed'))
    if not shared and not outside.get('examples'):
        line = (
            f'No example is in two splits ({len(pairs)} pair(s) of splits checked), and no '
            'synthetic example is outside the training split(s).'
        )
    else:
        line = (
            f'{shared:,} example key(s) are in two or more splits; '
            f'{outside.get("examples", 0):,} synthetic example(s) are outside the training '
            'split(s)' + ('' if passed else ': the run stops here.')
        )
    parts = [charts.verdict(passed, line)]
    examples = report.get('examples') or {}
    synthetic = report.get('synthetic') or {}
    parts.append(
        charts.bar_rows(
            'leakage-splits',
            'Examples per split',
            splits,
            {
                'originals': [examples.get(s, 0) - synthetic.get(s, 0) for s in splits],
                'synthetic': [synthetic.get(s, 0) for s in splits],
            },
        )
    )
    rows = [
        [
            ' & '.join(p['splits']),
            f'{p["keys"]:,}',
            ', '.join(f'{s} {n:,}' for s, n in p['examples'].items()),
            ', '.join(p.get('fingerprints') or []) or '-',
        ]
        for p in pairs
    ]
    for split, entry in (outside.get('per_split') or {}).items():
        rows.append(
            [
                f'synthetic in {split}',
                '-',
                f'{entry.get("examples", 0):,}',
                ', '.join(entry.get('fingerprints') or []) or '-',
            ]
        )
    parts.append(charts.table(['splits', 'shared keys', 'examples', 'fingerprints (first)'], rows))
    within = report.get('duplicates_within_splits') or {}
    if within:
        text = '; '.join(
            f'{s}: {e.get("extra_examples", 0):,} repeats of {e.get("keys", 0):,} examples'
            for s, e in within.items()
        )
        parts.append(f'<p>Within a split (allowed; synthetic copies): {charts.esc(text)}.</p>')
    return parts
