"""Goals and the RESULTS.md section of the BalancedAugmenter benchmark (``jobs.py``):
section 2, each augmentation's time per written example against the I/O floor.

Example::

    >>> goals({})
    []
"""

from __future__ import annotations

from benchmarks.harness.format import (
    fmt_mib,
    fmt_num,
    fmt_ratio,
    fmt_seconds,
    markdown_table,
    not_measured_note,
)

AUGMENT_GOAL = 2.0  # every augmentation's time per written example <= 2x the floor
AUGMENT_FN_GOAL = 2.5  # a user augment_fn's ('module_file', numpy noise on every float): <= 2.5x

# A user augment_fn (augment_fn_module.py) has its own goal: it runs in Python once per copy.
AUGMENT_GOALS = {'module_file': AUGMENT_FN_GOAL}
AUGMENT_WHY = {
    'image': 'Every generated image is decoded, transformed and PNG-encoded; the floor only moves '
    'bytes.',
    'module_file': 'The user function runs in Python once per generated example (numpy calls per '
    'feature, a Generator per copy); the floor only moves bytes. Profile the copies of one source '
    '(core/balanced_augmenter/user_fn.py: UserFnSource) to see which part grew.',
}


def goals(results: dict) -> list:
    goals = []
    for aug, row in (results.get('augmenter') or {}).get('rows', {}).items():
        name = f"'{aug}' (user augment_fn)" if aug == 'module_file' else f"'{aug}'"
        goal = AUGMENT_GOALS.get(aug, AUGMENT_GOAL)
        ratio = row.get('ratio')
        if ratio is None:
            error = row['augmenter'].get('error', '')
            goals.append((f'BalancedAugmenter {name} <= {goal}x the floor', 'failed', False, error))
            continue
        met = ratio <= goal
        why = (
            ''
            if met
            else AUGMENT_WHY.get(aug, 'Generated examples are built in Python per example.')
        )
        goals.append(
            (
                f'BalancedAugmenter {name} time per written example <= {goal}x the floor',
                f'{ratio:.2f}x',
                met,
                why,
            )
        )
    return goals


def render(results: dict) -> list:
    """The section's lines (after its heading): one row per augmentation."""
    aug = results.get('augmenter') or {'implementation': 'executor', 'rows': {}}
    lines = [
        f'Target `max` (every class raised to the head class), run through the '
        f"{aug['implementation']}. Rate = examples written per second; ratio = the floor's "
        "rate / the augmenter's (time per written example relative to the floor). "
        "'module_file' is a user `augment_fn` (`benchmarks/augmenter/augment_fn_module.py`: numpy noise on "
        f'every float), with a goal of {AUGMENT_FN_GOAL}x: it is called in Python once per '
        'generated example; each source is parsed once, and a result that keeps every '
        "feature's type and length is written into the source's bytes. All the jobs of this "
        'section run in one process (imports paid once), so a peak RSS includes what earlier '
        'jobs kept.',
        '',
    ]
    rows = []
    for name, row in aug['rows'].items():
        a, f = row['augmenter'], row['floor']
        rows.append(
            [
                f"'{name}'",
                f'{fmt_num(row["input"])} {row["workload"]}',
                fmt_seconds(a.get('seconds')),
                fmt_num(a.get('examples_written')),
                fmt_num(a.get('rate')),
                fmt_num(f['rate']),
                fmt_ratio(row.get('ratio')),
                fmt_mib(a.get('peak_rss_mb')),
            ]
        )
    lines += markdown_table(
        [
            'augmentation',
            'input',
            'median s',
            'examples written',
            'examples/s',
            'floor examples/s',
            'ratio',
            'peak RSS MiB',
        ],
        rows,
    )
    if not aug['rows']:
        return [not_measured_note('augmenter')]
    return lines
