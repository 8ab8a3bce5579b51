"""The files this process has open, from ``/proc/self/fd`` (Linux)."""

import os


def open_files_under(folder: str) -> list:
    """Paths of the files under ``folder`` this process holds open (a deleted one ends in
    ``' (deleted)'``), sorted."""
    prefix = os.path.realpath(folder).rstrip('/') + '/'
    found = []
    for fd in os.listdir('/proc/self/fd'):
        try:
            target = os.readlink(f'/proc/self/fd/{fd}')
        except OSError:  # closed since listed (e.g. the fd of the listing itself)
            continue
        if target.startswith(prefix):
            found.append(target)
    return sorted(found)
