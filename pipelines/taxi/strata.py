"""What ``stratify_features=['company']`` changes in the taxi sample's splits (``make
taxi-strata``): each company's payment mix per split, split on the label alone and on the label
x company.

Splits the examples CsvExampleGen makes of the taxi CSV twice with the core ``StratifiedSplit``
on Beam's DirectRunner (the pipeline's splits: the same examples, weights and seed), recounts
each split's examples per class x company, and prints for the largest companies each split's
share of Cash, Credit Card and the other five classes, and the largest deviation of a company's
stratum (class x company) from its share in a split (the ``strata`` entry of
``split_counts.json``, ``tfx_balance.core.split.report``). A trip without a company (an empty CSV
cell: a feature without a value) is in its class's missing stratum.

Usage: python -m pipelines.taxi.strata [--companies 8] [--seed 0]

Example::

    runs = compare()  # {'label only': Strata, 'label x company': Strata}
    runs['label x company'].report['strata']['largest_deviation']['stratum']['deviation']  # <= 1
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from typing import NamedTuple

import apache_beam as beam

from pipelines.taxi.pipeline import DATA_DIR, LABEL, SPLITS
from tfx_balance.core.split import report as split_report
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.stratified import SplitOutputs, StratifiedSplit
from tfx_balance.core.split.stratify_features import MISSING, Stratum, read_values

COMPANY = 'company'
# The classes shown apart; the other five (181 trips in all) are 'rest'.
SHOWN = ('Cash', 'Credit Card')
RUNS = {'label only': None, 'label x company': [COMPANY]}
COMPANIES = 8  # the companies shown: the eight with >= 132 trips (the next has 26)


class Strata(NamedTuple):
    """One split of the taxi examples: ``counts``, each company's trips per class per split
    (``{company: {class: {split: trips}}}``, recounted from the split's examples), ``strata``,
    their ``strata`` entry as ``split_counts.json`` has it (``report.strata_report``), and
    ``report``, the split's own ``split_counts.json``."""

    counts: dict
    strata: dict
    report: dict


@beam.ptransform_fn
def TaxiExamples(pipeline, data_dir: str = DATA_DIR):  # noqa: N802
    """The serialized examples CsvExampleGen makes of the CSV files in ``data_dir`` (its own
    transform: an empty cell is a feature without a value)."""
    from tfx.components.example_gen.csv_example_gen import executor as csv_executor

    to_examples = csv_executor.Executor().GetInputSourceToExamplePTransform()
    return (
        pipeline
        | 'Csv' >> to_examples({'input_base': data_dir}, '*')
        | 'Serialize' >> beam.Map(lambda e: e.SerializeToString(deterministic=True))
    )


def split_taxi(stratify_features=None, seed: int = 0, data_dir: str = DATA_DIR) -> Strata:
    """Splits the taxi examples as the pipeline's StratifiedSplitter does (``SPLITS``,
    ``seed``), with ``stratify_features`` (None: the label alone)."""
    config = StratifiedSplitConfig(
        LABEL, splits=SPLITS, seed=seed, stratify_features=stratify_features
    ).validate()
    names = list(config.splits)
    with tempfile.TemporaryDirectory() as out:
        with beam.Pipeline() as p:
            split = SplitOutputs(
                p | StratifiedSplit(records_source=lambda: TaxiExamples(data_dir), config=config)
            )
            counted = [
                split.records[name]
                | f'Batch[{name}]' >> beam.BatchElements(min_batch_size=1000)
                | f'Strata[{name}]' >> beam.FlatMap(_strata, i)
                for i, name in enumerate(names)
            ]
            (
                counted
                | 'AllSplits' >> beam.Flatten()
                | 'Sum' >> beam.CombinePerKey(sum)
                | 'ToList' >> beam.combiners.ToList()
                | 'WriteCounts' >> beam.Map(_write, os.path.join(out, 'counts.json'))
            )
            split.report | 'WriteReport' >> beam.Map(_write, os.path.join(out, 'report.json'))
        with open(os.path.join(out, 'counts.json')) as f:
            pairs = [((i, Stratum(label, (company,))), n) for i, label, company, n in json.load(f)]
        with open(os.path.join(out, 'report.json')) as f:
            written = json.load(f)
    by_company = StratifiedSplitConfig(
        LABEL, splits=SPLITS, seed=seed, stratify_features=[COMPANY]
    ).validate()
    strata = split_report.strata_report(pairs, by_company)
    counts = {}
    for row in strata[split_report.STRATA_ROWS]:
        (company,) = row[split_report.STRATA_VALUES]
        company = MISSING if company is None else company
        counts.setdefault(company, {})[row[split_report.STRATUM_CLASS]] = row[
            split_report.STRATUM_COUNTS
        ]
    return Strata(counts, strata, written)


def _strata(records, split: int) -> list:
    """``((split, class, company), 1)`` of each serialized example (company None: missing)."""
    return [((split, *values), 1) for values in read_values(records, (LABEL, COMPANY))]


def _write(value, path: str) -> None:
    def name(v):
        return v.decode() if isinstance(v, bytes) else v

    if isinstance(value, list):  # the summed counts: [[split, class, company, trips], ...]
        value = [[i, name(label), name(company), n] for (i, label, company), n in value]
    with open(path, 'w') as f:
        json.dump(value, f)


def compare(seed: int = 0) -> dict:
    """``{run name: Strata}`` of the two splits in ``RUNS``."""
    return {name: split_taxi(features, seed) for name, features in RUNS.items()}


def mix(counts: dict, company: str) -> dict:
    """``{split: (trips, {class or 'rest': share})}`` of a company's trips (``Strata.counts``)."""
    rows = counts[company]
    result = {}
    for split in SPLITS:
        trips = sum(row[split] for row in rows.values())
        shown = {c: rows.get(c, {}).get(split, 0) for c in SHOWN}
        shown['rest'] = trips - sum(shown.values())
        result[split] = (trips, {c: n / trips if trips else 0.0 for c, n in shown.items()})
    return result


def company_deviation(counts: dict, company: str) -> float:
    """The largest |trips - share| of one of a company's strata (class x company) in a split
    (share: the split's weight of the stratum's trips)."""
    total = sum(SPLITS.values())
    return max(
        abs(row[split] - sum(row.values()) * weight / total)
        for row in counts[company].values()
        for split, weight in SPLITS.items()
    )


def largest(counts: dict, n: int) -> list:
    """The ``n`` companies (missing included) with the most trips, most first."""
    trips = {c: sum(sum(row.values()) for row in rows.values()) for c, rows in counts.items()}
    return sorted(trips, key=lambda c: (-trips[c], c))[:n]


def format_comparison(runs: dict, companies: int = COMPANIES) -> str:
    """The printed tables: per company and split, each run's trips and Cash / Credit Card /
    rest shares; per company its largest stratum deviation in each run; the reports' largest."""
    names, (before, after) = list(runs), runs.values()
    lines = []
    header = f'{"company":<42} {"split":<5}' + ''.join(
        f'  {name + ": trips, Cash / Card / rest":>44}' for name in names
    )
    lines += [header, '-' * len(header)]
    shown = largest(before.counts, companies)
    for company in shown:
        cells = [mix(run.counts, company) for run in runs.values()]
        for split in SPLITS:
            text = ''
            for cell in cells:
                trips, share = cell[split]
                shares = ' / '.join(f'{100 * share[c]:5.1f}%' for c in (*SHOWN, 'rest'))
                text += f'  {trips:>20}  {shares}'
            lines.append(f'{company[:42]:<42} {split:<5}{text}')
    lines += [
        '',
        f'{"largest |trips - share| of a class x company stratum":<56}'
        + ''.join(f'  {name:>16}' for name in names),
    ]
    for company in shown:
        deviations = ''.join(
            f'  {company_deviation(run.counts, company):>16.2f}' for run in runs.values()
        )
        lines.append(f'{company[:56]:<56}{deviations}')
    for label, pick in (
        ('any stratum (the report)', lambda s: s['stratum']),
        ('any company across classes', lambda s: s[split_report.STRATA_VALUES][COMPANY]),
    ):
        worst = ''.join(
            f'  {pick(run.strata[split_report.LARGEST_DEVIATION])[split_report.DEVIATION_AMOUNT]:>16.2f}'
            for run in runs.values()
        )
        lines.append(f'{label:<56}{worst}')
    values = len(after.strata[split_report.STRATA_VALUES][COMPANY]) - 1  # without (missing)
    smallest = (
        min(SPLITS.values())
        / sum(SPLITS.values())
        * sum(sum(row.values()) for rows in after.counts.values() for row in rows.values())
    )
    lines.append(
        f'\n{values} companies (and {MISSING}) in {len(after.strata[split_report.STRATA_ROWS])} '
        f'strata; the smallest split holds {smallest:.0f} trips (stratify_features refuses a '
        'feature with more values than that).'
    )
    classes = [split_report.counts_of(run.report) for run in runs.values()]
    for name in classes[0]:
        if classes[0][name] != classes[1][name]:  # none since presence is kept with strata
            rows = ' vs '.join(' / '.join(map(str, c[name].values())) for c in classes)
            lines.append(f'{name} trips per split ({" / ".join(SPLITS)}): {rows}')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument('--companies', type=int, default=COMPANIES)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    print(format_comparison(compare(args.seed), args.companies))


if __name__ == '__main__':
    main()
