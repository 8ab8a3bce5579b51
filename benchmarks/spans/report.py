"""The spans section's goals and its RESULTS.md lines (issue 51)."""

from __future__ import annotations

from benchmarks.common import size_label
from benchmarks.harness.format import (
    fmt_mib,
    fmt_num,
    fmt_ratio,
    fmt_seconds,
    markdown_table,
    not_measured_note,
)
from benchmarks.spans.jobs import METHODS, NAMES

TIME_GOAL, MEMORY_GOAL = 1.5, 1.2
STALE_DRIFT = (
    '_The drift results predate thresholds per split: run `python -m benchmarks.run --sections '
    'spans`._'
)


def _quiet_limits(drift: dict) -> dict:
    """Per split, the largest distance between two unshifted spans (a threshold must be above
    it to raise no alarm on them) and the shifted span's distance."""
    quiet = [r for r in drift['rows'] if not r['shifted']]
    shifted = [r for r in drift['rows'] if r['shifted']]
    return {
        s: (max(r['linf'][s] for r in quiet), shifted[0]['linf'][s] if shifted else None)
        for s in NAMES
    }


def _per_split_text(drift: dict) -> str:
    """The per-split thresholds of the drift table, with the sizes they came from."""
    return ', '.join(
        f'{s} {t:g} ({drift["rule_examples"][s]:,} examples)' for s, t in drift['per_split'].items()
    )


def _drift_verdict(drift: dict, key: str):
    """``(caught, false alarms, quiet spans, shifted span's alarms)`` of one configuration."""
    quiet = [r for r in drift['rows'] if not r['shifted']]
    shifted = [r for r in drift['rows'] if r['shifted']]
    alarms = shifted[0][key] if shifted else []
    return bool(alarms), sum(bool(r[key]) for r in quiet), len(quiet), alarms


def _drift_lines(drift: dict) -> list:
    """The drift table and its thresholds (a note to re-run on results from before the
    thresholds per split)."""
    lines = [
        '',
        '### Drift check (ClassDistributionValidator, core level, each span against the previous)',
        '',
    ]
    if 'per_split' not in drift:
        return lines + [STALE_DRIFT]
    lines += [
        f'`check_baseline` on each split of the pinned split, at the documented defaults '
        f'(max_drift_distance {drift["max_drift_distance"]}, max_drift_divergence '
        f'{drift["max_drift_divergence"]}) and with max_drift_distance per split by the '
        f'documented rule, set once from the first span (`suggest_max_drift_distance`: '
        f"{drift['noise_multiple']:g} x the sampling noise of the split's noisiest class, never "
        f'below the default): {_per_split_text(drift)}. '
        "The last span's fraud users have twice their examples (the doubled minority share).",
        '',
    ]
    rows = [
        [r['span'], 'doubled' if r['shifted'] else 'none', f'{r["fraud_share"]:.3f}']
        + [f'{r["linf"][s]:.4f}' for s in NAMES]
        + [', '.join(r['alarms']) or 'none', ', '.join(r['alarms_per_split']) or 'none']
        for r in drift['rows']
    ]
    lines += markdown_table(
        ['span', 'minority shift', 'fraud share']
        + [f'L-inf {s}' for s in NAMES]
        + [f'alarms at {drift["max_drift_distance"]:g}', 'alarms per split'],
        rows,
    )
    limits = _quiet_limits(drift)
    return lines + [
        '',
        'Threshold that raises no alarm on the unshifted spans (above their largest distance), '
        "per split, and the shifted span's distance: "
        + '; '.join(
            f'{s} > {q:.4f} (shifted {fmt_num(d, "{:.4f}")})' for s, (q, d) in limits.items()
        )
        + '.',
    ]


def _drift_goals(drift: dict) -> list:
    """The drift goal: with the rule's thresholds per split, the shift alarms and no quiet
    span does (the default's figures beside them)."""
    if 'per_split' not in drift:
        return []
    caught, false_alarms, quiet, alarms = _drift_verdict(drift, 'alarms_per_split')
    at_default = _drift_verdict(drift, 'alarms')
    met = caught and not false_alarms
    return [
        (
            'Drift check with max_drift_distance per split by the documented rule (set once from '
            f'the first span): a doubled minority share raises an alarm, {quiet} span(s) without '
            'a shift raise none',
            f'{_per_split_text(drift)}: shifted span alarms on {", ".join(alarms) or "none"}; '
            f'{false_alarms} of {quiet} quiet spans alarm (at the default '
            f'{drift["max_drift_distance"]:g} on every split: {at_default[1]} of {quiet}, shifted '
            f'span on {", ".join(at_default[3]) or "none"})',
            met,
            ''
            if met
            else "the rule's thresholds do not separate the shift from the quiet spans here: "
            'see the largest quiet distance per split under the drift table of section spans',
        )
    ]


def _time_why(sc: dict, w: str) -> str:
    floor = sc['floor']['seconds']
    if 'window_0' not in sc:
        return ''
    alone = sc['window_0']['seconds']
    return (
        f'group_feature alone (the same split without earlier spans) takes '
        f'{alone / floor:.2f}x the floor (the plan pass groups labels and group keys only; the '
        'placement pass shuffles each record by group); the '
        f'{sc["window"]} earlier spans add {(sc[w]["seconds"] - alone) / floor:.2f}x of the floor: '
        'their assignments are read and merged into one sorted table per key bucket, the plan pass '
        'joins its groups (labels and keys, no records) with it by bucket (PinUnits), and the '
        "placement pass's examples meet their group's pinned split in their one grouping by group; "
        f'most of it comes with the first earlier span ({sc["window_1"]["seconds"] / floor:.2f}x '
        'the floor with 1), not with the length of the window'
    )


def render(results: dict) -> list:
    result = results.get('spans')
    if not result:
        return [not_measured_note('spans')]
    st, lines = result['stability'], []
    lines += [
        f'Generator (`spans/data.py`): {st["users"]:,} users with a fixed label (5% fraud), '
        f"each present on a span with probability 0.7 with 1-3 examples; 2% of a span's "
        f'examples delivered again in the next span. {st["spans"]} spans of '
        f'{min(st["examples"]):,}-{max(st["examples"]):,} examples, split 8:1:1 in order '
        "(group_feature `user`; ours with Beam's in-process DirectRunner, the assignments written "
        'to gzipped TFRecords and read back as the executor does).',
        '',
        '### Across spans: units in two splits',
        '',
    ]
    rows = []
    for method, label in METHODS.items():
        c = st['crossings'][method]
        rows.append(
            [label, f'{c["users_in_two_splits"]:,} of {c["users"]:,}',
             f'{c["repeated_in_two_splits"]:,} of {c["repeated_examples"]:,}']
        )  # fmt: skip
    lines += markdown_table(
        ['split', 'users in two splits', 'repeated examples in two splits'], rows
    )
    lines += [
        '',
        "### Per span and class: largest |split count - rule's count| (examples)",
        '',
        "The rule: `allocate(n, [8, 1, 1])` of the class's examples in that span. Ours with "
        'previous_assignments: pinned users keep their split, so a class can be off the rule by '
        "what the pinned users put in a split beyond its rule count (the report's `deviation`).",
        '',
    ]
    rows = []
    for i in range(st['spans']):
        for label in sorted(st['deviations']['pinned'][i]):
            d = {m: st['deviations'][m][i][label] for m in METHODS}
            rows.append([i, label, d['pinned']['n']] + [d[m]['deviation'] for m in METHODS])
    lines += markdown_table(
        ['span', 'class', 'examples', 'ours, pinned', 'ours, not pinned', 'TFX hash by group'], rows
    )
    lines += _drift_lines(st['drift'])
    sc = result.get('scale')
    if sc:
        w = f'window_{sc["window"]}'
        lines += [
            '',
            f'### Scale: {sc["n"]:,} examples per span, {sc["groups"]:,} recurring users',
            '',
            f'The StratifiedSplitter executor (group_feature `user`, writing its assignments) '
            f'without earlier spans, and with the SplitAssignments of 1 and of {sc["window"]} '
            'earlier spans (each with the '
            'recurring users present on it and its own one-off users), and the I/O floor, on '
            'the same span, each in a fresh process.',
            '',
        ]
        rows = []
        floor = sc['floor']
        kinds = {'floor': 'I/O floor', 'window_0': 'splitter, no earlier span',
                 'window_1': 'splitter, 1 earlier span',
                 w: f'splitter, {sc["window"]} earlier span(s)'}  # fmt: skip
        for kind, label in kinds.items():
            if kind not in sc:
                continue
            s = sc[kind]
            rows.append(
                [label, fmt_seconds(s['seconds']), fmt_num(s['examples_written']),
                 fmt_mib(s.get('peak_rss_mb')),
                 fmt_ratio(s['seconds'] / floor['seconds']) if kind != 'floor' else '1.00x']
            )  # fmt: skip
        lines += markdown_table(['job', 'median s', 'examples', 'peak RSS MiB', 'vs floor'], rows)
    return lines


def goals(results: dict) -> list:
    result = results.get('spans')
    if not result:
        return []
    st, out = result['stability'], []
    c = st['crossings']
    measured = ', '.join(
        f'{m}: {c[m]["users_in_two_splits"]} users, {c[m]["repeated_in_two_splits"]} examples'
        for m in METHODS
    )
    met = c['pinned']['users_in_two_splits'] == 0 and c['pinned']['repeated_in_two_splits'] == 0
    out.append(
        (
            f'Across {st["spans"]} spans, 0 users and 0 repeated examples in two splits '
            f'(previous_assignments; {st["users"]:,} users)',
            measured,
            met,
            '' if met else 'a pinned unit moved: a defect of previous_assignments',
        )
    )
    out += _drift_goals(st['drift'])
    sc = result.get('scale')
    if sc:
        w = f'window_{sc["window"]}'
        ratio = sc[w]['seconds'] / sc['floor']['seconds']
        size = f'{size_label(sc["n"])} per span, {size_label(sc["groups"])} recurring groups'
        out.append(
            (
                f'StratifiedSplitter with {sc["window"]} spans of assignments <= {TIME_GOAL}x the '
                f'I/O floor ({size})',
                fmt_ratio(ratio),
                ratio <= TIME_GOAL,
                '' if ratio <= TIME_GOAL else _time_why(sc, w),
            )
        )
        one, many = sc['window_1'].get('peak_rss_mb'), sc[w].get('peak_rss_mb')
        if one and many:
            out.append(
                (
                    f'StratifiedSplitter peak RSS with {sc["window"]} earlier spans <= '
                    f'{MEMORY_GOAL}x that with 1 ({size})',
                    f'{many / one:.2f}x ({many:,.0f} vs {one:,.0f} MiB)',
                    many / one <= MEMORY_GOAL,
                    '',
                )
            )
    return out
