#!/usr/bin/env bash
# The compatibility suite on the newest TFX (make test-compat; part of make test).
#
# 1. An environment with a fresh `pip install tfx==$COMPAT_TFX_VERSION` (default 1.21.0) plus the
#    test tools (pytest, scikit-learn for the digits data):
#    - where this machine's glibc is >= 2.39 (what TFX 1.21's ml-metadata and TFDV wheels need), a
#      local venv under .compat/ made with a Python 3.10-3.13 found here;
#    - otherwise a Debian 13 (trixie, glibc 2.41, Python 3.13) root built with debootstrap from this
#      machine's Debian mirror (needs root; debootstrap is apt-get installed when missing), entered
#      with chroot. /proc and /dev are bind-mounted for the run and always unmounted (trap).
#    Both are cached under .compat/ (git-ignored): the first run takes ~3 min, later ones reuse it.
# 2. The tfx-balance wheel (uv build) is pip-installed WITH its dependencies; the run fails if that
#    changed tfx, tensorflow, apache-beam or protobuf (tools/compat_inside.sh).
# 3. pytest runs the tests listed in tests/compat_suite.txt against the installed wheel.
#
# Where the environment cannot be made (not root, no debootstrap, no Python 3.10-3.13), it says so
# and skips; with CI=true it fails instead. COMPAT_CACHE=<dir> moves the cache; `rm -rf .compat`
# (with nothing mounted in it) rebuilds from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd -P)"
TFX_VERSION="${COMPAT_TFX_VERSION:-1.21.0}"
CACHE="${COMPAT_CACHE:-$REPO/.compat}"
# What the listed tests import besides TFX and tfx-balance (the dev group's test libraries).
TEST_TOOLS="pytest scikit-learn imbalanced-learn iterative-stratification"

say() { echo "compat: $*"; }
unavailable() {
  echo "compat: CANNOT RUN the TFX $TFX_VERSION compatibility suite: $*" >&2
  if [ "${CI:-}" = true ]; then
    echo "compat: CI=true, so this is a failure (make test-compat must run in CI)" >&2
    exit 1
  fi
  echo "compat: SKIPPED. Only the TFX 1.16 suite ran; fix the above and run make test-compat." >&2
  exit 0
}
seconds() { echo $(( $(date +%s) - $1 ))s; }

# glibc of this machine: TFX 1.21 wheels are manylinux_2_39.
GLIBC="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
glibc_at_least() { printf '%s\n%s\n' "$1" "$GLIBC" | sort -V -C; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tfx-balance-compat.XXXXXX")"
MOUNTS=()
cleanup() {
  local m
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    m="${MOUNTS[$i]}"
    mountpoint -q "$m" && { umount "$m" || umount -l "$m" || echo "compat: could not unmount $m" >&2; }
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
uv build --quiet --wheel --out-dir "$WORK/dist" >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; echo "compat: uv build failed" >&2; exit 1; }
WHEEL="$(ls "$WORK"/dist/*.whl)"
say "built $(basename "$WHEEL") in $(seconds "$start")"

# The sources the tests need (the tests, the samples, schemas, pytest's settings), never the
# package itself: the tests import tfx_balance from the installed wheel.
copy_sources() {  # copy_sources <dest>
  rm -rf "$1" && mkdir -p "$1"
  tar -C "$REPO" --exclude='__pycache__' -c tests pipelines schemas docs README.md pyproject.toml | tar -C "$1" -x
}

# COMPAT_ENV=venv|root overrides the choice; COMPAT_PYTHON picks the venv's interpreter, and
# COMPAT_WITH adds requirements to the fresh TFX install (e.g. COMPAT_TFX_VERSION=1.16.0
# COMPAT_PYTHON=<a Python 3.10> COMPAT_WITH='apache-beam[gcp]==2.59.0' COMPAT_ENV=venv).
if glibc_at_least 2.39; then MODE="${COMPAT_ENV:-venv}"; else MODE="${COMPAT_ENV:-root}"; fi
COMPAT_WITH="${COMPAT_WITH:-}"
# The venv is made again when what it should hold changes.
SPEC="tfx==$TFX_VERSION $COMPAT_WITH $TEST_TOOLS"

if [ "$MODE" = venv ]; then
  # -------- a local venv: this machine can install this TFX itself --------
  PY="${COMPAT_PYTHON:-}"
  if [ -z "$PY" ]; then
    for c in python3.13 python3.12 python3.11 python3.10 python3; do
      p="$(command -v "$c" 2>/dev/null)" || continue
      "$p" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' && { PY="$p"; break; }
    done
  fi
  [ -n "$PY" ] || unavailable "no Python 3.10-3.13 was found for the venv (set COMPAT_PYTHON)"
  PYVER="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  VENV="$CACHE/venv-tfx$TFX_VERSION-py$PYVER${COMPAT_WITH:+-$(echo "$COMPAT_WITH" | md5sum | cut -c1-8)}"
  if [ "$(cat "$VENV/spec.txt" 2>/dev/null)" != "$SPEC" ]; then
    start=$(date +%s)
    rm -rf "$VENV" && mkdir -p "$CACHE"
    if command -v uv >/dev/null 2>&1; then  # uv resolves the TFX stack in seconds, pip in minutes
      uv venv --quiet --seed --python "$PY" "$VENV"
      uv pip install --quiet --python "$VENV/bin/python" "tfx==$TFX_VERSION" $COMPAT_WITH $TEST_TOOLS
    else
      "$PY" -m venv "$VENV"
      "$VENV/bin/python" -m pip install --quiet "tfx==$TFX_VERSION" $COMPAT_WITH $TEST_TOOLS
    fi || unavailable "installing tfx==$TFX_VERSION $COMPAT_WITH into a Python $PYVER venv failed"
    "$VENV/bin/python" -m pip freeze --all >"$VENV/base-freeze.txt"
    echo "$SPEC" >"$VENV/spec.txt"
    say "made $VENV (TFX $TFX_VERSION, Python $PYVER) in $(seconds "$start")"
  fi
  copy_sources "$WORK/src"
  bash tools/compat_inside.sh "$VENV" "$WHEEL" "$WORK/src"
  exit $?
fi

# -------- a Debian 13 root: glibc here is older than 2.39 --------
say "glibc $GLIBC < 2.39 here: TFX $TFX_VERSION runs in a Debian 13 (trixie) root"
[ "$(id -u)" = 0 ] || unavailable "building and entering the Debian 13 root needs root (chroot, mount)"
if ! command -v debootstrap >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    say "installing debootstrap (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null) \
      || unavailable "apt-get install debootstrap failed"
  else
    unavailable "debootstrap is missing and there is no apt-get to install it"
  fi
fi

ROOTFS="$CACHE/trixie"
STAMP="$ROOTFS/.tfx-balance-debootstrap-done"
enter() {  # enter <command...>: runs a command in the root with /proc and /dev mounted
  local m
  for m in proc dev; do
    if ! mountpoint -q "$ROOTFS/$m"; then
      mount --bind "/$m" "$ROOTFS/$m"
      MOUNTS+=("$ROOTFS/$m")
    fi
  done
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}" CI="${CI:-}" \
    ${TF_USE_LEGACY_KERAS+TF_USE_LEGACY_KERAS="$TF_USE_LEGACY_KERAS"} \
    PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::FutureWarning,ignore::DeprecationWarning}" \
    chroot "$ROOTFS" "$@"
}

if [ ! -f "$STAMP" ]; then
  for m in proc dev; do
    mountpoint -q "$ROOTFS/$m" 2>/dev/null && unavailable "$ROOTFS/$m is still mounted (umount it first)"
  done
  rm -rf "$ROOTFS" && mkdir -p "$CACHE"
  MIRROR="$(bash tools/debian_mirror.sh)"
  start=$(date +%s)
  say "debootstrap trixie from $MIRROR into $ROOTFS"
  debootstrap --variant=minbase \
    --include=python3,python3-venv,python3-pip,python3-dev,g++,ca-certificates \
    trixie "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; rm -rf "$ROOTFS"; unavailable "debootstrap trixie failed"; }
  rm -rf "$ROOTFS/var/cache/apt/archives/"*.deb
  say "debootstrap: $(seconds "$start")"
  # Name resolution and this machine's CA bundle (pip reaches the index only with it).
  cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
  cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
  touch "$STAMP"
fi
if [ "$(cat "$ROOTFS/venv/spec.txt" 2>/dev/null)" != "$SPEC" ]; then
  start=$(date +%s)
  enter /bin/bash -c "rm -rf /venv && python3 -m venv /venv && /venv/bin/python -m pip install \
    --quiet $SPEC && /venv/bin/python -m pip freeze --all >/venv/base-freeze.txt \
    && echo '$SPEC' >/venv/spec.txt" || unavailable "pip install $SPEC failed in the Debian 13 root"
  say "pip install $SPEC: $(seconds "$start")"
fi

copy_sources "$ROOTFS/compat/src"
mkdir -p "$ROOTFS/compat/dist" && rm -f "$ROOTFS"/compat/dist/*.whl
cp "$WHEEL" "$ROOTFS/compat/dist/"
cp tools/compat_inside.sh "$ROOTFS/compat/"
enter /bin/bash /compat/compat_inside.sh /venv "/compat/dist/$(basename "$WHEEL")" /compat/src
