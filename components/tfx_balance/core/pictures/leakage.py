"""LeakageCheck's picture, from its ``leakage.json``: each split's originals and synthetic
examples, and each pair of splits with what they share (usually nothing, said in one line)."""

from __future__ import annotations

from tfx_balance.core.common import keys
from tfx_balance.core.pictures import charts


def draw(report: dict) -> list:
    # The report's keys; its package imports Beam, imported when drawing (as split.py does).
    from tfx_balance.core.leakage_check import report as r

    splits = list(report.get(keys.SPLITS_KEY) or [])
    duplicates = report.get(r.DUPLICATES_ACROSS_SPLITS) or {}
    pairs = duplicates.get(r.LEAKED_PAIRS) or []
    outside = report.get(r.SYNTHETIC_OUTSIDE_TRAINING) or {}
    shared = duplicates.get(r.SHARED_KEYS, 0)
    passed = bool(report.get(keys.PASSED))
    if not shared and not outside.get(r.EXAMPLES):
        line = (
            f'No example is in two splits ({len(pairs)} pair(s) of splits checked), and no '
            'synthetic example is outside the training split(s).'
        )
    else:
        line = (
            f'{shared:,} example key(s) are in two or more splits; '
            f'{outside.get(r.EXAMPLES, 0):,} synthetic example(s) are outside the training '
            'split(s)' + ('' if passed else ': the run stops here.')
        )
    parts = [charts.verdict(passed, line)]
    examples = report.get(r.EXAMPLES) or {}
    synthetic = report.get(r.SYNTHETIC) or {}
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
            ' & '.join(p[keys.SPLITS_KEY]),
            f'{p[r.SHARED_KEYS]:,}',
            ', '.join(f'{s} {n:,}' for s, n in p[r.EXAMPLES].items()),
            ', '.join(p.get(r.FINGERPRINTS) or []) or '-',
        ]
        for p in pairs
    ]
    for split, entry in (outside.get(r.PER_SPLIT) or {}).items():
        rows.append(
            [
                f'synthetic in {split}',
                '-',
                f'{entry.get(r.EXAMPLES, 0):,}',
                ', '.join(entry.get(r.FINGERPRINTS) or []) or '-',
            ]
        )
    parts.append(charts.table(['splits', 'shared keys', 'examples', 'fingerprints (first)'], rows))
    within = report.get(r.DUPLICATES_WITHIN_SPLITS) or {}
    if within:
        text = '; '.join(
            f'{s}: {e.get(r.EXTRA_EXAMPLES, 0):,} repeats of {e.get(r.SHARED_KEYS, 0):,} examples'
            for s, e in within.items()
        )
        parts.append(f'<p>Within a split (allowed; synthetic copies): {charts.esc(text)}.</p>')
    return parts
