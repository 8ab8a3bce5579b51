"""A periodic pipeline's history: what the accepted spans left for later runs, under a root the
user names (a local or mounted folder, ``gs://``, ``s3://``), read and written only here.

A run's first task pins the newest index (``read_index``), each component takes its window of
it by its input span (``HistoryIndex.around``, ``before``, ``latest_model``), and the last task
copies the run's small outputs under ``runs/<run>/`` and creates the next index (``commit``; a
failed run creates none), exclusively: of two runs that pinned one index, the second gets
``ConcurrentRunError``::

    <root>/index/g-<N>.json   generation N: the identity and one record per accepted span
    <root>/runs/<run>/        a run's copies: assignments/, key_index/, statistics/, model/

Example:
    >>> index = HistoryIndex.empty('/tmp/h', {'seed': 0})
    >>> index = index.replace(Record(span=4, run='r4'))
    >>> index = index.replace(Record(span=5, run='r5'))
    >>> [r.span for r in index.before(6, 7)], [r.span for r in index.before(5, 7, including=True)]
    ([4, 5], [4, 5])
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import posixpath
import uuid
from typing import Dict, List, Mapping, Sequence, Tuple

from absl import logging

from tfx_balance.core.common.arguments import INT, SORTED_JSON, STR, Arguments, argument
from tfx_balance.core.common.errors import ConfigError, DataError, TfxBalanceError
from tfx_balance.core.common.keys import BALANCE_PLAN_FILE

FORMAT = 1
INDEX_DIR = 'index'
RUNS_DIR = 'runs'
# The outputs a run copies into the history (the model only when blessed); layouts are pointed to.
COPIED = ('assignments', 'key_index', 'statistics', 'model')
IDENTITY_FIX = (
    'A history belongs to one pipeline and one split of its units: give this pipeline its own '
    'history_root, or build it with the settings the history was written with.'
)


DEFAULT_HORIZON = 7
DEFAULT_WINDOW = 3
# A week of daily spans: a partner's file for Saturday that arrives on Monday is late by 2.
DEFAULT_LATENESS = 7


def spans_kept(horizon: int, window: int, lateness: int) -> int:
    """How many of the newest spans the history keeps: a span late by up to ``lateness`` (that
    many accepted spans newer than it) still finds the ``horizon`` spans before it."""
    return max(horizon, window) + lateness


@dataclasses.dataclass(frozen=True)
class HistoryConfig(Arguments):
    """LookBack's arguments: where the history is, whose it is, and how far a run looks back."""

    history_root: str = argument(
        doc='the folder of the history (local, mounted, gs:// or s3://): one per pipeline.',
        wire=STR,
    )
    identity: Mapping = argument(
        doc='what the history belongs to (pipeline, label_feature, splits, seed, group_feature, stratify_features); '
        'tfx_balance.periodic writes it from the splitter.',
        wire=SORTED_JSON,
    )
    horizon: int = argument(
        DEFAULT_HORIZON,
        doc="an int >= 1: the spans whose units keep their split (the splitter's look-back).",
        wire=INT,
    )
    window: int = argument(
        DEFAULT_WINDOW,
        doc='an int from 1 to horizon: the spans LeakageCheck and the training window read, '
        'this one included.',
        wire=INT,
    )
    lateness: int = argument(
        DEFAULT_LATENESS,
        doc='an int >= 0: how late a span may arrive, as the number of accepted spans newer '
        'than it; the history keeps horizon + lateness spans so that its units keep their split.',
        wire=INT,
    )

    def validate(self) -> HistoryConfig:
        if not isinstance(self.history_root, str) or not self.history_root.strip():
            raise ConfigError(
                f'history_root must name a folder (e.g. gs://bucket/history/my-pipeline); got '
                f'{self.history_root!r}.'
            )
        for name, least in (('horizon', 1), ('window', 1), ('lateness', 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ConfigError(f'{name} must be an int >= {least}; got {value!r}.')
        if self.window > self.horizon:
            raise ConfigError(
                f'window {self.window} is larger than horizon {self.horizon}: LeakageCheck and '
                f'the Trainer would read spans whose units were free to move. Give window <= '
                f'horizon (e.g. horizon={self.window}, or window={self.horizon}).'
            )
        if not isinstance(self.identity, Mapping):
            raise ConfigError(f'identity must be a mapping; got {self.identity!r}.')
        return dataclasses.replace(self, identity=dict(self.identity))


class ConcurrentRunError(TfxBalanceError):
    """Another run of the pipeline committed to the history after this run started."""


class SpanNotKeptError(TfxBalanceError):
    """A span whose horizon reaches spans the history no longer keeps: its units could not all
    keep their split, so it is not split again."""


def _json_field(field: str, value) -> dict:
    return {field: value} if value is not None else {}


@dataclasses.dataclass(frozen=True)
class Record:
    """What one accepted span left: paths relative to the root (copies) or absolute (layout)."""

    span: int
    run: str
    generation: int = 0  # the index generation that committed it
    assignments: str | None = None
    key_index: str | None = None
    statistics: str | None = None
    model: str | None = None  # the run's model, when the Evaluator blessed it
    layout: str | None = None  # BalancedInputGen's output URI (not copied)
    layout_sha256: str | None = None  # of its balance_plan.json, to find a changed layout

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, value: Mapping, where: str) -> Record:
        names = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(value, Mapping) or 'span' not in value or 'run' not in value:
            raise history_damaged(where, f'has a span record without span and run: {value!r}')
        unknown = sorted(set(value) - names)
        if unknown:
            raise history_damaged(where, f'has a span record with unknown fields {unknown}')
        return cls(**dict(value))


def history_damaged(path: str, problem: str) -> DataError:
    return DataError(
        f'The history is damaged: {path} {problem}. Restore the file from a backup, or give the '
        'pipeline a new history_root (its next run starts a history, with no earlier span).'
    )


@dataclasses.dataclass(frozen=True)
class HistoryIndex:
    """One generation of the index: the identity and the records of the accepted spans."""

    root: str
    generation: int
    identity: Dict
    records: Tuple[Record, ...] = ()
    dropped_through: int | None = None  # the newest span a generation dropped (None: none)

    @classmethod
    def empty(cls, root: str, identity: Mapping) -> HistoryIndex:
        return cls(root, 0, dict(identity))

    def record(self, span: int) -> Record | None:
        return next((r for r in self.records if r.span == span), None)

    def before(self, span: int, count: int, including: bool = False) -> List[Record]:
        """The records of the ``count`` newest spans before ``span`` (and of ``span`` itself,
        re-run, with ``including``), oldest first."""
        earlier = [r for r in self.records if r.span < span][-count:] if count > 0 else []
        own = [r for r in self.records if r.span == span] if including else []
        return earlier + own

    def around(self, span: int, count: int, including: bool = False) -> List[Record]:
        """``before``, and the records of the ``count`` oldest spans after ``span`` (a late or
        re-run span: those later runs split and checked without it), oldest first."""
        later = [r for r in self.records if r.span > span][:count] if count > 0 else []
        return self.before(span, count, including) + later

    def check_kept(self, span: int, horizon: int, lateness: int) -> None:
        """A ``SpanNotKeptError`` when ``span`` has no record and its ``horizon`` spans before
        it reach spans this history dropped (a span late by at most ``lateness`` passes)."""
        if self.dropped_through is None or self.record(span) is not None:
            return
        kept = [r.span for r in self.records if self.dropped_through < r.span < span]
        if len(kept) >= horizon:
            return
        # The kept spans newer than it: all of its newer spans, unless a newer one was dropped
        # (it is older than dropped_through), and then at least one more.
        newer = sum(r.span > span for r in self.records)
        exact = span >= self.dropped_through
        late = f'{newer}' if exact else f'at least {newer + 1}'
        raise SpanNotKeptError(
            f'Span {span} is older than the history at {self.root} keeps: {late} accepted spans '
            f'are newer than it, and the history keeps the newest max(horizon, window) + '
            f'lateness spans (lateness {lateness}), so it dropped the spans up to '
            f'{self.dropped_through}; span {span} has no record, and its horizon of {horizon} '
            f'spans reaches spans whose units it no longer knows: splitting it could move them. '
            f'Span {span} is not split nor committed. Leave it as it was committed (its earlier '
            'outputs stay in the pipeline root), or, for spans this late, give periodic() '
            f'lateness={newer if exact else newer + 1} or more (the '
            'history then keeps them; it takes effect for spans that have not left it yet).'
        )

    def latest_model(self) -> Record | None:
        """The record of the newest blessed model (by the generation that committed it)."""
        blessed = [r for r in self.records if r.model]
        return max(blessed, key=lambda r: r.generation) if blessed else None

    def replace(self, record: Record, keep: int | None = None) -> HistoryIndex:
        """The next generation: ``record`` in place of its span's, and only the records of the
        ``keep`` newest spans, the latest model's and ``record``'s."""
        record = dataclasses.replace(record, generation=self.generation + 1)
        records = sorted(
            [r for r in self.records if r.span != record.span] + [record], key=lambda r: r.span
        )
        dropped = self.dropped_through
        if isinstance(keep, int):
            model = HistoryIndex(self.root, 0, {}, tuple(records)).latest_model()
            older = records[:-keep]
            records = [r for r in older if r is model or r is record] + records[-keep:]
            gone = [r.span for r in older if r not in records]
            dropped = max(gone + ([dropped] if dropped is not None else []), default=None)
        return dataclasses.replace(
            self, generation=self.generation + 1, records=tuple(records), dropped_through=dropped
        )

    def to_json(self) -> dict:
        return {
            'format': FORMAT,
            'generation': self.generation,
            'identity': self.identity,
            'spans': [r.to_json() for r in self.records],
            **_json_field('dropped_through', self.dropped_through),
        }

    @classmethod
    def from_json(cls, root: str, value, where: str) -> HistoryIndex:
        if not isinstance(value, Mapping) or value.get('format') != FORMAT:
            raise history_damaged(where, f'is not a format-{FORMAT} index')
        records = tuple(Record.from_json(r, where) for r in value.get('spans', []))
        spans = [r.span for r in records]
        twice = sorted({s for s in spans if spans.count(s) > 1})
        if twice:
            raise history_damaged(where, f'names span {", ".join(map(str, twice))} twice')
        dropped = value.get('dropped_through')
        return cls(
            root,
            int(value['generation']),
            dict(value['identity']),
            records,
            None if dropped is None else int(dropped),
        )

    def check_identity(self, identity: Mapping) -> None:
        """A ``ConfigError`` naming each setting that differs from the history's."""
        if self.generation == 0:
            return
        differ = [
            f'{key} {identity.get(key)!r} (the history has {self.identity.get(key)!r})'
            for key in sorted(set(identity) | set(self.identity))
            if identity.get(key) != self.identity.get(key)
        ]
        if differ:
            raise ConfigError(
                f'The history at {self.root} was written by another pipeline or split: '
                f'{"; ".join(differ)}. {IDENTITY_FIX}'
            )

    def path(self, relative: str | None) -> str | None:
        """A record's path: relative to the root, or as it is when absolute (a URI)."""
        if relative is None or '://' in relative or relative.startswith('/'):
            return relative
        return _join(self.root, relative)


def _join(root: str, *parts: str) -> str:
    return (posixpath.join if '://' in root else os.path.join)(root, *parts)


def layout_sha256(layout: str) -> str:
    """The SHA-256 of the ``balance_plan.json`` of BalancedInputGen's output ``layout`` (to find
    a layout changed after its commit), or a ``DataError`` naming the folder without one."""
    import tensorflow as tf

    path = _join(layout, BALANCE_PLAN_FILE)
    if not tf.io.gfile.exists(path):
        raise DataError(
            f'{layout} has no {BALANCE_PLAN_FILE}: it is not a BalancedInputGen output. Give '
            "BalancedInputGen's examples output of that span."
        )
    with tf.io.gfile.GFile(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def _index_path(root: str, generation: int) -> str:
    return _join(root, INDEX_DIR, f'g-{generation:08d}.json')


def check_root(root: str) -> None:
    """Creates ``root``'s index folder where missing; a ``ConfigError`` naming ``root`` when it
    is not a folder this run can write (a file, or no permission): checked before any work."""
    import tensorflow as tf

    fix = 'Give history_root a folder this pipeline may write (it is created where missing).'
    if tf.io.gfile.exists(root) and not tf.io.gfile.isdir(root):
        raise ConfigError(f'history_root {root} is a file, not a folder. {fix}')
    probe = _join(root, INDEX_DIR, f'.probe-{uuid.uuid4().hex}')
    try:
        tf.io.gfile.makedirs(_join(root, INDEX_DIR))
        with tf.io.gfile.GFile(probe, 'w') as f:
            f.write('')
        tf.io.gfile.remove(probe)
    except (tf.errors.OpError, OSError) as e:
        raise ConfigError(f'history_root {root} is not a writable folder ({e}). {fix}') from None


def read_index(root: str, identity: Mapping | None = None) -> HistoryIndex:
    """The newest generation under ``root`` (an empty index where none was committed), checked
    against ``identity`` when given."""
    import tensorflow as tf

    folder = _join(root, INDEX_DIR)
    names = tf.io.gfile.listdir(folder) if tf.io.gfile.isdir(folder) else []
    generations = [
        int(name[2:-5])
        for name in (n.rstrip('/') for n in names)
        if name.startswith('g-') and name.endswith('.json') and name[2:-5].isdigit()
    ]
    if not generations:
        return HistoryIndex.empty(root, identity or {})
    path = _index_path(root, max(generations))
    try:
        with tf.io.gfile.GFile(path) as f:
            value = json.loads(f.read())
    except ValueError as e:
        raise history_damaged(path, f'is not JSON ({e})') from None
    index = HistoryIndex.from_json(root, value, path)
    if index.generation != max(generations):
        raise history_damaged(path, f'says it is generation {index.generation}')
    if identity is not None:
        index.check_identity(identity)
    return index


def new_run(span: int) -> str:
    """A run's folder name under ``runs/``: unique, so that two runs never write one folder."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%S')
    return f'span-{span}-{stamp}-{uuid.uuid4().hex[:8]}'


def copy_tree(source: str, destination: str) -> None:
    """Copies the folder ``source`` (every file below it) to ``destination``."""
    import tensorflow as tf

    for folder, _dirs, files in tf.io.gfile.walk(source):
        relative = os.path.relpath(folder, source) if '://' not in source else folder[len(source) :]
        target = (
            _join(destination, relative.strip('/')) if relative not in ('.', '') else destination
        )
        tf.io.gfile.makedirs(target)
        for name in files:
            tf.io.gfile.copy(_join(folder, name), _join(target, name), overwrite=True)


def commit(
    pinned: HistoryIndex, record: Record, outputs: Mapping[str, str | None], keep: int
) -> HistoryIndex:
    """Copies ``outputs`` (``COPIED`` name -> folder, or None) under ``runs/<record.run>/`` and
    creates the next generation with ``record``; ``ConcurrentRunError`` when a run committed
    since ``pinned`` was read. A failed commit removes its copies."""
    import tensorflow as tf

    unknown = sorted(set(outputs) - set(COPIED))
    if unknown:
        raise ValueError(f'{unknown} are not among {COPIED}')
    folder = _join(pinned.root, RUNS_DIR, record.run)
    try:
        copied = {}
        for name, source in outputs.items():
            if source is not None:
                relative = posixpath.join(RUNS_DIR, record.run, name)
                copy_tree(source, _join(pinned.root, relative))
                copied[name] = relative
        index = pinned.replace(dataclasses.replace(record, **copied), keep)
        path = _index_path(pinned.root, index.generation)
        if not create_exclusively(path, json.dumps(index.to_json(), indent=1) + '\n'):
            raise ConcurrentRunError(
                f'Another run committed generation {index.generation} of the history at '
                f'{pinned.root} while this run (span {record.span}) ran from generation '
                f'{pinned.generation}: this span is not committed. Runs of one periodic '
                'pipeline must not overlap: re-run this span once the other run ended.'
            )
    except BaseException:
        if tf.io.gfile.exists(folder):  # its own folder (the run's name is unique)
            tf.io.gfile.rmtree(folder)
        raise
    logging.info(
        'history %s: generation %d commits span %d', pinned.root, index.generation, record.span
    )
    return index


def commit_all(
    pinned: HistoryIndex,
    entries: Sequence[Tuple[Record, Mapping[str, str | None]]],
    keep: int,
) -> HistoryIndex:
    """``commit`` of each ``(record, outputs)`` in order, all or nothing: a failure removes the
    generations and ``runs/`` folders this call created, so the call can be made again."""
    import tensorflow as tf

    index, created = pinned, []
    try:
        for record, outputs in entries:
            index = commit(index, record, outputs, keep)
            created.append(index)
    except BaseException:
        for done in reversed(created):
            tf.io.gfile.remove(_index_path(done.root, done.generation))
            run = next(r.run for r in done.records if r.generation == done.generation)
            if tf.io.gfile.exists(_join(done.root, RUNS_DIR, run)):
                tf.io.gfile.rmtree(_join(done.root, RUNS_DIR, run))
        raise
    return index


def named_runs(root: str) -> set:
    """The ``runs/`` folders some generation of the index under ``root`` names."""
    import tensorflow as tf

    folder, named = _join(root, INDEX_DIR), set()
    for name in tf.io.gfile.listdir(folder) if tf.io.gfile.isdir(folder) else []:
        name = name.rstrip('/')
        if name.startswith('g-') and name.endswith('.json'):
            path = _join(folder, name)
            with tf.io.gfile.GFile(path) as f:
                index = HistoryIndex.from_json(root, json.loads(f.read()), path)
            for record in index.records:
                named.update(
                    p.split('/')[1] for p in (getattr(record, c) for c in COPIED) if p is not None
                )
    return named


def remove_unnamed_runs(
    root: str, older_than: datetime.timedelta = datetime.timedelta(days=1)
) -> List[str]:
    """Removes the ``runs/`` folders under ``root`` that no generation names and whose run
    started more than ``older_than`` ago (a commit killed mid-copy); returns their names. Keep
    ``older_than`` longer than a run. A ``ConfigError`` when ``root`` is not a history."""
    import tensorflow as tf

    if not tf.io.gfile.isdir(_join(root, INDEX_DIR)):
        raise ConfigError(
            f'remove_unnamed_runs: {root} is not a history (it has no {INDEX_DIR}/ folder). Give '
            'the history_root given to periodic().'
        )
    folder = _join(root, RUNS_DIR)
    names = (
        [n.rstrip('/') for n in tf.io.gfile.listdir(folder)] if tf.io.gfile.isdir(folder) else []
    )
    named, now = named_runs(root), datetime.datetime.now(datetime.timezone.utc)
    removed = []
    for name in sorted(set(names) - named):
        started = _run_started(name)
        if started is not None and now - started > older_than:
            tf.io.gfile.rmtree(_join(folder, name))
            removed.append(name)
    return removed


def _run_started(name: str) -> datetime.datetime | None:
    """When the run ``name`` (``new_run``'s ``span-<s>-<UTC time>-<id>``) started; None for a
    folder not named so (never removed)."""
    parts = name.split('-')
    try:
        stamp = datetime.datetime.strptime(parts[2], '%Y%m%dT%H%M%S')
    except (IndexError, ValueError):
        return None
    return stamp.replace(tzinfo=datetime.timezone.utc)


def create_exclusively(path: str, text: str) -> bool:
    """Writes ``text`` to a new file ``path``; False when ``path`` exists. Atomic on local and
    mounted folders (a hard link) and on GCS (a precondition); elsewhere checked then written."""
    import tensorflow as tf

    if '://' not in path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f'{path}.{uuid.uuid4().hex}.tmp'
        with open(temporary, 'w') as f:
            f.write(text)
        try:
            os.link(temporary, path)
            return True
        except FileExistsError:
            return False
        finally:
            os.remove(temporary)
    if path.startswith('gs://'):
        from google.api_core import exceptions
        from google.cloud import storage

        bucket, _, name = path[len('gs://') :].partition('/')
        blob = storage.Client().bucket(bucket).blob(name)
        try:
            blob.upload_from_string(text, if_generation_match=0)
            return True
        except exceptions.PreconditionFailed:
            return False
    if tf.io.gfile.exists(path):
        return False
    with tf.io.gfile.GFile(path, 'w') as f:
        f.write(text)
    return True


def records_named(
    index: HistoryIndex, records: Sequence[Record], what: str
) -> List[Tuple[int, str]]:
    """``(span, path)`` of ``what`` (a ``Record`` field) of each of ``records`` that has it, after
    checking the path exists (a ``history_damaged`` error naming the span otherwise)."""
    import tensorflow as tf

    found = []
    for record in records:
        path = index.path(getattr(record, what))
        if path is None:
            continue
        if not tf.io.gfile.exists(path):
            raise DataError(
                f'The history at {index.root} names {what} of span {record.span} at {path}, '
                f'which is gone. {_kept_note(what)}'
            )
        found.append((record.span, path))
    return found


def _kept_note(what: str) -> str:
    if what == 'layout':
        return (
            'BalancedInputGen outputs of the spans in the training window must be kept; re-run '
            'that span to lay it out again.'
        )
    return 'Nothing under the history root may be deleted; restore it, or start a new history_root.'
