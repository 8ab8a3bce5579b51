"""Test helper: TFX's own taxi template, copied by ``tfx template copy`` from the installed TFX,
with exactly the changes docs/template_path.md gives.

The page marks each change with ``<!-- template: PATH -->`` before its ```python block:

- a block whose PATH is not in the template is a new file, written as it is;
- any other block holds imports, constants and functions of PATH: each replaces the top-level
  definition of the same name in the template's file, a new one goes after the file's imports,
  and so do its imports.

Example::

    folder = copy_template(tmp_path / 'taxi', 'balanced-taxi')
    apply_page(folder)          # the page's changes, as a reader makes them
"""

import ast
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGE = os.path.join(ROOT, 'docs', 'template_path.md')
CHANGE = re.compile(
    r'<!-- template: (?P<path>[\w./-]+) -->\s*(?:<!-- [^>]*-->\s*)?```python\n(?P<code>.*?)```',
    re.S,
)


def copy_template(destination: str, pipeline_name: str) -> str:
    """``tfx template copy --model=taxi`` into ``destination`` (the CLI of the running venv)."""
    tfx = os.path.join(os.path.dirname(sys.executable), 'tfx')
    subprocess.run(
        [
            tfx,
            'template',
            'copy',
            '--model=taxi',
            f'--pipeline_name={pipeline_name}',
            f'--destination_path={destination}',
        ],
        check=True,
        capture_output=True,
    )
    return str(destination)


def page_changes(page: str = PAGE) -> list:
    """``[(path, code)]`` of the page's template changes, in the page's order."""
    with open(page) as f:
        text = f.read()
    return [(m.group('path'), m.group('code')) for m in CHANGE.finditer(text)]


def apply_page(folder: str, page: str = PAGE, replace: dict | None = None) -> list:
    """Makes the page's changes in the template copy ``folder``; returns the paths changed.
    ``replace``: ``{path: code}`` used instead of the page's block of that path (a test's
    variant)."""
    changed = []
    for path, code in page_changes(page):
        code = (replace or {}).get(path, code)
        target = os.path.join(folder, path)
        if not os.path.exists(target):
            with open(target, 'w') as f:
                f.write(code)
        else:
            with open(target) as f:
                source = f.read()
            with open(target, 'w') as f:
                f.write(merged(source, code))
        changed.append(path)
    return changed


def _spans(tree) -> dict:
    """``{name: (first line, last line)}`` (1-based, decorators included) of the top-level
    functions, classes and single-name assignments of a module."""
    spans = {}
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, 'decorator_list', [])])
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            spans[node.name] = (first, node.end_lineno)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                spans[targets[0].id] = (first, node.end_lineno)
    return spans


def merged(source: str, code: str) -> str:
    """``source`` with the definitions of ``code`` in place of its own of the same names, and
    ``code``'s imports and new definitions after its last import."""
    lines, block = source.splitlines(), code.splitlines()
    tree, new = ast.parse(source), ast.parse(code)
    old_spans = _spans(tree)
    imports, added, replaced = [], [], {}
    for node in new.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, 'decorator_list', [])])
        text = block[first - 1 : node.end_lineno]
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports += text
            continue
        (name,) = [n for n, span in _spans(ast.Module(body=[node], type_ignores=[])).items()]
        if name in old_spans:
            replaced[old_spans[name]] = text
        else:
            added += ['', *text]
    last_import = max(
        (n.end_lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))),
        default=0,
    )
    out = []
    for number, line in enumerate(lines, 1):
        span = next((s for s in replaced if s[0] <= number <= s[1]), None)
        if span is None:
            out.append(line)
        elif number == span[0]:
            out += replaced[span]
        if number == last_import:
            out += imports + added
    merged_source = '\n'.join(out) + '\n'
    ast.parse(merged_source)  # still Python
    return merged_source
