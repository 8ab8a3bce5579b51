"""The code stays easy to live in: one name per idea, no import cycles.

Static checks over the source (the AST, nothing is imported):

- no class or module-level constant is defined in two places of the package;
- ``core/`` imports no TFX;
- the import graph of the package, the sample pipelines and the benchmarks has no cycle, counting
  imports inside functions too (a package's ``__init__`` re-exporting its own submodules does
  not count).
"""

import ast
import collections
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_ROOT = os.path.join(ROOT, 'components')


def _modules(base: str, top: str):
    """``{dotted module name: path}`` of every .py file under ``base/top``."""
    found = {}
    for folder, _, files in os.walk(os.path.join(base, top)):
        for name in files:
            if name.endswith('.py'):
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, base)[:-3].replace(os.sep, '.')
                found[dotted.removesuffix('.__init__')] = path
    return found


PACKAGE = _modules(PACKAGE_ROOT, 'tfx_balance')
ALL = {**PACKAGE, **_modules(ROOT, 'pipelines'), **_modules(ROOT, 'benchmarks')}


def _tree(path: str) -> ast.Module:
    with open(path) as f:
        return ast.parse(f.read(), path)


def _imports(module: str, path: str):
    """Modules of ALL that ``module`` imports, at module level or inside functions."""
    package = module if path.endswith('__init__.py') else module.rpartition('.')[0]
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parent = package.split('.')[: len(package.split('.')) - node.level + 1]
                base = '.'.join(parent + ([base] if base else []))
            names = [base] + [f'{base}.{alias.name}' for alias in node.names]
        else:
            continue
        for name in names:
            if name in ALL and name != module:
                yield name


def test_no_class_or_constant_is_defined_twice_in_the_package():
    where = collections.defaultdict(list)
    for module, path in PACKAGE.items():
        for node in _tree(path).body:
            if isinstance(node, ast.ClassDef):
                where[node.name].append(module)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id.isupper():
                        where[target.id].append(module)
    # Each component's executor and component modules define the TFX-conventional names.
    conventional = {'Executor'}
    twice = {name: mods for name, mods in where.items() if len(mods) > 1}
    assert {n: m for n, m in twice.items() if n not in conventional} == {}


def test_core_imports_no_tfx():
    offenders = []
    for module, path in PACKAGE.items():
        if not module.startswith('tfx_balance.core'):
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or '']
            else:
                continue
            offenders += [(module, n) for n in names if n == 'tfx' or n.startswith('tfx.')]
    assert offenders == []


def _cycle(graph) -> list:
    """One import cycle of ``graph`` as a list of modules, or [] if there is none."""
    state, stack = {}, []

    def visit(node):
        state[node] = 'open'
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 'open':
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 'done'
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def _graph():
    graph = {}
    for module, path in ALL.items():
        deps = set(_imports(module, path))
        # A package's __init__ re-exporting its submodules is not a dependency of those
        # submodules on each other.
        graph[module] = {d for d in deps if not module.startswith(d + '.')}
    return graph


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a']
    assert _cycle({'a': {'b'}, 'b': set()}) == []


def test_no_import_cycle_in_package_pipelines_and_benchmarks():
    assert _cycle(_graph()) == []
