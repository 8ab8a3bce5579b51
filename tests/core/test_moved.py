"""core/__init__: modules and folders that moved keep importing under their old names for one
release, with a DeprecationWarning naming the new name."""

import importlib
import sys

import pytest

from tfx_balance.core import MOVED, MOVED_PACKAGES, moved_to


def test_modules_that_moved_import_under_their_old_names_with_a_deprecation_warning():
    from tfx_balance.core.split.stratified import StratifiedSplit

    for old, new in MOVED.items():
        sys.modules.pop(old, None)
        with pytest.warns(DeprecationWarning, match=f'{old} moved to {new}'):
            module = importlib.import_module(old)
        assert module is not importlib.import_module(new)
    from tfx_balance.core.stratified_split import StratifiedSplit as old_name

    assert old_name is StratifiedSplit


def test_a_renamed_folder_moves_every_module_under_it(monkeypatch):
    from tfx_balance.core.split.stratified import StratifiedSplit

    monkeypatch.setitem(MOVED_PACKAGES, 'tfx_balance.core.old_folder', 'tfx_balance.core.split')
    for name in ('tfx_balance.core.old_folder', 'tfx_balance.core.old_folder.stratified'):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.warns(
        DeprecationWarning, match='old_folder.stratified moved to tfx_balance.core.split.stratified'
    ):
        from tfx_balance.core.old_folder.stratified import StratifiedSplit as old_name
    assert old_name is StratifiedSplit
    assert moved_to('tfx_balance.core.old_folder') == 'tfx_balance.core.split'
    assert moved_to('tfx_balance.core.split.stratified') is None
    for name in ('tfx_balance.core.old_folder', 'tfx_balance.core.old_folder.stratified'):
        sys.modules.pop(name, None)


def test_every_module_of_a_renamed_component_folder_imports_by_its_old_name():
    import pkgutil

    for old, new in MOVED_PACKAGES.items():
        package = importlib.import_module(new)
        names = [new] + [f'{new}.{m.name}' for m in pkgutil.iter_modules(package.__path__)]
        for name in names:
            old_name = old + name[len(new) :]
            sys.modules.pop(old_name, None)
            with pytest.warns(DeprecationWarning, match=f'{old_name} moved to {name}'):
                module = importlib.import_module(old_name)
            real = importlib.import_module(name)
            public = [k for k in vars(real) if not k.startswith('_')]
            assert all(getattr(module, k) is getattr(real, k) for k in public), old_name
