"""Every component report draws a picture that names its classes and counts, stays readable from
2 classes to 1,000 (the rarest drawn, every class in the table), is self-contained and small."""

import re

import pytest

from benchmarks.pictures.reports import class_counts, example_reports
from tests.core.class_distribution_validator import strata_data
from tfx_balance.core import class_distribution_validator as cd
from tfx_balance.core.class_distribution_validator import report as cd_report
from tfx_balance.core.common import keys
from tfx_balance.core.pictures import PICTURES, charts, picture, picture_page, strata
from tfx_balance.core.split.report import (
    COUNTS,
    LARGEST_DEVIATION,
    LARGEST_STRATUM,
    STRATA,
    class_mix,
)

# A picture of 1,000 classes stays below this (the full table is most of it).
MAX_BYTES_1000 = 200_000


def _drawn_rows(html):
    return re.findall(r'<text class="row"[^>]*>([^<]*)</text>', html)


@pytest.mark.parametrize('classes', [2, 1000])
@pytest.mark.parametrize('report_file', sorted(PICTURES))
def test_every_report_draws_a_self_contained_small_page(report_file, classes):
    html = picture_page(report_file, example_reports(classes)[report_file])
    assert html.startswith('<!DOCTYPE html>') and html.rstrip().endswith('</html>')
    assert '<script' not in html and not re.search(r'(src|href|url)\s*[=(]\s*"?(https?:)?//', html)
    assert f'data-picture="{report_file[:-5]}"' in html
    assert 'class="bar"' in html
    assert len(html.encode()) < MAX_BYTES_1000


@pytest.mark.parametrize(
    'report_file',
    [
        keys.SPLIT_COUNTS_FILE,
        keys.REBALANCE_PLAN_FILE,
        keys.CLASS_DISTRIBUTION_JSON_FILE,
        keys.BALANCE_PLAN_FILE,
    ],
)
def test_a_thousand_classes_draw_the_rarest_and_the_largest_and_table_every_class(report_file):
    counts = class_counts(1000)
    html = picture(report_file, example_reports(1000)[report_file])
    drawn = _drawn_rows(html)
    assert len(drawn) == charts.MAX_ROWS
    rarest = min(counts, key=lambda c: (counts[c], c))
    assert 'class-0000' in drawn and rarest in drawn  # the largest and the rarest are seen
    assert 'rows not drawn here (every row is in the table)' in html
    gaps = [int(n.replace(',', '')) for n in re.findall(r'\.\.\. ([\d,]+) rows not drawn', html)]
    assert sum(gaps) + len(drawn) == 1000  # every row not drawn is counted once, the last too
    assert f'{1000 - len(drawn):,} of 1,000 rows not drawn' in html
    for name in counts:  # every class is in the table beside
        assert f'<td>{name}</td>' in html
    assert 'log scale' in html  # 4,000 down to 1 on one axis


def test_rows_not_drawn_after_the_last_drawn_row_are_counted_too():
    totals = [5, 1, 1, 9, 9, 2, 9, 9]  # drawn: the 2 rarest (1, 2) and the 2 largest (6, 7)
    svg = charts.bar_rows('c', 't', [f'r{i}' for i in range(8)], {'n': totals}, max_rows=4)
    assert _drawn_rows(svg) == ['r1', 'r2', 'r6', 'r7']
    gaps = re.findall(r'\.\.\. (\d+) rows not drawn here', svg)
    assert gaps == ['1', '3']  # r0 before the first drawn row; r3-r5 between
    svg = charts.bar_rows('c', 't', [f'r{i}' for i in range(8)], {'n': totals[::-1]}, max_rows=4)
    assert re.findall(r'\.\.\. (\d+) rows not drawn here', svg) == ['3', '1']  # after the last
    assert '4 of 8 rows not drawn' in svg


def test_two_classes_draw_every_class_with_its_counts():
    report = example_reports(2)[keys.SPLIT_COUNTS_FILE]
    html = picture(keys.SPLIT_COUNTS_FILE, report)
    assert _drawn_rows(html) == ['class-0000', 'class-0001']
    for name, row in report.items():
        for split, count in row.items():
            assert f'data-series="{split}" data-category="{name}" data-value="{count}"' in html
    assert '<details class="values" open>' in html  # the table is open beside the bars


def test_the_split_marks_the_rules_count_where_pinned_units_moved_a_split():
    report = {
        'counts': {'a': {'train': 9, 'eval': 1}, 'b': {'train': 3, 'eval': 2}},
        'pinned': {
            'pinned': {'b': {'train': 1, 'eval': 2}},
            'deviation': {'b': {'train': -1, 'eval': 1}},
            'exact': False,
        },
    }
    html = picture(keys.SPLIT_COUNTS_FILE, report)
    assert html.count('class="mark"') == 2  # b's train and eval, at the rule's 4 and 1
    assert 'rule&#x27;s count' in html and '3 units pinned by earlier spans' in html
    assert '<td>b</td><td>3</td><td>2</td><td>1</td><td>2</td><td>4</td><td>1</td>' in html


def test_folds_are_drawn_side_by_side():
    report = {
        'counts': {'0': {'test': 2, 'fold-0': 3, 'fold-1': 3}},
        'folds': ['fold-0', 'fold-1'],
        'holdout': {'test': 0.25},
    }
    html = picture(keys.SPLIT_COUNTS_FILE, report)
    assert '2 folds side by side, held out first: test' in html
    assert html.count('class="bar"') == 3


def test_the_augmenter_shows_each_class_before_and_after_originals_and_synthetic():
    plan = example_reports(2)[keys.REBALANCE_PLAN_FILE]
    html = picture(keys.REBALANCE_PLAN_FILE, plan)
    for name, row in plan['splits']['train'].items():
        assert f'data-series="before" data-category="{name}" data-value="{row["input"]}"' in html
        assert f'data-series="after: synthetic" data-category="{name}" ' in html
    assert html.count('class="mark"') == 2  # the target of each class


def test_a_failing_validator_says_what_failed_and_by_how_much():
    html = picture(
        keys.CLASS_DISTRIBUTION_JSON_FILE,
        example_reports(2, failing=True)[keys.CLASS_DISTRIBUTION_JSON_FILE],
    )
    assert '<span class="fail">FAIL</span>' in html
    assert '<td>split_distance</td><td>train, eval</td><td>0.0310</td><td>0.0200</td>' in html


def test_the_validator_draws_the_drift_against_the_last_span():
    report = example_reports(2)[keys.CLASS_DISTRIBUTION_JSON_FILE]
    report['baseline_drift'] = {
        'train': {
            'linf': 0.05,
            'max_drift_distance': 0.02,
            'classes': {
                'class-0000': {'baseline_share': 0.9, 'current_share': 0.85},
                'class-0001': {'baseline_share': 0.1, 'current_share': 0.15},
            },
        }
    }
    html = picture(keys.CLASS_DISTRIBUTION_JSON_FILE, report)
    assert 'id="drift-train"' in html and '<td>train vs last span</td><td>0.0500</td>' in html


def test_leakage_says_plainly_when_the_splits_share_nothing_and_names_what_they_share():
    clean = picture(keys.LEAKAGE_JSON_FILE, example_reports(2)[keys.LEAKAGE_JSON_FILE])
    assert 'No example is in two splits (3 pair(s) of splits checked)' in clean
    leaking = picture(
        keys.LEAKAGE_JSON_FILE, example_reports(2, failing=True)[keys.LEAKAGE_JSON_FILE]
    )
    assert '<span class="fail">FAIL</span> 1 example key(s) are in two or more splits' in leaking
    assert '<td>train &amp; test</td><td>1</td>' in leaking and '8733504583cbd8cc' in leaking


def test_the_input_plan_shows_the_batch_share_and_how_often_each_example_is_read():
    plan = {
        'splits': {
            'train': {
                'classes': [{'class': 'a', 'count': 90}, {'class': 'b', 'count': 9}],
                'data_counts': {'a': 90, 'b': 9},
            }
        },
        'passthrough_splits': ['eval'],
    }
    html = picture(keys.BALANCE_PLAN_FILE, plan)
    assert 'each batch holds 1/2 of each class' in html
    # b's examples are read 10 times in an epoch that reads a's once
    assert '<td>b</td><td>9</td><td>9</td><td>50.0%</td><td>10.00</td>' in html
    assert 'Passed through unchanged: eval.' in html


def test_cross_validation_draws_each_fold_and_the_mean_with_its_interval():
    report = example_reports(2)[keys.CROSS_VALIDATION_JSON_FILE]
    html = picture(keys.CROSS_VALIDATION_JSON_FILE, report)
    assert html.count('class="interval"') == 2  # one per metric, on the mean's bar
    for fold in ('fold-0', 'fold-1', 'fold-2', 'mean'):
        assert f'data-series="{fold}"' in html
    assert '[0.6513, 0.7753]' in html


def test_an_unknown_report_names_the_ones_with_a_picture():
    with pytest.raises(ValueError, match='split_counts.json'):
        picture('metrics.json', {})


def _stratified(values: int = 12, classes: int = 2):
    """A split_counts.json with strata (the splitter's own allocation), its distributions and
    SplitterCounts: value v00 the smallest, v01 the largest."""
    distributions, splitter = strata_data.split(strata_data.sizes(values, classes, smallest=1))
    table = {
        str(c): {s: d.counts.get(c, 0) for s, d in distributions.items()} for c in range(classes)
    }
    return {COUNTS: table, STRATA: splitter.strata}, distributions, splitter


def _values_drawn(html, feature='site'):
    return sorted({row.split(' | ')[0] for row in _drawn_rows(html) if row.startswith(feature)})


def test_the_split_shows_the_largest_values_class_mix_and_the_worst_deviations():
    report, _, _ = _stratified()
    html = picture(keys.SPLIT_COUNTS_FILE, report)
    mix = class_mix(report[STRATA])['site']
    largest = sorted(mix, key=lambda v: -sum(sum(r.values()) for r in mix[v].values()))[:8]
    assert len(largest) == strata.TOP_VALUES and 'v00' not in largest  # v00: 1 example
    assert _values_drawn(html) == sorted(f'site={v}' for v in largest)
    assert 'Class mix of the 8 largest of 12 values of site, per split' in html
    assert len(report[STRATA]['strata']) == 23  # v00 has 1 example: one of 2 classes
    assert '23 strata: class x site (12 values)' in html
    assert '<td>v00</td>' in html  # every value is in the table beside
    worst = report[STRATA][LARGEST_DEVIATION]
    stratum = worst[LARGEST_STRATUM]
    assert (
        f'<td>a stratum</td><td>{stratum["class"]} | site={stratum["values"][0]}</td>'
        f'<td>{stratum["split"]}</td><td>{stratum["deviation"]:.3f}</td>'
    ) in html
    value = worst['values']['site']
    assert (
        f'<td>a value of site</td><td>site={value["value"]}</td><td>{value["split"]}</td>'
        f'<td>{value["deviation"]:.3f}</td>'
    ) in html
    # a tick at each value's class mix over all splits, on each split's bar
    assert html.count('class="mark"') == 3 * 2 * strata.TOP_VALUES


def test_the_validator_shows_the_strata_and_the_value_beyond_the_bound():
    report, distributions, splitter = _stratified(9, 5)
    cell = next(
        r for r in splitter.strata['strata'] if r['values'] == ['v04'] and r['class'] == '2'
    )
    moved = strata_data.move(splitter.strata, 'v04', '2', 'eval', 'train', cell['counts']['eval'])
    distributions, splitter = strata_data.counted(moved)
    checked = cd.run_checks(
        distributions, cd.ValidatorConfig('label').validate(), splitter=splitter
    )
    html = picture(keys.CLASS_DISTRIBUTION_JSON_FILE, checked.to_json())
    assert '<span class="fail">FAIL</span>' in html
    assert '<td>stratum_distance</td><td>eval</td>' in html  # the finding, in the findings table
    worst = checked.to_json()[cd_report.STRATA][cd_report.STRATA_LARGEST]['site']
    assert (
        f'<td>site</td><td>v04</td><td>2</td><td>eval</td><td>{worst["distance"]:.4f}</td>'
        f'<td>0.0200</td><td>0</td>'
    ) in html and '<td>beyond</td>' in html
    assert 'Class mix of the 8 largest of 9 values of site, per split' in html
    assert 'site=v04 | 2' in _drawn_rows(html)


@pytest.mark.parametrize('report_file', [keys.SPLIT_COUNTS_FILE, keys.CLASS_DISTRIBUTION_JSON_FILE])
def test_a_report_without_strata_draws_as_before_and_the_strata_only_add_parts(report_file):
    report, distributions, splitter = _stratified()
    if report_file == keys.CLASS_DISTRIBUTION_JSON_FILE:
        config = cd.ValidatorConfig('label').validate()
        report = cd.run_checks(distributions, config, splitter=splitter).to_json()
        notes = report.pop(cd_report.NOTES)  # the strata's note: drawn in both pictures
        without = {k: v for k, v in report.items() if k != cd_report.STRATA}
        without[cd_report.NOTES] = report[cd_report.NOTES] = notes
        draw = PICTURES[report_file][0]
        plain, stratified = draw(without), draw(report)
        assert stratified[: len(plain) - 1] == plain[:-1] and stratified[-1] == plain[-1]
    else:
        without = report[COUNTS]  # without strata: the plain table
        draw = PICTURES[report_file][0]
        plain, stratified = draw(without), draw(report)
        assert stratified[: len(plain)] == plain
    added = ''.join(p for p in stratified if p not in plain)
    assert '<h4>Strata</h4>' in added and 'id="strata-site"' in added
    assert 'Strata' not in ''.join(plain) and 'strata-' not in ''.join(plain)
