"""Every ```python block of README.md, docs/*.md, the samples' and benchmarks/README.md runs, as written.

Blocks run in order in one interpreter (imports are paid once), each in its own namespace and a
fresh working directory, so each must be self-contained. Two markers on the line before a block:

- ``<!-- readme-test: skip (reason) -->``: the block is not run; the reason must be given.
- ``<!-- docs-test: file NAME -->``: the block is a file the page tells the reader to save (e.g. a
  Trainer module); it must compile, and it is written as NAME into the working directory of every
  later block of the same page.

Relative links between the pages must point at files and headings that exist.
"""

import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = sorted(
    ['README.md', 'benchmarks/README.md']
    + [os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, 'docs', '*.md'))]
    + [
        os.path.relpath(p, ROOT)
        for p in glob.glob(os.path.join(ROOT, 'pipelines', '*', 'README.md'))
    ]
)
# The Python sources whose docstrings and comments are prose too: the package's, samples' and
# benchmarks' modules.
SOURCES = sorted(
    os.path.relpath(p, ROOT)
    for folder in ('components', 'benchmarks', 'pipelines')
    for p in glob.glob(os.path.join(ROOT, folder, '**', '*.py'), recursive=True)
)
BLOCK = re.compile(
    r'(?:<!-- readme-test: skip \((?P<why>[^)]+)\) -->\s*|<!-- docs-test: file (?P<file>[\w.-]+) -->\s*)?'
    r'```python\n(?P<code>.*?)```',
    re.S,
)
LINK = re.compile(r'\]\((?P<target>[^)#\s]*)(?:#(?P<anchor>[^)\s]*))?\)')


def read(page):
    with open(os.path.join(ROOT, page)) as f:
        return f.read()


def anchors(page):
    """GitHub's anchors for the headings of a page (lower case, punctuation dropped, '-' for ' ')."""
    headings = re.findall(r'^#+ (.+)$', read(page), re.M)
    return {re.sub(r'[^\w\- ]', '', h.strip().lower()).replace(' ', '-') for h in headings}


def python_blocks():
    """(page, line, code, skip reason, files) for every ```python block of every page.

    ``files`` maps the names of the page's earlier file blocks to their code; a file block itself
    has ``files`` None.
    """
    blocks = []
    for page in PAGES:
        text = read(page)
        files = {}
        for match in BLOCK.finditer(text):
            line = text[: match.start('code')].count('\n') + 1
            code, why, name = match.group('code'), match.group('why'), match.group('file')
            blocks.append(
                pytest.param(
                    page, line, code, why, None if name else dict(files), id=f'{page}:{line}'
                )
            )
            if name:
                files[name] = code
    return blocks


def test_docs_pages_exist():
    for page in (
        'docs/stratified_splitter.md',
        'docs/balanced_augmenter.md',
        'docs/balanced_input_gen.md',
        'docs/class_distribution_validator.md',
        'docs/kubeflow.md',
        'docs/troubleshooting.md',
        'docs/use_in_your_project.md',
    ):
        assert page in PAGES, page


def test_readme_is_short():
    assert len(read('README.md').splitlines()) <= 150


def test_readme_make_targets_are_the_makefile_targets():
    """Every `make X` in the pages is a Makefile target, and README names every user-facing one."""
    makefile = read('Makefile').replace('\\\n', ' ')  # join continued lines
    targets = set(re.search(r'^\.PHONY:(.*)$', makefile, re.M).group(1).split())
    for page in PAGES:
        named = set(re.findall(r'`make ([\w-]+)', read(page)))
        assert named <= targets, f'{page} names unknown make targets {sorted(named - targets)}'
    named = set(re.findall(r'`make ([\w-]+)', read('README.md')))
    assert targets - {'help', 'install', 'test-deps', 'clean'} <= named, sorted(targets - named)


def test_every_component_page_has_a_runnable_example():
    runnable = {
        block.values[0]
        for block in python_blocks()
        if block.values[3] is None and block.values[4] is not None
    }
    for page in PAGES:
        if page.startswith('docs/') and page not in ('docs/kubeflow.md', 'docs/troubleshooting.md'):
            assert page in runnable, f'{page} has no runnable ```python block'


def test_argument_tables_are_what_the_configs_declare():
    # Each component's arguments are declared once (core/common/arguments.py); its page's table is
    # generated from the declaration by tools/argument_tables.py.
    from tools import argument_tables

    found = {}
    for page in PAGES:
        for spec, table in argument_tables.tables(read(page)):
            found[spec] = page
            expected = argument_tables.config_class(spec).argument_table()
            assert table == expected, (
                f'{page}: the arguments table of {spec} is not its declaration; run '
                '.venv/bin/python tools/argument_tables.py'
            )
    assert set(found) >= {
        'tfx_balance.core.balanced_augmenter:AugmentConfig',
        'tfx_balance.core.balanced_input_gen:LayoutConfig',
        'tfx_balance.core.class_distribution_validator:ValidatorConfig',
        'tfx_balance.core.cross_validation:CrossValidationConfig',
        'tfx_balance.core.leakage_check:LeakageConfig',
        'tfx_balance.core.split.config:StratifiedSplitConfig',
    }, found


# "section 11, `multilabel_hard`", "Section 14 (`window`", "(`multilabel_hard/`, section 11":
# a number of benchmarks/RESULTS.md beside the key its heading gives it.
SECTION_REFERENCE = re.compile(
    r'[Ss]ection (?P<number>\d+),? \(?`(?P<key>\w+)/?`|`(?P<key2>\w+)/?`,? section (?P<number2>\d+)'
)


def section_references(text):
    """``(number, key)`` of every reference of ``text`` that names a section and its key."""
    return [
        (int(m.group('number') or m.group('number2')), m.group('key') or m.group('key2'))
        for m in SECTION_REFERENCE.finditer(text)
    ]


def test_section_references_name_the_sections_of_results_md():
    # Sections are renumbered when one is added; a reference that gives the key can be checked.
    numbered = {
        key: int(n)
        for n, key in re.findall(r'^## (\d+)\. (\w+):', read('benchmarks/RESULTS.md'), re.M)
    }
    checked = 0
    for path in PAGES + SOURCES:
        for number, key in section_references(read(path)):
            if key in numbered:
                checked += 1
                assert numbered[key] == number, (
                    f'{path} calls `{key}` section {number} of benchmarks/RESULTS.md; it is '
                    f'section {numbered[key]}'
                )
    assert checked >= 10, checked


def test_the_section_reference_pattern_reads_each_form():
    text = 'section 10, `multilabel_hard`; Section 14 (`window`); (`multilabel_hard/`, section 11'
    assert section_references(text) == [
        (10, 'multilabel_hard'),
        (14, 'window'),
        (11, 'multilabel_hard'),
    ]


DOTTED_NAME = re.compile(r'\btfx_balance(?:\.[A-Za-z_]\w*)+(?!\w|\.\w|:)')


def missing_names(text, known=frozenset()):
    """The ``tfx_balance.a.b`` names of ``text`` that no module or attribute of the package has
    (``known``: names that are not Python's, e.g. artifact type names)."""
    import importlib

    def exists(name):
        parts = name.split('.')
        for i in range(len(parts), 0, -1):
            try:
                found = importlib.import_module('.'.join(parts[:i]))
            except ImportError:
                continue
            for part in parts[i:]:
                if not hasattr(found, part):
                    return False
                found = getattr(found, part)
            return True
        return False

    names = {m.group(0) for m in DOTTED_NAME.finditer(text)} - set(known)
    return sorted(n for n in names if not n.endswith(('.py', '.md', '.json')) and not exists(n))


def test_dotted_names_in_the_pages_and_docstrings_exist():
    # A name moved or renamed leaves its old spelling in prose that no import checks; the
    # released sections of the CHANGELOG name what their release had.
    artifact_types = set()
    for path in glob.glob(os.path.join(ROOT, 'components', '**', 'component.py'), recursive=True):
        artifact_types.update(re.findall(r"TYPE_NAME = '(tfx_balance\.\w+)'", read(path)))
    assert artifact_types
    unreleased = read('CHANGELOG.md').split('\n## ')[1]  # the first section: Unreleased
    texts = {'CHANGELOG.md (Unreleased)': unreleased}
    texts.update({path: read(path) for path in PAGES + SOURCES})
    missing = {path: missing_names(text, artifact_types) for path, text in texts.items()}
    assert not {path: names for path, names in missing.items() if names}


def test_the_dotted_name_check_finds_a_missing_name():
    text = 'tfx_balance.base.parameters.execution_parameters, tfx_balance.spec.execution_parameters'
    assert missing_names(text) == ['tfx_balance.spec.execution_parameters']


@pytest.mark.parametrize('page', PAGES)
def test_relative_links_point_at_files_and_headings(page):
    for match in LINK.finditer(read(page)):
        target, anchor = match.group('target'), match.group('anchor')
        if '://' in target or target.startswith('mailto:'):
            continue
        if target:
            path = os.path.normpath(os.path.join(ROOT, os.path.dirname(page), target))
        else:
            path = os.path.join(ROOT, page)
        assert os.path.exists(path), f'{page}: link to {target} ({path}) is broken'
        if anchor and path.endswith('.md'):
            linked = os.path.relpath(path, ROOT)
            assert anchor in anchors(linked), f'{page}: no heading #{anchor} in {linked}'


@pytest.mark.e2e
@pytest.mark.parametrize('page, line, code, why, files', python_blocks())
def test_docs_python_block_runs(page, line, code, why, files, tmp_path, monkeypatch):
    if why is not None:
        pytest.skip(f'{page} line {line}: {why}')
    compiled = compile(code, f'{page}:{line}', 'exec')
    if files is None:
        return  # a file block: it compiles, and the page's later blocks get it as a file
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    exec(compiled, {'__name__': '__docs__'})
