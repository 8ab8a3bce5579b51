"""Goals and the RESULTS.md section of smote_quality (issue 28): balanced accuracy per
augmentation against imbalanced-learn's SMOTE (``smote_quality/jobs.py``)."""

from __future__ import annotations

from benchmarks.harness.format import markdown_table
from benchmarks.smote_quality.jobs import (
    AGAIN_OFFSET,
    DRAW_STRIDE,
    FOLDS,
    IMBLEARN,
    IMBLEARN_AGAIN,
    METHODS,
    difference,
    gaps,
)

SMOTE_QUALITY_GOAL = 0.01  # 'smote' mean balanced accuracy within this of imblearn's SMOTE


def _measured(results: dict, key: str) -> dict | None:
    section = results.get(key)
    return None if not section or 'missing' in section else section


def goals(results: dict) -> list:
    """``[(goal, measured, met, why)]``: ours within SMOTE_QUALITY_GOAL of imblearn's SMOTE per
    dataset."""
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


def _protocol(quality: dict) -> str:
    where = f'(`benchmarks/smote_quality/jobs.py`; {quality["seconds"]:.0f} s)'
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


def render(results: dict, table=markdown_table) -> list:
    """The RESULTS.md section (``table(header, rows)`` draws a markdown table)."""
    lines = []
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
    return lines
