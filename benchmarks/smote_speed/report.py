"""Goal and the RESULTS.md section of smote_speed (issue 28): 'smote' against the I/O floor,
and imbalanced-learn's SMOTE time and memory (``smote_speed/jobs.py``)."""

from __future__ import annotations

from benchmarks import common
from benchmarks.harness.format import markdown_table

SMOTE_TIME_GOAL = 2.0  # 'smote' time per written example <= 2x the floor (100k, 10% minority)
IMBLEARN_MEMORY_LIMIT_MIB = 24 * 1024  # where imbalanced-learn's SMOTE memory runs out

_size = common.size_label


def goals(results: dict) -> list:
    """'smote' <= SMOTE_TIME_GOAL x the floor per written example."""
    out = []
    speed = results.get('smote_speed')
    if not speed or 'missing' in speed:
        return out
    ratio = speed['ratio']['smote']
    met = ratio <= SMOTE_TIME_GOAL
    out.append(
        (
            f"BalancedAugmenter 'smote' time per written example <= {SMOTE_TIME_GOAL}x the "
            f'floor ({_size(speed["n"])}, 10% minority to parity)',
            f'{ratio:.2f}x',
            met,
            ''
            if met
            else 'rounds: '
            + ', '.join(f'{x:.2f}x' for x in speed['round_ratios']['smote'])
            + f". 'interpolate' (random partners, no neighbour search) took "
            f'{speed["ratio"]["interpolate"]:.2f}x in the same rounds: the neighbour search '
            f'is the difference ({ratio / speed["ratio"]["interpolate"]:.2f}x '
            "interpolate's time); the rest is the cost of building each generated example "
            "in Python, as for 'interpolate' in section 2" + _section2(results) + '.',
        )
    )
    return out


def _section2(results: dict) -> str:
    row = ((results.get('augmenter') or {}).get('rows') or {}).get('interpolate') or {}
    ratio = row.get('ratio')
    return f' ({ratio:.2f}x the floor there, 20k input of 10 classes)' if ratio else ''


def imblearn_limit(speed: dict) -> str:
    """imbalanced-learn's SMOTE peak RSS per size and where it passes 24 GiB (a straight line
    through its two extreme sizes: it holds the data and the synthetic rows in memory)."""
    points = sorted(
        (int(p['n']), p) for p in speed.get('imblearn', []) if p.get('peak_rss_mb') is not None
    )
    timed = ', '.join(
        f'{_size(p["n"])}: {p["seconds"]:.2f} s'
        + (f', peak RSS {p["peak_rss_mb"]:,.0f} MiB' if p.get('peak_rss_mb') else '')
        for p in speed.get('imblearn', [])
    )
    head = f"imbalanced-learn's `SMOTE(k_neighbors=5)` in memory on the same arrays ({timed})."
    if len(points) < 2:
        return head + ' Memory limit: not estimated (needs peak RSS at two sizes).'
    (n0, a), (n1, b) = points[0], points[-1]
    slope = (b['peak_rss_mb'] - a['peak_rss_mb']) / (n1 - n0)
    if slope <= 0:
        return head + ' Its peak RSS does not grow between these sizes.'
    limit = n1 + (IMBLEARN_MEMORY_LIMIT_MIB - b['peak_rss_mb']) / slope
    return (
        head + f' Its peak RSS grows by {slope * 1e6:,.0f} MiB per million input examples '
        f'(20 floats, 10% minority grown to parity): on a straight line through these two '
        f'points it passes 24 GiB at about {limit / 1e6:,.0f}M input examples. BalancedAugmenter '
        "streams the input through Beam and keeps only each grown class's neighbour index in "
        'memory.'
    )


def render(results: dict, table=markdown_table) -> list:
    """The RESULTS.md section (``table(header, rows)`` draws a markdown table)."""
    lines = []
    speed = results.get('smote_speed') or {'missing': 'not measured'}
    if 'missing' in speed:
        return lines + [f'_{speed["missing"]}._']
    n = int(speed['n'])
    lines += [
        f'{n:,} examples of 20 floats, class 1 a seeded {speed["minority_share"]:.0%} of them '
        '(shifted by 0.5), grown to parity with target `max` by the BalancedAugmenter executor; '
        'the floor reads and writes the same input. Runs alternate in one fresh process '
        f'(floor, smote, interpolate, then reversed; {speed["rounds"]} round(s)); ratio = time '
        "per written example / the floor's, from the medians (per round in brackets). One "
        'process: a peak RSS includes what earlier runs kept.',
        '',
    ]
    rows = []
    for method in ('floor', 'smote', 'interpolate'):
        r = speed['rows'][method]
        per_round = speed['round_ratios'].get(method, [])
        ratio = speed['ratio'].get(method)
        rows.append(
            [
                'I/O floor' if method == 'floor' else f"'{method}'",
                f'{r["seconds"]:.2f}',
                ', '.join(f'{x:.1f}' for x in r['runs']),
                f'{r["examples_written"]:,}',
                f'{r["rate"]:,.0f}',
                '1.00x (floor)'
                if ratio is None
                else f'{ratio:.2f}x (' + ', '.join(f'{x:.2f}' for x in per_round) + ')',
                '—' if r.get('peak_rss_mb') is None else f'{r["peak_rss_mb"]:,.0f}',
            ]
        )
    for p in speed.get('imblearn', []):
        rows.append(
            [
                f'imbalanced-learn SMOTE, in memory ({_size(p["n"])} input)',
                f'{p["seconds"]:.2f}',
                ', '.join(f'{x:.2f}' for x in p['runs']),
                f'{p["examples_written"]:,}',
                f'{p["rate"]:,.0f}',
                '(no I/O)',
                '—' if p.get('peak_rss_mb') is None else f'{p["peak_rss_mb"]:,.0f}',
            ]
        )
    lines += table(
        [
            'method',
            'median s',
            'runs (s)',
            'examples written',
            'examples/s',
            'time per written example vs floor',
            'peak RSS MiB',
        ],
        rows,
    )
    return lines + ['', imblearn_limit(speed)]
