#!/usr/bin/env bash
# Runs inside the compatibility environment (tools/compat_suite.sh starts it, on the host or in
# the Debian 13 root), in two steps:
#   compat_inside.sh install <venv> <wheel>
#     installs the tfx-balance wheel WITH its dependencies and its kfp extra into a venv holding a
#     fresh TFX install, and fails if that changed tfx, tensorflow, apache-beam or protobuf;
#   compat_inside.sh test <venv> <sources> <workers> [pytest arguments...]
#     runs the tests listed in tests/compat_suite.txt against the installed wheel, in <workers>
#     pytest-xdist processes (--dist loadgroup: tests/conftest.py makes a test module one group,
#     so its LocalDagRunner fixture runs once).
set -euo pipefail
PY="$2/bin/python"
GUARDED="tfx tensorflow apache-beam protobuf"

freeze() { "$PY" -m pip freeze --all | sed 's/_/-/g' | sort -f; }
version_of() { sed -n "s/^$1==//Ip" "$2"; }
names() { sed -E 's/[ =@].*//' "$1"; }

install() {  # install <venv> <wheel>
  local venv=$1 wheel=$2 start added changed before after p
  # An earlier run left tfx-balance (and any package it added) in the venv: back to the fresh TFX.
  "$PY" -m pip uninstall --quiet --yes tfx-balance 2>/dev/null || true
  sed 's/_/-/g' "$venv/base-freeze.txt" | sort -f >/tmp/compat-base.txt
  freeze >/tmp/compat-before.txt
  added="$(names /tmp/compat-before.txt | grep -vixF -f <(names /tmp/compat-base.txt) || true)"
  [ -z "$added" ] || "$PY" -m pip uninstall --quiet --yes $added
  freeze >/tmp/compat-before.txt
  if ! cmp -s /tmp/compat-base.txt /tmp/compat-before.txt; then
    diff /tmp/compat-base.txt /tmp/compat-before.txt >&2 || true
    echo "compat: $venv is no longer the fresh TFX install it was; remove it to rebuild" >&2
    exit 1
  fi

  echo "compat: Python $("$PY" -c 'import platform; print(platform.python_version())'), fresh" \
    "$(for p in $GUARDED; do printf '%s %s, ' "$p" "$(version_of "$p" /tmp/compat-before.txt)"; done)"
  start=$(date +%s)
  "$PY" -m pip install --quiet --no-compile "$wheel[kfp]"
  echo "compat: pip install $(basename "$wheel")[kfp] (with its dependencies): $(( $(date +%s) - start ))s"
  freeze >/tmp/compat-after.txt
  echo "compat: what the install changed (< before, > after):"
  diff /tmp/compat-before.txt /tmp/compat-after.txt | grep '^[<>]' | sed 's/^/  /' || true
  changed=0
  for p in $GUARDED; do
    before="$(version_of "$p" /tmp/compat-before.txt)" after="$(version_of "$p" /tmp/compat-after.txt)"
    if [ "$before" != "$after" ]; then
      echo "compat: FAIL: installing tfx-balance changed $p from $before to ${after:-nothing}" >&2
      changed=1
    fi
  done
  [ "$changed" = 0 ] || exit 1
  echo "compat: $GUARDED unchanged by the install"
}

run_tests() {  # run_tests <sources> <workers> [pytest arguments...]
  local src=$1 workers=$2 tfx start status=0
  shift 2
  cd "$src"
  mapfile -t SUITE < <(grep -v '^\s*\(#\|$\)' tests/compat_suite.txt)
  tfx="$("$PY" -c 'from importlib.metadata import version; print(version("tfx"))')"
  start=$(date +%s)
  # Bytecode writing on, whatever the caller's environment says: pip installed with --no-compile,
  # so the first run compiles what the tests import, into the cached environment, and later runs
  # reuse it (the sources' __pycache__ goes with the next --prepare's fresh copy).
  env -u PYTHONDONTWRITEBYTECODE "$PY" -m pytest -q -p no:cacheprovider -n "$workers" \
    --dist loadgroup "$@" "${SUITE[@]}" || status=$?
  echo "compat: pytest of tests/compat_suite.txt on TFX $tfx in $workers processes:" \
    "$(( $(date +%s) - start ))s, exit $status"
  exit $status
}

case "$1" in
  install) install "$2" "$3" ;;
  test)
    shift 2
    run_tests "$@"
    ;;
  *)
    echo "usage: $0 install <venv> <wheel> | test <venv> <sources> <workers> [pytest arguments...]" >&2
    exit 2
    ;;
esac
