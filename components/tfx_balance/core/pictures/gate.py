"""The Evaluator's gate verdict drawn as the components' reports are: blessed or not, and each
threshold with the candidate's value, from ``tfx_balance.metrics.verdict.gate_verdict``'s dict.
Not a component's report (the Evaluator is TFX's): ``tfx_balance.orchestration.run_pictures`` draws it beside
them.

Example:
    >>> html = picture({'model': '', 'blessed': False, 'checks': [
    ...     {'metric': 'min_class_recall', 'rule': '>= 0.5', 'value': 0.002, 'passed': False}]})
    >>> 'NOT BLESSED: failed min_class_recall' in html, '<td>0.002</td>' in html
    (True, True)
"""

from __future__ import annotations

from tfx_balance.core.pictures import charts

KIND = 'model_gate'
TITLE = "Evaluator: the model gate's verdict"


def picture(verdict: dict) -> str:
    """The verdict's picture, an HTML fragment as ``tfx_balance.core.pictures.picture`` gives."""
    return charts.picture(KIND, TITLE, *draw(verdict))


def draw(verdict: dict) -> list:
    blessed = bool(verdict.get('blessed'))
    model = verdict.get('model') or 'The model'
    checks = verdict.get('checks') or []
    failed = [c['metric'] for c in checks if not c['passed']]
    if blessed:
        line = f'{model} BLESSED: it passed every threshold ({len(checks)}); the Pusher ships it.'
    else:
        what = f'failed {", ".join(failed)}' if failed else 'its validation failed'
        line = f'{model} NOT BLESSED: {what}; the Pusher does not ship it.'
    rows = [
        [
            c['metric'],
            c['rule'],
            'n/a' if c.get('value') is None else f'{c["value"]:.3f}',
            'PASS' if c['passed'] else 'FAIL',
        ]
        for c in checks
    ]
    return [
        charts.verdict(blessed, line),
        charts.table(['metric', 'rule', 'value', 'verdict'], rows),
    ]
