"""One picture per component report, drawn from the JSON the component writes: what the HTML
artifacts hold (Kubeflow and Vertex AI draw them in the run's page), what notebooks show, and
what the samples' ``report.html`` is made of. Plain Python: no TFX, no drawing library.

Example:
    >>> html = picture('split_counts.json', {'a': {'train': 8, 'eval': 1}, 'b': {'train': 1,
    ...                                                                       'eval': 1}})
    >>> 'data-picture="split_counts"' in html, html.count('class="bar"')
    (True, 4)
"""

from __future__ import annotations

from tfx_balance.core.common import keys
from tfx_balance.core.pictures import (
    augmenter,
    charts,
    cross_validation,
    input_plan,
    leakage,
    split,
    validator,
)

# The report file a component writes -> (the parts of its picture, the picture's title).
PICTURES = {
    keys.SPLIT_COUNTS_FILE: (split.draw, 'StratifiedSplitter: examples per split'),
    keys.REBALANCE_PLAN_FILE: (augmenter.draw, 'BalancedAugmenter: each class before and after'),
    keys.CLASS_DISTRIBUTION_JSON_FILE: (
        validator.draw,
        'ClassDistributionValidator: class distributions',
    ),
    keys.LEAKAGE_JSON_FILE: (leakage.draw, 'LeakageCheck: what the splits share'),
    keys.BALANCE_PLAN_FILE: (input_plan.draw, 'BalancedInputGen: the plan of the balanced stream'),
    keys.CROSS_VALIDATION_JSON_FILE: (
        cross_validation.draw,
        'CrossValidationAggregate: per fold and the mean',
    ),
}


def _entry(report_file: str):
    try:
        return PICTURES[report_file]
    except KeyError:
        raise ValueError(
            f'no picture is drawn from {report_file!r}; the reports with one: {sorted(PICTURES)}'
        ) from None


def kind_of(report_file: str) -> str:
    """The picture's name: its report file's without the extension (``split_counts``)."""
    return report_file.rsplit('.', 1)[0]


def picture(report_file: str, report: dict) -> str:
    """The picture of ``report`` (the JSON ``report_file`` holds) as an HTML fragment."""
    draw, title = _entry(report_file)
    return charts.picture(kind_of(report_file), title, *draw(report))


def picture_page(report_file: str, report: dict) -> str:
    """The picture of ``report`` as a whole HTML document."""
    return charts.page(picture(report_file, report), _entry(report_file)[1])
