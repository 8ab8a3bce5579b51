"""The multilabel_quality section: the multi-label policies (issue 41), the examples their plans
read and the models trained on each stream, over 5 seeds.

Full runs only (40 small models, about 10 min). Files: ``data.py`` (its datasets), ``jobs.py``
(coverage, speed and quality; also runnable alone:
``python -m benchmarks.multilabel_quality.jobs``), ``report.py`` (its RESULTS.md section). Run it alone::

    python -m benchmarks.run --sections multilabel_quality
"""

from __future__ import annotations

from benchmarks import common
from benchmarks.harness.format import not_measured_note
from benchmarks.multilabel_quality import report

TITLE = 'Multi-label policies: examples read and model quality (issue 41)'
KEYS = ('multilabel_quality',)
FULL_ONLY = True
DEFAULT = {'multilabel_quality_seeds': 5}  # seeds of the model-quality table
FULL = {}
SMOKE = {}


def run(args, results: dict) -> dict:
    from benchmarks.multilabel_quality import jobs

    common.log('Multi-label policies: examples read and model quality (issue 41)')
    # A smoke run measures the speed rows at the dataset section's multi-label size: the same
    # workload and layouts (multilabel_input.prepare, under the same work folder), laid out once.
    speed_n = args.multilabel_input_n if args.smoke else None
    return {
        'multilabel_quality': jobs.run(
            args.smoke,
            args.multilabel_quality_seeds,
            work_dir=args.work_dir,
            log=common.log,
            speed_n=speed_n,
        )
    }


def render(results: dict) -> list:
    return report.render_section(results) or [not_measured_note('multilabel_quality')]


def goals(results: dict) -> list:
    return []  # its goals are judged in its own table
