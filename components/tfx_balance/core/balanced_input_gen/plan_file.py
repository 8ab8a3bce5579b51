"""``balance_plan.json``: written by ``plans_to_json``, found from a Trainer's files by
``load_plans``, logged by ``plan_summary``. Example::

    ((split_dir, plan),) = load_plans('/pipeline/BalancedInputGen/examples/7/Split-train/*')
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from typing import Dict, List, Mapping, Sequence, Tuple, Union

from tfx_balance.core.balanced_input_gen.plan import (
    COMPONENT,
    PLAN_FILE,
    PLAN_FORMAT_VERSION,
    LayoutPlan,
    MultiLabelLayoutPlan,
)
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.spans import REPEATED_SPAN_FIX, repeated_spans


def plans_to_json(
    plans: Sequence[LayoutPlan],
    passthrough_splits: Sequence[str] = (),
    data_counts: Mapping[str, Mapping[str, int]] | None = None,
    spans: Sequence[int] = (),
    window: Sequence[str] = (),
) -> dict:
    """The content of ``balance_plan.json``: every laid-out split's plan with its ``data_counts``
    (``{split: {class: count}}``), the input's ``spans`` and the earlier layouts' URIs (``window``).
    """
    data_counts = data_counts or {}
    plans = [
        dataclasses.replace(p, data_counts=tuple(sorted(data_counts[p.split].items())))
        if p.split in data_counts
        else p
        for p in plans
    ]
    return {
        'format_version': PLAN_FORMAT_VERSION,
        'written_by': COMPONENT,
        'splits': {p.split: p.to_json() for p in sorted(plans, key=lambda p: p.split)},
        'passthrough_splits': list(passthrough_splits),
        **({'spans': sorted(spans)} if spans else {}),
        **({'window': list(window)} if window else {}),
    }


def plan_from_json(split: str, obj: Mapping) -> LayoutPlan:
    """The plan of one split of ``balance_plan.json``."""
    kind = MultiLabelLayoutPlan if 'multi_label' in obj else LayoutPlan
    return kind.from_json(split, obj)


def plan_summary(plan: MultiLabelLayoutPlan) -> str:
    """The table the executor logs: per label its frequencies, per group its draws per epoch."""
    freq = plan.expected_frequencies()
    lines = [
        f"split '{plan.split}': {plan.total} examples, policy {plan.policy!r}"
        + (f' (t={plan.repeat_threshold:g})' if plan.policy == 'repeat_factor' else '')
        + f', {sum(plan.draws)} draws per epoch, '
        + (
            f'every example read within {plan.epochs_to_read_all()} epoch(s)'
            if plan.epochs_to_read_all()
            else f'{sum(1 for d in plan.draws if d <= 0)} group(s) not drawn'
        ),
        f'{"label":<24} {"count":>9} {"data freq":>10} {"stream freq":>12}',
    ]
    for name, count, f in zip(plan.labels, plan.label_counts, freq):
        lines.append(f'{name[:24]:<24} {count:>9} {count / plan.total:>10.4f} {f:>12.4f}')
    lines.append(f'{"group (rarest label)":<24} {"examples":>9} {"draws":>10} {"repeat":>12}')
    for name, count, d in zip(plan.classes, plan.counts, plan.draws):
        shown = (name or '(no label)')[:24]
        lines.append(f'{shown:<24} {count:>9} {d:>10} {d / count:>12.3f}')
    return '\n'.join(lines)


def _no_plan_error(split_dir: str, plan_path: str) -> DataError:
    return DataError(
        f'no balance plan found for files in {split_dir}: expected {plan_path}. '
        f'balanced_dataset reads splits laid out per class by the {COMPONENT} component. Add '
        f"{COMPONENT}(examples=..., label_feature=..., splits=['train']) before the Trainer and "
        f"pass its outputs['examples'] to the Trainer (or to balanced_dataset)."
    )


def _window_layout_gone(uri: str, plan_path: str) -> DataError:
    return DataError(
        f'{plan_path} names {uri} as the layout of an earlier span of its training window, but '
        f'{os.path.join(uri, PLAN_FILE)} is gone. {COMPONENT} outputs of the spans in the '
        'training window must be kept; re-run that span to lay it out again, then this one.'
    )


def _read_plan_file(cache: Dict[str, dict], plan_path: str) -> dict | None:
    """The document at ``plan_path`` (read once per call of ``load_plans``), None if absent."""
    import tensorflow as tf

    if plan_path not in cache:
        try:  # opened, not first checked: one round trip to GCS or S3, not two
            with tf.io.gfile.GFile(plan_path) as f:
                cache[plan_path] = json.load(f)
        except tf.errors.NotFoundError:
            return None
    return cache[plan_path]


def _split_plan(split_dir: str, split: str, doc: Mapping) -> LayoutPlan:
    if split not in doc.get('splits', {}):
        laid_out = ', '.join(doc.get('splits', {})) or '(none)'
        raise DataError(
            f"split '{split}' ({split_dir}) was not laid out per class by {COMPONENT} (it "
            f'was passed through unchanged); laid-out splits: {laid_out}. Add '
            f"'{split}' to {COMPONENT}(splits=[...]) or read another split."
        )
    return plan_from_json(split, doc['splits'][split])


def load_plans(file_pattern_or_list: Union[str, Sequence[str]]) -> List[Tuple[str, LayoutPlan]]:
    """``(split_dir, plan)`` of every split folder the patterns name (as ``fn_args.train_files``),
    each after the same split of the layouts its ``window`` names, oldest first."""
    import tensorflow as tf

    patterns = [file_pattern_or_list] if isinstance(file_pattern_or_list, str) else None
    patterns = patterns or list(file_pattern_or_list)
    if not patterns:
        raise ConfigError('file_pattern_or_list is empty; pass e.g. fn_args.train_files.')
    split_dirs: List[str] = []
    for pattern in patterns:
        pattern = str(pattern).rstrip('/')
        # A glob names files: no file system call (a round trip per span on GCS or S3).
        is_glob = any(c in os.path.basename(pattern) for c in '*?[')
        split_dir = (
            pattern if not is_glob and tf.io.gfile.isdir(pattern) else os.path.dirname(pattern)
        )
        if split_dir not in split_dirs:
            split_dirs.append(split_dir)
    result = []
    read: set = set()
    cache: Dict[str, dict] = {}
    for split_dir in split_dirs:
        root, folder = os.path.split(split_dir)
        plan_path = os.path.join(root, PLAN_FILE)
        doc = _read_plan_file(cache, plan_path) if folder.startswith('Split-') else None
        if doc is None:
            raise _no_plan_error(split_dir, plan_path)
        split = folder[len('Split-') :]
        located = []
        for uri in (str(u).rstrip('/') for u in doc.get('window', ())):
            earlier = _read_plan_file(cache, os.path.join(uri, PLAN_FILE))
            if earlier is None:
                raise _window_layout_gone(uri, plan_path)
            located.append((os.path.join(uri, folder), earlier))
        located.append((split_dir, doc))
        for where, found in located:
            if where not in read:  # a layout given and also named by a window: read once
                read.add(where)
                result.append((where, _split_plan(where, split, found)))
    _warn_repeated_spans(cache)
    return result


def window_split_dirs(split_dir: str) -> List[str]:
    """The split folders of ``split_dir``'s window, oldest first, then ``split_dir`` itself."""
    root, folder = os.path.split(split_dir.rstrip('/'))
    plan_path = os.path.join(root, PLAN_FILE)
    doc = _read_plan_file({}, plan_path) if folder.startswith('Split-') else None
    if not doc or folder[len('Split-') :] not in doc.get('splits', {}):
        return [split_dir]
    cache: Dict[str, dict] = {plan_path: doc}
    earlier = []
    for uri in (str(u).rstrip('/') for u in doc.get('window', ())):
        if _read_plan_file(cache, os.path.join(uri, PLAN_FILE)) is None:
            raise _window_layout_gone(uri, plan_path)
        earlier.append(os.path.join(uri, folder))
    _warn_repeated_spans(cache)
    return earlier + [split_dir]


_log = logging.getLogger(__name__)
_warned = set()  # the repeats already logged in this process (a Trainer reads the plans often)


def _warn_repeated_spans(docs: Mapping[str, dict]) -> None:
    """Logs once a warning naming each span that two or more of the layouts read hold."""
    repeated = repeated_spans(
        (os.path.dirname(path), doc.get('spans', ())) for path, doc in docs.items()
    )
    key = tuple((span, tuple(sorted(roots))) for span, roots in repeated.items())
    if not repeated or key in _warned:
        return
    _warned.add(key)
    _log.warning(
        'the layouts read hold %s more than once (%s): each layout is read, so the span counts '
        'once per layout. %s',
        ', '.join(f'span {span}' for span, _ in key),
        '; '.join(f'span {span} in {", ".join(roots)}' for span, roots in key),
        REPEATED_SPAN_FIX.format(unit='layout'),
    )


def located_plans(plan_or_files) -> list:
    """``[(split_dir, plan)]`` as given, or of the files named by patterns."""
    if isinstance(plan_or_files, LayoutPlan):
        raise ConfigError(
            'pass the plan together with its split folder as [(split_dir, plan)], or the files.'
        )
    if (
        isinstance(plan_or_files, (list, tuple))
        and plan_or_files
        and all(isinstance(p, tuple) and len(p) == 2 for p in plan_or_files)
        and all(isinstance(p[1], LayoutPlan) for p in plan_or_files)
    ):
        return list(plan_or_files)
    return load_plans(plan_or_files)
