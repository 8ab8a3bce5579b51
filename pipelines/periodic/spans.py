"""The periodic sample's data: the taxi trips of the tfx wheel cut into spans by time.

The CSV (``pipelines.taxi.pipeline.DATA_DIR``) holds 15,002 trips from 2013 to 2016, each with its
start time (``trip_start_timestamp``) and, for two thirds of them, the taxi ``company`` (61
companies; Taxi Affiliation Services alone drove 5,176 trips). Span ``n`` is the ``n``-th half
year from 2013H1 (spans 1 to 6, 1,951 to 2,601 trips); span 7 is the whole of 2016 (833 trips,
fewer a quarter than before). The class shares really drift: Credit Card is 25% of span 1's trips
and 41% of span 6's; between two consecutive spans a share moves by at most 0.052 (span 4 to 5).
Dispute appears in spans 2 and 6 only, Prcard in span 6, Pcard in spans 1 and 7.

- **Groups.** A trip's group is its ``company``; a trip without one is a group of its own
  (``trip-<row>``, the CSV row number: the same trip keeps its id in every cut), so that the
  splitter keeps each company's trips in one split over every span.
- **A shift made on purpose.** ``shifted_span`` keeps one Cash trip in three of that span (every
  third, in file order): its Credit Card share rises from 0.43 to about 0.70, far beyond the
  drift between any two real spans, and the drift check stops that run.

``write_span(n, folder)`` writes span ``n`` as ``folder/span-<n>/data.csv``; each run of the
sample first writes its span there, as new data arrives (ExampleGen's ``span-{SPAN}/*`` pattern
then ingests the newest).

Example:
    >>> counts = span_counts()
    >>> counts[1]['Credit Card'], counts[6]['Credit Card'], sum(counts[7].values())
    (481, 904, 833)
"""

from __future__ import annotations

import collections
import csv
import datetime
import os
from typing import Dict, List

SPANS = 7
SHIFTED_SPAN = 7  # the span whose Cash trips are thinned (see the module docstring)
LABEL = 'payment_type'
GROUP = 'company'


def _data_file() -> str:
    from pipelines.taxi.pipeline import DATA_DIR

    return os.path.join(DATA_DIR, 'data.csv')


def span_of(timestamp: int) -> int:
    """The span of a trip that started at ``timestamp`` (seconds since the epoch, UTC)."""
    start = datetime.datetime.fromtimestamp(int(timestamp), datetime.timezone.utc)
    if start.year >= 2016:
        return SPANS
    return (start.year - 2013) * 2 + (start.month > 6) + 1


def _rows() -> tuple:
    with open(_data_file(), newline='') as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def span_rows(n: int, shifted_span: int | None = SHIFTED_SPAN) -> tuple:
    """``(columns, rows)`` of span ``n``: its trips in file order, each with its group id."""
    if not 1 <= n <= SPANS:
        raise ValueError(f'span must be 1 to {SPANS}, got {n!r}.')
    columns, rows = _rows()
    kept, cash_seen = [], 0
    for row_number, row in enumerate(rows):
        if span_of(row['trip_start_timestamp']) != n:
            continue
        if n == shifted_span and row[LABEL] == 'Cash':
            cash_seen += 1
            if cash_seen % 3:
                continue
        kept.append({**row, GROUP: row[GROUP] or f'trip-{row_number}'})
    return columns, kept


def write_span(n: int, folder: str, shifted_span: int | None = SHIFTED_SPAN) -> str:
    """Writes span ``n`` as ``folder/span-<n>/data.csv`` and returns that file's path."""
    columns, rows = span_rows(n, shifted_span)
    path = os.path.join(folder, f'span-{n}', 'data.csv')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def schedule(spans: int, rerun=(), late=(), again=()) -> List[int]:
    """The spans run, in order: 1..``spans`` but the ``late`` ones, each of ``rerun`` twice in a
    row; then each of ``late`` (a span that arrives after later ones), then each of ``again``
    (an old span re-run after later ones)."""
    order = [
        s for n in range(1, spans + 1) if n not in late for s in [n] * (2 if n in rerun else 1)
    ]
    return order + list(late) + list(again)


def schedule_args(rerun=(), late=(), again=()) -> List[str]:
    """``schedule``'s arguments as ``run_local``'s command line takes them."""
    named = (('--rerun', rerun), ('--late', late), ('--again', again))
    return [arg for flag, spans in named for span in spans for arg in (flag, str(span))]


def arrive(n: int, folder: str, shifted_span: int | None = SHIFTED_SPAN) -> str:
    """Span ``n``'s data as its run's ExampleGen sees it, which ingests the newest span: its
    folder written (``write_span``) and those of later spans removed (a late span or an old
    re-run; each is written back when its own run comes). Returns the file's path."""
    import shutil

    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        if (
            name.startswith('span-')
            and name[len('span-') :].isdigit()
            and int(name[len('span-') :]) > n
        ):
            shutil.rmtree(os.path.join(folder, name))
    return write_span(n, folder, shifted_span)


def span_counts(shifted_span: int | None = None) -> Dict[int, Dict[str, int]]:
    """``{span: {class: trips}}`` of every span (by default without the shift)."""
    return {
        n: dict(collections.Counter(row[LABEL] for row in span_rows(n, shifted_span)[1]))
        for n in range(1, SPANS + 1)
    }


def groups_in_more_than_one_split(split_groups: List[Dict[str, set]]) -> List[str]:
    """The groups found in more than one split over the given runs' ``{split: {group ids}}``."""
    where = collections.defaultdict(set)
    for run in split_groups:
        for split, groups in run.items():
            for group in groups:
                where[group].add(split)
    return sorted(group for group, splits in where.items() if len(splits) > 1)
