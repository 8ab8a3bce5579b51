"""Goals and the RESULTS.md section of classes (issue 23): balanced_dataset at 10 to 10,000
classes, time to first batch and steady rate against the best plain read (``classes/jobs.py``),
and the same goals over a window of spans (issue 51).

Example::

    >>> goals({})
    []
"""

from __future__ import annotations

from benchmarks.dataset.report import spread_why
from benchmarks.harness.format import missing_note, render_result

CLASSES_FIRST_BATCH_GOAL = (3.0, 1.0)  # at 1,000 classes: first batch <= 3x the plain's + 1 s
CLASSES_RATE_GOAL = 1.0  # at 1,000 classes: steady examples/s >= 1.0x the best plain read
CLASSES_10K_FIRST_BATCH_SECONDS = 10.0  # at 10,000 classes: first batch <= 10 s
CLASSES_10K_RATE_GOAL = 0.8  # at 10,000 classes: steady examples/s >= 0.8x the best plain read


def goals(results: dict) -> list:
    """balanced_dataset at 1,000 and 10,000 classes: time to first batch and steady rate; and
    the same goals over a window of spans (issue 51: they still hold there)."""
    section = results.get('classes') or {}
    goals = []
    for r in section.get('classes', []):
        goals += _goals_of(r, 'balanced_dataset')
    for r in section.get('window', []):
        what = (
            f'balanced_dataset over a window of {r["spans"]} spans (per-span layouts merged at '
            'read time, batches exact over the union)'
        )
        goals += _goals_of(r, what)
    return goals


def _goals_of(r: dict, what: str) -> list:
    """The first-batch and steady-rate goals of one class count's measures."""
    ours, best = r['rows']['balanced_dataset'], r['rows'][r['best_plain']]
    rate_why = spread_why(ours['runs_rate'], best['runs_rate'], 'examples/s')
    if r['classes'] == 1_000:
        factor, extra = CLASSES_FIRST_BATCH_GOAL
        limit, rate_goal = factor * best['first_s'] + extra, CLASSES_RATE_GOAL
        first_goal = f"<= {factor:g}x the plain read's + {extra:g} s"
    elif r['classes'] == 10_000:
        limit, rate_goal = CLASSES_10K_FIRST_BATCH_SECONDS, CLASSES_10K_RATE_GOAL
        first_goal = f'<= {limit:g} s'
    else:
        return []
    met = ours['first_s'] <= limit
    goals = [
        (
            f'{what} time to first batch {first_goal} ({r["classes"]:,} classes)',
            f'{ours["first_s"]:.2f} s (limit {limit:.2f} s)',
            met,
            '' if met else f'runs: {", ".join(f"{x:.2f}" for x in ours["runs_first_s"])} s',
        )
    ]
    met = r['rate_ratio'] >= rate_goal
    goals.append(
        (
            f'{what} steady rate >= {rate_goal}x the best-tuned plain read '
            f'({r["classes"]:,} classes)',
            f'{r["rate_ratio"]:.2f}x',
            met,
            '' if met else rate_why,
        )
    )
    return goals


def render(results: dict) -> list:
    """The section's lines (after its heading)."""
    return render_result(results.get('classes') or {'missing': missing_note('classes')})
