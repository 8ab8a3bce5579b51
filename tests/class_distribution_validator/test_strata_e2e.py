"""ClassDistributionValidator on StratifiedSplitter's output with ``stratify_features``, under
LocalDagRunner: the splitter's split_counts.json strata reach the validator through examples=,
each site's class mix is checked and written, and both pictures show the sites."""

import json
import os
import random
import shutil
import tempfile

import pytest

pytestmark = pytest.mark.e2e

SITES = 12


@pytest.fixture(scope='module')
def run():
    from tfx import v1 as tfx

    from tests.support.examples import example, write_records
    from tests.support.local_dag import run_local
    from tfx_balance import ClassDistributionValidator, StratifiedSplitter

    root = tempfile.mkdtemp(prefix='cdv_strata_e2e_')
    rng = random.Random(0)
    records = []
    for i in range(1200):  # 12 sites, their fraud rates 5% to 38%, site-00 of 12 examples
        site = 0 if i < 12 else rng.randrange(1, SITES)
        fraud = int(rng.random() < 0.05 + 0.03 * site)
        records.append(example(label=fraud, site=f'site-{site:02d}', x=float(i)))
    write_records(os.path.join(root, 'data', 'data.tfrecord.gz'), records)

    gen = tfx.components.ImportExampleGen(input_base=os.path.join(root, 'data'))
    split = StratifiedSplitter(
        examples=gen.outputs['examples'],
        label_feature='label',
        splits={'train': 8, 'eval': 1, 'test': 1},
        stratify_features=['site'],
    )
    stats = tfx.components.StatisticsGen(examples=split.outputs['examples'])
    check = ClassDistributionValidator(
        statistics=stats.outputs['statistics'],
        examples=split.outputs['examples'],
        label_feature='label',
    )
    done = run_local('cdv-strata-e2e', root, [gen, split, stats, check])
    yield done.pipeline_root
    shutil.rmtree(root, ignore_errors=True)


def _latest(root, component, output):
    from tests.support.artifacts import latest_artifact_dir

    return latest_artifact_dir(root, component, output)


def test_each_sites_class_mix_is_checked_and_the_splitters_split_passes(run):
    with open(
        os.path.join(
            _latest(run, 'ClassDistributionValidator', 'anomalies'), 'class_distribution.json'
        )
    ) as f:
        summary = json.load(f)
    assert summary['passed'], summary['findings']
    strata = summary['strata']
    assert strata['features'] == ['site'] and len(strata['values']['site']) == SITES
    with open(
        os.path.join(_latest(run, 'StratifiedSplitter', 'examples'), 'split_counts.json')
    ) as f:
        written = json.load(f)['strata']
    for row in written['strata']:  # the validator's counts are the splitter's, by site
        (site,) = row['values']
        assert strata['values']['site'][site]['classes'][row['class']] == row['counts']
    assert strata['largest_deviation']['site']['beyond_bound'] is False
    # site-00's 12 examples give eval and test one or two: their mix there is a note
    notes = [n for n in summary['notes'] if "stratify feature 'site'" in n['description']]
    assert len(notes) == 1 and notes[0]['kind'] == 'within_splitter_bound'


def test_both_pictures_name_the_largest_sites(run):
    pages = {}
    for component in ('StratifiedSplitter', 'ClassDistributionValidator'):
        folder = _latest(run, component, 'html_report')
        with open(os.path.join(folder, 'report.html')) as f:
            pages[component] = f.read()
    for page in pages.values():
        assert f'Class mix of the 8 largest of {SITES} values of site, per split' in page
        assert '<h4>Strata</h4>' in page
    assert '<td>a value of site</td>' in pages['StratifiedSplitter']
    assert '<td>within</td>' in pages['ClassDistributionValidator']
