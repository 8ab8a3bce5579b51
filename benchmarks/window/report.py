"""The window section's goals and its RESULTS.md lines (issue 51; the absolute bounds: issue 75)."""

from __future__ import annotations

from benchmarks.classes import report as classes_report
from benchmarks.harness.format import (
    fmt_mib,
    fmt_num,
    fmt_ratio,
    markdown_table,
    missing_note,
    not_measured_note,
)

GOAL = 1.2  # a window of N spans costs <= GOAL x a window of 1, in time and in peak RSS
# Components whose daily run takes a few ms are judged by what one more span of the window adds,
# in ms (issue 75): a ratio of two such times is mostly the fixed part and the machine's noise.
PER_SPAN_MS = 1.0
# tfx_balance.periodic's own work in a daily run (jobs.history_job): judged per earlier span.
HISTORY = 'LookBack + CommitSpan'
# The same with the spans periodic()'s lateness keeps for a late span (issue 87): per kept span.
HISTORY_LATE = 'LookBack + CommitSpan, late window'
_PER_SPAN = ('with_prior_correction', 'ClassDistributionValidator', HISTORY, HISTORY_LATE)
# The history job's parts: (what, seconds key).
_HISTORY_PARTS = (('LookBack', 'look_back_seconds'), ('the reads', 'read_seconds'),
                  ('CommitSpan', 'commit_seconds'))  # fmt: skip
# balanced_dataset is judged against section 3's best-tuned plain read of the same files (the
# Trainer's data grows with the window whatever reads it): jobs at window 1 and N.
PLAIN = 'plain read'
_PLAIN = ('plain_1', 'plain_per_span')
# balanced_dataset's judged parts: (what, seconds key).
_READ_PARTS = (('first batch', 'first_batch_seconds'), ('the whole measured run', 'seconds'))


def _seconds(value):
    return fmt_num(value, '{:.3f}' if value is not None and value < 1 else '{:.2f}')


# LeakageCheck's recommended recipe (docs/continuous_training.md), the row its goal is judged on
_INDEX_RECIPE = "today's span and the key indexes of {n} earlier spans (group_feature user)"


def _rounds(w: dict) -> str:
    """'9 rounds of the Trainer side's jobs, ...': the rounds each group of jobs ran."""
    groups = (('trainer', 'read_1', "the Trainer side's jobs"),
              ('validator', 'window_1', "the validator's"),
              ('leakage', 'window_1', "LeakageCheck's"),
              ('history', 'window_1', "the history's"))  # fmt: skip
    return ', '.join(
        f'{w[g][job].get("repeats", 1)} rounds of {what}'
        for g, job, what in groups
        if job in w.get(g, {})
    )


def _ratio(many, one):
    return many / one if many is not None and one else None


def _splitter(results: dict, window: int):
    """The spans section's scale job (1 and ``window`` earlier spans of assignments), if it was
    measured with this window: ``(one, many, n)``."""
    scale = (results.get('spans') or {}).get('scale') or {}
    many = scale.get(f'window_{window}')
    if not many or 'window_1' not in scale:
        return None
    return scale['window_1'], many, scale['n']


def _augmenter(w: dict) -> list:
    """BalancedAugmenter's row: one span, the same run whatever the window (none in results
    written before it was measured)."""
    if 'augmenter' not in w:
        return []
    one = w['augmenter']['per_span']
    return [('BalancedAugmenter', "one span: today's span (a window is refused)", one, one,
             'seconds')]  # fmt: skip


def _history_recipe(n: int) -> str:
    return (
        f"tfx_balance.periodic's history: LookBack, the reads of {n - 1} earlier spans "
        '(splitter, validator, LeakageCheck, BalancedInputGen), CommitSpan'
    )


def _history(w: dict) -> list:
    """The periodic wiring's row (``HISTORY``): its two summaries, or None for both in results
    written before it was measured (rendered 'not measured', not judged)."""
    found = w.get('history') or {}
    one, many, late = (found.get(k) for k in ('window_1', 'window_n', 'late_n'))
    rows = [(HISTORY, _history_recipe(w['window']), one, many, 'seconds')]
    if late:  # results written before issue 87 have no late window
        kept = late['earlier_spans'] - many['earlier_spans']
        rows.append((HISTORY_LATE, f'the same with {kept} more spans kept for late spans '
                     f'(lateness {kept}: {late["earlier_spans"]} earlier spans in the history), '
                     f'against window {w["window"]}', many, late, 'seconds'))  # fmt: skip
    return rows


def rows_of(results: dict) -> list:
    """``[(component, recipe, one, many, seconds key)]``: each row's two summaries, window 1
    and window N (``one is many``: the same run serves both windows; both None: not
    measured)."""
    w = results['window']
    layout, trainer, validator, leakage = (w[k] for k in ('layout', 'trainer', 'validator',
                                                          'leakage'))  # fmt: skip
    n = w['window']
    rows = []
    cited = _splitter(results, n)
    if cited:
        rows.append(('StratifiedSplitter', f'previous_assignments of {n} earlier spans vs 1 '
                     f'(section 13, {cited[2]:,} examples per span)', cited[0], cited[1],
                     'seconds'))  # fmt: skip
    rows += _augmenter(w)
    rows += [
        ('BalancedInputGen', "each span laid out once: today's span", layout['per_span'],
         layout['per_span'], 'seconds'),
        ('balanced_dataset', f'{n} per-span layouts merged at read time: first batch',
         trainer['read_1'], trainer['read_per_span'], 'first_batch_seconds'),
        ('balanced_dataset', f'{n} per-span layouts: the fixed batches after it',
         trainer['read_1'], trainer['read_per_span'], 'batches_seconds'),
    ]  # fmt: skip
    if _PLAIN[0] in trainer:
        rows += [
            (PLAIN, f'the same files as {n} per-span layouts: first batch', trainer[_PLAIN[0]],
             trainer[_PLAIN[1]], 'first_batch_seconds'),
            (PLAIN, f'the same files as {n} per-span layouts: the fixed batches after it',
             trainer[_PLAIN[0]], trainer[_PLAIN[1]], 'batches_seconds'),
        ]  # fmt: skip
    rows += [
        ('with_prior_correction', f'{n} per-span layouts', trainer['prior_1'],
         trainer['prior_per_span'], 'seconds'),
        ('BalancedInputGen', f'the window laid out as one ({n} spans)', layout['per_span'],
         layout['as_one'], 'seconds'),
        ('balanced_dataset', 'the window laid out as one: first batch', trainer['read_1'],
         trainer['read_as_one'], 'first_batch_seconds'),
        ('balanced_dataset', 'the window laid out as one: the fixed batches after it',
         trainer['read_1'], trainer['read_as_one'], 'batches_seconds'),
        ('with_prior_correction', 'the window laid out as one', trainer['prior_1'],
         trainer['prior_as_one'], 'seconds'),
        ('ClassDistributionValidator', f"today's statistics, a baseline of {n} spans "
         '(PreviousSpanStrategy num_spans)', validator['window_1'], validator['baseline_n'],
         'seconds'),
        ('ClassDistributionValidator', f'statistics of {n} spans, a baseline of {n}',
         validator['window_1'], validator['window_n'], 'seconds'),
    ]  # fmt: skip
    if 'index_n' in leakage:
        rows.append(('LeakageCheck', _INDEX_RECIPE.format(n=n), leakage['window_1'],
                     leakage['index_n'], 'seconds'))  # fmt: skip
    rows.append(('LeakageCheck', f'a SpanRangeStrategy window of {n} spans (group_feature user)',
                 leakage['window_1'], leakage['window_n'], 'seconds'))  # fmt: skip
    return rows + _history(w)


def render(results: dict) -> list:
    w = results.get('window')
    if not w:
        return [not_measured_note('window')]
    n = w['window']
    per_span = [e['train'] + e['eval'] for e in w['examples']]
    trainer = w['trainer']
    batch = trainer['read_1']['examples_written']
    lines = [
        f"{n + 1} daily spans of `spans/data.py`'s users ({w['groups']:,} recurring, 70% present "
        f'per span, 1-3 examples each, plus one-off users; {min(per_span):,}-{max(per_span):,} '
        'examples per span), each split train/eval by a hash of the user (a user keeps its '
        "split over every span); each span's statistics as StatisticsGen writes them (TFDV); "
        f"the window's {n - 1} earlier spans laid out once each by BalancedInputGen (what earlier "
        "runs of the per-span recipe left; today's layout is the measured run's). Window 1: "
        f"today's span; window {n}: the last {n} spans, newest "
        "first as the recipe's Resolvers (PreviousSpanStrategy) hand them over. Each component runs "
        'as a daily run runs '
        'it, by its recipe in docs/continuous_training.md: the executors (`Executor().Do` on '
        'artifacts made in Python, in-process DirectRunner) and, on the Trainer side, '
        '`balanced_dataset(train_files, ...)` (time to the first batch: plans read, classes '
        f'loaded; then {batch:,} examples in fixed batches) and `with_prior_correction` on a '
        "two-class serving signature. Each component's jobs run in one fresh process after a "
        "warm-up run of its first job, in rounds (each job once, the window's after the single "
        "span's, then again: a drift of the machine's speed moves them alike; medians of "
        f'{_rounds(w)}), Python garbage collected before each run; peak RSS is the first '
        "round's (reset before each run, so a figure of the window is an upper bound).",
        '',
    ]
    table = []
    for component, recipe, one, many, key in rows_of(results):
        if one is None or many is None:
            table.append([component, recipe] + ['not measured'] * 2 + ['—'] * 4)
            continue
        same = one is many
        ratio = _ratio(many.get(key), one.get(key))
        rss = _ratio(many.get('peak_rss_mb'), one.get('peak_rss_mb'))
        table.append(
            [component, recipe, _seconds(one.get(key)),
             '(the same run)' if same else _seconds(many.get(key)),
             fmt_ratio(ratio), fmt_mib(one.get('peak_rss_mb')),
             '(the same run)' if same else fmt_mib(many.get('peak_rss_mb')), fmt_ratio(rss)]
        )  # fmt: skip
    lines += markdown_table(
        ['component', 'recipe (window N)', 'window 1: s', f'window {n}: s', 'time ratio',
         'window 1: peak RSS MiB', f'window {n}: peak RSS MiB', 'RSS ratio'],
        table,
    )  # fmt: skip
    lines += [
        '',
        f'Examples laid out per span (train): {", ".join(f"{c:,}" for c in w["laid_out"])}; '
        f'by the window laid out as one: {w["layout"]["as_one"]["examples_written"]:,}.',
    ]
    if _PLAIN[1] in trainer:
        parts = []
        for what, key in _READ_PARTS:
            ours = [trainer[k][key] / trainer[p][key] for k, p in zip(('read_1', 'read_per_span'),
                                                                     _PLAIN)]  # fmt: skip
            parts.append(
                f'{what} {ours[0]:.2f}x its time at window 1, {ours[1]:.2f}x at window {n}'
            )
        lines += [
            '',
            f"The {PLAIN} is section 3's best-tuned recipe (one reader, 1 MiB read buffer, parse 10 "
            'batches at once, rebatch, prefetch; unbalanced, in file order) of the same train '
            'files with the same parse spec, timed the same way: what the window costs a read that '
            f'is not ours. balanced_dataset against it: {"; ".join(parts)}. Its goal is judged on '
            'both, against the plain read (its ratio at window '
            f'{n} over that at window 1); the raw ratios are in the goal lines and the table.',
        ]
    return lines + ['', _history_text(w)]


def _history_parts(one: dict, many: dict) -> str:
    """'LookBack 0.50 -> 0.66 ms, ...': the history job's parts at window 1 and N (medians)."""
    return ', '.join(
        f'{name} {1000 * one[key]:.2f} -> {1000 * many[key]:.2f} ms'
        for name, key in _HISTORY_PARTS
        if key in one and key in many
    )


def _history_text(w: dict) -> str:
    """The line that says what the history row measures."""
    n, found = w['window'], w.get('history') or {}
    what = (
        f'{HISTORY}: what tfx_balance.periodic adds to a daily run (a history in a local folder '
        f"holding no earlier span at window 1, the {n - 1} before today's at window {n}): "
        "LookBack's executor, each wired component's read of the pinned history "
        "(`earlier_inputs`, BalancedInputGen's `window_layouts`: the earlier spans' copies, each "
        "checked to exist) and CommitSpan's executor (today's outputs copied, the next index "
        f'written), judged by what each earlier span adds (<= {PER_SPAN_MS:g} ms). The '
        "components' reads of the history's copies are the same reads as with Resolvers, "
        'already measured in the component rows above.'
    )
    one, many = found.get('window_1'), found.get('window_n')
    if not one or not many:
        return f'{what} {missing_note("window")}.'
    parts = _history_parts(one, many)
    text = what + (f' Its parts (medians): {parts}.' if parts else '')
    late = found.get('late_n')
    if late:
        kept = late['earlier_spans'] - many['earlier_spans']
        text += (
            f' {HISTORY_LATE}: the same run at window {n} where the history also keeps the {kept} '
            f"spans before the window that `periodic()`'s default lateness ({kept}) keeps for a "
            'span that arrives late (the steady state of a pipeline that has run longer than '
            f'horizon + lateness spans), judged per kept span; parts {_history_parts(many, late)}.'
        )
    return text


def _judged(results: dict) -> list:
    """Per component, ``(component, recipe, one, many, key)`` of the row its goal is judged on
    (its documented recipe; balanced_dataset: the first batch and the fixed batches together)."""
    w = results['window']
    n, trainer = w['window'], w['trainer']
    cited = _splitter(results, n)
    rows = [('StratifiedSplitter', f'{n} spans of previous_assignments', *cited[:2], 'seconds')
            ] if cited else []  # fmt: skip
    rows += _augmenter(w)
    rows += [
        ('BalancedInputGen', "each span laid out once: today's span", w['layout']['per_span'],
         w['layout']['per_span'], 'seconds'),
    ]  # fmt: skip
    against = ', time against a plain read of the same files' if _PLAIN[0] in trainer else ''
    rows += [
        ('balanced_dataset', f'{n} per-span layouts: {what}{against}', trainer['read_1'],
         trainer['read_per_span'], key)
        for what, key in _READ_PARTS
    ]  # fmt: skip
    rows += [
        ('with_prior_correction', f'{n} per-span layouts', trainer['prior_1'],
         trainer['prior_per_span'], 'seconds'),
        ('ClassDistributionValidator', f'a baseline of {n} spans', w['validator']['window_1'],
         w['validator']['baseline_n'], 'seconds'),
    ]  # fmt: skip
    leakage = w['leakage']
    if 'index_n' in leakage:  # results written before the key index: the window of Examples
        rows.append(('LeakageCheck', _INDEX_RECIPE.format(n=n), leakage['window_1'],
                     leakage['index_n'], 'seconds'))  # fmt: skip
    else:
        rows.append(('LeakageCheck', f'{n} spans', leakage['window_1'], leakage['window_n'],
                     'seconds'))  # fmt: skip
    return rows + [row for row in _history(w) if row[2] and row[3]]  # not judged unmeasured


def _why(component: str, one: dict, many: dict, w: dict) -> str:
    n = w['window']
    added = many['seconds'] - one['seconds']
    if component == 'LeakageCheck' and many.get('key_indexes'):
        return (
            f"the {many['key_indexes']} earlier spans' key indexes (10 bytes per example, read "
            "as numpy) are pooled with today's keys by bucket, and their group ids with today's "
            f"groups (+{added:.2f} s over today's span alone)"
        )
    if component == 'LeakageCheck':
        examples = [e['train'] + e['eval'] for e in w['examples']]
        grows = sum(examples[1:]) / examples[-1]
        return (
            f'by design: it reads every span of the window ({grows:.1f}x the examples of '
            "today's span) to find a unit in train of one span and eval of another; a run "
            "with the earlier spans' key indexes reads today's span only (the recipe of "
            'docs/continuous_training.md)'
        )
    if component == 'StratifiedSplitter':
        return (
            f'the {n} spans of assignments are read, merged into one sorted table per key '
            f"bucket and joined with the span's units by bucket in Beam (+{added:.1f} s over 1 "
            'span); section 13 says what group_feature alone costs'
        )
    if component == 'balanced_dataset':
        first = [x['first_batch_seconds'] for x in (one, many)]
        rest = [x['batches_seconds'] for x in (one, many)]
        laid_out = sum(w['laid_out'])
        plain = w['trainer'].get(_PLAIN[1])
        if plain:  # examples in its fixed batches: all but the first batch
            batch_examples = plain['examples_written'] * plain['batches'] / (plain['batches'] + 1)
        plain_cost = (
            f' (the plain read: {1e6 * plain["batches_seconds"] / batch_examples:.1f} us per '
            'example read, in its fixed batches)'
            if plain
            else ''
        )
        return (
            f"with every class within memory_budget it reads the whole window's train split into "
            f'memory before the first batch ({laid_out:,} examples vs {w["laid_out"][-1]:,}: '
            f'{first[0]:.2f} -> {first[1]:.2f} s), to draw every pass of a class as a full '
            'reshuffle of it: the read of the window that a plain read pays over an epoch, here '
            f'paid up front at about {_load_cost(one, many, w):.1f} us per example laid out'
            f'{plain_cost}; the batches after it ({rest[0]:.2f} -> {rest[1]:.2f} s) are drawn from '
            'that store by the same per-batch work whatever the window (one gather per group of '
            'batches)'
        )
    if component == 'ClassDistributionValidator':
        return (
            'one statistics artifact read per span of the baseline, a small file per split '
            "parsed for the label's statistics only: "
            f'+{added * 1000:.1f} ms on {one["seconds"] * 1000:.1f} ms'
        )
    if component == HISTORY:
        return (
            'LookBack reads an index one record longer per span, each component checks that '
            "each earlier span's copy it is given exists (one file-system call per span; "
            "BalancedInputGen also reads and hashes each layout's balance_plan.json), and "
            f'CommitSpan writes an index one record longer ({_history_parts(one, many)})'
        )
    if component == HISTORY_LATE:
        return (
            'LookBack reads and CommitSpan writes an index one record longer per kept span; no '
            'component reads the spans kept for late spans in a run in span order '
            f'({_history_parts(one, many)})'
        )
    if component == 'with_prior_correction':
        return (
            f'+{added * 1000:.1f} ms on {one["seconds"] * 1000:.1f} ms: per span it reads the '
            "layout's balance_plan.json (its counts and augmenter_marked, which BalancedInputGen "
            'wrote as it laid the span out: no class file is opened or listed); the per-span '
            'layouts are merged at read time, none is laid out again; the time at window 1 is '
            'mostly the serving signature wrapped once'
        )
    return f'+{added:.2f} s on {one["seconds"]:.2f} s'


def _load_cost(one: dict, many: dict, w: dict) -> float:
    """Microseconds per example of what the window adds to balanced_dataset's first batch."""
    added = many['first_batch_seconds'] - one['first_batch_seconds']
    return 1e6 * added / max(1, sum(w['laid_out']) - w['laid_out'][-1])


def _against_plain(trainer: dict, key: str, n: int):
    """balanced_dataset's ``key`` time judged against the plain read of the same files:
    ``(ratio, measured text)``, the ratio of its time over the plain read's at window ``n`` to
    that at window 1; ``None`` where the plain read was not measured."""
    if _PLAIN[1] not in trainer:
        return None
    ours = [trainer[k][key] for k in ('read_1', 'read_per_span')]
    plain = [trainer[k][key] for k in _PLAIN]
    one, many = ours[0] / plain[0], ours[1] / plain[1]
    return many / one, (
        f'time {fmt_ratio(many / one)} against the plain read ({one:.2f}x its time at window 1, '
        f'{many:.2f}x at window {n}; raw {fmt_ratio(ours[1] / ours[0])}: {ours[0]:.2f} -> '
        f'{ours[1]:.2f} s, the plain read {plain[0]:.2f} -> {plain[1]:.2f} s)'
    )


def goals(results: dict) -> list:
    """Per component, the goal line of its judged row: a ratio of the window's run to today's
    span alone (``GOAL``), or, where noted above, an absolute bound (``PER_SPAN_MS``) or section
    4's window goals (balanced_dataset's first batch)."""
    w = results.get('window')
    if not w:
        return []
    n = w['window']
    out = []
    for component, recipe, one, many, key in _judged(results):
        time_ratio = _ratio(many.get(key), one.get(key))
        rss = _ratio(many.get('peak_rss_mb'), one.get('peak_rss_mb'))
        rss_met = rss is None or rss <= GOAL
        rss_text = f', peak RSS {fmt_ratio(rss)}' if rss else ''
        goal = (
            f'{component}: a daily run with a window of {n} spans <= {GOAL}x one with a window '
            f'of 1, time and peak RSS ({recipe})'
        )
        measured = f'time {fmt_ratio(time_ratio)}'
        judged = _against_plain(w['trainer'], key, n) if component == 'balanced_dataset' else None
        if judged:
            time_ratio, measured = judged
        met = time_ratio is not None and time_ratio <= GOAL and rss_met
        if key == 'first_batch_seconds':
            goal, measured, met = _first_batch(results, n, recipe, measured, rss_met)
        elif component in _PER_SPAN:
            spans = many.get('earlier_spans', n - 1) - one.get('earlier_spans', 0)
            added = 1000 * (many[key] - one[key]) / max(1, spans)
            goal = (
                f'{component}: each span of a window of {n} adds <= {PER_SPAN_MS:g} ms to a daily '
                f'run, peak RSS <= {GOAL}x a window of 1 ({recipe})'
            )
            measured = (
                f'{added:+.2f} ms per span ({1000 * one[key]:.1f} -> {1000 * many[key]:.1f} ms, '
                f'{measured})'
            )
            met = added <= PER_SPAN_MS and rss_met
        measured += rss_text
        if one is many:
            measured = "1.00x (the same run: today's span, whatever the window)"
        out.append((goal, measured, met, '' if met else _why(component, one, many, w)))
    return out


def _first_batch(results: dict, n: int, recipe: str, measured: str, rss_met: bool) -> tuple:
    """balanced_dataset's first batch over a window: judged by section 4's window goals (time to
    first batch at 1,000 and 10,000 classes, issue 75), its ratio here given beside them; not
    measured (met None) where section 4 has no window."""
    window_goals = [
        (goal.rsplit('(', 1)[1].rstrip(')'), value, met)
        for goal, value, met, _ in classes_report.goals(results)
        if goal.startswith('balanced_dataset over a window') and 'first batch' in goal
    ]
    goal = (
        f"balanced_dataset: first batch over a window of {n} spans within section 4's window "
        f'goals for the time to first batch, peak RSS <= {GOAL}x a window of 1 ({recipe})'
    )
    cited = '; '.join(f'{classes}: {value}' for classes, value, _ in window_goals)
    met = all(m for *_, m in window_goals) and rss_met if window_goals else None
    return goal, f'{cited or "section 4 not measured"}; here {measured}', met
