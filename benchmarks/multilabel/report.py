"""Goals and the RESULTS.md section of the multi-label split benchmark (jobs.py)."""

from __future__ import annotations

from benchmarks import common
from benchmarks.harness.format import markdown_table, not_measured_note

MULTILABEL_QUALITY_GOAL = 2.0  # our LD and max relative deviation <= 2x iterstrat's (0 missing)
MULTILABEL_TIME_GOAL = 1.5  # wall time <= 1.5x the I/O floor at 1M examples x 100 labels
MULTILABEL_MEMORY_GOAL = 1.2  # peak RSS at 1M <= 1.2x that at 100k
ITERSTRAT_MEMORY_LIMIT_MIB = 24 * 1024  # the machine size the issue asks iterstrat's limit for

KIND_NAMES = {'independent': 'independent labels', 'correlated': 'correlated labels'}
METHOD_NAMES = {
    'floor': 'I/O floor',
    'ours': 'StratifiedSplitter',
    'iterstrat': 'iterstrat (2 calls)',
    'random': "random (the floor's seeded hash)",
}


_size = common.size_label


def _rows(results: dict) -> list:
    return (results.get('multilabel') or {}).get('rows', [])


def _failed(method: dict | None) -> str:
    if method is None:
        return 'not measured'
    return method.get('error', '') if 'quality' not in method else ''


def quality_goals(results: dict) -> list:
    """Ours vs iterstrat per data set with labels as ids: LD and max deviation <= 2x, 0 missing."""
    goals = []
    for row in _rows(results):
        methods = row['methods']
        if row['encoding'] != 'ids' or 'iterstrat' not in methods:
            continue
        goal = (
            f'Multi-label split LD and max relative deviation <= {MULTILABEL_QUALITY_GOAL}x '
            f"iterstrat's, 0 missing pairs ({KIND_NAMES[row['kind']]}, {_size(row['n'])})"
        )
        failed = _failed(methods.get('ours')) or _failed(methods['iterstrat'])
        if failed:
            goals.append((goal, 'failed', False, failed))
            continue
        ours, theirs = methods['ours']['quality'], methods['iterstrat']['quality']
        ld = ours['ld'] / theirs['ld'] if theirs['ld'] else float('inf')
        dev = ours['max_relative_deviation'] / theirs['max_relative_deviation']
        met = max(ld, dev) <= MULTILABEL_QUALITY_GOAL and ours['missing_pairs'] == 0
        goals.append(
            (
                goal,
                f'LD {ld:.2f}x ({ours["ld"]:.1e} vs {theirs["ld"]:.1e}), max dev {dev:.2f}x '
                f'({ours["max_relative_deviation"]:.4f} vs '
                f'{theirs["max_relative_deviation"]:.4f}), {ours["missing_pairs"]} missing',
                met,
                '' if met else 'Compare the per-label counts of the two splits (results.json).',
            )
        )
    return goals


def _independent(results: dict) -> dict:
    """``{n: row}`` of the independent-labels, ids rows."""
    return {
        int(r['n']): r
        for r in _rows(results)
        if r['kind'] == 'independent' and r['encoding'] == 'ids'
    }


def speed_goals(results: dict) -> list:
    """Wall time vs the floor at the largest size; peak RSS largest vs smallest size."""
    rows = _independent(results)
    if not rows:
        return []
    goals = []
    large, small = rows[max(rows)], rows[min(rows)]
    ours, floor = large['methods'].get('ours'), large['methods'].get('floor')
    goal = (
        f'Multi-label StratifiedSplitter wall time <= {MULTILABEL_TIME_GOAL}x the I/O floor '
        f'({_size(large["n"])} examples x 100 labels)'
    )
    if ours and ours.get('seconds') and floor and floor.get('seconds'):
        ratio = ours['seconds'] / floor['seconds']
        met = ratio <= MULTILABEL_TIME_GOAL
        runs = ', '.join(f'{s:.1f}' for s in ours['runs'])
        floors = ', '.join(f'{s:.1f}' for s in floor['runs'])
        why = '' if met else f'runs: StratifiedSplitter {runs} s, floor {floors} s.'
        goals.append((goal, f'{ratio:.2f}x', met, why))
    else:
        goals.append((goal, 'failed', False, _failed(ours) or _failed(floor)))
    if len(rows) < 2:
        return goals
    goal = (
        f'Multi-label StratifiedSplitter peak RSS at {_size(large["n"])} <= '
        f'{MULTILABEL_MEMORY_GOAL}x that at {_size(small["n"])}'
    )
    big, little = (r['methods'].get('ours') or {} for r in (large, small))
    if big.get('first_peak_rss_mb') and little.get('first_peak_rss_mb'):
        ratio = big['first_peak_rss_mb'] / little['first_peak_rss_mb']
        met = ratio <= MULTILABEL_MEMORY_GOAL
        measured = (
            f'{ratio:.2f}x ({big["first_peak_rss_mb"]:,.0f} vs '
            f'{little["first_peak_rss_mb"]:,.0f} MiB)'
        )
        why = (
            ''
            if met
            else 'RSS just before the job (imports done, no data read) was '
            f'{_fmt(big.get("first_baseline_rss_mb"), ",.0f")} vs '
            f'{_fmt(little.get("first_baseline_rss_mb"), ",.0f")} MiB: the part of the growth '
            "that is not before the job is the split's (its plan holds one entry per distinct "
            'label set).'
        )
        goals.append((goal, measured, met, why))
    elif big.get('error') or little.get('error'):
        goals.append((goal, 'failed', False, big.get('error') or little.get('error')))
    else:
        goals.append((goal, 'not measured (jobs ran in-process)', None, ''))
    return goals


def goals(results: dict) -> list:
    """``[(goal, measured, met, why)]`` of the multi-label section."""
    return quality_goals(results) + speed_goals(results)


def iterstrat_limit(results: dict) -> str:
    """iterstrat's peak RSS per size and the size at which it would pass 24 GiB: a straight line
    through its two extreme sizes on independent labels (its memory is its label matrix and the
    copies it makes of it, examples x labels), with its time scaled the same way."""
    points = sorted(
        (n, r['methods']['iterstrat'])
        for n, r in _independent(results).items()
        if (r['methods'].get('iterstrat') or {}).get('peak_rss_mb')
    )
    if len(points) < 2:
        return 'iterstrat memory limit: not estimated (needs peak RSS at two sizes).'
    (n0, a), (n1, b) = points[0], points[-1]
    slope = (b['peak_rss_mb'] - a['peak_rss_mb']) / (n1 - n0)
    measured = ', '.join(
        f'{_size(n)}: {m["peak_rss_mb"]:,.0f} MiB in {m["seconds"]:.1f} s' for n, m in points
    )
    if slope <= 0:
        return f'iterstrat peak RSS {measured}; it does not grow between these sizes.'
    limit = n1 + (ITERSTRAT_MEMORY_LIMIT_MIB - b['peak_rss_mb']) / slope
    seconds = b['seconds'] / n1 * limit
    return (
        f'iterstrat peak RSS (independent labels) {measured}. It grows by '
        f'{slope * 1e6:,.0f} MiB per million examples (100 labels): on a straight line through '
        f'these two points it passes 24 GiB at about {limit / 1e6:,.0f}M examples, where its two '
        f'calls would take about {seconds / 60:,.0f} min at its {_size(n1)} rate (its time and '
        'memory both grow with examples x labels; it runs in one process).'
    )


def _fmt(value, spec):
    return '—' if value is None else format(value, spec)


def render(results: dict, table=markdown_table) -> list:
    """The RESULTS.md section (``table(header, rows)`` draws a markdown table)."""
    if not results.get('multilabel'):
        return [not_measured_note('multilabel')]
    ml = results['multilabel']
    if 'missing' in ml:
        return [f'_{ml["missing"]}._']
    metas = list(ml.get('workloads', {}).values())
    lines = [
        'Three splits 8:1:1 of synthetic multi-label data (`benchmarks/common/multilabel_data.py`): '
        'the 20 float features of the tabular workload and a `labels` feature over 100 labels '
        'whose shares fall as 1 / (j + 1) (57.8% down to 0.58%), about 3 labels per example; '
        '*independent* labels, or *correlated* labels (10 co-occurrence clusters: each label '
        "keeps its share, a cluster's labels occur together 1.7x to 17x more often than if "
        "independent). Labels as an int64 list of ids (`multi_label='ids'`), and one row as a "
        "multi-hot vector of 100 (`multi_label='multi_hot'`). "
        + (
            'Mean labels per example: '
            + ', '.join(
                sorted({f'{m["kind"]} {m["mean_labels"]:.2f}' for m in metas if m['n'] >= 1000})
            )
            + '. '
            if metas
            else ''
        )
        + 'StratifiedSplitter and the I/O floor run as in section 1 (one process per size, '
        'alternating, the splitter first: its first run pays the warm-up and has a clean peak '
        "RSS), and the splitter's quality is counted from the records it wrote. iterstrat: "
        '`MultilabelStratifiedShuffleSplit(n_splits=1, random_state=0)` called twice (20% off, '
        'then half and half) on the `bool [n, 100]` label matrix, in its own process (no '
        "TensorFlow there: its peak RSS is its own). Random: the floor's seeded hash of the "
        'record bytes. LD, missing pairs and max relative deviation (labels with >= 100 '
        'examples) from `tfx_balance.core.split.quality.split_quality`; lower is better. '
        f'Runs per job: {ml.get("repeats", 1)}.',
        '',
    ]
    rows = []
    for row in ml.get('rows', []):
        floor = row['methods'].get('floor')
        for method in ('floor', 'ours', 'iterstrat', 'random'):
            m = row['methods'].get(method)
            if m is None:
                continue
            q = m.get('quality') or {}
            ratio = None
            if method == 'ours' and floor and m.get('seconds') and floor.get('seconds'):
                ratio = m['seconds'] / floor['seconds']
            runs = ', '.join(f'{s:.1f}' for s in m.get('runs', []))
            failed = (
                f' — **failed** ({m["error"].split(":")[0]}; see Goals)' if 'error' in m else ''
            )
            name = METHOD_NAMES[method] + failed
            rows.append(
                [
                    f'{KIND_NAMES[row["kind"]]}, {row["encoding"]}',
                    _size(row['n']),
                    name,
                    f'{_fmt(m.get("seconds"), ".2f")}'
                    + (f' ({runs})' if len(m['runs']) > 1 else '')
                    if 'runs' in m
                    else '(the floor)',
                    _fmt(ratio, '.2f') + ('x' if ratio else ''),
                    _fmt(m.get('first_peak_rss_mb') or m.get('peak_rss_mb'), ',.0f'),
                    _fmt(m.get('baseline_rss_mb'), ',.0f'),
                    _fmt(q.get('ld'), '.1e'),
                    _fmt(q.get('missing_pairs'), 'd'),
                    _fmt(q.get('max_relative_deviation'), '.4f'),
                ]
            )
    header = [
        'data',
        'examples',
        'method',
        'time s',
        'vs floor',
        'peak RSS MiB',
        'RSS before job MiB',
        'LD',
        'missing pairs',
        'max rel. dev',
    ]
    lines += table(header, rows)
    lines += ['', iterstrat_limit(results)]
    return lines
