"""The taxi sample stratified by company (``pipelines/taxi/strata.py``, ``make taxi-strata``):
the core split of the examples CsvExampleGen makes of the taxi CSV, by the label alone and by
label x company; the figures of pipelines/taxi/README.md, "Stratifying by company"."""

import pytest

from pipelines.taxi import strata
from pipelines.taxi.pipeline import SPLITS
from tfx_balance.core.split import report as split_report
from tfx_balance.core.split.stratify_features import MISSING

WEIGHT = {split: weight / sum(SPLITS.values()) for split, weight in SPLITS.items()}


@pytest.fixture(scope='module')
def runs():
    return strata.compare()


def test_with_company_every_stratum_is_within_one_of_its_share_and_companies_closer(runs):
    before, after = runs['label only'], runs['label x company']
    # The same 15,002 trips either way: 61 companies, and 5,140 trips without one (an empty CSV
    # cell is a feature without a value: the missing stratum).
    assert before.counts.keys() == after.counts.keys()
    assert len(after.counts) == 62
    assert sum(sum(row.values()) for row in after.counts['(missing)'].values()) == 5140
    assert split_report.STRATA not in before.report  # the label alone: the plain table
    assert after.report[split_report.STRATA] == after.strata  # the split's report, recounted
    for row in after.strata[split_report.STRATA_ROWS]:
        if row['class'] == 'Pcard':  # presence: its class's counts (the next test)
            continue
        trips = sum(row['counts'].values())
        for split, count in row['counts'].items():
            assert abs(count - trips * WEIGHT[split]) < 1, row
    worst = {
        name: run.strata[split_report.LARGEST_DEVIATION]['stratum']['deviation']
        for name, run in runs.items()
    }
    assert worst == {'label only': 18.0, 'label x company': 1.4}
    for company in strata.largest(before.counts, strata.COMPANIES):
        # (missing) holds Pcard, whose presence counts its one stratum follows (the next test)
        assert strata.company_deviation(after.counts, company) < (1.5 if company == MISSING else 1)
        assert strata.company_deviation(after.counts, company) < strata.company_deviation(
            before.counts, company
        )
    # README's first rows: the largest company's trips per split
    largest = strata.largest(before.counts, 1)[0]
    assert largest == 'Taxi Affiliation Services'
    trips = {
        name: {s: n for s, (n, _) in strata.mix(run.counts, largest).items()}
        for name, run in runs.items()
    }
    assert trips == {
        'label only': {'train': 4129, 'eval': 536, 'test': 511},
        'label x company': {'train': 4140, 'eval': 518, 'test': 518},
    }


def test_with_company_the_rare_classes_keep_presence(runs):
    # README: the presence rule gives Pcard (3 trips, none with a company: one stratum of share
    # 2.4 / 0.3 / 0.3) and Dispute (4) a trip in every split; with strata they keep those counts
    # and Pcard's stratum follows its class (1.4 from its train share).
    rare = {
        name: {c: split_report.counts_of(run.report)[c] for c in ('Dispute', 'Pcard', 'Prcard')}
        for name, run in runs.items()
    }
    assert (
        rare['label x company']
        == rare['label only']
        == {
            'Dispute': {'train': 2, 'eval': 1, 'test': 1},
            'Pcard': {'train': 1, 'eval': 1, 'test': 1},
            'Prcard': {'train': 1, 'eval': 0, 'test': 0},
        }
    )
    pcard = [
        row
        for row in runs['label x company'].strata[split_report.STRATA_ROWS]
        if row['class'] == 'Pcard'
    ]
    assert pcard == [
        {'class': 'Pcard', 'values': [None], 'counts': {'train': 1, 'eval': 1, 'test': 1}}
    ]
