"""Goals and the RESULTS.md section of the SMOTE benchmarks (issue 28): the quality table
(``bench_smote_quality.py``) and the speed against the I/O floor with imbalanced-learn's time
and memory (``bench_smote_speed.py``)."""

from __future__ import annotations

from benchmarks import common
from benchmarks.bench_smote_quality import (
    AGAIN_OFFSET,
    DRAW_STRIDE,
    FOLDS,
    IMBLEARN,
    IMBLEARN_AGAIN,
    METHODS,
    difference,
    gaps,
)
from benchmarks.goals import IMBLEARN_MEMORY_LIMIT_MIB, SMOTE_QUALITY_GOAL, SMOTE_TIME_GOAL

_size = common.size_label


def _measured(results: dict, key: str) -> dict | None:
    section = results.get(key)
    return None if not section or 'missing' in section else section


def goals(results: dict) -> list:
    """``[(goal, measured, met, why)]``: ours within SMOTE_QUALITY_GOAL of imblearn's SMOTE per
    dataset, and 'smote' <= SMOTE_TIME_GOAL x the floor per written example."""
    out = []
    quality = _measured(results, 'smote_quality')
    for name, row in ((quality or {}).get('table') or {}).items():
        gap = abs(row['smote'] - row[IMBLEARN])
        met = gap <= SMOTE_QUALITY_GOAL + 1e-12
        scores = (quality.get('per_seed') or {}).get(name)
        std = difference(scores)[1] if scores else None
        spread = '' if std is None else f'; std over seeds {std:.3f}'
        out.append(
            (
                f"BalancedAugmenter 'smote' mean balanced accuracy within {SMOTE_QUALITY_GOAL} "
                f"of imbalanced-learn's SMOTE ({name.split(' (')[0]})",
                f'{row["smote"]:.3f} vs {row[IMBLEARN]:.3f} ({gap:.3f} apart{spread})',
                met,
                '' if met else _quality_why(quality, name, gap),
            )
        )
    speed = _measured(results, 'smote_speed')
    if speed:
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


def _quality_why(quality: dict, name: str, gap: float) -> str:
    step = (quality.get('one_example') or {}).get(name)
    seeds = len(quality['seeds'])
    scores = (quality.get('per_seed') or {}).get(name)
    std = difference(scores)[1] if scores else None
    noise = ''
    if std:
        error = std / seeds**0.5
        noise = (
            f' Over the {seeds} seeds the difference (smote - imblearn) has a standard deviation '
            f'of {std:.3f}, so its mean has a standard error of {error:.3f}: the gap is '
            f'{gap / error:.1f} standard errors.'
        )
    resolution = (
        f' One example of the rarest class moves the mean over the {seeds} seed(s) by '
        f'{step:.3f}: the gap is {gap / step:.1f} such examples.'
        if step
        else ''
    )
    return (
        'Both are SMOTE with k=5 (a partner drawn among the 5 nearest same-class neighbours, one '
        'u per example; ours gives each source its even share of the copies, imbalanced-learn '
        f'draws sources with replacement) with other random numbers.{noise}{resolution}'
        f'{_same_method(scores, gap)} A gap '
        'within about two standard errors is what the seeds give (more seeds or draws narrow it); a '
        "larger one would be a difference in the method: compare the two on one run's synthetic "
        'rows.'
    )


def _same_method(scores: dict | None, gap: float) -> str:
    """What imbalanced-learn's SMOTE against itself (other random numbers, same folds) gave:
    the size of a gap between two runs of one method on this dataset."""
    if not scores or IMBLEARN_AGAIN not in scores:
        return ''
    mean, _ = difference(scores, IMBLEARN_AGAIN)
    within = abs(mean) <= SMOTE_QUALITY_GOAL + 1e-12
    return (
        " imbalanced-learn's SMOTE against itself, with other random numbers on the same folds, "
        f'is {abs(mean):.3f} apart ({"within" if within else "also more than"} '
        f'{SMOTE_QUALITY_GOAL}; ours: {gap:.3f}).'
    )


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


def _protocol(quality: dict) -> str:
    where = f'(`benchmarks/bench_smote_quality.py`; {quality["seconds"]:.0f} s)'
    common_part = (
        'Datasets that ship with scikit-learn, made imbalanced (the first n rows of each class; '
        'counts in brackets). '
    )
    if 'per_seed' not in quality:  # results of the earlier protocol (one 70/30 split per seed)
        return (
            common_part + 'Per seed: one stratified 70/30 split (the earlier protocol: re-run '
            f'the section for cross-validated scores); mean over seeds {quality["seeds"]} {where}.'
        )
    folds = quality.get('folds', FOLDS)
    draws = quality.get('draws', 1)
    times = (
        f", {draws} times with other random numbers (draw d: our `seed=d`, imbalanced-learn's "
        f'`random_state` + d x {DRAW_STRIDE});'
        if draws > 1
        else ','
    )
    score = (
        f'the mean over the {draws} draws of the balanced accuracy of its out-of-fold predictions'
        if draws > 1
        else 'the balanced accuracy of its out-of-fold predictions'
    )
    return (
        common_part + f'Per seed: a stratified {folds}-fold cross-validation (shuffled with the '
        'seed); in each fold the training part is resampled to its largest class by each method '
        "(ours through `BalancedAugment`, the executor's transform; imbalanced-learn's "
        f'`SMOTE(k_neighbors=5, random_state=seed x {folds} + fold)`){times} `StandardScaler` + '
        "`LogisticRegression` is trained on it and predicts the held-out fold. A seed's score is "
        f'{score} (every example tested once per draw); the '
        f'table is the mean over seeds {quality["seeds"]} {where}. The last two columns are the '
        'mean and standard deviation over the seeds of two per-seed differences: our `smote` '
        "against imbalanced-learn's SMOTE, and imbalanced-learn's SMOTE against itself with other "
        f'random numbers (`random_state` + {AGAIN_OFFSET}, the "other draws" column) on the same '
        'folds: how far apart two runs of one method come on each dataset.'
    )


def _one_draw(quality: dict) -> list:
    """What the first draw alone gives (one resampling per fold), when there were more."""
    per_draw = quality.get('per_draw') or {}
    if quality.get('draws', 1) < 2 or not per_draw:
        return []
    parts = []
    for name, scores in per_draw.items():
        first = {m: v[0] for m, v in scores.items()}
        smote, again = gaps(first)
        parts.append(f'{name.split(" (")[0]} {smote} and {again}')
    return [
        '',
        'From the first draw alone (one resampling per fold, as a single run of each method '
        'would give), the two differences are: ' + '; '.join(parts) + '. The draws average out '
        'the random numbers that make two runs of the same method differ.',
    ]


def render(results: dict, table) -> list:
    """The RESULTS.md section (``table(header, rows)`` draws a markdown table)."""
    lines = ['### Quality: balanced accuracy per augmentation', '']
    quality = results.get('smote_quality') or {'missing': 'not measured'}
    if 'missing' in quality:
        lines += [f'_{quality["missing"]}._']
    else:
        lines += [_protocol(quality), '']
        header = [
            'data (class counts)',
            *METHODS,
            'smote - imblearn: mean (std over seeds)',
            'imblearn other draws - imblearn: mean (std)',
        ]
        rows = []
        for name, row in quality['table'].items():
            scores = (quality.get('per_seed') or {}).get(name)
            diffs = gaps(scores) if scores else [f'{row["smote"] - row[IMBLEARN]:+.3f}', '—']
            means = [f'{row[m]:.3f}' if m in row else '—' for m in METHODS]
            rows.append([name, *means, *diffs])
        lines += table(header, rows) + _one_draw(quality)
    lines += ['', "### Speed: 'smote' vs the I/O floor", '']
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
